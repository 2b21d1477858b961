/**
 * The domains module's jobs. `domains.dns_check` checks every custom domain's records (or one
 * domain's, when the page asks): the records are brought up to the domains.* settings and read in
 * one service-role transaction, looked up through the resolver boundary outside any transaction,
 * and each domain's outcome recorded in a transaction of its own (private.record_dns_checks flags
 * a verified domain whose CNAME or A/AAAA stopped pointing here). `domains.certificates` runs the
 * idempotent expiry pass (certificate.expiring at 30/7/1 days → the notification).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';
import { sendCertificateNotices } from './certificates';
import { domainsToCheck, recordDnsChecks } from './queries';
import { checkRecords } from './records';
import { configuredServers, createResolver, type DnsResolver } from './resolver';

export async function runDnsCheck(
	db: Kysely<DB>,
	resolver: DnsResolver,
	domainId?: string
): Promise<{ domains: number; records: number; failing: number }> {
	const domains = await runAsServiceRole(db, 'domains.dns_check', (trx) =>
		domainsToCheck(trx, domainId)
	);
	let records = 0;
	let failing = 0;
	for (const domain of domains) {
		const checks = await checkRecords(domain.records, resolver);
		await runAsServiceRole(db, 'domains.dns_check', (trx) =>
			recordDnsChecks(trx, domain.id, checks)
		);
		records += checks.length;
		failing += checks.filter((c, i) => c.status !== 'ok' && domain.records[i]!.required).length;
	}
	return { domains: domains.length, records, failing };
}

registerJob({
	name: 'domains.dns_check',
	intervalMs: (config) => config.DOMAIN_DNS_CHECK_INTERVAL_MS,
	run: (db, config) => runDnsCheck(db, createResolver(configuredServers(config.DOMAIN_DNS_SERVERS)))
});

registerJob({
	name: 'domains.certificates',
	intervalMs: (config) => config.DOMAIN_CERTIFICATE_INTERVAL_MS,
	run: (db) => runAsServiceRole(db, 'domains.certificates', (trx) => sendCertificateNotices(trx))
});
