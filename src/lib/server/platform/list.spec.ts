/**
 * list.ts against real Postgres (embedded PGlite): search, sort and keyset paging over a table
 * with ties, nulls and microsecond timestamps, walked forwards and back in both directions, and
 * every kind of bad parameter answered with a sentence and the default.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMORY, openEmbedded, type EmbeddedEngine } from './embedded';
import { CURSOR_REFUSED, defineList, encodeCursor, escapeLike, listPage, readList } from './list';

interface Fixture {
	list_fixture: {
		id: string;
		name: string | null;
		score: number;
		created_at: Date;
	};
}

const spec = defineList({
	sorts: {
		name: { column: 'name', type: 'text' },
		score: { column: 'score', type: 'integer' },
		created: { column: 'createdAt', type: 'timestamptz' }
	},
	defaultSort: 'name',
	defaultDir: 'asc',
	search: ['name'],
	id: { column: 'id', type: 'uuid' },
	limit: 3
});

let engine: EmbeddedEngine;
let db: Kysely<Fixture>;

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const NAMES = ['Ada', 'Ada', 'Ada', 'Bob', null, null, 'Cy 100%', 'Cy_1', 'Cy1', 'Dee'];

beforeAll(async () => {
	engine = await openEmbedded(MEMORY);
	db = engine.db as unknown as Kysely<Fixture>;
	await engine.pglite.exec(
		`create table list_fixture (id uuid primary key, name text, score int not null, created_at timestamptz not null)`
	);
	// Ids inserted out of order, so "then by id" is visibly not insertion order; three rows share a
	// timestamp that the others pass by a microsecond.
	for (const [i, name] of NAMES.entries()) {
		await engine.pglite.query(
			`insert into list_fixture values ($1, $2, $3, '2026-12-01 10:00:00.123456+00'::timestamptz + ($4 || ' microseconds')::interval)`,
			[uuid((i * 7) % NAMES.length), name, i % 3, i < 3 ? 0 : 1]
		);
	}
});

afterAll(async () => {
	await engine?.close();
});

const base = () =>
	db.selectFrom('list_fixture').select(['id', 'name', 'score', 'created_at as createdAt']);

function page(query: string) {
	return listPage(db, base(), spec, readList(new URLSearchParams(query), spec));
}

/** Follows next links to the end, then prev links back to the start; returns both walks' ids. */
async function walk(query: string) {
	const forward: string[][] = [];
	let p = await page(query);
	forward.push(p.rows.map((r) => r.id));
	while (p.next) {
		p = await page(`${query}&cursor=${p.next}`);
		forward.push(p.rows.map((r) => r.id));
	}
	const back: string[][] = [p.rows.map((r) => r.id)];
	while (p.prev) {
		p = await page(`${query}&cursor=${p.prev}`);
		back.unshift(p.rows.map((r) => r.id));
	}
	return { forward, back };
}

/** The ids in SQL's own order: the answer each walk must match. */
async function sqlOrder(where: string, orderBy: string): Promise<string[]> {
	const { rows } = await engine.pglite.query<{ id: string }>(
		`select id from list_fixture where ${where} order by ${orderBy}`
	);
	return rows.map((r) => r.id);
}

