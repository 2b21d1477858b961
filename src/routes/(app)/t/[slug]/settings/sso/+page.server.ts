import { error } from '@sveltejs/kit';
import { planFeature } from '$lib/server/billing/queries';
import { withClaims } from '$lib/server/platform/db';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { fieldError, formError } from '$lib/server/platform/web/forms';
import { fetchIdpMetadata, readIdpMetadata } from '$lib/server/sso/metadata';
import {
	addOidcProvider,
	addSamlProvider,
	deleteProvider,
	enforcement,
	listOwners,
	listProviders,
	listVerifiedDomains,
	serveDomain,
	setEnabled,
	setEnforcement,
	setMapping,
	stopServing
} from '$lib/server/sso/queries';
import {
	domainIdSchema,
	enforcementSchema,
	mappingSchema,
	oidcProviderSchema,
	providerIdSchema,
	samlProviderSchema,
	serveDomainSchema
} from '$lib/server/sso/schemas';
import { acsUrl, oidcRedirectUrl, spEntityId } from '$lib/server/sso/urls';
import { startForProvider } from '$lib/server/sso/web';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * Single sign-on (docs/sso.md): the tenant's identity providers (SAML from metadata or by hand,
 * OIDC with an owned client secret), our SP values to copy, the verified domains each serves,
 * group → role mapping, enforcement with a break-glass owner, and the connection test. sso.manage.
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'sso.manage'))
		error(403, 'Configuring single sign-on needs the sso.manage permission.');
	const { config } = await ensureRuntime();
	const { providers, domains, owners, enforced, plan } = await withClaims(
		requireClaims(locals),
		async (trx) => ({
			plan: await planFeature(trx, tenant.id, 'sso'),
			providers: await listProviders(trx, tenant.id),
			domains: await listVerifiedDomains(trx, tenant.id),
			owners: await listOwners(trx, tenant.id),
			enforced: await enforcement(trx, tenant.id)
		})
	);
	return {
		plan,
		providers: providers.map((p) => ({
			id: p.id,
			kind: p.kind,
			name: p.name,
			enabled: p.enabled,
			idpEntityId: p.idp_entity_id,
			certificates: p.idp_certificates.length,
			issuer: p.oidc_issuer,
			clientId: p.oidc_client_id,
			hasSecret: p.hasSecret,
			domains: p.domains,
			groupRoles: Object.entries(p.group_roles as Record<string, string>)
				.map(([g, r]) => `${g} = ${r}`)
				.join('\n'),
			mfaContexts: p.mfa_contexts.join('\n'),
			sp:
				p.kind === 'saml'
					? { entityId: spEntityId(config.PUBLIC_URL, p.id), acs: acsUrl(config.PUBLIC_URL, p.id) }
					: { redirect: oidcRedirectUrl(config.PUBLIC_URL, p.id) }
		})),
		domains,
		owners,
		enforced
	};
};

const NOT_OURS = 'No such identity provider in this organisation.';

