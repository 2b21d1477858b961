import { describe, expect, it } from 'vitest';
import {
	emailSchema,
	normaliseEmail,
	passwordForEmail,
	passwordSchema,
	recoveryCodeSchema,
	signUpSchema,
	totpCodeSchema
} from './schemas';

const messages = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
	result.success ? [] : result.error!.issues.map((i) => i.message);

describe('email', () => {
	it('is trimmed and lower-cased', () => {
		expect(normaliseEmail('  Ada@Example.COM ')).toBe('ada@example.com');
		expect(emailSchema.parse(' Ada@Example.COM')).toBe('ada@example.com');
	});
	it('refuses what is not an address', () => {
		expect(emailSchema.safeParse('ada').success).toBe(false);
		expect(emailSchema.safeParse('').success).toBe(false);
	});
});

describe('password rules', () => {
	it('accepts a long password of two kinds of character', () => {
		expect(passwordSchema.safeParse('correct horse battery 9').success).toBe(true);
		expect(passwordSchema.safeParse('abcdefghij1').success).toBe(true);
	});
	it('needs at least 10 characters', () => {
		expect(messages(passwordSchema.safeParse('abc123!'))).toEqual(['Use at least 10 characters.']);
	});
	it('refuses a password of one kind of character only', () => {
		for (const weak of ['abcdefghijkl', 'ABCDEFGHIJKL', '123456789012', '!!!!!!!!!!!!']) {
			expect(messages(passwordSchema.safeParse(weak))).toEqual([
				'Mix at least two kinds of character: lower case, upper case, digits, symbols.'
			]);
		}
	});
	it("refuses more than bcrypt's 72 bytes, counting bytes not characters", () => {
		expect(passwordSchema.safeParse('a1'.repeat(36)).success).toBe(true);
		expect(passwordSchema.safeParse('a1'.repeat(36) + 'x').success).toBe(false);
		// 25 × "é1": 50 characters but 75 bytes
		expect(messages(passwordSchema.safeParse('é1'.repeat(25)))[0]).toMatch(/72 bytes/);
	});
	it('refuses the email address, or its local part, as the password', () => {
		const rule = passwordForEmail('Long.Name99@Example.com');
		expect(rule.safeParse('long.name99@example.com').success).toBe(false);
		expect(rule.safeParse('Long.Name99').success).toBe(false);
		expect(rule.safeParse('another secret 1').success).toBe(true);
	});
	it('reports password problems on the password field of the sign-up form', () => {
		const result = signUpSchema.safeParse({ email: 'ada@example.com', password: 'short' });
		expect(result.success).toBe(false);
		expect(result.error!.issues.length).toBeGreaterThan(0);
		for (const issue of result.error!.issues) expect(issue.path).toEqual(['password']);
	});
});

describe('codes', () => {
	it('reads authenticator codes with the spaces the apps show', () => {
		expect(totpCodeSchema.parse('123 456')).toBe('123456');
		expect(totpCodeSchema.safeParse('12345').success).toBe(false);
	});
	it('reads recovery codes in any case, with or without the dash', () => {
		expect(recoveryCodeSchema.parse('ABCDE-FGH23')).toBe('abcde-fgh23');
		expect(recoveryCodeSchema.parse('abcdefgh23')).toBe('abcde-fgh23');
		expect(recoveryCodeSchema.safeParse('abcde-fgh1').success).toBe(false);
	});
});
