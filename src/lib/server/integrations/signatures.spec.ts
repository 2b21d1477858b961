import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
	signGitHub,
	signSlack,
	verifyGitHub,
	verifySlack,
	verifyStandardWebhook
} from './signatures';

const body = '{"action":"opened","number":7}';

describe('GitHub X-Hub-Signature-256', () => {
	const secret = 'It’s a Secret to Everybody';
	it('matches GitHub’s documented example', () => {
		// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
		expect(signGitHub("It's a Secret to Everybody", 'Hello, World!')).toBe(
			'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'
		);
	});
	it('accepts the right signature and refuses a forged, a missing or another body’s', () => {
		const good = new Headers({ 'x-hub-signature-256': signGitHub(secret, body) });
		expect(verifyGitHub(secret, body, good)).toEqual({ ok: true });
		expect(verifyGitHub('another secret', body, good).ok).toBe(false);
		expect(verifyGitHub(secret, body + ' ', good).ok).toBe(false);
		expect(verifyGitHub(secret, body, new Headers())).toEqual({
			ok: false,
			reason: 'The X-Hub-Signature-256 header is missing.'
		});
		expect(verifyGitHub(secret, body, new Headers({ 'x-hub-signature-256': 'sha256=00' })).ok).toBe(
			false
		);
	});
});

describe('Slack v0 signing', () => {
	const secret = '8f742231b10e8888abcd99yyyzzz85a5';
	const now = Date.UTC(2026, 11, 1, 12, 0, 0);
	const ts = now / 1000;
	const headers = (at: number, signature = signSlack(secret, at, body)) =>
		new Headers({ 'x-slack-signature': signature, 'x-slack-request-timestamp': String(at) });

	it('matches Slack’s documented example', () => {
		// https://api.slack.com/authentication/verifying-requests-from-slack
		const example =
			'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
		expect(signSlack(secret, 1531420618, example)).toBe(
			'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503'
		);
	});
	it('accepts a fresh signed request', () => {
		expect(verifySlack(secret, body, headers(ts), now)).toEqual({ ok: true });
		expect(verifySlack(secret, body, headers(ts - 299), now)).toEqual({ ok: true });
	});
	it('refuses forged, stale, replayed-late and future requests', () => {
		expect(verifySlack('wrongsecret0000000000000000000000', body, headers(ts), now).ok).toBe(false);
		expect(verifySlack(secret, body, headers(ts, 'v0=' + '0'.repeat(64)), now).ok).toBe(false);
		const stale = verifySlack(secret, body, headers(ts - 301), now);
		expect(stale).toEqual({
			ok: false,
			reason: 'X-Slack-Request-Timestamp is more than 5 minutes off: a replay or a stale request.'
		});
		expect(verifySlack(secret, body, headers(ts + 301), now).ok).toBe(false);
		// A signature made for another timestamp does not fit this one.
		expect(verifySlack(secret, body, headers(ts, signSlack(secret, ts - 10, body)), now).ok).toBe(
			false
		);
		expect(
			verifySlack(secret, body, new Headers({ 'x-slack-request-timestamp': String(ts) }), now).ok
		).toBe(false);
		expect(verifySlack(secret, body, headers(Number.NaN), now).ok).toBe(false);
	});
});

describe('Standard Webhooks', () => {
	const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
	const signed = (id: string, at: Date, payload = body, key = secret) =>
		new Headers({
			'webhook-id': id,
			'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
			'webhook-signature': new Webhook(key).sign(id, at, payload)
		});

	it('accepts what the reference library signs', () => {
		expect(verifyStandardWebhook(secret, body, signed('msg_1', new Date()))).toEqual({ ok: true });
	});
	it('refuses a forged, a stale and an unsigned one', () => {
		const other = 'whsec_' + Buffer.from('fedcba9876543210fedcba9876543210').toString('base64');
		expect(verifyStandardWebhook(secret, body, signed('msg_1', new Date(), body, other)).ok).toBe(
			false
		);
		expect(verifyStandardWebhook(secret, '{}', signed('msg_1', new Date())).ok).toBe(false);
		expect(
			verifyStandardWebhook(secret, body, signed('msg_1', new Date(Date.now() - 10 * 60_000))).ok
		).toBe(false);
		expect(verifyStandardWebhook(secret, body, new Headers()).ok).toBe(false);
	});
});
