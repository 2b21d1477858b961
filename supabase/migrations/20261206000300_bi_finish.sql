-- BI, second half (issue 18 §1): the console's MRR movement. public.admin_platform_metrics keeps its
-- daily DAU / WAU / MAU and tenant counts, and its months now carry the movement of each currency's
-- MRR: new (tenants from nothing to a paying subscription), expansion and contraction (a tenant's
-- MRR up or down, a plan or interval change), churned (a tenant from paying to nothing), and the
-- MRR at the month's start and end.
--
-- A subscription's plan, interval and status change in place, so the state at an instant is read
-- back from the audit trail (subscriptions are audited: each update's old and new values of what
-- changed): the newest change at or before the instant, or else the oldest change after it, or
-- else the row as it is. Paying means active or past due (trials and pending verifications bring
-- no revenue yet); a subscription counts from its created_at until its ended_at.

create or replace function public.admin_platform_metrics(p_days integer default 90)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_days integer := least(greatest(coalesce(p_days, 90), 7), 400);
  v_from date := (now() at time zone 'UTC')::date - (v_days - 1);
begin
  if not (private.is_platform_staff() or private.is_service_role()) then
    raise exception 'platform staff only' using errcode = 'TN061';
  end if;
  return jsonb_build_object(
    'days', (
      with activity as (
        select s.user_id, (coalesce(s.refreshed_at, s.updated_at, s.created_at) at time zone 'UTC')::date as day
        from auth.sessions s where coalesce(s.refreshed_at, s.updated_at, s.created_at) >= v_from - 30
        union
        select s.user_id, (s.created_at at time zone 'UTC')::date from auth.sessions s where s.created_at >= v_from - 30
        union
        select a.actor_id, (a.created_at at time zone 'UTC')::date from public.audit_logs a
        where a.created_at >= v_from - 30 and a.actor_id is not null and a.actor_type = 'user'
      )
      select jsonb_agg(jsonb_build_object(
        'day', g.day::date,
        'dau', (select count(distinct x.user_id) from activity x where x.day = g.day::date),
        'wau', (select count(distinct x.user_id) from activity x where x.day between g.day::date - 6 and g.day::date),
        'mau', (select count(distinct x.user_id) from activity x where x.day between g.day::date - 29 and g.day::date),
        'tenants_created', (select count(*) from public.tenants t where (t.created_at at time zone 'UTC')::date = g.day::date),
        'tenants_archived', (select count(*) from public.tenants t where (t.archived_at at time zone 'UTC')::date = g.day::date),
        'tenants_active', (select count(*) from public.tenants t
                           where t.created_at < ((g.day + interval '1 day')::timestamp at time zone 'UTC')
                             and (t.archived_at is null or t.archived_at >= ((g.day + interval '1 day')::timestamp at time zone 'UTC'))))
        order by g.day)
      from generate_series(v_from::timestamp, (now() at time zone 'UTC')::date::timestamp, interval '1 day') g(day)),
    'months', coalesce((
      with months as (
        select m.month::date as month, m.month at time zone 'UTC' as starts,
               least((m.month + interval '1 month') at time zone 'UTC', now()) as ends
        from generate_series(date_trunc('month', v_from::timestamp), date_trunc('month', now() at time zone 'UTC'),
                             interval '1 month') m(month)
      ),
      instants as (select starts as at from months union select ends from months),
      changes as materialized (
        select a.target_id::uuid as id, a.id as seq, a.created_at, a.old_values, a.new_values
        from public.audit_logs a where a.target_type = 'subscriptions' and a.action = 'subscriptions.update'
      ),
      state_at as (
        select s.tenant_id, i.at, p.currency,
               case x.billing_interval when 'year' then p.price_yearly / 12.0 else p.price_monthly::numeric end as mrr,
               x.status
        from public.subscriptions s
        cross join instants i
        cross join lateral (
          select
            (select coalesce(
               (select c.new_values ->> 'status' from changes c where c.id = s.id and c.created_at <= i.at and c.new_values ? 'status'
                order by c.created_at desc, c.seq desc limit 1),
               (select c.old_values ->> 'status' from changes c where c.id = s.id and c.created_at > i.at and c.old_values ? 'status'
                order by c.created_at, c.seq limit 1),
               s.status::text)) as status,
            (select coalesce(
               (select c.new_values ->> 'plan_id' from changes c where c.id = s.id and c.created_at <= i.at and c.new_values ? 'plan_id'
                order by c.created_at desc, c.seq desc limit 1),
               (select c.old_values ->> 'plan_id' from changes c where c.id = s.id and c.created_at > i.at and c.old_values ? 'plan_id'
                order by c.created_at, c.seq limit 1),
               s.plan_id::text)) as plan_id,
            (select coalesce(
               (select c.new_values ->> 'billing_interval' from changes c where c.id = s.id and c.created_at <= i.at
                  and c.new_values ? 'billing_interval' order by c.created_at desc, c.seq desc limit 1),
               (select c.old_values ->> 'billing_interval' from changes c where c.id = s.id and c.created_at > i.at
                  and c.old_values ? 'billing_interval' order by c.created_at, c.seq limit 1),
               s.billing_interval::text)) as billing_interval
        ) x
        join public.plans p on p.id = x.plan_id::uuid
        where s.created_at <= i.at and (s.ended_at is null or s.ended_at > i.at)
          and x.status in ('active', 'past_due')
      ),
      tenant_mrr as (
        select m.month, t.tenant_id, t.currency,
               coalesce(sum(t.mrr) filter (where t.at = m.starts), 0) as mrr_start,
               coalesce(sum(t.mrr) filter (where t.at = m.ends), 0) as mrr_end
        from months m join state_at t on t.at in (m.starts, m.ends)
        group by m.month, t.tenant_id, t.currency
      ),
      currencies as (
        select distinct p.currency from public.plans p
        where exists (select 1 from state_at s where s.currency = p.currency)
      )
      select jsonb_agg(to_jsonb(r) order by r.currency, r.month)
      from (
        select m.month, c.currency,
               coalesce(round(sum(t.mrr_start)), 0) as mrr_start,
               coalesce(round(sum(t.mrr_end)), 0) as mrr,
               coalesce(round(sum(t.mrr_end) filter (where t.mrr_start = 0)), 0) as new_mrr,
               coalesce(round(sum(t.mrr_end - t.mrr_start) filter (where t.mrr_start > 0 and t.mrr_end > t.mrr_start)), 0)
                 as expansion_mrr,
               coalesce(round(sum(t.mrr_start - t.mrr_end) filter (where t.mrr_end > 0 and t.mrr_end < t.mrr_start)), 0)
                 as contraction_mrr,
               coalesce(round(sum(t.mrr_start) filter (where t.mrr_end = 0)), 0) as churned_mrr,
               count(*) filter (where t.mrr_end > 0) as paying_tenants
        from months m cross join currencies c
        left join tenant_mrr t on t.month = m.month and t.currency = c.currency
        group by m.month, c.currency
      ) r), '[]'::jsonb));
