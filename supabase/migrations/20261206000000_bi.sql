-- Embedded BI (issue 18 §1–3, §6; specs 000, 001, 002): per-tenant daily metrics computed from the
-- platform's own records, dashboards of widgets with a JSONB grid layout, saved queries run as a
-- dedicated low-privilege role over an `analytics` schema of security-invoker views, staff
-- announcements, and dashboards shared by an unguessable, revocable link as a snapshot.
--
-- Owns: tables tenant_usage_daily, dashboards, dashboard_widgets, saved_queries, dashboard_shares,
-- announcements; schema analytics (its views and parameter functions) and role tenantry_analytics
-- (created here on Supabase, by the compat layer elsewhere: migrations there cannot create roles);
-- the analytics policies on usage_events, projects and tasks; private.rollup_tenant_usage_daily
-- (the bi.rollup job), private.analytics_check, private.analytics_tenant; the RPCs
-- admin_platform_metrics, tenant_announcements, customize_home_dashboard. TN520–TN534 (TN535–TN549 kept for this module:
-- data sources and alerts, issue 18 §4–5, are next session's — dashboard_widgets.source and
-- saved_queries keep room for a `data_source_id`).
--
-- Who (docs/bi.md): dashboards.read reads the tenant's dashboards, widgets and saved queries and
-- runs them; dashboards.manage creates and edits dashboards and widgets and shares them;
-- queries.manage writes saved queries. Staff (support, super_admin) publish announcements; the
-- platform metrics are for every staff role.
--
-- Saved queries: private.analytics_check() parses the query as the body of a temporary view and
-- reads the view's query tree (pg_rewrite): every relation must be a view of schema analytics,
-- every function one of the allow-list (or a cast's, or analytics'), no reg* type. The app then
-- runs the same text, in a savepoint made read-only, as tenantry_analytics (USAGE on analytics
-- only; SELECT on the exposed columns; its own policies, restricted to the one tenant being
-- queried and the caller's permissions there), with a statement timeout and a row limit
-- (src/lib/server/bi/run.ts). Parameters are bound through transaction settings read by
-- analytics.param_*(), never written into the text.

-- ---------------------------------------------------------------------------------------------
-- The analytics role and schema
-- ---------------------------------------------------------------------------------------------

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'tenantry_analytics') then
    create role tenantry_analytics nologin noinherit;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator')
     and not pg_catalog.pg_has_role('authenticator', 'tenantry_analytics', 'member') then
    grant tenantry_analytics to authenticator;
  end if;
end
$$;

create schema analytics;
comment on schema analytics is
  'What saved queries see: security-invoker views over the tenant''s data (RLS applies) and the parameter functions.';
revoke all on schema analytics from public;
grant usage on schema analytics to tenantry_analytics;

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.tenant_usage_daily (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  day date not null,
  -- Members with a session created, refreshed or updated that day, or an audited action in the tenant.
  active_users integer not null default 0 check (active_users >= 0),
  -- Bytes of the tenant's files stored at the end of the day.
  storage_bytes bigint not null default 0 check (storage_bytes >= 0),
  -- Emails sent that day on the tenant's behalf (the outbox rows whose payload names it).
  emails_sent integer not null default 0 check (emails_sent >= 0),
  -- Metered API calls that day (usage_events, metric api_calls).
  api_calls bigint not null default 0 check (api_calls >= 0),
  -- Every metered metric's total of the day, {metric: quantity}.
  meters jsonb not null default '{}' check (jsonb_typeof(meters) = 'object'),
  computed_at timestamptz not null default now(),
  primary key (tenant_id, day)
);
alter table public.tenant_usage_daily enable row level security;
comment on table public.tenant_usage_daily is
  'Spec 002: per tenant and UTC day, active users, storage, emails sent, API calls and the metered usage, computed by '
  'private.rollup_tenant_usage_daily() (the bi.rollup job) from sessions, audit rows, files, the email outbox and '
  'usage events.';
create index tenant_usage_daily_day_idx on public.tenant_usage_daily (day);

create table public.saved_queries (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 100),
  description text not null default '' check (char_length(description) <= 1000),
  -- sql: written by hand; builder: generated from `builder` by the app (src/lib/bi/builder.ts).
  mode text not null default 'sql' check (mode in ('sql', 'builder')),
  sql text not null check (char_length(sql) between 1 and 20000),
  builder jsonb check (builder is null or jsonb_typeof(builder) = 'object'),
  -- [{name, type: text|integer|numeric|date|timestamptz|boolean, default}]
  parameters jsonb not null default '[]' check (jsonb_typeof(parameters) = 'array'),
  row_limit integer not null default 1000 check (row_limit between 1 and 10000),
  timeout_ms integer not null default 5000 check (timeout_ms between 100 and 30000),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id)
);
alter table public.saved_queries enable row level security;
comment on table public.saved_queries is
  'A query over the tenant''s analytics views, in SQL or built without code; typed parameters, a row limit and a '
  'statement timeout. Checked by private.analytics_check and run as tenantry_analytics.';
create index saved_queries_tenant_created_idx on public.saved_queries (tenant_id, created_at);
create unique index saved_queries_name_ci_key on public.saved_queries (tenant_id, lower(name));

