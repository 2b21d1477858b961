/**
 * Single sign-on configuration under /api/v1 (docs/sso.md, decision 0018): the tenant's identity
 * providers (SAML from metadata or by hand, OIDC with a write-only client secret), turning them
 * on and off, the verified domains each serves, and their mapping. Through sso/queries.ts, as the
 * settings page; RLS (sso.manage) and the SQL triggers decide, the plan's `sso` feature included
 * (TN584, 403). sso.manage is a person's permission: an API key is refused at once (TN212, 403)
 * rather than answered an empty list. Another tenant's ids are a 404.
 */
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../platform/database';
import { ensureRuntime } from '../../platform/runtime';
import { fetchIdpMetadata, readIdpMetadata } from '../../sso/metadata';
import {
	addOidcProvider,
	addSamlProvider,
	deleteProvider,
	listProviders,
	rotateClientSecret,
	serveDomain,
	setEnabled,
	type ProviderListing
} from '../../sso/queries';
import { myPermissions } from '../../tenancy/tenants';
import { acsUrl, oidcRedirectUrl, spEntityId } from '../../sso/urls';
import { endpoint } from '../endpoint';
import type { Principal } from '../principal';
import { ApiProblem } from '../problem';
import { forbidden, iso, listEndpoint, notFound, timestamp, uuid } from './shared';

const TAG = 'Single sign-on';

/**
 * sso.manage and scim.manage are person-only (private.api_key_grantable): a key never holds them,
 * so it is refused (TN212) in a sentence instead of answered an empty list; a person without the
 * permission is refused TN002 the same way (the settings pages' check). Writes are still the
 * database's to allow (RLS, the RPCs, the plan triggers).
 */
export async function requirePerson(
	trx: Transaction<DB>,
	tenantId: string,
	principal: Principal,
	permission: 'sso.manage' | 'scim.manage'
): Promise<void> {
	if (principal.kind === 'key') {
		throw Object.assign(new Error('an API key cannot do this: it is for a person'), {
			code: 'TN212'
		});
	}
	if (!(await myPermissions(trx, tenantId)).includes(permission)) forbidden(permission);
}

/** A TN220 refusal of one field of the body, in a sentence. */
export function badField(field: string, message: string): never {
	throw new ApiProblem('TN220', `body.${field}: ${message}`, {
		errors: [{ field: `body.${field}`, message }]
	});
}

const httpUrl = (what: string) =>
	z
		.string()
		.trim()
		.max(2000, { error: `Keep the ${what} under 2,000 characters.` })
		.regex(/^https?:\/\/\S+$/, { error: `The ${what} is an http(s) URL.` });

const certificate = z
	.string()
	.trim()
	.min(1)
	.max(20000)
	.transform((c) => c.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''))
	.refine((c) => /^[A-Za-z0-9+/=]+$/.test(c), {
		error: 'A certificate is PEM or its base64 body.'
	});

const roleKey = z.string().trim().min(1).max(100);

export const ssoProviderSchema = z
	.object({
		id: z.uuid(),
		kind: z.enum(['saml', 'oidc']),
		name: z.string(),
		enabled: z.boolean(),
		idp_entity_id: z.string().nullable(),
		idp_sso_url: z.string().nullable(),
		certificate_count: z.int().meta({
			description: 'SAML: how many signing certificates are trusted (two during a rotation).'
		}),
		metadata_url: z.string().nullable(),
		allow_idp_initiated: z.boolean(),
		oidc_issuer: z.string().nullable(),
		oidc_client_id: z.string().nullable(),
		has_client_secret: z
			.boolean()
			.meta({ description: 'OIDC: a client secret is held (write-only; never answered).' }),
		jit_enabled: z.boolean(),
		default_role_id: z.uuid().nullable(),
		email_attribute: z.string(),
		name_attribute: z.string(),
		groups_attribute: z.string(),
		group_roles: z.record(z.string(), z.string()),
		mfa_contexts: z.array(z.string()),
		domains: z.array(z.object({ id: z.uuid(), domain: z.string() })),
		sp: z
			.object({
				entity_id: z.string().nullable(),
				acs_url: z.string().nullable(),
				redirect_uri: z.string().nullable()
			})
			.meta({
				description: 'Our values to give the IdP (SAML: entity id and ACS; OIDC: redirect URI).'
			}),
		created_at: timestamp,
		updated_at: timestamp
	})
	.meta({ id: 'SsoProvider' });

