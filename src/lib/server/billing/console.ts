/**
 * The admin console's billing queries (docs/admin.md): plans with their limits, manual payments to
 * verify, subscriptions and revenue — run in the staff person's own transaction under RLS, which
 * shows support staff no billing and refuses every write but billing_admin's.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { LIMIT_METRICS, type PlanInput } from '../../admin/schemas';
import { countsBy } from '../admin/paging';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';
import type { Plan } from './queries';

type Trx = Transaction<DB>;

export async function subscriptionCounts(trx: Trx): Promise<Record<string, number>> {
	return countsBy(
		await trx
			.selectFrom('subscriptions')
			.select(['status as key', (eb) => eb.fn.countAll<string>().as('n')])
			.groupBy('status')
			.execute()
	);
}

/** A plan as the console shows it: the plan (queries.ts) with what staff edit and its use. */
export interface PlanRow extends Plan {
	trialDays: number;
	features: Record<string, unknown>;
	isActive: boolean;
	subscribers: number;
	limits: Record<string, { soft: number | null; hard: number | null }>;
}

/** Every plan (staff with billing_admin read archived ones too) with its limits. */
export async function listAllPlans(trx: Trx): Promise<PlanRow[]> {
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
					.where(sql<boolean>`private.is_live_subscription(s.status)`)
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

/** Manual payments waiting for billing staff, oldest first. */
export async function listPendingPayments(trx: Trx): Promise<PendingPayment[]> {
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
	return pending.map((p) => ({
		...p,
		amount: Number(p.amount),
		expectedAmount: p.expectedAmount === null ? null : Number(p.expectedAmount),
		interval: p.interval === null ? null : String(p.interval)
	}));
}

/** Verified manual payments: newest first by default, sorted by tenant, amount, outcome or when; searched by tenant, note and verifier. */
export const VERIFIED_PAYMENT_LIST = defineList({
	sorts: {
		verified: { column: 'verifiedAt', type: 'timestamptz' },
		tenant: { column: 'tenantName', type: 'text' },
		amount: { column: 'amount', type: 'bigint' },
		status: { column: 'status', type: 'text' }
	},
	defaultSort: 'verified',
	defaultDir: 'desc',
	search: ['tenantName', 'note', 'verifiedBy'],
	id: { column: 'id', type: 'uuid' }
});

export async function listVerifiedPayments(
	trx: Trx,
	params: ListParams
): Promise<ListPage<VerifiedPayment>> {
	const query = trx
		.selectFrom('payments as pa')
		.innerJoin('tenants as t', 't.id', 'pa.tenant_id')
		.leftJoin('profiles as pr', 'pr.id', 'pa.verified_by')
		.select([
			'pa.id',
			't.name as tenantName',
			'pa.amount',
			'pa.currency',
			sql<string>`pa.status::text`.as('status'),
			'pa.note',
			sql<string | null>`pr.email::text`.as('verifiedBy'),
			'pa.verified_at as verifiedAt'
		])
		.where('pa.provider', '=', 'manual')
		.where('pa.status', '<>', 'pending');
	const page = await listPage(trx, query, VERIFIED_PAYMENT_LIST, params);
	return { ...page, rows: page.rows.map((p) => ({ ...p, amount: Number(p.amount) })) };
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
	createdAt: Date;
	tenantId: string;
	tenantName: string;
	plan: string;
	interval: string;
	status: string;
	currentPeriodEnd: Date | null;
	cancelAtPeriodEnd: boolean;
	stripe: boolean;
}

/** The subscriptions list: sorted by tenant, plan, status or period end; searched by tenant and plan. */
export const SUBSCRIPTION_LIST = defineList({
	sorts: {
		created: { column: 'createdAt', type: 'timestamptz' },
		tenant: { column: 'tenantName', type: 'text' },
		plan: { column: 'plan', type: 'text' },
		status: { column: 'status', type: 'text' },
		periodEnd: { column: 'currentPeriodEnd', type: 'timestamptz' }
	},
	defaultSort: 'created',
	defaultDir: 'desc',
	search: ['tenantName', 'plan'],
	id: { column: 'id', type: 'uuid' }
});

export async function listSubscriptions(
	trx: Trx,
	params: ListParams,
	status?: string
): Promise<ListPage<SubscriptionRow>> {
	let query = trx
		.selectFrom('subscriptions as s')
		.innerJoin('tenants as t', 't.id', 's.tenant_id')
		.innerJoin('plans as pl', 'pl.id', 's.plan_id')
		.select([
			's.id',
			's.created_at as createdAt',
			't.id as tenantId',
			't.name as tenantName',
			'pl.name as plan',
			sql<string>`s.billing_interval::text`.as('interval'),
			sql<string>`s.status::text`.as('status'),
			's.current_period_end as currentPeriodEnd',
			's.cancel_at_period_end as cancelAtPeriodEnd',
			sql<boolean>`s.stripe_subscription_id is not null`.as('stripe')
		]);
	if (status) query = query.where('s.status', '=', status as never);
	return listPage(trx, query, SUBSCRIPTION_LIST, params);
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
