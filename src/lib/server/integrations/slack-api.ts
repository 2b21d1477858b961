/**
 * Slack's Web API (https://api.slack.com/web), the methods integrations use: `auth.test` (the
 * connection test), `conversations.list` (cursor pagination by `response_metadata.next_cursor`),
 * `conversations.info` and `chat.postMessage`. The base URL is SLACK_API_URL (tests point it at
 * tests/support/fakes/slack.ts).
 *
 * Slack answers HTTP 200 with `{ "ok": false, "error": "<code>" }` for a refused call: that is an
 * IntegrationError with the code. A 429 carries `Retry-After` (seconds): waited for when at most
 * `maxWaitMs`, a RateLimitedError otherwise.
 */
import { IntegrationError, RateLimitedError, jsonBody, request, sleep } from './http';

export interface SlackAuth {
	team_id: string;
	team: string;
	url: string;
	user_id: string;
	bot_id?: string;
}

export interface SlackChannel {
	id: string;
	name: string;
	is_private: boolean;
	is_archived: boolean;
	num_members?: number;
}

export interface SlackClientOptions {
	baseUrl: string;
	token: string;
	maxWaitMs?: number;
	maxPages?: number;
}

const PROVIDER = 'Slack';

/** Slack's error codes a page can explain better than the code itself. */
const SLACK_ERRORS: Record<string, string> = {
	invalid_auth: 'Slack refused the token (invalid_auth): check the bot token (xoxb-…).',
	not_authed: 'Slack got no token (not_authed).',
	account_inactive: 'The Slack token belongs to a deleted user or workspace (account_inactive).',
	token_revoked: 'The Slack token was revoked (token_revoked): install the app again.',
	missing_scope: 'The Slack token lacks a scope this needs (missing_scope).',
	channel_not_found: 'Slack has no such channel, or the bot cannot see it (channel_not_found).',
	not_in_channel: 'The bot is not in that channel (not_in_channel): invite it first.',
	is_archived: 'That Slack channel is archived (is_archived).'
};

/** Codes no retry can fix. */
const PERMANENT = new Set([
	...Object.keys(SLACK_ERRORS),
	'invalid_arguments',
	'msg_too_long',
	'no_text'
]);

export class SlackClient {
	private readonly baseUrl: string;
	private readonly maxWaitMs: number;
	private readonly maxPages: number;

	constructor(private readonly options: SlackClientOptions) {
		this.baseUrl = options.baseUrl.replace(/\/+$/, '');
		this.maxWaitMs = options.maxWaitMs ?? 10_000;
		this.maxPages = options.maxPages ?? 50;
	}

	async authTest(): Promise<SlackAuth> {
		return (await this.call('auth.test', 'POST', {})) as unknown as SlackAuth;
	}

	/** Every public and private channel the bot sees, following next_cursor. */
	async channels(): Promise<SlackChannel[]> {
		const channels: SlackChannel[] = [];
		let cursor = '';
		for (let page = 0; ; page++) {
			if (page === this.maxPages) {
				throw new IntegrationError(
					`Slack lists more than ${this.maxPages} pages of channels.`,
					false
				);
			}
			const body = await this.call('conversations.list', 'GET', {
				types: 'public_channel,private_channel',
				limit: '200',
				...(cursor ? { cursor } : {})
			});
			if (!Array.isArray(body.channels)) {
				throw new IntegrationError('Slack answered conversations.list without channels.', false);
			}
			channels.push(...(body.channels as SlackChannel[]));
			cursor = String(
				(body.response_metadata as { next_cursor?: string } | undefined)?.next_cursor ?? ''
			);
			if (!cursor) return channels;
		}
	}

	async channel(id: string): Promise<SlackChannel> {
		const body = await this.call('conversations.info', 'GET', { channel: id });
		return body.channel as SlackChannel;
	}

	/** chat.postMessage: the message's `ts`. */
	async postMessage(channel: string, text: string): Promise<{ ts: string; channel: string }> {
		const body = await this.call('chat.postMessage', 'POST', { channel, text });
		return { ts: String(body.ts), channel: String(body.channel) };
	}

	private async call(
		method: string,
		verb: 'GET' | 'POST',
		params: Record<string, string>,
		retried = false
	): Promise<Record<string, unknown>> {
		const headers = { authorization: `Bearer ${this.options.token}` };
		const response =
			verb === 'GET'
				? await request(PROVIDER, `${this.baseUrl}/${method}?${new URLSearchParams(params)}`, {
						headers
					})
				: await request(PROVIDER, `${this.baseUrl}/${method}`, {
						method: 'POST',
						headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
						body: JSON.stringify(params)
					});
		if (response.status === 429) {
			await response.body?.cancel();
			const seconds = Number(response.headers.get('retry-after') ?? '60');
			const wait = (Number.isFinite(seconds) ? seconds : 60) * 1000;
			if (!retried && wait <= this.maxWaitMs) {
				await sleep(wait);
				return this.call(method, verb, params, true);
			}
			throw new RateLimitedError(PROVIDER, new Date(Date.now() + wait));
		}
		if (!response.ok) {
			await response.body?.cancel();
			throw new IntegrationError(
				`Slack answered ${response.status} to ${method}.`,
				response.status >= 500,
				String(response.status)
			);
		}
		const body = (await jsonBody(PROVIDER, response)) as Record<string, unknown>;
		if (body?.ok !== true) {
			const code = typeof body?.error === 'string' ? body.error : 'unknown_error';
			throw new IntegrationError(
				SLACK_ERRORS[code] ?? `Slack refused ${method} (${code}).`,
				!PERMANENT.has(code),
				code
			);
		}
		return body;
	}
}
