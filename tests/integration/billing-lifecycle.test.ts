import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, seed } from '../../src/lib/server/db/migrate';
import { runBillingLifecycle } from '../../src/lib/server/jobs/billing-lifecycle';
import { engineFactories, type TestEngine } from './engines';

const total = (result: Record<string, number>) =>
	Object.values(result).reduce((sum, n) => sum + Number(n), 0);

describe.each(engineFactories)('the billing.lifecycle job on %s', (_name, factory) => {
	let t: TestEngine;

	beforeAll(async () => {
		t = await factory();
		const { owner } = await migrate(t.engine, { dir: 'supabase/migrations', compat: 'auto' });
		await seed(t.engine, { file: 'supabase/seed.sql', owner });
	});
	afterAll(() => t.dispose());

	it('runs as the billing.lifecycle job, and a second run at the same moment changes nothing', async () => {
		const later = new Date(Date.now() + 400 * 86_400_000);
		const first = await runBillingLifecycle(t.engine.db, later);
		expect(Object.keys(first).sort()).toEqual(
			[
				'cancelled',
				'expired',
				'past_due',
				'reactivated',
				'renewed',
				'suspended',
				'trial_ended'
			].sort()
		);
		const second = await runBillingLifecycle(t.engine.db, later);
		expect(total(second)).toBe(0);
	});
});
