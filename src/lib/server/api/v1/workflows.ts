/**
 * Workflows (workflows/queries.ts, docs/workflows.md): list and read workflows, list a workflow's
 * runs, start a manual run with an input, read a run with its steps and approvals, cancel it, and
 * decide an approval. workflows.manage for a person or an API key (an approval: the permission its
 * step names, and a person); SQL decides. Definitions are written in the app (the owner is a
 * person: an API key cannot own a workflow, TN364). Another tenant's ids are a 404.
 */
import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { DB } from '../../platform/database';
import {
	cancelRun,
	decideApproval,
	findRun,
	findWorkflow,
	listRuns,
	listWorkflows,
	startRun,
	type Run,
	type RunSummary,
	type WorkflowSummary
} from '../../workflows/queries';
import { endpoint } from '../endpoint';
import { iso, listEndpoint, notFound, timestamp, uuid } from './shared';

const TAG = 'Workflows';

const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;

export const workflowSchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		description: z.string(),
		enabled: z.boolean(),
		trigger_type: z.enum(['event', 'integration', 'schedule', 'manual']),
		trigger_event_type: z.string().nullable(),
		schedule_cron: z.string().nullable(),
		version: z.int(),
		owner_id: z.uuid().nullable().meta({ description: 'Whose rights the steps run with.' }),
		last_run_status: z.enum(RUN_STATUSES).nullable(),
		last_run_at: timestamp.nullable(),
		updated_at: timestamp
	})
	.meta({ id: 'Workflow' });

export const workflowDetailSchema = workflowSchema
	.extend({
		definition: z
			.record(z.string(), z.unknown())
			.meta({ description: 'The trigger and the DAG of steps (docs/workflows.md).' })
	})
	.meta({ id: 'WorkflowDetail' });

export const workflowRunSchema = z
	.object({
		id: z.uuid(),
		workflow_id: z.uuid(),
		version: z.int(),
		trigger_kind: z.enum(['event', 'integration', 'schedule', 'manual', 'rerun']),
		status: z.enum(RUN_STATUSES),
		error: z.string().nullable(),
		created_at: timestamp,
		started_at: timestamp.nullable(),
		ended_at: timestamp.nullable()
	})
	.meta({ id: 'WorkflowRun' });

export const workflowRunDetailSchema = workflowRunSchema
	.extend({
		input: z.record(z.string(), z.unknown()),
		output: z.record(z.string(), z.unknown()).nullable(),
		steps: z.array(
			z
				.object({
					step_id: z.string(),
					kind: z.string(),
					status: z.enum(RUN_STATUSES),
					attempts: z.int(),
					output: z.unknown(),
					error: z.string().nullable(),
					wait_until: timestamp.nullable(),
					started_at: timestamp.nullable(),
					ended_at: timestamp.nullable(),
					duration_ms: z.int().nullable()
				})
				.meta({ id: 'WorkflowStepRun' })
		),
		approvals: z.array(
			z
				.object({
					id: z.uuid(),
					step_id: z.string(),
					permission: z.string(),
					message: z.string(),
					expires_at: timestamp,
					decision: z.enum(['approved', 'rejected', 'timed_out']).nullable(),
					decided_at: timestamp.nullable(),
					comment: z.string().nullable()
				})
				.meta({ id: 'WorkflowApproval' })
		)
	})
	.meta({ id: 'WorkflowRunDetail' });

function workflowJson(w: WorkflowSummary): z.infer<typeof workflowSchema> {
	return {
		id: w.id,
		name: w.name,
		description: w.description,
		enabled: w.enabled,
		trigger_type: w.triggerType,
		trigger_event_type: w.triggerEventType,
		schedule_cron: w.scheduleCron,
		version: w.version,
		owner_id: w.ownerId,
		last_run_status: w.lastRunStatus,
		last_run_at: iso(w.lastRunAt),
		updated_at: iso(w.updatedAt)
	};
}

function runJson(r: RunSummary): z.infer<typeof workflowRunSchema> {
	return {
		id: r.id,
		workflow_id: r.workflowId,
		version: r.version,
		trigger_kind: r.triggerKind,
		status: r.status,
		error: r.error,
		created_at: iso(r.createdAt),
		started_at: iso(r.startedAt),
		ended_at: iso(r.endedAt)
	};
}

function runDetailJson(r: Run): z.infer<typeof workflowRunDetailSchema> {
	return {
		...runJson(r),
		input: r.input,
		output: r.output,
		steps: r.steps.map((s) => ({
			step_id: s.stepId,
			kind: s.kind,
			status: s.status,
			attempts: s.attempts,
			output: s.output,
			error: s.error,
			wait_until: iso(s.waitUntil),
			started_at: iso(s.startedAt),
			ended_at: iso(s.endedAt),
			duration_ms: s.durationMs
		})),
		approvals: r.approvals.map((a) => ({
			id: a.id,
			step_id: a.stepId,
			permission: a.permission,
			message: a.message,
			expires_at: iso(a.expiresAt),
			decision: a.decision,
			decided_at: iso(a.decidedAt),
			comment: a.comment
		}))
	};
}

