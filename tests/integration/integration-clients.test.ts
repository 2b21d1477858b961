/**
 * The GitHub and Slack clients (src/lib/server/integrations/github.ts, slack-api.ts) against the
 * local fakes of their APIs (tests/support/fakes): pagination by Link header and by cursor, rate
 * limits waited for or reported with when to retry, refusals in sentences.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitHubClient, nextLink } from '../../src/lib/server/integrations/github';
import { IntegrationError, RateLimitedError } from '../../src/lib/server/integrations/http';
import { SlackClient } from '../../src/lib/server/integrations/slack-api';
import { startGitHubFake, type GitHubFake } from '../support/fakes/github';
import { startSlackFake, type SlackFake } from '../support/fakes/slack';

describe('GitHub client', () => {
	let github: GitHubFake;
	beforeAll(async () => {
		github = await startGitHubFake();
	});
	afterAll(() => github.close());
	beforeEach(() => {
		github.tokens = new Map([['ghp_good', 'octo']]);
		github.repos = Array.from({ length: 230 }, (_, i) => ({
			id: i + 1,
			name: `repo-${String(i).padStart(3, '0')}`,
			owner: i < 30 ? 'acme' : 'octo',
			private: i % 2 === 0
		}));
		github.rateLimit = {
			limit: 5000,
			remaining: 5000,
			resetAt: Math.floor(Date.now() / 1000) + 3600
		};
		github.failNext = 0;
		github.requests.length = 0;
	});

	it('reads the Link header', () => {
		expect(nextLink('<https://x/y?page=2>; rel="next", <https://x/y?page=3>; rel="last"')).toBe(
			'https://x/y?page=2'
		);
		expect(
			nextLink('<https://x/y?page=1>; rel="first", <https://x/y?page=1>; rel="prev"')
		).toBeNull();
		expect(nextLink(null)).toBeNull();
	});

	it('names the token’s user', async () => {
		const client = new GitHubClient({ baseUrl: github.url, token: 'ghp_good' });
		expect(await client.user()).toEqual({ login: 'octo', id: 1 });
		expect(github.requests[0]?.authorization).toBe('Bearer ghp_good');
	});

	it('follows every page of the repositories', async () => {
		const repos = await new GitHubClient({ baseUrl: github.url, token: 'ghp_good' }).repos();
		expect(repos).toHaveLength(230);
		expect(new Set(repos.map((r) => r.id)).size).toBe(230);
		expect(github.requests.map((r) => r.path)).toEqual([
			'/user/repos?per_page=100&sort=full_name',
			'/user/repos?per_page=100&sort=full_name&page=2',
			'/user/repos?per_page=100&sort=full_name&page=3'
		]);
		expect(repos[0]).toMatchObject({
			full_name: 'acme/repo-000',
			private: true,
			default_branch: 'main'
		});
	});

	it('lists an organisation’s repositories, and says when it has none', async () => {
		const client = new GitHubClient({ baseUrl: github.url, token: 'ghp_good' });
		expect(await client.repos('acme')).toHaveLength(30);
		await expect(client.repos('nobody')).rejects.toThrow(/GitHub answered 404 \(Not Found\)/);
	});

	it('refuses a bad token in words, not retryable', async () => {
		const error = await new GitHubClient({ baseUrl: github.url, token: 'ghp_bad' })
			.user()
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(IntegrationError);
		expect((error as IntegrationError).message).toBe(
			'GitHub refused the token (Bad credentials): check it is valid and not expired.'
		);
		expect((error as IntegrationError).retryable).toBe(false);
	});

	it('waits for a rate limit that resets soon, and goes on', async () => {
		const resetAt = Math.floor(Date.now() / 1000) + 1;
		github.rateLimit = { limit: 5000, remaining: 1, resetAt };
		const repos = await new GitHubClient({
			baseUrl: github.url,
			token: 'ghp_good',
			maxWaitMs: 5000
		}).repos();
		expect(repos).toHaveLength(230);
		expect(Date.now()).toBeGreaterThanOrEqual(resetAt * 1000);
		// page 1, the 403 of page 2, page 2 again after the reset, page 3
		expect(github.requests).toHaveLength(4);
	});

	it('reports a rate limit that resets later, with when', async () => {
		const resetAt = Math.floor(Date.now() / 1000) + 1800;
		github.rateLimit = { limit: 5000, remaining: 0, resetAt };
		const error = await new GitHubClient({ baseUrl: github.url, token: 'ghp_good' })
			.repos()
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(RateLimitedError);
		expect((error as RateLimitedError).retryAt.getTime()).toBe(resetAt * 1000);
		expect((error as RateLimitedError).retryable).toBe(true);
	});

	it('calls a 5xx retryable and an unreachable API too', async () => {
		github.failNext = 1;
		const error = await new GitHubClient({ baseUrl: github.url, token: 'ghp_good' })
			.user()
			.catch((e: unknown) => e);
		expect((error as IntegrationError).message).toBe('GitHub answered 502 (Server Error).');
		expect((error as IntegrationError).retryable).toBe(true);
		const down = await new GitHubClient({ baseUrl: 'http://127.0.0.1:9', token: 'x' })
			.user()
			.catch((e: unknown) => e);
		expect((down as IntegrationError).message).toMatch(/^GitHub could not be reached \(/);
		expect((down as IntegrationError).retryable).toBe(true);
	});
});

describe('Slack client', () => {
	let slack: SlackFake;
	beforeAll(async () => {
		slack = await startSlackFake();
	});
	afterAll(() => slack.close());
	beforeEach(() => {
		slack.token = 'xoxb-good';
		slack.channels = Array.from({ length: 450 }, (_, i) => ({
			id: `C${String(i).padStart(6, '0')}`,
			name: `channel-${i}`,
			is_private: i % 10 === 0
		}));
		slack.rateLimit = { next: 0, retryAfter: 1 };
		slack.failNext = 0;
		slack.messages.length = 0;
		slack.requests.length = 0;
	});

	it('answers auth.test with the workspace', async () => {
		const auth = await new SlackClient({ baseUrl: slack.url, token: 'xoxb-good' }).authTest();
		expect(auth).toMatchObject({
			team_id: 'T0FAKE01',
			team: 'Acme Fake',
			url: 'https://acme-fake.slack.com/'
		});
	});

	it('follows the cursor through every channel', async () => {
		const channels = await new SlackClient({ baseUrl: slack.url, token: 'xoxb-good' }).channels();
		expect(channels).toHaveLength(450);
		expect(channels.filter((c) => c.is_private)).toHaveLength(45);
		expect(slack.requests.map((r) => r.method)).toEqual([
			'conversations.list',
			'conversations.list',
			'conversations.list'
		]);
	});

	it('waits out a short Retry-After and reports a long one', async () => {
		slack.rateLimit = { next: 1, retryAfter: 1 };
		const started = Date.now();
		const client = new SlackClient({ baseUrl: slack.url, token: 'xoxb-good', maxWaitMs: 2000 });
		expect((await client.authTest()).team_id).toBe('T0FAKE01');
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);

		slack.rateLimit = { next: 1, retryAfter: 30 };
		const error = await client.authTest().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(RateLimitedError);
		expect((error as RateLimitedError).retryAt.getTime()).toBeGreaterThan(Date.now() + 25_000);
	});

	it('turns ok:false into a sentence with Slack’s code', async () => {
		const bad = await new SlackClient({ baseUrl: slack.url, token: 'xoxb-bad' })
			.authTest()
			.catch((e: unknown) => e);
		expect(bad).toMatchObject({
			code: 'invalid_auth',
			retryable: false,
			message: 'Slack refused the token (invalid_auth): check the bot token (xoxb-…).'
		});
		const client = new SlackClient({ baseUrl: slack.url, token: 'xoxb-good' });
		await expect(client.postMessage('C999999', 'hi')).rejects.toMatchObject({
			code: 'channel_not_found'
		});
		const outside = slack.channels[1]!;
		outside.is_member = false;
		await expect(client.postMessage(outside.id, 'hi')).rejects.toMatchObject({
			code: 'not_in_channel',
			message: 'The bot is not in that channel (not_in_channel): invite it first.'
		});
		slack.failNext = 1;
		await expect(client.authTest()).rejects.toMatchObject({
			retryable: true,
			message: 'Slack answered 500 to auth.test.'
		});
	});

	it('posts a message and gets its ts', async () => {
		const client = new SlackClient({ baseUrl: slack.url, token: 'xoxb-good' });
		const posted = await client.postMessage('C000001', 'Deploy finished');
		expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
		expect(slack.messages).toEqual([
			{ channel: 'C000001', text: 'Deploy finished', ts: posted.ts }
		]);
	});
});
