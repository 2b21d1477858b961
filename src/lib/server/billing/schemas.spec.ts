import { describe, expect, it } from 'vitest';
import { confirmChangeSchema, paymentProofSchema, testCardSchema } from './schemas';

describe('billing forms', () => {
	it('read the amount paid in minor units', () => {
		const parse = (amount: string) =>
			paymentProofSchema.safeParse({ plan: 'pro', interval: 'month', amount });
		expect(parse('29').data?.amount).toBe(2900);
		expect(parse('1,290.5').data?.amount).toBe(129050);
		expect(parse(' 0.01 ').data?.amount).toBe(1);
		expect(parse('0').success).toBe(false);
		expect(parse('29.999').success).toBe(false);
		expect(parse('-5').success).toBe(false);
		expect(
			paymentProofSchema.safeParse({ plan: 'pro', interval: 'week', amount: '29' }).success
		).toBe(false);
	});

	it("need the preview's proration date to confirm a change", () => {
		expect(
			confirmChangeSchema.safeParse({ plan: 'pro', interval: 'month', prorationDate: '1795000000' })
				.data
		).toEqual({
			plan: 'pro',
			interval: 'month',
			prorationDate: 1795000000
		});
		expect(
			confirmChangeSchema.safeParse({ plan: 'pro', interval: 'month', prorationDate: 'soon' })
				.success
		).toBe(false);
	});

	it("read a test card as Stripe's checkout does", () => {
		expect(
			testCardSchema.parse({ number: '4242 4242 4242 4242', expiry: '08 / 29', cvc: '123' })
		).toEqual({
			number: '4242424242424242',
			expiry: { expMonth: 8, expYear: 2029 },
			cvc: '123'
		});
		expect(
			testCardSchema.safeParse({ number: '4242', expiry: '13/29', cvc: '1' }).error?.issues.length
		).toBe(3);
	});
});