async function visibleWorkflow(trx: Transaction<DB>, tenantId: string, id: string) {
	return (await findWorkflow(trx, tenantId, id)) ?? notFound('workflow');
}

async function visibleRun(trx: Transaction<DB>, tenantId: string, id: string) {
	return (await findRun(trx, tenantId, id)) ?? notFound('workflow run');
}

const workflowParams = z.object({ workflow: uuid('workflow') });
const runParams = z.object({ run: uuid('workflow run') });

export const listWorkflowsEndpoint = listEndpoint(
	{
		path: '/workflows',
		operationId: 'listWorkflows',
		summary: 'Workflows (workflows.manage)',
		tag: TAG,
		item: workflowSchema,
		pageId: 'WorkflowPage'
	},
	async ({ trx, tenant }) => (await listWorkflows(trx, tenant.id)).map(workflowJson),
	(w) => w.id
);

export const getWorkflowEndpoint = endpoint(
	{
		method: 'GET',
		path: '/workflows/{workflow}',
		operationId: 'getWorkflow',
		summary: 'A workflow with its definition (workflows.manage)',
		tag: TAG,
		params: workflowParams,
		response: workflowDetailSchema
	},
	async ({ trx, tenant, params }) => {
		const w = await visibleWorkflow(trx, tenant.id, params.workflow);
		return { ...workflowJson(w), definition: w.definition as unknown as Record<string, unknown> };
	}
);

export const listWorkflowRunsEndpoint = listEndpoint(
	{
		path: '/workflows/{workflow}/runs',
		operationId: 'listWorkflowRuns',
		summary: "A workflow's runs (workflows.manage)",
		tag: TAG,
		item: workflowRunSchema,
		pageId: 'WorkflowRunPage',
		params: workflowParams
	},
	async ({ trx, tenant, params }) => {
		const w = await visibleWorkflow(trx, tenant.id, params.workflow);
		return (await listRuns(trx, tenant.id, w.id, 1000)).map(runJson);
	},
	(r) => r.id
);

export const startWorkflowRunEndpoint = endpoint(
	{
		method: 'POST',
		path: '/workflows/{workflow}/runs',
		operationId: 'startWorkflowRun',
		summary: "Start a manual run with an input; it runs with the owner's rights (workflows.manage)",
		tag: TAG,
		params: workflowParams,
		body: z
			.object({
				input: z
					.record(z.string(), z.unknown())
					.default({})
					.meta({ description: 'The run’s input: {{input.<field>}} in the steps.' })
			})
			.strict()
			.meta({ id: 'WorkflowRunStart' }),
		response: workflowRunDetailSchema,
		status: 201
	},
	async ({ trx, tenant, params, body }) => {
		const w = await visibleWorkflow(trx, tenant.id, params.workflow);
		const run = await startRun(trx, w.id, body.input);
		return runDetailJson(await visibleRun(trx, tenant.id, run));
	}
);

export const getWorkflowRunEndpoint = endpoint(
	{
		method: 'GET',
		path: '/workflow-runs/{run}',
		operationId: 'getWorkflowRun',
		summary: 'A workflow run with its steps and approvals (workflows.manage)',
		tag: TAG,
		params: runParams,
		response: workflowRunDetailSchema
	},
	async ({ trx, tenant, params }) => runDetailJson(await visibleRun(trx, tenant.id, params.run))
);

export const cancelWorkflowRunEndpoint = endpoint(
	{
		method: 'POST',
		path: '/workflow-runs/{run}/cancel',
		operationId: 'cancelWorkflowRun',
		summary: 'Cancel a run: its remaining steps do not run (workflows.manage)',
		tag: TAG,
		params: runParams,
		response: workflowRunDetailSchema
	},
	async ({ trx, tenant, params }) => {
		const run = await visibleRun(trx, tenant.id, params.run);
		await cancelRun(trx, run.id);
		return runDetailJson(await visibleRun(trx, tenant.id, run.id));
	}
);

export const decideWorkflowApprovalEndpoint = endpoint(
	{
		method: 'POST',
		path: '/workflow-approvals/{approval}/decision',
		operationId: 'decideWorkflowApproval',
		summary:
			'Approve or reject a waiting approval (a person holding the permission its step names)',
		tag: TAG,
		params: z.object({ approval: uuid('approval') }),
		body: z
			.object({
				decision: z.enum(['approve', 'reject']),
				comment: z.string().trim().max(1000).default('')
			})
			.strict()
			.meta({ id: 'WorkflowDecision' })
	},
	async ({ trx, params, body }) => {
		await decideApproval(trx, params.approval, body.decision === 'approve', body.comment);
	}
);
