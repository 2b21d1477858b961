/**
 * Organisation settings, written as the caller: RLS lets holders of tenant.update change the row,
 * the tenants_check_update trigger guards require_mfa (tenant.security.manage, aal2 to switch on),
 * and the check constraints validate slug, timezone, region and branding once more.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { describeDbError } from '../platform/errors';

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

/** What the settings page tells a person when the database refuses a write. */
export function explainSettingsError(error: unknown): { field?: string; message: string } | null {
	const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
	if (code === 'TN004')
		return {
			field: 'requireMfa',
			message:
				'Requiring two-factor authentication needs a session that used it: verify a code on your Security page, then save again.'
		};
	if (code === 'TN002')
		return {
			field: 'requireMfa',
			message: 'Only people who manage security (tenant.security.manage) can change this.'
		};
	if (code === 'TN033') return { message: 'Only owners can archive the organisation.' };
	if (code === '23505') return { field: 'slug', message: 'That address is taken.' };
	if (code === '23514') {
		const named = describeDbError(error);
		if (named?.field) return named;
		const field: Record<string, [string, string]> = {
			tenants_timezone_valid: ['timezone', 'Unknown time zone.'],
			tenants_branding_valid: ['primaryColor', 'Check the colour (#rrggbb) and the logo address.'],
			tenants_data_region_check: ['dataRegion', 'Choose one of the listed data regions.']
		};
		const [name, message] = field[constraint ?? ''] ?? ['name', 'Check the name.'];
		return { field: name, message };
	}
	return null;
}