create table public.dashboards (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 100),
  description text not null default '' check (char_length(description) <= 1000),
  -- The tenant's home page (one per tenant; made with the tenant, never deleted).
  is_default boolean not null default false,
  time_range text not null default '30d' check (time_range in ('24h', '7d', '30d', '90d', '365d')),
  -- 0: no auto refresh.
  refresh_seconds integer not null default 0 check (refresh_seconds in (0, 30, 60, 300, 900)),
  -- [{widget, x, y, w, h}] on a 12-column grid (private.is_valid_dashboard_layout).
  layout jsonb not null default '[]',
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id)
);
alter table public.dashboards enable row level security;
comment on table public.dashboards is
  'A dashboard of widgets: its grid layout (JSONB), default time range and auto refresh. One per tenant is its home.';
create index dashboards_tenant_created_idx on public.dashboards (tenant_id, created_at);
create unique index dashboards_one_default_key on public.dashboards (tenant_id) where is_default;

create table public.dashboard_widgets (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  dashboard_id uuid not null,
  kind text not null check (kind in ('line', 'bar', 'pie', 'table', 'kpi')),
  title text not null check (char_length(btrim(title)) between 1 and 100),
  -- metric: a platform metric (src/lib/bi/metrics.ts); query: a saved query. (A data source: next session.)
  source text not null check (source in ('metric', 'query')),
  metric text check (metric ~ '^[a-z][a-z0-9_]{1,40}$'),
  saved_query_id uuid,
  options jsonb not null default '{}' check (jsonb_typeof(options) = 'object'),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, dashboard_id) references public.dashboards (tenant_id, id) on delete cascade,
  foreign key (tenant_id, saved_query_id) references public.saved_queries (tenant_id, id) on delete cascade,
  check ((source = 'metric' and metric is not null and saved_query_id is null)
         or (source = 'query' and saved_query_id is not null and metric is null))
);
alter table public.dashboard_widgets enable row level security;
comment on table public.dashboard_widgets is
  'A widget of a dashboard: line, bar, pie, table or KPI over a platform metric or a saved query.';
create index dashboard_widgets_dashboard_idx on public.dashboard_widgets (tenant_id, dashboard_id);
create index dashboard_widgets_query_idx on public.dashboard_widgets (tenant_id, saved_query_id) where saved_query_id is not null;

create table public.dashboard_shares (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  dashboard_id uuid not null,
  -- sha256 of the link's token (32 random bytes); the token itself is shown once.
  token_hash bytea not null unique check (octet_length(token_hash) = 32),
  -- The widgets' data as the sharer saw it when sharing (or last refreshing): never a live query.
  snapshot jsonb not null check (jsonb_typeof(snapshot) = 'object'),
  snapshot_at timestamptz not null default now(),
  -- Origins that may frame the shared page (CSP frame-ancestors); empty: none.
  allowed_origins text[] not null default '{}' check (cardinality(allowed_origins) <= 10),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  unique (tenant_id, id),
  foreign key (tenant_id, dashboard_id) references public.dashboards (tenant_id, id) on delete cascade
);
alter table public.dashboard_shares enable row level security;
comment on table public.dashboard_shares is
  'A read-only link to a dashboard: the token''s hash, the snapshot of its data under the sharer''s rights, the '
  'origins that may embed it; revoked by setting revoked_at.';
create index dashboard_shares_dashboard_idx on public.dashboard_shares (tenant_id, dashboard_id, created_at);

create table public.announcements (
  id uuid primary key default gen_random_uuid(),
  audience text not null check (audience in ('all', 'plan', 'tenant')),
  plan_id uuid references public.plans (id) on delete cascade,
  -- No foreign key: announcements is a reference table (docs/scale-out.md), copied to every node;
  -- the check trigger asks that the tenant exists, and tenant_announcements reads by it.
  audience_tenant_id uuid,
  title text not null check (char_length(btrim(title)) between 1 and 120),
  body text not null default '' check (char_length(body) <= 2000),
  published_at timestamptz not null default now(),
  expires_at timestamptz,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((audience = 'all' and plan_id is null and audience_tenant_id is null)
         or (audience = 'plan' and plan_id is not null and audience_tenant_id is null)
         or (audience = 'tenant' and audience_tenant_id is not null and plan_id is null)),
  check (expires_at is null or expires_at > published_at)
);
alter table public.announcements enable row level security;
comment on table public.announcements is
  'A platform announcement published by staff to every tenant, the tenants of a plan or one tenant; shown by the '
  'announcements widget (public.tenant_announcements) between published_at and expires_at.';
create index announcements_published_idx on public.announcements (published_at desc);
create index announcements_tenant_idx on public.announcements (audience_tenant_id) where audience_tenant_id is not null;

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

create or replace function private.is_valid_dashboard_layout(p_layout jsonb)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select jsonb_typeof(p_layout) = 'array' and jsonb_array_length(p_layout) <= 50
     and not exists (
       select 1 from jsonb_array_elements(p_layout) c
       where jsonb_typeof(c) <> 'object'
          or not (c ? 'widget' and c ? 'x' and c ? 'y' and c ? 'w' and c ? 'h')
          or jsonb_typeof(c -> 'x') <> 'number' or jsonb_typeof(c -> 'y') <> 'number'
          or jsonb_typeof(c -> 'w') <> 'number' or jsonb_typeof(c -> 'h') <> 'number'
          or (c ->> 'x')::numeric not between 0 and 11 or (c ->> 'w')::numeric not between 1 and 12
          or (c ->> 'x')::numeric + (c ->> 'w')::numeric > 12
          or (c ->> 'y')::numeric not between 0 and 500 or (c ->> 'h')::numeric not between 1 and 12
          or (c ->> 'x')::numeric <> trunc((c ->> 'x')::numeric) or (c ->> 'y')::numeric <> trunc((c ->> 'y')::numeric)
          or (c ->> 'w')::numeric <> trunc((c ->> 'w')::numeric) or (c ->> 'h')::numeric <> trunc((c ->> 'h')::numeric))
