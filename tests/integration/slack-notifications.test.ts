/**
 * Slack as a notification channel, end to end on a real (embedded) seeded database: the owner
 * connects Slack (the real client against the local Slack fake, tests/support/fakes/slack.ts) and
 * sends team.created to a channel; creating a team then ends, through the event's trigger and the
 * real job queue's worker, as a chat.postMessage with the notification's sentence. A 5xx from
 * Slack is retried on the queue's schedule; a channel the bot is not in is a dead letter at once;
 * a kind the organisation did not send to Slack, or a rolled-back change, posts nothing.
 */
import type { Kysely, Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectIntegration } from '../../src/lib/server/integrations/service';
import {
	removeSlackRoute,
	saveTenantSettings,
	setSlackRoute,
	slackRoutes
} from '../../src/lib/server/notifications/queries';
import { loadConfig } from '../../src/lib/server/platform/config';
import type { DB } from '../../src/lib/server/platform/database';
import type { Engine } from '../../src/lib/server/platform/engine';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { registeredQueues } from '../../src/lib/server/queue/registry';
import { createWorker, type Worker } from '../../src/lib/server/queue/worker';
import { createTeam } from '../../src/lib/server/teams/queries';
import { startSlackFake, type SlackFake } from '../support/fakes/slack';
import { seeded } from '../support/database';
import { embeddedFactory } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const ACME_OWNER = {
	sub: 'a0000000-0000-4000-8000-000000000011',
	role: 'authenticated' as const,
	aal: 'aal2' as const
};
const PUBLIC_URL = 'https://app.tenantry.test';

let engine: Engine;
let db: Kysely<DB>;
let dispose: () => Promise<void>;
let slack: SlackFake;
let config: ReturnType<typeof loadConfig>;
let worker: Worker;
let integrationId: string;

function asOwner<T>(fn: (trx: Transaction<DB>) => Promise<T>) {
	return runWithClaims(db, ACME_OWNER, fn, {});
}

async function rows<R>(text: string, params: unknown[] = []): Promise<R[]> {
	return engine.session((s) => s.query<R>(text, params));
}

interface JobState {
	status: string;
	attempts: number;
	last_error: string | null;
	result: { posted?: boolean; channel?: string; ts?: string } | null;
}

/** The notifications.slack job of the newest team.created event, once it is finished. */
async function settledJob(teamName: string, ms = 15_000): Promise<JobState> {
	const deadline = Date.now() + ms;
	for (;;) {
		await worker.tick();
		const [job] = await rows<JobState>(
			`select j.status, j.attempts, j.last_error, j.result from public.jobs j
			   join public.events e on e.id = (j.payload ->> 'event_id')::uuid
			  where j.queue = 'notifications.slack' and e.type = 'team.created' and e.payload ->> 'name' = $1`,
			[teamName]
		);
		if (!job) throw new Error(`no notifications.slack job was queued for the team ${teamName}`);
		if (job.status === 'succeeded' || job.status === 'failed') return job;
		if (Date.now() > deadline)
			throw new Error(`the Slack job for ${teamName} is still ${job.status}`);
		await new Promise((done) => setTimeout(done, 50));
	}
}

async function sendToSlack(kind: string, channel: string) {
	await asOwner((trx) =>
		trx
			.insertInto('tenant_notification_settings')
			.values({
				tenant_id: ACME,
				kind,
				slack_integration_id: integrationId,
				slack_channel: channel
			})
			.onConflict((oc) =>
				oc
					.columns(['tenant_id', 'kind'])
					.doUpdateSet({ slack_integration_id: integrationId, slack_channel: channel })
			)
			.execute()
	);
}

beforeAll(async () => {
	slack = await startSlackFake();
	config = loadConfig({ NODE_ENV: 'test', SLACK_API_URL: slack.url, PUBLIC_URL });
	const t = await seeded(embeddedFactory);
	engine = t.engine;
	db = engine.db;
	dispose = t.dispose;
	await import('../../src/lib/server/notifications/slack');
	// Short retry steps: the retry without the production schedule's 5 s wait.
	await rows(`select private.register_job_queue('notifications.slack', 'test', 3, '[0.2, 0.4]')`);
	worker = createWorker({
		db,
		config,
		queues: registeredQueues().filter((q) => q.name === 'notifications.slack'),
		workerId: 'slack-notifications-test',
		shutdownGraceMs: 2_000
	});
	slack.token = 'xoxb-acme-notify';
	slack.channels = [
		{ id: 'C0GENERAL', name: 'general' },
		{ id: 'C0ALERTS', name: 'alerts' },
		{ id: 'C0PRIVATE', name: 'private', is_member: false }
	];
	const connected = await asOwner((trx) =>
		connectIntegration(trx, config, {
			tenantId: ACME,
			type: 'slack',
			name: 'Acme notifications',
			config: { default_channel: 'C0GENERAL' },
			secrets: { bot_token: 'xoxb-acme-notify', signing_secret: 'slacksigningsecret0123456789abcd' }
		})
	);
	expect(connected.integration.status).toBe('connected');
	integrationId = connected.integration.id;
}, 120_000);

