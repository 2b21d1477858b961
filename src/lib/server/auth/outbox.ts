/**
 * The email outbox (`private.email_outbox`): messages are queued in the transaction that creates
 * what they announce; the `email.send` job (../email/sender.ts) sends them from there over SMTP.
 * Links in them are built on PUBLIC_URL by whoever queues them, never on a request's host.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';

export interface OutgoingEmail {
	to: string;
	template: string;
	subject: string;
	bodyText: string;
	payload?: Record<string, unknown>;
}

export interface OutboxEmail {
	id: string;
	toAddress: string;
	template: string;
	subject: string;
	bodyText: string;
	payload: Record<string, unknown>;
	createdAt: Date;
	sentAt: Date | null;
	status: 'pending' | 'sending' | 'sent' | 'dead';
	attempts: number;
	messageId: string | null;
	lastError: string | null;
}

/** Queues an email in the caller's transaction (which must run as service_role). */
export async function queueEmail(trx: Transaction<DB>, email: OutgoingEmail): Promise<void> {
	await sql`insert into private.email_outbox (to_address, template, subject, body_text, payload)
		values (${email.to}, ${email.template}, ${email.subject}, ${email.bodyText},
		        ${JSON.stringify(email.payload ?? {})}::jsonb)`.execute(trx);
}

/** The latest `limit` emails with their sending state, newest first (what tests read). */
export async function listOutbox(db: Kysely<DB>, limit = 50): Promise<OutboxEmail[]> {
	const rows = await runAsServiceRole(db, 'email.send', (trx) =>
		sql<OutboxEmail>`select id, to_address as "toAddress", template, subject, body_text as "bodyText",
		       payload, created_at as "createdAt", sent_at as "sentAt", status, attempts,
		       message_id as "messageId", last_error as "lastError"
		  from private.email_outbox
		 order by created_at desc, id
		 limit ${Math.max(1, Math.min(limit, 500))}`.execute(trx)
	);
	return rows.rows;
}
