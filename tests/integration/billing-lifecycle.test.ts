import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	runBillingLifecycle,
	type LifecycleResult
} from '../../src/lib/server/billing/lifecycle-job';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const total = (result: LifecycleResult) =>
	Object.values(result).reduce((sum, n) => sum + Number(n), 0);

describe.each(engineFactories)('the billing.lifecycle job on %s', (_name, factory) => {
	let t: TestEngine;

	beforeAll(async () => {
		t = await seeded(factory);
	});
	afterAll(() => t.dispose());

	it('runs as the billing.lifecycle job, and settles: once nothing is due, a run changes nothing', async () => {
		// Each run moves a subscription one step (trial → past due → expired …); a year later,
		// the seeded subscriptions need a few runs to settle, and then runs change nothing.
		const later = new Date(Date.now() + 400 * 86_400_000);
		const first = await runBillingLifecycle(t.engine.db, later);
		expect(Object.keys(first).sort()).toEqual(
			[
				'cancelled',
				'expired',
				'past_due',
				'proof_overdue',
				'reactivated',
				'renewed',
				'suspended',
				'trial_ended'
			].sort()
		);
		expect(total(first)).toBeGreaterThan(0);
		const moves = [total(first)];
		while (moves.at(-1)! > 0 && moves.length < 6) {
			moves.push(total(await runBillingLifecycle(t.engine.db, later)));
		}
		expect(moves.at(-1), `moves per run: ${moves.join(', ')}`).toBe(0);
		expect(total(await runBillingLifecycle(t.engine.db, later))).toBe(0);
	});
});
