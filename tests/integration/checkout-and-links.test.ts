/**
 * Issue 11 §10: checkout that works whatever host the app is opened on. The CSP's form-action
 * names the gateway's hosted origin (the fake's pages on PUBLIC_URL in the demo, Stripe's with a
 * secret key), so the 303 to checkout is not refused; the fake's pages permit the way back to
 * the host the person came from; and mail links are built on PUBLIC_URL, never the request's host.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForMail } from '../e2e/harness';
import { freePort, signInCookies, startApp, type App } from '../support/app';

/** The sources of a policy's form-action directive. */
function formAction(policy: string | null): string[] {
	if (!policy) throw new Error('the response carries no content-security-policy');
	const directive = policy.split(';').find((d) => d.trim().startsWith('form-action '));
	if (!directive) throw new Error(`no form-action in: ${policy}`);
	return directive.trim().split(/\s+/).slice(1);
}

describe('the demo: the fake checkout lives on PUBLIC_URL, the app is opened on 127.0.0.1', () => {
	let app: App;
	let publicUrl: string;
	let otherHost: string;
	let cookies: string;

	beforeAll(async () => {
		const port = await freePort();
		publicUrl = `http://localhost:${port}`;
		otherHost = `http://127.0.0.1:${port}`;
		app = await startApp({
			PORT: String(port),
			PUBLIC_URL: publicUrl,
			EMAIL_SEND_INTERVAL_MS: '200'
		});
		cookies = await signInCookies({ ...app, url: otherHost }, 'owner@acme.test', 'password123!');
	});
	afterAll(async () => {
		await app?.stop();
	});

	const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
		fetch(`${otherHost}${path}`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				cookie: cookies,
				origin: otherHost,
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded',
				...headers
			},
			body: new URLSearchParams(body)
		});

	it('every page permits forms to go to the fake checkout on PUBLIC_URL', async () => {
		const signIn = await fetch(`${otherHost}/auth/sign-in`);
		expect(formAction(signIn.headers.get('content-security-policy'))).toEqual([
			"'self'",
			publicUrl
		]);
		const billing = await fetch(`${otherHost}/t/acme/billing`, { headers: { cookie: cookies } });
		expect(billing.status).toBe(200);
		expect(formAction(billing.headers.get('content-security-policy'))).toContain(publicUrl);
	});

	it('checkout answers 303 to the fake on PUBLIC_URL, whose page permits the way back to 127.0.0.1', async () => {
		const checkout = await post('/t/acme/billing?/checkout', {
			plan: 'business',
			interval: 'month'
		});
		expect(checkout.status).toBe(303);
		const location = checkout.headers.get('location')!;
		expect(location.startsWith(`${publicUrl}/dev/stripe/checkout/cs_test_`)).toBe(true);

		const hosted = await fetch(location);
		expect(hosted.status).toBe(200);
		expect(formAction(hosted.headers.get('content-security-policy'))).toEqual([
			"'self'",
			publicUrl,
			otherHost
		]);
		const paid = await fetch(`${location}?/pay`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				origin: publicUrl,
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: new URLSearchParams({ number: '4242 4242 4242 4242', expiry: '12 / 34', cvc: '123' })
		});
		expect(paid.status).toBe(303);
		expect(paid.headers.get('location')).toMatch(
			new RegExp(`^${otherHost}/t/acme/billing\\?checkout=cs_test_`)
		);
	});

	it('an invitation sent from 127.0.0.1 (and a forged forwarded host) links to PUBLIC_URL', async () => {
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		const viewer = (
			await db.query<{ id: string }>(
				"select id from public.roles where key = 'viewer' and tenant_id is null"
			)
		).rows[0]!.id;
		await db.end();
		const email = `links.${Date.now()}@example.test`;
		const invited = await post(
			'/t/acme/members?/invite',
			{ email, role: viewer },
			{ 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }
		);
		expect(invited.status).toBe(200);
		expect(await invited.text()).toContain(`Invitation sent to ${email}`);
		const mail = await waitForMail(app.mailUrl, email, 'invited you');
		const invite = mail.links.find((link) => link.includes('/invite/'));
		expect(invite, `no invitation link in: ${mail.links.join(', ')}`).toBeDefined();
		expect(invite!.startsWith(`${publicUrl}/invite/`)).toBe(true);
		expect(mail.links.every((link) => link.startsWith(publicUrl))).toBe(true);
	});
});

describe('with Stripe configured (STRIPE_SECRET_KEY)', () => {
	let app: App;

	beforeAll(async () => {
		app = await startApp({ STRIPE_SECRET_KEY: 'sk_test_tenantryCspCheck' });
	});
	afterAll(async () => {
		await app?.stop();
	});

	it("every page permits forms to go to Stripe's checkout and customer portal, and no other origin", async () => {
		const page = await fetch(`${app.url}/auth/sign-in`);
		expect(page.status).toBe(200);
		expect(formAction(page.headers.get('content-security-policy'))).toEqual([
			"'self'",
			'https://checkout.stripe.com',
			'https://billing.stripe.com'
		]);
	});
});
