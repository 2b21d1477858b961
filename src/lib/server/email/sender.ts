/**
 * The `email.send` system job: drains `private.email_outbox` through SMTP (nodemailer, SMTP_URL),
 * at least once. Each pass claims due rows for a lease (`private.claim_email_outbox`, FOR UPDATE
 * SKIP LOCKED, so several app instances never send one row twice at a time), sends them outside
 * any transaction, and records each outcome: sent, or failed with an exponential backoff, or dead
 * after EMAIL_MAX_ATTEMPTS. A sender that dies mid-send leaves its rows leased; once the lease
 * expires a later pass takes them again. Every attempt of a row carries the same Message-ID,
 * `<outbox id@host of PUBLIC_URL>`, so a message delivered twice is recognisable as one.
 */
import { sql, type Kysely } from 'kysely';
import { createTransport, type Transporter } from 'nodemailer';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';

/** The auth mail the embedded provider queues; Supabase Auth sends its own in the Supabase profile. */
export const AUTH_TEMPLATES = ['confirm_signup', 'already_registered', 'reset_password'] as const;

export interface SenderOptions {
	/** SMTP_URL: smtp://user:password@host:587, smtps:// for TLS from the first byte. */
	smtpUrl: string;
	/** EMAIL_FROM: the From header. */
	from: string;
	/** PUBLIC_URL: rows that carry a path (billing notices) link to it; its host names Message-IDs. */
	publicUrl: string;
	/** EMAIL_MAX_ATTEMPTS: attempts before a row is a dead letter. */
	maxAttempts: number;
	/** EMAIL_RETRY_BASE_MS: the first retry's delay; each next one doubles, up to `retryMaxMs`. */
	retryBaseMs: number;
	retryMaxMs?: number;
	/** How long a claim holds its rows; by default a minute per row, more than a send can take. */
	leaseMs?: number;
	/** Rows claimed per pass. */
	batchSize?: number;
	/** Templates this sender leaves alone (sent by someone else). */
	excludeTemplates?: readonly string[];
}

export interface ClaimedEmail {
	id: string;
	toAddress: string;
	template: string;
	subject: string;
	bodyText: string;
	payload: Record<string, unknown>;
	messageId: string;
	attempts: number;
	claimToken: string;
}

export interface SendReport {
	sent: number;
	retried: number;
	dead: number;
	/** Sent, but the claim had expired and been taken again: the row is another pass's now. */
	stale: number;
}

export interface ClaimOptions {
	limit: number;
	leaseMs: number;
	maxAttempts: number;
	/** The host in `<id@host>` Message-IDs. */
	messageDomain: string;
	excludeTemplates?: readonly string[];
}

const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
/** Per claimed row: more than one send can take with the timeouts above. */
const LEASE_PER_ROW_MS = 60_000;
/** A relative link a row may carry (billing notices' `payload.path`). */
const SAFE_PATH = /^\/[A-Za-z0-9/_.-]*$/;

/** Claims up to `limit` due rows for `leaseMs` (also re-taking rows whose lease expired). */
export async function claimEmails(db: Kysely<DB>, options: ClaimOptions): Promise<ClaimedEmail[]> {
	const { rows } = await runAsServiceRole(db, 'email.send', (trx) =>
		sql<ClaimedEmail>`select id, to_address as "toAddress", template, subject, body_text as "bodyText",
		       payload, message_id as "messageId", attempts, claim_token as "claimToken"
		  from private.claim_email_outbox(${options.limit}, ${options.leaseMs}, ${options.maxAttempts},
		       ${options.messageDomain}, ${[...(options.excludeTemplates ?? [])]}::text[])`.execute(trx)
	);
	return rows;
}

/** Marks a claimed row sent; false when its claim is no longer the current one. */
export async function completeEmail(db: Kysely<DB>, email: ClaimedEmail): Promise<boolean> {
	const { rows } = await runAsServiceRole(db, 'email.send', (trx) =>
		sql<{
			ok: boolean;
		}>`select private.complete_email_outbox(${email.id}::uuid, ${email.claimToken}::uuid) as ok`.execute(
			trx
		)
	);
	return rows[0]?.ok === true;
}

