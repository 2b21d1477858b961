/**
 * Raw validator text reached people ("Too big: expected string to have <=1024 characters"). Every
 * field of every schema in this folder is fed what a form can send wrong — nothing, blanks, 10,000
 * characters, the wrong shape, the wrong type — and must answer in sentences, never zod's English.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { changePasswordSchema } from '../server/account/schemas';
import { addStaffSchema } from '../admin/schemas';
import { emailSchema, signInSchema, signUpSchema } from '../server/auth/schemas';
import { inviteSchema } from '../server/members/schemas';
import { count, tooLong } from './messages';

/** What zod's English locale (zod/v4/locales/en.js) says; none of it may reach a person. */
const ZOD_ENGLISH = /^(Invalid\b|Too (big|small):|Unrecognized key)/;

/** Every module's form schemas: src/lib/server/<module>/*schemas.ts and src/lib/<module>/schemas.ts. */
const modules = import.meta.glob<Record<string, unknown>>(
	['../server/*/*schemas.ts', '../*/schemas.ts'],
	{
		eager: true
	}
);

/** Schema factories take the account's email. */
const EMAIL = 'ada@example.com';

function schemasOf(module: Record<string, unknown>): [string, z.ZodType][] {
	return Object.entries(module).flatMap(([name, value]): [string, z.ZodType][] => {
		if (value instanceof z.ZodType) return [[name, value]];
		if (typeof value === 'function' && /Schema$|^passwordFor/.test(name)) {
			const made: unknown = (value as (email: string) => unknown)(EMAIL);
			if (made instanceof z.ZodType) return [[name, made]];
		}
		return [];
	});
}

/** The object behind pipes, transforms and refinements, if the schema reads a form. */
function objectOf(schema: z.ZodType): z.ZodObject | null {
	let current: unknown = schema;
	for (let depth = 0; depth < 10 && current; depth++) {
		if (current instanceof z.ZodObject) return current;
		const def = (current as z.ZodType)._zod.def as { in?: unknown; innerType?: unknown };
		current = def.in ?? def.innerType;
	}
	return null;
}

const BAD_VALUES: unknown[] = [
	undefined,
	42,
	'',
	'   ',
	'x'.repeat(10_000),
	`${'y'.repeat(10_000)}@example.com`,
	'%% not <valid> \u0000 --',
	'-1'
];

function issuesFor(schema: z.ZodType): { where: string; code: string; message: string }[] {
	const object = objectOf(schema);
	const inputs: [string, unknown][] = object
		? Object.keys(object.shape).flatMap((key) =>
				BAD_VALUES.map((value): [string, unknown] => [key, { [key]: value }])
			)
		: BAD_VALUES.map((value): [string, unknown] => ['(value)', value]);
	return inputs.flatMap(([where, input]) => {
		const result = schema.safeParse(input);
		return result.success
			? []
			: result.error.issues.map((issue) => ({ where, code: issue.code, message: issue.message }));
	});
}

describe('every schema answers bad input in sentences', () => {
	const all = Object.entries(modules).flatMap(([file, module]) =>
		schemasOf(module).map(([name, schema]) => ({ name: `${file}:${name}`, schema }))
	);

	it('finds the schemas to check', () => {
		expect(all.length).toBeGreaterThan(40);
	});

	it.each(all)('$name never shows zod’s own English', ({ schema }) => {
		const raw = issuesFor(schema).filter((issue) => ZOD_ENGLISH.test(issue.message));
		expect(raw).toEqual([]);
	});

	it('covers too_big, too_small, invalid_type and invalid_format', () => {
		const codes = new Set(all.flatMap(({ schema }) => issuesFor(schema).map((i) => i.code)));
		for (const code of ['too_big', 'too_small', 'invalid_type', 'invalid_format'])
			expect(codes).toContain(code);
	});

	it('words a length in the product’s voice', () => {
		expect(tooLong('description', 1024)).toBe('Keep the description under 1,024 characters.');
		expect(count(10_000)).toBe('10,000');
		expect(z.string().max(3).safeParse('long').error!.issues[0]!.message).toBe(
			'Use at most 3 characters.'
		);
	});
});

describe('a 10,000-character email address', () => {
	const long = `${'a'.repeat(10_000)}@example.com`;

	it.each([
		['sign-up', signUpSchema, 'Keep the email address under 255 characters.'],
		['sign-in', signInSchema, 'Keep the email address under 255 characters.'],
		['staff', addStaffSchema, 'Keep the email address under 255 characters.'],
		['invitation', inviteSchema, 'Keep the email address under 320 characters.']
	] as const)('gets one sentence about its length on the %s form', (_form, schema, sentence) => {
		const result = schema.safeParse({ email: long, password: 'Ok password 1', role: 'x' });
		const email = result.error!.issues.filter((i) => i.path[0] === 'email');
		expect(email.map((i) => i.message)).toEqual([sentence]);
	});

	it('is refused before the format is read', () => {
		expect(emailSchema.safeParse(long).error!.issues).toHaveLength(1);
	});
});

describe('a new password equal to the current one', () => {
	it('is refused on the change form, on the new password', () => {
		const result = changePasswordSchema(EMAIL).safeParse({
			current_password: 'Same password 1',
			password: 'Same password 1'
		});
		expect(result.error!.issues.map((i) => [i.path[0], i.message])).toEqual([
			['password', 'Choose a password different from your current one.']
		]);
	});
});
