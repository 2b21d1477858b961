/**
 * npm run bench -- webhooks [--events N] [--latency N] — outbound webhook delivery, end to end:
 * events committed → deliveries queued by the trigger → claimed by webhook-dispatch (the real
 * function in Deno, woken by the app's waker over LISTEN) → POSTed to a loopback receiver that
 * verifies each signature with `standardwebhooks` → recorded. At 1, 4 and 16 concurrent
 * dispatchers (claim loops) on the embedded engine and on Postgres (TEST_DATABASE_URL):
 *
 * - throughput: N events committed in one statement, until the receiver has all of them;
 * - commit → first attempt, idle: one event at a time, from its commit to its arrival (p50/p99);
 * - duplicates: requests the receiver saw twice, and attempts recorded twice.
 *
 * On Postgres the same claim loop runs against graphile-worker (unbatched: each of its
 * `concurrency` slots takes one job at a time, its task POSTs the same body to the same receiver)
 * on the same database, and the ratio of the two throughputs is printed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Logger, run as runGraphile, type Runner } from 'graphile-worker';
import pg from 'pg';
import type { Engine } from '../src/lib/server/platform/engine';
import type { EmbeddedEngine } from '../src/lib/server/platform/embedded';
import { serveWire } from '../src/lib/server/platform/wire';
import { startWebhookDelivery } from '../src/lib/server/webhook-delivery/delivery';
import { seal } from '../supabase/functions/_shared/secret-box';
import { freePort } from '../tests/support/app';
import { startReceiver, type Receiver } from '../tests/support/webhook-receiver';
import { argValue, forEachEngine, percentile, table, until } from './_setup';

const DISPATCHERS = [1, 4, 16];
const KEY = randomBytes(32);

async function q<Row = Record<string, unknown>>(
	engine: Engine,
	text: string,
	params: unknown[] = []
) {
	return engine.session((s) => s.query<Row>(text, params));
}

/** A tenant with one endpoint (all types) pointing at `receiver`, signed with a fresh secret. */
async function setup(
	engine: Engine,
	receiver: Receiver
): Promise<{ tenantId: string; endpointId: string }> {
	const slug = `bench-${randomUUID().slice(0, 8)}`;
	const [tenant] = await q<{ id: string }>(
		engine,
		`insert into public.tenants (slug, name, status) values ($1, $1, 'active') returning id`,
		[slug]
	);
	const [endpoint] = await q<{ id: string }>(
		engine,
		`insert into public.webhook_endpoints (tenant_id, url) values ($1, $2) returning id`,
		[tenant!.id, receiver.url]
	);
	const secret = receiver.secrets[0]!;
	const secretId = randomUUID();
	await q(
		engine,
		`insert into public.webhook_endpoint_secrets (id, tenant_id, endpoint_id, sealed) values ($1, $2, $3, $4)`,
		[
			secretId,
			tenant!.id,
			endpoint!.id,
			await seal(secret, KEY, `webhook_endpoint_secrets:${secretId}`)
		]
	);
	return { tenantId: tenant!.id, endpointId: endpoint!.id };
}

interface Result {
	dispatchers: number;
	perSecond: number;
	p50: number;
	p99: number;
	duplicateRequests: number;
	duplicateAttempts: number;
	unverified: number;
}

async function measure(
	engine: Engine,
	url: string,
	dispatchers: number,
	events: number,
	latencyRuns: number
): Promise<Result> {
	const receiver = await startReceiver([`whsec_${randomBytes(32).toString('base64')}`]);
	const { tenantId, endpointId } = await setup(engine, receiver);
	const delivery = await startWebhookDelivery({
		engine,
		databaseUrl: url,
		listenUrl: engine.kind === 'server' ? url : undefined,
		secretsKey: KEY.toString('base64'),
		host: '127.0.0.1',
		port: await freePort(),
		allowLoopback: true,
		env: {
			WEBHOOK_DISPATCHERS: String(dispatchers),
			WEBHOOK_BATCH: '16',
			SUPABASE_DB_POOL_MAX: String(dispatchers * 2 + 2)
		}
	});
	try {
		// Idle latency first: one event at a time, each from its commit to its arrival.
		// The first few warm up Deno's JIT and the connections; they are not counted.
		const WARM_UP = 5;
		const latencies: number[] = [];
		for (let i = -WARM_UP; i < latencyRuns; i++) {
			const before = receiver.received.length;
			await q(engine, `select private.publish_event($1, 'team.created', 'team', 'idle')`, [
				tenantId
			]);
			const committed = Date.now();
			await until(() => receiver.received.length > before, 10_000, 'an idle delivery');
			if (i >= 0) latencies.push(receiver.received.at(-1)!.at - committed);
			await new Promise((r) => setTimeout(r, 20));
		}
		const start = receiver.received.length;
		const began = performance.now();
		await q(
			engine,
			`insert into public.events (tenant_id, type, subject_type, subject_id, actor_type)
			 select $1, 'team.created', 'team', 'bulk-' || i, 'system' from generate_series(1, $2::int) i`,
			[tenantId, events]
		);
		await until(() => receiver.received.length - start >= events, 300_000, `${events} deliveries`);
		const elapsed = (performance.now() - began) / 1000;
		const ids = receiver.received.map((r) => r.id);
		const [dupes] = await q<{ n: number }>(
			engine,
			`select (count(*) - count(distinct delivery_id))::int as n from public.webhook_attempts
			 where endpoint_id = $1 and status_code between 200 and 299`,
			[endpointId]
		);
		return {
			dispatchers,
			perSecond: events / elapsed,
			p50: percentile(latencies, 50),
			p99: percentile(latencies, 99),
			duplicateRequests: ids.length - new Set(ids).size,
			duplicateAttempts: dupes!.n,
			unverified: receiver.received.filter((r) => !r.verified).length
		};
	} finally {
		await delivery.stop();
		await receiver.stop();
	}
}

