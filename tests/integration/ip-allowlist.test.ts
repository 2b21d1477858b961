/**
 * IP allowlists from a second loopback address (issue 17 §6, docs/operations.md#ip-allowlists), on
 * the production server listening on 127.0.0.1: Linux routes all of 127/8 to lo, so a request
 * sent from 127.0.0.2 (`localAddress`) arrives with that peer address, which the app trusts as the
 * client's (no TRUSTED_PROXIES). A tenant's list covers its pages, its REST API and its API keys;
 * the console's setting covers console pages and actions; each refuses a list that would shut out
 * the address saving it, and each change is audited with the old and the new list.
 */
import { request } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { putOnPlan } from '../support/plans';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const ACME_KEY = 'tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1';
const PASSWORD = 'password123!';
const SECOND = '127.0.0.2';

interface Reply {
	status: number;
	location: string | undefined;
	body: string;
	cookies: string[];
}

let app: App;
let port: number;
let db: pg.Client;

/** One request to 127.0.0.1, sent from `from` (a loopback address). */
function send(
	path: string,
	{
		from = '127.0.0.1',
		method = 'GET',
		headers = {},
		body
	}: { from?: string; method?: string; headers?: Record<string, string>; body?: string } = {}
): Promise<Reply> {
	return new Promise((resolve, reject) => {
		const req = request(
			{
				host: '127.0.0.1',
				port,
				path,
				method,
				localAddress: from,
				headers: { host: `localhost:${port}`, accept: 'text/html', ...headers }
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (chunk: string) => (text += chunk));
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						location: res.headers.location,
						body: text,
						cookies: res.headers['set-cookie'] ?? []
					})
				);
			}
		);
		req.on('error', reject);
		req.end(body);
	});
}

