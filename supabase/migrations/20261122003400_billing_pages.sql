-- The tenant billing and usage pages' reads (src/routes/(app)/t/[slug]/billing, …/usage).
--
-- Billing must stay visible to a tenant that billing itself suspended, so its owners can see what
-- is owed and pay to get back in (submit_payment_proof already allows that). The table policies use
-- private.tenants_with_permission(), which answers for active tenants only, so the page reads
-- through these two security definer functions instead. They answer the same people the policies
-- do (billing.read or billing.manage, owners included, MFA honoured), and additionally while the
-- tenant is suspended for billing; anyone else gets TN002, a tenant or invoice they cannot see TN003.

create or replace function private.can_read_billing(p_tenant_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.memberships m
    join public.tenants t on t.id = m.tenant_id
    where m.tenant_id = p_tenant_id and m.user_id = (select auth.uid()) and m.status = 'active'
      and (t.status = 'active' or (t.status = 'suspended' and t.status_reason = private.billing_suspension_reason()))
      and p_tenant_id not in (select private.mfa_blocked_tenant_ids())
      and (m.is_owner or exists (
        select 1 from public.role_assignments ra
        join public.role_permissions rp on rp.role_id = ra.role_id
        where ra.tenant_id = m.tenant_id and ra.user_id = m.user_id and ra.project_id is null
          and rp.permission_code in ('billing.read', 'billing.manage'))))
$$;
comment on function private.can_read_billing(uuid) is
  'Does the caller hold billing.read or billing.manage in this tenant (owners do), also while billing has '
  'suspended it? Honours the tenant''s MFA requirement. Not granted to API roles.';