type ProviderJson = z.infer<typeof ssoProviderSchema>;

function providerJson(p: ProviderListing, publicUrl: string): ProviderJson {
	return {
		id: p.id,
		kind: p.kind as 'saml' | 'oidc',
		name: p.name,
		enabled: p.enabled,
		idp_entity_id: p.idp_entity_id,
		idp_sso_url: p.idp_sso_url,
		certificate_count: p.idp_certificates.length,
		metadata_url: p.metadata_url,
		allow_idp_initiated: p.allow_idp_initiated,
		oidc_issuer: p.oidc_issuer,
		oidc_client_id: p.oidc_client_id,
		has_client_secret: p.hasSecret,
		jit_enabled: p.jit_enabled,
		default_role_id: p.role_id,
		email_attribute: p.email_attribute,
		name_attribute: p.name_attribute,
		groups_attribute: p.groups_attribute,
		group_roles: p.group_roles as Record<string, string>,
		mfa_contexts: p.mfa_contexts,
		domains: p.domains,
		sp: {
			entity_id: p.kind === 'saml' ? spEntityId(publicUrl, p.id) : null,
			acs_url: p.kind === 'saml' ? acsUrl(publicUrl, p.id) : null,
			redirect_uri: p.kind === 'oidc' ? oidcRedirectUrl(publicUrl, p.id) : null
		},
		created_at: iso(p.created_at),
		updated_at: iso(p.updated_at)
	};
}

async function providerOf(trx: Transaction<DB>, tenantId: string, id: string) {
	const found = (await listProviders(trx, tenantId)).find((p) => p.id === id);
	return found ?? notFound('identity provider');
}

async function answer(trx: Transaction<DB>, tenantId: string, id: string): Promise<ProviderJson> {
	const { config } = await ensureRuntime();
	return providerJson(await providerOf(trx, tenantId, id), config.PUBLIC_URL);
}

const providerParams = z.object({ provider: uuid('identity provider') });

export const listSsoProvidersEndpoint = listEndpoint(
	{
		path: '/sso/providers',
		operationId: 'listSsoProviders',
		summary: 'Identity providers (sso.manage, a person)',
		tag: TAG,
		item: ssoProviderSchema,
		pageId: 'SsoProviderPage'
	},
	async ({ trx, tenant, principal }) => {
		await requirePerson(trx, tenant.id, principal, 'sso.manage');
		const { config } = await ensureRuntime();
		return (await listProviders(trx, tenant.id)).map((p) => providerJson(p, config.PUBLIC_URL));
	},
	(p) => p.id
);

export const getSsoProviderEndpoint = endpoint(
	{
		method: 'GET',
		path: '/sso/providers/{provider}',
		operationId: 'getSsoProvider',
		summary: 'An identity provider (sso.manage, a person)',
		tag: TAG,
		params: providerParams,
		response: ssoProviderSchema
	},
	async ({ trx, tenant, principal, params }) => {
		await requirePerson(trx, tenant.id, principal, 'sso.manage');
		return answer(trx, tenant.id, params.provider);
	}
);

