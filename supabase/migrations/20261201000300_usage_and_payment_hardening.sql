-- Usage and manual payments, hardened against the attacks of issue 9 (3.1 and 3.5).
--
-- Usage (3.1: "usage can be wiped": −5,000,000 then +1,500,000 passed a 1,000,000 hard limit):
--   * record_usage takes positive quantities only (TN076), and usage_events refuses a non-positive
--     quantity that is not a correction (check usage_events_quantity_positive, for every writer);
--   * recording needs the permission usage.record (owners, admin and developer; not viewer,
--     billing_admin or custom roles unless given it) instead of any active membership;
--   * a measurement may be at most private.usage_backdating_window() (24 hours) old and at most
--     5 minutes in the future — a late report can reach the previous month only on the 1st;
--   * every record_usage call writes a usage.record audit event (actor, metric, quantity, key);
--   * corrections — the only negative quantities — are public.admin_correct_usage(), for billing
--     staff (billing_admin, super_admin) and trusted system jobs: reason required (TN131), audited
--     (usage.correct), and no counter may go below zero (TN076). Storage that shrinks is a correction.
--
-- Manual payments (3.5: a 1-cent proof bought a year of Business; a pending proof froze the
-- lifecycle; proofs could be resubmitted forever; a rejected Free tenant was "Free · Past due"):
--   * payments.expected_amount / expected_currency are fixed from the plan's price for the interval
--     when a manual payment is inserted (trigger, whoever inserts) and never change;
--   * verify_payment approves a payment whose declared amount differs from the expected one only with
--     p_accept_amount and a reason (TN079 otherwise, TN131 without the reason); the reason is kept in
--     payments.amount_override_reason and audited;
--   * a proof pending longer than billing.proof_grace_days (7) no longer holds the subscription in
--     pending_verification: the lifecycle job puts it back where its dates put it (grace counted from
--     when it fell due, not from the proof) and carries on — past due, expired, suspended;
--   * at most billing.proof_max_rejections (3) rejected proofs per tenant in
--     billing.proof_rejection_window_days (30): one more is refused (TN073);
--   * a rejection leaves a subscription where its dates and price put it: a free plan stays active.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

alter table public.usage_events
  add column correction_reason text check (char_length(correction_reason) between 1 and 500);
comment on column public.usage_events.correction_reason is
  'Set only on corrections (admin_correct_usage): why billing staff or a system job changed the total. Only '
  'corrections may be negative.';
-- NOT VALID first: a database that already holds negative deltas (storage before this migration)
-- keeps them; the constraint is validated where the data allows it, and binds every new row anyway.
alter table public.usage_events
  add constraint usage_events_quantity_positive check (quantity > 0 or correction_reason is not null) not valid;
do $$
begin
  if not exists (select 1 from public.usage_events e where e.quantity <= 0 and e.correction_reason is null) then
    alter table public.usage_events validate constraint usage_events_quantity_positive;
  end if;
end
$$;

update public.usage_metrics set description =
  'Bytes stored: a running total; files removed are recorded as corrections (admin_correct_usage).'
where key = 'storage_bytes';

alter table public.payments
  add column expected_amount bigint check (expected_amount >= 0),
  add column expected_currency text check (expected_currency ~ '^[a-z]{3}$'),
  add column amount_override_reason text check (char_length(amount_override_reason) between 1 and 500);
comment on column public.payments.expected_amount is
  'Manual payments: the plan''s price for the interval when the payment was recorded (minor units), beside the '
  'declared amount. Fixed by trigger; never changes.';
comment on column public.payments.expected_currency is 'Manual payments: the plan''s currency when the payment was recorded.';
comment on column public.payments.amount_override_reason is
  'Why billing staff approved a manual payment whose declared amount differs from the expected one.';

update public.payments p
set expected_amount = case p.billing_interval when 'year' then pl.price_yearly else pl.price_monthly end,
    expected_currency = pl.currency
from public.plans pl
where pl.id = p.plan_id and p.provider = 'manual' and p.expected_amount is null;
alter table public.payments
  add constraint payments_manual_expected check (provider <> 'manual' or (expected_amount is not null and expected_currency is not null)) not valid;
do $$
begin
  if not exists (select 1 from public.payments p where p.provider = 'manual' and p.expected_amount is null) then
    alter table public.payments validate constraint payments_manual_expected;
  end if;
end
$$;

