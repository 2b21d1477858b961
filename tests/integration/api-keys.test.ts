/**
 * API keys end to end below the web layer: the page's queries create, rotate and revoke keys as a
 * person; the app's verifier (with its verified-key cache) authenticates them; the request runner
 * runs a key's transaction under RLS; the limiter counts in Postgres. On the embedded engine and,
 * with TEST_DATABASE_URL, on Postgres — where the rate limit is proved across separate connection
 * pools (what separate app processes have: the limiter holds no state in the process).
 */
import { createHmac } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKey, generateApiKey } from '../../src/lib/server/api-keys/format';
import {
	createApiKey,
	listApiKeys,
	revokeApiKey,
	rotateApiKey
} from '../../src/lib/server/api-keys/queries';
import { hitRateLimit } from '../../src/lib/server/api-keys/rate-limit';
import { ApiKeyVerifier, type ApiKeyPrincipal } from '../../src/lib/server/api-keys/verify';
import type { DB } from '../../src/lib/server/platform/database';
import { apiKeyRefusal, runWithClaims, type Principal } from '../../src/lib/server/platform/rls';
import { openServer } from '../../src/lib/server/platform/server';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const GLOBEX = 'b0000000-0000-4000-8000-000000000002';
const OWNER = 'a0000000-0000-4000-8000-000000000011';
const DEV = 'a0000000-0000-4000-8000-000000000013';
const person = (sub: string): Principal => ({ sub, role: 'authenticated' });

