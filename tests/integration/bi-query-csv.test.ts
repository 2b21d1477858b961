/**
 * The queries page's "Download CSV" (`/t/[slug]/queries/[query]/csv`) against the app as `npm start`
 * runs it: the file is the saved query run as the signed-in person with the page's time range and
 * parameters — the same rows as the REST run with those values — written as RFC 4180 (a header,
 * every field quoted, quotes doubled, CRLF) with the formula guard; another tenant's query is a
 * 404, whichever organisation's address it is asked under; a member without dashboards.read is
 * refused, and a parameter of the wrong type is refused with the runner's sentence.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/lib/api-client';
import { ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';
const checker = new ResponseChecker();

/** RFC 4180, strictly: every field here is quoted; a line ends with CRLF. */
function parseCsv(text: string): string[][] {
	const lines: string[][] = [];
	let at = 0;
	while (at < text.length) {
		const line: string[] = [];
		for (;;) {
			if (text[at] !== '"')
				throw new Error(`an unquoted field at ${at}: ${text.slice(at, at + 20)}`);
			let field = '';
			at++;
			for (;;) {
				const quote = text.indexOf('"', at);
				if (quote < 0) throw new Error('a field that never closes');
				field += text.slice(at, quote);
				if (text[quote + 1] === '"') {
					field += '"';
					at = quote + 2;
				} else {
					at = quote + 1;
					break;
				}
			}
			line.push(field);
			if (text[at] === ',') {
				at++;
				continue;
			}
			if (text.slice(at, at + 2) !== '\r\n') throw new Error(`no CRLF after a line at ${at}`);
			at += 2;
			break;
		}
		lines.push(line);
	}
	return lines;
}

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));

