/**
 * Attack 3.8 (issue 9): the audit log had no IP or user agent for any web request, and the SQL
 * believed the left-most X-Forwarded-For hop. A team renamed through its form on the running app
 * must land in the audit log with the caller's address and user agent; a forged X-Forwarded-For
 * is believed only from a configured proxy, and then only its right-most untrusted hop.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';

const PLATFORM_TEAM = 'd0000000-0000-4000-8000-000000000001';
const USER_AGENT = 'TenantryAuditProbe/1.0 (+request-context.test.ts)';

async function signIn(app: App): Promise<string> {
	const response = await fetch(`${app.url}/auth/sign-in`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			origin: app.url,
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams({ email: 'owner@acme.test', password: 'password123!' })
	});
	expect(response.status, 'signing in as owner@acme.test redirects').toBe(303);
	const cookies = response.headers.getSetCookie().map((c) => c.split(';')[0]!);
	expect(cookies.length, 'signing in sets the session cookies').toBeGreaterThan(0);
	return cookies.join('; ');
}

/** Renames Acme's Platform team through the teams page's form action, as a browser would. */
async function renameTeam(app: App, cookie: string, name: string, forwardedFor?: string) {
	const response = await fetch(`${app.url}/t/acme/teams?/rename`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			origin: app.url,
			cookie,
			accept: 'text/html',
			'user-agent': USER_AGENT,
			'content-type': 'application/x-www-form-urlencoded',
			...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {})
		},
		body: new URLSearchParams({ team: PLATFORM_TEAM, name, description: 'Runs the product' })
	});
	expect(response.status, `renaming the team to ${name} succeeds`).toBe(200);
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
	describe('with no trusted proxy (the default)', () => {
		let app: App;
		let cookie: string;
		beforeAll(async () => {
			app = await startApp();
			cookie = await signIn(app);
		}, 180_000);
		afterAll(() => app?.stop());

		it('records the socket peer and the user agent of a web form action', async () => {
			await renameTeam(app, cookie, 'Platform (renamed)');
			expect(await auditOfRename(app, 'Platform (renamed)')).toEqual([
				{ ip: '127.0.0.1', user_agent: USER_AGENT }
			]);
		});

		it('does not believe an X-Forwarded-For sent by a peer that is not a trusted proxy', async () => {
			await renameTeam(app, cookie, 'Platform (spoofed)', '6.6.6.6, 203.0.113.9');
			expect(await auditOfRename(app, 'Platform (spoofed)')).toEqual([
				{ ip: '127.0.0.1', user_agent: USER_AGENT }
			]);
		});
	});

	describe('behind a trusted proxy (TRUSTED_PROXIES=127.0.0.1)', () => {
		let app: App;
		let cookie: string;
		beforeAll(async () => {
			app = await startApp({ TRUSTED_PROXIES: '127.0.0.1' });
			cookie = await signIn(app);
		}, 180_000);
		afterAll(() => app?.stop());

		it('takes the right-most forwarded hop, not the spoofable left-most one', async () => {
			await renameTeam(app, cookie, 'Platform (proxied)', '6.6.6.6, 203.0.113.9');
			expect(await auditOfRename(app, 'Platform (proxied)')).toEqual([
				{ ip: '203.0.113.9', user_agent: USER_AGENT }
			]);
		});
	});
});
