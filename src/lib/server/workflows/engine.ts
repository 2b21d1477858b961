/**
 * The workflow engine: the handler of queue `workflows.step` (one job per step of a run). A job
 * takes its step (`public.workflow_step_begin`, as the system), performs it with the rights of
 * the workflow's owner — a transaction under the owner's claims, so RLS and the RPCs' permission
 * checks decide, never service_role — and ends it (`public.workflow_step_finish`): its next steps
 * are queued, or it waits (a wait, an approval: the same step queued again for later), or the run
 * fails.
 *
 * Durable because every state is a row and every step a job: a worker killed mid-step loses its
 * lease and another takes the job again (`workflow_step_begin` accepts a step still marked
 * running). A failed attempt is retried on the queue's schedule (`retries` per step); the last
 * one fails the run. At least once: a step whose action committed but whose worker died before
 * the finish runs its action again (the step kinds are written to make that harmless: a
 * notification or email twice at worst).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import { checkDestination } from '../../../../supabase/functions/_shared/ssrf';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import {
	PermanentJobError,
	type JobContext,
	type QueueDefinition,
	type QueuedJob
} from '../queue/registry';
import { resolveHost } from '../webhooks/destination';
import { lookup, render, test, type RunContext } from '../../workflows/context';
import { edgesOf, type Step } from '../../workflows/definition';
import { StepRefused } from './errors';
import { postSlack } from './slack';

export const STEP_QUEUE = 'workflows.step';

export const stepPayload = z.object({ run_id: z.uuid(), step_id: z.string().min(1) });
export type StepPayload = z.infer<typeof stepPayload>;

/** What workflow_step_begin returns. */
interface Begun {
	run: { id: string; tenant_id: string; workflow_id: string; input: Record<string, unknown> };
	owner_id: string | null;
	tenant: { id: string; slug: string; timezone: string };
	step: Step;
	step_run: { wait_until: string | null; attempts: number };
	outputs: Record<string, unknown>;
	approval: { id: string; decision: string | null; expires_at: string } | null;
}

type Outcome =
	| { status: 'succeeded'; output: Record<string, unknown>; next: string[] }
	| { status: 'waiting'; until: Date; output?: Record<string, unknown> };

/** How the engine reaches the outside: the SSRF guard's resolver, swapped in tests. */
export interface EngineOptions {
	resolve?: (host: string) => Promise<string[]>;
	webhookTimeoutMs?: number;
}

let engineOptions: EngineOptions = {};

/** Tests point the engine's DNS at their own resolver. */
export function setEngineOptions(options: EngineOptions): void {
	engineOptions = options;
}

const SQL_REFUSALS: Record<string, string> = {
	TN370: "The workflow's owner no longer manages workflows in this organisation.",
	TN371: 'A workflow writes only to members of its organisation.',
	TN372: 'The message is empty or too long.',
	TN002: "The workflow's owner lacks the permission this step needs.",
	TN004: 'The organisation requires two-factor authentication, which a workflow run does not have.'
};

/** A database refusal as a step error: permanent (retrying will not change the owner's rights). */
function refusal(error: unknown): never {
	const code = (error as { code?: string }).code;
	if (code && SQL_REFUSALS[code]) throw new StepRefused(`${SQL_REFUSALS[code]} (${code})`);
	throw error;
}

async function asOwner<T>(
	ctx: JobContext,
	begun: Begun,
	fn: (trx: Transaction<DB>) => Promise<T>
): Promise<T> {
	if (!begun.owner_id)
		throw new StepRefused('The workflow has no owner: someone must save it again.');
	return ctx
		.asUser({ sub: begun.owner_id, role: 'authenticated' }, async (trx) => {
			// The owner's own changes here start no workflow (private.start_event_workflows): no loops.
			await sql`select set_config('tenantry.workflow_run', ${begun.run.id}, true)`.execute(trx);
			return fn(trx);
		})
		.catch(refusal);
}

function memberId(value: string, what: string): string {
	if (!z.uuid().safeParse(value).success)
		throw new StepRefused(`The ${what} "${value}" is not a member's id.`);
	return value;
}

