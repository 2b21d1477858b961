/**
 * The admin console's queries (docs/admin.md). Every one runs in the staff person's own request
 * transaction, under RLS: what a staff role may not read (billing for support, the audit trail
 * for billing_admin) simply comes back empty, and every write is refused by SQL unless the role
 * allows it. Nothing here uses the service role.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { LIMIT_METRICS, type PlanInput, type StaffRole } from '../../admin/schemas';

type Trx = Transaction<DB>;

export const PAGE_SIZE = 25;

/** The caller's staff role, or null for everyone else (the console then answers 404). */
export async function myStaffRole(trx: Trx): Promise<StaffRole | null> {
	const row = await trx
		.selectFrom('platform_staff')
		.select('role')
		.where('user_id', '=', sql<string>`auth.uid()`)
		.executeTakeFirst();
	return (row?.role as StaffRole | undefined) ?? null;
}

/** Which staff roles the caller holds, as SQL answers it (public.has_staff_role for each). */
export type StaffRolesHeld = Record<StaffRole, boolean>;

export async function staffRolesHeld(trx: Trx): Promise<StaffRolesHeld> {
	const { rows } = await sql<StaffRolesHeld>`select
		public.has_staff_role('super_admin') as super_admin,
		public.has_staff_role('support') as support,
		public.has_staff_role('billing_admin') as billing_admin`.execute(trx);
	return rows[0]!;
}

function countsBy(rows: { key: string; n: string | number | bigint }[]): Record<string, number> {
	return Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));
}

export interface Overview {
	tenants: Record<string, number>;
	subscriptions: Record<string, number>;
	paymentsAwaiting: number;
}

export async function subscriptionCounts(trx: Trx): Promise<Record<string, number>> {
	return countsBy(
		await trx
			.selectFrom('subscriptions')
			.select(['status as key', (eb) => eb.fn.countAll<string>().as('n')])
			.groupBy('status')
			.execute()
	);
}

export async function getOverview(trx: Trx): Promise<Overview> {
	const tenants = await trx
		.selectFrom('tenants')
		.select(['status as key', (eb) => eb.fn.countAll<string>().as('n')])
		.groupBy('status')
		.execute();
	const subscriptions = await subscriptionCounts(trx);
	const awaiting = await trx
		.selectFrom('payments')
		.select((eb) => eb.fn.countAll<string>().as('n'))
		.where('provider', '=', 'manual')
		.where('status', '=', 'pending')
		.executeTakeFirstOrThrow();
	return {
		tenants: countsBy(tenants),
		subscriptions,
		paymentsAwaiting: Number(awaiting.n)
	};
}

export interface TenantRow {
	id: string;
	slug: string;
	name: string;
	status: string;
	createdAt: Date;
	members: number;
}

/** A page of tenants (newest first), by name or slug and status. One row more than a page tells if there is a next. */
export async function listTenants(
	trx: Trx,
	filter: { q: string; status?: string; page: number }
): Promise<{ rows: TenantRow[]; hasNext: boolean }> {
	let query = trx
		.selectFrom('tenants as t')
		.select([
			't.id',
			't.slug',
			't.name',
			't.status',
			't.created_at as createdAt',
			(eb) =>
				eb
					.selectFrom('memberships as m')
					.select((e) => e.fn.countAll<string>().as('n'))
					.whereRef('m.tenant_id', '=', 't.id')
					.as('members')
		])
		.orderBy('t.created_at', 'desc')
		.orderBy('t.id')
		.limit(PAGE_SIZE + 1)
		.offset((filter.page - 1) * PAGE_SIZE);
	if (filter.q) {
		const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
		query = query.where((eb) =>
			eb.or([eb('t.name', 'ilike', pattern), eb('t.slug', 'ilike', pattern)])
		);
	}
	if (filter.status) query = query.where('t.status', '=', filter.status as never);
	const rows = await query.execute();
	return {
		rows: rows
			.slice(0, PAGE_SIZE)
			.map((r) => ({ ...r, status: String(r.status), members: Number(r.members ?? 0) })),
		hasNext: rows.length > PAGE_SIZE
	};
}

