/**
 * Inbound signatures, each as its provider specifies it. Every comparison is constant-time over
 * the raw body's bytes as they arrived (never a re-serialised JSON).
 *
 * - GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(webhook secret, body)>`
 *   (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries). GitHub sends
 *   no timestamp: a replay is stopped by the delivery id (X-GitHub-Delivery), recorded once.
 * - Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<ts>:<body>")>` with
 *   `X-Slack-Request-Timestamp: <ts>` at most 5 minutes from now
 *   (https://api.slack.com/authentication/verifying-requests-from-slack).
 * - Generic: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), checked by
 *   the `standardwebhooks` package, which refuses a timestamp more than 5 minutes off.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Slack's replay window, in seconds. */
export const SLACK_REPLAY_WINDOW_SECONDS = 300;

function hmacHex(secret: string, data: string): string {
	return createHmac('sha256', secret).update(data, 'utf8').digest('hex');
}

function sameText(a: string, b: string): boolean {
	const left = Buffer.from(a, 'utf8');
	const right = Buffer.from(b, 'utf8');
	return left.length === right.length && timingSafeEqual(left, right);
}

/** The `X-Hub-Signature-256` header GitHub sends for `body`. */
export function signGitHub(secret: string, body: string): string {
	return `sha256=${hmacHex(secret, body)}`;
}

export function verifyGitHub(secret: string, body: string, headers: Headers): Verdict {
	const signature = headers.get('x-hub-signature-256');
	if (!signature) return { ok: false, reason: 'The X-Hub-Signature-256 header is missing.' };
	if (!sameText(signature, signGitHub(secret, body))) {
		return { ok: false, reason: 'The X-Hub-Signature-256 signature does not match the body.' };
	}
	return { ok: true };
}

/** The `X-Slack-Signature` header Slack sends for `body` at `timestamp` (epoch seconds). */
export function signSlack(secret: string, timestamp: number, body: string): string {
	return `v0=${hmacHex(secret, `v0:${timestamp}:${body}`)}`;
}

export function verifySlack(
	secret: string,
	body: string,
	headers: Headers,
	now: number = Date.now()
): Verdict {
	const signature = headers.get('x-slack-signature');
	const timestamp = headers.get('x-slack-request-timestamp');
	if (!signature || !timestamp) {
		return {
			ok: false,
			reason: 'The X-Slack-Signature or X-Slack-Request-Timestamp header is missing.'
		};
	}
	if (!/^\d{1,12}$/.test(timestamp)) {
		return { ok: false, reason: 'X-Slack-Request-Timestamp is not a time in seconds.' };
	}
	if (Math.abs(now / 1000 - Number(timestamp)) > SLACK_REPLAY_WINDOW_SECONDS) {
		return {
			ok: false,
			reason: 'X-Slack-Request-Timestamp is more than 5 minutes off: a replay or a stale request.'
		};
	}
	if (!sameText(signature, signSlack(secret, Number(timestamp), body))) {
		return { ok: false, reason: 'The X-Slack-Signature signature does not match the body.' };
	}
	return { ok: true };
}

export function verifyStandardWebhook(secret: string, body: string, headers: Headers): Verdict {
	const wanted = {
		'webhook-id': headers.get('webhook-id') ?? '',
		'webhook-timestamp': headers.get('webhook-timestamp') ?? '',
		'webhook-signature': headers.get('webhook-signature') ?? ''
	};
	if (!wanted['webhook-id'] || !wanted['webhook-timestamp'] || !wanted['webhook-signature']) {
		return {
			ok: false,
			reason: 'The webhook-id, webhook-timestamp or webhook-signature header is missing.'
		};
	}
	try {
		new Webhook(secret).verify(body, wanted);
		return { ok: true };
	} catch (error) {
		return {
			ok: false,
			reason: `The Standard Webhooks signature was refused: ${(error as Error).message}.`
		};
	}
}
