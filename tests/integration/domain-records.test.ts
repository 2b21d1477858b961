/**
 * The DNS records of custom domains, checked through the resolver boundary against a real UDP DNS
 * server on 127.0.0.1 (tests/support/dns-server.ts, never a public resolver), and the
 * domains.dns_check job on the seeded embedded database: statuses per record, what was found, and
 * a verified domain that loses its CNAME flagged rather than kept silently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/lib/server/platform/engine';
import { runDnsCheck } from '../../src/lib/server/domains/jobs';
import { parsePayload } from '../../src/lib/server/events/catalogue';
import { checkRecords, evaluateRecord } from '../../src/lib/server/domains/records';
import { createResolver, type DnsResolver } from '../../src/lib/server/domains/resolver';
import { startDnsServer, type DnsServer } from '../support/dns-server';
import { seeded } from '../support/database';
import { embeddedFactory, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const DOMAIN = 'shop.acme.test';

let dns: DnsServer;
let resolver: DnsResolver;
let t: TestEngine;
let engine: Engine;

async function q<Row>(text: string, params: unknown[] = []): Promise<Row[]> {
	return engine.session((s) => s.query<Row>(text, params));
}

beforeAll(async () => {
	dns = await startDnsServer();
	resolver = createResolver([dns.address], { timeout: 1000, tries: 1 });
	t = await seeded(embeddedFactory);
	engine = t.engine;
}, 240_000);

afterAll(async () => {
	await dns?.close();
	await t?.dispose();
});

describe('the resolver boundary', () => {
	it('answers each record type from the local DNS server, in one shape', async () => {
		dns.cnames.set('www.example.test', 'Edge.Platform.test.');
		dns.records.set('_tenantry.www.example.test', ['tenantry-verification=abc']);
		dns.addresses.set('apex.example.test', ['192.0.2.10']);
		dns.ipv6.set('apex.example.test', ['2001:db8::10']);
		dns.caa.set('apex.example.test', [{ flags: 0, tag: 'issue', value: 'letsencrypt.org' }]);
		expect(await resolver.lookup('CNAME', 'www.example.test')).toEqual({
			kind: 'found',
			values: ['edge.platform.test']
		});
		expect(await resolver.lookup('TXT', '_tenantry.www.example.test')).toEqual({
			kind: 'found',
			values: ['tenantry-verification=abc']
		});
		expect(await resolver.lookup('A', 'apex.example.test')).toEqual({
			kind: 'found',
			values: ['192.0.2.10']
		});
		expect(await resolver.lookup('AAAA', 'apex.example.test')).toEqual({
			kind: 'found',
			values: ['2001:db8::10']
		});
		expect(await resolver.lookup('CAA', 'apex.example.test')).toEqual({
			kind: 'found',
			values: ['0 issue "letsencrypt.org"']
		});
		expect(await resolver.lookup('TXT', 'nothing.example.test')).toEqual({ kind: 'none' });
		expect(await resolver.lookup('CAA', 'www.example.test')).toEqual({ kind: 'none' });
		expect(dns.queries.map((query) => query.type)).toEqual([5, 16, 1, 28, 257, 16, 257]);
	});

	it('reports a server that does not answer as an error, not as a missing record', async () => {
		const silent = createResolver(['127.0.0.1:9'], { timeout: 200, tries: 1 });
		const lookup = await silent.lookup('TXT', 'www.example.test');
		expect(lookup.kind).toBe('error');
	});
});

describe('record statuses', () => {
	it('ok, missing, wrong with what was found, error with the code', async () => {
		const record = { id: 'r', recordType: 'CNAME' as const, value: 'edge.platform.test' };
		expect(evaluateRecord(record, { kind: 'found', values: ['EDGE.platform.test'] })).toEqual({
			id: 'r',
			status: 'ok',
			found: null
		});
		expect(evaluateRecord(record, { kind: 'none' }).status).toBe('missing');
		expect(evaluateRecord(record, { kind: 'found', values: ['elsewhere.test'] })).toEqual({
			id: 'r',
			status: 'wrong',
			found: 'elsewhere.test'
		});
		expect(evaluateRecord(record, { kind: 'error', code: 'ETIMEOUT' })).toEqual({
			id: 'r',
			status: 'error',
			found: 'the lookup failed (ETIMEOUT)'
		});
	});

	it('a CAA set without the platform’s CA is wrong; one lookup serves records asking the same', async () => {
		dns.caa.set('caa.example.test', [{ flags: 0, tag: 'issue', value: 'other-ca.test' }]);
		dns.addresses.set('caa.example.test', ['192.0.2.10']);
		const before = dns.queries.length;
		const checks = await checkRecords(
			[
				{
					id: 'c',
					recordType: 'CAA',
					host: 'caa.example.test',
					value: '0 issue "letsencrypt.org"'
				},
				{ id: 'a1', recordType: 'A', host: 'caa.example.test', value: '192.0.2.10' },
				{ id: 'a2', recordType: 'A', host: 'caa.example.test', value: '192.0.2.11' }
			],
			resolver
		);
		expect(checks).toEqual([
			{ id: 'c', status: 'wrong', found: '0 issue "other-ca.test"' },
			{ id: 'a1', status: 'ok', found: null },
			{ id: 'a2', status: 'wrong', found: '192.0.2.10' }
		]);
		expect(dns.queries.length - before).toBe(2);
	});
});

describe('the domains.dns_check job', () => {
	async function records() {
		return q<{ record_type: string; status: string; found: string | null }>(
			`select record_type, status, found from public.dns_records r join public.tenant_domains d on d.id = r.domain_id
			 where d.domain = $1 order by record_type`,
			[DOMAIN]
		);
	}

	it('checks every record of a new domain and records what it found', async () => {
		const [row] = await q<{ id: string; verification_token: string }>(
			`insert into public.tenant_domains (tenant_id, domain) values ($1, $2) returning id, verification_token`,
			[ACME, DOMAIN]
		);
		const { id, verification_token: token } = row!;
		dns.records.set(`_tenantry.${DOMAIN}`, [`tenantry-verification=${token}`]);
		dns.cnames.set(DOMAIN, 'tenants.tenantry.localhost');
		const report = await runDnsCheck(engine.db, resolver, id);
		expect(report).toEqual({ domains: 1, records: 3, failing: 0 });
		expect(await records()).toEqual([
			{ record_type: 'CAA', status: 'missing', found: null },
			{ record_type: 'CNAME', status: 'ok', found: null },
			{ record_type: 'TXT', status: 'ok', found: null }
		]);
	});

	it('flags a verified domain whose CNAME now points elsewhere, once', async () => {
		await q(`update public.tenant_domains set verified_at = now() where domain = $1`, [DOMAIN]);
		dns.cnames.set(DOMAIN, 'old-host.example.test');
		const report = await runDnsCheck(engine.db, resolver);
		expect(report.failing).toBeGreaterThanOrEqual(1);
		expect((await records()).find((r) => r.record_type === 'CNAME')).toEqual({
			record_type: 'CNAME',
			status: 'wrong',
			found: 'old-host.example.test'
		});
		const [domain] = await q<{ dns_lost_at: Date | null; verified_at: Date | null }>(
			`select dns_lost_at, verified_at from public.tenant_domains where domain = $1`,
			[DOMAIN]
		);
		expect(domain!.dns_lost_at).not.toBeNull();
		await runDnsCheck(engine.db, resolver);
		const lost = await q<{ payload: { found: string } }>(
			`select payload from public.events where type = 'domain.dns_lost' and payload ->> 'domain' = $1`,
			[DOMAIN]
		);
		expect(lost.map((e) => e.payload.found)).toEqual(['old-host.example.test']);
	});

	it('clears the flag once the CNAME is back', async () => {
		dns.cnames.set(DOMAIN, 'tenants.tenantry.localhost');
		await runDnsCheck(engine.db, resolver);
		const [domain] = await q<{ dns_lost_at: Date | null }>(
			`select dns_lost_at from public.tenant_domains where domain = $1`,
			[DOMAIN]
		);
		expect(domain!.dns_lost_at).toBeNull();
	});

	it("publishes the checks' events with payloads their schemas accept", async () => {
		const events = await q<{ type: string; payload: unknown }>(
			`select type, payload from public.events where type like 'domain.dns_%'`
		);
		expect(new Set(events.map((e) => e.type))).toEqual(
			new Set(['domain.dns_checked', 'domain.dns_lost'])
		);
		const problems = events.flatMap((e) => {
			const parsed = parsePayload(e.type, e.payload);
			return parsed.success ? [] : [`${e.type}: ${parsed.error}`];
		});
		expect(problems).toEqual([]);
	});
});