/** POSTs `body` to `url` after the SSRF guard, over a connection to the address it checked. */
export async function callWebhook(
	url: string,
	body: string,
	config: Config,
	options: EngineOptions = engineOptions
): Promise<{ status: number }> {
	const checked = await checkDestination(url, {
		resolve: options.resolve ?? resolveHost,
		allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK,
		requireHttps: !config.WEBHOOK_ALLOW_LOOPBACK
	});
	if (!checked.ok) throw new StepRefused(`Not sent: ${checked.reason}`);
	const address = checked.addresses[0];
	if (!address) throw new StepRefused(`Not sent: ${checked.url.hostname} has no address.`);
	const send = checked.url.protocol === 'https:' ? httpsRequest : httpRequest;
	const status = await new Promise<number>((resolve, reject) => {
		const req = send(
			checked.url,
			{
				method: 'POST',
				headers: { 'content-type': 'application/json', 'user-agent': 'Tenantry-Workflows/1' },
				timeout: options.webhookTimeoutMs ?? 10_000,
				// Connect to the address the guard checked, never a second resolution.
				lookup: (_host, _opts, cb) => cb(null, address, isIP(address) || 4)
			},
			(res) => {
				res.resume();
				res.on('end', () => resolve(res.statusCode ?? 0));
			}
		);
		req.on('timeout', () => req.destroy(new Error('no response in time')));
		req.on('error', reject);
		req.end(body);
	});
	if (status < 200 || status >= 300) throw new Error(`The webhook answered ${status}.`);
	return { status };
}

async function perform(
	step: Step,
	context: RunContext,
	begun: Begun,
	ctx: JobContext
): Promise<Outcome> {
	const runId = begun.run.id;
	const done = (output: Record<string, unknown>, next = edgesOf(step)): Outcome => ({
		status: 'succeeded',
		output,
		next
	});
	switch (step.kind) {
		case 'condition': {
			const result = test(lookup(context, step.field), step.op, step.value);
			return done(
				{ result },
				[result ? step.then : step.else].filter((e): e is string => !!e)
			);
		}
		case 'notify': {
			const to = memberId(render(step.to, context), 'recipient');
			const text = render(step.text, context);
			await asOwner(ctx, begun, (trx) =>
				sql`select public.workflow_notify(${runId}, ${step.id}, ${to}, ${text})`.execute(trx)
			);
			return done({ to, text }, step.next ? [step.next] : []);
		}
		case 'email': {
			const to = memberId(render(step.to, context), 'recipient');
			const subject = render(step.subject, context);
			await asOwner(ctx, begun, (trx) =>
				sql`select public.workflow_send_email(${runId}, ${step.id}, ${to}, ${subject}, ${render(step.text, context)})`.execute(
					trx
				)
			);
			return done({ to, subject }, step.next ? [step.next] : []);
		}
		case 'webhook': {
			const body =
				step.body !== undefined
					? render(step.body, context)
					: JSON.stringify({ run_id: runId, input: context.input, steps: context.steps });
			const { status } = await callWebhook(render(step.url, context), body, ctx.config);
			return done({ status }, step.next ? [step.next] : []);
		}
		case 'slack': {
			const text = render(step.text, context);
			const posted = await asOwner(ctx, begun, (trx) =>
				postSlack(trx, ctx.config, {
					tenantId: begun.run.tenant_id,
					integrationId: step.integration_id,
					channel: render(step.channel, context),
					text
				})
			);
			return done({ ts: posted.ts }, step.next ? [step.next] : []);
		}
		case 'set_field': {
			const id = render(step.record_id, context);
			const value = render(step.value, context);
			if (!z.uuid().safeParse(id).success)
				throw new StepRefused(`The ${step.record} id "${id}" is not an id.`);
			const table = step.record === 'project' ? 'projects' : 'teams';
			const changed = await asOwner(ctx, begun, (trx) =>
				trx
					.updateTable(table)
					.set({ [step.field]: value })
					.where('tenant_id', '=', begun.run.tenant_id)
					.where('id', '=', id)
					.returning('id')
					.execute()
			);
			if (changed.length === 0)
				throw new StepRefused(
					`The workflow's owner may not change this ${step.record}, or it does not exist.`
				);
			return done({ [step.field]: value }, step.next ? [step.next] : []);
		}
		case 'wait': {
			const waited = begun.step_run.wait_until ? new Date(begun.step_run.wait_until) : null;
			if (waited && waited.getTime() <= Date.now())
				return done({ waited_until: waited.toISOString() });
			const until =
				step.seconds !== undefined
					? new Date(Date.now() + step.seconds * 1000)
					: new Date(render(step.until ?? '', context));
			if (Number.isNaN(until.getTime()))
				throw new StepRefused(
					`"${render(step.until ?? '', context)}" is not a time to wait until.`
				);
			if (until.getTime() <= Date.now()) return done({ waited_until: until.toISOString() });
			return { status: 'waiting', until };
		}
		case 'approval': {
			const approval = begun.approval;
			if (!approval) {
				const expires = new Date(Date.now() + step.timeout_seconds * 1000);
				await ctx.asSystem('workflows.step', (trx) =>
					sql`select public.workflow_request_approval(${runId}, ${step.id}, ${step.permission},
					                                            ${render(step.message ?? '', context)}, ${expires})`.execute(
						trx
					)
				);
				return { status: 'waiting', until: expires };
			}
			if (approval.decision === 'approved' || approval.decision === 'rejected') {
				const branch =
					approval.decision === 'approved' ? (step.approved ?? step.next) : step.rejected;
				return done({ decision: approval.decision }, branch ? [branch] : []);
			}
			const expires = new Date(approval.expires_at);
			if (expires.getTime() > Date.now()) return { status: 'waiting', until: expires };
			const timedOut = await ctx.asSystem('workflows.step', async (trx) => {
				const { rows } = await sql<{ t: boolean }>`
					select public.workflow_approval_timed_out(${approval.id}) as t`.execute(trx);
				return rows[0]?.t === true;
			});
			if (!timedOut) throw new Error('The approval was decided as it timed out; trying again.');
			if (!step.timeout) throw new StepRefused('Nobody decided before the approval timed out.');
			return done({ decision: 'timed_out' }, [step.timeout]);
		}
	}
}

