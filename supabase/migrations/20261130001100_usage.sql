-- Usage and quotas. Metered usage is recorded first as events, derived second (spec 001
-- metered_events → usage_counters; spec 002 tenant_usage_daily):
--
--   usage_events    append-only, one row per measurement, idempotency key unique per tenant
--   usage_counters  running total per tenant, metric and period (calendar month in UTC, or all time
--                   for metrics that never reset), maintained in the writer's transaction by a
--                   statement-level trigger; this is what hard limits are checked against
--   usage_daily     per tenant, metric and UTC day, rebuilt from the events by
--                   private.rollup_usage_daily() (the `usage.rollup` job), for charts
--
-- Owns: those tables; the quota helpers (usage_period, count_usage, lock_quota,
-- enforce_counted_quota, usage_backdating_window, usage_clock_skew); public.record_usage,
-- admin_correct_usage, usage_summary (the usage page).
--
-- Quotas (plan_limits of the tenant's plan, private.tenant_limit()):
--   * members and projects are counted where they live; inserting one past the hard limit raises
--     TN070 (memberships — so accept_invitation too —, invitations, projects);
--   * a metered write that takes a counter past its hard limit raises TN071 and nothing is written;
--     one that crosses the soft limit stamps usage_counters.soft_limit_reached_at and notifies.
-- Concurrency: counted quotas take a transaction-scoped advisory lock per (tenant, metric) before
-- counting, so concurrent inserts into one tenant queue and each counts what the previous committed
-- (READ COMMITTED: the count is a new statement, with a new snapshot). Metered quotas need no extra
-- lock: the counter upsert locks the counter row, and ON CONFLICT DO UPDATE adds to the latest
-- committed total, which is then checked.
--
-- Recording: record_usage takes positive quantities only (TN076), needs usage.record, and a
-- measurement may be at most private.usage_backdating_window() (24 hours) old and at most 5
-- minutes in the future; every call writes a usage.record audit event. Corrections — the only
-- negative quantities (usage_events_quantity_positive) — are admin_correct_usage(), for billing
-- staff and trusted system jobs: reason required (TN131), audited (usage.correct), and no counter
-- may go below zero (TN076). Storage that shrinks is a correction.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.usage_events (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  metric text not null references public.usage_metrics (key),
  quantity bigint not null check (quantity <> 0),
  idempotency_key text not null check (char_length(idempotency_key) between 1 and 200),
  occurred_at timestamptz not null default now(),
  properties jsonb not null default '{}' check (jsonb_typeof(properties) = 'object' and octet_length(properties::text) <= 4096),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  unique (tenant_id, idempotency_key),
  correction_reason text check (char_length(correction_reason) between 1 and 500),
  constraint usage_events_quantity_positive check (quantity > 0 or correction_reason is not null)
);
alter table public.usage_events enable row level security;
comment on table public.usage_events is
  'Raw metered usage, append-only for every role (TN072): one row per measurement, the idempotency key unique '
  'per tenant so a retried report counts once. Recorded by record_usage() or by system jobs in batches.';
create index usage_events_tenant_metric_occurred_idx on public.usage_events (tenant_id, metric, occurred_at);
create index usage_events_tenant_created_idx on public.usage_events (tenant_id, created_at);
create index usage_events_occurred_brin on public.usage_events using brin (occurred_at);

create table public.usage_counters (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  metric text not null references public.usage_metrics (key),
  period_start date not null,
  quantity bigint not null default 0,
  soft_limit_reached_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, metric, period_start)
);
alter table public.usage_counters enable row level security;
comment on table public.usage_counters is
  'Usage total per tenant, metric and period (month start in UTC; 1970-01-01 for metrics that never reset), '
  'kept by the usage_events trigger in the same transaction. soft_limit_reached_at flags a crossed soft limit.';
create index usage_counters_metric_idx on public.usage_counters (metric);

create table public.usage_daily (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  metric text not null references public.usage_metrics (key),
  day date not null,
  quantity bigint not null,
  events bigint not null,
  rolled_up_at timestamptz not null default now(),
  primary key (tenant_id, metric, day)
);
alter table public.usage_daily enable row level security;
comment on table public.usage_daily is
  'Daily usage per tenant and metric (UTC days), rebuilt from usage_events by private.rollup_usage_daily().';
create index usage_daily_tenant_day_idx on public.usage_daily (tenant_id, day);
create index usage_daily_metric_idx on public.usage_daily (metric);

comment on column public.usage_events.correction_reason is
  'Set only on corrections (admin_correct_usage): why billing staff or a system job changed the total. Only '
  'corrections may be negative.';

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create or replace function private.refuse_usage_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'usage events are append-only: % refused', tg_op using errcode = 'TN072';
end
$$;

comment on function private.refuse_usage_change() is 'Refuses UPDATE, DELETE and TRUNCATE on usage_events, for every role (TN072).';

-- Keeps usage_counters in step with the events, in the writer's statement; no counter goes below
-- zero (a correction larger than the total).
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

create or replace function private.enforce_counted_quota()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_metric text := tg_argv[0];
  v_limit bigint;
  v_count bigint;
