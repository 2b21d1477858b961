/**
 * Webhook delivery under fault injection: the real webhook-dispatch function in Deno, woken by the
 * real waker, against a real database (the served embedded one, and Postgres 15 where concurrency
 * matters: TEST_DATABASE_URL, as npm test sets it), POSTing only to loopback receivers started
 * here, which verify every request with `standardwebhooks`. The retry schedule is shortened
 * through its setting, and leases and failing_since are moved in time, so nothing sleeps for
 * minutes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/lib/server/platform/migrate';
import type { Engine } from '../../src/lib/server/platform/engine';
import { openServer } from '../../src/lib/server/platform/server';
import {
	startEdgeFunctions,
	type EdgeFunctions
} from '../../src/lib/server/webhook-delivery/functions';
import {
	startWebhookDelivery,
	type WebhookDelivery
} from '../../src/lib/server/webhook-delivery/delivery';
import { sealSigningSecret } from '../../src/lib/server/webhooks/secrets';
import { moveWebhookSecrets } from '../../src/lib/server/webhooks/move-job';
import { seal } from '../../supabase/functions/_shared/secret-box';
import { freePort, startApp } from '../support/app';
import { servedEmbedded } from '../support/database';
import { startDnsServer, type DnsServer } from '../support/dns-server';
import { startReceiver, type Receiver } from '../support/webhook-receiver';

const KEY = randomBytes(32);
const KEY_TEXT = KEY.toString('base64');
/** The app's configuration as far as sealing goes: the same key the functions are given. */
const CONFIG = {
	SECRETS_ENCRYPTION_KEY: KEY_TEXT,
	AUTH_JWT_SECRET: undefined,
	DATA_DIR: 'memory://',
	NODE_ENV: 'test' as const
};
const TIMEOUT_MS = 600;
/** Names resolve only through this server, started here: never through the system's resolver. */
let dns: DnsServer;
beforeAll(async () => {
	dns = await startDnsServer();
});
afterAll(() => dns.close());

function functionEnv(more: Record<string, string> = {}): Record<string, string> {
	return {
		WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
		WEBHOOK_BATCH: '8',
		WEBHOOK_DNS_SERVER: dns.address,
		...more
	};
}

interface Queryable {
	/** A statement as the operator (the owner: RLS does not apply). */
	q<Row>(text: string, params?: unknown[]): Promise<Row[]>;
}

interface Db extends Queryable {
	engine: Engine;
	/** SUPABASE_DB_URL for the functions. */
	url: string;
	/** Postgres only: the LISTEN connection's URL. */
	listenUrl?: string;
	close(): Promise<void>;
}

async function embedded(): Promise<Db> {
	const { engine, wire } = await servedEmbedded({ seed: false, maxConnections: 32 });
	return {
		engine,
		url: wire.url,
		q: (text, params) => engine.session((s) => s.query(text, params)),
		async close() {
			await wire.stop();
			await engine.close();
		}
	};
}

async function postgres15(): Promise<Db> {
	const admin = process.env.TEST_DATABASE_URL;
	if (!admin) {
		throw new Error(
			'TEST_DATABASE_URL is not set: the Postgres 15 half of the webhook delivery tests needs it ' +
				'(postgresql://postgres:postgres@127.0.0.1:5432/postgres).'
		);
	}
	const name = `webhook_delivery_${process.pid}_${Date.now().toString(36)}`;
	const client = new pg.Client({ connectionString: admin });
	await client.connect();
	await client.query(`create database ${name}`);
	const target = new URL(admin);
	target.pathname = `/${name}`;
	const engine = openServer(target.toString(), 8);
	await migrate(engine, { dir: 'supabase/migrations', compat: 'auto' });
	return {
		engine,
		url: target.toString(),
		listenUrl: target.toString(),
		q: (text, params) => engine.session((s) => s.query(text, params)),
		async close() {
			await engine.close();
			await client.query(`drop database if exists ${name} with (force)`);
			await client.end();
		}
	};
}

function query<Row = Record<string, unknown>>(db: Queryable, text: string, params: unknown[] = []) {
	return db.q<Row>(text, params);
}

function whsec(): string {
	return `whsec_${randomBytes(32).toString('base64')}`;
}

