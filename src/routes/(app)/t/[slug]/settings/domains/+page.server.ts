import { error } from '@sveltejs/kit';
import { addDomainSchema, domainIdSchema } from '$lib/server/domains/schemas';
import { asServiceRole, withClaims } from '$lib/server/platform/db';
import {
	addDomain,
	findDomain,
	listDomains,
	recordDomainCheck,
	removeDomain
} from '$lib/server/domains/queries';
import { checkDomainRecord, expectedRecord, TXT_PREFIX } from '$lib/server/domains/dns';
import { findTenantBySlug } from '$lib/server/tenancy/tenants';
import { forgetHost } from '$lib/server/domains/hosts';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { mutate, requireClaims } from '$lib/server/platform/web/actions';
import { formError, parseForm } from '$lib/server/platform/web/forms';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'domains.manage'))
		error(403, 'Managing domains needs the domains.manage permission.');
	const { config } = await ensureRuntime();
	const domains = await withClaims(requireClaims(locals), (trx) => listDomains(trx, tenant.id));
	return {
		domains: domains.map((d) => ({ ...d, record: expectedRecord(d.verificationToken) })),
		txtPrefix: TXT_PREFIX,
		subdomain: `${tenant.slug}.${new URL(config.PUBLIC_APP_URL).host}`
	};
};

export const actions: Actions = {
	add: async ({ request, locals, params }) => {
		const form = await parseForm(request, addDomainSchema);
		if (!form.ok) return form.failure;
		const result = await mutate(locals, form.values, async (trx) => {
			const tenant = await findTenantBySlug(trx, params.slug);
			if (!tenant) error(404, 'Not found');
			await addDomain(trx, tenant.id, form.data.domain);
		});
		if (!result.ok) return result.failure;
		return { ok: `${form.data.domain} was added: publish the TXT record below, then check it.` };
	},
	verify: async ({ request, locals, params }) => {
		const form = await parseForm(request, domainIdSchema);
		if (!form.ok) return form.failure;
		const claims = requireClaims(locals);
		const domain = await withClaims(claims, async (trx) => {
			const tenant = await findTenantBySlug(trx, params.slug);
			return tenant ? findDomain(trx, tenant.id, form.data.id) : undefined;
		});
		if (!domain)
			return formError(404, 'That domain is not one of this organisation’s.', form.values);
		const { config } = await ensureRuntime();
		const servers = config.DOMAIN_DNS_SERVERS?.split(',') ?? [];
		const check = await checkDomainRecord(domain.domain, domain.verificationToken, servers);
		try {
			await asServiceRole('domains.verify', (trx) =>
				recordDomainCheck(trx, domain.id, check.verified, check.problem)
			);
		} catch (e) {
			if (['TN150', '23505'].includes((e as { code?: string }).code ?? '')) {
				return formError(
					409,
					`${domain.domain} is already verified for another organisation.`,
					form.values
				);
			}
			throw e;
		}
		forgetHost(domain.domain);
		return check.verified
			? {
					ok: `${domain.domain} is verified: the organisation now answers at https://${domain.domain}/.`
				}
			: formError(400, check.problem ?? 'Not verified yet.', form.values);
	},
	remove: async ({ request, locals, params }) => {
		const form = await parseForm(request, domainIdSchema);
		if (!form.ok) return form.failure;
		const result = await mutate(locals, form.values, async (trx) => {
			const tenant = await findTenantBySlug(trx, params.slug);
			const domain = tenant && (await findDomain(trx, tenant.id, form.data.id));
			return domain && (await removeDomain(trx, tenant.id, domain.id)) ? domain.domain : null;
		});
		if (!result.ok) return result.failure;
		if (!result.value) {
			return formError(404, 'That domain is not one of this organisation’s.', form.values);
		}
		forgetHost(result.value);
		return { ok: `${result.value} was removed.` };
	}
};
