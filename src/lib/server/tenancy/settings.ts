/**
 * Organisation settings, written as the caller: RLS lets holders of tenant.update change the row,
 * the tenants_check_update trigger guards require_mfa (tenant.security.manage, aal2 to switch on),
 * and the check constraints validate slug, timezone, region and branding once more.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';

export interface SettingsInput {
	name: string;
	slug: string;
	timezone: string;
	dataRegion: string;
	primaryColor?: string;
	logoUrl?: string;
	/** Left out when the person may not change it, so the trigger is not asked. */
	requireMfa?: boolean;
}

/**
 * Saves the settings, keeping branding keys this form does not edit (theme, accent colour,
 * favicon). False when RLS hid the row (no tenant.update).
 */
export async function updateSettings(
	trx: Transaction<DB>,
	tenantId: string,
	branding: Record<string, unknown>,
	input: SettingsInput
): Promise<boolean> {
	const next: Record<string, unknown> = { ...branding };
	delete next.primary_color;
	delete next.logo_url;
	if (input.primaryColor) next.primary_color = input.primaryColor.toLowerCase();
	if (input.logoUrl) next.logo_url = input.logoUrl;
	const result = await trx
		.updateTable('tenants')
		.set({
			name: input.name,
			slug: input.slug,
			timezone: input.timezone,
			data_region: input.dataRegion,
			branding: JSON.stringify(next),
			...(input.requireMfa === undefined ? {} : { require_mfa: input.requireMfa })
		})
		.where('id', '=', tenantId)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

/** Whether the caller owns the tenant (only owners archive it). */
export async function isOwner(trx: Transaction<DB>, tenantId: string): Promise<boolean> {
	const { rows } = await sql<{
		owner: boolean;
	}>`select private.is_tenant_owner(${tenantId}::uuid) as owner`.execute(trx);
	return rows[0]?.owner === true;
}

export async function archiveTenant(
	trx: Transaction<DB>,
	tenantId: string,
	reason: string
): Promise<void> {
	await sql`select public.archive_tenant(${tenantId}::uuid, ${reason || null})`.execute(trx);
}
