import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollupUsage } from '../../src/lib/server/usage/rollup-job';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';

describe.each(engineFactories)('the usage.rollup job on %s', (_name, factory) => {
	let t: TestEngine;

	beforeAll(async () => {
		t = await seeded(factory);
	});
	afterAll(() => t.dispose());

	const today = async () => {
		const { rows } = await sql<{ quantity: string; events: string }>`
			select quantity, events from public.usage_daily
			where tenant_id = ${ACME} and metric = 'compute_minutes' and day = (now() at time zone 'UTC')::date`.execute(
			t.engine.db
		);
		return rows[0] ? { quantity: Number(rows[0].quantity), events: Number(rows[0].events) } : null;
	};

	it("adds the day's new events to usage_daily, then changes nothing until more arrive", async () => {
		await rollupUsage(t.engine.db);
		const before = await today();
		await sql`insert into public.usage_events (tenant_id, metric, quantity, idempotency_key)
			values (${ACME}, 'compute_minutes', 7, 'rollup-test-1'), (${ACME}, 'compute_minutes', 5, 'rollup-test-2')`.execute(
			t.engine.db
		);
		expect(await rollupUsage(t.engine.db)).toBe(1);
		const after = await today();
		expect(after).toEqual({
			quantity: (before?.quantity ?? 0) + 12,
			events: (before?.events ?? 0) + 2
		});
		expect(await rollupUsage(t.engine.db)).toBe(0);
	});

	it('rebuilds older days when asked, and only those', async () => {
		await sql`delete from public.usage_daily where tenant_id = ${ACME} and metric = 'api_calls'`.execute(
			t.engine.db
		);
		const from = new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10);
		const written = await rollupUsage(t.engine.db, from);
		const { rows } = await sql<{ days: string }>`
			select count(*) as days from public.usage_daily where tenant_id = ${ACME} and metric = 'api_calls'`.execute(
			t.engine.db
		);
		expect(Number(rows[0]!.days)).toBe(30);
		expect(written).toBe(30);
	});
});
