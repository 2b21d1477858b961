/**
 * The filter grammar of RFC 7644 §3.4.2.2: precedence, grouping, not, value paths, every operator,
 * the literals, case rules, the errors; and the SQL/JSON paths compiled from it.
 */
import assert from 'node:assert/strict';
import { parseFilter, resourceMatches, toJsonPath } from './filter.ts';
import { ScimError } from './errors.ts';
import { GROUP, USER } from './schema.ts';

Deno.test('parses precedence: not over and over or, parentheses first', () => {
	assert.deepEqual(parseFilter('a eq 1 or b eq 2 and c eq 3'), {
		op: 'or',
		left: { op: 'eq', path: 'a', value: 1 },
		right: {
			op: 'and',
			left: { op: 'eq', path: 'b', value: 2 },
			right: { op: 'eq', path: 'c', value: 3 },
		},
	});
	assert.deepEqual(parseFilter('(a eq 1 or b eq 2) and not (c pr)'), {
		op: 'and',
		left: {
			op: 'or',
			left: { op: 'eq', path: 'a', value: 1 },
			right: { op: 'eq', path: 'b', value: 2 },
		},
		right: { op: 'not', filter: { op: 'pr', path: 'c' } },
	});
});

Deno.test('parses every operator in any case, the literals, value paths and URN attributes', () => {
	for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']) {
		assert.equal((parseFilter(`userName ${op.toUpperCase()} "x"`) as { op: string }).op, op);
	}
	assert.deepEqual(parseFilter('active eq TRUE'), { op: 'eq', path: 'active', value: true });
	assert.deepEqual(parseFilter('x eq null'), { op: 'eq', path: 'x', value: null });
	assert.deepEqual(parseFilter('x gt -1.5e2'), { op: 'gt', path: 'x', value: -150 });
	assert.deepEqual(parseFilter('x eq "a \\"quoted\\" \\u00e9"'), {
		op: 'eq',
		path: 'x',
		value: 'a "quoted" é',
	});
	assert.deepEqual(parseFilter('emails[type eq "work" and value co "@"]'), {
		op: 'valuePath',
		path: 'emails',
		filter: {
			op: 'and',
			left: { op: 'eq', path: 'type', value: 'work' },
			right: { op: 'co', path: 'value', value: '@' },
		},
	});
	const urn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department';
	assert.deepEqual(parseFilter(`${urn} eq "R&D"`), { op: 'eq', path: urn, value: 'R&D' });
	// Microsoft's validator sends bare words as values.
	assert.deepEqual(parseFilter('name.FamilyName eq Employee'), {
		op: 'eq',
		path: 'name.FamilyName',
		value: 'Employee',
	});
});

Deno.test('refuses malformed filters with invalidFilter', () => {
	for (
		const bad of [
			'',
			'userName',
			'userName eq',
			'userName equals "x"',
			'(userName eq "x"',
			'userName eq "x")',
			'userName eq "unclosed',
			'emails[type eq "work"',
			'1abc eq "x"',
			'userName eq "x" and',
			'userName eq "x" or',
		]
	) {
		assert.throws(
			() => parseFilter(bad),
			(e: unknown) => e instanceof ScimError && e.scimType === 'invalidFilter',
			bad,
		);
	}
});

Deno.test('compiles to SQL/JSON paths with canonical names and the case rules of each attribute', () => {
	assert.equal(
		toJsonPath(parseFilter('USERNAME eq "A.b"'), USER),
		'$ ? (@."userName" like_regex "^A\\\\.b$" flag "i")',
	);
	assert.equal(toJsonPath(parseFilter('id eq "X"'), USER), '$ ? (@."id" == "X")');
	assert.equal(toJsonPath(parseFilter('active eq "True"'), USER), '$ ? (@."active" == true)');
	assert.equal(
		toJsonPath(parseFilter('emails[type eq "work"]'), USER),
		'$ ? (exists(@."emails" ? (@."type" like_regex "^work$" flag "i")))',
	);
	assert.equal(
		toJsonPath(parseFilter('meta.created gt "2015-10-10T14:38:21.8617979-07:00"'), USER),
		'$ ? (@."meta"."created" > "2015-10-10T21:38:21.861Z")',
	);
	assert.equal(
		toJsonPath(parseFilter('members.value eq "x" and not (displayName pr)'), GROUP),
		'$ ? ((@."members"."value" == "x" && !(exists(@."displayName"))))',
	);
	for (
		const bad of [
			'shoeSize eq 1',
			'active gt true',
			'name eq "x"',
			'emails[nope eq 1]',
			'urn:x:y:z eq 1',
		]
	) {
		assert.throws(() => toJsonPath(parseFilter(bad), USER), ScimError, bad);
	}
});

Deno.test('evaluates in memory as the SQL does', () => {
	const user = {
		userName: 'Ada@Example.com',
		active: false,
		emails: [{ type: 'work', value: 'ada@example.com' }, { type: 'home', value: 'ada@home.test' }],
		meta: { created: '2026-01-01T00:00:00.000Z' },
	};
	const yes = (f: string) => assert.equal(resourceMatches(parseFilter(f), user, USER), true, f);
	const no = (f: string) => assert.equal(resourceMatches(parseFilter(f), user, USER), false, f);
	yes('userName eq "ada@example.COM"');
	yes('emails[type eq "home" and value ew ".test"]');
	yes('emails.value co "home"');
	yes('not (active eq true)');
	yes('meta.created ge "2025-12-31T23:00:00+02:00"');
	no('meta.created gt "2026-01-01T00:00:00Z"');
	no('title pr');
	no('emails[type eq "other"]');
	yes('userName sw "ADA" and (title pr or active eq false)');
});
