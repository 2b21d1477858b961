/** Tenant queries; every one runs in the caller's request transaction, under RLS. */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';

export interface TenantSummary {
	id: string;
	slug: string;
	name: string;
	status: string;
}

export interface TenantDetail extends TenantSummary {
	statusReason: string | null;
	timezone: string;
	dataRegion: string;
	requireMfa: boolean;
	branding: { primary_color?: string; logo_url?: string } & Record<string, unknown>;
}

/** The tenant columns every tenant page and the console show (TenantSummary and its status). */
export const TENANT_COLUMNS = [
	'id',
	'slug',
	'name',
	'status',
	'status_reason as statusReason',
	'timezone',
	'data_region as dataRegion'
] as const;

/** The caller's tenant-wide permission codes in a tenant (none when not a member). */
export async function myPermissions(trx: Transaction<DB>, tenantId: string): Promise<string[]> {
	const { rows } = await sql<{
		code: string;
	}>`select public.my_permissions(${tenantId}) as code`.execute(trx);
	return rows.map((r) => r.code).sort();
}

/** The tenants the caller may see (RLS decides), by name. */
export function listMyTenants(trx: Transaction<DB>): Promise<TenantSummary[]> {
	return trx
		.selectFrom('tenants')
		.select(['id', 'slug', 'name', 'status'])
		.orderBy('name')
		.execute() as Promise<TenantSummary[]>;
}

/** A tenant by its slug, if the caller may see it (RLS decides); undefined otherwise. */
export function findTenantBySlug(
	trx: Transaction<DB>,
	slug: string
): Promise<TenantDetail | undefined> {
	return trx
		.selectFrom('tenants')
		.select([...TENANT_COLUMNS, 'require_mfa as requireMfa', 'branding'])
		.where('slug', '=', slug)
		.executeTakeFirst() as Promise<TenantDetail | undefined>;
}

/** A tenant by its id, if the caller may see it (RLS decides); undefined otherwise. */
export function findTenantById(
	trx: Transaction<DB>,
	id: string
): Promise<TenantDetail | undefined> {
	return trx
		.selectFrom('tenants')
		.select([...TENANT_COLUMNS, 'require_mfa as requireMfa', 'branding'])
		.where('id', '=', id)
		.executeTakeFirst() as Promise<TenantDetail | undefined>;
}

export interface TenantDashboard {
	members: number;
	projects: { id: string; slug: string; name: string }[];
	activity: {
		id: string;
		action: string;
		targetType: string | null;
		actor: string | null;
		actorJob: string | null;
		createdAt: Date;
	}[];
}

/** The dashboard's figures; rows the caller may not read (the audit log without audit.read) are simply absent. */
export async function getTenantDashboard(
	trx: Transaction<DB>,
	tenantId: string
): Promise<TenantDashboard> {
	// One after another: a transaction is one connection, which runs one query at a time.
	const members = await trx
		.selectFrom('memberships')
		.select((eb) => eb.fn.countAll<string>().as('n'))
		.where('tenant_id', '=', tenantId)
		.where('status', '=', 'active')
		.executeTakeFirstOrThrow();
	const projects = await trx
		.selectFrom('projects')
		.select(['id', 'slug', 'name'])
		.where('tenant_id', '=', tenantId)
		.orderBy('name')
		.execute();
	const activity = await trx
		.selectFrom('audit_logs as a')
		.leftJoin('profiles as p', 'p.id', 'a.actor_id')
		.select([
			'a.id',
			'a.action',
			'a.target_type as targetType',
			'a.actor_job as actorJob',
			'a.created_at as createdAt',
			(eb) => eb.fn.coalesce('p.full_name', eb.cast<string>('p.email', 'text')).as('actor')
		])
		.where('a.tenant_id', '=', tenantId)
		.orderBy('a.created_at', 'desc')
		.orderBy('a.id', 'desc')
		.limit(10)
		.execute();
	return {
		members: Number(members.n),
		projects,
		activity: activity.map((a) => ({ ...a, id: String(a.id) }))
	};
}

/** Creates a tenant with the caller as its owner (public.create_tenant: TN010–TN015). */
export async function createTenant(
	trx: Transaction<DB>,
	slug: string,
	name: string
): Promise<string> {
	const { rows } = await sql<{
		id: string;
	}>`select public.create_tenant(${slug}, ${name}) as id`.execute(trx);
	return rows[0]!.id;
}

/** Does the tenant's two-factor rule block this session (public.tenant_mfa_blocked)? */
export async function tenantMfaBlocked(trx: Transaction<DB>, tenantId: string): Promise<boolean> {
	const { rows } = await sql<{
		blocked: boolean;
	}>`select public.tenant_mfa_blocked(${tenantId}::uuid) as blocked`.execute(trx);
	return rows[0]?.blocked === true;
}
