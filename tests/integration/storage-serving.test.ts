/**
 * The embedded profile's signed URLs, against the app as `npm start` runs it: a payment proof
 * uploaded by the tenant's owner, opened by billing staff through the console, is served from
 * /files with the type its bytes prove (a PNG named receipt.pdf is a PNG), inline because it is an
 * image, nosniff and sandboxed; a tampered signature is refused, a stranger never gets a link.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2, 3]);

describe('serving stored files', () => {
	let app: App;
	let owner: string;
	let finance: string;
	let link: URL;
	let paymentId: string;

	beforeAll(async () => {
		app = await startApp();
		owner = await signInCookies(app, 'owner@acme.test', PASSWORD);
		finance = await signInCookies(app, 'finance@tenantry.test', PASSWORD);
		const form = new FormData();
		form.set('plan', 'business');
		form.set('interval', 'month');
		form.set('amount', '99.00');
		form.set('proof', new Blob([PNG], { type: 'application/pdf' }), 'receipt.pdf');
		const res = await fetch(`${app.url}/t/acme/billing?/proof`, {
			method: 'POST',
			redirect: 'manual',
			headers: { accept: 'text/html', origin: app.url, cookie: owner },
			body: form
		});
		expect(await res.text()).toContain('Payment proof received');
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		const { rows } = await db
			.query<{ id: string }>(
				`select id from public.payments where proof_path like '%/receipt.pdf.png' order by created_at desc limit 1`
			)
			.finally(() => db.end());
		expect(rows[0], 'the proof is recorded under its proven name').toBeDefined();
		paymentId = rows[0]!.id;
		const answer = await fetch(`${app.url}/admin/payments/${paymentId}/proof`, {
			headers: { cookie: finance },
			redirect: 'manual'
		});
		expect(answer.status).toBe(303);
		const signed = answer.headers.get('location');
		expect(signed, 'the console redirects to the signed URL').toBeTruthy();
		link = new URL(signed!, app.url);
	});
	afterAll(() => app?.stop());

	it('serves the bytes with the type they prove, inline for an image, nosniff and sandboxed', async () => {
		expect(link.pathname).toMatch(/^\/files\/payment-proofs\/[0-9a-f-]{36}\/billing\//);
		const res = await fetch(link);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('image/png');
		expect(res.headers.get('content-disposition')).toBe('inline');
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		expect(res.headers.get('content-security-policy')).toContain('sandbox');
		expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
	});

	it('refuses a tampered signature, another path with the same signature, and a longer expiry', async () => {
		const tampered = new URL(link);
		tampered.searchParams.set('signature', `${link.searchParams.get('signature')!.slice(0, -2)}AA`);
		expect((await fetch(tampered)).status).toBe(403);
		const moved = new URL(link);
		moved.pathname = link.pathname.replace('receipt.pdf.png', 'other.png');
		expect((await fetch(moved)).status).toBe(403);
		const longer = new URL(link);
		longer.searchParams.set('expires', String(Number(link.searchParams.get('expires')) + 3600));
		expect((await fetch(longer)).status).toBe(403);
	});

	it('gives no link to an owner of the tenant through the console (staff only)', async () => {
		const res = await fetch(`${app.url}/admin/payments/${paymentId}/proof`, {
			headers: { cookie: owner },
			redirect: 'manual'
		});
		expect(res.headers.get('location') ?? '').not.toContain('/files/');
	});
});
