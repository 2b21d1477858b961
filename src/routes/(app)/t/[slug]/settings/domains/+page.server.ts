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
import { tenantAction } from '$lib/server/tenancy/actions';
import { forgetHost } from '$lib/server/domains/hosts';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { formError } from '$lib/server/platform/web/forms';
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

const NOT_OURS = 'That domain is not one of this organisation’s.';

export const actions: Actions = {
	add: (event) =>
		tenantAction(event, addDomainSchema, async (trx, tenant, { input }) => {
			await addDomain(trx, tenant.id, input.domain);
			return { ok: `${input.domain} was added: publish the TXT record below, then check it.` };
		}),
	/**
	 * The person's transaction finds the domain; the DNS lookup runs outside any transaction; the
	 * result is recorded by the `domains.verify` system job (the check columns are the system's).
	 */
	verify: async (event) => {
		const found = await tenantAction(
			event,
			domainIdSchema,
			async (trx, tenant, { input, values }) => {
				const domain = await findDomain(trx, tenant.id, input.id);
				return domain ? { domain, values } : formError(404, NOT_OURS, values);
			}
		);
		if (refused(found)) return found;
		const { domain, values } = found;
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
					values
				);
			}
			throw e;
		}
		forgetHost(domain.domain);
		return check.verified
			? {
					ok: `${domain.domain} is verified: the organisation now answers at https://${domain.domain}/.`
				}
			: formError(400, check.problem ?? 'Not verified yet.', values);
	},
	remove: async (event) => {
		const removed = await tenantAction(
			event,
			domainIdSchema,
			async (trx, tenant, { input, values }) => {
				const domain = await findDomain(trx, tenant.id, input.id);
				return domain && (await removeDomain(trx, tenant.id, domain.id))
					? domain.domain
					: formError(404, NOT_OURS, values);
			}
		);
		if (refused(removed)) return removed;
		forgetHost(removed);
		return { ok: `${removed} was removed.` };
	}
};
