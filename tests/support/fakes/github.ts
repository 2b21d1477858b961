/**
 * A stand-in for GitHub's REST API on 127.0.0.1 (a free port), speaking its documented wire format
 * for the endpoints the integration uses: `GET /user`, `GET /user/repos` and
 * `GET /orgs/{org}/repos` with `per_page`/`page` and the `Link` header (`rel="next"`, `rel="last"`),
 * the `X-RateLimit-Limit/Remaining/Reset` headers on every answer and a 403 with
 * `X-RateLimit-Remaining: 0` once the limit is spent, `{ "message": "Bad credentials" }` 401s and
 * `{ "message": "Not Found" }` 404s. Tests set the tokens, the repositories and the limit.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepo {
	id: number;
	name: string;
	owner: string;
	private?: boolean;
	archived?: boolean;
}

export interface GitHubFake {
	readonly url: string;
	/** Tokens accepted, and the login each belongs to. */
	tokens: Map<string, string>;
	repos: FakeRepo[];
	/** Requests left in the current window; `limit` per window. */
	rateLimit: { limit: number; remaining: number; resetAt: number };
	/** Answer the next N requests with 502. */
	failNext: number;
	readonly requests: { method: string; path: string; authorization: string }[];
	close(): Promise<void>;
}

function send(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {}
) {
	res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
	res.end(JSON.stringify(body));
}

function repoJson(base: string, repo: FakeRepo) {
	return {
		id: repo.id,
		node_id: `R_${repo.id}`,
		name: repo.name,
		full_name: `${repo.owner}/${repo.name}`,
		private: repo.private ?? false,
		owner: { login: repo.owner, id: 1000 + repo.id, type: 'Organization' },
		html_url: `https://github.com/${repo.owner}/${repo.name}`,
		url: `${base}/repos/${repo.owner}/${repo.name}`,
		default_branch: 'main',
		archived: repo.archived ?? false,
		pushed_at: '2026-11-30T12:00:00Z'
	};
}

export async function startGitHubFake(): Promise<GitHubFake> {
	const fake: Omit<GitHubFake, 'url' | 'close'> = {
		tokens: new Map(),
		repos: [],
		rateLimit: { limit: 5000, remaining: 5000, resetAt: Math.floor(Date.now() / 1000) + 3600 },
		failNext: 0,
		requests: []
	};
	let base = '';
	const server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const url = new URL(req.url ?? '/', base);
		fake.requests.push({
			method: req.method ?? '',
			path: url.pathname + url.search,
			authorization: String(req.headers.authorization ?? '')
		});
		if (fake.failNext > 0) {
			fake.failNext--;
			return send(res, 502, { message: 'Server Error' });
		}
		const now = Math.floor(Date.now() / 1000);
		if (now >= fake.rateLimit.resetAt) {
			fake.rateLimit.remaining = fake.rateLimit.limit;
			fake.rateLimit.resetAt = now + 3600;
		}
		const limitHeaders = () => ({
			'x-ratelimit-limit': String(fake.rateLimit.limit),
			'x-ratelimit-remaining': String(fake.rateLimit.remaining),
			'x-ratelimit-reset': String(fake.rateLimit.resetAt),
			'x-ratelimit-used': String(fake.rateLimit.limit - fake.rateLimit.remaining),
			'x-ratelimit-resource': 'core'
		});
		const token = /^(?:Bearer|token) (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
		const login = token ? fake.tokens.get(token) : undefined;
		if (!login) {
			return send(res, 401, {
				message: 'Bad credentials',
				documentation_url: 'https://docs.github.com/rest',
				status: '401'
			});
		}
		if (fake.rateLimit.remaining <= 0) {
			return send(
				res,
				403,
				{
					message: `API rate limit exceeded for user ID 1.`,
					documentation_url:
						'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting'
				},
				limitHeaders()
			);
		}
		fake.rateLimit.remaining--;
		if (req.method !== 'GET') return send(res, 404, { message: 'Not Found' }, limitHeaders());
		if (url.pathname === '/user') {
			return send(res, 200, { login, id: 1, type: 'User' }, limitHeaders());
		}
		const org = /^\/orgs\/([^/]+)\/repos$/.exec(url.pathname)?.[1];
		if (url.pathname === '/user/repos' || org) {
			const all = fake.repos
				.filter((r) => !org || r.owner.toLowerCase() === decodeURIComponent(org).toLowerCase())
				.sort((a, b) => `${a.owner}/${a.name}`.localeCompare(`${b.owner}/${b.name}`));
			if (org && all.length === 0) return send(res, 404, { message: 'Not Found' }, limitHeaders());
			const perPage = Math.min(
				Math.max(Number(url.searchParams.get('per_page') ?? 30) || 30, 1),
				100
			);
			const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
			const last = Math.max(Math.ceil(all.length / perPage), 1);
			const pageUrl = (n: number) => {
				const next = new URL(url);
				next.searchParams.set('page', String(n));
				return `<${next}>`;
			};
			const links: string[] = [];
			if (page < last)
				links.push(`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(last)}; rel="last"`);
			if (page > 1) links.push(`${pageUrl(1)}; rel="first"`, `${pageUrl(page - 1)}; rel="prev"`);
			return send(
				res,
				200,
				all.slice((page - 1) * perPage, page * perPage).map((r) => repoJson(base, r)),
				{ ...limitHeaders(), ...(links.length ? { link: links.join(', ') } : {}) }
			);
		}
		return send(
			res,
			404,
			{ message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
			limitHeaders()
		);
	});
	await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return Object.assign(fake, {
		url: base,
		close: () =>
			new Promise<void>((done) => {
				server.closeAllConnections();
				server.close(() => done());
			})
	}) as GitHubFake;
}