insert into public.system_settings (key, value, category, description, is_public) values
  ('billing.proof_grace_days', '7', 'billing',
   'Days a manual payment proof may wait for verification while the subscription''s lifecycle waits; after that, the '
   'lifecycle proceeds as if no proof had been sent (the proof can still be approved).', true),
  ('billing.proof_max_rejections', '3', 'billing',
   'Rejected payment proofs a tenant may have within billing.proof_rejection_window_days before another is refused.', true),
  ('billing.proof_rejection_window_days', '30', 'billing',
   'The window, in days, over which rejected payment proofs are counted (billing.proof_max_rejections).', true)
on conflict (key) do nothing;

-- ---------------------------------------------------------------------------------------------
-- The permission
-- ---------------------------------------------------------------------------------------------

insert into public.permissions (code, module, description, project_scoped) values
  ('usage.record', 'billing', 'Record metered usage (API calls, compute, storage)', false);
insert into public.role_permissions (role_id, permission_code)
select r.id, 'usage.record' from public.roles r
where r.tenant_id is null and r.key in ('admin', 'developer');

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create or replace function private.fix_expected_payment()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.provider = 'manual' then
    select case new.billing_interval when 'year' then p.price_yearly else p.price_monthly end, p.currency
      into new.expected_amount, new.expected_currency
    from public.plans p where p.id = new.plan_id;
  end if;
  return new;
end
$$;
comment on function private.fix_expected_payment() is
  'BEFORE INSERT trigger on payments: a manual payment''s expected amount and currency are the plan''s price for its '
  'interval, whatever the writer passed. Security definer: reads inactive plans too.';

create trigger payments_fix_expected before insert on public.payments
  for each row execute function private.fix_expected_payment();
create trigger payments_expected_immutable before update on public.payments
  for each row execute function private.forbid_column_changes('expected_amount', 'expected_currency');

-- count_usage as before, plus: no counter goes below zero (a correction larger than the total).
create or replace function private.count_usage()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_over record;
  v_counted text;
  v_totals jsonb;
begin
  select n.metric into v_counted from new_rows n join public.usage_metrics m on m.key = n.metric
  where m.kind = 'counted' limit 1;
  if v_counted is not null then
    raise exception '% is counted, not metered: it has no usage events', v_counted using errcode = 'TN076';
  end if;

  with agg as (
    select n.tenant_id, n.metric, private.usage_period(m.reset, n.occurred_at) as period_start, sum(n.quantity) as added
    from new_rows n join public.usage_metrics m on m.key = n.metric
    group by 1, 2, 3
  ), up as (
    insert into public.usage_counters as c (tenant_id, metric, period_start, quantity)
    select a.tenant_id, a.metric, a.period_start, a.added from agg a order by 1, 2, 3
    on conflict (tenant_id, metric, period_start) do update
      set quantity = c.quantity + excluded.quantity, updated_at = now()
    returning c.tenant_id, c.metric, c.period_start, c.quantity, c.soft_limit_reached_at
  )
  select coalesce(jsonb_agg(jsonb_build_object('tenant_id', up.tenant_id, 'metric', up.metric,
           'period_start', up.period_start, 'added', a.added, 'quantity', up.quantity,
           'flagged', up.soft_limit_reached_at is not null)), '[]')
    into v_totals
  from up join agg a using (tenant_id, metric, period_start);

  select t.metric, t.quantity into v_over
  from jsonb_to_recordset(v_totals) t(tenant_id uuid, metric text, period_start date, added bigint, quantity bigint, flagged boolean)
  where t.quantity < 0
  limit 1;
  if found then
    raise exception 'usage of % cannot go below zero (it would be %)', v_over.metric, v_over.quantity
      using errcode = 'TN076';
  end if;

  select t.metric, t.quantity, l.hard_limit into v_over
  from jsonb_to_recordset(v_totals) t(tenant_id uuid, metric text, period_start date, added bigint, quantity bigint, flagged boolean)
  cross join lateral private.tenant_limit(t.tenant_id, t.metric) l
  where t.added > 0 and t.quantity > l.hard_limit
  limit 1;
  if found then
    raise exception 'usage of % would reach % of a hard limit of %', v_over.metric, v_over.quantity, v_over.hard_limit
      using errcode = 'TN071', hint = 'Upgrade the plan, or wait for the next period.';
  end if;

  -- Crossed the soft limit: flag the counter once per period and tell the tenant.
  with crossed as (
    update public.usage_counters c set soft_limit_reached_at = now()
    from jsonb_to_recordset(v_totals) t(tenant_id uuid, metric text, period_start date, added bigint, quantity bigint, flagged boolean)
    cross join lateral private.tenant_limit(t.tenant_id, t.metric) l
    where not t.flagged and t.quantity > l.soft_limit
      and c.tenant_id = t.tenant_id and c.metric = t.metric and c.period_start = t.period_start
    returning c.tenant_id, c.metric, c.period_start, c.quantity, l.soft_limit
  )
  insert into private.notifications_outbox (tenant_id, kind, subject, payload)
  select x.tenant_id, 'usage.soft_limit_reached', 'Usage of ' || x.metric || ' passed its soft limit',
         jsonb_build_object('metric', x.metric, 'period_start', x.period_start, 'quantity', x.quantity, 'soft_limit', x.soft_limit)
  from crossed x;
  return null;
