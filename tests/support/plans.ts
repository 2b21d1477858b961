/**
 * A fixture step for the tests of plan features (SSO and SCIM need the Business plan, the seed puts
 * Acme and Umbrella on Pro): moves a tenant's live subscription to another plan, in that test's own
 * database only, so the billing and usage tests keep the seed as it is.
 */
type Query = (text: string, params: unknown[]) => Promise<unknown>;

export async function putOnPlan(query: Query, tenantSlug: string, planCode = 'business') {
	const result = (await query(
		`update public.subscriptions s set plan_id = p.id
		   from public.plans p, public.tenants t
		  where p.code = $2 and t.slug = $1 and s.tenant_id = t.id and private.is_live_subscription(s.status)
		  returning s.id`,
		[tenantSlug, planCode]
	)) as unknown[] | { rows?: unknown[]; rowCount?: number | null };
	const count = Array.isArray(result)
		? result.length
		: (result.rows?.length ?? result.rowCount ?? 0);
	if (count !== 1)
		throw new Error(
			`Tenant ${tenantSlug} has no live subscription to put on the ${planCode} plan (is the seed loaded?)`
		);
}