$$;

comment on function private.is_valid_dashboard_layout(jsonb) is
  'A layout is at most 50 cells {widget, x, y, w, h}: whole numbers on a 12-column grid (x + w <= 12, h 1-12).';

-- The tenant a saved query is being run for (set by the runner before it becomes
-- tenantry_analytics); null outside a run. The analytics policies ask it beside the caller's
-- admitted tenants (private.admitted_tenant_ids: permission and MFA in one array).
create or replace function private.analytics_tenant()
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select case when v ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then v::uuid end
  from (select nullif(current_setting('tenantry.analytics_tenant', true), '') as v) s
$$;

comment on function private.analytics_tenant() is
  'The tenant of the saved query being run (tenantry.analytics_tenant); null outside a run.';

-- ---------------------------------------------------------------------------------------------
-- Analytics views and parameters
-- ---------------------------------------------------------------------------------------------

create view analytics.usage_daily with (security_invoker = true) as
  select d.tenant_id, d.day, d.active_users, d.storage_bytes, d.emails_sent, d.api_calls, d.meters
  from public.tenant_usage_daily d;
comment on view analytics.usage_daily is 'Per day: active users, storage, emails sent, API calls and the meters (usage.read).';

create view analytics.usage_events with (security_invoker = true) as
  select e.tenant_id, e.metric, e.quantity, e.occurred_at
  from public.usage_events e;
comment on view analytics.usage_events is 'Every metered measurement: metric, quantity, time (usage.read).';

create view analytics.projects with (security_invoker = true) as
  select p.tenant_id, p.id, p.name, p.created_at
  from public.projects p;
comment on view analytics.projects is 'The tenant''s projects (projects.read).';

create view analytics.tasks with (security_invoker = true) as
  select t.tenant_id, t.id, t.team_id, t.project_id, t.column_id, t.title, t.priority, t.due_on, t.created_at, t.updated_at
  from public.tasks t;
comment on view analytics.tasks is 'The tenant''s tasks (tasks.read).';

create function analytics.range_start() returns timestamptz language sql stable
  as $$ select nullif(current_setting('tenantry.analytics_range_start', true), '')::timestamptz $$;
create function analytics.range_end() returns timestamptz language sql stable
  as $$ select nullif(current_setting('tenantry.analytics_range_end', true), '')::timestamptz $$;
create function analytics.param_text(p_name text) returns text language sql stable
  as $$ select current_setting('tenantry.analytics_p_' || p_name, true) $$;
create function analytics.param_integer(p_name text) returns bigint language sql stable
  as $$ select nullif(current_setting('tenantry.analytics_p_' || p_name, true), '')::bigint $$;
create function analytics.param_numeric(p_name text) returns numeric language sql stable
  as $$ select nullif(current_setting('tenantry.analytics_p_' || p_name, true), '')::numeric $$;
create function analytics.param_date(p_name text) returns date language sql stable
  as $$ select nullif(current_setting('tenantry.analytics_p_' || p_name, true), '')::date $$;
create function analytics.param_timestamptz(p_name text) returns timestamptz language sql stable
  as $$ select nullif(current_setting('tenantry.analytics_p_' || p_name, true), '')::timestamptz $$;
create function analytics.param_boolean(p_name text) returns boolean language sql stable
  as $$ select nullif(current_setting('tenantry.analytics_p_' || p_name, true), '')::boolean $$;
comment on function analytics.range_start() is 'The start of the dashboard''s time range.';
comment on function analytics.range_end() is 'The end of the dashboard''s time range.';
comment on function analytics.param_text(text) is 'A saved query''s text parameter, bound by the runner.';
comment on function analytics.param_integer(text) is 'A saved query''s integer parameter, bound by the runner.';
comment on function analytics.param_numeric(text) is 'A saved query''s numeric parameter, bound by the runner.';
comment on function analytics.param_date(text) is 'A saved query''s date parameter, bound by the runner.';
comment on function analytics.param_timestamptz(text) is 'A saved query''s timestamp parameter, bound by the runner.';
comment on function analytics.param_boolean(text) is 'A saved query''s boolean parameter, bound by the runner.';

revoke all on all functions in schema analytics from public;
grant execute on all functions in schema analytics to tenantry_analytics;
revoke all on all tables in schema analytics from public;
grant select on all tables in schema analytics to tenantry_analytics;

-- The functions a saved query may call (pg_catalog), besides casts and analytics.*.
create or replace function private.analytics_allowed_functions()
returns text[]
language sql
immutable
set search_path = ''
as $$
  select array[
    'count', 'sum', 'avg', 'min', 'max', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp',
    'percentile_cont', 'percentile_disc', 'mode', 'bool_and', 'bool_or', 'every', 'string_agg', 'array_agg',
    'jsonb_agg', 'json_agg', 'jsonb_object_agg', 'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist',
    'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value',
    'date_trunc', 'date_part', 'extract', 'date_bin', 'age', 'now', 'timezone', 'to_char', 'to_date', 'to_timestamp',
    'make_date', 'make_interval', 'justify_interval',
    'lower', 'upper', 'initcap', 'length', 'char_length', 'character_length', 'octet_length', 'substr', 'substring',
    'btrim', 'ltrim', 'rtrim', 'replace', 'concat', 'concat_ws', 'left', 'right', 'split_part', 'strpos', 'position',
    'starts_with', 'lpad', 'rpad', 'reverse', 'md5', 'format',
    'round', 'floor', 'ceil', 'ceiling', 'abs', 'trunc', 'sign', 'mod', 'div', 'power', 'sqrt', 'ln', 'log', 'exp',
    'width_bucket', 'nullif',
    'jsonb_extract_path_text', 'jsonb_extract_path', 'jsonb_array_length', 'jsonb_typeof', 'jsonb_build_object',
    'jsonb_build_array', 'to_jsonb']
