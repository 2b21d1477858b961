/**
 * The smaller auth attacks of issue 9 (3.10), against the running app: an RLS refusal at aal1
 * answered 500, a failed password reset echoed the token back into the page, and the admin
 * console opened at aal1.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/lib/server/auth/totp';
import { startApp, type App } from '../support/app';
import { SessionClient } from '../support/session-client';

const SEEDED = 'password123!';

async function connect(app: App): Promise<pg.Client> {
	const db = new pg.Client(app.databaseUrl);
	await db.connect();
	return db;
}

/** The token in the newest email of `template` to `to`, read from private.email_outbox. */
async function mailedToken(db: pg.Client, to: string, template: string): Promise<string> {
	const { rows } = await db.query<{ link: string }>(
		`select payload ->> 'link' as link from private.email_outbox
		  where to_address = $1 and template = $2 order by created_at desc limit 1`,
		[to, template]
	);
	if (!rows[0]) throw new Error(`no ${template} email to ${to} in private.email_outbox`);
	return new URL(rows[0].link).searchParams.get('token')!;
}

async function signedIn(app: App, email: string, password = SEEDED): Promise<SessionClient> {
	const client = new SessionClient(app.url);
	const reply = await client.post('/auth/sign-in', { email, password });
	expect(reply.status, reply.body.slice(0, 300)).toBe(303);
	return client;
}

describe('on the demo database', () => {
	let app: App;
	let db: pg.Client;

	beforeAll(async () => {
		app = await startApp();
		db = await connect(app);
	}, 180_000);
	afterAll(async () => {
		await db?.end();
		await app?.stop();
	});

	it('an RLS refusal at aal1 in an organisation that requires two-factor answers the step-up screen, not 500', async () => {
		await db.query(`update public.tenants set require_mfa = true where slug = 'acme'`);
		const owner = await signedIn(app, 'owner@acme.test');
		const reply = await owner.post('/t/acme/projects?/create', {
			name: 'Written at aal1',
			slug: 'written-at-aal1'
		});
		expect(reply.status, reply.body.slice(0, 300)).toBe(400);
		expect(reply.body).toContain('Two-factor authentication required');
		expect(reply.body).not.toContain('Internal Error');
		const { rows } = await db.query(`select 1 from public.projects where slug = 'written-at-aal1'`);
		expect(rows).toHaveLength(0);
	});

	it('a failed password reset does not echo the token back into the page', async () => {
		const email = 'viewer@acme.test';
		const browser = new SessionClient(app.url);
		expect((await browser.post('/auth/forgot-password', { email })).status).toBe(200);
		const token = await mailedToken(db, email, 'reset_password');
		const page = `/auth/reset-password?token=${encodeURIComponent(token)}`;

		const shown = await browser.get(page);
		expect(shown.status).toBe(200);
		expect(shown.body).toContain('Choose a new password');
		expect(shown.body).not.toContain(token);

		const weak = await browser.post(page, { password: 'short' });
		expect(weak.status).toBe(400);
		expect(weak.body).toContain('Choose a new password');
		expect(weak.body).not.toContain(token);

		const forged = 'f'.repeat(43);
		const refused = await browser.post(`/auth/reset-password?token=${forged}`, {
			password: 'A-good-new-password-7'
		});
		expect(refused.status).toBe(400);
		expect(refused.body).toContain('This link or session is not valid');
		expect(refused.body).not.toContain(forged);

		// The token in the address is all the form needs: the same page, a good password, done.
		const done = await browser.post(page, { password: 'A-good-new-password-7' });
		expect(done.status).toBe(303);
		expect(done.location).toBe('/auth/sign-in?reset=1');
	});

	it('opens the console to the seeded demo staff with the password (ADMIN_REQUIRE_MFA unset)', async () => {
		const staff = await signedIn(app, 'admin@tenantry.test');
		expect((await staff.get('/admin')).status).toBe(200);
	});
});

describe('outside the demo', () => {
	let app: App;
	let db: pg.Client;

	beforeAll(async () => {
		app = await startApp({ SEED_ON_FIRST_START: 'false' });
		db = await connect(app);
	}, 180_000);
	afterAll(async () => {
		await db?.end();
		await app?.stop();
	});

	it('the admin console is closed at aal1: a staff member without an authenticator is sent to enrol, then gets in at aal2', async () => {
		const email = 'operator@example.com';
		const password = 'Operator-password-42';
		const browser = new SessionClient(app.url);
		expect((await browser.post('/auth/sign-up', { email, password })).status).toBe(303);
		const confirmed = await browser.get(
			`/auth/confirm?token=${await mailedToken(db, email, 'confirm_signup')}`
		);
		expect(confirmed.status).toBe(200);
		await db.query(
			`insert into public.platform_staff (user_id, role)
			 select id, 'super_admin' from auth.users where email = $1`,
			[email]
		);
		const staff = await signedIn(app, email, password);

		const refused = await staff.get('/admin/tenants');
		expect(refused.status).toBe(303);
		expect(refused.location).toBe('/account/security?redirectTo=%2Fadmin%2Ftenants');
		const action = await staff.post('/admin/staff?/add', { email, role: 'support' });
		expect(action.status).toBe(303);
		expect(action.location).toMatch(/^\/account\/security\?redirectTo=/);

		const enrol = await staff.post('/account/security?/enrol', { friendly_name: 'phone' });
		expect(enrol.status, enrol.body.slice(0, 300)).toBe(200);
		const field = (name: string) =>
			enrol.body.match(new RegExp(`name="${name}" value="([^"]+)"`))?.[1] ?? '';
		const secret = field('secret');
		expect(secret).toMatch(/^[A-Z2-7]{32}$/);
		const verified = await staff.post('/account/security?/verifyEnrolment', {
			factor_id: field('factor_id'),
			secret,
			uri: field('uri').replaceAll('&amp;', '&'),
			code: totpCode(secret)
		});
		expect(verified.status, verified.body.slice(0, 300)).toBe(200);
		expect(verified.body).toContain('This session is verified');

		expect((await staff.get('/admin/tenants')).status).toBe(200);
	});
});
