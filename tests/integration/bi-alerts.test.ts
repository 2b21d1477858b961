/**
 * The alerts evaluator (issue 18 §5, docs/bi-alerts.md) on both engines: a threshold fires only
 * after its breach has lasted N minutes (a clock the test drives) and resolves when the value is
 * back; two evaluators at once open one firing (the partial unique index; on Postgres 15 two
 * transactions really race); a schedule sends on its cron in the tenant's time zone across the end
 * of daylight-saving time, once per tick; an anomaly alert fires on a planted spike. The anomaly
 * method itself is measured on synthetic series with planted anomalies (seeded RNG): precision and
 * recall are printed and held to floors.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/lib/server/platform/database';
import { runAsServiceRole, runWithClaims } from '../../src/lib/server/platform/rls';
import { DAY_MS, HOUR_MS, WEEK_MS, detectAnomaly } from '../../src/lib/server/bi/alerts/anomaly';
import { evaluateAlert, type AlertRunner } from '../../src/lib/server/bi/alerts/evaluate';
import { tickAlerts } from '../../src/lib/server/bi/alerts/jobs';
import { parsePayload } from '../../src/lib/server/events/catalogue';
import { seeded } from '../support/database';
import { embeddedFactory, serverFactory, serverUrl, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const ACME_OWNER = 'a0000000-0000-4000-8000-000000000011';

/** mulberry32: a small seeded generator, so the synthetic series are the same on every run. */
function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function gaussian(random: () => number): number {
	return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** An hourly series with a daily cycle, quieter weekends and noise; anomalies planted in the last `weeks`. */
function syntheticSeries(seed: number, totalWeeks: number, planted: number) {
	const random = rng(seed);
	const start = Date.UTC(2026, 0, 5); // a Monday
	const hours = totalWeeks * 7 * 24;
	const series = new Map<number, number>();
	for (let h = 0; h < hours; h++) {
		const t = start + h * HOUR_MS;
		const hourOfDay = h % 24;
		const weekend = Math.floor(h / 24) % 7 >= 5;
		const level = (weekend ? 60 : 100) * (1 + 0.5 * Math.sin(((hourOfDay - 6) / 24) * 2 * Math.PI));
		series.set(t, Math.max(0, level + gaussian(random) * level * 0.05));
	}
	const anomalies = new Set<number>();
	const firstScored = start + (totalWeeks - 2) * WEEK_MS;
	while (anomalies.size < planted) {
		const t = firstScored + Math.floor(random() * 2 * 7 * 24) * HOUR_MS;
		if (anomalies.has(t) || anomalies.has(t - HOUR_MS) || anomalies.has(t + HOUR_MS)) continue;
		anomalies.add(t);
		// A spike or a drop of 40–90 %.
		const factor = random() < 0.5 ? 1.4 + random() * 0.5 : 0.1 + random() * 0.5;
		series.set(t, series.get(t)! * factor);
	}
	return { series, anomalies, firstScored, end: start + hours * HOUR_MS };
}

describe('the anomaly method (robust z-score over a seasonal baseline)', () => {
	it('finds planted anomalies with precision and recall of at least 0.8', () => {
		let tp = 0;
		let fp = 0;
		let fn = 0;
		for (const seed of [1, 2, 3, 4, 5]) {
			// Six weeks: the last two are scored against a baseline of up to four weeks.
			const { series, anomalies, firstScored, end } = syntheticSeries(seed, 6, 20);
			for (let t = firstScored; t < end; t += HOUR_MS) {
				const verdict = detectAnomaly(series, t, { weeks: 4, threshold: 3.5, stepMs: HOUR_MS });
				if (verdict.anomalous && anomalies.has(t)) tp++;
				else if (verdict.anomalous) fp++;
				else if (anomalies.has(t)) fn++;
			}
		}
		const precision = tp / (tp + fp);
		const recall = tp / (tp + fn);
		console.log(
			`anomaly method on 5 synthetic series (2 scored weeks each, 100 planted anomalies): ` +
				`precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn})`
		);
		expect(precision).toBeGreaterThanOrEqual(0.8);
		expect(recall).toBeGreaterThanOrEqual(0.8);
	});

	it('gives no verdict without three baseline points, and treats a flat baseline strictly', () => {
		const series = new Map([[0, 5]]);
		expect(detectAnomaly(series, 0, { weeks: 4, threshold: 3.5, stepMs: DAY_MS })).toMatchObject({
			anomalous: false,
			score: null
		});
		const flat = new Map([
			[0, 5],
			[WEEK_MS, 5],
			[2 * WEEK_MS, 5],
			[3 * WEEK_MS, 6]
		]);
		expect(
			detectAnomaly(flat, 3 * WEEK_MS, { weeks: 3, threshold: 3.5, stepMs: DAY_MS }).anomalous
		).toBe(true);
		flat.set(3 * WEEK_MS, 5);
		expect(
			detectAnomaly(flat, 3 * WEEK_MS, { weeks: 3, threshold: 3.5, stepMs: DAY_MS }).anomalous
		).toBe(false);
	});
});

function runnerFor(db: Kysely<DB>): AlertRunner {
	return {
		asSystem: (job, fn) => runAsServiceRole(db, job, fn),
		asUser: (claims, fn) => runWithClaims(db, claims, fn)
	};
}

async function createAlert(db: Kysely<DB>, values: Record<string, unknown>): Promise<string> {
	return runWithClaims(db, { sub: ACME_OWNER, role: 'authenticated' }, async (trx) => {
		const columns = Object.keys(values);
		const { rows } = await sql<{ id: string }>`
			insert into public.alerts (tenant_id, ${sql.join(columns.map((c) => sql.ref(c)))})
			values (${ACME}, ${sql.join(columns.map((c) => values[c]))}) returning id`.execute(trx);
		const id = rows[0]!.id;
		await sql`insert into public.alert_channels (tenant_id, alert_id, kind) values (${ACME}, ${id}, 'in_app'), (${ACME}, ${id}, 'webhook')`.execute(
			trx
		);
		return id;
	});
}

async function setToday(db: Kysely<DB>, day: Date, apiCalls: number): Promise<void> {
	await sql`insert into public.tenant_usage_daily (tenant_id, day, api_calls)
		values (${ACME}, ${day.toISOString().slice(0, 10)}::date, ${apiCalls})
		on conflict (tenant_id, day) do update set api_calls = excluded.api_calls`.execute(db);
}

async function events(db: Kysely<DB>, alertId: string) {
	const { rows } = await sql<{ status: string; value: string; notified: boolean }>`
		select status, value::text, notified from public.alert_events where alert_id = ${alertId}::uuid
		order by started_at`.execute(db);
	return rows;
}

/** How many `type` events the alert published; each must parse with the catalogue's schema. */
async function published(db: Kysely<DB>, alertId: string, type: string): Promise<number> {
	const { rows } = await sql<{ payload: unknown }>`
		select payload from public.events where subject_id = ${alertId} and type = ${type}`.execute(db);
	for (const row of rows) {
		const parsed = parsePayload(type, row.payload);
		expect(parsed.success, `${type}: ${parsed.success ? '' : parsed.error}`).toBe(true);
	}
	return rows.length;
}

function evaluatorTests(name: string, open: () => Promise<TestEngine>) {
	describe(`the alerts evaluator on ${name}`, () => {
		let t: TestEngine;
		let db: Kysely<DB>;
		let runner: AlertRunner;
		beforeAll(async () => {
			t = await seeded(open);
			db = t.engine.db;
			runner = runnerFor(db);
		}, 120_000);
		afterAll(() => t?.dispose());

		it('fires a threshold only after its breach lasted N minutes, once, and resolves', async () => {
			const id = await createAlert(db, {
				name: 'Calls over 100',
				source: 'metric',
				metric: 'api_calls',
				kind: 'threshold',
				comparison: 'above',
				threshold: 100,
				for_minutes: 10
			});
			const day = new Date(Date.UTC(2026, 11, 1, 9, 0));
			const at = (minutes: number) => new Date(day.getTime() + minutes * 60_000);
			await setToday(db, day, 150);
			expect(await evaluateAlert(runner, id, at(0))).toBe('pending');
			expect(await evaluateAlert(runner, id, at(5))).toBe('pending');
			// Back under for one evaluation: the clock starts again.
			await setToday(db, day, 90);
			expect(await evaluateAlert(runner, id, at(6))).toBe('ok');
			await setToday(db, day, 150);
			expect(await evaluateAlert(runner, id, at(7))).toBe('pending');
			expect(await evaluateAlert(runner, id, at(16))).toBe('pending');
			expect(await evaluateAlert(runner, id, at(17))).toBe('fired');
			expect(await evaluateAlert(runner, id, at(18))).toBe('firing');
			expect(await events(db, id)).toEqual([{ status: 'firing', value: '150', notified: true }]);
			expect(await published(db, id, 'alert.fired')).toBe(1);
			await setToday(db, day, 20);
			expect(await evaluateAlert(runner, id, at(19))).toBe('resolved');
			expect(await evaluateAlert(runner, id, at(20))).toBe('ok');
			expect(await events(db, id)).toEqual([{ status: 'resolved', value: '150', notified: true }]);
			expect(await published(db, id, 'alert.resolved')).toBe(1);
		});

		it('opens one firing when two evaluators hold the same breach at once', async () => {
			const id = await createAlert(db, {
				name: 'Calls over 10',
				source: 'metric',
				metric: 'api_calls',
				kind: 'threshold',
				comparison: 'above',
				threshold: 10
			});
			const now = new Date(Date.UTC(2026, 11, 1, 10, 0));
			await setToday(db, now, 150);
			// Two whole evaluations at once.
			const outcomes = await Promise.all([
				evaluateAlert(runner, id, now),
				evaluateAlert(runner, id, now)
			]);
			expect(outcomes.sort()).toEqual(['fired', 'firing']);
			// And two transactions racing on the insert: the second waits for the first's open event.
			await setToday(db, now, 5);
			expect(await evaluateAlert(runner, id, new Date(now.getTime() + 60_000))).toBe('resolved');
			let release!: () => void;
			const gate = new Promise<void>((r) => (release = r));
			let recorded!: () => void;
			const firstRecorded = new Promise<void>((r) => (recorded = r));
			const record = (trx: Parameters<Parameters<typeof runAsServiceRole>[2]>[0]) =>
				sql<{ outcome: string }>`select private.record_alert_result(${id}::uuid,
					${new Date(now.getTime() + 120_000).toISOString()}::timestamptz, 150, true) as outcome`
					.execute(trx)
					.then((r) => r.rows[0]!.outcome);
			const first = runAsServiceRole(db, 'bi.alerts', async (trx) => {
				const outcome = await record(trx);
				recorded();
				await gate;
				return outcome;
			});
			await firstRecorded;
			const second = runAsServiceRole(db, 'bi.alerts', (trx) => record(trx));
			await new Promise((r) => setTimeout(r, 150));
			release();
			expect([await first, await second]).toEqual(['fired', 'firing']);
			const rows = await events(db, id);
			expect(rows.filter((r) => r.status === 'firing')).toHaveLength(1);
			expect(await published(db, id, 'alert.fired')).toBe(2);
		});

		it('sends a schedule on its cron in the tenant time zone, across the end of summer time', async () => {
			await sql`update public.tenants set timezone = 'Europe/Paris' where id = ${ACME}`.execute(db);
			const id = await createAlert(db, {
				name: 'Calls at nine',
				source: 'metric',
				metric: 'api_calls',
				kind: 'schedule',
				schedule_cron: '0 9 * * *'
			});
			const next = async () => {
				const { rows } = await sql<{ next_run_at: Date }>`
					select next_run_at from public.alerts where id = ${id}::uuid`.execute(db);
				return rows[0]!.next_run_at.toISOString();
			};
			await setToday(db, new Date('2026-10-24T07:00:00Z'), 321);
			expect(await evaluateAlert(runner, id, new Date('2026-10-23T12:00:00Z'))).toBe('scheduled');
			// 09:00 in Paris on Saturday 24 October is 07:00 UTC (summer time, +02:00)…
			expect(await next()).toBe('2026-10-24T07:00:00.000Z');
			expect(await evaluateAlert(runner, id, new Date('2026-10-24T06:59:00Z'))).toBe('taken');
			expect(await evaluateAlert(runner, id, new Date('2026-10-24T07:00:00Z'))).toBe('sent');
			// …and on Sunday 25 October, after the clocks went back at 03:00, 08:00 UTC (+01:00).
			expect(await next()).toBe('2026-10-25T08:00:00.000Z');
			expect(await events(db, id)).toEqual([{ status: 'sent', value: '321', notified: true }]);
			// The tick queues it when due, once per tick (the dedupe key), and not before.
			const queued = async () => {
				const { rows } = await sql<{ n: number }>`select count(*)::int as n from public.jobs
					where queue = 'bi.alerts' and payload ->> 'alert_id' = ${id}`.execute(db);
				return rows[0]!.n;
			};
			await tickAlerts(db, new Date('2026-10-25T07:59:00Z'));
			expect(await queued()).toBe(0);
			await tickAlerts(db, new Date('2026-10-25T08:00:00Z'));
			await tickAlerts(db, new Date('2026-10-25T08:00:30Z'));
			expect(await queued()).toBe(1);
			await sql`update public.tenants set timezone = 'UTC' where id = ${ACME}`.execute(db);
		});

		it('fires an anomaly alert on a planted spike in the hourly usage, not on the usual hour', async () => {
			const id = await createAlert(db, {
				name: 'Odd compute',
				source: 'metric',
				metric: 'compute_minutes',
				kind: 'anomaly',
				anomaly_weeks: 3
			});
			// Away from the seed's recent usage: the hour scored is 11:00 UTC on 1 June.
			const now = new Date('2026-06-01T12:10:00Z');
			const scored = Date.UTC(2026, 5, 1, 11);
			const random = rng(7);
			const rows: { at: string; q: number }[] = [];
			for (let w = 1; w <= 3; w++)
				for (const h of [-1, 0, 1])
					rows.push({
						at: new Date(scored - w * WEEK_MS + h * HOUR_MS + 60_000).toISOString(),
						q: Math.round(50 + random() * 6)
					});
			rows.push({ at: new Date(scored + 60_000).toISOString(), q: 53 });
			await sql`insert into public.usage_events (tenant_id, metric, quantity, occurred_at, idempotency_key)
				select ${ACME}::uuid, 'compute_minutes', r.q, r.at::timestamptz, 'alerts-test-' || r.at
				from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) r (at text, q bigint)`.execute(db);
			expect(await evaluateAlert(runner, id, now)).toBe('ok');
			await sql`insert into public.usage_events (tenant_id, metric, quantity, occurred_at, idempotency_key)
				values (${ACME}::uuid, 'compute_minutes', 400, ${new Date(scored + 120_000).toISOString()}::timestamptz, 'alerts-test-spike')`.execute(
				db
			);
			expect(await evaluateAlert(runner, id, new Date(now.getTime() + 60_000))).toBe('fired');
			const { rows: detail } = await sql<{
				detail: { method: string; median: number; score: number };
			}>`
				select detail from public.alert_events where alert_id = ${id}::uuid`.execute(db);
			expect(detail[0]!.detail.method).toBe('robust_z');
			expect(detail[0]!.detail.score).toBeGreaterThan(3.5);
		});
	});
}

evaluatorTests('PGlite', embeddedFactory);

describe('the alerts evaluator on Postgres 15', () => {
	it('needs TEST_DATABASE_URL', () => {
		if (!serverUrl)
			throw new Error(
				'TEST_DATABASE_URL is not set: this test needs Postgres 15 (bash scripts/postgres15.sh)'
			);
		expect(serverUrl).toMatch(/^postgres/);
	});
});
if (serverUrl) evaluatorTests('Postgres 15', () => serverFactory());