$$;

comment on function private.analytics_allowed_functions() is
  'The pg_catalog functions a saved query may call (aggregates, window, date, text, number and JSON functions). '
  'Anything else — pg_sleep, set_config, current_setting, catalog readers, lock functions — is refused (TN526).';

-- Checks a saved query for a tenant: dashboards.read there (TN002), one statement (TN524), that
-- parses as a view body over analytics only (TN525: another relation; TN526: a function off the
-- list). Creates and drops a temporary view; changes nothing else. Returns the output columns.
create or replace function private.analytics_check(p_tenant_id uuid, p_sql text)
returns text[]
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_sql text := regexp_replace(coalesce(p_sql, ''), '[\s;]+$', '');
  v_view text := 'analytics_check_' || replace(gen_random_uuid()::text, '-', '');
  v_oid oid;
  v_tree text;
  v_bad text;
  v_columns text[];
begin
  perform private.authorize('dashboards.read', p_tenant_id);
  if btrim(v_sql) = '' or char_length(v_sql) > 20000 then
    raise exception 'a query is 1 to 20000 characters' using errcode = 'TN524';
  end if;
  if strpos(v_sql, ';') > 0 then
    raise exception 'a saved query is one SELECT statement (no semicolons)' using errcode = 'TN524';
  end if;
  perform set_config('search_path', 'analytics', true);
  begin
    execute format(E'create temporary view %I as select * from (\n%s\n) q', v_view, v_sql);
  exception
    when sqlstate '42P01' or sqlstate '3F000' then
      raise exception '%', sqlerrm using errcode = 'TN525';
    when sqlstate '42883' then
      raise exception '%', sqlerrm using errcode = 'TN526';
    when sqlstate '0A000' or sqlstate '42601' or sqlstate '42P16' or sqlstate '42712' or sqlstate '42701' or sqlstate '42P10' or sqlstate '42803' or sqlstate '42703'
      or sqlstate '42804' or sqlstate '22P02' or sqlstate '42P18' or sqlstate '42725' or sqlstate '42702' then
      raise exception '%', sqlerrm using errcode = 'TN524';
  end;
  perform set_config('search_path', '', true);
  select c.oid into v_oid from pg_catalog.pg_class c
  where c.relname = v_view and c.relnamespace = pg_catalog.pg_my_temp_schema();
  -- The view's query tree (pg_depend leaves out the built-in objects, so the tree is read):
  -- every relation, function and result type it names.
  select r.ev_action::text into v_tree from pg_catalog.pg_rewrite r where r.ev_class = v_oid;
  select string_agg(distinct c.oid::regclass::text, ', ') into v_bad
  from regexp_matches(v_tree, ':relid (\d+)', 'g') m join pg_catalog.pg_class c on c.oid = m[1]::oid
  where c.oid <> v_oid and not (c.relnamespace = 'analytics'::regnamespace and c.relkind = 'v');
  if v_bad is not null then
    execute format('drop view %I', v_view);
    raise exception 'a saved query reads only the analytics views, not %', v_bad using errcode = 'TN525';
  end if;
  select string_agg(distinct p.proname, ', ') into v_bad
  from regexp_matches(v_tree, ':(?:funcid|aggfnoid|winfnoid|tsmhandler) (\d+)', 'g') m
  join pg_catalog.pg_proc p on p.oid = m[1]::oid
  where p.pronamespace <> 'analytics'::regnamespace
    and not (p.pronamespace = 'pg_catalog'::regnamespace
             and (p.proname = any (private.analytics_allowed_functions())
                  or exists (select 1 from pg_catalog.pg_cast k where k.castfunc = p.oid)));
  if v_bad is null then
    select string_agg(distinct t.typname, ', ') into v_bad
    from regexp_matches(v_tree, ':(?:consttype|resulttype|vartype|funcresulttype|aggtype|wintype|opresulttype|typeid) (\d+)', 'g') m
    join pg_catalog.pg_type t on t.oid = m[1]::oid
    where t.typname ~ '^_?reg' or t.typname in ('oid', '_oid', 'pg_node_tree', 'aclitem', '_aclitem', 'pg_lsn');
  end if;
  if v_bad is not null then
    execute format('drop view %I', v_view);
    raise exception 'a saved query may not call %', v_bad using errcode = 'TN526';
  end if;
  select array_agg(a.attname::text order by a.attnum) into v_columns
  from pg_catalog.pg_attribute a where a.attrelid = v_oid and a.attnum > 0 and not a.attisdropped;
  execute format('drop view %I', v_view);
  return v_columns;
end
$$;

comment on function private.analytics_check(uuid, text) is
  'Checks a saved query before it runs: dashboards.read in the tenant (TN002), one SELECT (TN524), over analytics views '
  'only (TN525), calling only allowed functions (TN526), no reg* or oid types. Parses it as a temporary view and reads '
  'pg_depend; returns the output columns. Security definer: creates the view.';

-- ---------------------------------------------------------------------------------------------
-- The daily metrics (spec 002)
-- ---------------------------------------------------------------------------------------------

