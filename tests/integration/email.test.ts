/**
 * Email leaves the system: the email.send job drains private.email_outbox over real SMTP
 * (nodemailer) to the mail catcher (smtp-server + mailparser) or to SMTP servers started here,
 * on the embedded engine and, with TEST_DATABASE_URL, on Postgres.
 */
import { sql, type Kysely } from 'kysely';
import { createTransport } from 'nodemailer';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedAuth } from '../../src/lib/server/auth/embedded';
import { listOutbox, queueEmail } from '../../src/lib/server/auth/outbox';
import type { DB } from '../../src/lib/server/platform/database';
import { runAsServiceRole } from '../../src/lib/server/platform/rls';
import { startMailCatcher, type MailCatcher } from '../../src/lib/server/email/catcher';
import {
	AUTH_TEMPLATES,
	claimEmails,
	completeEmail,
	EmailSender,
	type SenderOptions
} from '../../src/lib/server/email/sender';
import { freePort } from '../support/app';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const PUBLIC_URL = 'https://app.example.test';
const SECRET = 'email-test-secret-of-more-than-32-characters!';

/** An SMTP server that answers each DATA as `reply(n)` says (n counts from 1), keeping every Message-ID. */
async function flakySmtp(reply: (attempt: number) => number) {
	const messageIds: string[] = [];
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		logger: false,
		onData(stream, _session, callback) {
			void simpleParser(stream).then((parsed) => {
				messageIds.push(parsed.messageId ?? '');
				const code = reply(messageIds.length);
				callback(
					code === 250
						? null
						: Object.assign(new Error(`try again later (${code})`), { responseCode: code })
				);
			});
		}
	});
	const port = await freePort();
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	return {
		url: `smtp://127.0.0.1:${port}`,
		messageIds,
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(engineFactories)('email sender on %s', (_name, factory) => {
	let t: TestEngine;
	let db: Kysely<DB>;
	let catcher: MailCatcher;
	let auth: EmbeddedAuth;
	const senders: EmailSender[] = [];

	const sender = (options: Partial<SenderOptions> = {}) => {
		const made = new EmailSender(db, {
			smtpUrl: catcher.smtpUrl,
			from: 'Tenantry <no-reply@app.example.test>',
			publicUrl: PUBLIC_URL,
			maxAttempts: 5,
			retryBaseMs: 50,
			...options
		});
		senders.push(made);
		return made;
	};
	const queue = (to: string, template = 'member_invitation', subject = `Hello ${to}`) =>
		runAsServiceRole(db, 'members.invitation_email', (trx) =>
			queueEmail(trx, { to, template, subject, bodyText: 'Open https://app.example.test/x\n' })
		);
	const row = async (to: string) => {
		const found = (await listOutbox(db, 500)).find((m) => m.toAddress === to);
		if (!found) throw new Error(`no outbox row to ${to}`);
		return found;
	};
	/** Runs one pass and says when the row is due again, relative to the pass: [earliest, latest] ms. */
	const passThenDue = async (s: EmailSender, to: string) => {
		const before = Date.now();
		const report = await s.drain();
		const after = Date.now();
		const due = Number(
			(
				await sql<{
					at: string;
				}>`select (extract(epoch from next_attempt_at) * 1000)::bigint::text as at
				  from private.email_outbox where to_address = ${to}`.execute(db)
			).rows[0]!.at
		);
		return { report, fromStart: due - before, fromEnd: due - after };
	};
	/** The pass scheduled the retry `ms` after the failure (which happened during the pass). */
	const expectBackoff = (due: { fromStart: number; fromEnd: number }, ms: number) => {
		expect(due.fromStart).toBeGreaterThanOrEqual(ms - 5);
		expect(due.fromEnd).toBeLessThanOrEqual(ms + 5);
	};

	beforeAll(async () => {
		t = await seeded(factory);
		db = t.engine.db;
		// Mail the seed queued (billing notices) is not this file's: it is sent first, out of the way.
		catcher = await startMailCatcher({ port: 0, smtpPort: 0 });
		auth = new EmbeddedAuth({ db, secret: SECRET, appUrl: PUBLIC_URL });
	});
	beforeEach(async () => {
		await sender().drainAll();
		catcher.clear();
	});
	afterAll(async () => {
		for (const made of senders) made.close();
		await catcher?.stop();
		await t?.dispose();
	});

	it('a sign-up confirmation arrives over SMTP at the catcher, its link on PUBLIC_URL, its Message-ID <outbox id@public host>', async () => {
		const email = 'ada.mail@example.test';
		await auth.signUp({ email, password: 'Correct horse 42' });
		expect((await row(email)).status).toBe('pending');

		expect(await sender().drainAll()).toMatchObject({ sent: 1, retried: 0, dead: 0 });

		const [mail, ...more] = catcher.messages(email);
		expect(more).toEqual([]);
		expect(mail!.subject).toBe('Confirm your email address');
		expect(mail!.from).toMatch(/^"?Tenantry"? <no-reply@app\.example\.test>$/);
		expect(mail!.links).toHaveLength(1);
		expect(mail!.links[0]).toMatch(/^https:\/\/app\.example\.test\/auth\/confirm\?token=[\w-]+$/);
		const sent = await row(email);
		expect(mail!.messageId).toBe(`<${sent.id}@app.example.test>`);
		expect([sent.status, sent.attempts, sent.messageId, sent.sentAt !== null]).toEqual([
			'sent',
			1,
			mail!.messageId,
			true
		]);
		// The confirmation link the catcher shows works.
		const token = new URL(mail!.links[0]!).searchParams.get('token')!;
		expect((await auth.confirmEmail(token)).email).toBe(email);
		// Sent once: a later pass sends nothing.
		expect((await sender().drain()).sent).toBe(0);
	});

	it('the catcher serves its inbox on its own port: a JSON API by recipient and an HTML page with the links', async () => {
		await queue('json.api@example.test');
		await sender().drainAll();
		const api = await fetch(`${catcher.url}/api/messages?to=JSON.API@example.test`);
		expect(api.headers.get('content-type')).toMatch(/^application\/json/);
		const [listed] = (await api.json()) as { id: string; links: string[]; to: string[] }[];
		expect(listed!.to).toEqual(['json.api@example.test']);
		expect(listed!.links).toEqual(['https://app.example.test/x']);
		expect(
			await (await fetch(`${catcher.url}/api/messages?to=nobody@example.test`)).json()
		).toEqual([]);
		expect((await fetch(`${catcher.url}/api/messages/${listed!.id}`)).status).toBe(200);

		const page = await fetch(`${catcher.url}/?to=json.api@example.test`);
		expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
		expect(await page.text()).toContain('<a href="https://app.example.test/x">');
	});

	it('DNS rebinding: the catcher refuses a Host header that is not a loopback address', async () => {
		const { request } = await import('node:http');
		const status = await new Promise<number>((resolve, reject) => {
			const port = new URL(catcher.url).port;
			request({
				host: '127.0.0.1',
				port,
				path: '/api/messages',
				headers: { host: `evil.example:${port}` }
			})
				.on('response', (res) => (res.resume(), resolve(res.statusCode!)))
				.on('error', reject)
				.end();
		});
		expect(status).toBe(421);
	});

	it("billing notices link to the tenant's billing page on PUBLIC_URL", async () => {
		await sql`select private.notify_tenant(id, 'billing.mail_test', 'A billing notice', '{}', 'owners')
		            from public.tenants where slug = 'acme'`.execute(db);
		await sender().drainAll();
		const [notice] = catcher.messages().filter((m) => m.subject === 'A billing notice');
		expect(notice!.links).toContain(`${PUBLIC_URL}/t/acme/billing`);
	});

	it('SMTP down: retried with exponential backoff, dead-lettered after N attempts with the last error', async () => {
		const to = 'smtp.down@example.test';
		await queue(to);
		const closed = `smtp://127.0.0.1:${await freePort()}`;
		const down = sender({ smtpUrl: closed, maxAttempts: 3, retryBaseMs: 300 });

		const first = await passThenDue(down, to);
		expect(first.report).toMatchObject({ sent: 0, retried: 1, dead: 0 });
		expectBackoff(first, 300);
		expect(await row(to)).toMatchObject({ status: 'pending', attempts: 1 });
		expect((await row(to)).lastError).toMatch(/ECONNREFUSED/);
		// Not retried before the backoff has passed.
		expect(await down.drain()).toMatchObject({ sent: 0, retried: 0, dead: 0 });

		await sleep(350);
		const second = await passThenDue(down, to);
		expect(second.report).toMatchObject({ retried: 1 });
		expectBackoff(second, 600);

		await sleep(650);
		expect(await down.drain()).toMatchObject({ dead: 1 });
		const dead = await row(to);
		expect([dead.status, dead.attempts]).toEqual(['dead', 3]);
		expect(dead.lastError).toMatch(/ECONNREFUSED/);
		// A dead letter stays dead, even once the server is back.
		expect(await sender().drainAll()).toMatchObject({ sent: 0 });
		expect(catcher.messages(to)).toEqual([]);
	});

	it('a server that refuses once: the retry is delivered with the same Message-ID', async () => {
		const to = 'smtp.flaky@example.test';
		await queue(to);
		const flaky = await flakySmtp((n) => (n === 1 ? 451 : 250));
		try {
			const s = sender({ smtpUrl: flaky.url, retryBaseMs: 10 });
			expect(await s.drain()).toMatchObject({ retried: 1 });
			expect((await row(to)).lastError).toMatch(/^451: /);
			await sleep(30);
			expect(await s.drain()).toMatchObject({ sent: 1 });
			const sent = await row(to);
			expect(flaky.messageIds).toEqual([`<${sent.id}@app.example.test>`, sent.messageId]);
			expect([sent.status, sent.attempts]).toEqual(['sent', 2]);
		} finally {
			await flaky.close();
		}
	});

	it('a permanent refusal (550) is a dead letter at once, never tried again', async () => {
		const dead = 'smtp.no-mailbox@example.test';
		await queue(dead);
		const refusing = await flakySmtp(() => 550);
		try {
			const s = sender({ smtpUrl: refusing.url, retryBaseMs: 10 });
			expect(await s.drain()).toMatchObject({ dead: 1, retried: 0 });
			const gone = await row(dead);
			expect([gone.status, gone.attempts]).toEqual(['dead', 1]);
			expect(gone.lastError).toMatch(/^550: /);
			await sleep(30);
			expect(await s.drain()).toMatchObject({ sent: 0, dead: 0, retried: 0 });
			expect(refusing.messageIds).toHaveLength(1);
		} finally {
			await refusing.close();
		}
	});

	it('a sender that dies mid-send: its lease expires, the row is claimed again and arrives twice with one Message-ID', async () => {
		const to = 'lease.expiry@example.test';
		await queue(to);
		const options = { limit: 10, leaseMs: 400, maxAttempts: 5, messageDomain: 'app.example.test' };
		// The first sender claims and delivers, then "crashes" before recording the send.
		const [claimed, ...others] = await claimEmails(db, options);
		expect(others).toEqual([]);
		const transport = createTransport({ url: catcher.smtpUrl });
		await transport.sendMail({
			from: 'x@app.example.test',
			to,
			subject: claimed!.subject,
			text: claimed!.bodyText,
			messageId: claimed!.messageId
		});
		transport.close();

		// While the lease holds, nobody else takes the row.
		expect(await sender().drain()).toMatchObject({ sent: 0 });
		await sleep(450);
		expect(await sender().drain()).toMatchObject({ sent: 1 });

		const copies = catcher.messages(to);
		expect(copies).toHaveLength(2);
		expect(new Set(copies.map((m) => m.messageId))).toEqual(new Set([claimed!.messageId]));
		expect(await row(to)).toMatchObject({ status: 'sent', attempts: 2 });
		// The crashed sender's claim can no longer record anything.
		expect(await completeEmail(db, claimed!)).toBe(false);
	});

	it('concurrent claims never take the same row (FOR UPDATE SKIP LOCKED)', async () => {
		for (let i = 0; i < 12; i++) await queue(`concurrent.${i}@example.test`);
		const options = {
			limit: 5,
			leaseMs: 60_000,
			maxAttempts: 5,
			messageDomain: 'app.example.test'
		};
		const batches = await Promise.all([1, 2, 3, 4].map(() => claimEmails(db, options)));
		const ids = batches.flat().map((m) => m.id);
		expect(ids).toHaveLength(12);
		expect(new Set(ids).size).toBe(12);
		await Promise.all(batches.flat().map((m) => completeEmail(db, m)));
	});

	it("Supabase profile: auth mail is left to Supabase Auth (never sent twice), the app's own mail goes out", async () => {
		await queue('supabase.auth@example.test', 'confirm_signup', 'Confirm your email address');
		await queue('supabase.invite@example.test', 'member_invitation', 'You are invited');
		await sender({ excludeTemplates: AUTH_TEMPLATES }).drainAll();
		expect(catcher.messages('supabase.invite@example.test')).toHaveLength(1);
		expect(catcher.messages('supabase.auth@example.test')).toEqual([]);
		expect(await row('supabase.auth@example.test')).toMatchObject({
			status: 'pending',
			attempts: 0,
			messageId: null
		});
		// Out of the way of the other tests.
		await sql`update private.email_outbox set next_attempt_at = 'infinity'
		           where to_address = 'supabase.auth@example.test'`.execute(db);
	});
});
