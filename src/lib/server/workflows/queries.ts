/**
 * Workflows, their runs, steps and approvals, in the caller's request transaction. Reads are RLS
 * (workflows.manage); every write is an RPC of supabase/migrations/20261203000300_workflows.sql,
 * which decides who may (this file never checks a permission).
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';
import type { Definition } from '../../workflows/definition';

export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';
export type TriggerType = 'event' | 'integration' | 'schedule' | 'manual';

export interface WorkflowSummary {
	id: string;
	name: string;
	description: string;
	enabled: boolean;
	triggerType: TriggerType;
	triggerEventType: string | null;
	scheduleCron: string | null;
	version: number;
	ownerId: string | null;
	ownerName: string | null;
	updatedAt: Date;
	lastRunStatus: RunStatus | null;
	lastRunAt: Date | null;
}

export interface Workflow extends WorkflowSummary {
	definition: Definition;
	nextRunAt: Date | null;
	createdAt: Date;
}

function workflowsOf(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('workflows as w')
		.leftJoin('profiles as p', 'p.id', 'w.owner_id')
		.leftJoinLateral(
			(eb) =>
				eb
					.selectFrom('workflow_runs as r')
					.select(['r.status', 'r.created_at'])
					.whereRef('r.tenant_id', '=', 'w.tenant_id')
					.whereRef('r.workflow_id', '=', 'w.id')
					.orderBy('r.created_at', 'desc')
					.limit(1)
					.as('last'),
			(join) => join.onTrue()
		)
		.select([
			'w.id',
			'w.name',
			'w.description',
			'w.enabled',
			sql<TriggerType>`w.trigger_type`.as('triggerType'),
			'w.trigger_event_type as triggerEventType',
			'w.schedule_cron as scheduleCron',
			'w.version',
			'w.owner_id as ownerId',
			sql<string | null>`coalesce(nullif(p.full_name, ''), p.email::text)`.as('ownerName'),
			'w.updated_at as updatedAt',
			sql<RunStatus | null>`last.status`.as('lastRunStatus'),
			'last.created_at as lastRunAt'
		])
		.where('w.tenant_id', '=', tenantId);
}

export const WORKFLOW_LIST = defineList({
	sorts: {
		name: { column: 'name', type: 'text' },
		updated: { column: 'updatedAt', type: 'timestamptz' }
	},
	defaultSort: 'name',
	defaultDir: 'asc',
	search: ['name', 'description', 'triggerEventType'],
	id: { column: 'id', type: 'uuid' }
});

export async function pageWorkflows(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams
): Promise<ListPage<WorkflowSummary>> {
	return (await listPage(
		trx,
		workflowsOf(trx, tenantId),
		WORKFLOW_LIST,
		params
	)) as ListPage<WorkflowSummary>;
}

export async function listWorkflows(
	trx: Transaction<DB>,
	tenantId: string
): Promise<WorkflowSummary[]> {
	return (await workflowsOf(trx, tenantId)
		.orderBy('w.name')
		.orderBy('w.id')
		.execute()) as WorkflowSummary[];
}

export async function findWorkflow(
	trx: Transaction<DB>,
	tenantId: string,
	workflowId: string
): Promise<Workflow | undefined> {
	return (await workflowsOf(trx, tenantId)
		.select([
			sql<Definition>`w.definition`.as('definition'),
			'w.next_run_at as nextRunAt',
			'w.created_at as createdAt'
		])
		.where('w.id', '=', workflowId)
		.executeTakeFirst()) as Workflow | undefined;
}

export interface WorkflowInput {
	name: string;
	description: string;
	definition: Definition;
}

export async function createWorkflow(
	trx: Transaction<DB>,
	tenantId: string,
	input: WorkflowInput
): Promise<string> {
	const { rows } = await sql<{ id: string }>`
		select public.create_workflow(${tenantId}, null, ${input.name}, ${input.description},
		                              ${JSON.stringify(input.definition)}::jsonb) as id`.execute(trx);
	return rows[0]!.id;
}

/** Saves a workflow (the caller becomes its owner); returns its version. */
export async function updateWorkflow(
	trx: Transaction<DB>,
	workflowId: string,
	input: WorkflowInput
): Promise<number> {
	const { rows } = await sql<{ version: number }>`
		select public.update_workflow(${workflowId}, ${input.name}, ${input.description},
		                              ${JSON.stringify(input.definition)}::jsonb) as version`.execute(trx);
	return rows[0]!.version;
}

export async function setWorkflowEnabled(
	trx: Transaction<DB>,
	workflowId: string,
	enabled: boolean
): Promise<void> {
	await sql`select public.set_workflow_enabled(${workflowId}, ${enabled})`.execute(trx);
}

export async function deleteWorkflow(trx: Transaction<DB>, workflowId: string): Promise<void> {
	await sql`select public.delete_workflow(${workflowId})`.execute(trx);
}

export async function startRun(
	trx: Transaction<DB>,
	workflowId: string,
	input: Record<string, unknown>
): Promise<string> {
	const { rows } = await sql<{ id: string }>`
		select public.start_workflow_run(${workflowId}, ${JSON.stringify(input)}::jsonb) as id`.execute(
		trx
	);
	return rows[0]!.id;
}

export async function rerun(trx: Transaction<DB>, runId: string): Promise<string> {
	const { rows } = await sql<{ id: string }>`
		select public.rerun_workflow_run(${runId}) as id`.execute(trx);
	return rows[0]!.id;
}

export async function cancelRun(trx: Transaction<DB>, runId: string): Promise<void> {
	await sql`select public.cancel_workflow_run(${runId})`.execute(trx);
}

