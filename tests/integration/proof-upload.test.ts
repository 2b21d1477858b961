/**
 * Issue 9, attack 3.10: the payment-proof upload was parsed whole before any auth check and
 * without a size cap. Against the app as `npm start` runs it: the session and billing.manage are
 * checked before the body is read, and an oversized body is refused (413) by its Content-Length or
 * as it streams — each answered while the request body is still being sent, so it was not buffered.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';
const CHUNK = Buffer.alloc(64 * 1024, 0x41);

interface Early {
	status: number;
	location: string | null;
	body: string;
	/** Body bytes written when the answer arrived. */
	written: number;
	/** Whether the whole body had been sent by then. */
	finished: boolean;
}

/**
 * POSTs a multipart body of `total` bytes in chunks (honouring backpressure), with or without a
 * declared Content-Length, and stops sending as soon as the answer arrives.
 */
function streamUpload(
	url: string,
	headers: Record<string, string>,
	total: number,
	declaredLength?: number
): Promise<Early> {
	return new Promise((resolve, reject) => {
		let written = 0;
		let answered = false;
		const req = httpRequest(url, {
			method: 'POST',
			headers: {
				'content-type': 'multipart/form-data; boundary=t30boundary',
				accept: 'text/html',
				...(declaredLength === undefined
					? { 'transfer-encoding': 'chunked' }
					: { 'content-length': String(declaredLength) }),
				...headers
			}
		});
		req.on('response', (res) => {
			answered = true;
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (d: string) => (body += d));
			res.on('end', () => {
				resolve({
					status: res.statusCode ?? 0,
					location: res.headers.location ?? null,
					body,
					written,
					finished: written >= total
				});
				req.destroy();
			});
		});
		req.on('error', (e) => {
			if (!answered) reject(e);
		});
		const pump = () => {
			while (!answered && written < total) {
				const ok = req.write(CHUNK);
				written += CHUNK.length;
				if (!ok) {
					req.once('drain', pump);
					return;
				}
			}
		};
		req.flushHeaders();
		pump();
	});
}

describe('the payment proof upload', () => {
	let app: App;
	let owner: string;
	let viewer: string;

	const signIn = (email: string) => signInCookies(app, email, PASSWORD);

	beforeAll(async () => {
		app = await startApp();
		owner = await signIn('owner@acme.test');
		viewer = await signIn('viewer@acme.test');
	});
	afterAll(() => app?.stop());

	const action = () => `${app.url}/t/acme/billing?/proof`;

	it('attack 3.10: an unauthenticated upload is sent to sign in before its body is read', async () => {
		const started = Date.now();
		const answer = await streamUpload(action(), { origin: app.url }, 64 * 1024 * 1024);
		expect(answer.status).toBe(303);
		expect(answer.location).toMatch(/^\/auth\/sign-in\?redirectTo=%2Ft%2Facme%2Fbilling$/);
		expect(answer.finished, 'answered while the 64 MB body was still being sent').toBe(false);
		expect(Date.now() - started).toBeLessThan(10_000);
	});

	it('attack 3.10: a member without billing.manage is refused before the body is read', async () => {
		const answer = await streamUpload(
			action(),
			{ origin: app.url, cookie: viewer },
			64 * 1024 * 1024
		);
		expect(answer.status).toBe(403);
		expect(answer.finished).toBe(false);
	});

	it('attack 3.10: an upload declaring more than the cap is refused by its Content-Length (413)', async () => {
		const answer = await streamUpload(
			action(),
			{ origin: app.url, cookie: owner },
			1024 * 1024,
			50 * 1024 * 1024
		);
		expect(answer.status).toBe(413);
		expect(answer.body).toContain('The upload is too large: attach a receipt of at most 5 MB.');
		expect(answer.finished, 'answered after at most 1 MB of the declared 50 MB').toBe(true);
		expect(answer.written).toBe(1024 * 1024);
	});

	it('attack 3.10: a chunked upload streaming past the cap is refused as it crosses it (413)', async () => {
		const total = 64 * 1024 * 1024;
		const answer = await streamUpload(action(), { origin: app.url, cookie: owner }, total);
		expect(answer.status).toBe(413);
		expect(answer.body).toContain('The upload is too large');
		expect(answer.finished, 'answered long before the 64 MB were sent').toBe(false);
		expect(answer.written).toBeLessThan(total / 2);
	});

	it('a receipt under the cap is still read and recorded', async () => {
		const form = new FormData();
		form.set('plan', 'business');
		form.set('interval', 'month');
		form.set('amount', '99.00');
		form.set(
			'proof',
			new Blob([Buffer.from('%PDF-1.4\n% transfer receipt\n')], { type: 'application/pdf' }),
			'receipt.pdf'
		);
		const res = await fetch(action(), {
			method: 'POST',
			redirect: 'manual',
			headers: { accept: 'text/html', origin: app.url, cookie: owner },
			body: form
		});
		expect(res.status).toBe(200);
		expect(await res.text()).toContain('Payment proof received: it is pending verification');
	});
});
