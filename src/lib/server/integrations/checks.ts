/**
 * "Test connection", per type: the provider calls that prove the configuration and secrets work,
 * each a check with its result in a sentence.
 *
 * - GitHub: `GET /user` with the token; with an organisation, its repository list is readable.
 * - Slack: `auth.test` with the bot token (the workspace it names is cached).
 * - Odoo: the external JSON-RPC API at `<base_url>/jsonrpc` — `common.version` (Odoo answers),
 *   then `common.authenticate(database, user, api key)` returns a user id (the key works).
 * - Supabase: `GET <project_url>/rest/v1/` with the key as `apikey` and bearer token answers 200.
 * - Inbound webhook: nothing to call; the signing secret verifies what arrives.
 *
 * Odoo's and Supabase's URLs are the tenant's, so they pass the SSRF guard first (a private or
 * loopback address is refused unless WEBHOOK_ALLOW_LOOPBACK); GitHub's and Slack's are the
 * operator's (GITHUB_API_URL, SLACK_API_URL).
 */
import type { Config } from '../platform/config';
import { destinationProblem } from '../webhooks/destination';
import type { IntegrationType } from '../../integrations/types';
import { GitHubClient } from './github';
import { IntegrationError, jsonBody, request } from './http';
import { SlackClient, type SlackAuth } from './slack-api';

export interface Check {
	name: string;
	ok: boolean;
	detail: string;
}

export type ProviderConfig = Pick<
	Config,
	'GITHUB_API_URL' | 'SLACK_API_URL' | 'WEBHOOK_ALLOW_LOOPBACK'
>;

export interface CheckOutcome {
	checks: Check[];
	/** What the Slack check learnt about the workspace (cached by the caller). */
	slack?: SlackAuth;
}

async function attempt(name: string, fn: () => Promise<string>): Promise<Check> {
	try {
		return { name, ok: true, detail: await fn() };
	} catch (error) {
		return {
			name,
			ok: false,
			detail:
				error instanceof IntegrationError ? error.message : `Failed: ${(error as Error).message}`
		};
	}
}

async function guarded(url: string, config: ProviderConfig): Promise<void> {
	const problem = await destinationProblem(url, config.WEBHOOK_ALLOW_LOOPBACK);
	if (problem) throw new IntegrationError(problem, false);
}

async function odooCall(
	url: string,
	service: string,
	method: string,
	args: unknown[]
): Promise<unknown> {
	const response = await request('Odoo', `${url}/jsonrpc`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({
			jsonrpc: '2.0',
			method: 'call',
			params: { service, method, args },
			id: 1
		})
	});
	if (!response.ok) {
		await response.body?.cancel();
		throw new IntegrationError(
			`Odoo answered ${response.status} at /jsonrpc.`,
			response.status >= 500
		);
	}
	const body = (await jsonBody('Odoo', response)) as {
		result?: unknown;
		error?: { message?: string; data?: { message?: string } };
	};
	if (body.error) {
		throw new IntegrationError(
			`Odoo refused ${service}.${method}: ${body.error.data?.message ?? body.error.message ?? 'an error'}.`,
			false
		);
	}
	return body.result;
}

export async function runChecks(
	type: IntegrationType,
	settings: Record<string, string>,
	secrets: Record<string, string>,
	config: ProviderConfig
): Promise<CheckOutcome> {
	switch (type) {
		case 'github': {
			const client = new GitHubClient({
				baseUrl: config.GITHUB_API_URL,
				token: secrets.token ?? ''
			});
			const token = await attempt(
				'Token',
				async () => `GitHub accepts the token as ${(await client.user()).login}.`
			);
			const checks = [token];
			if (settings.organisation && token.ok) {
				checks.push(
					await attempt('Organisation', async () => {
						const repos = await client.repos(settings.organisation);
						return `${repos.length} repositories of ${settings.organisation} are readable.`;
					})
				);
			}
			return { checks };
		}
		case 'slack': {
			let slack: SlackAuth | undefined;
			const check = await attempt('Bot token', async () => {
				slack = await new SlackClient({
					baseUrl: config.SLACK_API_URL,
					token: secrets.bot_token ?? ''
				}).authTest();
				return `Slack accepts the token for the workspace ${slack.team}.`;
			});
			return { checks: [check], slack };
		}
		case 'odoo': {
			const url = settings.base_url ?? '';
			const reach = await attempt('Server', async () => {
				await guarded(url, config);
				const version = (await odooCall(url, 'common', 'version', [])) as {
					server_version?: string;
				} | null;
				if (!version?.server_version)
					throw new IntegrationError('Odoo answered without a server version.', false);
				return `Odoo ${version.server_version} answers.`;
			});
			if (!reach.ok) return { checks: [reach] };
			const login = await attempt('API key', async () => {
				const uid = await odooCall(url, 'common', 'authenticate', [
					settings.database,
					settings.username,
					secrets.api_key,
					{}
				]);
				if (typeof uid !== 'number') {
					throw new IntegrationError('Odoo did not accept the database, user and API key.', false);
				}
				return `Odoo signs ${settings.username} in (user id ${uid}).`;
			});
			return { checks: [reach, login] };
		}
		case 'supabase': {
			const url = settings.project_url ?? '';
			return {
				checks: [
					await attempt('API key', async () => {
						await guarded(url, config);
						const response = await request('Supabase', `${url}/rest/v1/`, {
							headers: {
								apikey: secrets.api_key ?? '',
								authorization: `Bearer ${secrets.api_key ?? ''}`
							}
						});
						await response.body?.cancel();
						if (response.status === 401 || response.status === 403) {
							throw new IntegrationError(
								`Supabase refused the API key (${response.status}).`,
								false
							);
						}
						if (!response.ok) {
							throw new IntegrationError(
								`Supabase answered ${response.status} at /rest/v1/.`,
								response.status >= 500
							);
						}
						return 'The project’s REST API accepts the key.';
					})
				]
			};
		}
		case 'generic_webhook':
			return {
				checks: [
					{
						name: 'Signing secret',
						ok: true,
						detail:
							'Nothing to call: events sent to the inbound URL are verified with the signing secret.'
					}
				]
			};
	}
}

/** The first failed check's sentence, or null when all passed. */
export function firstFailure(checks: Check[]): string | null {
	const failed = checks.find((c) => !c.ok);
	return failed ? `${failed.name}: ${failed.detail}` : null;
}
