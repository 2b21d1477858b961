import { describe, expect, it } from 'vitest';
import { splitSql } from './sql-split';

const texts = (sql: string) => splitSql(sql).map((s) => s.text);

describe('splitSql', () => {
	it('splits on semicolons and reports the line each statement starts on', () => {
		expect(splitSql('select 1;\n\nselect 2;\n')).toEqual([
			{ text: 'select 1', line: 1 },
			{ text: 'select 2', line: 3 }
		]);
	});

	it('ignores semicolons in strings, identifiers and comments', () => {
		expect(
			texts(
				`select 'a;b', "c;d", E'it\\'s;';\n-- not; a statement\nselect /* x; /* nested; */ y */ 2;`
			)
		).toEqual([
			`select 'a;b', "c;d", E'it\\'s;'`,
			`-- not; a statement\nselect /* x; /* nested; */ y */ 2`
		]);
	});

	it('keeps dollar-quoted bodies whole, with or without a tag', () => {
		const fn = `create function f() returns int language plpgsql as $body$ begin return 1; end; $body$`;
		const block = `do $$ begin perform 1; end $$`;
		expect(texts(`${fn};\n${block};`)).toEqual([fn, block]);
	});

	it('does not mistake positional parameters for dollar quotes', () => {
		expect(texts('select $1, $2; select 3;')).toEqual(['select $1, $2', 'select 3']);
	});

	it('keeps SQL-standard function bodies whole', () => {
		const fn = `create function g() returns int language sql begin atomic select 1; select case when true then 2 end; end`;
		expect(texts(`${fn};\nselect 4;`)).toEqual([fn, 'select 4']);
	});

	it('drops comment-only tails', () => {
		expect(texts('select 1;\n-- trailing note\n')).toEqual(['select 1']);
	});
});
