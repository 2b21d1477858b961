/**
 * The job queue with real workers on a real database: the embedded engine, and Postgres 15 where
 * concurrency matters (TEST_DATABASE_URL, as npm test sets it) — two sessions claiming at once
 * (SKIP LOCKED, neither waiting), two workers sharing a queue without running a job twice, a
 * worker killed mid-job (SIGKILL of its process) whose job another worker takes once the lease
 * passes, LISTEN waking a worker, retries on the queue's schedule, permanent failures, payload
 * schemas, lost leases and graceful shutdown. Queues are registered here with short schedules, so
 * nothing sleeps for long.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../src/lib/server/platform/config';
import { bootstrap, setRuntime } from '../../src/lib/server/platform/db';
import type { Engine } from '../../src/lib/server/platform/engine';
import { listen } from '../../src/lib/server/platform/listen';
import { migrate } from '../../src/lib/server/platform/migrate';
import { runAsServiceRole } from '../../src/lib/server/platform/rls';
import { openServer } from '../../src/lib/server/platform/server';
import { enqueueJob } from '../../src/lib/server/queue/enqueue';
import {
	PermanentJobError,
	registerQueue as registerHandler,
	unregisterQueue,
	type QueueDefinition
} from '../../src/lib/server/queue/registry';
import '../../src/lib/server/queue/worker-job';
import { createWorker, type Worker } from '../../src/lib/server/queue/worker';
import { embeddedFactory } from './engines';

const config = loadConfig({ NODE_ENV: 'test' });

interface JobState {
	status: string;
	attempts: number;
	last_error: string | null;
	result: Record<string, unknown> | null;
	claimed_by: string | null;
}

async function q<Row>(engine: Engine, text: string, params: unknown[] = []): Promise<Row[]> {
	return engine.session((s) => s.query<Row>(text, params));
}

async function registerQueue(engine: Engine, name: string, maxAttempts = 3, schedule = '[0.2]') {
	await q(engine, `select private.register_job_queue($1, 'test queue', $2, $3::jsonb)`, [
		name,
		maxAttempts,
		schedule
	]);
}

function enqueue(
	engine: Engine,
	queue: string,
	payload: Record<string, unknown>,
	dedupeKey?: string
) {
	return runAsServiceRole(engine.db, 'queue.work', (trx) =>
		enqueueJob(trx, { queue, payload, dedupeKey })
	);
}

async function job(engine: Engine, id: string): Promise<JobState> {
	const [row] = await q<JobState>(
		engine,
		`select status, attempts, last_error, result, claimed_by from public.jobs where id = $1`,
		[id]
	);
	if (!row) throw new Error(`job ${id} is missing`);
	return row;
}

async function until<T>(
	what: string,
	probe: () => Promise<T | undefined>,
	ms = 10_000
): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

const settled = (engine: Engine, id: string) =>
	until(`job ${id} to finish`, async () => {
		const state = await job(engine, id);
		return ['succeeded', 'failed', 'cancelled'].includes(state.status) ? state : undefined;
	});

function worker(engine: Engine, queues: QueueDefinition<never>[], id?: string): Worker {
	return createWorker({
		db: engine.db,
		config,
		queues: queues as QueueDefinition<unknown>[],
		workerId: id,
		shutdownGraceMs: 2_000
	});
}

describe('the job queue (embedded)', () => {
	let engine: Engine;
	let dispose: () => Promise<void>;
	beforeAll(async () => {
		const t = await embeddedFactory();
		engine = t.engine;
		dispose = t.dispose;
		await migrate(engine, { dir: 'supabase/migrations', compat: 'auto' });
		for (const name of ['tq.echo', 'tq.flaky', 'tq.typed', 'tq.slow', 'tq.listen']) {
			await registerQueue(engine, name);
		}
	});
	afterAll(() => dispose());

	it('runs a job, stores its result, and a dedupe key queues it once', async () => {
		const w = worker(engine, [
			{ name: 'tq.echo', job: 'queue.work', handle: async (j) => ({ echoed: j.payload }) }
		]);
		const id = await enqueue(engine, 'tq.echo', { n: 1 }, 'once');
		expect(await enqueue(engine, 'tq.echo', { n: 2 }, 'once')).toBe(id);
		await w.tick();
		const state = await settled(engine, id);
		expect(state).toMatchObject({ status: 'succeeded', attempts: 1, result: { echoed: { n: 1 } } });
		await w.stop();
	});

	it('retries a failed attempt on the queue schedule, and a permanent failure is a dead letter at once', async () => {
		let calls = 0;
		const w = worker(engine, [
			{
				name: 'tq.flaky',
				job: 'queue.work',
				async handle(j) {
					if (j.payload.permanent) throw new PermanentJobError('This cannot work.');
					calls += 1;
					if (j.attempt === 1) throw new Error('Not yet.');
					return { attempt: j.attempt, lastError: j.lastError };
				}
			}
		]);
		const flaky = await enqueue(engine, 'tq.flaky', {});
		const started = Date.now();
		await w.tick();
		const state = await settled(engine, flaky);
		expect(state).toMatchObject({
			status: 'succeeded',
			attempts: 2,
			result: { attempt: 2, lastError: 'Not yet.' }
		});
		expect(Date.now() - started).toBeGreaterThanOrEqual(170);
		expect(calls).toBe(2);
		const permanent = await enqueue(engine, 'tq.flaky', { permanent: true });
		w.wake();
		expect(await settled(engine, permanent)).toMatchObject({
			status: 'failed',
			attempts: 1,
			last_error: 'This cannot work.'
		});
		await w.stop();
	});

	it('fails a payload its schema refuses, with the reason, without running the handler', async () => {
		let ran = false;
		const w = worker(engine, [
			{
				name: 'tq.typed',
				job: 'queue.work',
				payload: z.object({ count: z.number().int() }),
				async handle() {
					ran = true;
				}
			} as QueueDefinition<{ count: number }> as QueueDefinition<never>
		]);
		const id = await enqueue(engine, 'tq.typed', { count: 'three' });
		await w.tick();
		const state = await settled(engine, id);
		expect(state.status).toBe('failed');
		expect(state.last_error).toMatch(/^The payload does not fit tq\.typed: count: /);
		expect(ran).toBe(false);
		await w.stop();
	});

	it('wakes on LISTEN jobs, and shutdown waits for the job in flight', async () => {
		const w = worker(engine, [
			{
				name: 'tq.slow',
				job: 'queue.work',
				handle: () => new Promise((resolve) => setTimeout(() => resolve({ slow: true }), 300))
			}
		]);
		const unlisten = await listen(engine, undefined, 'jobs', (queue) => {
			if (queue === 'tq.slow') w.wake();
		});
		await w.tick(); // nothing due: the worker now waits for LISTEN (its timer is a minute away)
		const id = await enqueue(engine, 'tq.slow', {});
		await until('the job to be claimed', async () =>
			(await job(engine, id)).status === 'running' ? true : undefined
		);
		await w.stop();
		expect(await job(engine, id)).toMatchObject({ status: 'succeeded', result: { slow: true } });
		await unlisten();
	});
});

describe('the runtime', () => {
	it('starts one worker for the registered queues, which runs their jobs, and stops it on shutdown', async () => {
		let ran: { attempt: number; tenantId: string | null } | null = null;
		registerHandler({
			name: 'tq.boot',
			job: 'queue.work',
			async handle(j) {
				ran = { attempt: j.attempt, tenantId: j.tenantId };
				return { booted: true };
			}
		});
		const lines: string[] = [];
		const spy = vi
			.spyOn(console, 'log')
			.mockImplementation((line: string) => void lines.push(line));
		const runtime = await setRuntime(
			bootstrap(
				loadConfig({
					NODE_ENV: 'test',
					DATA_DIR: 'memory://',
					DB_SERVE: 'false',
					SEED_ON_FIRST_START: 'false',
					MAIL_CATCHER: 'off',
					AUDIT_SEAL_INTERVAL_MS: '0',
					BILLING_LIFECYCLE_INTERVAL_MS: '0',
					USAGE_ROLLUP_INTERVAL_MS: '0',
					// The scheduler's poll is slow: its first run starts the worker, LISTEN jobs wakes it.
					QUEUE_POLL_MS: '60000'
				})
			)
		);
		try {
			const { engine } = runtime;
			await registerQueue(engine, 'tq.boot');
			await until('the worker to start', async () =>
				lines.some((l) => l.startsWith('[tenantry] jobs: worker ')) ? true : undefined
			);
			expect(lines.find((l) => l.startsWith('[tenantry] jobs: worker '))).toMatch(
				/ runs .*tq\.boot/
			);
			const id = await enqueue(engine, 'tq.boot', {});
			expect(await settled(engine, id)).toMatchObject({
				status: 'succeeded',
				result: { booted: true }
			});
			expect(ran).toEqual({ attempt: 1, tenantId: null });
		} finally {
			await runtime.shutdown();
			unregisterQueue('tq.boot');
			spy.mockRestore();
		}
	});
});

const admin = process.env.TEST_DATABASE_URL;

describe('the job queue on Postgres 15 (two sessions, two workers, a killed worker)', () => {
	let engine: Engine;
	let url: string;
	const name = `queue_test_${randomBytes(5).toString('hex')}`;

	beforeAll(async () => {
		if (!admin) {
			throw new Error(
				'TEST_DATABASE_URL is not set: the concurrency half of the queue tests needs Postgres 15 ' +
					'(postgresql://postgres:postgres@127.0.0.1:5432/postgres).'
			);
		}
		const client = new pg.Client({ connectionString: admin });
		await client.connect();
		await client.query(`create database ${name}`);
		await client.end();
		const target = new URL(admin);
		target.pathname = `/${name}`;
		url = target.toString();
		engine = openServer(url, 8);
		await migrate(engine, { dir: 'supabase/migrations', compat: 'auto' });
		for (const queue of ['tq.race', 'tq.shared', 'tq.killed', 'tq.wake'])
			await registerQueue(engine, queue);
	});
	afterAll(async () => {
		await engine?.close();
		if (!admin) return;
		const client = new pg.Client({ connectionString: admin });
		await client.connect();
		await client.query(`drop database if exists ${name} with (force)`);
		await client.end();
	});

	it('two sessions claiming at once take different jobs, neither waiting for the other (SKIP LOCKED)', async () => {
		for (let i = 0; i < 10; i++) await enqueue(engine, 'tq.race', { i });
		const a = new pg.Client({ connectionString: url });
		const b = new pg.Client({ connectionString: url });
		await Promise.all([a.connect(), b.connect()]);
		try {
			await a.query('begin');
			const first = await a.query<{ id: string }>(
				`select id from public.claim_jobs('{tq.race}', 'session-a', 6, 60)`
			);
			// A's transaction still holds its six rows locked: B must skip them, not wait.
			await b.query(`set statement_timeout = '2s'`);
			const second = await b.query<{ id: string }>(
				`select id from public.claim_jobs('{tq.race}', 'session-b', 6, 60)`
			);
			await a.query('commit');
			const ids = [...first.rows, ...second.rows].map((r) => r.id);
			expect(first.rows).toHaveLength(6);
			expect(second.rows).toHaveLength(4);
			expect(new Set(ids).size).toBe(10);
		} finally {
			await Promise.all([a.end(), b.end()]);
		}
	});

	it('two workers sharing a queue run every job exactly once', async () => {
		const other = openServer(url, 4);
		const runs = new Map<string, string[]>();
		const handler =
			(who: string): QueueDefinition<never>['handle'] =>
			async (j) => {
				runs.set(j.id, [...(runs.get(j.id) ?? []), who]);
				await new Promise((resolve) => setTimeout(resolve, 2));
			};
		const def = (who: string) => ({
			name: 'tq.shared',
			job: 'queue.work' as const,
			concurrency: 4,
			handle: handler(who)
		});
		const ids: string[] = [];
		for (let i = 0; i < 120; i++) ids.push(await enqueue(engine, 'tq.shared', { i }));
		const w1 = worker(engine, [def('w1')], 'w1');
		const w2 = worker(other, [def('w2')], 'w2');
		await Promise.all([w1.tick(), w2.tick()]);
		await until('every shared job to succeed', async () => {
			const [row] = await q<{ left: number }>(
				engine,
				`select count(*)::int as left from public.jobs where queue = 'tq.shared' and status <> 'succeeded'`
			);
			return row!.left === 0 ? true : undefined;
		});
		await Promise.all([w1.stop(), w2.stop()]);
		await other.close();
		expect(runs.size).toBe(120);
		expect([...runs.values()].every((who) => who.length === 1)).toBe(true);
		const by = new Set([...runs.values()].map((who) => who[0]));
		expect(by).toEqual(new Set(['w1', 'w2']));
	});

	it('a worker killed mid-job leaves its lease to pass, and another worker takes the job', async () => {
		const id = await enqueue(engine, 'tq.killed', { important: true });
		const child = spawn(
			process.execPath,
			['--import', 'tsx', 'tests/support/queue-worker.ts', url, 'tq.killed', 'doomed', '1'],
			{ stdio: ['ignore', 'pipe', 'pipe'] }
		);
		let stderr = '';
		child.stderr.on('data', (chunk) => (stderr += chunk));
		await until(
			'the child worker to start the job',
			async () => {
				if (child.exitCode !== null) throw new Error(`the child worker exited: ${stderr}`);
				const state = await job(engine, id);
				return state.claimed_by === 'doomed' ? state : undefined;
			},
			30_000
		);
		// The child renews its lease at half time while alive: past two leases it still holds the job.
		await new Promise((resolve) => setTimeout(resolve, 1_600));
		expect(await job(engine, id)).toMatchObject({ status: 'running', claimed_by: 'doomed' });
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGKILL');
		await exited;
		const rescuer = worker(
			engine,
			[{ name: 'tq.killed', job: 'queue.work', handle: async (j) => ({ rescued: j.attempt }) }],
			'rescuer'
		);
		const started = Date.now();
		const poll = setInterval(() => rescuer.wake(), 100);
		const state = await settled(engine, id);
		clearInterval(poll);
		await rescuer.stop();
		expect(state).toMatchObject({ status: 'succeeded', attempts: 2, result: { rescued: 2 } });
		expect(Date.now() - started).toBeLessThan(3_000);
	});

	it('LISTEN jobs on its own connection wakes a waiting worker within milliseconds', async () => {
		let ranAt = 0;
		const w = worker(engine, [
			{ name: 'tq.wake', job: 'queue.work', handle: async () => void (ranAt = Date.now()) }
		]);
		const unlisten = await listen(engine, url, 'jobs', (queue) => {
			if (queue === 'tq.wake') w.wake();
		});
		await w.tick();
		const queuedAt = Date.now();
		const id = await enqueue(engine, 'tq.wake', {});
		await settled(engine, id);
		expect(ranAt - queuedAt).toBeLessThan(500);
		await unlisten();
		await w.stop();
		const [row] = await q<{ n: number }>(
			engine,
			`select count(*)::int as n from public.jobs j where j.id = $1 and j.claimed_by is null`,
			[id]
		);
		expect(row!.n).toBe(1);
		await runAsServiceRole(engine.db, 'queue.work', (trx) =>
			sql`select public.purge_jobs()`.execute(trx)
		);
	});
});