const samlCreate = z
	.object({
		kind: z.literal('saml'),
		name: z.string().trim().min(1).max(100),
		metadata_xml: z
			.string()
			.max(512 * 1024)
			.optional()
			.meta({
				description: 'The IdP’s metadata XML; or metadata_url; or the three values by hand.'
			}),
		metadata_url: httpUrl('metadata URL').optional(),
		entity_id: z.string().trim().min(1).max(1000).optional(),
		sso_url: httpUrl('SSO URL').optional(),
		certificates: z.array(certificate).min(1).max(2).optional()
	})
	.strict()
	.meta({ id: 'SsoSamlProviderCreate' });

const oidcCreate = z
	.object({
		kind: z.literal('oidc'),
		name: z.string().trim().min(1).max(100),
		issuer: httpUrl('issuer'),
		client_id: z.string().trim().min(1).max(500),
		client_secret: z
			.string()
			.min(1)
			.max(2000)
			.optional()
			.meta({ description: 'Held as an encrypted secret owned by the provider; never answered.' })
	})
	.strict()
	.meta({ id: 'SsoOidcProviderCreate' });

/** The IdP's settings from the body: its metadata (pasted or by URL) or the three values. */
async function samlSettings(body: z.infer<typeof samlCreate>, allowLoopback: boolean) {
	let xml = body.metadata_xml;
	if (!xml && body.metadata_url) {
		try {
			xml = await fetchIdpMetadata(body.metadata_url, allowLoopback);
		} catch (e) {
			badField('metadata_url', e instanceof Error ? e.message : String(e));
		}
	}
	if (xml) {
		const read = await readIdpMetadata(xml);
		if (typeof read === 'string')
			badField(body.metadata_xml ? 'metadata_xml' : 'metadata_url', read);
		return read;
	}
	if (!body.entity_id || !body.sso_url || !body.certificates) {
		badField(
			'metadata_xml',
			'Give the IdP’s metadata (metadata_xml or metadata_url), or entity_id, sso_url and certificates.'
		);
	}
	return { entityId: body.entity_id, ssoUrl: body.sso_url, certificates: body.certificates };
}

export const createSsoProviderEndpoint = endpoint(
	{
		method: 'POST',
		path: '/sso/providers',
		operationId: 'createSsoProvider',
		summary: 'Add an identity provider, turned on (sso.manage, a person; the plan’s sso feature)',
		tag: TAG,
		body: z.discriminatedUnion('kind', [samlCreate, oidcCreate]).meta({ id: 'SsoProviderCreate' }),
		response: ssoProviderSchema,
		status: 201
	},
	async ({ trx, tenant, principal, body }) => {
		await requirePerson(trx, tenant.id, principal, 'sso.manage');
		const { config } = await ensureRuntime();
		const id =
			body.kind === 'saml'
				? await addSamlProvider(trx, tenant.id, {
						name: body.name,
						...(await samlSettings(body, config.SSO_ALLOW_LOOPBACK)),
						metadataUrl: body.metadata_url ?? null
					})
				: await addOidcProvider(trx, config, tenant.id, {
						name: body.name,
						issuer: body.issuer,
						clientId: body.client_id,
						clientSecret: body.client_secret ?? ''
					});
		return answer(trx, tenant.id, id);
	}
);

const SAML_ONLY = ['idp_entity_id', 'idp_sso_url', 'certificates', 'allow_idp_initiated'] as const;
const OIDC_ONLY = ['oidc_issuer', 'oidc_client_id', 'client_secret'] as const;

