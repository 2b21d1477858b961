/**
 * The notification jobs (SYSTEM_JOBS, as service_role):
 *
 * - `notifications.fan_out`: claims queued events (private.fan_out_notifications: FOR UPDATE SKIP
 *   LOCKED, one inbox row and one mail per person and event, so retries and concurrent runs write
 *   nothing twice), wakes the open bells of the people it wrote to, then renders the queued
 *   notification mail (private.claim_notification_mail) and puts it in the email outbox in the same
 *   transaction as the claim — the `email.send` job delivers it.
 * - `notifications.digest`: one email per person and organisation with the items of the people
 *   whose daily digest is due (private.claim_notification_digests).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { queueEmail } from '../auth/outbox';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';
import { wake } from './live';
import { renderDigestEmail, renderNotificationEmail, type MailItem } from './templates';

interface MailRow {
	id: string;
	user_id?: string;
	to_address: string;
	kind: string;
	title: string;
	body: string;
	link: string | null;
	created_at: Date;
	tenant_id: string | null;
	tenant_name: string | null;
	branding: Record<string, unknown>;
}

export interface FanOutResult {
	/** Inbox rows written. */
	notified: number;
	/** Emails put in the outbox. */
	emails: number;
}

const BATCH = 100;

/** Fans out up to `limit` queued events; returns the people woken and their new rows. */
export async function fanOutEvents(db: Kysely<DB>, limit = BATCH): Promise<number> {
	const rows = await runAsServiceRole(db, 'notifications.fan_out', async (trx) => {
		const result = await sql<{ user_id: string; notifications: number }>`
			select user_id, notifications from private.fan_out_notifications(${limit}::integer)`.execute(trx);
		return result.rows;
	});
	wake(rows.map((r) => r.user_id));
	return rows.reduce((sum, r) => sum + Number(r.notifications), 0);
}

function itemOf(row: MailRow): MailItem {
	return { title: row.title, body: row.body, link: row.link, createdAt: new Date(row.created_at) };
}

async function queueRendered(
	trx: Transaction<DB>,
	to: string,
	template: string,
	rendered: { subject: string; text: string; html: string },
	payload: Record<string, unknown>
) {
	await queueEmail(trx, {
		to,
		template,
		subject: rendered.subject.slice(0, 998),
		bodyText: rendered.text,
		payload: { ...payload, html: rendered.html }
	});
}

/** Renders and queues up to `limit` notification emails; returns how many. */
export async function sendNotificationMail(
	db: Kysely<DB>,
	publicUrl: string,
	limit = BATCH
): Promise<number> {
	return runAsServiceRole(db, 'notifications.fan_out', async (trx) => {
		const { rows } = await sql<MailRow>`
			select id, to_address, kind, title, body, link, created_at, tenant_id, tenant_name, branding
			  from private.claim_notification_mail(${limit}::integer)`.execute(trx);
		for (const row of rows) {
			const rendered = renderNotificationEmail(
				itemOf(row),
				{ tenantName: row.tenant_name, branding: row.branding },
				publicUrl
			);
			await queueRendered(trx, row.to_address, 'notification', rendered, {
				kind: row.kind,
				tenant_id: row.tenant_id
			});
		}
		return rows.length;
	});
}

/** One pass of the fan-out job: events to inboxes, then mail to the outbox. */
export async function runFanOut(db: Kysely<DB>, publicUrl: string): Promise<FanOutResult> {
	const notified = await fanOutEvents(db);
	const emails = await sendNotificationMail(db, publicUrl);
	return { notified, emails };
}

/** Sends the digests due at `now`: one email per person and organisation; returns how many. */
export async function sendDigests(db: Kysely<DB>, publicUrl: string, now?: Date): Promise<number> {
	return runAsServiceRole(db, 'notifications.digest', async (trx) => {
		const { rows } = await sql<MailRow>`
			select user_id, to_address, kind, title, body, link, created_at, tenant_id, tenant_name, branding
			  from private.claim_notification_digests(coalesce(${now ?? null}::timestamptz, now()))`.execute(
			trx
		);
		const groups = new Map<string, MailRow[]>();
		for (const row of rows) {
			const key = `${row.user_id}:${row.tenant_id ?? ''}`;
			groups.set(key, [...(groups.get(key) ?? []), row]);
		}
		for (const group of groups.values()) {
			const first = group[0]!;
			const rendered = renderDigestEmail(
				group.map(itemOf),
				{ tenantName: first.tenant_name, branding: first.branding },
				publicUrl
			);
			await queueRendered(trx, first.to_address, 'notification_digest', rendered, {
				tenant_id: first.tenant_id,
				items: group.length
			});
		}
		return groups.size;
	});
}

registerJob({
	name: 'notifications.fan_out',
	intervalMs: (config) => config.NOTIFICATIONS_FAN_OUT_INTERVAL_MS,
	run: (db, config) => runFanOut(db, config.PUBLIC_URL)
});

registerJob({
	name: 'notifications.digest',
	intervalMs: (config) => config.NOTIFICATIONS_DIGEST_INTERVAL_MS,
	run: (db, config) => sendDigests(db, config.PUBLIC_URL)
});