export interface TenantAdminDetail {
	tenant: {
		id: string;
		slug: string;
		name: string;
		status: string;
		statusReason: string | null;
		timezone: string;
		dataRegion: string;
		createdAt: Date;
		approvedAt: Date | null;
		suspendedAt: Date | null;
	};
	members: {
		id: string;
		email: string;
		fullName: string | null;
		isOwner: boolean;
		status: string;
		roles: string | null;
	}[];
	subscription: {
		status: string;
		plan: string;
		interval: string;
		currentPeriodEnd: Date | null;
		cancelAtPeriodEnd: boolean;
	} | null;
	audit: {
		id: string;
		action: string;
		actorEmail: string | null;
		actorType: string;
		targetType: string | null;
		newValues: unknown;
		createdAt: Date;
	}[];
}

/** One tenant for the console, or undefined when it does not exist. */
export async function getTenantDetail(
	trx: Trx,
	id: string
): Promise<TenantAdminDetail | undefined> {
	const tenant = await trx
		.selectFrom('tenants')
		.select([
			'id',
			'slug',
			'name',
			'status',
			'status_reason as statusReason',
			'timezone',
			'data_region as dataRegion',
			'created_at as createdAt',
			'approved_at as approvedAt',
			'suspended_at as suspendedAt'
		])
		.where('id', '=', id)
		.executeTakeFirst();
	if (!tenant) return undefined;
	const members = await trx
		.selectFrom('memberships as m')
		.innerJoin('profiles as p', 'p.id', 'm.user_id')
		.select([
			'm.id',
			'p.email',
			'p.full_name as fullName',
			'm.is_owner as isOwner',
			'm.status',
			(eb) =>
				eb
					.selectFrom('role_assignments as ra')
					.innerJoin('roles as r', 'r.id', 'ra.role_id')
					.select(sql<string>`string_agg(r.name, ', ' order by r.name)`.as('roles'))
					.whereRef('ra.tenant_id', '=', 'm.tenant_id')
					.whereRef('ra.user_id', '=', 'm.user_id')
					.where('ra.project_id', 'is', null)
					.as('roles')
		])
		.where('m.tenant_id', '=', id)
		.orderBy('m.is_owner', 'desc')
		.orderBy('p.email')
		.execute();
	const subscription = await trx
		.selectFrom('subscriptions as s')
		.innerJoin('plans as pl', 'pl.id', 's.plan_id')
		.select([
			's.status',
			'pl.name as plan',
			's.billing_interval as interval',
			's.current_period_end as currentPeriodEnd',
			's.cancel_at_period_end as cancelAtPeriodEnd'
		])
		.where('s.tenant_id', '=', id)
		.orderBy('s.created_at', 'desc')
		.limit(1)
		.executeTakeFirst();
	const audit = await trx
		.selectFrom('audit_logs as a')
		.leftJoin('profiles as p', 'p.id', 'a.actor_id')
		.select([
			'a.id',
			'a.action',
			'p.email as actorEmail',
			'a.actor_type as actorType',
			'a.target_type as targetType',
			'a.new_values as newValues',
			'a.created_at as createdAt'
		])
		.where('a.tenant_id', '=', id)
		.orderBy('a.created_at', 'desc')
		.orderBy('a.id', 'desc')
		.limit(20)
		.execute();
	return {
		tenant: { ...tenant, status: String(tenant.status) },
		members: members.map((m) => ({ ...m, status: String(m.status), roles: m.roles ?? null })),
		subscription: subscription
			? {
					...subscription,
					status: String(subscription.status),
					interval: String(subscription.interval)
				}
			: null,
		audit: audit.map((a) => ({ ...a, id: String(a.id), actorType: String(a.actorType) }))
	};
}

/** The staff lifecycle RPCs; SQL checks the role (TN061), the transition (TN060) and the reason (TN131). */
export async function setTenantStatus(
	trx: Trx,
	id: string,
	action: 'approve' | 'suspend' | 'reactivate',
	reason: string | null
): Promise<void> {
	if (action === 'approve') await sql`select public.approve_tenant(${id})`.execute(trx);
	else if (action === 'suspend')
		await sql`select public.suspend_tenant(${id}, ${reason})`.execute(trx);
	else await sql`select public.reactivate_tenant(${id}, ${reason})`.execute(trx);
}

export interface StaffMember {
	userId: string;
	email: string;
	fullName: string | null;
	role: StaffRole;
	createdAt: Date;
}

export async function listStaff(trx: Trx): Promise<StaffMember[]> {
	const rows = await trx
		.selectFrom('platform_staff as s')
		.innerJoin('profiles as p', 'p.id', 's.user_id')
		.select([
			's.user_id as userId',
			'p.email',
			'p.full_name as fullName',
			's.role',
			's.created_at as createdAt'
		])
		.orderBy('s.role')
		.orderBy('p.email')
		.execute();
	return rows.map((r) => ({ ...r, role: r.role as StaffRole }));
}

