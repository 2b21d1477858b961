/**
 * The workflow engine on a real database with real queue workers: a run started by a real domain
 * event (a project created through its query), the same event once, a step refused because its
 * owner may not do it (and allowed once an owner who may saves it), retries of a failing webhook,
 * an approval that times out, the SSRF guard refusing a name that resolves to loopback (nothing
 * dialled), a schedule's ticks in the tenant's time zone (once per tick), and — on Postgres 15 (TEST_DATABASE_URL) — a run resumed after its worker was killed
 * mid-step (SIGKILL of the worker's process; another worker takes the step once the lease passes).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePayload } from '../../src/lib/server/events/catalogue';
import { connectIntegration } from '../../src/lib/server/integrations/service';
import { loadConfig } from '../../src/lib/server/platform/config';
import type { DB } from '../../src/lib/server/platform/database';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { createProject } from '../../src/lib/server/projects/queries';
import { createWorker, type Worker } from '../../src/lib/server/queue/worker';
import { setEngineOptions, stepQueue } from '../../src/lib/server/workflows/engine';
import { runDueSchedules } from '../../src/lib/server/workflows/jobs';
import {
	createWorkflow,
	findRun,
	setWorkflowEnabled,
	startRun,
	updateWorkflow,
	type Run
} from '../../src/lib/server/workflows/queries';
import type { Definition } from '../../src/lib/workflows/definition';
import { seeded } from '../support/database';
import { startSlackFake } from '../support/fakes/slack';
import { embeddedFactory, serverFactory, serverUrl, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const OWNER = { sub: 'a0000000-0000-4000-8000-000000000011', email: 'owner@acme.test' };
const DEV = { sub: 'a0000000-0000-4000-8000-000000000013', email: 'dev@acme.test' };
const VIEWER = { sub: 'a0000000-0000-4000-8000-000000000014', email: 'viewer@acme.test' };
const SECURITY_TEAM = 'd0000000-0000-4000-8000-000000002001';

const config = loadConfig({ NODE_ENV: 'test', WEBHOOK_ALLOW_LOOPBACK: 'true' });

/** A local receiver: answers what `answer` says (a status, or 'hang' to never answer). */
async function receiver(answer: (n: number) => number | 'hang') {
	let count = 0;
	const server: Server = createServer((req, res) => {
		count += 1;
		const reply = answer(count);
		req.resume();
		if (reply !== 'hang') res.writeHead(reply).end('ok');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
		port: (server.address() as AddressInfo).port,
		count: () => count,
		close: () => {
			server.closeAllConnections();
			return new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
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
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

function suite(name: string, factory: () => Promise<TestEngine>) {
	describe(`workflows on ${name}`, () => {
		let t: TestEngine;
		let db: Kysely<DB>;
		let worker: Worker;
		const as = <T>(
			claims: { sub: string; email: string },
			fn: Parameters<typeof runWithClaims<T>>[2]
		) => runWithClaims(db, claims, fn);

		/** Ticks the worker until the run has ended (or waits, when `waiting`). */
		const settle = (runId: string, states = ['succeeded', 'failed', 'cancelled']) =>
			until(`run ${runId} to be ${states.join(' or ')}`, async () => {
				await worker.tick();
				const run = await as(OWNER, (trx) => findRun(trx, ACME, runId));
				return run && states.includes(run.status) ? run : undefined;
			});

		const step = (run: Run, id: string) => run.steps.find((s) => s.stepId === id);

		beforeAll(async () => {
			t = await seeded(factory);
			db = t.engine.db;
			// Retries a fifth of a second apart, so nothing sleeps for long.
			await sql`select private.register_job_queue('workflows.step', 'test', 3, '[0.2]'::jsonb)`.execute(
				db
			);
			worker = createWorker({ db, config, queues: [stepQueue as never], shutdownGraceMs: 2_000 });
		});
		afterAll(async () => {
			// Every workflow.* event the runs published parses with its catalogue schema.
			const { rows } = await sql<{ type: string; payload: unknown }>`
				select type, payload from public.events where type like 'workflow.%'`.execute(db);
			expect(new Set(rows.map((r) => r.type))).toEqual(
				new Set([
					'workflow.run_started',
					'workflow.run_succeeded',
					'workflow.run_failed',
					'workflow.approval_requested',
					'workflow.notification'
				])
			);
			expect(rows.map((r) => parsePayload(r.type, r.payload)).filter((p) => !p.success)).toEqual(
				[]
			);
			setEngineOptions({});
			await worker.stop();
			await t.dispose();
		});

		it('runs on a real domain event, once per event, with its owner’s rights', async () => {
			const definition: Definition = {
				trigger: { type: 'event', event: 'project.created', filter: { name: 'Orbit' } },
				steps: [
					{
						id: 'describe',
						kind: 'set_field',
						record: 'project',
						record_id: '{{event.subject.id}}',
						field: 'description',
						value: 'Welcomed by a workflow: {{event.payload.name}}',
						next: 'tell'
					},
					{
						id: 'tell',
						kind: 'notify',
						to: VIEWER.sub,
						text: 'Project {{event.payload.name}} is ready.'
					}
				]
			};
			const id = await as(OWNER, (trx) =>
				createWorkflow(trx, ACME, { name: 'Welcome projects', description: '', definition })
			);
			await as(OWNER, (trx) => setWorkflowEnabled(trx, id, true));
			await as(OWNER, (trx) =>
				createProject(trx, ACME, { slug: 'orbit', name: 'Orbit', description: '' })
			);
			await as(OWNER, (trx) =>
				createProject(trx, ACME, { slug: 'other', name: 'Other', description: '' })
			);

			const { rows: runs } = await sql<{ id: string; event_id: string }>`
				select id, event_id from public.workflow_runs where workflow_id = ${id}`.execute(db);
			expect(runs).toHaveLength(1);
			const run = await settle(runs[0]!.id);
			expect(run.status).toBe('succeeded');
			expect(run.steps.map((s) => [s.stepId, s.status, s.attempts])).toEqual([
				['describe', 'succeeded', 1],
				['tell', 'succeeded', 1]
			]);
			const { rows: project } = await sql<{ description: string }>`
				select description from public.projects where tenant_id = ${ACME} and slug = 'orbit'`.execute(db);
			expect(project[0]!.description).toBe('Welcomed by a workflow: Orbit');
			const { rows: told } = await sql<{ summary: string }>`
				select payload ->> 'summary' as summary from public.events
				where type = 'workflow.notification' and payload ->> 'run_id' = ${run.id}`.execute(db);
			expect(told).toEqual([{ summary: 'Project Orbit is ready.' }]);
			// The step's own change (project.updated) started no workflow run: no loops.
			const { rows: updated } = await sql<{ n: number }>`
				select count(*)::int as n from public.workflow_runs r join public.events e on e.id = r.event_id
				where e.type = 'project.updated'`.execute(db);
			expect(updated[0]!.n).toBe(0);

			// The same event again (a replay of the trigger) starts nothing.
			const { rows: again } = await sql<{ run: string | null }>`
				select private.start_workflow_run(w, 'event', 'event:' || ${runs[0]!.event_id}, '{}') as run
				from public.workflows w where w.id = ${id}`.execute(db);
			expect(again[0]!.run).toBeNull();
			const { rows: count } = await sql<{ n: number }>`
				select count(*)::int as n from public.workflow_runs where workflow_id = ${id}`.execute(db);
			expect(count[0]!.n).toBe(1);
		});

		it('cannot do what its owner cannot: a developer’s workflow may not rename a team', async () => {
			const definition: Definition = {
				trigger: { type: 'manual' },
				steps: [
					{
						id: 'rename',
						kind: 'set_field',
						record: 'team',
						record_id: SECURITY_TEAM,
						field: 'name',
						value: 'Renamed by a workflow'
					}
				]
			};
			const id = await as(DEV, (trx) =>
				createWorkflow(trx, ACME, { name: 'Rename the team', description: '', definition })
			);
			const refused = await settle(await as(DEV, (trx) => startRun(trx, id, {})));
			expect(refused.status).toBe('failed');
			expect(step(refused, 'rename')).toMatchObject({ status: 'failed', attempts: 1 });
			expect(refused.error).toBe(
				"The workflow's owner may not change this team, or it does not exist."
			);
			const name = async () =>
				(
					await sql<{
						name: string;
					}>`select name from public.teams where id = ${SECURITY_TEAM}`.execute(db)
				).rows[0]!.name;
			expect(await name()).toBe('Security');

			// The organisation's owner saves it: she is now its owner, and the same step may.
			await as(OWNER, (trx) =>
				updateWorkflow(trx, id, { name: 'Rename the team', description: '', definition })
			);
			const allowed = await settle(await as(OWNER, (trx) => startRun(trx, id, {})));
			expect(allowed.status).toBe('succeeded');
			expect(await name()).toBe('Renamed by a workflow');
		});

		it('retries a failing webhook step with backoff and records the attempts', async () => {
			const hook = await receiver((n) => (n === 1 ? 503 : 200));
			try {
				const id = await as(OWNER, (trx) =>
					createWorkflow(trx, ACME, {
						name: 'Call out',
						description: '',
						definition: {
							trigger: { type: 'manual' },
							steps: [{ id: 'call', kind: 'webhook', url: hook.url, retries: 2 }]
						}
					})
				);
				const run = await settle(await as(OWNER, (trx) => startRun(trx, id, { order: 42 })));
				expect(run.status).toBe('succeeded');
				expect(step(run, 'call')).toMatchObject({
					status: 'succeeded',
					attempts: 2,
					output: { status: 200 },
					error: 'The webhook answered 503.'
				});
				expect(hook.count()).toBe(2);
			} finally {
				await hook.close();
			}
		});

		it('follows the timeout branch of an approval nobody decided', async () => {
			const id = await as(OWNER, (trx) =>
				createWorkflow(trx, ACME, {
					name: 'Ask first',
					description: '',
					definition: {
						trigger: { type: 'manual' },
						steps: [
							{
								id: 'ask',
								kind: 'approval',
								permission: 'projects.update',
								message: 'Ship it?',
								timeout_seconds: 1,
								approved: 'shipped',
								timeout: 'expired'
							},
							{ id: 'shipped', kind: 'notify', to: VIEWER.sub, text: 'Shipped.' },
							{ id: 'expired', kind: 'notify', to: VIEWER.sub, text: 'Nobody decided.' }
						]
					}
				})
			);
			const runId = await as(OWNER, (trx) => startRun(trx, id, {}));
			const waiting = await settle(runId, ['waiting']);
			expect(waiting.approvals).toHaveLength(1);
			expect(waiting.approvals[0]).toMatchObject({ permission: 'projects.update', decision: null });
			const run = await settle(runId);
			expect(run.status).toBe('succeeded');
			expect(run.approvals[0]!.decision).toBe('timed_out');
			expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([
				['ask', 'succeeded'],
				['expired', 'succeeded']
			]);
			expect(run.output).toMatchObject({ ask: { decision: 'timed_out' } });
		});

		it('starts a scheduled run on each due tick, in the tenant’s time zone, once per tick', async () => {
			await sql`update public.tenants set timezone = 'Europe/Paris' where id = ${ACME}`.execute(db);
			const id = await as(OWNER, (trx) =>
				createWorkflow(trx, ACME, {
					name: 'Morning report',
					description: '',
					definition: {
						trigger: { type: 'schedule', cron: '30 9 * * 1-5' },
						steps: [
							{
								id: 'tell',
								kind: 'notify',
								to: VIEWER.sub,
								text: 'Report of {{input.scheduled_at}}'
							}
						]
					}
				})
			);
			const nextRunAt = async () => {
				const { rows } = await sql<{ next: Date | null }>`
					select next_run_at as next from public.workflows where id = ${id}`.execute(db);
				return rows[0]!.next?.toISOString() ?? null;
			};
			const runs = async () => {
				const { rows } = await sql<{ id: string; kind: string; key: string; input: unknown }>`
					select id, trigger_kind as kind, trigger_key as key, input from public.workflow_runs
					where workflow_id = ${id} order by created_at`.execute(db);
				return rows;
			};
			try {
				// Turned off, a schedule is never due.
				expect(await runDueSchedules(db, new Date('2026-11-23T06:00:00Z'))).toBe(0);
				expect(await nextRunAt()).toBeNull();

				await as(OWNER, (trx) => setWorkflowEnabled(trx, id, true));
				// The first pass (Monday 07:00 in Paris) only computes the tick: 09:30 Paris is 08:30 UTC in winter.
				expect(await runDueSchedules(db, new Date('2026-11-23T06:00:00Z'))).toBe(0);
				expect(await nextRunAt()).toBe('2026-11-23T08:30:00.000Z');
				expect(await runs()).toEqual([]);

				// Past the tick: one run, and the next tick is Tuesday's.
				expect(await runDueSchedules(db, new Date('2026-11-23T09:00:00Z'))).toBe(1);
				expect(await nextRunAt()).toBe('2026-11-24T08:30:00.000Z');
				const [first] = await runs();
				expect(first).toMatchObject({
					kind: 'schedule',
					key: 'schedule:2026-11-23T08:30:00.000Z',
					input: { scheduled_at: '2026-11-23T08:30:00.000Z' }
				});
				// A second scheduler holding the old tick starts nothing.
				const { rows: late } = await sql<{ run: string | null }>`
					select public.workflow_schedule_tick(${id}, '2026-11-23T08:30:00Z', '2026-11-24T08:30:00Z') as run`.execute(
					db
				);
				expect(late[0]!.run).toBeNull();
				expect(await runs()).toHaveLength(1);

				// Friday's run is followed by Monday's tick (1-5: weekdays only).
				await sql`update public.workflows set next_run_at = '2026-11-27T08:30:00Z' where id = ${id}`.execute(
					db
				);
				expect(await runDueSchedules(db, new Date('2026-11-27T09:00:00Z'))).toBe(1);
				expect(await nextRunAt()).toBe('2026-11-30T08:30:00.000Z');

				const run = await settle(first!.id);
				expect(run.status).toBe('succeeded');
				const { rows: told } = await sql<{ summary: string }>`
					select payload ->> 'summary' as summary from public.events
					where type = 'workflow.notification' and payload ->> 'run_id' = ${run.id}`.execute(db);
				expect(told).toEqual([{ summary: 'Report of 2026-11-23T08:30:00.000Z' }]);
			} finally {
				await as(OWNER, (trx) => setWorkflowEnabled(trx, id, false));
				await sql`update public.tenants set timezone = 'UTC' where id = ${ACME}`.execute(db);
			}
		});

		it('starts on an inbound integration event and posts to Slack as its owner', async () => {
			const slack = await startSlackFake();
			slack.token = 'xoxb-acme-wf';
			slack.channels = [{ id: 'C0DEPLOYS', name: 'deploys' }];
			const slackConfig = loadConfig({ NODE_ENV: 'test', SLACK_API_URL: slack.url });
			const slackWorker = createWorker({ db, config: slackConfig, queues: [stepQueue as never] });
			try {
				const { integration } = await as(OWNER, (trx) =>
					connectIntegration(trx, slackConfig, {
						tenantId: ACME,
						type: 'slack',
						name: 'Acme Slack for workflows',
						config: { default_channel: 'C0DEPLOYS' },
						secrets: {
							bot_token: 'xoxb-acme-wf',
							signing_secret: 'slacksigningsecret0123456789abcd'
						}
					})
				);
				const id = await as(OWNER, (trx) =>
					createWorkflow(trx, ACME, {
						name: 'Echo GitHub pushes',
						description: '',
						definition: {
							trigger: { type: 'integration', integration_type: 'github', provider_event: 'push' },
							steps: [
								{
									id: 'post',
									kind: 'slack',
									integration_id: integration.id,
									channel: 'C0DEPLOYS',
									text: 'GitHub says: {{event.payload.summary}}'
								}
							]
						}
					})
				);
				await as(OWNER, (trx) => setWorkflowEnabled(trx, id, true));
				const payload = (providerEvent: string) => ({
					integration_id: integration.id,
					integration_type: 'github',
					provider_event: providerEvent,
					delivery_id: `d-${providerEvent}`,
					summary: `octocat ${providerEvent}ed to main`
				});
				await sql`select private.publish_event(${ACME}, 'integration.event_received', 'integration',
					${integration.id}, ${JSON.stringify(payload('push'))}::jsonb),
					private.publish_event(${ACME}, 'integration.event_received', 'integration',
					${integration.id}, ${JSON.stringify(payload('star'))}::jsonb)`.execute(db);
				const { rows } = await sql<{ id: string; trigger_kind: string }>`
					select id, trigger_kind from public.workflow_runs where workflow_id = ${id}`.execute(db);
				expect(rows.map((r) => r.trigger_kind)).toEqual(['integration']);
				const run = await until('the Slack run', async () => {
					await slackWorker.tick();
					const r = await as(OWNER, (trx) => findRun(trx, ACME, rows[0]!.id));
					return r && ['succeeded', 'failed'].includes(r.status) ? r : undefined;
				});
				expect(run.status).toBe('succeeded');
				expect(slack.messages.map((m) => [m.channel, m.text])).toEqual([
					['C0DEPLOYS', 'GitHub says: octocat pushed to main']
				]);
				expect(step(run, 'post')!.output).toEqual({ ts: slack.messages[0]!.ts });
			} finally {
				await slackWorker.stop();
				await slack.close();
			}
		});

		it('refuses webhooks the SSRF guard refuses when loopback is not allowed, and dials nothing', async () => {
			const hook = await receiver(() => 200);
			const strict = createWorker({
				db,
				config: loadConfig({ NODE_ENV: 'test', WEBHOOK_ALLOW_LOOPBACK: 'false' }),
				queues: [stepQueue as never]
			});
			const resolved: string[] = [];
			setEngineOptions({
				resolve: async (host) => {
					resolved.push(host);
					return ['127.0.0.1'];
				}
			});
			const refusal = async (url: string) => {
				const id = await as(OWNER, (trx) =>
					createWorkflow(trx, ACME, {
						name: `Sneaky ${url}`.slice(0, 100),
						description: '',
						definition: {
							trigger: { type: 'manual' },
							steps: [{ id: 'call', kind: 'webhook', url }]
						}
					})
				);
				const runId = await as(OWNER, (trx) => startRun(trx, id, {}));
				const run = await until('the refused run', async () => {
					await strict.tick();
					const r = await as(OWNER, (trx) => findRun(trx, ACME, runId));
					return r?.status === 'failed' ? r : undefined;
				});
				expect(step(run, 'call')).toMatchObject({ status: 'failed', attempts: 1 });
				return run.error;
			};
			try {
				// A name: refused before any lookup (reserved for testing), never resolved nor dialled.
				expect(await refusal(`https://hooks.internal.test:${hook.port}/x`)).toBe(
					'Not sent: The host hooks.internal.test is a name reserved for testing (.test); webhooks go only to public addresses.'
				);
				expect(resolved).toEqual([]);
				// The loopback receiver itself, by address: refused without WEBHOOK_ALLOW_LOOPBACK.
				expect(await refusal(hook.url.replace('http:', 'https:'))).toMatch(
					/^Not sent: .*127\.0\.0\.1/
				);
				expect(hook.count()).toBe(0);
			} finally {
				setEngineOptions({});
				await strict.stop();
				await hook.close();
			}
		});
	});
}

suite('embedded', embeddedFactory);

describe.runIf(serverUrl)('a workflow run killed mid-step (Postgres 15)', () => {
	let t: TestEngine;
	beforeAll(async () => {
		t = await seeded(() => serverFactory());
		await sql`select private.register_job_queue('workflows.step', 'test', 3, '[0.2]'::jsonb)`.execute(
			t.engine.db
		);
	});
	afterAll(() => t.dispose());

	it('resumes where it was: another worker takes the step once the lease passes', async () => {
		const db = t.engine.db;
		let hang = true;
		const hook = await receiver(() => (hang ? 'hang' : 200));
		try {
			const id = await runWithClaims(db, OWNER, (trx) =>
				createWorkflow(trx, ACME, {
					name: 'Survives',
					description: '',
					definition: {
						trigger: { type: 'manual' },
						steps: [
							{ id: 'first', kind: 'notify', to: VIEWER.sub, text: 'One', next: 'call' },
							{ id: 'call', kind: 'webhook', url: hook.url, next: 'last' },
							{ id: 'last', kind: 'notify', to: VIEWER.sub, text: 'Three' }
						]
					}
				})
			);
			const runId = await runWithClaims(db, OWNER, (trx) => startRun(trx, id, {}));
			const child = spawn(
				'npx',
				['tsx', 'tests/support/workflow-worker.ts', t.url!, 'doomed-worker', '2'],
				{ stdio: ['ignore', 'pipe', 'inherit'] }
			);
			try {
				// The child runs the first step and is killed while the webhook step waits for its answer.
				await until('the webhook call', async () => (hook.count() > 0 ? true : undefined), 60_000);
				child.kill('SIGKILL');
			} finally {
				if (child.exitCode === null) child.kill('SIGKILL');
			}
			const mid = await runWithClaims(db, OWNER, (trx) => findRun(trx, ACME, runId));
			expect(mid!.steps.map((s) => [s.stepId, s.status])).toEqual([
				['first', 'succeeded'],
				['call', 'running']
			]);
			hang = false;
			const survivor = createWorker({
				db,
				config,
				queues: [stepQueue as never],
				workerId: 'survivor'
			});
			try {
				const run = await until(
					'the resumed run',
					async () => {
						await survivor.tick();
						const r = await runWithClaims(db, OWNER, (trx) => findRun(trx, ACME, runId));
						return r?.status === 'succeeded' ? r : undefined;
					},
					30_000
				);
				expect(run.steps.map((s) => [s.stepId, s.status, s.attempts])).toEqual([
					['first', 'succeeded', 1],
					['call', 'succeeded', 2],
					['last', 'succeeded', 1]
				]);
				const { rows } = await sql<{ status: string; attempts: number }>`
					select j.status, j.attempts from public.jobs j join public.workflow_step_runs s on s.job_id = j.id
					where s.run_id = ${runId} and s.step_id = 'call'`.execute(db);
				expect(rows[0]).toEqual({ status: 'succeeded', attempts: 2 });
			} finally {
				await survivor.stop();
			}
		} finally {
			await hook.close();
		}
	});
});