/** graphile-worker on the same database: `concurrency` slots, each job POSTs one body. */
async function graphile(url: string, concurrency: number, events: number): Promise<number> {
	const receiver = await startReceiver([`whsec_${randomBytes(32).toString('base64')}`]);
	const body = JSON.stringify({ type: 'team.created', data: { id: randomUUID() } });
	let done = 0;
	const seen = new Set<number>();
	let duplicates = 0;
	let runner: Runner | undefined;
	// Our own pool, ended after the runner stops (the database is dropped afterwards).
	const pool = new pg.Pool({ connectionString: url, max: concurrency + 2 });
	pool.on('error', () => {});
	pool.on('connect', (client) => client.on('error', () => {}));
	try {
		runner = await runGraphile({
			pgPool: pool,
			concurrency,
			noHandleSignals: true,
			pollInterval: 1000,
			logger: new Logger(() => () => {}),
			taskList: {
				async deliver(payload) {
					const i = (payload as { i: number }).i;
					const response = await fetch(receiver.url, {
						method: 'POST',
						headers: { 'content-type': 'application/json', 'webhook-id': `msg_${i}` },
						body
					});
					await response.body?.cancel();
					if (seen.has(i)) duplicates++;
					seen.add(i);
					done++;
				}
			}
		});
		await runner.addJob('deliver', { i: -1 });
		await until(() => done >= 1, 30_000, 'the warm-up job');
		const base = done;
		const client = new pg.Client({ connectionString: url });
		await client.connect();
		const start = performance.now();
		await client.query(
			`select graphile_worker.add_job('deliver', json_build_object('i', i)) from generate_series(1, $1::int) i`,
			[events]
		);
		await client.end();
		await until(() => done >= base + events, 300_000, `${events} graphile-worker jobs`);
		if (duplicates > 0) throw new Error(`graphile-worker ran ${duplicates} jobs twice`);
		return events / ((performance.now() - start) / 1000);
	} finally {
		await runner?.stop();
		await pool.end();
		await receiver.stop();
	}
}

export async function run(args: string[]): Promise<void> {
	const events = Number(argValue(args, '--events') ?? 1000);
	const latencyRuns = Number(argValue(args, '--latency') ?? 100);
	console.log(
		`Webhook delivery: ${events} events per run, ${latencyRuns} idle commits for latency, receiver on loopback`
	);
	await forEachEngine('webhooks', async (engine, name, serverUrl) => {
		let url = serverUrl;
		let stopWire: (() => Promise<void>) | undefined;
		if (engine.kind === 'embedded') {
			const { pglite, lock } = engine as EmbeddedEngine;
			const wire = await serveWire({
				pglite,
				lock,
				host: '127.0.0.1',
				port: 0,
				maxConnections: 64
			});
			url = wire.url;
			stopWire = () => wire.stop();
		}
		try {
			const rows: (string | number)[][] = [
				[
					'dispatchers',
					'delivered/s',
					'commit→1st p50 ms',
					'p99 ms',
					'dup requests',
					'dup attempts',
					'unverified',
					...(engine.kind === 'server' ? ['graphile-worker jobs/s', 'ratio'] : [])
				]
			];
			for (const n of DISPATCHERS) {
				const r = await measure(engine, url!, n, events, latencyRuns);
				const row: (string | number)[] = [
					n,
					r.perSecond.toFixed(0),
					r.p50.toFixed(1),
					r.p99.toFixed(1),
					r.duplicateRequests,
					r.duplicateAttempts,
					r.unverified
				];
				if (engine.kind === 'server') {
					const g = await graphile(url!, n, events);
					row.push(g.toFixed(0), `${(r.perSecond / g).toFixed(2)}×`);
				}
				rows.push(row);
			}
			console.log(`\n${name}\n${table(rows)}`);
		} finally {
			await stopWire?.();
		}
	});
}
