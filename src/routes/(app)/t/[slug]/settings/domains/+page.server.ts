import { error, fail } from '@sveltejs/kit';
import {
	addDomainSchema,
	certificateUploadSchema,
	domainIdSchema
} from '$lib/server/domains/schemas';
import { asServiceRole, withClaims } from '$lib/server/platform/db';
import {
	addDomain,
	findDomain,
	listDomains,
	DNS_RECORD_LIST,
	pageDnsRecords,
	recordDomainCheck,
	removeDomain,
	setPrimaryDomain
} from '$lib/server/domains/queries';
import { checkDomainRecord, expectedRecord, TXT_PREFIX } from '$lib/server/domains/dns';
import {
	listCertificates,
	removeCertificate,
	storeCertificate,
	validateCertificate
} from '$lib/server/domains/certificates';
import { runDnsCheck } from '$lib/server/domains/jobs';
import { configuredServers, createResolver } from '$lib/server/domains/resolver';
import { describeCheck } from '$lib/server/domains/records';
import { readList } from '$lib/server/platform/list';
import { fieldError, type FieldErrors } from '$lib/server/platform/web/forms';
import { tenantAction } from '$lib/server/tenancy/actions';
import { forgetHost } from '$lib/server/domains/hosts';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { formError } from '$lib/server/platform/web/forms';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'domains.manage'))
		error(403, 'Managing domains needs the domains.manage permission.');
	const { config } = await ensureRuntime();
	const params = readList(url.searchParams, DNS_RECORD_LIST);
	const { domains, records, certificates } = await withClaims(
		requireClaims(locals),
		async (trx) => ({
			domains: await listDomains(trx, tenant.id),
			records: await pageDnsRecords(trx, tenant.id, params),
			certificates: await listCertificates(trx, tenant.id)
		})
	);
	return {
		domains: domains.map((d) => ({ ...d, record: expectedRecord(d.verificationToken) })),
		records: {
			...records,
			rows: records.rows.map((r) => ({ ...r, problem: describeCheck(r) }))
		},
		certificates,
		txtPrefix: TXT_PREFIX,
		subdomain: `${tenant.slug}.${new URL(config.PUBLIC_APP_URL).host}`
	};
};

const NOT_OURS = 'That domain is not one of this organisation’s.';

/** Checks one domain's records now (the domains.dns_check job's work, for this domain only). */
async function checkRecordsNow(domainId: string) {
	const { config, engine } = await ensureRuntime();
	return runDnsCheck(
		engine.db,
		createResolver(configuredServers(config.DOMAIN_DNS_SERVERS)),
		domainId
	);
}

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
		const servers = configuredServers(config.DOMAIN_DNS_SERVERS);
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
		await checkRecordsNow(domain.id);
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
	},
	/** Looks every record of one domain up again and records what was found. */
	checkRecords: async (event) => {
		const found = await tenantAction(
			event,
			domainIdSchema,
			async (trx, tenant, { input, values }) => {
				const domain = await findDomain(trx, tenant.id, input.id);
				return domain ?? formError(404, NOT_OURS, values);
			}
		);
		if (refused(found)) return found;
		const report = await checkRecordsNow(found.id);
		return report.failing
			? formError(
					400,
					`${found.domain}: ${report.failing} required record${report.failing === 1 ? ' is' : 's are'} not in place yet; the table says what to change.`,
					{ id: found.id }
				)
			: { ok: `Every required record of ${found.domain} is in place.` };
	},
	primary: (event) =>
		tenantAction(event, domainIdSchema, async (trx, tenant, { input, values }) => {
			const domain = await findDomain(trx, tenant.id, input.id);
			if (!domain) return formError(404, NOT_OURS, values);
			await setPrimaryDomain(trx, domain.id);
			return { ok: `${domain.domain} is now the primary domain.` };
		}),
	uploadCertificate: async (event) => {
		const { config } = await ensureRuntime();
		return tenantAction(event, certificateUploadSchema, async (trx, tenant, { input, values }) => {
			const domain = await findDomain(trx, tenant.id, input.domainId);
			if (!domain) return fieldError('domainId', NOT_OURS, values);
			const result = validateCertificate({
				chainPem: input.chain,
				keyPem: input.privateKey,
				domain: domain.domain
			});
			if (!result.ok) return fail(400, { errors: result.errors as FieldErrors, values });
			await storeCertificate(trx, config, {
				tenantId: tenant.id,
				domainId: domain.id,
				certificate: result.certificate
			});
			return {
				ok: `The certificate for ${domain.domain} was saved; its key is sealed and cannot be read back.`
			};
		});
	},
	removeCertificate: async (event) => {
		const removed = await tenantAction(
			event,
			domainIdSchema,
			async (trx, tenant, { input, values }) =>
				(await removeCertificate(trx, tenant.id, input.id))
					? true
					: formError(404, 'That certificate is not one of this organisation’s.', values)
		);
		if (refused(removed)) return removed;
		return { ok: 'The certificate and its key were deleted.' };
	}
};