/** A person by email (staff read every profile), for adding them to the staff. */
export function findProfileIdByEmail(trx: Trx, email: string): Promise<{ id: string } | undefined> {
	return trx
		.selectFrom('profiles')
		.select('id')
		.where(sql`lower(email)`, '=', email.toLowerCase())
		.executeTakeFirst();
}

export async function addStaff(trx: Trx, userId: string, role: StaffRole): Promise<void> {
	await trx.insertInto('platform_staff').values({ user_id: userId, role }).execute();
}

/** Changes a staff role; false when RLS let nothing change (the caller is not a super_admin). */
export async function changeStaffRole(trx: Trx, userId: string, role: StaffRole): Promise<boolean> {
	const result = await trx
		.updateTable('platform_staff')
		.set({ role })
		.where('user_id', '=', userId)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

export async function removeStaff(trx: Trx, userId: string): Promise<boolean> {
	const result = await trx
		.deleteFrom('platform_staff')
		.where('user_id', '=', userId)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}

export interface PlanRow {
	id: string;
	code: string;
	name: string;
	description: string;
	currency: string;
	priceMonthly: number;
	priceYearly: number;
	trialDays: number;
	features: Record<string, unknown>;
	stripePriceMonthly: string | null;
	stripePriceYearly: string | null;
	isActive: boolean;
	subscribers: number;
	limits: Record<string, { soft: number | null; hard: number | null }>;
}

/** Every plan (staff with billing_admin read archived ones too) with its limits. */
export async function listPlans(trx: Trx): Promise<PlanRow[]> {
	const plans = await trx
		.selectFrom('plans as p')
		.select([
			'p.id',
			'p.code',
			'p.name',
			'p.description',
			'p.currency',
			'p.price_monthly as priceMonthly',
			'p.price_yearly as priceYearly',
			'p.trial_days as trialDays',
			'p.features',
			'p.stripe_price_monthly as stripePriceMonthly',
			'p.stripe_price_yearly as stripePriceYearly',
			'p.is_active as isActive',
			(eb) =>
				eb
					.selectFrom('subscriptions as s')
					.select((e) => e.fn.countAll<string>().as('n'))
					.whereRef('s.plan_id', '=', 'p.id')
					.where('s.status', 'in', ['trialing', 'active', 'past_due', 'pending_verification'])
					.as('subscribers')
		])
		.orderBy('p.sort_order')
		.orderBy('p.code')
		.execute();
	const limits = await trx
		.selectFrom('plan_limits')
		.select(['plan_id', 'metric', 'soft_limit', 'hard_limit'])
		.execute();
	return plans.map((p) => ({
		...p,
		priceMonthly: Number(p.priceMonthly),
		priceYearly: Number(p.priceYearly),
		features: (p.features ?? {}) as Record<string, unknown>,
		subscribers: Number(p.subscribers ?? 0),
		limits: Object.fromEntries(
			limits
				.filter((l) => l.plan_id === p.id)
				.map((l) => [
					l.metric,
					{
						soft: l.soft_limit === null ? null : Number(l.soft_limit),
						hard: l.hard_limit === null ? null : Number(l.hard_limit)
					}
				])
		)
	}));
}

/**
 * Creates or updates a plan and replaces its limits, in the caller's transaction: RLS lets only
 * billing_admin and super_admin write (an update by anyone else touches no row, reported as false).
 * A metric with neither limit has no plan_limits row, which means unlimited.
 */
export async function savePlan(trx: Trx, plan: PlanInput): Promise<string | null> {
	const values = {
		name: plan.name,
		description: plan.description,
		currency: plan.currency,
		price_monthly: plan.priceMonthly,
		price_yearly: plan.priceYearly,
		trial_days: plan.trialDays,
		features: JSON.stringify(plan.features),
		stripe_price_monthly: plan.stripePriceMonthly,
		stripe_price_yearly: plan.stripePriceYearly,
		is_active: plan.active
	};
	let id: string;
	if (plan.id) {
		const updated = await trx
			.updateTable('plans')
			.set(values)
			.where('id', '=', plan.id)
			.returning('id')
			.executeTakeFirst();
		if (!updated) return null;
		id = updated.id;
	} else {
		const inserted = await trx
			.insertInto('plans')
			.values({ ...values, code: plan.code })
			.returning('id')
			.executeTakeFirstOrThrow();
		id = inserted.id;
	}
	for (const metric of LIMIT_METRICS) {
		const soft = plan[`soft_${metric}`];
		const hard = plan[`hard_${metric}`];
		if (soft === null && hard === null) {
			await trx
				.deleteFrom('plan_limits')
				.where('plan_id', '=', id)
				.where('metric', '=', metric)
				.execute();
		} else {
			await trx
				.insertInto('plan_limits')
				.values({ plan_id: id, metric, soft_limit: soft, hard_limit: hard })
				.onConflict((oc) =>
					oc.columns(['plan_id', 'metric']).doUpdateSet({ soft_limit: soft, hard_limit: hard })
				)
				.execute();
		}
	}
	return id;
}

export interface PendingPayment {
	id: string;
	tenantId: string;
	tenantName: string;
	tenantSlug: string;
	plan: string | null;
	interval: string | null;
	amount: number;
	currency: string;
	/** The plan's price for the interval when the proof was sent (fixed in SQL). */
	expectedAmount: number | null;
	expectedCurrency: string | null;
	proofPath: string | null;
	submittedBy: string | null;
	createdAt: Date;
}

export interface VerifiedPayment {
	id: string;
	tenantName: string;
	amount: number;
	currency: string;
	status: string;
	note: string | null;
	verifiedBy: string | null;
	verifiedAt: Date | null;
}

/** Manual payments waiting for billing staff, oldest first, and the last ones verified. */
export async function listPayments(
	trx: Trx
): Promise<{ pending: PendingPayment[]; recent: VerifiedPayment[] }> {
	const pending = await trx
		.selectFrom('payments as pa')
		.innerJoin('tenants as t', 't.id', 'pa.tenant_id')
		.leftJoin('plans as pl', 'pl.id', 'pa.plan_id')
		.leftJoin('profiles as pr', 'pr.id', 'pa.created_by')
		.select([
			'pa.id',
			't.id as tenantId',
			't.name as tenantName',
			't.slug as tenantSlug',
			'pl.name as plan',
			'pa.billing_interval as interval',
			'pa.amount',
			'pa.currency',
			'pa.expected_amount as expectedAmount',
			'pa.expected_currency as expectedCurrency',
			'pa.proof_path as proofPath',
			'pr.email as submittedBy',
			'pa.created_at as createdAt'
		])
		.where('pa.provider', '=', 'manual')
		.where('pa.status', '=', 'pending')
		.orderBy('pa.created_at')
		.limit(100)
		.execute();
	const recent = await trx
		.selectFrom('payments as pa')
		.innerJoin('tenants as t', 't.id', 'pa.tenant_id')
		.leftJoin('profiles as pr', 'pr.id', 'pa.verified_by')
		.select([
			'pa.id',
			't.name as tenantName',
			'pa.amount',
			'pa.currency',
			'pa.status',
			'pa.note',
			'pr.email as verifiedBy',
			'pa.verified_at as verifiedAt'
		])
		.where('pa.provider', '=', 'manual')
		.where('pa.status', '<>', 'pending')
		.orderBy('pa.verified_at', (ob) => ob.desc().nullsLast())
		.limit(10)
		.execute();
	return {
		pending: pending.map((p) => ({
			...p,
			amount: Number(p.amount),
			expectedAmount: p.expectedAmount === null ? null : Number(p.expectedAmount),
			interval: p.interval === null ? null : String(p.interval)
		})),
		recent: recent.map((p) => ({ ...p, amount: Number(p.amount), status: String(p.status) }))
	};
}

/**
 * verify_payment: the subscription's new status. A declared amount that differs from the expected
 * one is approved only with `acceptAmount` and a reason (SQL: TN079, TN131), both audited.
 */
export async function verifyPayment(
	trx: Trx,
	id: string,
	decision: {
		approve: boolean;
		note: string | null;
		acceptAmount?: boolean;
		amountReason?: string | null;
	}
): Promise<string> {
	const { rows } = await sql<{
		status: string;
	}>`select public.verify_payment(${id}, ${decision.approve}, ${decision.note},
		${decision.acceptAmount ?? false}, ${decision.amountReason ?? null})::text as status`.execute(trx);
	return rows[0]!.status;
}

export interface SubscriptionRow {
	id: string;
	tenantId: string;
	tenantName: string;
	plan: string;
	interval: string;
	status: string;
	currentPeriodEnd: Date | null;
	cancelAtPeriodEnd: boolean;
	stripe: boolean;
}

export async function listSubscriptions(
	trx: Trx,
	filter: { status?: string; page: number }
): Promise<{ rows: SubscriptionRow[]; hasNext: boolean }> {
	let query = trx
		.selectFrom('subscriptions as s')
		.innerJoin('tenants as t', 't.id', 's.tenant_id')
		.innerJoin('plans as pl', 'pl.id', 's.plan_id')
		.select([
			's.id',
			't.id as tenantId',
			't.name as tenantName',
			'pl.name as plan',
			's.billing_interval as interval',
			's.status',
			's.current_period_end as currentPeriodEnd',
			's.cancel_at_period_end as cancelAtPeriodEnd',
			's.stripe_subscription_id as stripeId'
		])
		.orderBy('s.created_at', 'desc')
		.orderBy('s.id')
		.limit(PAGE_SIZE + 1)
		.offset((filter.page - 1) * PAGE_SIZE);
	if (filter.status) query = query.where('s.status', '=', filter.status as never);
	const rows = await query.execute();
	return {
		rows: rows.slice(0, PAGE_SIZE).map(({ stripeId, ...r }) => ({
			...r,
			interval: String(r.interval),
			status: String(r.status),
			stripe: stripeId !== null
		})),
		hasNext: rows.length > PAGE_SIZE
	};
}

export interface Revenue {
	/** Succeeded payments per UTC month and currency, the last 12 months, oldest first. */
	byMonth: { month: string; currency: string; amount: number }[];
	/** Monthly recurring revenue of live paying subscriptions (yearly prices ÷ 12), per currency. */
	mrr: { currency: string; amount: number; subscriptions: number }[];
	/** Usage per UTC day and metric (rolled up), the last 30 days. */
	usageByDay: { day: string; metric: string; quantity: number }[];
	/** This month's usage totals per metric (counters), across tenants. */
	usageTotals: { metric: string; name: string; unit: string; quantity: number }[];
}

export async function getRevenue(trx: Trx): Promise<Revenue> {
	const byMonth = await sql<{ month: string; currency: string; amount: string }>`
		select to_char(date_trunc('month', coalesce(p.verified_at, p.created_at) at time zone 'UTC'), 'YYYY-MM') as month,
		       p.currency, sum(p.amount)::text as amount
		from public.payments p
		where p.status = 'succeeded'
		  and coalesce(p.verified_at, p.created_at) >= date_trunc('month', now() at time zone 'UTC') - interval '11 months'
		group by 1, 2 order by 1, 2`.execute(trx);
	const mrr = await sql<{ currency: string; amount: string; subscriptions: string }>`
		select pl.currency,
		       round(sum(case s.billing_interval when 'year' then pl.price_yearly / 12.0 else pl.price_monthly end))::text as amount,
		       count(*)::text as subscriptions
		from public.subscriptions s join public.plans pl on pl.id = s.plan_id
		where s.status in ('active', 'past_due')
		  and (case s.billing_interval when 'year' then pl.price_yearly else pl.price_monthly end) > 0
		group by pl.currency order by pl.currency`.execute(trx);
	const usageByDay = await sql<{ day: string; metric: string; quantity: string }>`
		select to_char(d.day, 'YYYY-MM-DD') as day, d.metric, sum(d.quantity)::text as quantity
		from public.usage_daily d
		where d.day > (now() at time zone 'UTC')::date - 30
		group by d.day, d.metric order by d.day, d.metric`.execute(trx);
	const usageTotals = await sql<{ metric: string; name: string; unit: string; quantity: string }>`
		select m.key as metric, m.name, m.unit, coalesce(sum(c.quantity), 0)::text as quantity
		from public.usage_metrics m
		left join public.usage_counters c on c.metric = m.key
		  and c.period_start = case m.reset when 'never' then date '1970-01-01'
		                       else date_trunc('month', now() at time zone 'UTC')::date end
		where m.kind = 'metered'
		group by m.key, m.name, m.unit order by m.key`.execute(trx);
	return {
		byMonth: byMonth.rows.map((r) => ({ ...r, amount: Number(r.amount) })),
		mrr: mrr.rows.map((r) => ({
			currency: r.currency,
			amount: Number(r.amount),
			subscriptions: Number(r.subscriptions)
		})),
		usageByDay: usageByDay.rows.map((r) => ({ ...r, quantity: Number(r.quantity) })),
		usageTotals: usageTotals.rows.map((r) => ({ ...r, quantity: Number(r.quantity) }))
	};
}