/** A tenant with a shortened schedule: 9 retries 0.3 s apart. */
async function tenant(db: Queryable): Promise<string> {
	const slug = `wd-${randomUUID().slice(0, 8)}`;
	const [row] = await query<{ id: string }>(
		db,
		`insert into public.tenants (slug, name, status) values ($1, $1, 'active') returning id`,
		[slug]
	);
	// Retries a third of a second apart, so nothing sleeps for long: a schedule below the setting's
	// bound of whole seconds (TN502), so the test database's owner writes it past the value check.
	await query(db, `alter table public.system_settings disable trigger system_settings_check_value`);
	await query(
		db,
		`update public.system_settings set value = '[0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]'
		 where key = 'webhooks.retry_schedule_seconds'`
	);
	await query(db, `alter table public.system_settings enable trigger system_settings_check_value`);
	return row!.id;
}

/**
 * An endpoint for `types` with one signing secret (the receiver verifies with it): a version of
 * its owned secret on the secrets store, as create does, or (`old`) a row of the form written
 * before the secrets store, which the webhooks.move_secrets job moves.
 */
async function endpoint(
	db: Queryable,
	tenantId: string,
	url: string,
	types: string[],
	secret: string,
	form: 'store' | 'old' = 'store'
) {
	const [row] = await query<{ id: string }>(
		db,
		`insert into public.webhook_endpoints (tenant_id, url, event_types) values ($1, $2, $3) returning id`,
		[tenantId, url, types]
	);
	if (form === 'old') {
		const secretId = randomUUID();
		await query(
			db,
			`insert into public.webhook_endpoint_secrets (id, tenant_id, endpoint_id, sealed) values ($1, $2, $3, $4)`,
			[secretId, tenantId, row!.id, await seal(secret, KEY, `webhook_endpoint_secrets:${secretId}`)]
		);
		return row!.id;
	}
	const sealed = await sealSigningSecret(CONFIG, { tenantId }, secret);
	await query(
		db,
		`select private.store_webhook_signing_secret(e, $2, $3, $4, $5, $6)
		 from public.webhook_endpoints e where e.id = $1`,
		[
			row!.id,
			sealed.secretId,
			sealed.versionId,
			sealed.dataKeyId,
			sealed.wrappedKey,
			sealed.ciphertext
		]
	);
	return row!.id;
}