export const updateSsoProviderEndpoint = endpoint(
	{
		method: 'PATCH',
		path: '/sso/providers/{provider}',
		operationId: 'updateSsoProvider',
		summary:
			'Change an identity provider: its name, IdP values (a certificate rotation gives two), client, provisioning (sso.manage, a person)',
		tag: TAG,
		params: providerParams,
		body: z
			.object({
				name: z.string().trim().min(1).max(100).optional(),
				idp_entity_id: z.string().trim().min(1).max(1000).optional(),
				idp_sso_url: httpUrl('SSO URL').optional(),
				certificates: z.array(certificate).min(1).max(2).optional(),
				allow_idp_initiated: z.boolean().optional(),
				oidc_issuer: httpUrl('issuer').optional(),
				oidc_client_id: z.string().trim().min(1).max(500).optional(),
				client_secret: z
					.string()
					.min(1)
					.max(2000)
					.optional()
					.meta({ description: 'A new version of the held client secret; never answered.' }),
				jit_enabled: z.boolean().optional(),
				default_role_id: uuid('role').nullable().optional()
			})
			.strict()
			.meta({ id: 'SsoProviderUpdate' }),
		response: ssoProviderSchema
	},
	async ({ trx, tenant, principal, params, body }) => {
		await requirePerson(trx, tenant.id, principal, 'sso.manage');
		const current = await providerOf(trx, tenant.id, params.provider);
		const foreign = current.kind === 'saml' ? OIDC_ONLY : SAML_ONLY;
		for (const field of foreign) {
			if (body[field] !== undefined) badField(field, `A ${current.kind} provider has no ${field}.`);
		}
		const set = {
			...(body.name !== undefined && { name: body.name }),
			...(body.idp_entity_id !== undefined && { idp_entity_id: body.idp_entity_id }),
			...(body.idp_sso_url !== undefined && { idp_sso_url: body.idp_sso_url }),
			...(body.certificates !== undefined && { idp_certificates: body.certificates }),
			...(body.allow_idp_initiated !== undefined && {
				allow_idp_initiated: body.allow_idp_initiated
			}),
			...(body.oidc_issuer !== undefined && { oidc_issuer: body.oidc_issuer }),
			...(body.oidc_client_id !== undefined && { oidc_client_id: body.oidc_client_id }),
			...(body.jit_enabled !== undefined && { jit_enabled: body.jit_enabled }),
			...(body.default_role_id !== undefined && { role_id: body.default_role_id })
		};
		if (Object.keys(set).length > 0) {
			await trx
				.updateTable('sso_providers')
				.set(set)
				.where('tenant_id', '=', tenant.id)
				.where('id', '=', current.id)
				.execute();
		}
		if (body.client_secret !== undefined) {
			const { config } = await ensureRuntime();
			await rotateClientSecret(trx, config, tenant.id, current.id, body.client_secret);
		}
		return answer(trx, tenant.id, current.id);
	}
);

export const deleteSsoProviderEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/sso/providers/{provider}',
		operationId: 'deleteSsoProvider',
		summary:
			'Remove an identity provider, with its domains, linked identities and client secret (sso.manage, a person)',
		tag: TAG,
		params: providerParams
	},
	async ({ trx, tenant, principal, params }) => {
		await requirePerson(trx, tenant.id, principal, 'sso.manage');
		if (!(await deleteProvider(trx, tenant.id, params.provider))) notFound('identity provider');
	}
);

function toggle(enabled: boolean) {
	const verb = enabled ? 'enable' : 'disable';
	return endpoint(
		{
			method: 'POST',
			path: `/sso/providers/{provider}/${verb}`,
			operationId: `${verb}SsoProvider`,
			summary: enabled
				? 'Turn an identity provider on (sso.manage, a person; the plan’s sso feature)'
				: 'Turn an identity provider off: nobody signs in through it (sso.manage, a person)',
			tag: TAG,
			params: providerParams,
			response: ssoProviderSchema
		},
		async ({ trx, tenant, principal, params }) => {
			await requirePerson(trx, tenant.id, principal, 'sso.manage');
			if (!(await setEnabled(trx, tenant.id, params.provider, enabled)))
				notFound('identity provider');
			return answer(trx, tenant.id, params.provider);
		}
	);
}

export const enableSsoProviderEndpoint = toggle(true);
export const disableSsoProviderEndpoint = toggle(false);

