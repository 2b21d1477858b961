/**
 * Mail in the running app: the bootstrap starts the mail catcher and the email.send job; the app
 * itself serves no mailbox; a sign-up's confirmation leaves over SMTP and arrives at the catcher
 * with its link on PUBLIC_URL, whatever host the request named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAsServiceRole } from '../../src/lib/server/platform/rls';
import { queueEmail, listOutbox } from '../../src/lib/server/auth/outbox';
import { loadConfig } from '../../src/lib/server/platform/config';
import { bootstrap, type Runtime } from '../../src/lib/server/platform/db';
import type { CaughtMessage } from '../../src/lib/server/email/catcher';
import { freePort, startApp, type App } from '../support/app';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000) {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** Jobs other than email.send off, no wire server, no seed: a bootstrap with only mail to show. */
const quiet = {
	DATA_DIR: 'memory://',
	DB_SERVE: 'false',
	SEED_ON_FIRST_START: 'false',
	AUDIT_SEAL_INTERVAL_MS: '0',
	BILLING_LIFECYCLE_INTERVAL_MS: '0',
	USAGE_ROLLUP_INTERVAL_MS: '0',
	EMAIL_SEND_INTERVAL_MS: '100'
};

describe('mail in the running app (npm start)', () => {
	let app: App;
	let publicUrl: string;

	beforeAll(async () => {
		const port = await freePort();
		publicUrl = `http://localhost:${port}`;
		app = await startApp({
			PORT: String(port),
			PUBLIC_URL: publicUrl,
			EMAIL_SEND_INTERVAL_MS: '200'
		});
	});
	afterAll(async () => {
		await app?.stop();
	});

	it('the dev mailbox is gone: GET /dev/mailbox is 404, and the app serves no mail API', async () => {
		expect((await fetch(`${app.url}/dev/mailbox`)).status).toBe(404);
		expect((await fetch(`${app.url}/api/messages`)).status).toBe(404);
	});

	it('signing up sends a confirmation over SMTP to the catcher, linking to PUBLIC_URL even when the request names another host', async () => {
		const email = `mail.${Date.now()}@example.test`;
		const response = await fetch(`${app.url}/auth/sign-up`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				origin: app.url,
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded',
				// A host-header attack on the link: the app must not build links from the request.
				'x-forwarded-host': 'evil.example',
				'x-forwarded-proto': 'https'
			},
			body: new URLSearchParams({ email, password: 'Correct horse 42' })
		});
		expect(response.status).toBe(303);
		expect(response.headers.get('location')).toContain('/auth/check-email');

		const mail = await waitFor('the confirmation at the catcher', async () => {
			const list = (await (
				await fetch(`${app.mailUrl}/api/messages?to=${encodeURIComponent(email)}`)
			).json()) as CaughtMessage[];
			return list[0];
		});
		expect(mail.subject).toBe('Confirm your email address');
		expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@localhost>$/);
		expect(mail.links).toHaveLength(1);
		const link = mail.links[0]!;
		expect(link.startsWith(`${publicUrl}/auth/confirm?token=`)).toBe(true);
		expect(link).not.toContain('evil.example');

		const confirmed = await fetch(link);
		expect(confirmed.status).toBe(200);
		expect(await confirmed.text()).toContain('Email confirmed');

		// The check-email page points at the catcher's own port.
		const page = await (await fetch(`${app.url}/auth/check-email?email=x`)).text();
		expect(page).toContain(app.mailUrl);
	});
});

describe('the bootstrap runs the catcher and the sender', () => {
	it('prints the inbox URL, sends through the catcher, and stops it on shutdown', async () => {
		const [port, smtpPort] = [await freePort(), await freePort()];
		const lines: string[] = [];
		const runtime: Runtime = await bootstrap(
			loadConfig({
				...quiet,
				MAIL_CATCHER_PORT: String(port),
				MAIL_CATCHER_SMTP_PORT: String(smtpPort),
				// Supabase Auth sends its own auth mail: only the app's own goes through SMTP.
				AUTH_PROVIDER: 'supabase',
				SUPABASE_URL: 'http://127.0.0.1:9',
				SUPABASE_ANON_KEY: 'anon-key-of-the-supabase-project'
			}),
			(line) => lines.push(line)
		);
		try {
			expect(lines).toContain(`mail: http://127.0.0.1:${port}`);
			expect(runtime.mail?.url).toBe(`http://127.0.0.1:${port}`);
			await runAsServiceRole(runtime.engine.db, 'auth.embedded', async (trx) => {
				await queueEmail(trx, {
					to: 'auth@boot.test',
					template: 'confirm_signup',
					subject: 'Confirm',
					bodyText: 'b'
				});
				await queueEmail(trx, {
					to: 'invite@boot.test',
					template: 'member_invitation',
					subject: 'Invited',
					bodyText: 'b'
				});
			});
			await waitFor('the invitation', async () => runtime.mail!.messages('invite@boot.test')[0]);
			expect(runtime.mail!.messages('auth@boot.test')).toEqual([]);
			const auth = (await listOutbox(runtime.engine.db)).find(
				(m) => m.toAddress === 'auth@boot.test'
			);
			expect([auth?.status, auth?.attempts]).toEqual(['pending', 0]);
		} finally {
			await runtime.shutdown();
		}
		await expect(fetch(`http://127.0.0.1:${port}/api/messages`)).rejects.toThrow();
	});

	it('MAIL_CATCHER=off without SMTP_URL: no catcher, and it says mail is not sent', async () => {
		const lines: string[] = [];
		const runtime = await bootstrap(loadConfig({ ...quiet, MAIL_CATCHER: 'off' }), (line) =>
			lines.push(line)
		);
		try {
			expect(runtime.mail).toBeNull();
			expect(lines).toContain('mail: not sent (set SMTP_URL): it waits in private.email_outbox');
		} finally {
			await runtime.shutdown();
		}
	});

	it('a taken catcher port fails the start with a sentence naming the variable', async () => {
		const [port, smtpPort] = [await freePort(), await freePort()];
		const { createServer } = await import('node:net');
		const squatter = createServer().listen(smtpPort, '127.0.0.1');
		await new Promise((resolve) => squatter.once('listening', resolve));
		try {
			await expect(
				bootstrap(
					loadConfig({
						...quiet,
						MAIL_CATCHER_PORT: String(port),
						MAIL_CATCHER_SMTP_PORT: String(smtpPort)
					})
				)
			).rejects.toThrow(
				`Port ${smtpPort} on 127.0.0.1 (the mail catcher's SMTP port) is already in use: set MAIL_CATCHER_SMTP_PORT to a free port, or MAIL_CATCHER=off.`
			);
		} finally {
			await new Promise((resolve) => squatter.close(resolve));
		}
	});
});
