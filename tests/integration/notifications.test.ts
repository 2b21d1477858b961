import { randomUUID } from 'node:crypto';
/**
 * Notifications end to end below the pages: events fanned out to the right people, idempotent
 * across retries, a crash and two concurrent runs; preferences and the organisation's settings
 * honoured; the security notices (through the real auth provider) that cannot be turned off; the
 * emails rendered in the tenant's branding and delivered over SMTP to the mail catcher, both parts.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuthProvider, type AuthProvider } from '../../src/lib/server/auth';
import { totpCode } from '../../src/lib/server/auth/totp';
import { startMailCatcher, type MailCatcher } from '../../src/lib/server/email/catcher';
import { EmailSender } from '../../src/lib/server/email/sender';
import {
	fanOutEvents,
	runFanOut,
	sendDigests,
	sendNotificationMail
} from '../../src/lib/server/notifications/jobs';
import { onWake } from '../../src/lib/server/notifications/live';
import { savePreferences, saveTenantSettings } from '../../src/lib/server/notifications/queries';
import type { DB } from '../../src/lib/server/platform/database';
import { runAsServiceRole, runWithClaims } from '../../src/lib/server/platform/rls';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const PUBLIC_URL = 'https://app.example.test';
const SECRET = 'notifications-test-secret-of-more-than-32-chars';
const ACME = 'b0000000-0000-4000-8000-000000000001';
const OWNER = { sub: 'a0000000-0000-4000-8000-000000000011', email: 'owner@acme.test' };
const ADMIN = { sub: 'a0000000-0000-4000-8000-000000000012', email: 'admin@acme.test' };
const VIEWER = { sub: 'a0000000-0000-4000-8000-000000000014', email: 'viewer@acme.test' };
const PASSWORD = 'password123!';

describe.each(engineFactories)('notifications on %s', (_name, factory) => {
	let t: TestEngine;
	let db: Kysely<DB>;
	let catcher: MailCatcher;
	let sender: EmailSender;
	let auth: AuthProvider;

	/** As the database owner, as the modules' triggers do in the change's transaction. */
	const publish = async (type: string, payload: Record<string, unknown> = {}, subject = 'x') => {
		const { rows } = await sql<{ id: string }>`select private.publish_event(${ACME}::uuid, ${type},
			'test', ${subject}, ${JSON.stringify(payload)}::jsonb) as id`.execute(db);
		return rows[0]!.id;
	};
	const inbox = async (userId: string, kind?: string) =>
		(
			await sql<{ id: string; event_id: string | null; title: string; body: string; link: string }>`
				select id, event_id, title, body, link from public.notifications
				 where user_id = ${userId}::uuid and (${kind ?? null}::text is null or kind = ${kind ?? null})
				 order by created_at, id`.execute(db)
		).rows;
	const duplicates = async () =>
		Number(
			(
				await sql<{
					n: string;
				}>`select count(*) as n from (select user_id, event_id from public.notifications
					where event_id is not null group by 1, 2 having count(*) > 1) d`.execute(db)
			).rows[0]!.n
		);

	beforeAll(async () => {
		t = await seeded(factory);
		db = t.engine.db;
		catcher = await startMailCatcher({ port: 0, smtpPort: 0 });
		sender = new EmailSender(db, {
			smtpUrl: catcher.smtpUrl,
			from: 'Tenantry <no-reply@app.example.test>',
			publicUrl: PUBLIC_URL,
			maxAttempts: 3,
			retryBaseMs: 50
		});
		auth = createAuthProvider(db, {
			AUTH_JWT_SECRET: SECRET,
			DATA_DIR: 'memory://',
			NODE_ENV: 'test',
			PUBLIC_URL
		});
		// What the seed queued is not this file's.
		await runFanOut(db, PUBLIC_URL);
		await sender.drainAll();
	});
	beforeEach(() => catcher.clear());
	afterAll(async () => {
		sender?.close();
		await catcher?.stop();
		await t?.dispose();
	});

	it('tells the member concerned and the holders of members.manage, and wakes their bells', async () => {
		const woken: string[] = [];
		const stop = onWake(VIEWER.sub, () => woken.push(VIEWER.sub));
		const event = await publish(
			'member.role_changed',
			{
				user_id: VIEWER.sub,
				membership_id: randomUUID(),
				owner: false,
				roles: ['developer'],
				previous: { owner: false, roles: ['viewer'] }
			},
			VIEWER.sub
		);
		const before = (await inbox(OWNER.sub)).length;
		const result = await runFanOut(db, PUBLIC_URL);
		stop();
		expect(result.notified).toBeGreaterThanOrEqual(3);
		const [mine] = (await inbox(VIEWER.sub)).filter((n) => n.event_id === event);
		expect(mine).toMatchObject({
			title: "A member's role changed",
			body: 'Vint Viewer is now Developer.',
			link: '/t/acme/members'
		});
		expect((await inbox(OWNER.sub)).length).toBe(before + 1);
		expect((await inbox(ADMIN.sub)).filter((n) => n.event_id === event)).toHaveLength(1);
		expect(woken).toEqual([VIEWER.sub]);
	});

	it('writes one row per person and event whatever the retries, a crash or two runs at once', async () => {
		const events: string[] = [];
		for (let i = 0; i < 12; i++)
			events.push(await publish('api_key.created', { name: `key ${i}` }));
		// A run that dies after claiming: its transaction rolls back and the events stay queued.
		await expect(
			runAsServiceRole(db, 'notifications.fan_out', async (trx) => {
				await sql`select * from private.fan_out_notifications(100)`.execute(trx);
				throw new Error('the fan-out died mid-batch');
			})
		).rejects.toThrow('died mid-batch');
		const queued = await sql<{
			n: string;
		}>`select count(*) as n from private.notification_queue`.execute(db);
		expect(Number(queued.rows[0]!.n)).toBe(12);
		const [a, b] = await Promise.all([fanOutEvents(db, 5), fanOutEvents(db, 100)]);
		const rest = await fanOutEvents(db, 100);
		const written = await sql<{ n: string }>`select count(*) as n from public.notifications
			where event_id = any (${events}::uuid[])`.execute(db);
		expect(a + b + rest).toBe(Number(written.rows[0]!.n));
		// Each holder of api_keys.manage once per event (the actor is the system: nobody is left out).
		const holders = await sql<{ n: string }>`select count(*) as n
			from private.permission_holders(${ACME}::uuid, '{api_keys.manage}')`.execute(db);
		expect(Number(holders.rows[0]!.n)).toBeGreaterThanOrEqual(2);
		expect(Number(written.rows[0]!.n)).toBe(12 * Number(holders.rows[0]!.n));
		// A retry of every event (queued again) writes nothing new.
		await sql`insert into private.notification_queue (event_id, tenant_id)
			select id, tenant_id from public.events where id = any (${events}::uuid[])`.execute(db);
		expect(await fanOutEvents(db)).toBe(0);
		expect(await duplicates()).toBe(0);
	});

	it('honours the person’s preferences and the organisation’s settings', async () => {
		await runFanOut(db, PUBLIC_URL);
		await sender.drainAll();
		catcher.clear();
		await runWithClaims(db, VIEWER, (trx) =>
			savePreferences(trx, VIEWER.sub, [
				{ kind: 'member.role_changed', channel: 'in_app', enabled: false, digest: 'off' },
				{ kind: 'member.role_changed', channel: 'email', enabled: false, digest: 'off' }
			])
		);
		await runWithClaims(db, OWNER, (trx) =>
			saveTenantSettings(trx, ACME, [{ kind: 'domain.verified', inApp: false, email: false }])
		);
		const role = await publish('member.role_changed', { user_id: VIEWER.sub }, VIEWER.sub);
		const domain = await publish('domain.verified', { domain: 'acme.example' });
		await runFanOut(db, PUBLIC_URL);
		expect((await inbox(VIEWER.sub)).filter((n) => n.event_id === role)).toEqual([]);
		expect((await inbox(OWNER.sub)).filter((n) => n.event_id === role)).toHaveLength(1);
		expect((await inbox(OWNER.sub)).filter((n) => n.event_id === domain)).toEqual([]);
		await sender.drainAll();
		expect(catcher.messages(VIEWER.email)).toEqual([]);
	});

	it('refuses to turn a security notice off (TN290)', async () => {
		await expect(
			runWithClaims(db, VIEWER, (trx) =>
				savePreferences(trx, VIEWER.sub, [
					{ kind: 'security.new_sign_in', channel: 'email', enabled: false, digest: 'off' }
				])
			)
		).rejects.toMatchObject({ code: 'TN290' });
	});

	it('sends the security notices through the real auth provider, whatever else is off', async () => {
		const everythingOff = (
			await sql<{
				kind: string;
			}>`select kind from public.notification_kinds where not locked`.execute(db)
		).rows.flatMap(({ kind }) =>
			(['in_app', 'email'] as const).map((channel) => ({
				kind,
				channel,
				enabled: false,
				digest: 'off' as const
			}))
		);
		await runWithClaims(db, VIEWER, (trx) => savePreferences(trx, VIEWER.sub, everythingOff));
		const device = { userAgent: 'Firefox on Linux', ip: '192.0.2.10' };
		await auth.signIn(VIEWER.email, PASSWORD, device);
		await auth.signIn(VIEWER.email, PASSWORD, device);
		expect(await inbox(VIEWER.sub, 'security.new_sign_in')).toEqual([]);
		const session = await auth.signIn(VIEWER.email, PASSWORD, {
			userAgent: 'Safari on iOS',
			ip: '198.51.100.20'
		});
		const [notice] = await inbox(VIEWER.sub, 'security.new_sign_in');
		expect(notice?.body).toContain('Safari on iOS, from 198.51.100.20');

		let claims = await auth.verifyAccessToken(session.accessToken);
		const enrolment = await auth.enrolTotp(claims, 'Phone');
		const verified = await auth.verifyTotpEnrolment(
			claims,
			enrolment.factorId,
			totpCode(enrolment.secret)
		);
		claims = await auth.verifyAccessToken(verified.session.accessToken);
		await auth.unenrolTotp(claims, enrolment.factorId);
		expect((await inbox(VIEWER.sub, 'security.mfa_removed'))[0]?.body).toContain(
			'"Phone" was removed'
		);

		await auth.changePassword(claims, PASSWORD, 'Brand-New-Password-42');
		expect(await inbox(VIEWER.sub, 'security.password_changed')).toHaveLength(1);

		await runFanOut(db, PUBLIC_URL);
		await sender.drainAll();
		const subjects = catcher.messages(VIEWER.email).map((m) => m.subject);
		expect(subjects).toEqual(
			expect.arrayContaining([
				'New sign-in from a new device or address',
				'Two-factor authentication removed',
				'Password changed'
			])
		);
	});

	it('renders emails in the tenant’s branding, HTML and text, delivered to the catcher', async () => {
		await sql`update public.tenants set branding = '{"primary_color": "#0a7d5a"}' where id = ${ACME}::uuid`.execute(
			db
		);
		await publish('invoice.payment_failed', {
			summary: 'Invoice INV-7 <for> 49.00 USD could not be charged.'
		});
		expect((await runFanOut(db, PUBLIC_URL)).emails).toBeGreaterThanOrEqual(1);
		await sender.drainAll();
		const [mail] = catcher
			.messages(OWNER.email)
			.filter((m) => m.subject === 'Payment failed · Acme Inc');
		expect(mail, 'the payment failure reached the owner').toBeDefined();
		expect(mail!.text).toContain('Invoice INV-7 <for> 49.00 USD could not be charged.');
		expect(mail!.text).toContain('Open it: https://app.example.test/t/acme/billing');
		expect(mail!.html).toContain('border-top:4px solid #0a7d5a');
		expect(mail!.html).toContain('Invoice INV-7 &lt;for&gt; 49.00 USD');
		expect(mail!.html).not.toContain('<for>');
		expect(mail!.links).toContain('https://app.example.test/t/acme/billing');
		expect(mail!.links).toContain('https://app.example.test/account/notifications');
	});

	it('gathers digest kinds into one daily email', async () => {
		await runWithClaims(db, OWNER, (trx) =>
			savePreferences(trx, OWNER.sub, [
				{ kind: 'invitation.created', channel: 'email', enabled: true, digest: 'daily' }
			])
		);
		await publish('invitation.created', { email: 'one@example.test' });
		await publish('invitation.created', { email: 'two@example.test' });
		await runFanOut(db, PUBLIC_URL);
		await sender.drainAll();
		expect(
			catcher.messages(OWNER.email).filter((m) => m.subject.startsWith('Invitation sent'))
		).toEqual([]);
		expect(await sendDigests(db, PUBLIC_URL)).toBe(1);
		expect(await sendDigests(db, PUBLIC_URL)).toBe(0);
		await sender.drainAll();
		const [digest] = catcher
			.messages(OWNER.email)
			.filter((m) => m.subject.startsWith('Daily digest'));
		expect(digest?.subject).toBe('Daily digest: 2 notifications from Acme Inc');
		expect(digest?.text).toContain('- Invitation sent: one@example.test');
		expect(digest?.html).toContain('two@example.test');
	});

	it('queues nothing for a mail claim that fails: the rows wait for the next pass', async () => {
		await publish('subscription.past_due');
		await fanOutEvents(db);
		await expect(
			runAsServiceRole(db, 'notifications.fan_out', async (trx) => {
				await sql`select * from private.claim_notification_mail(100)`.execute(trx);
				throw new Error('rendering died');
			})
		).rejects.toThrow('rendering died');
		expect(await sendNotificationMail(db, PUBLIC_URL)).toBeGreaterThanOrEqual(1);
	});
});