export async function decideApproval(
	trx: Transaction<DB>,
	approvalId: string,
	approve: boolean,
	comment: string
): Promise<void> {
	await sql`select public.decide_workflow_approval(${approvalId}, ${approve}, ${comment})`.execute(
		trx
	);
}

export interface RunSummary {
	id: string;
	workflowId: string;
	workflowName: string;
	version: number;
	triggerKind: 'event' | 'integration' | 'schedule' | 'manual' | 'rerun';
	status: RunStatus;
	error: string | null;
	createdAt: Date;
	startedAt: Date | null;
	endedAt: Date | null;
}

function runsOf(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('workflow_runs as r')
		.innerJoin('workflows as w', (join) =>
			join.onRef('w.tenant_id', '=', 'r.tenant_id').onRef('w.id', '=', 'r.workflow_id')
		)
		.select([
			'r.id',
			'r.workflow_id as workflowId',
			'w.name as workflowName',
			'r.version',
			sql<RunSummary['triggerKind']>`r.trigger_kind`.as('triggerKind'),
			sql<RunStatus>`r.status`.as('status'),
			'r.error',
			'r.created_at as createdAt',
			'r.started_at as startedAt',
			'r.ended_at as endedAt'
		])
		.where('r.tenant_id', '=', tenantId);
}

export const RUN_LIST = defineList({
	sorts: {
		created: { column: 'createdAt', type: 'timestamptz' },
		status: { column: 'status', type: 'text' }
	},
	defaultSort: 'created',
	defaultDir: 'desc',
	search: ['workflowName', 'status', 'triggerKind'],
	id: { column: 'id', type: 'uuid' }
});

export async function pageRuns(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams,
	workflowId?: string
): Promise<ListPage<RunSummary>> {
	let query = runsOf(trx, tenantId);
	if (workflowId) query = query.where('r.workflow_id', '=', workflowId);
	return (await listPage(trx, query, RUN_LIST, params)) as ListPage<RunSummary>;
}

export async function listRuns(
	trx: Transaction<DB>,
	tenantId: string,
	workflowId: string,
	limit = 100
): Promise<RunSummary[]> {
	return (await runsOf(trx, tenantId)
		.where('r.workflow_id', '=', workflowId)
		.orderBy('r.created_at', 'desc')
		.orderBy('r.id', 'desc')
		.limit(limit)
		.execute()) as RunSummary[];
}

export interface StepRun {
	stepId: string;
	kind: string;
	status: RunStatus;
	attempts: number;
	output: unknown;
	error: string | null;
	waitUntil: Date | null;
	startedAt: Date | null;
	endedAt: Date | null;
	durationMs: number | null;
}

export interface Approval {
	id: string;
	stepId: string;
	permission: string;
	message: string;
	expiresAt: Date;
	decision: 'approved' | 'rejected' | 'timed_out' | null;
	decidedBy: string | null;
	decidedAt: Date | null;
	comment: string | null;
}

export interface Run extends RunSummary {
	input: Record<string, unknown>;
	output: Record<string, unknown> | null;
	eventId: string | null;
	rerunOf: string | null;
	steps: StepRun[];
	approvals: Approval[];
}

export async function findRun(
	trx: Transaction<DB>,
	tenantId: string,
	runId: string
): Promise<Run | undefined> {
	const run = await runsOf(trx, tenantId)
		.select([
			sql<Record<string, unknown>>`r.input`.as('input'),
			sql<Record<string, unknown> | null>`r.output`.as('output'),
			'r.event_id as eventId',
			'r.rerun_of as rerunOf'
		])
		.where('r.id', '=', runId)
		.executeTakeFirst();
	if (!run) return undefined;
	const steps = await trx
		.selectFrom('workflow_step_runs as s')
		.select([
			's.step_id as stepId',
			's.kind',
			sql<RunStatus>`s.status`.as('status'),
			's.attempts',
			's.output',
			's.error',
			's.wait_until as waitUntil',
			's.started_at as startedAt',
			's.ended_at as endedAt',
			's.duration_ms as durationMs'
		])
		.where('s.tenant_id', '=', tenantId)
		.where('s.run_id', '=', runId)
		.orderBy('s.created_at')
		.orderBy('s.id')
		.execute();
	const approvals = await trx
		.selectFrom('workflow_approvals as a')
		.leftJoin('profiles as p', 'p.id', 'a.decided_by')
		.select([
			'a.id',
			'a.step_id as stepId',
			'a.permission',
			'a.message',
			'a.expires_at as expiresAt',
			sql<Approval['decision']>`a.decision`.as('decision'),
			sql<string | null>`coalesce(nullif(p.full_name, ''), p.email::text)`.as('decidedBy'),
			'a.decided_at as decidedAt',
			'a.comment'
		])
		.where('a.tenant_id', '=', tenantId)
		.where('a.run_id', '=', runId)
		.execute();
	return {
		...(run as unknown as Run),
		steps: steps as StepRun[],
		approvals: approvals as Approval[]
	};
}

export interface PendingApproval {
	id: string;
	runId: string;
	stepId: string;
	workflowId: string;
	workflowName: string;
	message: string;
	expiresAt: Date;
}

/** The approvals the caller may decide (public.pending_workflow_approvals). */
export async function pendingApprovals(
	trx: Transaction<DB>,
	tenantId: string
): Promise<PendingApproval[]> {
	const { rows } = await sql<PendingApproval>`
		select id, run_id as "runId", step_id as "stepId", workflow_id as "workflowId",
		       workflow_name as "workflowName", message, expires_at as "expiresAt"
		from public.pending_workflow_approvals(${tenantId})`.execute(trx);
	return rows;
}
