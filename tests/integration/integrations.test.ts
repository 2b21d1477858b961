/**
 * Integrations end to end on a real (embedded) database, with the real provider clients against the
 * local fakes of GitHub and Slack (tests/support/fakes) and the real job queue's worker: connect
 * and test, secrets stored encrypted (never in the clear), inbound events verified (good, forged,
 * replayed, stale, wrong integration, wrong tenant), recorded once per delivery id, processed into
 * integration.event_received, retried with backoff, dead-lettered and replayed; the sync job's
 * caches through pagination; postSlackMessage; and the TypeScript registry against the SQL one.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePayload } from '../../src/lib/server/events/catalogue';
import { receiveInbound } from '../../src/lib/server/integrations/inbound';
import { syncIntegration } from '../../src/lib/server/integrations/jobs';
import {
	findIntegration,
	replayEvent,
	type Integration
} from '../../src/lib/server/integrations/queries';
import { connectIntegration } from '../../src/lib/server/integrations/service';
import { signGitHub, signSlack } from '../../src/lib/server/integrations/signatures';
import { postSlackMessage } from '../../src/lib/server/integrations/slack';
import { loadConfig } from '../../src/lib/server/platform/config';
import type { DB } from '../../src/lib/server/platform/database';
import type { Engine } from '../../src/lib/server/platform/engine';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { registeredQueues } from '../../src/lib/server/queue/registry';
import { createWorker, type Worker } from '../../src/lib/server/queue/worker';
import { INTEGRATION_TYPES, TYPE_KEYS } from '../../src/lib/integrations/types';
import { startGitHubFake, type GitHubFake } from '../support/fakes/github';
import { startSlackFake, type SlackFake } from '../support/fakes/slack';
import { seeded } from '../support/database';
import { embeddedFactory } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const GLOBEX = 'b0000000-0000-4000-8000-000000000002';
const ACME_OWNER = {
	sub: 'a0000000-0000-4000-8000-000000000011',
	role: 'authenticated' as const,
	aal: 'aal2' as const
};
const GLOBEX_OWNER = {
	sub: 'a0000000-0000-4000-8000-000000000021',
	role: 'authenticated' as const,
	aal: 'aal2' as const
};
const SIGNING = 'slacksigningsecret0123456789abcd';

let engine: Engine;
let db: Kysely<DB>;
let dispose: () => Promise<void>;
let slack: SlackFake;
let github: GitHubFake;
let config: ReturnType<typeof loadConfig>;
let worker: Worker;

function as<T>(claims: typeof ACME_OWNER, fn: (trx: Transaction<DB>) => Promise<T>) {
	return runWithClaims(db, claims, fn, {});
}

async function rows<R>(text: string, params: unknown[] = []): Promise<R[]> {
	return engine.session((s) => s.query<R>(text, params));
}

async function until<T>(
	what: string,
	probe: () => Promise<T | undefined>,
	ms = 15_000
): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await worker.tick();
		await new Promise((done) => setTimeout(done, 50));
	}
}

interface EventState {
	status: string;
	attempts: number;
	error: string | null;
	summary: string | null;
}

async function eventState(id: string): Promise<EventState> {
	const [row] = await rows<EventState>(
		'select status, attempts, error, summary from public.integration_events where id = $1',
		[id]
	);
	if (!row) throw new Error(`integration event ${id} is missing`);
	return row;
}

const settled = (id: string, status: string) =>
	until(`event ${id} to be ${status}`, async () => {
		const state = await eventState(id);
		return state.status === status ? state : undefined;
	});

function slackHeaders(body: string, at = Math.floor(Date.now() / 1000), secret = SIGNING) {
	return new Headers({
		'content-type': 'application/json',
		'x-slack-request-timestamp': String(at),
		'x-slack-signature': signSlack(secret, at, body)
	});
}

function slackEvent(eventId: string, event: Record<string, unknown>) {
	return JSON.stringify({
		type: 'event_callback',
		team_id: 'T0FAKE01',
		event_id: eventId,
		event_time: 1,
		event
	});
}

let slackIntegration: Integration;
let githubIntegration: Integration;
let webhookSecret: string;

beforeAll(async () => {
	slack = await startSlackFake();
	github = await startGitHubFake();
	config = loadConfig({
		NODE_ENV: 'test',
		SLACK_API_URL: slack.url,
		GITHUB_API_URL: github.url,
		WEBHOOK_ALLOW_LOOPBACK: 'true'
	});
	const t = await seeded(embeddedFactory);
	engine = t.engine;
	db = engine.db;
	dispose = t.dispose;
	await import('../../src/lib/server/integrations/jobs');
	// Short retry steps, three attempts: the backoff and the dead letter without long waits.
	await rows(`select private.register_job_queue('integrations.inbound', 'test', 3, '[0.2, 0.4]')`);
	worker = createWorker({
		db,
		config,
		queues: registeredQueues().filter((q) => q.name.startsWith('integrations.')),
		workerId: 'integrations-test',
		shutdownGraceMs: 2_000
	});
	slack.token = 'xoxb-acme-1';
	slack.channels = [
		{ id: 'C0GENERAL', name: 'general' },
		{ id: 'C0DEPLOYS', name: 'deploys' }
	];
	github.tokens = new Map([['ghp_acme', 'acme-bot']]);
	github.repos = Array.from({ length: 150 }, (_, i) => ({
		id: i + 1,
		name: `svc-${i}`,
		owner: 'acme'
	}));
}, 120_000);

afterAll(async () => {
	await worker?.stop();
	await dispose?.();
	await slack?.close();
	await github?.close();
});

describe('connecting', () => {
	it('connects Slack: secrets stored as owned secrets, the test passes, the status is connected', async () => {
		const result = await as(ACME_OWNER, (trx) =>
			connectIntegration(trx, config, {
				tenantId: ACME,
				type: 'slack',
				name: 'Acme Slack',
				config: { default_channel: 'C0GENERAL' },
				secrets: { bot_token: 'xoxb-acme-1', signing_secret: SIGNING }
			})
		);
		expect(result.test).toEqual({
			ok: true,
			checks: [
				{
					name: 'Bot token',
					ok: true,
					detail: 'Slack accepts the token for the workspace Acme Fake.'
				}
			]
		});
		expect(result.integration.status).toBe('connected');
		slackIntegration = result.integration;
		const linked = await rows<{ name: string; owner_type: string }>(
			`select l.name, s.owner_type from public.integration_secrets l join public.secrets s on s.id = l.secret_id
			 where l.integration_id = $1 order by l.name`,
			[slackIntegration.id]
		);
		expect(linked).toEqual([
			{ name: 'bot_token', owner_type: 'integration' },
			{ name: 'signing_secret', owner_type: 'integration' }
		]);
	});

	it('keeps no secret in the clear anywhere in the database', async () => {
		const [found] = await rows<{ n: number }>(
			`select count(*)::int as n from (
			   select ciphertext as t from public.secret_versions union all select wrapped_key from public.secret_data_keys
			   union all select config::text from public.integrations union all select coalesce(new_values::text, '') from public.audit_logs
			   union all select payload::text from public.events) x
			 where t like '%xoxb-acme-1%' or t like '%${SIGNING}%'`
		);
		expect(found?.n).toBe(0);
	});

	it('records a failed test with its error and integration.failed', async () => {
		const result = await as(ACME_OWNER, (trx) =>
			connectIntegration(trx, config, {
				tenantId: ACME,
				type: 'github',
				name: 'Acme GitHub',
				config: {},
				secrets: { token: 'ghp_wrong' }
			})
		);
		expect(result.test.ok).toBe(false);
		expect(result.integration.status).toBe('error');
		expect(result.integration.lastError).toBe(
			'Token: GitHub refused the token (Bad credentials): check it is valid and not expired.'
		);
		expect(Object.keys(result.generated)).toEqual(['webhook_secret']);
		webhookSecret = result.generated.webhook_secret!;
		githubIntegration = result.integration;
		const [failed] = await rows<{ payload: unknown }>(
			`select payload from public.events where type = 'integration.failed' and subject_id = $1`,
			[githubIntegration.id]
		);
		expect(parsePayload('integration.failed', failed?.payload).success).toBe(true);
	});

	it('the registry in TypeScript is the one in SQL', async () => {
		const sqlTypes = await rows<{
			type: string;
			secret_names: string[];
			required_secrets: string[];
			inbound: string | null;
			fields: string[];
		}>(
			`select type, secret_names, required_secrets, inbound,
			        array(select f ->> 'name' from jsonb_array_elements(config_fields) f) as fields
			 from public.integration_types order by type`
		);
		expect(sqlTypes).toEqual(
			[...TYPE_KEYS].sort().map((type) => {
				const spec = INTEGRATION_TYPES[type];
				return {
					type,
					secret_names: spec.secrets.map((s) => s.name),
					required_secrets: spec.secrets.filter((s) => s.required).map((s) => s.name),
					inbound: spec.inbound,
					fields: spec.fields.map((f) => f.name)
				};
			})
		);
	});
});

describe('inbound events', () => {
	it('answers Slack’s url_verification and records nothing', async () => {
		const body = JSON.stringify({ token: 'x', challenge: 'ch4ll3nge', type: 'url_verification' });
		const answer = await receiveInbound(db, config, slackIntegration.id, body, slackHeaders(body));
		expect(answer).toEqual({ status: 200, body: { challenge: 'ch4ll3nge' } });
		const [n] = await rows<{ n: number }>(
			'select count(*)::int as n from public.integration_events'
		);
		expect(n?.n).toBe(0);
	});

	it('refuses forged, stale, wrong-integration and wrong-tenant requests, writing nothing', async () => {
		const body = slackEvent('Ev-forged', { type: 'message', channel: 'C0GENERAL', text: 'hi' });
		const forged = await receiveInbound(
			db,
			config,
			slackIntegration.id,
			body,
			slackHeaders(body, undefined, 'not-the-secret-000000000000000')
		);
		expect(forged).toEqual({
			status: 401,
			body: { error: 'The X-Slack-Signature signature does not match the body.' }
		});
		const stale = await receiveInbound(
			db,
			config,
			slackIntegration.id,
			body,
			slackHeaders(body, Math.floor(Date.now() / 1000) - 600)
		);
		expect(stale.status).toBe(401);
		expect(stale.body).toEqual({
			error: 'X-Slack-Request-Timestamp is more than 5 minutes off: a replay or a stale request.'
		});
		const tampered = await receiveInbound(
			db,
			config,
			slackIntegration.id,
			body.replace('hi', 'ho'),
			slackHeaders(body)
		);
		expect(tampered.status).toBe(401);
		// Signed rightly for Slack, sent to the GitHub integration's URL: its own scheme and secret refuse it.
		const wrongIntegration = await receiveInbound(
			db,
			config,
			githubIntegration.id,
			body,
			slackHeaders(body)
		);
		expect(wrongIntegration).toEqual({
			status: 401,
			body: { error: 'The X-Hub-Signature-256 header is missing.' }
		});
		// Another tenant's Slack integration with its own signing secret: acme's signature does not open it.
		const globex = await as(GLOBEX_OWNER, (trx) =>
			connectIntegration(trx, config, {
				tenantId: GLOBEX,
				type: 'slack',
				name: 'Globex Slack',
				config: {},
				secrets: { bot_token: 'xoxb-globex-bad', signing_secret: 'globexsigningsecret000000000000' }
			})
		);
		const wrongTenant = await receiveInbound(
			db,
			config,
			globex.integration.id,
			body,
			slackHeaders(body)
		);
		expect(wrongTenant.status).toBe(401);
		const unknown = await receiveInbound(
			db,
			config,
			'00000000-0000-4000-8000-000000000000',
			body,
			slackHeaders(body)
		);
		expect(unknown.status).toBe(404);
		const notAnId = await receiveInbound(db, config, 'x', body, slackHeaders(body));
		expect(notAnId.status).toBe(404);
		const [n] = await rows<{ n: number }>(
			'select count(*)::int as n from public.integration_events'
		);
		expect(n?.n).toBe(0);
	});

	it('records a good event once per delivery id and processes it into integration.event_received', async () => {
		const body = slackEvent('Ev-001', {
			type: 'message',
			channel: 'C0GENERAL',
			text: 'Deploy done',
			user: 'U1'
		});
		const first = await receiveInbound(db, config, slackIntegration.id, body, slackHeaders(body));
		expect(first.status).toBe(202);
		const eventId = (first.body as { event_id: string }).event_id;
		// Slack retries a delivery it thinks failed, within the window: the same event_id.
		const again = await receiveInbound(db, config, slackIntegration.id, body, slackHeaders(body));
		expect(again).toEqual({ status: 200, body: { event_id: eventId, duplicate: true } });
		const done = await settled(eventId, 'processed');
		expect(done).toMatchObject({
			attempts: 1,
			error: null,
			summary: 'Slack message in C0GENERAL: Deploy done'
		});
		const published = await rows<{ payload: Record<string, unknown>; actor_job: string }>(
			`select payload, actor_job from public.events where type = 'integration.event_received'`
		);
		expect(published).toHaveLength(1);
		expect(published[0]!.payload).toEqual({
			integration_id: slackIntegration.id,
			integration_type: 'slack',
			provider_event: 'message',
			delivery_id: 'Ev-001',
			summary: 'Slack message in C0GENERAL: Deploy done'
		});
		expect(parsePayload('integration.event_received', published[0]!.payload).success).toBe(true);
		expect(published[0]!.actor_job).toBe('integrations.inbound');
	});

	it('retries with backoff while Slack fails, then updates the channel cache', async () => {
		slack.channels.push({ id: 'C0NEW', name: 'incidents' });
		slack.failNext = 2;
		const body = slackEvent('Ev-002', {
			type: 'channel_created',
			channel: { id: 'C0NEW', name: 'incidents', created: 1 }
		});
		const answer = await receiveInbound(db, config, slackIntegration.id, body, slackHeaders(body));
		const eventId = (answer.body as { event_id: string }).event_id;
		const failedOnce = await until('a failed attempt', async () => {
			const state = await eventState(eventId);
			return state.attempts >= 1 ? state : undefined;
		});
		expect(failedOnce).toMatchObject({
			status: 'queued',
			error: 'Slack answered 500 to conversations.info.'
		});
		const done = await settled(eventId, 'processed');
		expect(done.attempts).toBe(3);
		expect(done.summary).toBe('Slack channel #incidents created.');
		const [cached] = await rows<{ name: string }>(
			`select name from public.slack_channels where integration_id = $1 and channel_id = 'C0NEW'`,
			[slackIntegration.id]
		);
		expect(cached?.name).toBe('incidents');
	});

	it('dead-letters an event every attempt fails, and a replay processes it', async () => {
		slack.failNext = 100;
		const body = slackEvent('Ev-003', {
			type: 'channel_rename',
			channel: { id: 'C0DEPLOYS', name: 'releases' }
		});
		const answer = await receiveInbound(db, config, slackIntegration.id, body, slackHeaders(body));
		const eventId = (answer.body as { event_id: string }).event_id;
		const dead = await settled(eventId, 'failed');
		expect(dead).toMatchObject({ attempts: 3, error: 'Slack answered 500 to conversations.info.' });
		const [job] = await rows<{ status: string; attempts: number }>(
			`select status, attempts from public.jobs where queue = 'integrations.inbound' and payload ->> 'integration_event_id' = $1`,
			[eventId]
		);
		expect(job).toEqual({ status: 'failed', attempts: 3 });
		slack.failNext = 0;
		slack.channels[1]!.name = 'releases';
		await as(ACME_OWNER, (trx) => replayEvent(trx, eventId));
		const replayed = await settled(eventId, 'processed');
		expect(replayed.attempts).toBe(4);
		const [cached] = await rows<{ name: string }>(
			`select name from public.slack_channels where integration_id = $1 and channel_id = 'C0DEPLOYS'`,
			[slackIntegration.id]
		);
		expect(cached?.name).toBe('releases');
	});

	it('verifies GitHub’s X-Hub-Signature-256 and dedupes by X-GitHub-Delivery', async () => {
		const body = JSON.stringify({
			ref: 'refs/heads/main',
			commits: [{ id: 'a' }, { id: 'b' }],
			pusher: { name: 'octo' },
			repository: { id: 7, full_name: 'acme/api' }
		});
		const headers = (signature: string) =>
			new Headers({
				'x-github-event': 'push',
				'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
				'x-hub-signature-256': signature
			});
		const forged = await receiveInbound(
			db,
			config,
			githubIntegration.id,
			body,
			headers(signGitHub('guess', body))
		);
		expect(forged.status).toBe(401);
		const good = await receiveInbound(
			db,
			config,
			githubIntegration.id,
			body,
			headers(signGitHub(webhookSecret, body))
		);
		expect(good.status).toBe(202);
		const replayed = await receiveInbound(
			db,
			config,
			githubIntegration.id,
			body,
			headers(signGitHub(webhookSecret, body))
		);
		expect(replayed.body).toMatchObject({ duplicate: true });
		const done = await settled((good.body as { event_id: string }).event_id, 'processed');
		expect(done.summary).toBe('octo pushed 2 commits to acme/api (main).');
	});

	it('verifies a generic webhook by Standard Webhooks', async () => {
		const result = await as(ACME_OWNER, (trx) =>
			connectIntegration(trx, config, {
				tenantId: ACME,
				type: 'generic_webhook',
				name: 'Orders',
				config: {},
				secrets: {}
			})
		);
		const secret = result.generated.signing_secret!;
		expect(secret).toMatch(/^whsec_/);
		const body = JSON.stringify({ type: 'order.paid', data: { id: 42 } });
		const signed = (id: string, key: string, at = new Date()) =>
			new Headers({
				'webhook-id': id,
				'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
				'webhook-signature': new Webhook(key).sign(id, at, body)
			});
		const other = 'whsec_' + Buffer.from('x'.repeat(32)).toString('base64');
		expect(
			(await receiveInbound(db, config, result.integration.id, body, signed('msg_1', other))).status
		).toBe(401);
		const stale = await receiveInbound(
			db,
			config,
			result.integration.id,
			body,
			signed('msg_1', secret, new Date(Date.now() - 3_600_000))
		);
		expect(stale.status).toBe(401);
		const good = await receiveInbound(
			db,
			config,
			result.integration.id,
			body,
			signed('msg_1', secret)
		);
		expect(good.status).toBe(202);
		const done = await settled((good.body as { event_id: string }).event_id, 'processed');
		expect(done.summary).toBe('order.paid received.');
	});
});

describe('caches and Slack messages', () => {
	it('syncs every page of GitHub repositories once the token is right', async () => {
		await as(ACME_OWNER, async (trx) => {
			const { updateIntegration, testIntegration } =
				await import('../../src/lib/server/integrations/service');
			await updateIntegration(trx, config, githubIntegration, {
				name: githubIntegration.name,
				config: {},
				secrets: { token: 'ghp_acme' }
			});
			const test = await testIntegration(
				trx,
				config,
				(await findIntegration(trx, githubIntegration.id))!
			);
			expect(test.ok).toBe(true);
		});
		expect(await syncIntegration(db, config, githubIntegration.id)).toBe(true);
		const [count] = await rows<{ n: number }>(
			'select count(*)::int as n from public.github_repos where integration_id = $1',
			[githubIntegration.id]
		);
		expect(count?.n).toBe(150);
		const [state] = await rows<{ status: string; synced: boolean }>(
			'select status, last_synced_at is not null as synced from public.integrations where id = $1',
			[githubIntegration.id]
		);
		expect(state).toEqual({ status: 'connected', synced: true });
	});

	it('records a sync the provider refuses as the integration’s error', async () => {
		github.rateLimit = { limit: 5000, remaining: 0, resetAt: Math.floor(Date.now() / 1000) + 3600 };
		await expect(syncIntegration(db, config, githubIntegration.id)).rejects.toThrow(
			/rate limit is spent/
		);
		const [state] = await rows<{ status: string; last_error: string }>(
			'select status, last_error from public.integrations where id = $1',
			[githubIntegration.id]
		);
		expect(state?.status).toBe('error');
		expect(state?.last_error).toMatch(/^Sync: GitHub's rate limit is spent until /);
		github.rateLimit = {
			limit: 5000,
			remaining: 5000,
			resetAt: Math.floor(Date.now() / 1000) + 3600
		};
	});

	it('posts to Slack with postSlackMessage, and refuses who may not', async () => {
		const posted = await as(ACME_OWNER, (trx) =>
			postSlackMessage(trx, config, {
				tenantId: ACME,
				integrationId: slackIntegration.id,
				text: 'Hello from Tenantry'
			})
		);
		expect(posted.ts).toMatch(/^\d+\.\d+$/);
		expect(slack.messages.at(-1)).toEqual({
			channel: 'C0GENERAL',
			text: 'Hello from Tenantry',
			ts: posted.ts
		});
		await expect(
			as(GLOBEX_OWNER, (trx) =>
				postSlackMessage(trx, config, {
					tenantId: ACME,
					integrationId: slackIntegration.id,
					channel: 'C0GENERAL',
					text: 'x'
				})
			)
		).rejects.toThrow('No such Slack integration, or you may not use it.');
	});

	it('refuses inbound events once disconnected', async () => {
		await as(ACME_OWNER, (trx) =>
			sql`select public.disconnect_integration(${slackIntegration.id}::uuid)`.execute(trx)
		);
		const body = slackEvent('Ev-004', { type: 'message', channel: 'C0GENERAL', text: 'late' });
		const answer = await receiveInbound(db, config, slackIntegration.id, body, slackHeaders(body));
		expect(answer).toEqual({ status: 410, body: { error: 'This integration is disconnected.' } });
	});
});