create or replace function private.rollup_tenant_usage_daily(p_from date default null, p_to date default null)
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
  perform private.rollup_usage_daily(v_from, v_to);
  with days as (
    select t.id as tenant_id, g.day::date as day,
           (g.day::timestamp at time zone 'UTC') as day_start, ((g.day + interval '1 day')::timestamp at time zone 'UTC') as day_end
    from public.tenants t
    cross join generate_series(v_from::timestamp, (v_to - 1)::timestamp, interval '1 day') g(day)
    where t.created_at < ((g.day + interval '1 day')::timestamp at time zone 'UTC')
  ), computed as (
    select d.tenant_id, d.day,
      (select count(distinct u.user_id) from (
         select m.user_id from public.memberships m join auth.sessions s on s.user_id = m.user_id
         where m.tenant_id = d.tenant_id and m.status = 'active'
           and (s.created_at >= d.day_start and s.created_at < d.day_end
                or s.refreshed_at >= d.day_start and s.refreshed_at < d.day_end
                or s.updated_at >= d.day_start and s.updated_at < d.day_end)
         union all
         select a.actor_id from public.audit_logs a
         join public.memberships m on m.tenant_id = a.tenant_id and m.user_id = a.actor_id
         where a.tenant_id = d.tenant_id and a.created_at >= d.day_start and a.created_at < d.day_end
           and a.actor_id is not null) u)::integer as active_users,
      coalesce((select sum(f.byte_size) from public.attachments f
                where f.tenant_id = d.tenant_id and f.created_at < d.day_end), 0)::bigint as storage_bytes,
      (select count(*) from private.email_outbox o
       where o.status = 'sent' and o.sent_at >= d.day_start and o.sent_at < d.day_end
         and o.payload ->> 'tenant_id' = d.tenant_id::text)::integer as emails_sent,
      coalesce((select u.quantity from public.usage_daily u
                where u.tenant_id = d.tenant_id and u.day = d.day and u.metric = 'api_calls'), 0)::bigint as api_calls,
      coalesce((select jsonb_object_agg(u.metric, u.quantity) from public.usage_daily u
                where u.tenant_id = d.tenant_id and u.day = d.day), '{}') as meters
    from days d
  )
  insert into public.tenant_usage_daily as t (tenant_id, day, active_users, storage_bytes, emails_sent, api_calls, meters)
  select c.tenant_id, c.day, c.active_users, c.storage_bytes, c.emails_sent, c.api_calls, c.meters from computed c
  on conflict (tenant_id, day) do update
    -- A session keeps only its latest activity: a day once counted active stays so.
    set active_users = greatest(t.active_users, excluded.active_users), storage_bytes = excluded.storage_bytes,
        emails_sent = excluded.emails_sent, api_calls = excluded.api_calls, meters = excluded.meters, computed_at = now()
    where (greatest(t.active_users, excluded.active_users), t.storage_bytes, t.emails_sent, t.api_calls, t.meters)
          is distinct from (t.active_users, excluded.storage_bytes, excluded.emails_sent, excluded.api_calls, excluded.meters);
  get diagnostics v_rows = row_count;
  return v_rows;
end
$$;

comment on function private.rollup_tenant_usage_daily(date, date) is
  'Rebuilds usage_daily and tenant_usage_daily for the UTC days [p_from, p_to) (default: the last two days and today) '
  'from sessions and audit rows (active users), files (storage), the email outbox (emails sent) and usage events. '
  'Idempotent; returns the tenant_usage_daily rows written. Run by the bi.rollup job as service_role.';

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

-- A tenant's home dashboard is the app's default (src/lib/server/bi/home.ts: the spec-000 widgets)
-- until someone customises it: this makes it a row, once, with those widgets.
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
      (1, 'table', 'Usage', 'usage_summary', 0, 0, 6, 4),
      (2, 'kpi', 'Billing', 'billing_status', 6, 0, 3, 2),
      (3, 'kpi', 'System health', 'system_health', 9, 0, 3, 2),
      (4, 'line', 'Active users', 'active_users', 6, 2, 6, 4),
      (5, 'table', 'Announcements', 'announcements', 0, 4, 6, 3)) w (n, kind, title, metric, x, y, w, h)
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
  'Makes a tenant''s home dashboard a row (Overview: usage, billing, system health, active users, announcements) '
  'unless it is one already; returns its id. Security definer: is_default is not writable by API roles.';

create or replace function public.customize_home_dashboard(p_tenant_id uuid)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.authorize('dashboards.manage', p_tenant_id);
  return private.create_default_dashboard(p_tenant_id);
end
$$;

comment on function public.customize_home_dashboard(uuid) is
  'The home dashboard as a row the caller can edit (made from the default widgets the first time; audited as the '
  'caller''s). Needs dashboards.manage (TN002).';

-- A dashboard's rules in words: name (TN520), layout (TN521), the home one stays (TN533).
create or replace function private.check_dashboard()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    if old.is_default and exists (select 1 from public.tenants t where t.id = old.tenant_id) then
      raise exception 'the home dashboard cannot be deleted' using errcode = 'TN533';
    end if;
    return old;
  end if;
  if new.name is null or char_length(btrim(new.name)) not between 1 and 100 then
    raise exception 'a dashboard name is 1 to 100 characters' using errcode = 'TN520';
  end if;
  new.name := btrim(new.name);
  if new.layout is null or not private.is_valid_dashboard_layout(new.layout) then
    raise exception 'a layout is at most 50 cells of whole numbers on a 12-column grid' using errcode = 'TN521';
  end if;
  if new.time_range is null or new.time_range not in ('24h', '7d', '30d', '90d', '365d') then
    raise exception 'the time range is 24h, 7d, 30d, 90d or 365d' using errcode = 'TN532';
  end if;
  if tg_op = 'UPDATE' and new.is_default is distinct from old.is_default then
    raise exception 'the home dashboard stays the home dashboard' using errcode = 'TN533';
  end if;
  return new;