/** Records a failed attempt: the row's new status ('pending' or 'dead'), null for a stale claim. */
export async function failEmail(
	db: Kysely<DB>,
	email: ClaimedEmail,
	error: string,
	retry: { maxAttempts: number; retryBaseMs: number; retryMaxMs: number }
): Promise<'pending' | 'dead' | null> {
	const { rows } = await runAsServiceRole(db, 'email.send', (trx) =>
		sql<{ status: 'pending' | 'dead' | null }>`select private.fail_email_outbox(
			${email.id}::uuid, ${email.claimToken}::uuid, ${error}, ${retry.maxAttempts},
			${retry.retryBaseMs}, ${retry.retryMaxMs}) as status`.execute(trx)
	);
	return rows[0]?.status ?? null;
}

/** The plain-text body as sent: the row's text, and its billing page on PUBLIC_URL when it names one. */
export function renderBody(email: Pick<ClaimedEmail, 'bodyText' | 'payload'>, publicUrl: string) {
	const path = email.payload?.path;
	if (typeof path !== 'string' || !SAFE_PATH.test(path)) return email.bodyText;
	return `${email.bodyText}\n\nOpen it in Tenantry: ${publicUrl.replace(/\/+$/, '')}${path}\n`;
}

/** One line for logs and `last_error`: nodemailer's message with its SMTP response code. */
function reasonOf(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	const code = (error as { responseCode?: number }).responseCode;
	return code ? `${code}: ${error.message}` : error.message;
}

/** A permanent SMTP refusal (RFC 5321 5yz), as opposed to a transient 4yz or a lost connection. */
function isPermanent(error: unknown): boolean {
	const code = (error as { responseCode?: number } | null)?.responseCode;
	return typeof code === 'number' && code >= 500 && code < 600;
}

export class EmailSender {
	private readonly transport: Transporter;
	private readonly messageDomain: string;
	private readonly retry: { maxAttempts: number; retryBaseMs: number; retryMaxMs: number };

	constructor(
		private readonly db: Kysely<DB>,
		private readonly options: SenderOptions,
		private readonly log: (line: string) => void = () => {}
	) {
		this.transport = createTransport({ url: options.smtpUrl, ...SMTP_TIMEOUTS });
		this.messageDomain = new URL(options.publicUrl).hostname;
		this.retry = {
			maxAttempts: options.maxAttempts,
			retryBaseMs: options.retryBaseMs,
			retryMaxMs: Math.max(options.retryBaseMs, options.retryMaxMs ?? 3_600_000)
		};
	}

	/** One pass: claims a batch, sends it, records every outcome. */
	async drain(): Promise<SendReport> {
		const report: SendReport = { sent: 0, retried: 0, dead: 0, stale: 0 };
		const limit = this.options.batchSize ?? 10;
		const batch = await claimEmails(this.db, {
			limit,
			leaseMs: this.options.leaseMs ?? limit * LEASE_PER_ROW_MS,
			maxAttempts: this.options.maxAttempts,
			messageDomain: this.messageDomain,
			excludeTemplates: this.options.excludeTemplates
		});
		for (const email of batch) {
			try {
				await this.transport.sendMail({
					from: this.options.from,
					to: email.toAddress,
					subject: email.subject,
					text: renderBody(email, this.options.publicUrl),
					// Notification emails carry their HTML part (notifications/templates.ts).
					html: typeof email.payload?.html === 'string' ? email.payload.html : undefined,
					messageId: email.messageId,
					headers: { 'Auto-Submitted': 'auto-generated' }
				});
			} catch (error) {
				const reason = reasonOf(error);
				// A 5xx reply is the server's final word (no such mailbox, refused): no retry makes it
				// deliverable, so the row is dead now. 4xx and network failures are retried.
				const retry = isPermanent(error) ? { ...this.retry, maxAttempts: 1 } : this.retry;
				const status = await failEmail(this.db, email, reason, retry);
				if (status === 'dead') {
					report.dead++;
					this.log(
						`email.send: gave up on ${email.messageId} (${email.template}) after ${email.attempts} attempts: ${reason}`
					);
				} else if (status === 'pending') report.retried++;
				else report.stale++;
				continue;
			}
			if (await completeEmail(this.db, email)) report.sent++;
			else report.stale++;
		}
		return report;
	}

	/** Drains until a pass claims nothing (tests, and a final flush); returns the sum. */
	async drainAll(maxPasses = 100): Promise<SendReport> {
		const total: SendReport = { sent: 0, retried: 0, dead: 0, stale: 0 };
		for (let pass = 0; pass < maxPasses; pass++) {
			const report = await this.drain();
			for (const key of Object.keys(total) as (keyof SendReport)[]) total[key] += report[key];
			if (report.sent + report.retried + report.dead + report.stale === 0) break;
		}
		return total;
	}

	close(): void {
		this.transport.close();
	}
}