end
$$;

comment on function public.admin_platform_metrics(integer) is
  'Platform metrics for the console: per day DAU/WAU/MAU (sessions and audited actions), tenants created, archived and '
  'active; per month and currency MRR at the start and end, new, expansion, contraction and churned MRR in minor units '
  '(subscription states at an instant read back from the audit trail). Staff only (support, billing_admin or '
  'super_admin; TN061).';

-- The home dashboard holds what the old fixed overview showed (src/lib/server/bi/queries.ts
-- HOME_WIDGETS; keep the two alike): the organisation's figures, billing, system health, usage
-- against the plan, active users, recent activity, the latest projects and announcements. Home
-- dashboards customised before keep their widgets.
create or replace function private.create_default_dashboard(p_tenant_id uuid)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_dashboard uuid;
  v_layout jsonb := '[]';
  v_widget record;
  v_id uuid;
begin
  select d.id into v_dashboard from public.dashboards d where d.tenant_id = p_tenant_id and d.is_default;
  if found then
    return v_dashboard;
  end if;
  insert into public.dashboards (tenant_id, name, description, is_default, time_range, created_by)
  values (p_tenant_id, 'Overview', 'The organisation at a glance.', true, '30d', auth.uid())
  returning id into v_dashboard;
  for v_widget in
    select * from (values
      (1, 'kpi', 'Organisation', 'organisation', 0, 0, 6, 2),
      (2, 'kpi', 'Billing', 'billing_status', 6, 0, 3, 2),
      (3, 'kpi', 'System health', 'system_health', 9, 0, 3, 2),
      (4, 'table', 'Usage', 'usage_summary', 0, 2, 6, 4),
      (5, 'line', 'Active users', 'active_users', 6, 2, 6, 4),
      (6, 'table', 'Recent activity', 'recent_activity', 0, 6, 6, 4),
      (7, 'table', 'Latest projects', 'latest_projects', 6, 6, 6, 2),
      (8, 'table', 'Announcements', 'announcements', 6, 8, 6, 2)) w (n, kind, title, metric, x, y, w, h)
    order by n
  loop
    insert into public.dashboard_widgets (tenant_id, dashboard_id, kind, title, source, metric, created_by)
    values (p_tenant_id, v_dashboard, v_widget.kind, v_widget.title, 'metric', v_widget.metric, auth.uid())
    returning id into v_id;
    v_layout := v_layout || jsonb_build_array(jsonb_build_object(
      'widget', v_id, 'x', v_widget.x, 'y', v_widget.y, 'w', v_widget.w, 'h', v_widget.h));
  end loop;
  update public.dashboards d set layout = v_layout where d.id = v_dashboard;
  return v_dashboard;