afterAll(async () => {
	await worker?.stop();
	await dispose?.();
	await slack?.close();
});

describe('Slack as a notification channel', () => {
	it('posts a real team.created event to the chosen channel with the notification’s sentence', async () => {
		await sendToSlack('team.created', 'C0ALERTS');
		const before = slack.messages.length;
		await asOwner((trx) => createTeam(trx, ACME, { name: 'Alerting', description: '' }));
		const job = await settledJob('Alerting');
		expect(job).toMatchObject({ status: 'succeeded', attempts: 1, last_error: null });
		const [slug] = await rows<{ slug: string }>('select slug from public.tenants where id = $1', [
			ACME
		]);
		expect(slack.messages.slice(before)).toEqual([
			{
				channel: 'C0ALERTS',
				text: `*Team created*\nThe team Alerting was created.\n<${PUBLIC_URL}/t/${slug?.slug}/teams|Open in Tenantry>`,
				ts: job.result?.ts
			}
		]);
		expect(slack.requests.at(-1)).toEqual({
			method: 'chat.postMessage',
			authorization: 'Bearer xoxb-acme-notify'
		});
	});

	it('retries on the queue’s schedule when Slack answers 500', async () => {
		slack.failNext = 1;
		const before = slack.messages.length;
		await asOwner((trx) => createTeam(trx, ACME, { name: 'Retry <&> team', description: '' }));
		const job = await settledJob('Retry <&> team');
		expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
		expect(slack.messages.slice(before).map((m) => m.text.split('\n')[1])).toEqual([
			'The team Retry &lt;&amp;&gt; team was created.'
		]);
	});

	it('makes a channel the bot is not in a dead letter at once, with Slack’s reason', async () => {
		await sendToSlack('team.created', 'C0PRIVATE');
		const before = slack.messages.length;
		await asOwner((trx) => createTeam(trx, ACME, { name: 'Hidden', description: '' }));
		const job = await settledJob('Hidden');
		expect(job).toMatchObject({
			status: 'failed',
			attempts: 1,
			last_error: 'The bot is not in that channel (not_in_channel): invite it first.'
		});
		expect(slack.messages.length).toBe(before);
	});

	it('posts nothing for a kind not sent to Slack, nor for a change rolled back', async () => {
		await sendToSlack('team.created', 'C0ALERTS');
		const [queued] = await rows<{ n: number }>(
			`select count(*)::int as n from public.jobs where queue = 'notifications.slack'`
		);
		await rows(
			`select private.publish_event($1::uuid, 'api_key.created', 'api_key', 'k1', '{"name": "CI"}'::jsonb)`,
			[ACME]
		);
		await expect(
			asOwner(async (trx) => {
				await createTeam(trx, ACME, { name: 'Never', description: '' });
				throw new Error('rolled back');
			})
		).rejects.toThrow('rolled back');
		const [after] = await rows<{ n: number }>(
			`select count(*)::int as n from public.jobs where queue = 'notifications.slack'`
		);
		expect(after?.n).toBe(queued?.n);
	});

	it('keeps a kind’s Slack channel when the settings matrix goes back to its defaults', async () => {
		await asOwner((trx) =>
			setSlackRoute(trx, ACME, {
				kind: 'team.deleted',
				integrationId,
				channel: '#alerts'
			})
		);
		await asOwner((trx) =>
			saveTenantSettings(trx, ACME, [{ kind: 'team.deleted', inApp: false, email: true }])
		);
		await asOwner((trx) =>
			saveTenantSettings(trx, ACME, [{ kind: 'team.deleted', inApp: true, email: true }])
		);
		const routes = await asOwner((trx) => slackRoutes(trx, ACME));
		expect(routes.find((r) => r.kind === 'team.deleted')).toEqual({
			kind: 'team.deleted',
			integrationId,
			integrationName: 'Acme notifications',
			channel: '#alerts'
		});
		expect(await asOwner((trx) => removeSlackRoute(trx, ACME, 'team.deleted'))).toBe(true);
		const [left] = await rows<{ n: number }>(
			`select count(*)::int as n from public.tenant_notification_settings
			  where tenant_id = $1 and kind = 'team.deleted'`,
			[ACME]
		);
		expect(left?.n).toBe(0);
		expect(await asOwner((trx) => removeSlackRoute(trx, ACME, 'team.deleted'))).toBe(false);
	});

	it('refuses a channel of an integration that is not Slack (TN295)', async () => {
		const [github] = await rows<{ id: string }>(
			`insert into public.integrations (tenant_id, type, name, config, status)
			 values ($1, 'github', 'Acme code', '{}', 'connected') returning id`,
			[ACME]
		);
		await expect(
			asOwner((trx) =>
				setSlackRoute(trx, ACME, { kind: 'team.deleted', integrationId: github!.id, channel: '#x' })
			)
		).rejects.toMatchObject({ code: 'TN295' });
	});
});
