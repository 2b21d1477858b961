import { describe, expect, it } from 'vitest';
import { hasStaffRole, planSchema, suspendTenantSchema, tenantFilterSchema } from './schemas';

const plan = {
	id: '',
	key: 'team',
	name: 'Team',
	description: '',
	currency: 'USD',
	priceMonthly: '19.5',
	priceYearly: '',
	trialDays: '14',
	features: '{"sso": true}',
	stripePriceMonthly: '',
	stripePriceYearly: 'price_team_yearly',
	active: 'on',
	soft_members: '8',
	hard_members: '10'
};

function errors(input: Record<string, string>): Record<string, string[]> {
	const result = planSchema.safeParse(input);
	if (result.success) return {};
	const out: Record<string, string[]> = {};
	for (const issue of result.error.issues) (out[String(issue.path[0])] ??= []).push(issue.message);
	return out;
}

describe('planSchema', () => {
	it('turns the form into minor units, nulls and a JSON object', () => {
		const parsed = planSchema.parse(plan);
		expect(parsed).toMatchObject({
			id: null,
			currency: 'usd',
			priceMonthly: 1950,
			priceYearly: 0,
			trialDays: 14,
			features: { sso: true },
			stripePriceMonthly: null,
			stripePriceYearly: 'price_team_yearly',
			active: true,
			soft_members: 8,
			hard_members: 10,
			hard_projects: null
		});
		expect(planSchema.parse({ ...plan, active: undefined }).active).toBe(false);
	});

	it('reports every bad field at once, the limit pair included', () => {
		const found = errors({
			...plan,
			key: 'Team!',
			priceMonthly: '1,000',
			features: '["sso"]',
			stripePriceMonthly: 'sku_1',
			soft_members: '11'
		});
		expect(Object.keys(found).sort()).toEqual([
			'features',
			'key',
			'priceMonthly',
			'soft_members',
			'stripePriceMonthly'
		]);
		expect(found.soft_members).toEqual(['The soft limit cannot be above the hard limit.']);
		expect(errors({ ...plan, soft_members: 'x' }).soft_members).toEqual([
			'Enter a whole number, or leave empty for no limit.'
		]);
	});
});

describe('the other admin forms', () => {
	it('needs a real reason to suspend, as SQL does (TN131)', () => {
		expect(suspendTenantSchema.safeParse({ reason: '   ' }).success).toBe(false);
		expect(suspendTenantSchema.safeParse({ reason: 'x'.repeat(501) }).success).toBe(false);
		expect(suspendTenantSchema.parse({ reason: ' unpaid ' })).toEqual({ reason: 'unpaid' });
	});

	it('falls back to "all" for filters it does not know', () => {
		expect(tenantFilterSchema.parse({ status: 'deleted' })).toEqual({ status: undefined });
		expect(tenantFilterSchema.parse({ q: ' acme ', status: 'pending' })).toEqual({
			status: 'pending'
		});
	});

	it('lets super_admin stand in for every staff role, and nobody else for another', () => {
		expect(hasStaffRole('super_admin', 'billing_admin')).toBe(true);
		expect(hasStaffRole('support', 'billing_admin')).toBe(false);
		expect(hasStaffRole('billing_admin', 'billing_admin')).toBe(true);
		expect(hasStaffRole(null, 'support')).toBe(false);
	});
});
