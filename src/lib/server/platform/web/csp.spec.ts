import { describe, expect, it } from 'vitest';
import { cspOrigin, withFormActionSources } from './csp';

const POLICY = "default-src 'self'; form-action 'self'; frame-ancestors 'none'";

describe('withFormActionSources', () => {
	it('adds origins to form-action only, each once', () => {
		expect(
			withFormActionSources(POLICY, [
				'https://checkout.stripe.com/c/pay/cs_1',
				'https://checkout.stripe.com',
				'http://localhost:5173/dev/stripe'
			])
		).toBe(
			"default-src 'self'; form-action 'self' https://checkout.stripe.com http://localhost:5173; frame-ancestors 'none'"
		);
	});

	it('keeps the policy as it is without valid origins, or without a form-action', () => {
		expect(withFormActionSources(POLICY, ['javascript:alert(1)', 'not a url'])).toBe(POLICY);
		expect(withFormActionSources("default-src 'self'", ['https://checkout.stripe.com'])).toBe(
			"default-src 'self'"
		);
	});

	it('never lets a value break out of its directive', () => {
		expect(cspOrigin("https://a.example/'; script-src *")).toBe('https://a.example');
	});
});