begin
  v_limit := (private.tenant_limit(new.tenant_id, v_metric)).hard_limit;
  if v_limit is null then
    return new;
  end if;
  perform private.lock_quota(new.tenant_id, v_metric);
  if v_metric = 'projects' then
    select count(*) into v_count from public.projects p where p.tenant_id = new.tenant_id;
  else
    select (select count(*) from public.memberships m where m.tenant_id = new.tenant_id)
         + (select count(*) from public.invitations i where i.tenant_id = new.tenant_id
            and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
            and (tg_table_name <> 'memberships'
                 or lower(i.email::text) <> coalesce((select lower(p.email::text) from public.profiles p
                                                      where p.id = (to_jsonb(new) ->> 'user_id')::uuid), '')))
      into v_count;
  end if;
  if v_count >= v_limit then
    raise exception 'the plan allows % %', v_limit, v_metric using errcode = 'TN070',
      hint = 'Upgrade the plan to add more.';
  end if;
  return new;
end
$$;

comment on function private.enforce_counted_quota() is
  'BEFORE INSERT trigger (argument: members or projects): refuses a row past the plan''s hard limit (TN070). '
  'Pending invitations hold a seat; accepting one uses that seat. Security definer: counts rows the caller may not see.';

create trigger usage_events_append_only before update or delete on public.usage_events
  for each row execute function private.refuse_usage_change();
create trigger usage_events_no_truncate before truncate on public.usage_events
  for each statement execute function private.refuse_usage_change();
create trigger usage_events_immutable_columns before update on public.usage_events
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_by', 'created_at');
create trigger usage_counters_immutable_columns before update on public.usage_counters
  for each row execute function private.forbid_column_changes('tenant_id', 'metric', 'period_start');
create trigger usage_daily_immutable_columns before update on public.usage_daily
  for each row execute function private.forbid_column_changes('tenant_id', 'metric', 'day');

create trigger usage_events_count after insert on public.usage_events
  referencing new table as new_rows
  for each statement execute function private.count_usage();

create trigger memberships_enforce_quota before insert on public.memberships
  for each row execute function private.enforce_counted_quota('members');
create trigger invitations_enforce_quota before insert on public.invitations
  for each row execute function private.enforce_counted_quota('members');
create trigger projects_enforce_quota before insert on public.projects
  for each row execute function private.enforce_counted_quota('projects');

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

create or replace function private.usage_period(p_reset public.usage_reset, p_at timestamptz)
returns date
language sql
immutable
set search_path = ''
as $$
  select case p_reset when 'never' then date '1970-01-01'
    else (date_trunc('month', p_at at time zone 'UTC'))::date end
$$;

comment on function private.usage_period(public.usage_reset, timestamptz) is 'The counter period of a measurement: its UTC month, or 1970-01-01 for all-time metrics.';

-- Counted quotas: members (memberships and pending invitations) and projects.
create or replace function private.lock_quota(p_tenant_id uuid, p_metric text)
returns void
language sql
volatile
set search_path = ''
as $$
  select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('tenantry.quota:' || p_metric || ':' || p_tenant_id::text, 0))
$$;

comment on function private.lock_quota(uuid, text) is
  'Transaction-scoped advisory lock serialising quota checks of one tenant and metric.';

create or replace function private.rollup_usage_daily(p_from date default null, p_to date default null)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_from date := coalesce(p_from, (now() at time zone 'UTC')::date - 2);
  v_to date := coalesce(p_to, (now() at time zone 'UTC')::date + 1);
  v_rows bigint;
begin
  insert into public.usage_daily as d (tenant_id, metric, day, quantity, events)
  select e.tenant_id, e.metric, (e.occurred_at at time zone 'UTC')::date, sum(e.quantity), count(*)
  from public.usage_events e
  where e.occurred_at >= (v_from::timestamp at time zone 'UTC') and e.occurred_at < (v_to::timestamp at time zone 'UTC')
  group by 1, 2, 3
  on conflict (tenant_id, metric, day) do update
    set quantity = excluded.quantity, events = excluded.events, rolled_up_at = now()
    where (d.quantity, d.events) is distinct from (excluded.quantity, excluded.events);
  get diagnostics v_rows = row_count;
  return v_rows;
end
$$;

comment on function private.rollup_usage_daily(date, date) is
  'Rebuilds usage_daily for the UTC days [p_from, p_to) (default: the last two days and today) from usage_events. '
  'Idempotent (events are immutable); returns the rows written. Run by the usage.rollup job as service_role.';

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

grant execute on function private.rollup_usage_daily(date, date) to service_role;

revoke all on function
  private.usage_backdating_window(),
  private.usage_clock_skew()
from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.usage_events, public.usage_counters, public.usage_daily from anon, authenticated, service_role;
grant select on public.usage_events, public.usage_counters, public.usage_daily to authenticated, service_role;
grant insert (tenant_id, metric, quantity, idempotency_key, occurred_at, properties) on public.usage_events to service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy usage_events_select_permitted on public.usage_events
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('usage.read'))));
create policy usage_events_select_staff on public.usage_events
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy usage_events_select_mfa on public.usage_events
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy usage_counters_select_permitted on public.usage_counters
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('usage.read'))));
create policy usage_counters_select_staff on public.usage_counters
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy usage_counters_select_mfa on public.usage_counters
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy usage_daily_select_permitted on public.usage_daily
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('usage.read'))));
create policy usage_daily_select_staff on public.usage_daily
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy usage_daily_select_mfa on public.usage_daily
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- API functions
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

grant execute on function public.record_usage(uuid, text, bigint, text, timestamptz, jsonb) to authenticated;

revoke all on function public.usage_summary(uuid) from public, anon;
grant execute on function public.usage_summary(uuid) to authenticated;

revoke all on function public.admin_correct_usage(uuid, text, bigint, text, timestamptz) from public, anon;
grant execute on function public.admin_correct_usage(uuid, text, bigint, text, timestamptz) to authenticated, service_role;