end
$$;
comment on function private.count_usage() is
  'Statement-level AFTER INSERT trigger on usage_events: adds the events to usage_counters, refuses a total below zero '
  '(TN076) or past the hard limit (TN071), flags and notifies a crossed soft limit. Security definer: counters and the '
  'outbox are not writable by API roles.';

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

create or replace function private.usage_backdating_window()
returns interval
language sql
immutable
set search_path = ''
as $$
  select interval '24 hours'
$$;
comment on function private.usage_backdating_window() is
  'How old a measurement record_usage accepts may be (24 hours): late reports are fine, re-filling a past period is not.';

create or replace function private.usage_clock_skew()
returns interval
language sql
immutable
set search_path = ''
as $$
  select interval '5 minutes'
$$;
comment on function private.usage_clock_skew() is 'How far in the future a measurement''s time may be (the reporter''s clock skew).';

-- Where a subscription's own dates and price put it, without a pending payment: a rejected proof, or
-- a proof that waited past billing.proof_grace_days. Grace counts from when it fell due.
create or replace function private.subscription_status_by_dates(
  p_trial_end timestamptz, p_period_end timestamptz, p_past_due_since timestamptz, p_price bigint, p_now timestamptz,
  out status public.subscription_status, out past_due_since timestamptz)
language sql
immutable
set search_path = ''
as $$
  select s.status, case when s.status = 'past_due'
                     then coalesce(p_past_due_since, p_period_end, p_trial_end, p_now) end
  from (select case
    when p_trial_end > p_now then 'trialing'
    when p_price = 0 or p_period_end > p_now then 'active'
    else 'past_due' end::public.subscription_status as status) s
$$;
comment on function private.subscription_status_by_dates(timestamptz, timestamptz, timestamptz, bigint, timestamptz) is
  'trialing while the trial runs, active on a free plan or while the period runs, else past_due (since it fell due).';