end
$$;

comment on function private.check_dashboard() is
  'BEFORE INSERT/UPDATE/DELETE on dashboards: TN520 name, TN521 layout, TN532 time range, TN533 the home dashboard '
  'neither deleted nor changed into another.';

create trigger dashboards_check before insert or update or delete on public.dashboards
  for each row execute function private.check_dashboard();

-- A widget's rules in words: title, kind and source (TN522).
create or replace function private.check_dashboard_widget()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.title is null or char_length(btrim(new.title)) not between 1 and 100 then
    raise exception 'a widget title is 1 to 100 characters' using errcode = 'TN522';
  end if;
  new.title := btrim(new.title);
  if new.kind is null or new.kind not in ('line', 'bar', 'pie', 'table', 'kpi') then
    raise exception 'a widget is a line, bar, pie, table or kpi' using errcode = 'TN522';
  end if;
  if new.source = 'metric' and (new.metric is null or new.metric !~ '^[a-z][a-z0-9_]{1,40}$') then
    raise exception 'choose a metric for the widget' using errcode = 'TN522';
  end if;
  if new.source = 'query' and not exists (select 1 from public.saved_queries q
                                          where q.id = new.saved_query_id and q.tenant_id = new.tenant_id) then
    raise exception 'choose a saved query of this organisation' using errcode = 'TN522';
  end if;
  return new;
end
$$;

comment on function private.check_dashboard_widget() is
  'BEFORE INSERT/UPDATE on dashboard_widgets: TN522 for a title, kind or source that is not one.';

create trigger dashboard_widgets_check before insert or update on public.dashboard_widgets
  for each row execute function private.check_dashboard_widget();

create or replace function private.check_saved_query()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.name is null or char_length(btrim(new.name)) not between 1 and 100 then
    raise exception 'a query name is 1 to 100 characters' using errcode = 'TN523';
  end if;
  new.name := btrim(new.name);
  if exists (select 1 from public.saved_queries q
             where q.tenant_id = new.tenant_id and lower(q.name) = lower(new.name) and q.id <> new.id) then
    raise exception 'there is already a query named %', new.name using errcode = 'TN523';
  end if;
  if exists (select 1 from jsonb_array_elements(new.parameters) p
             where jsonb_typeof(p) <> 'object' or coalesce(p ->> 'name', '') !~ '^[a-z][a-z0-9_]{0,30}$'
                or coalesce(p ->> 'type', '') not in ('text', 'integer', 'numeric', 'date', 'timestamptz', 'boolean'))
     or jsonb_array_length(new.parameters) > 20 then
    raise exception 'a parameter has a name (a-z, 0-9, _) and a type: text, integer, numeric, date, timestamptz or boolean'
      using errcode = 'TN527';
  end if;
  return new;
end
$$;

comment on function private.check_saved_query() is
  'BEFORE INSERT/UPDATE on saved_queries: TN523 name empty, too long or taken; TN527 parameters not {name, type}.';

create trigger saved_queries_check before insert or update on public.saved_queries
  for each row execute function private.check_saved_query();

create or replace function private.check_dashboard_share()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from unnest(new.allowed_origins) o
             where o !~ '^https?://[a-z0-9.-]+(:[0-9]{1,5})?$' or char_length(o) > 200) then
    raise exception 'an embedding origin is scheme://host[:port], like https://intranet.example.com'
      using errcode = 'TN530';
  end if;
  if tg_op = 'UPDATE' and old.revoked_at is not null then
    raise exception 'this link was revoked' using errcode = 'TN529';
  end if;
  return new;
end
$$;

comment on function private.check_dashboard_share() is
  'BEFORE INSERT/UPDATE on dashboard_shares: TN530 an embedding origin that is not scheme://host[:port]; TN529 a '
  'revoked link changes no more.';

create trigger dashboard_shares_check before insert or update on public.dashboard_shares
  for each row execute function private.check_dashboard_share();

create or replace function private.check_announcement()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.title is null or char_length(btrim(new.title)) not between 1 and 120 then
    raise exception 'an announcement title is 1 to 120 characters' using errcode = 'TN531';
  end if;
  if (new.audience = 'plan' and new.plan_id is null) or (new.audience = 'tenant' and new.audience_tenant_id is null)
     or new.audience not in ('all', 'plan', 'tenant') then
    raise exception 'choose the audience: every tenant, a plan or one tenant' using errcode = 'TN531';
  end if;
  if new.audience <> 'plan' then new.plan_id := null; end if;
  if new.audience <> 'tenant' then new.audience_tenant_id := null; end if;
  if new.audience_tenant_id is not null
     and not exists (select 1 from public.tenants t where t.id = new.audience_tenant_id) then
    raise exception 'the announcement''s tenant does not exist' using errcode = 'TN531';
  end if;
  if new.expires_at is not null and new.expires_at <= new.published_at then
    raise exception 'an announcement expires after it is published' using errcode = 'TN531';
  end if;
  return new;
end
$$;

comment on function private.check_announcement() is
  'BEFORE INSERT/UPDATE on announcements: TN531 for a title, audience (or its tenant) or expiry that is not one.';