function post(path: string, cookie: string, fields: Record<string, string>, from?: string) {
	return send(path, {
		from,
		method: 'POST',
		headers: {
			cookie,
			origin: `http://localhost:${port}`,
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams(fields).toString()
	});
}

async function signIn(email: string): Promise<string> {
	const reply = await post('/auth/sign-in', '', { email, password: PASSWORD });
	expect(reply.status, `signing in ${email}`).toBe(303);
	return reply.cookies.map((c) => c.split(';')[0]).join('; ');
}

/** The last audit row of a table's key, with its old and new values. */
async function lastAudit(table: string, targetId: string) {
	const { rows } = await db.query<{ old_values: unknown; new_values: unknown; ip: string }>(
		`select old_values, new_values, host(ip) as ip from public.audit_logs
		  where target_type = $1 and target_id = $2 order by id desc limit 1`,
		[table, targetId]
	);
	return rows[0];
}

beforeAll(async () => {
	app = await startApp({ HOST: '127.0.0.1', REQUEST_LOG: 'off' });
	port = Number(new URL(app.url).port);
	db = new pg.Client({ connectionString: app.databaseUrl });
	await db.connect();
	await putOnPlan((text, params) => db.query(text, params), 'acme', 'business');
}, 300_000);

afterAll(async () => {
	await db?.end();
	await app?.stop();
});

describe("a tenant's IP allowlist", () => {
	let owner: string;

	beforeAll(async () => {
		owner = await signIn('owner@acme.test');
	});

	it('refuses a list that shuts out the address saving it, then saves one that holds it', async () => {
		const page = await send('/t/acme/settings/network', { headers: { cookie: owner } });
		expect(page.status).toBe(200);
		expect(page.body).toContain('data-testid="client-ip">127.0.0.1<');

		const locked = await post('/t/acme/settings/network?/save', owner, {
			networks: `${SECOND}/32`
		});
		expect(locked.status).toBe(400);
		expect(locked.body).toContain('That list would shut out the address you are using now');
		const none = await db.query(`select 1 from public.tenant_ip_allowlists where tenant_id = $1`, [
			ACME
		]);
		expect(none.rowCount).toBe(0);

		const typo = await post('/t/acme/settings/network?/save', owner, { networks: '10.0.0.1/8' });
		expect(typo.body).toContain('has host bits set');

		const saved = await post('/t/acme/settings/network?/save', owner, {
			networks: '127.0.0.1/32\n2001:db8::/32'
		});
		expect(saved.status).toBe(200);
		expect(saved.body).toContain('now answers 2 listed networks only');
		expect(await lastAudit('tenant_ip_allowlists', ACME)).toMatchObject({
			old_values: null,
			new_values: { networks: ['127.0.0.1/32', '2001:db8::/32'] },
			ip: '127.0.0.1'
		});
	});

	it("refuses the tenant's pages and actions from 127.0.0.2 and serves them from 127.0.0.1", async () => {
		const inside = await send('/t/acme', { headers: { cookie: owner } });
		expect(inside.status).toBe(200);
		const outside = await send('/t/acme', { from: SECOND, headers: { cookie: owner } });
		expect(outside.status).toBe(403);
		expect(outside.body).toContain('answers only the networks on its IP allowlist');
		const action = await post('/t/acme/settings/network?/save', owner, { networks: '' }, SECOND);
		expect(action.status).toBe(403);
		const kept = await db.query<{ networks: string }>(
			`select networks::text from public.tenant_ip_allowlists where tenant_id = $1`,
			[ACME]
		);
		expect(kept.rows[0]?.networks).toBe('{127.0.0.1/32,2001:db8::/32}');
		// Another tenant of the same person is not affected.
		const globex =
			await db.query(`select 1 from public.tenant_ip_allowlists t join public.tenants x on x.id = t.tenant_id
		  where x.slug = 'globex'`);
		expect(globex.rowCount).toBe(0);
	});

	it('refuses its API key and its REST calls from 127.0.0.2 with a problem, and answers them from 127.0.0.1', async () => {
		const key = { authorization: `Bearer ${ACME_KEY}`, accept: 'application/json' };
		const inside = await send('/api/v1/projects', { headers: key });
		expect(inside.status).toBe(200);
		const outside = await send('/api/v1/projects', { from: SECOND, headers: key });
		expect(outside.status).toBe(403);
		const problem = JSON.parse(outside.body) as { code: string; title: string; type: string };
		expect(problem).toMatchObject({ code: 'TN620', type: 'urn:tenantry:problem:TN620' });
		expect(problem.title).toContain('answers only the networks on its IP allowlist');

		const session = { cookie: owner, accept: 'application/json', 'tenantry-tenant': 'acme' };
		expect((await send('/api/v1/projects', { headers: session })).status).toBe(200);
		const refused = await send('/api/v1/projects', { from: SECOND, headers: session });
		expect(refused.status).toBe(403);
		expect(JSON.parse(refused.body)).toMatchObject({ code: 'TN620' });
	});

	it('stops enforcing the list on a plan without the feature, and keeps it', async () => {
		await putOnPlan((text, params) => db.query(text, params), 'acme', 'pro');
		try {
			const outside = await send('/t/acme', { from: SECOND, headers: { cookie: owner } });
			expect(outside.status).toBe(200);
		} finally {
			await putOnPlan((text, params) => db.query(text, params), 'acme', 'business');
		}
		expect((await send('/t/acme', { from: SECOND, headers: { cookie: owner } })).status).toBe(403);
		await db.query(`delete from public.tenant_ip_allowlists where tenant_id = $1`, [ACME]);
	});
});

describe("the console's IP allowlist (admin.ip_allowlist)", () => {
	let staff: string;

	beforeAll(async () => {
		staff = await signIn('admin@tenantry.test');
	});

	it('refuses a list without the address saving it, and is audited when saved', async () => {
		const page = await send('/admin/settings', { headers: { cookie: staff } });
		expect(page.status).toBe(200);
		expect(page.body).toContain('admin.ip_allowlist');

		const bad = await post('/admin/settings?/save', staff, {
			key: 'admin.ip_allowlist',
			value: 'nope'
		});
		expect(bad.body).toContain('is not a network');

		const locked = await post('/admin/settings?/save', staff, {
			key: 'admin.ip_allowlist',
			value: `${SECOND}/32`
		});
		expect(locked.status).toBe(400);
		expect(locked.body).toContain(
			'That list would shut the console to the address you are using now'
		);

		const saved = await post('/admin/settings?/save', staff, {
			key: 'admin.ip_allowlist',
			value: '127.0.0.1/32'
		});
		expect(saved.status).toBe(200);
		expect(await lastAudit('system_settings', 'admin.ip_allowlist')).toMatchObject({
			old_values: { value: [] },
			new_values: { value: ['127.0.0.1/32'] },
			ip: '127.0.0.1'
		});
	});

	it('refuses console pages and actions from 127.0.0.2 and serves them from 127.0.0.1', async () => {
		expect((await send('/admin', { headers: { cookie: staff } })).status).toBe(200);
		const outside = await send('/admin/tenants', { from: SECOND, headers: { cookie: staff } });
		expect(outside.status).toBe(403);
		expect(outside.body).toContain(
			'The admin console answers only the networks on its IP allowlist'
		);
		const action = await post(
			'/admin/settings?/save',
			staff,
			{ key: 'admin.ip_allowlist', value: '' },
			SECOND
		);
		expect(action.status).toBe(403);
		const { rows } = await db.query<{ value: unknown }>(
			`select value from public.system_settings where key = 'admin.ip_allowlist'`
		);
		expect(rows[0]?.value).toEqual(['127.0.0.1/32']);
		// Tenant pages are not the console's: the same person's other pages still answer.
		expect(
			(await send('/account/security', { from: SECOND, headers: { cookie: staff } })).status
		).toBe(200);

		const cleared = await post('/admin/settings?/save', staff, {
			key: 'admin.ip_allowlist',
			value: ''
		});
		expect(cleared.status).toBe(200);
		expect((await send('/admin', { from: SECOND, headers: { cookie: staff } })).status).toBe(200);
	});
});
