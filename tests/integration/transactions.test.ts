/**
 * One request, one transaction: against the app as `npm start` runs it, with
 * TENANTRY_TRACE_TRANSACTIONS=1 (src/lib/server/platform/rls.ts prints a line per transaction and
 * the request it serves), the three traced requests — invite a member, set a project member,
 * change (here: cancel) a plan — each run their whole action in ONE transaction as the person,
 * and a tenant page's load functions one each; so do a console action (the staff gate and the
 * write together) and a console page's loads.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';

describe('transactions per request', () => {
	let app: App;
	let owner: string;
	let finance: string;
	let ids: { viewer: string; viewerRole: string; projectViewer: string };

	/** The `[tx]` / `[tx+]` lines printed while `run` served `method path`. */
	async function traced(method: string, path: string, run: () => Promise<Response>) {
		const before = app.output().length;
		const res = await run();
		const body = await res.text();
		await new Promise((r) => setTimeout(r, 200));
		const lines = app
			.output()
			.slice(before)
			.split('\n')
			.filter((l) => l.endsWith(` ${method} ${path}`));
		return {
			status: res.status,
			body,
			transactions: lines.filter((l) => l.startsWith('[tx] ')),
			elevations: lines.filter((l) => l.startsWith('[tx+] '))
		};
	}

	function action(
		path: string,
		name: string,
		form: Record<string, string>,
		cookie: string = owner
	) {
		return traced('POST', path, () =>
			fetch(`${app.url}${path}?/${name}`, {
				method: 'POST',
				headers: {
					'content-type': 'application/x-www-form-urlencoded',
					accept: 'application/json',
					'x-sveltekit-action': 'true',
					origin: app.url,
					cookie
				},
				body: new URLSearchParams(form)
			})
		);
	}

	/**
	 * A browser's first page after sign-in reads the person's preferences once and keeps them in
	 * the `tn_prefs` cookie (preferences/service.ts); the requests counted here carry it, as a
	 * browser's next requests do. That first read is counted on its own below.
	 */
	async function withPreferencesMirror(cookie: string): Promise<string> {
		const res = await fetch(`${app.url}/account`, { headers: { cookie }, redirect: 'manual' });
		const mirror = res.headers.getSetCookie().find((c) => c.startsWith('tn_prefs='));
		if (!mirror) throw new Error('the first page after sign-in set no tn_prefs cookie');
		return `${cookie}; ${mirror.split(';')[0]}`;
	}

	beforeAll(async () => {
		app = await startApp({ TENANTRY_TRACE_TRANSACTIONS: '1' });
		owner = await withPreferencesMirror(await signInCookies(app, 'owner@acme.test', PASSWORD));
		finance = await withPreferencesMirror(
			await signInCookies(app, 'finance@tenantry.test', PASSWORD)
		);
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		try {
			const { rows } = await db.query<{
				viewer: string;
				viewerRole: string;
				projectViewer: string;
			}>(
				`select (select id from public.profiles where email = 'viewer@acme.test') as "viewer",
				        (select id from public.roles where key = 'viewer' and tenant_id is null) as "viewerRole",
				        (select id from public.roles where key = 'project_viewer' and tenant_id is null) as "projectViewer"`
			);
			ids = rows[0]!;
		} finally {
			await db.end();
		}
	});
	afterAll(() => app?.stop());

	it('invite a member: one transaction, elevated once for the invitation email', async () => {
		const done = await action('/t/acme/members', 'invite', {
			email: 'tx-count@example.test',
			role: ids.viewerRole
		});
		expect(done.body).toContain('Invitation sent to tx-count@example.test.');
		expect(done.transactions).toEqual(['[tx] authenticated POST /t/acme/members']);
		expect(done.elevations).toEqual(['[tx+] job:members.invitation_email POST /t/acme/members']);
	});

	it('set a project member: one transaction', async () => {
		const done = await action('/t/acme/projects/web', 'setMember', {
			userId: ids.viewer,
			roleId: ids.projectViewer
		});
		expect(done.body).toContain('Project members updated.');
		expect(done.transactions).toEqual(['[tx] authenticated POST /t/acme/projects/web']);
	});

	it('change the plan (cancel at period end): one transaction, not three', async () => {
		const done = await action('/t/acme/billing', 'cancel', { cancel: 'true' });
		expect(done.status).toBe(200);
		expect(done.transactions).toEqual(['[tx] authenticated POST /t/acme/billing']);
	});

	it('a tenant page: one transaction per load (the layout’s and the page’s)', async () => {
		const page = await traced('GET', '/t/acme/members', () =>
			fetch(`${app.url}/t/acme/members`, { headers: { cookie: owner, accept: 'text/html' } })
		);
		expect(page.status).toBe(200);
		expect(page.transactions).toEqual([
			'[tx] authenticated GET /t/acme/members',
			'[tx] authenticated GET /t/acme/members'
		]);
	});

	it('the preferences: read once after sign-in, then carried by their cookie', async () => {
		const fresh = await signInCookies(app, 'owner@acme.test', PASSWORD);
		const first = await traced('GET', '/t/acme/members', () =>
			fetch(`${app.url}/t/acme/members`, { headers: { cookie: fresh, accept: 'text/html' } })
		);
		expect(first.transactions).toHaveLength(3);
		const carried = await withPreferencesMirror(fresh);
		const next = await traced('GET', '/t/acme/members', () =>
			fetch(`${app.url}/t/acme/members`, { headers: { cookie: carried, accept: 'text/html' } })
		);
		expect(next.transactions).toHaveLength(2);
	});

	// The seeded demo staff sign in with the password (aal1, no authenticator, enrolling optional):
	// the auth provider's own read of their factors runs first, outside the person's transaction.
	const FACTOR_READ = '[tx] job:auth.embedded';

	it('a console action (suspend a tenant): the gate and the write in one transaction', async () => {
		const path = '/admin/tenants/b0000000-0000-4000-8000-000000002302';
		const done = await action(
			path,
			'suspend',
			{ reason: 'Transaction count', confirm_name: 'Umbrella Corporation' },
			finance
		);
		expect(done.body).toContain('Suspended: its members see the reason and nothing else.');
		expect(done.transactions).toEqual([
			`${FACTOR_READ} POST ${path}`,
			`[tx] authenticated POST ${path}`
		]);
	});

	it('a console page: one transaction per load (the layout’s and the page’s)', async () => {
		const page = await traced('GET', '/admin/tenants', () =>
			fetch(`${app.url}/admin/tenants`, { headers: { cookie: finance, accept: 'text/html' } })
		);
		expect(page.status).toBe(200);
		expect(page.transactions).toEqual([
			`${FACTOR_READ} GET /admin/tenants`,
			'[tx] authenticated GET /admin/tenants',
			'[tx] authenticated GET /admin/tenants'
		]);
	});
});