async function finish(
	ctx: JobContext,
	payload: StepPayload,
	status: 'succeeded' | 'failed' | 'waiting',
	fields: { output?: Record<string, unknown>; error?: string; next?: string[]; until?: Date }
): Promise<string> {
	return ctx.asSystem('workflows.step', async (trx) => {
		const { rows } = await sql<{ state: string }>`
			select public.workflow_step_finish(${payload.run_id}, ${payload.step_id}, ${status},
			  ${fields.output ? JSON.stringify(fields.output) : null}::jsonb, ${fields.error ?? null},
			  ${fields.next ?? []}::text[], ${fields.until ?? null}) as state`.execute(trx);
		return rows[0]?.state ?? 'gone';
	});
}

/** The handler of one `workflows.step` job. */
export async function runStep(
	job: QueuedJob<StepPayload>,
	ctx: JobContext
): Promise<Record<string, unknown>> {
	const payload = job.payload;
	const begun = await ctx.asSystem('workflows.step', async (trx) => {
		const { rows } = await sql<{ begun: Begun | null }>`
			select public.workflow_step_begin(${payload.run_id}, ${payload.step_id}) as begun`.execute(trx);
		return rows[0]?.begun ?? null;
	});
	if (!begun) return { skipped: 'the run or step has ended' };
	const input = begun.run.input ?? {};
	const context: RunContext = {
		input,
		event: input.event,
		steps: begun.outputs,
		run: { id: begun.run.id }
	};
	try {
		const outcome = await perform(begun.step, context, begun, ctx);
		const state =
			outcome.status === 'waiting'
				? await finish(ctx, payload, 'waiting', { output: outcome.output, until: outcome.until })
				: await finish(ctx, payload, 'succeeded', { output: outcome.output, next: outcome.next });
		return { step: outcome.status, run: state };
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		if (!(error instanceof PermanentJobError) && job.attempt < job.maxAttempts) {
			await ctx.asSystem('workflows.step', (trx) =>
				sql`select public.workflow_step_retrying(${payload.run_id}, ${payload.step_id}, ${message})`.execute(
					trx
				)
			);
			throw error;
		}
		const state = await finish(ctx, payload, 'failed', { error: message });
		return { step: 'failed', run: state, error: message };
	}
}

/** The queue of steps (jobs.ts registers it; tests run workers of it with a short lease). */
export const stepQueue: QueueDefinition<StepPayload> = {
	name: STEP_QUEUE,
	job: 'workflows.step',
	concurrency: 4,
	leaseSeconds: 60,
	payload: stepPayload,
	handle: runStep
};