end
$$;

comment on function private.create_default_dashboard(uuid) is
  'Makes a tenant''s home dashboard a row (Overview: organisation, billing, system health, usage, active users, recent '
  'activity, latest projects, announcements) unless it is one already; returns its id. Security definer: is_default '
  'is not writable by API roles.';

-- ---------------------------------------------------------------------------------------------
-- Saved queries at scale (npm run bench -- bi; docs/bi.md#performance)
-- ---------------------------------------------------------------------------------------------

-- The run's settings are constants of the run: one query, planned and executed once inside the
-- runner's savepoint (src/lib/server/bi/run.ts), which sets them first and rolls them back after.
-- Declared stable, these SQL functions were inlined as current_setting() calls that a sequential
-- scan evaluated for every row (EXPLAIN: 362 ms against 53 ms over 100k rows); immutable, the
-- planner folds them into constants once (a body more volatile than its declaration is not
-- inlined but pre-evaluated), so `occurred_at >= range_start()` costs what a literal does. Nothing
-- caches a plan across runs: a saved query is not a view or a prepared statement.
create or replace function analytics.range_start() returns timestamptz language sql immutable
  as $$ select nullif(current_setting('tenantry.analytics_range_start', true), '')::timestamptz $$;
create or replace function analytics.range_end() returns timestamptz language sql immutable
  as $$ select nullif(current_setting('tenantry.analytics_range_end', true), '')::timestamptz $$;
create or replace function analytics.param_text(p_name text) returns text language sql immutable
  as $$ select current_setting('tenantry.analytics_p_' || p_name, true) $$;
create or replace function analytics.param_integer(p_name text) returns bigint language sql immutable
  as $$ select nullif(current_setting('tenantry.analytics_p_' || p_name, true), '')::bigint $$;
create or replace function analytics.param_numeric(p_name text) returns numeric language sql immutable
  as $$ select nullif(current_setting('tenantry.analytics_p_' || p_name, true), '')::numeric $$;
create or replace function analytics.param_date(p_name text) returns date language sql immutable
  as $$ select nullif(current_setting('tenantry.analytics_p_' || p_name, true), '')::date $$;
create or replace function analytics.param_timestamptz(p_name text) returns timestamptz language sql immutable
  as $$ select nullif(current_setting('tenantry.analytics_p_' || p_name, true), '')::timestamptz $$;
create or replace function analytics.param_boolean(p_name text) returns boolean language sql immutable
  as $$ select nullif(current_setting('tenantry.analytics_p_' || p_name, true), '')::boolean $$;

-- The daily rollup of every meter (usage_daily, rebuilt from usage_events by the rollup) as a view,
-- so a dashboard over 90 days reads 90 rows a metric rather than every raw event: the raw view
-- stays for questions the days cannot answer.
create view analytics.usage_by_day with (security_invoker = true) as
  select d.tenant_id, d.metric, d.day, d.quantity, d.events
  from public.usage_daily d;
comment on view analytics.usage_by_day is
  'Per day and metric: the metered quantity and the number of events (usage.read), rolled up from usage_events.';
revoke all on analytics.usage_by_day from public;
grant select on analytics.usage_by_day to tenantry_analytics;
grant select (tenant_id, metric, day, quantity, events) on public.usage_daily to tenantry_analytics;
create policy usage_daily_select_analytics on public.usage_daily
  for select to tenantry_analytics
  using (tenant_id in (select private.analytics_tenant())
         and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('usage.read'))));