describe('listPage', () => {
	it('pages through ties and nulls ascending, and the prev links walk back to the same pages', async () => {
		const { forward, back } = await walk('sort=name');
		expect(forward.flat()).toEqual(await sqlOrder('true', 'name asc nulls last, id asc'));
		expect(forward.map((p) => p.length)).toEqual([3, 3, 3, 1]);
		expect(back).toEqual(forward);
	});

	it('pages descending as the exact reverse, nulls first', async () => {
		const { forward, back } = await walk('sort=name&dir=desc');
		expect(forward.flat()).toEqual(await sqlOrder('true', 'name desc nulls first, id desc'));
		expect(back).toEqual(forward);
		const first = await page('sort=name&dir=desc');
		expect(first.rows.slice(0, 2).map((r) => r.name)).toEqual([null, null]);
	});

	it('keeps many ties stable on an integer column and on timestamps a microsecond apart', async () => {
		for (const [query, order] of [
			['sort=score', 'score asc, id asc'],
			['sort=score&dir=desc', 'score desc, id desc'],
			['sort=created', 'created_at asc, id asc'],
			['sort=created&dir=desc', 'created_at desc, id desc']
		] as const) {
			const { forward, back } = await walk(query);
			expect(forward.flat(), query).toEqual(await sqlOrder('true', order));
			expect(back, query).toEqual(forward);
		}
	});

	it('says where it is: no prev on the first page, no next on the last, and the count', async () => {
		const first = await page('');
		expect(first.prev).toBeNull();
		expect(first.next).not.toBeNull();
		expect(first.total).toBe(NAMES.length);
		expect(first.cursor).toBeNull();
		expect(first.problem).toBeNull();
		const second = await page(`cursor=${first.next}`);
		expect(second.prev).not.toBeNull();
		expect(second.cursor).toBe(first.next);
		const all = await page('limit=100');
		expect(all.rows).toHaveLength(NAMES.length);
		expect([all.next, all.prev]).toEqual([null, null]);
	});

	it('searches every word, case-insensitively, and takes % _ and \\ literally', async () => {
		const names = async (q: string) =>
			(await page(`limit=100&q=${encodeURIComponent(q)}`)).rows.map((r) => r.name);
		expect(await names('ada')).toEqual(['Ada', 'Ada', 'Ada']);
		expect(await names('%')).toEqual(['Cy 100%']);
		expect(await names('_')).toEqual(['Cy_1']);
		expect((await names('cy 1')).sort()).toEqual(['Cy 100%', 'Cy1', 'Cy_1'].sort());
		expect(await names('\\')).toEqual([]);
		expect(await names('  ')).toHaveLength(NAMES.length);
		const searched = await page('q=cy');
		expect(searched.total).toBe(3);
		expect(searched.q).toBe('cy');
		expect(escapeLike('50%_a\\b')).toBe('50\\%\\_a\\\\b');
	});

	it('pages within a search', async () => {
		const { forward, back } = await walk('q=d&sort=name&dir=desc');
		expect(forward.map((p) => p.length)).toEqual([3, 1]);
		expect(forward.flat()).toEqual(await sqlOrder(`name ilike '%d%'`, 'name desc, id desc'));
		expect(back).toEqual(forward);
	});

	it('refuses a tampered cursor in a sentence and shows the first page', async () => {
		const bad: [string, string][] = [
			['name', 'not-base64!'],
			['name', 'Zm9v'],
			['name', Buffer.from('[1,2,3]').toString('base64url')],
			['name', encodeCursor('name', 'asc', 'a', 'Ada', 'not-a-uuid')],
			['name', 'A'.repeat(5000)],
			['created', encodeCursor('created', 'asc', 'a', '2026-02-31 10:00:00+00', uuid(1))],
			['created', encodeCursor('created', 'asc', 'a', "'; drop table list_fixture; --", uuid(1))],
			['score', encodeCursor('score', 'asc', 'a', '1.5', uuid(1))]
		];
		for (const [sort, cursor] of bad) {
			const p = await page(`sort=${sort}&cursor=${cursor}`);
			expect(p.problem, cursor).toBe(CURSOR_REFUSED);
			expect(p.cursor).toBeNull();
			expect(p.rows.map((r) => r.id)).toEqual((await page(`sort=${sort}`)).rows.map((r) => r.id));
		}
		expect(await sqlOrder('true', 'id')).toHaveLength(NAMES.length);
	});

	it('refuses a cursor from another sort order, and falls back when its page has emptied', async () => {
		const first = await page('sort=name');
		const other = await page(`sort=score&cursor=${first.next}`);
		expect(other.problem).toContain('another sort order');
		expect(other.rows.map((r) => r.id)).toEqual((await page('sort=score')).rows.map((r) => r.id));
		const past = await page(`q=ada&cursor=${encodeCursor('name', 'asc', 'a', 'Zed', uuid(99))}`);
		expect(past.problem).toBe(CURSOR_REFUSED);
		expect(past.rows).toHaveLength(3);
	});
});
describe('readList', () => {
	const read = (query: string, prefix?: string) =>
		readList(new URLSearchParams(query), prefix ? { ...spec, prefix } : spec);

	it('uses the defaults for an empty query', () => {
		expect(read('')).toMatchObject({ q: '', sort: 'name', dir: 'asc', limit: 3, problems: [] });
	});

	it('drops each bad parameter with a sentence and keeps the good ones', () => {
		const p = read(`q=${'x'.repeat(201)}&sort=password&dir=up&limit=1000`);
		expect(p).toMatchObject({ q: '', sort: 'name', dir: 'asc', limit: 3 });
		expect(p.problems).toEqual([
			'Search for at most 200 characters; the search was dropped.',
			'This list cannot be sorted that way, so it is in its usual order.',
			'The sort direction is ascending or descending; the usual one is used.',
			'A page shows 1 to 100 rows, so it shows 3.'
		]);
		expect(read('limit=0').problems).toHaveLength(1);
		expect(read('limit=abc').problems).toHaveLength(1);
		expect(read('q=%20hi%20&sort=score&dir=desc&limit=7')).toMatchObject({
			q: 'hi',
			sort: 'score',
			dir: 'desc',
			limit: 7,
			problems: []
		});
	});

	it('reads a prefixed list and ignores the other list’s parameters', () => {
		expect(read('sort=score&inv_sort=created&inv_q=x', 'inv')).toMatchObject({
			sort: 'created',
			q: 'x',
			names: { q: 'inv_q', sort: 'inv_sort', cursor: 'inv_cursor' }
		});
	});
});