create or replace function private.proof_grace()
returns interval
language sql
stable
security definer
set search_path = ''
as $$
  select make_interval(days => coalesce((private.setting('billing.proof_grace_days') #>> '{}')::int, 7))
$$;
comment on function private.proof_grace() is
  'billing.proof_grace_days as an interval: how long a pending proof holds the lifecycle. Security definer: reads a setting.';

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on function private.fix_expected_payment(), private.usage_backdating_window(), private.usage_clock_skew(),
  private.subscription_status_by_dates(timestamptz, timestamptz, timestamptz, bigint, timestamptz), private.proof_grace()
  from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- API functions: usage
-- ---------------------------------------------------------------------------------------------

create or replace function public.record_usage(
  p_tenant_id uuid, p_metric text, p_quantity bigint, p_idempotency_key text,
  p_occurred_at timestamptz default null, p_properties jsonb default '{}')
returns table (recorded boolean, quantity bigint, soft_limit bigint, hard_limit bigint, over_soft_limit boolean)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reset public.usage_reset;
  v_at timestamptz := coalesce(p_occurred_at, now());
  v_event_id bigint;
begin
  perform private.authorize('usage.record', p_tenant_id);
  if p_quantity is null or p_quantity <= 0 then
    raise exception 'usage quantities are positive (corrections are made by billing staff)' using errcode = 'TN076';
  end if;
  select m.reset into v_reset from public.usage_metrics m where m.key = p_metric and m.kind = 'metered';
  if not found then
    raise exception 'no metered metric %', p_metric using errcode = 'TN076';
  end if;
  if v_at > now() + private.usage_clock_skew() or v_at < now() - private.usage_backdating_window() then
    raise exception 'occurred_at must be within the last % and not in the future', private.usage_backdating_window()
      using errcode = 'TN076';
  end if;
  insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, occurred_at, properties)
  values (p_tenant_id, p_metric, p_quantity, p_idempotency_key, v_at, coalesce(p_properties, '{}'))
  on conflict (tenant_id, idempotency_key) do nothing
  returning id into v_event_id;
  recorded := v_event_id is not null;
  if not recorded then
    select e.id into v_event_id from public.usage_events e
    where e.tenant_id = p_tenant_id and e.idempotency_key = p_idempotency_key;
  end if;
  perform private.audit_event(p_tenant_id, 'usage.record', 'usage_events', v_event_id::text, null,
    jsonb_build_object('metric', p_metric, 'quantity', p_quantity, 'occurred_at', v_at,
                       'idempotency_key', p_idempotency_key, 'recorded', recorded));
  select c.quantity into quantity from public.usage_counters c
  where c.tenant_id = p_tenant_id and c.metric = p_metric and c.period_start = private.usage_period(v_reset, v_at);
  select l.soft_limit, l.hard_limit into soft_limit, hard_limit from private.tenant_limit(p_tenant_id, p_metric) l;
  over_soft_limit := coalesce(quantity > soft_limit, false);
  return next;
end
$$;
comment on function public.record_usage(uuid, text, bigint, text, timestamptz, jsonb) is
  'Records one metered measurement (a positive quantity, at most 24 hours old) for a tenant where the caller holds '
  'usage.record; audited (usage.record). A repeated idempotency key is not counted again (recorded = false). Past the '
  'hard limit: TN071, nothing recorded; past the soft limit: over_soft_limit. Returns the period''s total and the limits.';

create or replace function public.admin_correct_usage(
  p_tenant_id uuid, p_metric text, p_delta bigint, p_reason text, p_occurred_at timestamptz default null)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reason text;
  v_reset public.usage_reset;
  v_at timestamptz := coalesce(p_occurred_at, now());
  v_event_id bigint;
  v_total bigint;
begin
  perform private.require_staff('billing_admin');
  v_reason := private.require_status_reason(p_reason);
  if not exists (select 1 from public.tenants t where t.id = p_tenant_id) then
    raise exception 'no such tenant' using errcode = 'TN003';
  end if;
  select m.reset into v_reset from public.usage_metrics m where m.key = p_metric and m.kind = 'metered';
  if not found then
    raise exception 'no metered metric %', p_metric using errcode = 'TN076';
  end if;
  if p_delta is null or p_delta = 0 then
    raise exception 'a correction changes the total: give a non-zero delta' using errcode = 'TN076';
  end if;
  if v_at > now() + private.usage_clock_skew() then
    raise exception 'a correction cannot be in the future' using errcode = 'TN076';
  end if;
  insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, occurred_at, correction_reason)
  values (p_tenant_id, p_metric, p_delta, 'correction:' || gen_random_uuid(), v_at, v_reason)
  returning id into v_event_id;
  select c.quantity into v_total from public.usage_counters c
  where c.tenant_id = p_tenant_id and c.metric = p_metric and c.period_start = private.usage_period(v_reset, v_at);
  -- The charts of that day follow at once, also for a day older than the scheduled rollup's window.
  perform private.rollup_usage_daily((v_at at time zone 'UTC')::date, (v_at at time zone 'UTC')::date + 1);
  perform private.audit_event(p_tenant_id, 'usage.correct', 'usage_events', v_event_id::text, null,
    jsonb_build_object('metric', p_metric, 'delta', p_delta, 'reason', v_reason, 'occurred_at', v_at,
                       'period_start', private.usage_period(v_reset, v_at), 'quantity', v_total));
  return v_total;
end
$$;
comment on function public.admin_correct_usage(uuid, text, bigint, text, timestamptz) is
  'Billing staff (billing_admin, super_admin) and system jobs correct a tenant''s metered usage by a signed delta, with '
  'a reason (TN131): recorded as a correction event, audited (usage.correct); no total goes below zero (TN076). Returns '
  'the period''s new total.';

revoke all on function public.admin_correct_usage(uuid, text, bigint, text, timestamptz) from public, anon;
grant execute on function public.admin_correct_usage(uuid, text, bigint, text, timestamptz) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- API functions: manual payments
-- ---------------------------------------------------------------------------------------------

create or replace function public.submit_payment_proof(
  p_tenant_id uuid, p_plan_code text, p_interval public.billing_interval, p_amount bigint, p_proof_path text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := private.authorize(null, p_tenant_id);
  v_plan public.plans;
  v_subscription public.subscriptions;
  v_payment public.payments;
  v_max integer := coalesce((private.setting('billing.proof_max_rejections') #>> '{}')::int, 3);
  v_window interval := make_interval(days => coalesce((private.setting('billing.proof_rejection_window_days') #>> '{}')::int, 30));
  v_rejected integer;
begin
  if not private.can_manage_billing(p_tenant_id) then
    raise exception 'permission billing.manage needed' using errcode = 'TN002';
  end if;
  select * into v_plan from public.plans p where p.code = p_plan_code and p.is_active;
  if not found or (case p_interval when 'year' then v_plan.price_yearly else v_plan.price_monthly end) = 0 then
    raise exception 'no paid plan %', p_plan_code using errcode = 'TN075';
  end if;
  if p_amount is null or p_amount <= 0 then
    raise exception 'the amount must be positive' using errcode = 'TN075';
  end if;
  if p_proof_path is null or char_length(p_proof_path) > 500 or p_proof_path !~ ('^' || p_tenant_id::text || '/[A-Za-z0-9._/-]+$')
     or p_proof_path ~ '(^|/)\.\.?(/|$)' then
    raise exception 'the proof must be a file under the tenant''s folder (%/…)', p_tenant_id using errcode = 'TN075';
  end if;
  if exists (select 1 from public.payments p where p.tenant_id = p_tenant_id and p.provider = 'manual' and p.status = 'pending') then
    raise exception 'a payment is already waiting for verification' using errcode = 'TN074';
  end if;
  select count(*) into v_rejected from public.payments p
  where p.tenant_id = p_tenant_id and p.provider = 'manual' and p.status = 'failed' and p.verified_at > now() - v_window;
  if v_rejected >= v_max then
    raise exception '% payment proofs were rejected in the last %: ask billing support before sending another', v_rejected, v_window
      using errcode = 'TN073';
  end if;

  select * into v_subscription from public.subscriptions s
  where s.tenant_id = p_tenant_id and s.status in ('trialing', 'active', 'past_due', 'pending_verification')
  for update;
  if found then
    update public.subscriptions s set status = 'pending_verification' where s.id = v_subscription.id;
  else
    insert into public.subscriptions (tenant_id, plan_id, billing_interval, status)
    values (p_tenant_id, v_plan.id, p_interval, 'pending_verification')
    returning * into v_subscription;
  end if;

  insert into public.payments (tenant_id, subscription_id, plan_id, billing_interval, provider, amount, currency,
                               status, proof_path)
  values (p_tenant_id, v_subscription.id, v_plan.id, p_interval, 'manual', p_amount, v_plan.currency, 'pending', p_proof_path)
  returning * into v_payment;

  perform private.audit_event(p_tenant_id, 'payment.submit', 'payments', v_payment.id::text, null,
    jsonb_build_object('plan', v_plan.code, 'interval', p_interval, 'amount', p_amount, 'currency', v_plan.currency,
                       'expected_amount', v_payment.expected_amount, 'expected_currency', v_payment.expected_currency,
                       'subscription_status', jsonb_build_array(v_subscription.status, 'pending_verification')));
  perform private.notify_tenant(null, 'billing.payment_submitted', 'A payment proof waits for verification',
    jsonb_build_object('tenant_id', p_tenant_id, 'payment_id', v_payment.id, 'amount', p_amount,
                       'expected_amount', v_payment.expected_amount), 'staff');
  return v_payment.id;
end
$$;
comment on function public.submit_payment_proof(uuid, text, public.billing_interval, bigint, text) is
  'Manual payment (spec 003): records a pending payment with its proof file (a storage path under <tenant_id>/), its '
  'declared amount and the expected one (the plan''s price), and puts the subscription in pending_verification. Needs '
  'billing.manage (also while billing suspended the tenant); one pending at a time (TN074); refused after '
  'billing.proof_max_rejections rejections within billing.proof_rejection_window_days (TN073).';

-- The old three-argument form goes: one verify_payment, whose amount check cannot be skipped.
drop function public.verify_payment(uuid, boolean, text);

create function public.verify_payment(
  p_payment_id uuid, p_approve boolean, p_note text default null,
  p_accept_amount boolean default false, p_amount_reason text default null)
returns public.subscription_status
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_payment public.payments;
  v_subscription public.subscriptions;
  v_live public.subscriptions;
  v_plan public.plans;
  v_step interval;
  v_status public.subscription_status;
  v_price bigint;
  v_dates record;
  v_override text;
begin
  perform private.require_staff('billing_admin');
  if p_approve is null then
    raise exception 'approve or reject' using errcode = 'TN075';
  end if;
  select * into v_payment from public.payments p where p.id = p_payment_id for update;
  if not found then
    raise exception 'no such payment' using errcode = 'TN003';
  end if;
  if v_payment.provider <> 'manual' or v_payment.status <> 'pending' then
    raise exception 'this payment is not waiting for verification (%)', v_payment.status using errcode = 'TN074';
  end if;
  if p_approve and (v_payment.amount, v_payment.currency) is distinct from (v_payment.expected_amount, v_payment.expected_currency) then
    if not coalesce(p_accept_amount, false) then
      raise exception 'the declared % % differs from the expected % %: approve a different amount explicitly, with a reason',
        v_payment.amount, v_payment.currency, v_payment.expected_amount, v_payment.expected_currency
        using errcode = 'TN079';
    end if;
    v_override := private.require_status_reason(p_amount_reason);
  end if;
  select * into v_subscription from public.subscriptions s where s.id = v_payment.subscription_id for update;
  -- The lifecycle may have moved on while the proof waited (billing.proof_grace_days): an approval
  -- then pays the tenant's live subscription, or brings the ended one back.
  if v_subscription.status not in ('trialing', 'active', 'past_due', 'pending_verification') then
    select * into v_live from public.subscriptions s
    where s.tenant_id = v_payment.tenant_id and s.status in ('trialing', 'active', 'past_due', 'pending_verification')
    for update;
    if found then
      v_subscription := v_live;
    end if;
  end if;
  select * into v_plan from public.plans p where p.id = v_payment.plan_id;
  v_step := case v_payment.billing_interval when 'year' then interval '1 year' else interval '1 month' end;

  if p_approve then
    -- Paying for the plan already running extends it; anything else starts a period now.
    if v_subscription.plan_id = v_plan.id and v_subscription.current_period_end > now()
       and v_subscription.billing_interval = v_payment.billing_interval
       and v_subscription.status in ('trialing', 'active', 'past_due', 'pending_verification') then
      update public.subscriptions s set status = 'active', current_period_end = s.current_period_end + v_step,
        trial_end = null, past_due_since = null, cancel_at_period_end = false, ended_at = null
      where s.id = v_subscription.id returning * into v_subscription;
    else
      update public.subscriptions s set status = 'active', plan_id = v_plan.id, billing_interval = v_payment.billing_interval,
        current_period_start = now(), current_period_end = now() + v_step, trial_end = null, past_due_since = null,
        cancel_at_period_end = false, ended_at = null
      where s.id = v_subscription.id returning * into v_subscription;
    end if;
    update public.payments p set status = 'succeeded', verified_by = auth.uid(), verified_at = now(), note = p_note,
      amount_override_reason = v_override,
      period_start = v_subscription.current_period_end - v_step, period_end = v_subscription.current_period_end
    where p.id = p_payment_id;
    v_status := 'active';
    perform private.reactivate_after_payment(v_payment.tenant_id);
    perform private.notify_tenant(v_payment.tenant_id, 'billing.payment_approved', 'Your payment was verified',
      jsonb_build_object('payment_id', p_payment_id, 'plan', v_plan.code, 'period_end', v_subscription.current_period_end,
                         'note', p_note));
  else
    if v_subscription.status in ('trialing', 'active', 'past_due', 'pending_verification') then
      select case v_subscription.billing_interval when 'year' then p.price_yearly else p.price_monthly end into v_price
      from public.plans p where p.id = v_subscription.plan_id;
      select * into v_dates from private.subscription_status_by_dates(v_subscription.trial_end,
        v_subscription.current_period_end, v_subscription.past_due_since, v_price, now());
      update public.subscriptions s set status = v_dates.status, past_due_since = v_dates.past_due_since
      where s.id = v_subscription.id;
      v_status := v_dates.status;
    else
      v_status := v_subscription.status;
    end if;
    update public.payments p set status = 'failed', verified_by = auth.uid(), verified_at = now(), note = p_note,
      failure_reason = 'rejected by billing staff'
    where p.id = p_payment_id;
    perform private.notify_tenant(v_payment.tenant_id, 'billing.payment_rejected', 'Your payment could not be verified',
      jsonb_build_object('payment_id', p_payment_id, 'note', p_note, 'subscription_status', v_status));
  end if;
  perform private.audit_event(v_payment.tenant_id, case when p_approve then 'payment.approve' else 'payment.reject' end,
    'payments', p_payment_id::text, jsonb_build_object('status', 'pending', 'subscription_status', v_subscription.status),
    jsonb_build_object('status', case when p_approve then 'succeeded' else 'failed' end, 'subscription_status', v_status,
                       'note', p_note, 'amount', v_payment.amount, 'currency', v_payment.currency,
                       'expected_amount', v_payment.expected_amount, 'expected_currency', v_payment.expected_currency,
                       'amount_override_reason', v_override));
  return v_status;
end
$$;
comment on function public.verify_payment(uuid, boolean, text, boolean, text) is
  'Billing staff (billing_admin, super_admin) approve a pending manual payment (subscription active for the paid '
  'period, a billing-suspended tenant reactivated) or reject it (payment failed; subscription back to what its '
  'dates and price allow: a free plan stays active). A declared amount that differs from the expected one is approved '
  'only with p_accept_amount and a reason (TN079, TN131). Audited; the tenant is notified.';

revoke all on function public.verify_payment(uuid, boolean, text, boolean, text) from public, anon;
grant execute on function public.verify_payment(uuid, boolean, text, boolean, text) to authenticated, service_role;

-- The billing page shows what a pending payment is expected to be.
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
                  select pay.id, pay.provider, pay.amount, pay.currency, pay.expected_amount, pay.expected_currency,
                         pay.status, pay.created_at, pay.note, pay.failure_reason, pay.billing_interval,
                         p.code as plan_code, p.name as plan_name
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
  'with its plan, the last 24 invoices, the last 10 payments (declared and expected amounts) and the saved cards. '
  'billing.read or billing.manage, also while billing suspended the tenant (TN002 otherwise).';

-- ---------------------------------------------------------------------------------------------
-- The lifecycle: a proof pending past billing.proof_grace_days no longer holds it
-- ---------------------------------------------------------------------------------------------

create or replace function private.run_billing_lifecycle(p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_grace interval := make_interval(days => coalesce((private.setting('billing.grace_days') #>> '{}')::int, 7));
  v_proof_grace interval := private.proof_grace();
  v_sub record;
  v_counts jsonb := '{"trial_ended": 0, "renewed": 0, "past_due": 0, "cancelled": 0, "expired": 0, "suspended": 0, '
                    '"reactivated": 0, "proof_overdue": 0}';
  v_new public.subscription_status;
  v_dates record;
  v_step interval;
  v_paid public.payments;
  v_moved integer;
  v_passes integer := 0;
begin
  -- One runner at a time; a concurrent run returns at once.
  if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtextextended('tenantry.billing.lifecycle', 0)) then
    return jsonb_build_object('skipped', 'another run holds the lock');
  end if;

  -- Passes until nothing moves, so one run brings every subscription to where p_now puts it (a
  -- trial that ended long ago goes to past_due and, its grace over, to expired in the same run).
  loop
    v_moved := 0;
    for v_sub in
      select s.*, p.code as plan_code,
             case s.billing_interval when 'year' then p.price_yearly else p.price_monthly end as price
      from public.subscriptions s join public.plans p on p.id = s.plan_id
      where s.status in ('trialing', 'active', 'past_due', 'pending_verification')
        and ((s.status = 'trialing' and s.trial_end <= p_now and s.stripe_subscription_id is null)
          or (s.status in ('active', 'past_due') and s.current_period_end <= p_now and s.stripe_subscription_id is null
              and (s.status = 'active' or s.cancel_at_period_end))
          or (s.status = 'past_due' and s.past_due_since + v_grace <= p_now)
          or (s.status = 'pending_verification' and not exists (
                select 1 from public.payments pay
                where pay.tenant_id = s.tenant_id and pay.provider = 'manual' and pay.status = 'pending'
                  and pay.created_at + v_proof_grace > p_now)))
      order by s.tenant_id
      for update of s
    loop
      v_moved := v_moved + 1;
      v_step := case v_sub.billing_interval when 'year' then interval '1 year' else interval '1 month' end;
      if v_sub.status = 'pending_verification' then
        -- The proof waited too long: the subscription goes where its dates put it; the next pass
        -- carries on from there (past due, expired, suspended). Staff can still approve the proof.
        select * into v_dates from private.subscription_status_by_dates(v_sub.trial_end, v_sub.current_period_end,
          v_sub.past_due_since, v_sub.price, p_now);
        update public.subscriptions s set status = v_dates.status, past_due_since = v_dates.past_due_since
        where s.id = v_sub.id;
        perform private.billing_transition(v_sub.tenant_id, v_sub.id, 'subscription.proof_overdue', 'pending_verification',
          v_dates.status, 'Your payment proof is still waiting for verification: your subscription continues as if unpaid',
          jsonb_build_object('proof_grace', v_proof_grace::text, 'past_due_since', v_dates.past_due_since));
        v_counts := jsonb_set(v_counts, '{proof_overdue}', to_jsonb((v_counts ->> 'proof_overdue')::int + 1));
      elsif v_sub.status = 'past_due' and v_sub.past_due_since + v_grace <= p_now then
        update public.subscriptions s set status = 'expired', ended_at = p_now where s.id = v_sub.id;
        perform private.billing_transition(v_sub.tenant_id, v_sub.id, 'subscription.expire', v_sub.status, 'expired',
          'Your subscription expired', jsonb_build_object('past_due_since', v_sub.past_due_since, 'grace', v_grace::text));
        v_counts := jsonb_set(v_counts, '{expired}', to_jsonb((v_counts ->> 'expired')::int + 1));
        if exists (select 1 from public.tenants t where t.id = v_sub.tenant_id and t.status = 'active') then
          perform private.set_tenant_status(v_sub.tenant_id, 'suspended', private.billing_suspension_reason(), 'tenant.suspend');
          perform private.notify_tenant(v_sub.tenant_id, 'billing.tenant_suspended',
            'Your workspace is suspended until a payment arrives', '{}', 'owners');
          v_counts := jsonb_set(v_counts, '{suspended}', to_jsonb((v_counts ->> 'suspended')::int + 1));
        end if;
      elsif v_sub.cancel_at_period_end
            and coalesce(case when v_sub.status = 'trialing' then v_sub.trial_end end, v_sub.current_period_end) <= p_now then
        v_new := case when v_sub.status = 'trialing' then 'expired' else 'cancelled' end;
        update public.subscriptions s set status = v_new, ended_at = p_now where s.id = v_sub.id;
        perform private.billing_transition(v_sub.tenant_id, v_sub.id,
          case v_new when 'expired' then 'subscription.trial_end' else 'subscription.end' end, v_sub.status, v_new,
          case v_new when 'expired' then 'Your trial ended' else 'Your subscription ended' end, '{}');
        v_counts := jsonb_set(v_counts, case v_new when 'expired' then '{trial_ended}'::text[] else '{cancelled}'::text[] end,
          to_jsonb((v_counts ->> case v_new when 'expired' then 'trial_ended' else 'cancelled' end)::int + 1));
      elsif v_sub.status = 'trialing' then
        update public.subscriptions s set status = 'past_due', past_due_since = s.trial_end where s.id = v_sub.id;
        perform private.billing_transition(v_sub.tenant_id, v_sub.id, 'subscription.trial_end', 'trialing', 'past_due',
          'Your trial ended: pay to keep your plan', jsonb_build_object('grace_until', v_sub.trial_end + v_grace));
        v_counts := jsonb_set(v_counts, '{trial_ended}', to_jsonb((v_counts ->> 'trial_ended')::int + 1));
      elsif v_sub.status = 'active' then
        -- A verified payment for the next period, or a free plan, renews; otherwise the period is unpaid.
        select * into v_paid from public.payments p
        where p.subscription_id = v_sub.id and p.status = 'succeeded' and p.period_start >= v_sub.current_period_end
        order by p.period_start limit 1;
        if v_sub.price = 0 or v_paid.id is not null then
          update public.subscriptions s set
            current_period_start = coalesce(v_paid.period_start, s.current_period_end),
            current_period_end = coalesce(v_paid.period_end,
              s.current_period_end + v_step * greatest(1, ceil(extract(epoch from (p_now - s.current_period_end))
                                                            / extract(epoch from v_step)))::int)
          where s.id = v_sub.id;
          perform private.billing_transition(v_sub.tenant_id, v_sub.id, 'subscription.renew', 'active', 'active',
            null, jsonb_build_object('previous_period_end', v_sub.current_period_end));
          v_counts := jsonb_set(v_counts, '{renewed}', to_jsonb((v_counts ->> 'renewed')::int + 1));
        else
          update public.subscriptions s set status = 'past_due', past_due_since = s.current_period_end where s.id = v_sub.id;
          perform private.billing_transition(v_sub.tenant_id, v_sub.id, 'subscription.past_due', 'active', 'past_due',
            'Your subscription renewal is unpaid', jsonb_build_object('grace_until', v_sub.current_period_end + v_grace));
          v_counts := jsonb_set(v_counts, '{past_due}', to_jsonb((v_counts ->> 'past_due')::int + 1));
        end if;
      end if;
    end loop;
    v_passes := v_passes + 1;
    exit when v_moved = 0 or v_passes >= 12;
  end loop;

  -- Catch-up: a billing-suspended tenant whose subscription is active again (paid outside an RPC).
  for v_sub in
    select t.id as tenant_id from public.tenants t
    where t.status = 'suspended' and t.status_reason = private.billing_suspension_reason()
      and exists (select 1 from public.subscriptions s where s.tenant_id = t.id and s.status in ('active', 'trialing'))
    order by t.id
  loop
    perform private.reactivate_after_payment(v_sub.tenant_id);
    v_counts := jsonb_set(v_counts, '{reactivated}', to_jsonb((v_counts ->> 'reactivated')::int + 1));
  end loop;
  return v_counts;
end
$$;
comment on function private.run_billing_lifecycle(timestamptz) is
  'The billing.lifecycle job: trial expiry, renewal, unpaid periods, cancellation at period end, grace → expired → '
  'tenant suspended, reactivation, and a proof pending past billing.proof_grace_days releasing its subscription '
  '(proof_overdue). Repeats until nothing moves; idempotent; returns how many subscriptions each transition moved. '
  'Security definer: moves subscription and tenant status, which only trusted code may. service_role only.';