async function publish(
	db: Queryable,
	tenantId: string,
	type: string,
	count: number
): Promise<string[]> {
	const rows = await query<{ id: string }>(
		db,
		`select private.publish_event($1, $2, 'test', 'subject-' || i) as id from generate_series(1, $3::int) i`,
		[tenantId, type, count]
	);
	return rows.map((r) => `msg_${r.id.replaceAll('-', '')}`);
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

async function deliveries(db: Db, endpointId: string) {
	return query<{ id: string; status: string; attempts: number; webhook_id: string }>(
		db,
		`select d.id, d.status, d.attempts, 'msg_' || replace(d.event_id::text, '-', '') as webhook_id
		 from public.webhook_deliveries d where d.endpoint_id = $1 order by d.created_at`,
		[endpointId]
	);
}

async function attempts(db: Db, endpointId: string) {
	return query<{
		delivery_id: string;
		attempt: number;
		status_code: number | null;
		error: string | null;
		started_at: Date;
		webhook_id: string;
	}>(
		db,
		`select a.delivery_id, a.attempt, a.status_code, a.error, a.started_at,
		        a.request_headers ->> 'webhook-id' as webhook_id
		 from public.webhook_attempts a where a.endpoint_id = $1 order by a.started_at, a.attempt`,
		[endpointId]
	);
}

function startDelivery(db: Db, env: Record<string, string> = {}): Promise<WebhookDelivery> {
	return freePort().then((port) =>
		startWebhookDelivery({
			engine: db.engine,
			databaseUrl: db.url,
			listenUrl: db.listenUrl,
			secretsKey: KEY_TEXT,
			host: '127.0.0.1',
			port,
			allowLoopback: true,
			env: functionEnv(env)
		})
	);
}

/** Every request carried a webhook-id of `expected`, verified; each of them arrived with a 200. */
function expectDelivered(receiver: Receiver, expected: string[]) {
	expect(receiver.received.filter((r) => !expected.includes(r.id))).toEqual([]);
	expect(receiver.received.filter((r) => !r.verified)).toEqual([]);
	const delivered = new Set(receiver.received.filter((r) => r.answered === '200').map((r) => r.id));
	expect([...delivered].sort()).toEqual([...expected].sort());
}

describe.each([
	['the embedded engine', embedded],
	['Postgres 15', postgres15]
])('webhook delivery on %s', (_, open) => {
	let db: Db;
	let tenantId: string;
	let delivery: WebhookDelivery;
	const receivers: Receiver[] = [];

	async function receiver(secret: string) {
		const r = await startReceiver([secret]);
		receivers.push(r);
		return r;
	}

	beforeAll(async () => {
		db = await open();
		tenantId = await tenant(db);
		delivery = await startDelivery(db);
	}, 120_000);
	afterAll(async () => {
		await delivery?.stop();
		for (const r of receivers) await r.stop();
		await db?.close();
	});

	it('a dispatcher killed mid-batch loses nothing: its leases pass and another delivers, under the same ids', async () => {
		const secret = whsec();
		const r = await receiver(secret);
		await r.behave({ kind: 'slow', ms: 20_000 });
		const id = await endpoint(db, tenantId, r.url, ['member.added'], secret);
		// Only the dispatcher about to die runs until it has them all.
		await delivery.stop();
		const doomed: EdgeFunctions = await startEdgeFunctions({
			databaseUrl: db.url,
			secretsKey: KEY_TEXT,
			host: '127.0.0.1',
			port: await freePort(),
			allowLoopback: true,
			env: functionEnv({ WEBHOOK_TIMEOUT_MS: '60000' })
		});
		const expected = await publish(db, tenantId, 'member.added', 6);
		void fetch(`${doomed.url}/functions/v1/webhook-dispatch`, { method: 'POST' }).catch(() => {});
		await until('the doomed dispatcher sent all six', async () => r.received.length >= 6);
		await doomed.kill();
		const held = await query<{ claimed: number }>(
			db,
			`select count(*)::int as claimed from public.webhook_deliveries
			 where endpoint_id = $1 and status = 'pending' and claimed_until > now()`,
			[id]
		);
		expect(held[0]!.claimed).toBe(6);
		// Time passes: the leases run out.
		await query(
			db,
			`update public.webhook_deliveries set claimed_until = now() - interval '1 second' where endpoint_id = $1`,
			[id]
		);
		await r.behave({ kind: 'ok' });
		delivery = await startDelivery(db);
		await until('all six are delivered', async () =>
			(await deliveries(db, id)).every((d) => d.status === 'succeeded')
		);
		expectDelivered(r, expected);
		const tries = await attempts(db, id);
		// The killed dispatcher recorded nothing; the second attempt of each is the first recorded.
		expect(tries.map((t) => [t.attempt, t.status_code])).toEqual(Array(6).fill([1, 200]));
		expect(r.received.length).toBe(12);
		for (const want of expected) expect(r.received.filter((x) => x.id === want).length).toBe(2);
	}, 120_000);

	it('a signing secret of the old form signs as before, and once webhooks.move_secrets moved it onto the secrets store, the same', async () => {
		const secret = whsec();
		const r = await receiver(secret);
		const id = await endpoint(db, tenantId, r.url, ['team.updated'], secret, 'old');
		const delivered = async (count: number) => {
			const ds = await deliveries(db, id);
			return ds.length === count && ds.every((d) => d.status === 'succeeded');
		};
		const before = await publish(db, tenantId, 'team.updated', 2);
		await until('the two are delivered, signed with the old form', () => delivered(2));
		expect(await moveWebhookSecrets(db.engine.db, CONFIG)).toEqual({ moved: 1, unopened: 0 });
		const rows = await query<{ sealed: string | null; on_store: boolean; owner: string }>(
			db,
			`select w.sealed, w.secret_version_id = w.id as on_store, s.owner_type || ':' || s.owner_id as owner
			 from public.webhook_endpoint_secrets w join public.secret_versions v on v.id = w.secret_version_id
			 join public.secrets s on s.id = v.secret_id where w.endpoint_id = $1`,
			[id]
		);
		expect(rows).toEqual([{ sealed: null, on_store: true, owner: `webhook_endpoint:${id}` }]);
		const after = await publish(db, tenantId, 'team.updated', 2);
		await until('the next two are delivered, signed from the secrets store', () => delivered(4));
		expectDelivered(r, [...before, ...after]);
		expect(await moveWebhookSecrets(db.engine.db, CONFIG)).toEqual({ moved: 0, unopened: 0 });
	}, 60_000);

	it('a receiver down, then 500, 429 with Retry-After, reset, slow: every event is delivered, under its own id', async () => {
		const secret = whsec();
		const r = await receiver(secret);
		await r.behave({ kind: 'down' });
		const id = await endpoint(db, tenantId, r.url, ['team.created'], secret);
		const expected = await publish(db, tenantId, 'team.created', 5);
		await until('each delivery failed once against the receiver down', async () =>
			(await deliveries(db, id)).every((d) => d.attempts >= 1)
		);
		await r.sequence(
			[
				{ kind: 'status', status: 500 },
				{ kind: 'status', status: 429, retryAfter: '2' },
				{ kind: 'reset' },
				{ kind: 'slow', ms: TIMEOUT_MS * 3 },
				{ kind: 'status', status: 302 }
			],
			{ kind: 'ok' }
		);
		await until(
			'all five are delivered',
			async () => (await deliveries(db, id)).every((d) => d.status === 'succeeded'),
			60_000
		);
		expectDelivered(r, expected);
		const tries = await attempts(db, id);
		const byDelivery = new Map<string, typeof tries>();
		for (const t of tries)
			byDelivery.set(t.delivery_id, [...(byDelivery.get(t.delivery_id) ?? []), t]);
		const ds = await deliveries(db, id);
		for (const d of ds) {
			const own = byDelivery.get(d.id)!;
			// The same webhook-id on every retry.
			expect(new Set(own.map((t) => t.webhook_id))).toEqual(new Set([d.webhook_id]));
			expect(own.map((t) => t.attempt)).toEqual(own.map((_, i) => i + 1));
			expect(own.at(-1)!.status_code).toBe(200);
		}
		const errors = tries.map((t) => `${t.status_code ?? ''} ${t.error ?? ''}`);
		expect(errors.filter((e) => /refused|connect/i.test(e)).length).toBeGreaterThanOrEqual(5);
		for (const want of [
			/^500 /,
			/^429 /,
			/^302 Redirects are not followed/,
			/No response within 600 ms/
		])
			expect(
				errors.some((e) => want.test(e)),
				`${want} in\n${errors.join('\n')}`
			).toBe(true);
		expect(
			errors.some((e) => /^ The request failed/.test(e) && !/refused/i.test(e)),
			`a reset in\n${errors.join('\n')}\nreceived: ${r.received.map((x) => x.answered).join(' ')}`
		).toBe(true);
		// One attempt is one request: every request that reached the receiver is an attempt recorded.
		expect(r.received.length).toBe(errors.filter((e) => !/refused/i.test(e)).length);
		// Retry-After: 2 s, longer than the 0.3 s schedule.
		const limited = tries.find((t) => t.status_code === 429)!;
		const next = byDelivery
			.get(limited.delivery_id)!
			.find((t) => t.attempt === limited.attempt + 1)!;
		expect(next.started_at.getTime() - limited.started_at.getTime()).toBeGreaterThanOrEqual(1900);
	}, 120_000);

	it('410 disables the endpoint (gone) and fails its deliveries; the tenant is told', async () => {
		const secret = whsec();
		const r = await receiver(secret);
		await r.behave({ kind: 'status', status: 410 });
		const id = await endpoint(db, tenantId, r.url, ['project.created'], secret);
		await publish(db, tenantId, 'project.created', 3);
		await until('the endpoint is disabled', async () => {
			const [e] = await query<{ enabled: boolean }>(
				db,
				`select enabled from public.webhook_endpoints where id = $1`,
				[id]
			);
			return !e!.enabled;
		});
		const [e] = await query<{ disabled_reason: string }>(
			db,
			`select disabled_reason from public.webhook_endpoints where id = $1`,
			[id]
		);
		expect(e!.disabled_reason).toBe('gone');
		await until('no delivery is pending', async () =>
			(await deliveries(db, id)).every((d) => d.status === 'failed')
		);
		const events = await query(
			db,
			`select 1 from public.events where type = 'webhook.endpoint_disabled' and subject_id = $1`,
			[id]
		);
		expect(events.length).toBe(1);
		expect(r.received.every((x) => x.verified && x.answered === '410')).toBe(true);
	}, 60_000);

	it('TLS refused for days disables the endpoint (failing); a schedule that runs out fails the delivery', async () => {
		const secret = whsec();
		const r = await receiver(secret);
		const tls = await endpoint(db, tenantId, r.tlsUrl, ['environment.created'], secret);
		const always500 = await receiver(secret);
		await always500.behave({ kind: 'status', status: 500 });
		const failing = await endpoint(db, tenantId, always500.url, ['environment.updated'], secret);
		await publish(db, tenantId, 'environment.created', 1);
		const [expected] = await publish(db, tenantId, 'environment.updated', 1);
		await until('the TLS endpoint failed once', async () => (await attempts(db, tls)).length >= 1);
		const [first] = await attempts(db, tls);
		expect(first!.status_code).toBeNull();
		expect(first!.error).toMatch(/request failed/i);
		// Time passes: it has been failing for five days and an hour.
		await query(
			db,
			`update public.webhook_endpoints set failing_since = now() - interval '121 hours' where id = $1`,
			[tls]
		);
		await until('the TLS endpoint is disabled', async () => {
			const [e] = await query<{ disabled_reason: string | null }>(
				db,
				`select disabled_reason from public.webhook_endpoints where id = $1`,
				[tls]
			);
			return e!.disabled_reason === 'failing';
		});
		expect(
			(
				await query(
					db,
					`select 1 from public.events where type = 'webhook.endpoint_disabled' and subject_id = $1
					 and payload ->> 'reason' = 'failing'`,
					[tls]
				)
			).length
		).toBe(1);
		await until(
			'the always-500 delivery ran out of retries',
			async () => (await deliveries(db, failing))[0]!.status === 'failed'
		);
		const [d] = await deliveries(db, failing);
		expect(d!.attempts).toBe(10);
		expect(always500.received.map((x) => x.id)).toEqual(Array(10).fill(expected));
		expect(always500.received.every((x) => x.verified)).toBe(true);
	}, 60_000);

	it('the SSRF guard is asked on every attempt: without WEBHOOK_ALLOW_LOOPBACK nothing reaches a loopback receiver', async () => {
		const secret = whsec();
		const r = await receiver(secret);
		// https, so only the guard stands between the dispatcher and this loopback server.
		const id = await endpoint(
			db,
			tenantId,
			r.tlsUrl.replace('127.0.0.1', '0x7f.1'),
			['domain.verified'],
			secret
		);
		const strict = await startEdgeFunctions({
			databaseUrl: db.url,
			secretsKey: KEY_TEXT,
			host: '127.0.0.1',
			port: await freePort(),
			allowLoopback: false,
			env: functionEnv()
		});
		try {
			await delivery.stop();
			await publish(db, tenantId, 'domain.verified', 1);
			for (let i = 0; i < 3; i++) {
				await query(
					db,
					`update public.webhook_deliveries set next_attempt_at = now() where endpoint_id = $1`,
					[id]
				);
				const response = await fetch(`${strict.url}/functions/v1/webhook-dispatch`, {
					method: 'POST'
				});
				expect(response.status).toBe(200);
			}
			const tries = await attempts(db, id);
			expect(tries.length).toBe(3);
			for (const t of tries) {
				expect(t.status_code).toBeNull();
				expect(t.error).toMatch(/^Not sent: .*127\.0\.0\.1/);
			}
			expect(r.received).toEqual([]);
			expect(r.tlsConnections()).toBe(0);
		} finally {
			await strict.stop();
			delivery = await startDelivery(db);
		}
	}, 60_000);

	it('DNS is asked again on every attempt, and the request goes to the address the guard checked', async () => {
		const secret = whsec();
		const r = await receiver(secret);
		const host = `hooks-${randomUUID().slice(0, 8)}.tenantry-rebind.net`;
		dns.addresses.set(host, ['127.0.0.1']);
		const url = r.url.replace('127.0.0.1', host);
		const id = await endpoint(db, tenantId, url, ['member.removed'], secret);
		await r.behave({ kind: 'status', status: 503 });
		const [expected] = await publish(db, tenantId, 'member.removed', 1);
		await until('the first attempt', async () => (await attempts(db, id)).length >= 1);
		// The name now points elsewhere (0.0.0.0, "this network", never leaves the machine).
		dns.addresses.set(host, ['0.0.0.0']);
		await until('an attempt refused by the guard', async () =>
			(await attempts(db, id)).some((t) => /^Not sent: /.test(t.error ?? ''))
		);
		await r.behave({ kind: 'ok' });
		dns.addresses.set(host, ['127.0.0.1']);
		await until('delivered', async () => (await deliveries(db, id))[0]!.status === 'succeeded');
		const tries = await attempts(db, id);
		const refused = tries.filter((t) => /^Not sent: /.test(t.error ?? ''));
		expect(refused[0]!.error).toMatch(/0\.0\.0\.0/);
		// Every request that arrived was an attempt on 127.0.0.1, carried the name as its Host.
		expect(r.received.length).toBe(tries.length - refused.length);
		expect(new Set(r.received.map((x) => x.host))).toEqual(new Set([new URL(url).host]));
		expect(new Set(r.received.map((x) => x.id))).toEqual(new Set([expected]));
		// One lookup per attempt: the connection never resolved the name a second time.
		expect(dns.queries.filter((q) => q.name === host && q.type === 1).length).toBe(tries.length);
	}, 60_000);

	it('commit → first attempt is quick when idle (LISTEN, not polling)', async () => {
		const secret = whsec();
		const r = await receiver(secret);
		await endpoint(db, tenantId, r.url, ['invitation.created'], secret);
		const latencies: number[] = [];
		for (let i = 0; i < 20; i++) {
			const before = r.received.length;
			const committed = Date.now();
			await publish(db, tenantId, 'invitation.created', 1);
			await until('it arrived', async () => r.received.length > before, 5_000);
			latencies.push(r.received.at(-1)!.at - committed);
		}
		latencies.sort((a, b) => a - b);
		// The poll runs every second at most; a p95 far below it shows the notification woke it.
		expect(latencies[18]!, latencies.join(',')).toBeLessThan(250);
	}, 60_000);
});

describe('claims on Postgres 15 across sessions (FOR UPDATE SKIP LOCKED)', () => {
	it('eight sessions claiming at once never claim the same delivery twice', async () => {
		const db = await postgres15();
		try {
			const tenantId = await tenant(db);
			await endpoint(db, tenantId, 'http://127.0.0.1:9/unused', [], whsec());
			await query(
				db,
				`insert into public.events (tenant_id, type, subject_type, subject_id, actor_type)
				 select $1, 'team.created', 'team', 'claim-' || i, 'system' from generate_series(1, 400) i`,
				[tenantId]
			);
			const claimers = await Promise.all(
				Array.from({ length: 8 }, async (_, i) => {
					const client = new pg.Client({ connectionString: db.url });
					await client.connect();
					const mine: string[] = [];
					for (;;) {
						await client.query('begin');
						await client.query(
							`select set_config('request.jwt.claims', '{"role":"service_role","job":"webhook.dispatch"}', true),
							        set_config('role', 'service_role', true)`
						);
						const { rows } = await client.query<{ delivery_id: string }>(
							`select delivery_id from public.claim_webhook_deliveries($1, 7, 60)`,
							[`session-${i}`]
						);
						await client.query('commit');
						if (rows.length === 0) break;
						mine.push(...rows.map((r) => r.delivery_id));
					}
					await client.end();
					return mine;
				})
			);
			const all = claimers.flat();
			expect(all.length).toBe(400);
			expect(new Set(all).size).toBe(400);
			expect(claimers.filter((c) => c.length > 0).length).toBeGreaterThan(1);
		} finally {
			await db.close();
		}
	}, 120_000);
});

describe('npm start', () => {
	it('runs webhook-dispatch in Deno beside the app and wakes it for deliveries queued on the wire', async () => {
		const secret = whsec();
		const r = await startReceiver([secret]);
		const app = await startApp({
			FUNCTIONS_SERVE: 'on',
			FUNCTIONS_PORT: String(await freePort()),
			WEBHOOK_ALLOW_LOOPBACK: 'true',
			SECRETS_ENCRYPTION_KEY: KEY_TEXT
		});
		const client = new pg.Client({ connectionString: app.databaseUrl });
		try {
			await until(
				'the functions run',
				async () => app.output().includes('webhooks: delivered by'),
				60_000
			);
			await client.connect();
			const db: Queryable = {
				q: async <Row>(text: string, params?: unknown[]) =>
					(await client.query(text, params)).rows as Row[]
			};
			const tenantId = await tenant(db);
			await endpoint(db, tenantId, r.url, [], secret);
			const expected = await publish(db, tenantId, 'member.added', 3);
			await until('the three are delivered', async () => r.received.length >= 3, 15_000);
			expectDelivered(r, expected);
		} finally {
			await client.end().catch(() => {});
			await app.stop();
			await r.stop();
		}
	}, 180_000);
});

it('without Deno the edge functions do not start, and the error says what is missing', async () => {
	await expect(
		startEdgeFunctions({
			databaseUrl: 'postgresql://postgres@127.0.0.1:1/postgres',
			secretsKey: KEY_TEXT,
			host: '127.0.0.1',
			port: await freePort(),
			allowLoopback: false,
			deno: '/nonexistent/deno'
		})
	).rejects.toThrow(/^Deno is missing \(\/nonexistent\/deno\).*npm install.*FUNCTIONS_SERVE=off/);
});
