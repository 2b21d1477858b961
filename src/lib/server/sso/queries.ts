/** The SSO settings page's reads and writes, in the caller's transaction (RLS: sso.manage). */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { createSecret, addSecretVersion } from '../secrets/service';
import type { SsoProviderRow } from './types';

export interface ProviderListing extends SsoProviderRow {
	domains: { id: string; domain: string }[];
	hasSecret: boolean;
}

export async function listProviders(
	trx: Transaction<DB>,
	tenantId: string
): Promise<ProviderListing[]> {
	const providers = await trx
		.selectFrom('sso_providers')
		.selectAll()
		.where('tenant_id', '=', tenantId)
		.orderBy('created_at')
		.execute();
	const served = await trx
		.selectFrom('sso_domains as s')
		.innerJoin('tenant_domains as d', (j) =>
			j.onRef('d.id', '=', 's.domain_id').onRef('d.tenant_id', '=', 's.tenant_id')
		)
		.select(['s.provider_id', 'd.id', 'd.domain'])
		.where('s.tenant_id', '=', tenantId)
		.orderBy('d.domain')
		.execute();
	const secrets = await trx
		.selectFrom('secrets')
		.select('owner_id')
		.where('tenant_id', '=', tenantId)
		.where('owner_type', '=', 'sso_provider')
		.where('name', '=', 'client_secret')
		.execute();
	const owned = new Set(secrets.map((s) => s.owner_id));
	return providers.map((p) => ({
		...p,
		domains: served
			.filter((d) => d.provider_id === p.id)
			.map((d) => ({ id: d.id, domain: d.domain })),
		hasSecret: owned.has(p.id)
	}));
}

export function listVerifiedDomains(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('tenant_domains')
		.select(['id', 'domain'])
		.where('tenant_id', '=', tenantId)
		.where('verified_at', 'is not', null)
		.orderBy('domain')
		.execute();
}

export function listOwners(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('memberships as m')
		.innerJoin('profiles as p', 'p.id', 'm.user_id')
		.select(['p.id', 'p.email'])
		.where('m.tenant_id', '=', tenantId)
		.where('m.is_owner', '=', true)
		.where('m.status', '=', 'active')
		.orderBy('p.email')
		.execute();
}

export async function enforcement(trx: Transaction<DB>, tenantId: string) {
	const row = await trx
		.selectFrom('sso_settings')
		.select(['enforce_sso', 'break_glass_user_ids'])
		.where('tenant_id', '=', tenantId)
		.executeTakeFirst();
	return { enforce: row?.enforce_sso ?? false, breakGlass: row?.break_glass_user_ids ?? [] };
}

export async function setEnforcement(
	trx: Transaction<DB>,
	tenantId: string,
	enforce: boolean,
	breakGlass: string[]
): Promise<void> {
	await trx
		.insertInto('sso_settings')
		.values({ tenant_id: tenantId, enforce_sso: enforce, break_glass_user_ids: breakGlass })
		.onConflict((oc) =>
			oc.column('tenant_id').doUpdateSet({ enforce_sso: enforce, break_glass_user_ids: breakGlass })
		)
		.execute();
}

export async function addSamlProvider(
	trx: Transaction<DB>,
	tenantId: string,
	input: {
		name: string;
		entityId: string;
		ssoUrl: string;
		certificates: string[];
		metadataUrl: string | null;
	}
): Promise<string> {
	const row = await trx
		.insertInto('sso_providers')
		.values({
			tenant_id: tenantId,
			kind: 'saml',
			name: input.name,
			idp_entity_id: input.entityId,
			idp_sso_url: input.ssoUrl,
			idp_certificates: input.certificates,
			metadata_url: input.metadataUrl
		})
		.returning('id')
		.executeTakeFirstOrThrow();
	return row.id;
}

export async function addOidcProvider(
	trx: Transaction<DB>,
	config: Parameters<typeof createSecret>[1],
	tenantId: string,
	input: { name: string; issuer: string; clientId: string; clientSecret: string }
): Promise<string> {
	const row = await trx
		.insertInto('sso_providers')
		.values({
			tenant_id: tenantId,
			kind: 'oidc',
			name: input.name,
			oidc_issuer: input.issuer,
			oidc_client_id: input.clientId
		})
		.returning('id')
		.executeTakeFirstOrThrow();
	if (input.clientSecret) {
		await createSecret(trx, config, {
			tenantId,
			name: 'client_secret',
			format: 'opaque',
			value: input.clientSecret,
			owner: { type: 'sso_provider', id: row.id },
			description: `Client secret of the identity provider ${input.name}`
		});
	}
	return row.id;
}

/** A new client secret: a new version of the owned secret (or the first). */
export async function rotateClientSecret(
	trx: Transaction<DB>,
	config: Parameters<typeof createSecret>[1],
	tenantId: string,
	providerId: string,
	value: string
): Promise<void> {
	const secret = await trx
		.selectFrom('secrets')
		.select('id')
		.where('tenant_id', '=', tenantId)
		.where('owner_type', '=', 'sso_provider')
		.where('owner_id', '=', providerId)
		.where('name', '=', 'client_secret')
		.executeTakeFirst();
	if (secret) await addSecretVersion(trx, config, { tenantId, secretId: secret.id, value });
	else
		await createSecret(trx, config, {
			tenantId,
			name: 'client_secret',
			format: 'opaque',
			value,
			owner: { type: 'sso_provider', id: providerId }
		});
}

export async function setEnabled(
	trx: Transaction<DB>,
	tenantId: string,
	providerId: string,
	enabled: boolean
) {
	const r = await trx
		.updateTable('sso_providers')
		.set({ enabled })
		.where('tenant_id', '=', tenantId)
		.where('id', '=', providerId)
		.executeTakeFirst();
	return r.numUpdatedRows > 0n;
}

export async function setMapping(
	trx: Transaction<DB>,
	tenantId: string,
	providerId: string,
	groupRoles: Record<string, string>,
	mfaContexts: string[]
) {
	const r = await trx
		.updateTable('sso_providers')
		.set({ group_roles: JSON.stringify(groupRoles), mfa_contexts: mfaContexts })
		.where('tenant_id', '=', tenantId)
		.where('id', '=', providerId)
		.executeTakeFirst();
	return r.numUpdatedRows > 0n;
}

export async function deleteProvider(trx: Transaction<DB>, tenantId: string, providerId: string) {
	const r = await trx
		.deleteFrom('sso_providers')
		.where('tenant_id', '=', tenantId)
		.where('id', '=', providerId)
		.executeTakeFirst();
	return r.numDeletedRows > 0n;
}

export async function serveDomain(
	trx: Transaction<DB>,
	tenantId: string,
	providerId: string,
	domainId: string
) {
	await sql`insert into public.sso_domains (tenant_id, domain_id, provider_id)
	          values (${tenantId}, ${domainId}, ${providerId})
	          on conflict (tenant_id, domain_id) do update set provider_id = excluded.provider_id`.execute(
		trx
	);
}

export async function stopServing(trx: Transaction<DB>, tenantId: string, domainId: string) {
	const r = await trx
		.deleteFrom('sso_domains')
		.where('tenant_id', '=', tenantId)
		.where('domain_id', '=', domainId)
		.executeTakeFirst();
	return r.numDeletedRows > 0n;
}
