/**
 * Attack 3.2 of issue 9, against the running app: an access token kept from before its session
 * ended (sign-out, a password change elsewhere, refresh-token reuse detection) must stop working
 * on its next request — a tenant page and a form action alike — not an hour later when it expires.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { SessionClient, type Reply } from '../support/session-client';

const SEEDED = 'password123!';
const ACCESS = 'tenantry_access';
const REFRESH = 'tenantry_refresh';

let app: App;
let db: pg.Client;

beforeAll(async () => {
	app = await startApp();
	db = new pg.Client(app.databaseUrl);
	await db.connect();
}, 180_000);

afterAll(async () => {
	await db?.end();
	await app?.stop();
});

async function signedIn(email: string, password = SEEDED): Promise<SessionClient> {
	const client = new SessionClient(app.url);
	const reply = await client.post('/auth/sign-in', { email, password });
	expect(reply.status, reply.body.slice(0, 300)).toBe(303);
	expect(client.cookie(ACCESS)).toBeTruthy();
	return client;
}

/** Only the access token, as someone who copied that one cookie keeps it. */
function keptAccessToken(client: SessionClient): SessionClient {
	const kept = new SessionClient(app.url);
	kept.setCookie(ACCESS, client.cookie(ACCESS)!);
	return kept;
}

function expectSentToSignIn(reply: Reply, kept: SessionClient) {
	expect(reply.status, reply.body.slice(0, 300)).toBe(303);
	expect(reply.location).toMatch(/^\/auth\/sign-in\?ended=1&redirectTo=/);
	expect(kept.cookie(ACCESS), 'the access cookie is cleared').toBeUndefined();
}

async function projectExists(slug: string): Promise<boolean> {
	const { rows } = await db.query('select 1 from public.projects where slug = $1', [slug]);
	return rows.length > 0;
}

/** A form action that writes: creating a project in Acme (the owner and admins may). */
const createProject = (client: SessionClient, slug: string) =>
	client.post('/t/acme/projects?/create', { name: `Project ${slug}`, slug });

describe('revoked sessions stop working on their next request', () => {
	it('an access token kept from before sign-out is refused on a tenant page and a form action', async () => {
		const browser = await signedIn('owner@acme.test');
		const page = keptAccessToken(browser);
		const action = keptAccessToken(browser);
		expect((await page.get('/t/acme')).status, 'the kept token works before sign-out').toBe(200);

		expect((await browser.post('/auth/sign-out', {})).status).toBe(303);

		expectSentToSignIn(await page.get('/t/acme'), page);
		const refused = await createProject(action, 'after-sign-out');
		expectSentToSignIn(refused, action);
		expect(await projectExists('after-sign-out')).toBe(false);
		// Signed out for good: the sign-in page it is sent to renders, and says why.
		const signIn = await page.get(refused.location!);
		expect(signIn.status).toBe(200);
		expect(signIn.body).toContain('Your session has ended. Sign in again.');
	});

	it('an access token kept from before a password change elsewhere is refused on a tenant page and a form action', async () => {
		const attacker = await signedIn('admin@acme.test');
		const page = keptAccessToken(attacker);
		const owner = await signedIn('admin@acme.test');
		expect((await createProject(attacker, 'before-change')).status).toBe(303);
		expect(await projectExists('before-change')).toBe(true);

		const changed = await owner.post('/account/security?/password', {
			current_password: SEEDED,
			password: 'A-new-password-42'
		});
		expect(changed.status, changed.body.slice(0, 300)).toBe(200);
		expect(changed.body).toContain('1 other session was signed out');

		expectSentToSignIn(await page.get('/t/acme/members'), page);
		expectSentToSignIn(await createProject(attacker, 'after-change'), attacker);
		expect(await projectExists('after-change')).toBe(false);
		// The session that changed the password goes on working.
		expect((await owner.get('/t/acme/members')).status).toBe(200);
	});

	it('access tokens kept from before refresh-token reuse detection are refused on a tenant page and a form action', async () => {
		const victim = await signedIn('dev@acme.test');
		const thief = victim.clone();
		const keptBeforeRotation = keptAccessToken(victim);

		// The victim's browser refreshes (its access cookie gone): the refresh token rotates.
		victim.setCookie(ACCESS, '');
		expect((await victim.get('/t/acme')).status).toBe(200);
		expect(victim.cookie(REFRESH)).not.toBe(thief.cookie(REFRESH));
		const keptAfterRotation = keptAccessToken(victim);

		// The thief replays the rotated refresh token: reuse is detected and the session ends.
		thief.setCookie(ACCESS, '');
		const replay = await thief.get('/t/acme');
		expect(replay.status).toBe(303);
		expect(replay.location).toMatch(/^\/auth\/sign-in/);

		expectSentToSignIn(await keptBeforeRotation.get('/t/acme/projects'), keptBeforeRotation);
		expectSentToSignIn(await createProject(keptAfterRotation, 'after-reuse'), keptAfterRotation);
		expect(await projectExists('after-reuse')).toBe(false);
	});
});