create trigger announcements_check before insert or update on public.announcements
  for each row execute function private.check_announcement();

create trigger tenant_usage_daily_immutable_columns before update on public.tenant_usage_daily
  for each row execute function private.forbid_column_changes('tenant_id', 'day');
create trigger saved_queries_set_updated_at before update on public.saved_queries
  for each row execute function private.set_updated_at();
create trigger saved_queries_immutable_columns before update on public.saved_queries
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_by', 'created_at');
create trigger dashboards_set_updated_at before update on public.dashboards
  for each row execute function private.set_updated_at();
create trigger dashboards_immutable_columns before update on public.dashboards
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_by', 'created_at');
create trigger dashboard_widgets_set_updated_at before update on public.dashboard_widgets
  for each row execute function private.set_updated_at();
create trigger dashboard_widgets_immutable_columns before update on public.dashboard_widgets
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'dashboard_id', 'created_by', 'created_at');
create trigger dashboard_shares_immutable_columns before update on public.dashboard_shares
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'dashboard_id', 'token_hash', 'created_by', 'created_at');
create trigger announcements_set_updated_at before update on public.announcements
  for each row execute function private.set_updated_at();
create trigger announcements_immutable_columns before update on public.announcements
  for each row execute function private.forbid_column_changes('id', 'created_by', 'created_at');

select private.enable_audit('public.saved_queries', 'tenant_id', '{id}', '{updated_at}');
select private.enable_audit('public.dashboards', 'tenant_id', '{id}', '{updated_at}');
select private.enable_audit('public.dashboard_widgets', 'tenant_id', '{id}', '{updated_at}');
-- The snapshot is the dashboard's data, kept out of the audit log with the token's hash.
select private.enable_audit('public.dashboard_shares', 'tenant_id', '{id}', '{token_hash,snapshot}');
select private.enable_audit('public.announcements', null, '{id}', '{updated_at}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.tenant_usage_daily, public.saved_queries, public.dashboards, public.dashboard_widgets,
  public.dashboard_shares, public.announcements from anon, authenticated, service_role;
grant select on public.tenant_usage_daily to authenticated, service_role;
grant select, delete on public.saved_queries, public.dashboards, public.dashboard_widgets to authenticated, service_role;
grant insert (tenant_id, name, description, mode, sql, builder, parameters, row_limit, timeout_ms)
  on public.saved_queries to authenticated, service_role;
grant update (name, description, mode, sql, builder, parameters, row_limit, timeout_ms)
  on public.saved_queries to authenticated, service_role;
grant insert (tenant_id, name, description, time_range, refresh_seconds, layout) on public.dashboards to authenticated, service_role;
grant update (name, description, time_range, refresh_seconds, layout) on public.dashboards to authenticated, service_role;
grant insert (tenant_id, dashboard_id, kind, title, source, metric, saved_query_id, options)
  on public.dashboard_widgets to authenticated, service_role;
grant update (kind, title, options) on public.dashboard_widgets to authenticated, service_role;
grant select (id, tenant_id, dashboard_id, snapshot, snapshot_at, allowed_origins, created_by, created_at, revoked_at)
  on public.dashboard_shares to authenticated;
grant select on public.dashboard_shares to service_role;
grant insert (tenant_id, dashboard_id, token_hash, snapshot, allowed_origins) on public.dashboard_shares to authenticated;
grant update (snapshot, snapshot_at, allowed_origins, revoked_at) on public.dashboard_shares to authenticated;
grant select, delete on public.announcements to authenticated;
grant insert (audience, plan_id, audience_tenant_id, title, body, published_at, expires_at) on public.announcements to authenticated;
grant update (audience, plan_id, audience_tenant_id, title, body, published_at, expires_at) on public.announcements to authenticated;
grant select on public.tenant_usage_daily to tenantry_analytics;
grant select (tenant_id, metric, quantity, occurred_at) on public.usage_events to tenantry_analytics;
grant select (tenant_id, id, name, created_at) on public.projects to tenantry_analytics;
grant select (tenant_id, id, team_id, project_id, column_id, title, priority, due_on, created_at, updated_at)
  on public.tasks to tenantry_analytics;
grant execute on function private.tenant_in(uuid, uuid[]), private.analytics_tenant(),
  private.admitted_tenant_ids(text, boolean, boolean) to tenantry_analytics;
revoke all on function private.analytics_tenant(), private.analytics_check(uuid, text),
  private.rollup_tenant_usage_daily(date, date), private.create_default_dashboard(uuid),
  private.analytics_allowed_functions(), private.is_valid_dashboard_layout(jsonb) from public, anon;
grant execute on function private.analytics_check(uuid, text) to authenticated;
grant execute on function private.rollup_tenant_usage_daily(date, date) to service_role;
grant execute on function private.is_valid_dashboard_layout(jsonb) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy tenant_usage_daily_select_permitted on public.tenant_usage_daily
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('usage.read'))));
create policy tenant_usage_daily_select_staff on public.tenant_usage_daily
  for select to authenticated
  using (private.tenant_not_in(tenant_id, (select private.staff_refused_tenant_ids('billing_admin'))));

-- Saved queries: dashboards.read reads (and runs), queries.manage writes.
create policy saved_queries_select_permitted on public.saved_queries
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.read'))));
create policy saved_queries_insert_permitted on public.saved_queries
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('queries.manage'))));
create policy saved_queries_update_permitted on public.saved_queries
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('queries.manage'))))
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('queries.manage'))));
create policy saved_queries_delete_permitted on public.saved_queries
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('queries.manage'))));

