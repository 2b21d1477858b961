/**
 * Governance queries (20261205000300_governance.sql), each in the caller's transaction under RLS:
 * a tenant's data policies (what is in effect, its own changes, the retention dry run), the
 * platform's defaults and typed system settings (super_admin), the console's governance jobs, and
 * "view as" sessions (support staff start and end them; the tenant's members see theirs).
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';

type Trx = Transaction<DB>;

export type RetentionAction = 'delete' | 'anonymise';

export interface DataPolicyRow {
	dataClass: string;
	label: string;
	description: string;
	retentionDays: number;
	action: RetentionAction;
	isDefault: boolean;
	actions: RetentionAction[];
	minDays: number;
	maxDays: number;
	perTenant: boolean;
	enforced: boolean;
}

/** Every data class with the retention in effect for the tenant (its own, or the platform's default). */
export async function listDataPolicies(trx: Trx, tenantId: string): Promise<DataPolicyRow[]> {
	const { rows } = await sql<DataPolicyRow>`select data_class as "dataClass", label, description,
		retention_days as "retentionDays", action, is_default as "isDefault", actions, min_days as "minDays",
		max_days as "maxDays", per_tenant as "perTenant", enforced
		from public.effective_data_policies(${tenantId})`.execute(trx);
	return rows;
}

/** Sets the tenant's own policy for a class (insert or update); SQL checks the range (TN500, TN501, TN510). */
export async function saveDataPolicy(
	trx: Trx,
	tenantId: string,
	input: { dataClass: string; retentionDays: number; action: RetentionAction }
): Promise<boolean> {
	const row = await trx
		.insertInto('data_policies')
		.values({
			tenant_id: tenantId,
			data_class: input.dataClass,
			retention_days: input.retentionDays,
			action: input.action
		})
		.onConflict((oc) =>
			oc.columns(['tenant_id', 'data_class']).doUpdateSet({
				retention_days: input.retentionDays,
				action: input.action
			})
		)
		.returning('data_class')
		.executeTakeFirst();
	return row !== undefined;
}

/** Back to the platform's default: the tenant's own policy goes (false when it had none). */
export async function resetDataPolicy(
	trx: Trx,
	tenantId: string,
	dataClass: string
): Promise<boolean> {
	const result = await trx
		.deleteFrom('data_policies')
		.where('tenant_id', '=', tenantId)
		.where('data_class', '=', dataClass)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}

export interface RetentionPreviewRow {
	dataClass: string;
	action: RetentionAction;
	retentionDays: number;
	rows: number;
}

/** The dry run: what the next retention run would delete or anonymise in the tenant (privacy.manage). */
export async function previewRetention(trx: Trx, tenantId: string): Promise<RetentionPreviewRow[]> {
	const { rows } = await sql<RetentionPreviewRow>`select data_class as "dataClass", action,
		retention_days as "retentionDays", rows::int as rows from public.preview_retention(${tenantId})`.execute(
		trx
	);
	return rows;
}

// ---------------------------------------------------------------------------------------------
// The console: the platform's defaults, the settings, the jobs
// ---------------------------------------------------------------------------------------------

export interface DataClassRow {
	key: string;
	label: string;
	description: string;
	defaultDays: number;
	defaultAction: RetentionAction;
	actions: RetentionAction[];
	minDays: number;
	maxDays: number;
	perTenant: boolean;
	enforced: boolean;
}

export async function listDataClasses(trx: Trx): Promise<DataClassRow[]> {
	const { rows } =
		await sql<DataClassRow>`select key, label, description, default_days as "defaultDays",
		default_action as "defaultAction", actions, min_days as "minDays", max_days as "maxDays",
		per_tenant as "perTenant", enforced from public.data_classes order by key`.execute(trx);
	return rows;
}

