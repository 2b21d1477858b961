/**
 * GitHub's REST API (https://docs.github.com/en/rest), the few endpoints integrations use: who the
 * token is (`GET /user`) and the repositories it reaches (`GET /user/repos`, or
 * `GET /orgs/{org}/repos` when the integration names an organisation), page after page by the
 * `Link` header's `rel="next"`. The base URL is GITHUB_API_URL (tests point it at
 * tests/support/fakes/github.ts).
 *
 * Rate limits: a 403 or 429 with `X-RateLimit-Remaining: 0` waits for `X-RateLimit-Reset` (epoch
 * seconds) when that is at most `maxWaitMs` away and throws RateLimitedError otherwise; a
 * secondary limit's `Retry-After` (seconds) is honoured the same way. Other errors carry GitHub's
 * `message` in the sentence.
 */
import { IntegrationError, RateLimitedError, jsonBody, request, sleep } from './http';

export interface GitHubUser {
	login: string;
	id: number;
}

export interface GitHubRepo {
	id: number;
	name: string;
	full_name: string;
	private: boolean;
	html_url: string;
	default_branch: string;
	archived: boolean;
	pushed_at: string | null;
	owner: { login: string };
}

export interface GitHubClientOptions {
	baseUrl: string;
	token: string;
	/** The longest a call waits for a spent rate limit before giving up (default 10 s). */
	maxWaitMs?: number;
	/** At most this many pages of a list (default 50, 5000 repositories). */
	maxPages?: number;
}

const PROVIDER = 'GitHub';

/** The `rel="next"` URL of a Link header, or null. */
export function nextLink(link: string | null): string | null {
	if (!link) return null;
	for (const part of link.split(',')) {
		const match = /^\s*<([^>]+)>\s*;(.*)$/.exec(part);
		if (match?.[1] && /\brel="?([^"]*\s)?next(\s[^"]*)?"?/.test(match[2] ?? '')) return match[1];
	}
	return null;
}

export class GitHubClient {
	private readonly baseUrl: string;
	private readonly maxWaitMs: number;
	private readonly maxPages: number;

	constructor(private readonly options: GitHubClientOptions) {
		this.baseUrl = options.baseUrl.replace(/\/+$/, '');
		this.maxWaitMs = options.maxWaitMs ?? 10_000;
		this.maxPages = options.maxPages ?? 50;
	}

	/** GET /user: whom the token belongs to (the connection test). */
	async user(): Promise<GitHubUser> {
		const { body } = await this.get(`${this.baseUrl}/user`);
		const user = body as Partial<GitHubUser>;
		if (typeof user?.login !== 'string') {
			throw new IntegrationError('GitHub answered /user without a login.', false);
		}
		return { login: user.login, id: Number(user.id) };
	}

	/** Every repository the token reaches (of `org` when given), following the Link header. */
	async repos(org?: string): Promise<GitHubRepo[]> {
		let url: string | null = org
			? `${this.baseUrl}/orgs/${encodeURIComponent(org)}/repos?per_page=100&type=all`
			: `${this.baseUrl}/user/repos?per_page=100&sort=full_name`;
		const repos: GitHubRepo[] = [];
		for (let page = 0; url; page++) {
			if (page === this.maxPages) {
				throw new IntegrationError(
					`GitHub lists more than ${this.maxPages * 100} repositories; name an organisation to narrow it.`,
					false
				);
			}
			const { body, next } = await this.get(url);
			if (!Array.isArray(body)) {
				throw new IntegrationError('GitHub answered a repository list that is not a list.', false);
			}
			repos.push(...(body as GitHubRepo[]));
			url = next;
		}
		return repos;
	}

	private async get(url: string, retried = false): Promise<{ body: unknown; next: string | null }> {
		const response = await request(PROVIDER, url, {
			headers: {
				accept: 'application/vnd.github+json',
				authorization: `Bearer ${this.options.token}`,
				'user-agent': 'Tenantry',
				'x-github-api-version': '2022-11-28'
			}
		});
		if (response.ok) {
			return {
				body: await jsonBody(PROVIDER, response),
				next: nextLink(response.headers.get('link'))
			};
		}
		const retryAt = rateLimitedUntil(response);
		if (retryAt) {
			await response.body?.cancel();
			const wait = retryAt.getTime() - Date.now();
			if (!retried && wait <= this.maxWaitMs) {
				await sleep(Math.max(wait, 0));
				return this.get(url, true);
			}
			throw new RateLimitedError(PROVIDER, retryAt);
		}
		const message = await errorMessage(response);
		if (response.status === 401) {
			throw new IntegrationError(
				`GitHub refused the token (${message}): check it is valid and not expired.`,
				false,
				'401'
			);
		}
		if (response.status === 403 || response.status === 404) {
			throw new IntegrationError(
				`GitHub answered ${response.status} (${message}): the token may not read this.`,
				false,
				String(response.status)
			);
		}
		throw new IntegrationError(
			`GitHub answered ${response.status} (${message}).`,
			response.status >= 500,
			String(response.status)
		);
	}
}

/** When a 403/429 says the limit is spent: the reset time, or now + Retry-After; else null. */
function rateLimitedUntil(response: Response): Date | null {
	if (response.status !== 403 && response.status !== 429) return null;
	const retryAfter = response.headers.get('retry-after');
	if (retryAfter && /^\d+$/.test(retryAfter))
		return new Date(Date.now() + Number(retryAfter) * 1000);
	const remaining = response.headers.get('x-ratelimit-remaining');
	const reset = response.headers.get('x-ratelimit-reset');
	if (remaining === '0' && reset && /^\d+$/.test(reset)) return new Date(Number(reset) * 1000);
	return response.status === 429 ? new Date(Date.now() + 60_000) : null;
}

async function errorMessage(response: Response): Promise<string> {
	try {
		const body = (await response.json()) as { message?: unknown };
		return typeof body?.message === 'string' ? body.message : `status ${response.status}`;
	} catch {
		return `status ${response.status}`;
	}
}