export const updateSsoMappingEndpoint = endpoint(
	{
		method: 'PATCH',
		path: '/sso/providers/{provider}/mapping',
		operationId: 'updateSsoMapping',
		summary:
			'The attribute mapping, group → role mapping (role keys, never owner: TN444) and second-factor contexts (sso.manage, a person)',
		tag: TAG,
		params: providerParams,
		body: z
			.object({
				email_attribute: z.string().trim().min(1).max(300).optional(),
				name_attribute: z.string().trim().min(1).max(300).optional(),
				groups_attribute: z.string().trim().min(1).max(300).optional(),
				group_roles: z
					.record(z.string().trim().min(1).max(200), roleKey)
					.refine((m) => Object.keys(m).length <= 100, { error: 'Map at most 100 groups.' })
					.optional()
					.meta({ description: '{"<IdP group>": "<role key>"}; replaces the whole mapping.' }),
				mfa_contexts: z.array(z.string().trim().min(1).max(300)).max(20).optional()
			})
			.strict()
			.meta({ id: 'SsoMappingUpdate' }),
		response: ssoProviderSchema
	},
	async ({ trx, tenant, principal, params, body }) => {
		await requirePerson(trx, tenant.id, principal, 'sso.manage');
		const current = await providerOf(trx, tenant.id, params.provider);
		const set = {
			...(body.email_attribute !== undefined && { email_attribute: body.email_attribute }),
			...(body.name_attribute !== undefined && { name_attribute: body.name_attribute }),
			...(body.groups_attribute !== undefined && { groups_attribute: body.groups_attribute }),
			...(body.group_roles !== undefined && { group_roles: JSON.stringify(body.group_roles) }),
			...(body.mfa_contexts !== undefined && { mfa_contexts: body.mfa_contexts })
		};
		if (Object.keys(set).length > 0) {
			await trx
				.updateTable('sso_providers')
				.set(set)
				.where('tenant_id', '=', tenant.id)
				.where('id', '=', current.id)
				.execute();
		}
		return answer(trx, tenant.id, current.id);
	}
);

export const serveSsoDomainEndpoint = endpoint(
	{
		method: 'POST',
		path: '/sso/providers/{provider}/domains',
		operationId: 'serveSsoDomain',
		summary:
			'Serve a verified domain of the organisation by this provider (moves it from another; TN440 unverified; sso.manage, a person)',
		tag: TAG,
		params: providerParams,
		body: z
			.object({
				domain_id: uuid('domain').meta({
					description: 'A tenant domain’s id (GET the domains page).'
				})
			})
			.strict()
			.meta({ id: 'SsoDomainServe' }),
		response: ssoProviderSchema
	},
	async ({ trx, tenant, principal, params, body }) => {
		await requirePerson(trx, tenant.id, principal, 'sso.manage');
		const provider = await providerOf(trx, tenant.id, params.provider);
		const domain = await trx
			.selectFrom('tenant_domains')
			.select('id')
			.where('tenant_id', '=', tenant.id)
			.where('id', '=', body.domain_id)
			.executeTakeFirst();
		if (!domain) notFound('domain');
		await serveDomain(trx, tenant.id, provider.id, domain.id);
		return answer(trx, tenant.id, provider.id);
	}
);

export const unserveSsoDomainEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/sso/providers/{provider}/domains/{domain}',
		operationId: 'unserveSsoDomain',
		summary: 'Stop serving a domain by this provider (sso.manage, a person)',
		tag: TAG,
		params: providerParams.extend({ domain: uuid('domain') })
	},
	async ({ trx, tenant, principal, params }) => {
		await requirePerson(trx, tenant.id, principal, 'sso.manage');
		const r = await trx
			.deleteFrom('sso_domains')
			.where('tenant_id', '=', tenant.id)
			.where('provider_id', '=', params.provider)
			.where('domain_id', '=', params.domain)
			.executeTakeFirst();
		if (r.numDeletedRows === 0n) notFound('served domain');
	}
);