describe('the saved-queries page: Download CSV', () => {
	let app: App;
	let acmeCookie: string;
	let globexCookie: string;
	let acme: ApiClient;
	let globex: ApiClient;
	let acmeQuery: string;
	let globexQuery: string;

	beforeAll(async () => {
		app = await startApp();
		acmeCookie = await signInCookies(app, 'owner@acme.test', PASSWORD);
		globexCookie = await signInCookies(app, 'owner@globex.test', PASSWORD);
		acme = checker.client(app.url, { cookie: acmeCookie, 'tenantry-tenant': 'acme' });
		// Acme's daily figures 3 to 25 days ago (the rollup job rewrites only the last two days):
		// api_calls is the day's distance from today, so a filter on it and each range cut apart.
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		await db.query(
			`insert into public.tenant_usage_daily (tenant_id, day, api_calls)
			 select t.id, (now() at time zone 'UTC')::date - n, n
			 from public.tenants t, generate_series(3, 25) n where t.slug = 'acme'
			 on conflict (tenant_id, day) do update set api_calls = excluded.api_calls`
		);
		await db.end();
		globex = checker.client(app.url, { cookie: globexCookie, 'tenantry-tenant': 'globex' });
		const sql = [
			`select day, api_calls, E'a,"b"\\nc' as note, '=1+1' as formula, '@cmd' as at_sign`,
			'from usage_daily',
			"where api_calls >= analytics.param_integer('least') and day >= analytics.range_start()",
			'order by day'
		].join('\n');
		const made = await acme.POST('/api/v1/saved-queries', {
			body: {
				name: 'Calls, “quoted”',
				sql,
				parameters: [{ name: 'least', type: 'integer' }]
			}
		});
		expect(made.response.status, JSON.stringify(made.error)).toBe(201);
		acmeQuery = made.data!.id;
		const theirs = await globex.POST('/api/v1/saved-queries', {
			body: { name: 'Globex calls', sql: 'select day, api_calls from usage_daily' }
		});
		expect(theirs.response.status, JSON.stringify(theirs.error)).toBe(201);
		globexQuery = theirs.data!.id;
	}, 240_000);
	afterAll(async () => {
		await app?.stop();
	});

	const download = (cookie: string, slug: string, query: string, search: string) =>
		fetch(`${app.url}/t/${slug}/queries/${query}/csv?${search}`, {
			headers: { cookie },
			redirect: 'manual'
		});

	const restRun = async (range: '7d' | '30d', least: number) => {
		const run = await acme.POST('/api/v1/saved-queries/{query}/run', {
			params: { path: { query: acmeQuery }, query: {} },
			body: { values: { least }, time_range: range }
		});
		expect(run.response.status).toBe(200);
		return run.data as unknown as { columns: string[]; rows: Record<string, unknown>[] };
	};

	it('answers the query run with the page’s range and parameters, as RFC 4180 with the formula guard', async () => {
		for (const [range, least] of [
			['30d', 0],
			['7d', 0],
			['30d', 10]
		] as const) {
			const res = await download(acmeCookie, 'acme', acmeQuery, `range=${range}&p.least=${least}`);
			expect(res.status, await res.clone().text()).toBe(200);
			expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
			expect(res.headers.get('content-disposition')).toBe(
				`attachment; filename="calls-quoted-${range}.csv"`
			);
			expect(res.headers.get('cache-control')).toBe('no-store');
			const [header, ...lines] = parseCsv(await res.text());
			expect(header).toEqual(['day', 'api_calls', 'note', 'formula', 'at_sign']);

			const expected = await restRun(range, least);
			expect(lines.length).toBe(expected.rows.length);
			expect(lines.map((l) => [l[0], l[1]])).toEqual(
				expected.rows.map((r) => [text(r.day), text(r.api_calls)])
			);
			for (const line of lines) expect(line.slice(2)).toEqual(['a,"b"\nc', "'=1+1", "'@cmd"]);
		}
		// The range and the parameter are really applied: days 3–25 ago hold api_calls 3–25 (the
		// last two days and today are the rollup's, left out here).
		const now = new Date();
		const twoDaysAgo = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 2);
		const calls = async (search: string) =>
			parseCsv(await (await download(acmeCookie, 'acme', acmeQuery, search)).text())
				.slice(1)
				.filter((l) => Date.parse(l[0]!) < twoDaysAgo)
				.map((l) => Number(l[1]));
		expect(await calls('range=7d&p.least=3')).toEqual([6, 5, 4, 3]);
		expect(await calls('range=30d&p.least=20')).toEqual([25, 24, 23, 22, 21, 20]);
		expect((await calls('range=30d&p.least=0')).length).toBe(23);
		// No value and no default: the parameter is null, and nothing is at least null.
		expect(
			parseCsv(await (await download(acmeCookie, 'acme', acmeQuery, 'range=30d')).text()).length
		).toBe(1);
	});

	it('is a 404 for another tenant’s query, under either organisation’s address', async () => {
		for (const [slug, query] of [
			['acme', globexQuery],
			['globex', acmeQuery],
			['globex', globexQuery]
		] as const) {
			const res = await download(acmeCookie, slug, query, 'range=30d');
			expect(res.status, `${slug}/${query}`).toBe(404);
			expect(res.headers.get('content-type')).not.toContain('text/csv');
		}
		// Globex's owner reads their own.
		const own = await download(globexCookie, 'globex', globexQuery, 'range=30d');
		expect(own.status).toBe(200);
		expect(parseCsv(await own.text())[0]).toEqual(['day', 'api_calls']);
	});

	it('refuses a member without dashboards.read, a wrong parameter and a signed-out visitor', async () => {
		const auditor = await signInCookies(app, 'auditor@acme.test', PASSWORD);
		const refused = await download(auditor, 'acme', acmeQuery, 'range=30d');
		expect(refused.status).toBe(403);
		expect(await refused.text()).toContain('dashboards.read');

		const wrong = await download(acmeCookie, 'acme', acmeQuery, 'range=30d&p.least=many');
		expect(wrong.status).toBe(400);
		expect(await wrong.text()).toContain('The parameter least must be an integer.');

		const badRange = await download(acmeCookie, 'acme', acmeQuery, 'range=forever');
		expect(badRange.status).toBe(400);
		expect(await badRange.text()).toContain('Choose a time range.');

		const signedOut = await download('', 'acme', acmeQuery, 'range=30d');
		expect([302, 303, 401]).toContain(signedOut.status);
	});
});