describe.each(engineFactories)('API keys on %s', (_name, factory) => {
	let t: TestEngine;
	let db: Kysely<DB>;
	let verifier: ApiKeyVerifier;

	const as = <T>(who: Principal, fn: Parameters<typeof runWithClaims<T>>[2]) =>
		runWithClaims(db, who, fn, {});
	/** As the operator (no RLS): what only the database itself may look at or change. */
	const operator = <T>(text: string, params: unknown[] = []) =>
		t.engine.session((s) => s.query<T & Record<string, unknown>>(text, params));
	const create = (by: string, name: string, permissions: string[], rateLimit = 600) =>
		as(person(by), (trx) =>
			createApiKey(trx, ACME, {
				name,
				mode: 'test',
				permissions,
				projectId: null,
				environmentId: null,
				expiresAt: null,
				rateLimit
			})
		);
	const projectsSeenBy = (principal: ApiKeyPrincipal, tenantId = ACME) =>
		as(principal.claims, (trx) =>
			trx.selectFrom('projects').select('id').where('tenant_id', '=', tenantId).execute()
		);
	const refusalOf = async (run: Promise<unknown>) => {
		try {
			await run;
			return 'ran';
		} catch (error) {
			return apiKeyRefusal(error) ?? `other: ${(error as Error).message}`;
		}
	};

	beforeAll(async () => {
		t = await seeded(factory);
		db = t.engine.db;
		verifier = new ApiKeyVerifier(db);
	}, 120_000);
	afterAll(async () => {
		await t?.dispose();
	});

	it('shows a new key once, in the scanner format with a checksum, and stores only its HMAC', async () => {
		const { id, key } = await create(OWNER, 'ci', ['projects.read']);
		const parsed = parseApiKey(key);
		expect(parsed).toMatchObject({
			mode: 'test',
			prefix: key.slice(0, 17),
			lastFour: key.slice(-4)
		});
		const flipped = key.slice(0, 20) + (key[20] === 'a' ? 'b' : 'a') + key.slice(21);
		expect(parseApiKey(flipped), 'a one-character typo fails the checksum offline').toBeNull();
		expect(parseApiKey(generateApiKey('live'))?.mode).toBe('live');

		const listed = await as(person(OWNER), (trx) => listApiKeys(trx, ACME));
		const row = listed.find((k) => k.id === id)!;
		expect(row).toMatchObject({
			prefix: key.slice(0, 17),
			lastFour: key.slice(-4),
			scope: 'tenant'
		});
		expect(JSON.stringify(listed), 'the list never carries the key').not.toContain(key);

		const [stored] = await operator<{ hash: string; secret: string; everything: string }>(
			`select encode(k.key_hash, 'hex') as hash, encode(s.secret, 'hex') as secret, row_to_json(k)::text as everything
			 from public.api_keys k, private.api_key_secret s where k.id = $1`,
			[id]
		);
		const expected = createHmac('sha256', Buffer.from(stored!.secret, 'hex'))
			.update(key)
			.digest('hex');
		expect(stored!.hash).toBe(expected);
		expect(stored!.everything, 'the row at rest holds no copy of the key').not.toContain(
			key.slice(17, 41)
		);
	});

	it('authenticates a key to a principal whose transaction sees its tenant only, and refuses noise', async () => {
		const { key } = await create(OWNER, 'reader', ['projects.read']);
		const principal = (await verifier.authenticate(key, '203.0.113.5'))!;
		expect(principal).toMatchObject({ kind: 'api_key', tenantId: ACME, clientIp: '203.0.113.5' });
		expect((await projectsSeenBy(principal)).length).toBeGreaterThan(0);
		expect(await projectsSeenBy(principal, GLOBEX)).toEqual([]);
		expect(await verifier.authenticate('tnt_test_nonsense', null)).toBeNull();
		expect(
			await verifier.authenticate(generateApiKey('test'), null),
			'valid checksum, no such key'
		).toBeNull();
	});

	it('writes made with a key are audited with the key as the actor', async () => {
		const { id, key } = await create(OWNER, 'meter', ['usage.record']);
		const principal = (await verifier.authenticate(key, null))!;
		await as(principal.claims, (trx) =>
			sql`select * from public.record_usage(${ACME}, 'api_calls', 3, 'it-key-1')`.execute(trx)
		);
		const [entry] = await operator<{ actor_type: string; actor_id: string }>(
			`select actor_type::text, actor_id::text from public.audit_logs
			 where action = 'usage.record' and tenant_id = $1 order by id desc limit 1`,
			[ACME]
		);
		expect(entry).toEqual({ actor_type: 'api_key', actor_id: id });
	});

	it('a revocation is effective on the next request although the verifier cached the key', async () => {
		const { id, key } = await create(OWNER, 'to-revoke', ['projects.read']);
		const cached = (await verifier.authenticate(key, null))!;
		expect(await refusalOf(projectsSeenBy(cached))).toBe('ran');
		await as(person(OWNER), (trx) => revokeApiKey(trx, id));
		const stillCached = await verifier.authenticate(key, null);
		expect(stillCached?.keyId, 'the cache remembers who the key is').toBe(id);
		expect(await refusalOf(projectsSeenBy(stillCached!)), 'SQL refuses it in the request').toBe(
			'TN201'
		);
		expect(await new ApiKeyVerifier(db).authenticate(key, null), 'a lookup refuses it').toBeNull();
	});

	it('rotation keeps the old key working for the overlap, and an overlap of 0 stops it', async () => {
		const { id, key } = await create(OWNER, 'to-rotate', ['projects.read']);
		const rotated = await as(person(OWNER), (trx) => rotateApiKey(trx, id, 3600));
		expect(rotated.key.startsWith('tnt_test_')).toBe(true);
		const fresh = new ApiKeyVerifier(db, { cacheMs: 0 });
		const old = (await fresh.authenticate(key, null))!;
		const next = (await fresh.authenticate(rotated.key, null))!;
		expect(await refusalOf(projectsSeenBy(old))).toBe('ran');
		expect(await refusalOf(projectsSeenBy(next))).toBe('ran');
		expect(old.expiresAt!.getTime() - Date.now()).toBeGreaterThan(3500_000);

		const again = await as(person(OWNER), (trx) => rotateApiKey(trx, next.keyId, 0));
		expect(await refusalOf(projectsSeenBy(next)), 'no overlap: the old key stops at once').toBe(
			'TN202'
		);
		expect(await fresh.authenticate(rotated.key, null)).toBeNull();
		expect(await fresh.authenticate(again.key, null)).not.toBeNull();
	});

	it('an expired key is refused, cached or not', async () => {
		const { id, key } = await create(OWNER, 'to-expire', ['projects.read']);
		const cached = (await verifier.authenticate(key, null))!;
		await operator(
			`update public.api_keys set expires_at = now() - interval '1 second' where id = $1`,
			[id]
		);
		expect(await refusalOf(projectsSeenBy(cached))).toBe('TN202');
		expect(await new ApiKeyVerifier(db).authenticate(key, null)).toBeNull();
	});

	it("keeps working after its creator's demotion and removal (decision 0008), and the demoted creator cannot rotate it", async () => {
		const { id, key } = await create(DEV, 'devs-key', ['projects.read', 'usage.record']);
		const principal = (await verifier.authenticate(key, null))!;
		await operator(
			`update public.role_assignments set role_id = (select id from public.roles where key = 'viewer' and tenant_id is null)
			 where tenant_id = $1 and user_id = $2 and project_id is null`,
			[ACME, DEV]
		);
		expect(await refusalOf(projectsSeenBy(principal)), 'after demotion').toBe('ran');
		await expect(
			as(person(DEV), (trx) => rotateApiKey(trx, id, 60)),
			'a viewer no longer manages keys'
		).rejects.toMatchObject({ code: 'TN210' });
		await operator(`delete from public.memberships where tenant_id = $1 and user_id = $2`, [
			ACME,
			DEV
		]);
		expect(await refusalOf(projectsSeenBy(principal)), 'after removal').toBe('ran');
		const listed = await as(person(OWNER), (trx) => listApiKeys(trx, ACME));
		expect(
			listed.find((k) => k.id === id)?.creatorName,
			'the page flags the departed creator'
		).toBeNull();
		await as(person(OWNER), (trx) => revokeApiKey(trx, id));
		expect(await refusalOf(projectsSeenBy(principal))).toBe('TN201');
	});

	it("a suspended tenant's keys stop working", async () => {
		const { key } = await create(OWNER, 'suspended', ['projects.read']);
		const cached = (await verifier.authenticate(key, null))!;
		await operator(
			`update public.tenants set status = 'suspended', status_reason = 'test' where id = $1`,
			[ACME]
		);
		try {
			expect(await refusalOf(projectsSeenBy(cached))).toBe('TN203');
			expect(await new ApiKeyVerifier(db).authenticate(key, null)).toBeNull();
		} finally {
			await operator(
				`update public.tenants set status = 'active', status_reason = null where id = $1`,
				[ACME]
			);
		}
	});

	it('a key limited to N a minute gets exactly N of 64 requests from 32 concurrent clients', async () => {
		const N = 20;
		const { id } = await create(OWNER, 'limited', ['projects.read'], N);
		// Four pools on Postgres stand for four app processes; the embedded engine has one.
		const pools = t.url ? Array.from({ length: 4 }, () => openServer(t.url!, 8)) : [];
		const dbs = pools.length ? pools.map((p) => p.db) : [db];
		// Never straddle two one-minute windows: a burst across the boundary would be counted twice.
		const second = new Date().getUTCSeconds();
		if (second >= 55) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
		try {
			const results = await Promise.all(
				Array.from({ length: 32 }, async (_, client) => {
					const mine = dbs[client % dbs.length]!;
					const a = await hitRateLimit(mine, id, null);
					const b = await hitRateLimit(mine, id, null);
					return [a, b];
				})
			);
			const all = results.flat();
			expect(all.filter((r) => r.allowed).length).toBe(N);
			expect(all.every((r) => r.limit === N)).toBe(true);
			expect(Math.min(...all.map((r) => r.remaining))).toBe(0);
		} finally {
			await Promise.all(pools.map((p) => p.close()));
		}
	});

	it('records last use at most once a minute, not on every request', async () => {
		const { id } = await create(OWNER, 'last-used', ['projects.read']);
		await hitRateLimit(db, id, '198.51.100.7');
		const read = async () =>
			(
				await operator<{ at: string; ip: string; audits: number }>(
					`select last_used_at::text as at, host(last_used_ip) as ip,
					        (select count(*)::int from public.audit_logs where target_id = $1::text) as audits
					 from public.api_keys where id = $1::uuid`,
					[id]
				)
			)[0]!;
		const first = await read();
		expect(first.ip).toBe('198.51.100.7');
		await hitRateLimit(db, id, '198.51.100.8');
		expect(await read(), 'a second use within the minute writes nothing').toEqual(first);
		await operator(
			`update public.api_keys set last_used_at = now() - interval '2 minutes' where id = $1`,
			[id]
		);
		await hitRateLimit(db, id, '198.51.100.9');
		const later = await read();
		expect(later.ip).toBe('198.51.100.9');
		expect(later.audits, 'last use is never an audit entry').toBe(first.audits);
	});
});
