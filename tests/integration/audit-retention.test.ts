/**
 * The audit log's retention by whole months (decision 0015), through the governance.retention
 * job on the seeded embedded database: a chain with history 30 and 29 months back, the ended
 * months closed by governance.maintenance, a dry run that lists the months that would go (rows per
 * tenant, the checkpoint each chain starts from) and drops nothing, then the real run that stores
 * each month's archive and manifest in the private bucket and drops the month while the chain
 * still verifies. The archive verifies offline (`npm run audit:verify`), and not once one byte of
 * it is changed. The SQL rules are pgTAP 74.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_BUCKET, verifyArchive } from '../../src/lib/server/audit/archive';
import '../../src/lib/server/governance/jobs';
import { loadConfig } from '../../src/lib/server/platform/config';
import type { Engine } from '../../src/lib/server/platform/engine';
import { runAsServiceRole } from '../../src/lib/server/platform/rls';
import { enqueueJob } from '../../src/lib/server/queue/enqueue';
import { registeredQueues } from '../../src/lib/server/queue/registry';
import { createWorker } from '../../src/lib/server/queue/worker';
import { storageAdapter } from '../../src/lib/server/storage/service';
import { seeded } from '../support/database';
import { embeddedFactory, type TestEngine } from './engines';

const CHAIN = 'a0d17000-0000-4000-8000-000000000017';
// The archives go to a storage directory of this run's own.
const config = loadConfig({
	NODE_ENV: 'test',
	DATA_DIR: join(mkdtempSync(join(tmpdir(), 'audit-retention-')), 'data')
});

let t: TestEngine;
let engine: Engine;

async function q<Row>(text: string, params: unknown[] = []): Promise<Row[]> {
	return engine.session((s) => s.query<Row>(text, params));
}

async function runJob(queue: string, dryRun: boolean): Promise<Record<string, unknown>> {
	const id = await runAsServiceRole(engine.db, 'governance.schedule', (trx) =>
		enqueueJob(trx, { queue, payload: { dry_run: dryRun } })
	);
	const queues = registeredQueues().filter((d) => d.name.startsWith('governance.'));
	const w = createWorker({ db: engine.db, config, queues, workerId: 'audit-retention-test' });
	try {
		for (let i = 0; i < 100; i++) {
			await w.tick();
			const [row] = await q<{
				status: string;
				result: Record<string, unknown> | null;
				last_error: string | null;
			}>(`select status, result, last_error from public.jobs where id = $1`, [id]);
			if (row?.status === 'succeeded') return row.result!;
			if (row?.status === 'failed') throw new Error(`job ${id} failed: ${row.last_error}`);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	} finally {
		await w.stop();
	}
	const [row] = await q<{ status: string; last_error: string | null }>(
		`select status, last_error from public.jobs where id = $1`,
		[id]
	);
	throw new Error(`job ${id} did not finish: ${row?.status}, ${row?.last_error}`);
}

const month = (back: number) => {
	const d = new Date();
	d.setUTCDate(1);
	d.setUTCMonth(d.getUTCMonth() - back);
	return d.toISOString().slice(0, 7);
};

beforeAll(async () => {
	t = await seeded(embeddedFactory);
	engine = t.engine;
	await q(`select private.ensure_audit_partitions(now() - interval '31 months', 3)`);
	await q(
		`insert into public.audit_logs (tenant_id, actor_type, actor_job, action, target_type, target_id, new_values, ip,
		                                user_agent, created_at)
		 select $1::uuid, 'system', 'test', 'history.write', 'history', g::text,
		        jsonb_build_object('n', g, 'note', E'quote " and \\\\ and é'), ('192.0.2.' || g)::inet, 'Agent/' || g,
		        case when g <= 3 then ($2 || '-10')::timestamptz + g * interval '1 day'
		             when g <= 5 then ($3 || '-10')::timestamptz + g * interval '1 day' else now() end
		   from generate_series(1, 7) g order by g`,
		[CHAIN, month(30), month(29)]
	);
	await q(`select private.seal_audit_chain()`);
}, 240_000);

afterAll(async () => {
	await t?.dispose();
});

describe('audit log retention by month', () => {
	let archive: Uint8Array;

	it('closes the ended months in governance.maintenance', async () => {
		const report = await runJob('governance.maintenance', false);
		const audit = report.audit_log as { months_closed: string[] };
		expect(audit.months_closed[0]).toBe(month(30));
		expect(audit.months_closed).toContain(month(1));
	});

	it('reports in a dry run the months that would go, and drops nothing', async () => {
		const dry = await runJob('governance.retention', true);
		const lines = dry.audit_log as {
			month: string;
			rows: number;
			tenants: Record<string, number>;
			starts_from: Record<string, { seq: number }>;
		}[];
		const first = lines.find((l) => l.month === month(30));
		expect(first).toMatchObject({ rows: 3, tenants: { [CHAIN]: 3 } });
		expect(first?.starts_from[CHAIN]?.seq).toBe(3);
		expect(lines.find((l) => l.month === month(29))?.starts_from[CHAIN]?.seq).toBe(5);
		expect(lines.every((l) => l.month <= month(24))).toBe(true);
		const [left] = await q<{ n: number }>(
			`select count(*)::int as n from public.audit_logs where tenant_id = $1`,
			[CHAIN]
		);
		expect(left?.n).toBe(7);
	});

	it('archives, then drops, those months; the chain still verifies from its checkpoint', async () => {
		const real = await runJob('governance.retention', false);
		const lines = real.audit_log as { month: string; archive: string; sha256: string }[];
		const first = lines.find((l) => l.month === month(30))!;
		expect(first.archive).toBe(`${ARCHIVE_BUCKET}/${month(30)}.ndjson.gz`);
		const [left] = await q<{ n: number; parts: number }>(
			`select (select count(*)::int from public.audit_logs where tenant_id = $1) as n,
			        (select count(*)::int from pg_class where relname = 'audit_logs_' || replace($2, '-', '_')) as parts`,
			[CHAIN, month(30)]
		);
		expect(left).toEqual({ n: 2, parts: 0 });
		const [verified] = await q<{ problem: string | null; sealed_rows: string }>(
			`select problem, sealed_rows::text from public.verify_audit_chain($1)`,
			[CHAIN]
		);
		expect(verified).toEqual({ problem: null, sealed_rows: '2' });
		const [platform] = await q<{ problem: string | null }>(
			`select problem from public.verify_audit_chain(null)`
		);
		expect(platform?.problem).toBeNull();
		const [event] = await q<{ sha256: string }>(
			`select new_values ->> 'sha256' as sha256 from public.audit_logs
			  where action = 'audit.partition_dropped' and target_id = $1`,
			[month(30)]
		);
		expect(event?.sha256).toBe(first.sha256);

		const adapter = storageAdapter(config);
		archive = (await adapter.get(ARCHIVE_BUCKET, `${month(30)}.ndjson.gz`))!;
		const manifest = JSON.parse(
			Buffer.from((await adapter.get(ARCHIVE_BUCKET, `${month(30)}.manifest.json`))!).toString()
		) as { sha256: string; rows: number };
		expect(manifest).toMatchObject({ sha256: first.sha256, rows: 3 });
		expect(verifyArchive(archive)).toMatchObject({ ok: true, rows: 3, chains: 1 });
		const again = await runJob('governance.retention', false);
		expect(again.audit_log).toEqual([]);
	});

	it('verifies offline with npm run audit:verify, and fails on a one-byte change', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'audit-archive-'));
		const good = join(dir, `${month(30)}.ndjson.gz`);
		writeFileSync(good, archive);
		const run = promisify(execFile);
		const ok = await run('npx', ['tsx', 'scripts/audit-verify.ts', good]);
		expect(ok.stdout).toContain('verifies');

		const text = gunzipSync(archive);
		const at = text.indexOf('Agent/2');
		expect(at).toBeGreaterThan(0);
		text[at + 6] = '9'.charCodeAt(0);
		const bad = join(dir, 'altered.ndjson.gz');
		writeFileSync(bad, gzipSync(text));
		expect(verifyArchive(gzipSync(text)).problem).toMatch(/audit row altered/);
		await expect(run('npx', ['tsx', 'scripts/audit-verify.ts', bad])).rejects.toMatchObject({
			code: 1,
			stderr: expect.stringContaining('audit row altered')
		});
	}, 120_000);
});