-- Dashboards and widgets: dashboards.read reads, dashboards.manage writes.
create policy dashboards_select_permitted on public.dashboards
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.read'))));
create policy dashboards_insert_permitted on public.dashboards
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.manage'))));
create policy dashboards_update_permitted on public.dashboards
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.manage'))))
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.manage'))));
create policy dashboards_delete_permitted on public.dashboards
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.manage'))));
create policy dashboard_widgets_select_permitted on public.dashboard_widgets
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.read'))));
create policy dashboard_widgets_insert_permitted on public.dashboard_widgets
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.manage'))));
create policy dashboard_widgets_update_permitted on public.dashboard_widgets
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.manage'))))
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.manage'))));
create policy dashboard_widgets_delete_permitted on public.dashboard_widgets
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.manage'))));

-- Shares: dashboards.manage makes, lists and revokes them (never deletes: a revoked link stays on record).
create policy dashboard_shares_select_permitted on public.dashboard_shares
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.manage'))));
create policy dashboard_shares_insert_permitted on public.dashboard_shares
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.manage'))));
create policy dashboard_shares_update_permitted on public.dashboard_shares
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.manage'))))
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.manage'))));

-- Announcements: written and listed by support staff (and super_admin); tenants read theirs
-- through public.tenant_announcements.
create policy announcements_select_staff on public.announcements
  for select to authenticated using ((select private.is_platform_staff('support')));
create policy announcements_insert_staff on public.announcements
  for insert to authenticated with check ((select private.is_platform_staff('support')));
create policy announcements_update_staff on public.announcements
  for update to authenticated using ((select private.is_platform_staff('support')))
  with check ((select private.is_platform_staff('support')));
create policy announcements_delete_staff on public.announcements
  for delete to authenticated using ((select private.is_platform_staff('support')));

-- The analytics role reads the tenant being queried, with the caller's permissions there.
create policy tenant_usage_daily_select_analytics on public.tenant_usage_daily
  for select to tenantry_analytics
  using (tenant_id in (select private.analytics_tenant())
         and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('usage.read'))));
create policy usage_events_select_analytics on public.usage_events
  for select to tenantry_analytics
  using (tenant_id in (select private.analytics_tenant())
         and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('usage.read'))));
create policy projects_select_analytics on public.projects
  for select to tenantry_analytics
  using (tenant_id in (select private.analytics_tenant())
         and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('projects.read'))));
create policy tasks_select_analytics on public.tasks
  for select to tenantry_analytics
  using (tenant_id in (select private.analytics_tenant())
         and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('tasks.read'))));


-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

-- The announcements a tenant's members see now: to every tenant, to the tenant's plan, or to it.
create or replace function public.tenant_announcements(p_tenant_id uuid)
returns table (id uuid, title text, body text, published_at timestamptz, expires_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.authorize('dashboards.read', p_tenant_id);
  return query
  select a.id, a.title, a.body, a.published_at, a.expires_at from public.announcements a
  where a.published_at <= now() and (a.expires_at is null or a.expires_at > now())
    and (a.audience = 'all' or a.audience_tenant_id = p_tenant_id
         or (a.audience = 'plan' and a.plan_id = private.tenant_plan_id(p_tenant_id)))
  order by a.published_at desc
  limit 20;
end
$$;

comment on function public.tenant_announcements(uuid) is
  'The announcements live now for a tenant (all tenants, its plan, or it alone), newest first. Needs dashboards.read '
  '(TN002). Security definer: the tenant''s plan is billing data.';

-- The platform in the console: per UTC day of the last p_days, DAU / WAU / MAU (distinct people
-- active that day, in its week, in its 30 days), tenants created and archived; per month of the
-- window, MRR at its end with new and churned MRR (subscriptions' monthly price, yearly / 12).
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
    'months', (
      with subs as (
        select s.created_at, coalesce(s.ended_at, s.cancelled_at) as ended_at, s.status,
               case s.billing_interval when 'year' then p.price_yearly / 12.0 else p.price_monthly::numeric end as mrr
        from public.subscriptions s join public.plans p on p.id = s.plan_id
        where s.status <> 'trialing' and s.status <> 'pending_verification'
      )
      select jsonb_agg(jsonb_build_object(
        'month', m.month::date,
        'mrr', (select coalesce(round(sum(x.mrr)), 0) from subs x
                where x.created_at < m.month + interval '1 month' and (x.ended_at is null or x.ended_at >= m.month + interval '1 month')),
        'new_mrr', (select coalesce(round(sum(x.mrr)), 0) from subs x
                    where x.created_at >= m.month and x.created_at < m.month + interval '1 month'),
        'churned_mrr', (select coalesce(round(sum(x.mrr)), 0) from subs x
                        where x.ended_at >= m.month and x.ended_at < m.month + interval '1 month'))
        order by m.month)
      from generate_series(date_trunc('month', v_from::timestamp), date_trunc('month', now() at time zone 'UTC'), interval '1 month') m(month)));
end
$$;

comment on function public.admin_platform_metrics(integer) is
  'Platform metrics for the console: per day DAU/WAU/MAU (sessions and audited actions), tenants created, archived and '
  'active; per month MRR, new and churned MRR in cents. Staff only (support, billing_admin or super_admin; TN061).';

revoke all on function public.tenant_announcements(uuid), public.admin_platform_metrics(integer),
  public.customize_home_dashboard(uuid) from public, anon;
grant execute on function public.tenant_announcements(uuid), public.admin_platform_metrics(integer),
  public.customize_home_dashboard(uuid) to authenticated;