create or replace function public.billing_overview(p_tenant_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  if not private.can_read_billing(p_tenant_id) then
    raise exception 'permission billing.read needed' using errcode = 'TN002';
  end if;
  select jsonb_build_object(
    'can_manage', private.can_manage_billing(p_tenant_id)
                  and p_tenant_id not in (select private.mfa_blocked_tenant_ids()),
    'account', (select jsonb_build_object('billing_email', b.billing_email, 'company_name', b.company_name,
                  'currency', b.currency, 'stripe_customer_id', b.stripe_customer_id)
                from public.billing_accounts b where b.tenant_id = p_tenant_id),
    'subscription', (select jsonb_build_object('id', s.id, 'status', s.status, 'plan_code', p.code, 'plan_name', p.name,
                  'billing_interval', s.billing_interval, 'currency', p.currency,
                  'price', case s.billing_interval when 'year' then p.price_yearly else p.price_monthly end,
                  'stripe_price_id', case s.billing_interval when 'year' then p.stripe_price_yearly else p.stripe_price_monthly end,
                  'current_period_start', s.current_period_start, 'current_period_end', s.current_period_end,
                  'trial_end', s.trial_end, 'cancel_at_period_end', s.cancel_at_period_end,
                  'past_due_since', s.past_due_since, 'stripe_subscription_id', s.stripe_subscription_id)
                from public.subscriptions s join public.plans p on p.id = s.plan_id
                where s.tenant_id = p_tenant_id
                order by s.status in ('trialing', 'active', 'past_due', 'pending_verification') desc, s.created_at desc
                limit 1),
    'invoices', coalesce((select jsonb_agg(i order by i.issued_at desc nulls last) from (
                  select i.id, i.number, i.status, i.currency, i.total, i.amount_due, i.amount_paid, i.period_start,
                         i.period_end, coalesce(i.issued_at, i.created_at) as issued_at, i.paid_at, i.hosted_invoice_url,
                         i.pdf_url
                  from public.invoices i where i.tenant_id = p_tenant_id
                  order by coalesce(i.issued_at, i.created_at) desc limit 24) i), '[]'),
    'payments', coalesce((select jsonb_agg(x order by x.created_at desc) from (
                  select pay.id, pay.provider, pay.amount, pay.currency, pay.status, pay.created_at, pay.note,
                         pay.failure_reason, pay.billing_interval, p.code as plan_code, p.name as plan_name
                  from public.payments pay left join public.plans p on p.id = pay.plan_id
                  where pay.tenant_id = p_tenant_id
                  order by pay.created_at desc limit 10) x), '[]'),
    'payment_methods', coalesce((select jsonb_agg(jsonb_build_object('id', m.id, 'brand', m.brand, 'last4', m.last4,
                  'exp_month', m.exp_month, 'exp_year', m.exp_year, 'is_default', m.is_default) order by m.is_default desc, m.created_at)
                from public.payment_methods m where m.tenant_id = p_tenant_id), '[]'))
  into v_result;
  return v_result;
end
$$;
comment on function public.billing_overview(uuid) is
  'The billing page of a tenant: the caller''s billing.manage, the account, the current (else latest) subscription '
  'with its plan, the last 24 invoices, the last 10 payments and the saved cards. billing.read or billing.manage, '
  'also while billing suspended the tenant (TN002 otherwise).';

create or replace function public.billing_invoice(p_tenant_id uuid, p_invoice_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  if not private.can_read_billing(p_tenant_id) then
    raise exception 'permission billing.read needed' using errcode = 'TN002';
  end if;
  select jsonb_build_object(
    'invoice', to_jsonb(i) - 'stripe_event_created',
    'tenant_name', t.name,
    'account', (select jsonb_build_object('company_name', b.company_name, 'billing_email', b.billing_email,
                  'tax_id', b.tax_id, 'address', b.address)
                from public.billing_accounts b where b.tenant_id = i.tenant_id),
    'lines', coalesce((select jsonb_agg(jsonb_build_object('description', l.description, 'quantity', l.quantity,
                  'unit_amount', l.unit_amount, 'amount', l.amount, 'period_start', l.period_start, 'period_end', l.period_end)
                  order by l.created_at, l.id)
                from public.invoice_lines l where l.tenant_id = i.tenant_id and l.invoice_id = i.id), '[]'))
  into v_result
  from public.invoices i join public.tenants t on t.id = i.tenant_id
  where i.id = p_invoice_id and i.tenant_id = p_tenant_id;
  if v_result is null then
    raise exception 'no such invoice' using errcode = 'TN003';
  end if;
  return v_result;
end
$$;
comment on function public.billing_invoice(uuid, uuid) is
  'One invoice of a tenant with its lines and the billing details to print on it. billing.read or billing.manage, '
  'also while billing suspended the tenant (TN002 otherwise; TN003 for an invoice of no such tenant).';

-- The usage page: every metric with the tenant's limits and where it stands now. The plan and its
-- limits are billing rows (billing.read), the counts span rows the reader may not see (members,
-- invitations): this answers usage.read holders with the totals only.
create or replace function public.usage_summary(p_tenant_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_plan uuid := private.tenant_plan_id(p_tenant_id);
begin
  if p_tenant_id not in (select private.tenants_with_permission('usage.read'))
     and p_tenant_id not in (select private.tenants_with_permission('billing.read')) then
    raise exception 'permission usage.read needed' using errcode = 'TN002';
  end if;
  if p_tenant_id in (select private.mfa_blocked_tenant_ids()) then
    raise exception 'this tenant requires two-factor authentication' using errcode = 'TN002';
  end if;
  return jsonb_build_object(
    'plan', (select jsonb_build_object('code', p.code, 'name', p.name) from public.plans p where p.id = v_plan),
    'metrics', (select jsonb_agg(jsonb_build_object(
        'key', m.key, 'name', m.name, 'unit', m.unit, 'kind', m.kind, 'reset', m.reset,
        'soft_limit', l.soft_limit, 'hard_limit', l.hard_limit,
        'period_start', private.usage_period(m.reset, now()),
        'soft_limit_reached_at', c.soft_limit_reached_at,
        'current', case m.key
          when 'projects' then (select count(*) from public.projects x where x.tenant_id = p_tenant_id)
          when 'members' then (select count(*) from public.memberships x where x.tenant_id = p_tenant_id)
            + (select count(*) from public.invitations i where i.tenant_id = p_tenant_id
               and i.accepted_at is null and i.revoked_at is null and i.expires_at > now())
          else coalesce(c.quantity, 0) end)
        order by m.kind desc, m.key)
      from public.usage_metrics m
      left join public.plan_limits l on l.plan_id = v_plan and l.metric = m.key
      left join public.usage_counters c on c.tenant_id = p_tenant_id and c.metric = m.key
        and c.period_start = private.usage_period(m.reset, now())));
end
$$;
comment on function public.usage_summary(uuid) is
  'The usage page of a tenant: its plan, and per metric the soft and hard limit and the current total (this '
  'period''s counter; members with pending invitations and projects counted as the quotas count them). usage.read '
  'or billing.read in an active tenant (TN002 otherwise).';

revoke all on function private.can_read_billing(uuid) from public, anon, authenticated, service_role;
revoke all on function public.billing_overview(uuid), public.billing_invoice(uuid, uuid), public.usage_summary(uuid)
  from public, anon;
grant execute on function public.billing_overview(uuid), public.billing_invoice(uuid, uuid), public.usage_summary(uuid)
  to authenticated;
