/**
 * Governance's jobs on the shared queue, with a real worker on the seeded embedded database: the
 * daily schedule queues one retention and one maintenance run per UTC day (a second call queues
 * nothing), a dry run reports what a real run then removes, and each report is the job's result
 * (what the console's Jobs page shows). The SQL rules themselves are pgTAP 58-governance.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/server/platform/config';
import type { Engine } from '../../src/lib/server/platform/engine';
import { runAsServiceRole } from '../../src/lib/server/platform/rls';
import { enqueueJob } from '../../src/lib/server/queue/enqueue';
import { registeredQueues } from '../../src/lib/server/queue/registry';
import { createWorker } from '../../src/lib/server/queue/worker';
import { scheduleGovernance } from '../../src/lib/server/governance/jobs';
import { seeded } from '../support/database';
import { embeddedFactory, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const config = loadConfig({ NODE_ENV: 'test' });

let t: TestEngine;
let engine: Engine;

async function q<Row>(text: string, params: unknown[] = []): Promise<Row[]> {
	return engine.session((s) => s.query<Row>(text, params));
}

function worker() {
	const queues = registeredQueues().filter((d) => d.name.startsWith('governance.'));
	expect(queues.map((d) => d.name).sort()).toEqual([
		'governance.maintenance',
		'governance.retention'
	]);
	return createWorker({ db: engine.db, config, queues, workerId: 'governance-test' });
}

async function runJob(queue: string, dryRun: boolean): Promise<Record<string, unknown>> {
	const id = await runAsServiceRole(engine.db, 'governance.schedule', (trx) =>
		enqueueJob(trx, { queue, payload: { dry_run: dryRun } })
	);
	const w = worker();
	try {
		for (let i = 0; i < 50; i++) {
			await w.tick();
			const [row] = await q<{ status: string; result: Record<string, unknown> | null }>(
				`select status, result from public.jobs where id = $1`,
				[id]
			);
			if (row?.status === 'succeeded') return row.result!;
			if (row?.status === 'failed') throw new Error(`job ${id} failed`);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	} finally {
		await w.stop();
	}
	throw new Error(`job ${id} did not finish`);
}

beforeAll(async () => {
	t = await seeded(embeddedFactory);
	engine = t.engine;
	await q(
		`insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, occurred_at)
		 values ($1, 'api_calls', 3, 'governance-old', now() - interval '800 days'),
		        ($1, 'api_calls', 1, 'governance-new', now() - interval '1 day')`,
		[ACME]
	);
	await q(
		`insert into public.invitations (tenant_id, email, token_hash, expires_at, created_at)
		 values ($1, 'stale@example.test', sha256('governance-stale'), now() - interval '60 days', now() - interval '67 days')`,
		[ACME]
	);
}, 240_000);

afterAll(async () => {
	await t?.dispose();
});

describe('governance jobs', () => {
	it('queues one retention and one maintenance run per UTC day', async () => {
		const day = new Date('2026-12-01T03:00:00Z');
		const first = await scheduleGovernance(engine.db, day);
		const again = await scheduleGovernance(engine.db, new Date('2026-12-01T22:00:00Z'));
		expect(again).toEqual(first);
		const rows = await q<{ queue: string; dedupe_key: string }>(
			`select queue, dedupe_key from public.jobs where id = any ($1::uuid[]) order by queue`,
			[first]
		);
		expect(rows).toEqual([
			{ queue: 'governance.maintenance', dedupe_key: 'maintenance:2026-12-01' },
			{ queue: 'governance.retention', dedupe_key: 'retention:2026-12-01' }
		]);
		await q(`update public.jobs set status = 'cancelled' where id = any ($1::uuid[])`, [first]);
	});

	it('reports in a dry run what the real run then deletes, as the job result', async () => {
		const dry = await runJob('governance.retention', true);
		expect(dry).toMatchObject({ dry_run: true });
		const line = (dry.lines as { tenant_id: string; data_class: string; rows: number }[]).find(
			(l) => l.tenant_id === ACME && l.data_class === 'usage_events'
		);
		expect(line?.rows).toBe(1);
		const [kept] = await q<{ n: number }>(
			`select count(*)::int as n from public.usage_events where idempotency_key like 'governance-%'`
		);
		expect(kept?.n).toBe(2);

		const real = await runJob('governance.retention', false);
		expect(real).toMatchObject({ dry_run: false });
		expect(real.rows).toBe(dry.rows);
		const left = await q<{ key: string }>(
			`select idempotency_key as key from public.usage_events where idempotency_key like 'governance-%'`
		);
		expect(left).toEqual([{ key: 'governance-new' }]);
		const [audit] = await q<{ rows: string; job: string }>(
			`select new_values ->> 'rows' as rows, actor_job as job from public.audit_logs
			  where action = 'retention.apply' and tenant_id = $1 and target_id = 'usage_events'`,
			[ACME]
		);
		expect(audit).toEqual({ rows: '1', job: 'governance.retention' });

		const again = await runJob('governance.retention', false);
		expect(again.rows).toBe(0);
	});

	it('sweeps expired invitations and says so in its report', async () => {
		const dry = await runJob('governance.maintenance', true);
		expect(dry.expired_invitations).toBeGreaterThanOrEqual(1);
		const real = await runJob('governance.maintenance', false);
		expect(real).toMatchObject({ dry_run: false, expired_invitations: dry.expired_invitations });
		const [gone] = await q<{ n: number }>(
			`select count(*)::int as n from public.invitations where email = 'stale@example.test'`
		);
		expect(gone?.n).toBe(0);
		const reports = await runAsServiceRole(engine.db, 'governance.schedule', async (trx) =>
			(
				await sql<{
					queue: string;
				}>`select queue from public.jobs where queue like 'governance.%' and status = 'succeeded'`.execute(
					trx
				)
			).rows.map((r) => r.queue)
		);
		expect(reports.filter((r) => r === 'governance.maintenance')).toHaveLength(2);
	});
});