/** super_admin changes a class's default (false when RLS hid the row: not super_admin). */
export async function updateDataClass(
	trx: Trx,
	input: { key: string; defaultDays: number; defaultAction: RetentionAction }
): Promise<boolean> {
	const result = await trx
		.updateTable('data_classes')
		.set({ default_days: input.defaultDays, default_action: input.defaultAction })
		.where('key', '=', input.key)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

export type SettingType =
	'boolean' | 'integer' | 'number' | 'string' | 'integer_list' | 'object' | 'cidr_list';

export interface SettingRow {
	key: string;
	value: unknown;
	category: string;
	description: string;
	isPublic: boolean;
	valueType: SettingType;
	minValue: string | null;
	maxValue: string | null;
	allowedValues: string[] | null;
	updatedAt: Date;
}

/** The settings staff may read (all of them), by category and key. */
export async function listSettings(trx: Trx): Promise<SettingRow[]> {
	const { rows } =
		await sql<SettingRow>`select key, value, category, description, is_public as "isPublic",
		value_type as "valueType", min_value::text as "minValue", max_value::text as "maxValue",
		allowed_values as "allowedValues", updated_at as "updatedAt"
		from public.system_settings order by category, key`.execute(trx);
	return rows;
}

export async function findSetting(trx: Trx, key: string): Promise<SettingRow | undefined> {
	return (await listSettings(trx)).find((setting) => setting.key === key);
}

/** super_admin writes a value (SQL checks its type and bounds, TN502; audited with old and new). */
export async function updateSetting(
	trx: Trx,
	input: { key: string; value: unknown; isPublic: boolean }
): Promise<boolean> {
	const result = await trx
		.updateTable('system_settings')
		.set({ value: JSON.stringify(input.value), is_public: input.isPublic })
		.where('key', '=', input.key)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

export interface GovernanceReport {
	id: string;
	queue: string;
	status: string;
	result: Record<string, unknown> | null;
	lastError: string | null;
	createdAt: Date;
	completedAt: Date | null;
}

/** The governance queues' latest jobs with their reports (super_admin). */
export async function listGovernanceReports(trx: Trx, limit = 20): Promise<GovernanceReport[]> {
	const { rows } =
		await sql<GovernanceReport>`select id, queue, status, result, last_error as "lastError",
		created_at as "createdAt", completed_at as "completedAt" from public.governance_reports(${limit})`.execute(
			trx
		);
	return rows;
}

/** super_admin's "run now": one retention or maintenance job, a dry run unless told otherwise. */
export async function runGovernanceJob(
	trx: Trx,
	kind: 'retention' | 'maintenance',
	dryRun: boolean
): Promise<string> {
	const { rows } = await sql<{
		id: string;
	}>`select public.enqueue_governance_job(${kind}, ${dryRun}) as id`.execute(trx);
	return rows[0]!.id;
}

// ---------------------------------------------------------------------------------------------
// View as
// ---------------------------------------------------------------------------------------------

export interface ImpersonationRow {
	id: string;
	tenantId: string;
	targetUserId: string;
	/** The member's address ('' where the caller may not read their profile). */
	targetEmail: string;
	staffId: string;
	staffLabel: string;
	reason: string;
	allowWrites: boolean;
	startedAt: Date;
	expiresAt: Date;
}

const OPEN = sql<boolean>`ended_at is null and expires_at > now()`;

function selectSessions(trx: Trx) {
	return trx
		.selectFrom('impersonation_sessions')
		.select([
			'id',
			'tenant_id as tenantId',
			'target_user_id as targetUserId',
			sql<string>`coalesce((select p.email::text from public.profiles p where p.id = target_user_id), '')`.as(
				'targetEmail'
			),
			'staff_id as staffId',
			'staff_label as staffLabel',
			'reason',
			'allow_writes as allowWrites',
			'started_at as startedAt',
			'expires_at as expiresAt'
		])
		.where(OPEN);
}

/** Starts a "view as" session (support staff); SQL refuses staff targets, non-members … (TN503–TN507). */
export async function startImpersonation(
	trx: Trx,
	input: { tenantId: string; userId: string; reason: string; minutes: number; allowWrites: boolean }
): Promise<string> {
	const { rows } = await sql<{ id: string }>`select public.start_impersonation(${input.tenantId},
		${input.userId}, ${input.reason}, ${input.minutes}, ${input.allowWrites}) as id`.execute(trx);
	return rows[0]!.id;
}

export async function endImpersonation(trx: Trx, id: string): Promise<boolean> {
	const { rows } = await sql<{
		ended: boolean;
	}>`select public.end_impersonation(${id}) as ended`.execute(trx);
	return rows[0]?.ended === true;
}

/** The caller's own open session, by id (what the view-as cookie names), with the member's address. */
export async function myOpenImpersonation(
	trx: Trx,
	id: string,
	staffId: string
): Promise<ImpersonationRow | undefined> {
	return selectSessions(trx)
		.where('id', '=', id)
		.where('staff_id', '=', staffId)
		.executeTakeFirst();
}

/** The open sessions in a tenant: its members' banner. */
export function openImpersonations(trx: Trx, tenantId: string): Promise<ImpersonationRow[]> {
	return selectSessions(trx).where('tenant_id', '=', tenantId).orderBy('started_at').execute();
}