export const actions: Actions = {
	addSaml: async (event) => {
		const { config } = await ensureRuntime();
		return tenantAction(event, samlProviderSchema, async (trx, tenant, { input, values }) => {
			let xml = input.metadata_xml;
			if (!xml && input.metadata_url) {
				try {
					xml = await fetchIdpMetadata(input.metadata_url, config.SSO_ALLOW_LOOPBACK);
				} catch (e) {
					return fieldError('metadata_url', e instanceof Error ? e.message : String(e), values);
				}
			}
			let settings = {
				entityId: input.entity_id,
				ssoUrl: input.sso_url,
				certificates: input.certificate
					? [input.certificate.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')]
					: []
			};
			if (xml) {
				const read = await readIdpMetadata(xml);
				if (typeof read === 'string') return fieldError('metadata_xml', read, values);
				settings = read;
			} else if (!settings.entityId || !settings.ssoUrl || settings.certificates.length === 0) {
				return formError(
					400,
					'Give the IdP’s metadata (pasted, uploaded or its URL), or its entity id, SSO URL and certificate.',
					values
				);
			}
			await addSamlProvider(trx, tenant.id, {
				name: input.name,
				...settings,
				metadataUrl: input.metadata_url || null
			});
			return { ok: `${input.name} was added. Give the IdP the values shown under it.` };
		});
	},
	addOidc: async (event) => {
		const { config } = await ensureRuntime();
		return tenantAction(event, oidcProviderSchema, async (trx, tenant, { input }) => {
			await addOidcProvider(trx, config, tenant.id, {
				name: input.name,
				issuer: input.issuer,
				clientId: input.client_id,
				clientSecret: input.client_secret
			});
			return {
				ok: `${input.name} was added. Register the redirect URI shown under it at the provider.`
			};
		});
	},
	toggle: (event) =>
		tenantAction(event, providerIdSchema, async (trx, tenant, { input, values }) => {
			const current = (await listProviders(trx, tenant.id)).find((p) => p.id === input.provider_id);
			if (!current || !(await setEnabled(trx, tenant.id, current.id, !current.enabled)))
				return formError(404, NOT_OURS, values);
			return { ok: `${current.name} is ${current.enabled ? 'turned off' : 'turned on'}.` };
		}),
	mapping: (event) =>
		tenantAction(event, mappingSchema, async (trx, tenant, { input, values }) => {
			if (
				!(await setMapping(
					trx,
					tenant.id,
					input.provider_id,
					input.group_roles,
					input.mfa_contexts
				))
			)
				return formError(404, NOT_OURS, values);
			return { ok: 'The mapping is saved.' };
		}),
	remove: (event) =>
		tenantAction(event, providerIdSchema, async (trx, tenant, { input, values }) => {
			if (!(await deleteProvider(trx, tenant.id, input.provider_id)))
				return formError(404, NOT_OURS, values);
			return { ok: 'The identity provider was removed, with its linked identities.' };
		}),
	serve: (event) =>
		tenantAction(event, serveDomainSchema, async (trx, tenant, { input }) => {
			await serveDomain(trx, tenant.id, input.provider_id, input.domain_id);
			return { ok: 'Sign-in by addresses of that domain now goes to this identity provider.' };
		}),
	unserve: (event) =>
		tenantAction(event, domainIdSchema, async (trx, tenant, { input, values }) => {
			if (!(await stopServing(trx, tenant.id, input.domain_id)))
				return formError(404, NOT_OURS, values);
			return { ok: 'The domain is no longer served by single sign-on.' };
		}),
	enforce: (event) =>
		tenantAction(event, enforcementSchema, async (trx, tenant, { input }) => {
			await setEnforcement(
				trx,
				tenant.id,
				input.enforce === 'on',
				input.break_glass ? [input.break_glass] : []
			);
			return {
				ok:
					input.enforce === 'on'
						? 'Single sign-on is enforced: passwords no longer sign in addresses of the served domains.'
						: 'Passwords sign in again alongside single sign-on.'
			};
		}),
	/** The connection test and linking: a round trip to the IdP (the page navigates by script). */
	test: async (event) => start(event, 'test'),
	link: async (event) => start(event, 'link')
};

async function start(event: Parameters<Actions[string]>[0], purpose: 'test' | 'link') {
	const claims = requireClaims(event.locals);
	const found = await tenantAction(
		event,
		providerIdSchema,
		async (trx, tenant, { input, values }) => {
			const provider = (await listProviders(trx, tenant.id)).find(
				(p) => p.id === input.provider_id
			);
			return provider ? { id: provider.id, slug: tenant.slug } : formError(404, NOT_OURS, values);
		}
	);
	if (refused(found)) return found;
	const location = await startForProvider(
		found.id,
		purpose,
		claims.sub,
		`/t/${found.slug}/settings/sso`
	);
	if (!location) return formError(400, 'Turn the identity provider on first.', {});
	return { location };
}
