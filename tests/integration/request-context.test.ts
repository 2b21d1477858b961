/**
 * Attack 3.8 (issue 9): the audit log had no IP or user agent for any web request, and the SQL
 * believed the left-most X-Forwarded-For hop. A team renamed through its form on the running app
 * must land in the audit log with the caller's address and user agent; a forged X-Forwarded-For
 * is believed only from a configured proxy, and then only its right-most untrusted hop.
 */
import { request } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';

const PLATFORM_TEAM = 'd0000000-0000-4000-8000-000000000001';
const USER_AGENT = 'TenantryAuditProbe/1.0 (+request-context.test.ts)';
/** The app trusts 127.0.0.2 as its proxy; requests from 127.0.0.1 come from a stranger. */
const PROXY = '127.0.0.2';
const STRANGER = '127.0.0.1';

/** A form POST as a browser sends it, from a chosen loopback address (the socket's peer). */
function post(
	app: App,
	path: string,
	form: Record<string, string>,
	headers: Record<string, string>,
	from: string
): Promise<{ status: number; cookies: string[] }> {
	const url = new URL(path, app.url.replace('localhost', '127.0.0.1'));
	return new Promise((resolve, reject) => {
		const req = request(
			url,
			{
				method: 'POST',
				localAddress: from,
				headers: {
					origin: url.origin,
					accept: 'text/html',
					'content-type': 'application/x-www-form-urlencoded',
					...headers
				}
			},
			(res) => {
				res.resume();
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						cookies: (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!)
					})
				);
			}
		);
		req.on('error', reject);
		req.end(new URLSearchParams(form).toString());
	});
}

async function signIn(app: App): Promise<string> {
	const { status, cookies } = await post(
		app,
		'/auth/sign-in',
		{ email: 'owner@acme.test', password: 'password123!' },
		{},
		STRANGER
	);
	expect(status, 'signing in as owner@acme.test redirects').toBe(303);
	expect(cookies.length, 'signing in sets the session cookies').toBeGreaterThan(0);
	return cookies.join('; ');
}

/** Renames Acme's Platform team through the teams page's form action. */
async function renameTeam(
	app: App,
	cookie: string,
	name: string,
	from: string,
	forwardedFor?: string
) {
	const { status } = await post(
		app,
		'/t/acme/teams?/rename',
		{ team: PLATFORM_TEAM, name, description: 'Runs the product' },
		{
			cookie,
			'user-agent': USER_AGENT,
			...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {})
		},
		from
	);
	expect(status, `renaming the team to ${name} succeeds`).toBe(200);
}

async function auditOfRename(app: App, name: string) {
	const client = new pg.Client(app.databaseUrl);
	await client.connect();
	try {
		const { rows } = await client.query<{ ip: string | null; user_agent: string | null }>(
			`select host(ip) as ip, user_agent from public.audit_logs
			 where action = 'teams.update' and target_id = $1 and new_values ->> 'name' = $2`,
			[PLATFORM_TEAM, name]
		);
		return rows;
	} finally {
		await client.end();
	}
}

describe('attack 3.8: the audit log records who called, and cannot be told otherwise', () => {
	let app: App;
	let cookie: string;
	beforeAll(async () => {
		app = await startApp({ TRUSTED_PROXIES: PROXY });
		cookie = await signIn(app);
	}, 180_000);
	afterAll(() => app?.stop());

	it('records the socket peer and the user agent of a web form action', async () => {
		await renameTeam(app, cookie, 'Platform (renamed)', STRANGER);
		expect(await auditOfRename(app, 'Platform (renamed)')).toEqual([
			{ ip: STRANGER, user_agent: USER_AGENT }
		]);
	});

	it('does not believe an X-Forwarded-For sent by a peer that is not a trusted proxy', async () => {
		await renameTeam(app, cookie, 'Platform (spoofed)', STRANGER, '6.6.6.6, 203.0.113.9');
		expect(await auditOfRename(app, 'Platform (spoofed)')).toEqual([
			{ ip: STRANGER, user_agent: USER_AGENT }
		]);
	});

	it('behind the trusted proxy takes the right-most forwarded hop, not the spoofable left-most one', async () => {
		await renameTeam(app, cookie, 'Platform (proxied)', PROXY, '6.6.6.6, 203.0.113.9');
		expect(await auditOfRename(app, 'Platform (proxied)')).toEqual([
			{ ip: '203.0.113.9', user_agent: USER_AGENT }
		]);
	});
});
