-- BI (20261206000000_bi.sql): the persona matrix of its tables (dashboards.read reads dashboards,
-- widgets and saved queries; dashboards.manage writes dashboards, widgets and shares;
-- queries.manage writes saved queries; usage.read reads the daily metrics; support staff write
-- announcements; another tenant, staff and anon nothing of a tenant's); the home dashboard of
-- every tenant; the input rules and their codes; what the analytics role can and cannot reach;
-- the saved-query check; the rollup of tenant_usage_daily; the announcements a tenant sees.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor and
-- project editor of web; globex: frank owner, gina developer; erin in no tenant; sue support staff).
begin;
select plan(277);

select tests.seed_fixture();

-- The fixture's BI rows: a second dashboard with a share and a saved query in each tenant.
insert into public.dashboards (tenant_id, name) values
  (tests.tenant_id('test-acme'), 'Ops'), (tests.tenant_id('test-globex'), 'Sales');
insert into public.saved_queries (tenant_id, name, sql) values
  (tests.tenant_id('test-acme'), 'Calls', 'select day, api_calls from usage_daily'),
  (tests.tenant_id('test-globex'), 'Calls', 'select day, api_calls from usage_daily');
insert into public.dashboard_shares (tenant_id, dashboard_id, token_hash, snapshot)
select d.tenant_id, d.id, sha256(convert_to(d.name, 'UTF8')), '{}' from public.dashboards d where d.name in ('Ops', 'Sales');
insert into public.tenant_usage_daily (tenant_id, day, api_calls) values
  (tests.tenant_id('test-acme'), current_date, 5), (tests.tenant_id('test-globex'), current_date, 7);
insert into public.announcements (audience, title) values ('all', 'Maintenance on Sunday');
insert into public.announcements (audience, audience_tenant_id, title) values ('tenant', tests.tenant_id('test-globex'), 'Globex only');

-- ---------------------------------------------------------------------------------------------
-- Home dashboards
-- ---------------------------------------------------------------------------------------------

select is((select count(*)::int from public.dashboards d where d.is_default and d.tenant_id = any (tests.fixture_tenant_ids())),
  0, 'a new tenant''s home dashboard is the app''s default until someone customises it (no row)');
select is(tests.try_as('carol', format($$select public.customize_home_dashboard(%L)$$, tests.tenant_id('test-acme'))),
  'error:TN002', 'customising it needs dashboards.manage (TN002)');
select is(tests.do_as('alice', format($$select public.customize_home_dashboard(%L)$$, tests.tenant_id('test-acme'))),
  'ok:1', 'alice customises acme''s home dashboard');
select is(tests.do_as('frank', format($$select public.customize_home_dashboard(%L)$$, tests.tenant_id('test-globex'))),
  'ok:1', 'frank customises globex''s');
select is((select count(*)::int from public.dashboards d where d.is_default and d.tenant_id = tests.tenant_id('test-acme')),
  1, 'which makes it a row, once');
select is((select count(*)::int from public.audit_logs a where a.tenant_id = tests.tenant_id('test-acme')
           and a.target_type = 'dashboards' and a.actor_id = tests.user_id('alice')), 2,
  'audited as alice''s (the dashboard made and its layout set)');
select results_eq(
  format($$select w.metric from public.dashboard_widgets w join public.dashboards d on d.id = w.dashboard_id
           where d.tenant_id = %L and d.is_default order by w.metric$$, tests.tenant_id('test-acme')),
  $$values ('active_users'), ('announcements'), ('billing_status'), ('latest_projects'), ('organisation'),
           ('recent_activity'), ('system_health'), ('usage_summary')$$,
  'the home dashboard holds the spec-000 widgets and what the old overview showed');
select ok((select private.is_valid_dashboard_layout(d.layout) and jsonb_array_length(d.layout) = 8
           from public.dashboards d where d.tenant_id = tests.tenant_id('test-acme') and d.is_default),
  'and a layout cell for each');

-- ---------------------------------------------------------------------------------------------
-- The persona matrix (fixture tenants only)
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases
select c.tbl, c.op, replace(replace(replace(c.stmt,
  ':fixture', quote_literal(tests.fixture_tenant_ids()::text)),
  ':acme', quote_literal(tests.tenant_id('test-acme'))),
  ':ops', quote_literal((select id from public.dashboards where name = 'Ops')))
from (values
  ('dashboards', 'select', 'select id from public.dashboards where tenant_id = any (:fixture::uuid[])'),
  ('dashboards', 'insert', 'insert into public.dashboards (tenant_id, name) values (:acme, ''Probe'')'),
  ('dashboards', 'update', 'update public.dashboards set description = ''x'' where tenant_id = any (:fixture::uuid[])'),
  ('dashboards', 'delete', 'delete from public.dashboards where not is_default and tenant_id = any (:fixture::uuid[])'),
  ('dashboard_widgets', 'select', 'select id from public.dashboard_widgets where tenant_id = any (:fixture::uuid[])'),
  ('dashboard_widgets', 'insert', 'insert into public.dashboard_widgets (tenant_id, dashboard_id, kind, title, source, metric) values (:acme, :ops, ''kpi'', ''Probe'', ''metric'', ''api_calls'')'),
  ('dashboard_widgets', 'update', 'update public.dashboard_widgets set title = title || ''!'' where tenant_id = any (:fixture::uuid[])'),
  ('dashboard_widgets', 'delete', 'delete from public.dashboard_widgets where tenant_id = any (:fixture::uuid[])'),
  ('saved_queries', 'select', 'select id from public.saved_queries where tenant_id = any (:fixture::uuid[])'),
  ('saved_queries', 'insert', 'insert into public.saved_queries (tenant_id, name, sql) values (:acme, ''Probe'', ''select 1 as one'')'),
  ('saved_queries', 'update', 'update public.saved_queries set description = ''x'' where tenant_id = any (:fixture::uuid[])'),
  ('saved_queries', 'delete', 'delete from public.saved_queries where tenant_id = any (:fixture::uuid[])'),
  ('dashboard_shares', 'select', 'select id from public.dashboard_shares where tenant_id = any (:fixture::uuid[])'),
  ('dashboard_shares', 'insert', 'insert into public.dashboard_shares (tenant_id, dashboard_id, token_hash, snapshot) values (:acme, :ops, sha256(''probe''), ''{}'')'),
  ('dashboard_shares', 'update', 'update public.dashboard_shares set revoked_at = now() where tenant_id = any (:fixture::uuid[])'),
  ('dashboard_shares', 'delete', 'delete from public.dashboard_shares where tenant_id = any (:fixture::uuid[])'),
  ('tenant_usage_daily', 'select', 'select day from public.tenant_usage_daily where tenant_id = any (:fixture::uuid[])'),
  ('tenant_usage_daily', 'insert', 'insert into public.tenant_usage_daily (tenant_id, day) values (:acme, current_date - 1)'),
  ('tenant_usage_daily', 'update', 'update public.tenant_usage_daily set api_calls = 0 where tenant_id = any (:fixture::uuid[])'),
  ('tenant_usage_daily', 'delete', 'delete from public.tenant_usage_daily where tenant_id = any (:fixture::uuid[])'),
  ('announcements', 'select', 'select id from public.announcements where title in (''Maintenance on Sunday'', ''Globex only'')'),
  ('announcements', 'insert', 'insert into public.announcements (audience, title) values (''all'', ''Probe'')'),
  ('announcements', 'update', 'update public.announcements set body = ''x'' where title in (''Maintenance on Sunday'', ''Globex only'')'),
  ('announcements', 'delete', 'delete from public.announcements where title in (''Maintenance on Sunday'', ''Globex only'')')
) as c (tbl, op, stmt);

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected values
  ('dashboards', 'anon', 'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('dashboards', 'alice', 'rows:2', 'ok:1', 'ok:2', 'ok:1'),
  ('dashboards', 'bob', 'rows:2', 'ok:1', 'ok:2', 'ok:1'),
  ('dashboards', 'carol', 'rows:2', 'error:42501', 'ok:0', 'ok:0'),
  ('dashboards', 'dave', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('dashboards', 'erin', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('dashboards', 'frank', 'rows:2', 'error:42501', 'ok:2', 'ok:1'),
  ('dashboards', 'gina', 'rows:2', 'error:42501', 'ok:2', 'ok:1'),
  ('dashboards', 'sue', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('dashboard_widgets', 'anon', 'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('dashboard_widgets', 'alice', 'rows:8', 'ok:1', 'ok:8', 'ok:8'),
  ('dashboard_widgets', 'bob', 'rows:8', 'ok:1', 'ok:8', 'ok:8'),
  ('dashboard_widgets', 'carol', 'rows:8', 'error:42501', 'ok:0', 'ok:0'),
  ('dashboard_widgets', 'dave', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('dashboard_widgets', 'erin', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('dashboard_widgets', 'frank', 'rows:8', 'error:42501', 'ok:8', 'ok:8'),
  ('dashboard_widgets', 'gina', 'rows:8', 'error:42501', 'ok:8', 'ok:8'),
  ('dashboard_widgets', 'sue', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('saved_queries', 'anon', 'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('saved_queries', 'alice', 'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('saved_queries', 'bob', 'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('saved_queries', 'carol', 'rows:1', 'error:42501', 'ok:0', 'ok:0'),
  ('saved_queries', 'dave', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('saved_queries', 'erin', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('saved_queries', 'frank', 'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('saved_queries', 'gina', 'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('saved_queries', 'sue', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('dashboard_shares', 'anon', 'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('dashboard_shares', 'alice', 'rows:1', 'ok:1', 'ok:1', 'error:42501'),
  ('dashboard_shares', 'bob', 'rows:1', 'ok:1', 'ok:1', 'error:42501'),
  ('dashboard_shares', 'carol', 'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('dashboard_shares', 'dave', 'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('dashboard_shares', 'erin', 'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('dashboard_shares', 'frank', 'rows:1', 'error:42501', 'ok:1', 'error:42501'),
  ('dashboard_shares', 'gina', 'rows:1', 'error:42501', 'ok:1', 'error:42501'),
  ('dashboard_shares', 'sue', 'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('tenant_usage_daily', 'anon', 'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('tenant_usage_daily', 'alice', 'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('tenant_usage_daily', 'bob', 'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('tenant_usage_daily', 'carol', 'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('tenant_usage_daily', 'dave', 'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('tenant_usage_daily', 'erin', 'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('tenant_usage_daily', 'frank', 'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('tenant_usage_daily', 'gina', 'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('tenant_usage_daily', 'sue', 'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('announcements', 'anon', 'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('announcements', 'alice', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('announcements', 'bob', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('announcements', 'carol', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('announcements', 'dave', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('announcements', 'erin', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('announcements', 'frank', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('announcements', 'gina', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('announcements', 'sue', 'rows:2', 'ok:1', 'ok:2', 'ok:2');

select tests.persona_matrix();

-- ---------------------------------------------------------------------------------------------
-- Rules in words
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', format($$insert into public.dashboards (tenant_id, name) values (%L, '  ')$$, tests.tenant_id('test-acme'))),
  'error:TN520', 'a dashboard needs a name (TN520)');
select is(tests.try_as('alice', format($$update public.dashboards set layout = '[{"widget": "x", "x": 10, "y": 0, "w": 4, "h": 1}]' where name = 'Ops' and tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:TN521', 'a cell off the 12-column grid is refused (TN521)');
select is(tests.try_as('alice', format($$update public.dashboards set time_range = '2y' where name = 'Ops' and tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:TN532', 'a time range off the list is refused (TN532)');
select is(tests.try_as('alice', format($$delete from public.dashboards where is_default and tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:TN533', 'the home dashboard is not deleted (TN533)');
select is(tests.try_as('alice', format($$insert into public.dashboard_widgets (tenant_id, dashboard_id, kind, title, source, saved_query_id)
  values (%L, %L, 'table', 'Theirs', 'query', %L)$$, tests.tenant_id('test-acme'),
  (select id from public.dashboards where name = 'Ops'),
  (select id from public.saved_queries where tenant_id = tests.tenant_id('test-globex')))),
  'error:TN522', 'a widget cannot show another tenant''s saved query (TN522; the composite foreign key behind it)');
select is(tests.try_as('alice', format($$insert into public.dashboard_widgets (tenant_id, dashboard_id, kind, title, source, metric)
  select %L, d.id, 'gauge', 'x', 'metric', 'api_calls' from public.dashboards d where d.name = 'Ops'$$, tests.tenant_id('test-acme'))),
  'error:TN522', 'a widget kind off the list is refused (TN522)');
select is(tests.try_as('alice', format($$insert into public.saved_queries (tenant_id, name, sql) values (%L, 'calls', 'select 1 as one')$$, tests.tenant_id('test-acme'))),
  'error:TN523', 'a query name is unique whatever the case (TN523)');
select is(tests.try_as('alice', format($$insert into public.saved_queries (tenant_id, name, sql, parameters) values (%L, 'P', 'select 1 as one', '[{"name": "x", "type": "regclass"}]')$$, tests.tenant_id('test-acme'))),
  'error:TN527', 'a parameter type off the list is refused (TN527)');
select is(tests.try_as('alice', format($$update public.dashboard_shares set allowed_origins = '{javascript:alert(1)}' where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:TN530', 'an embedding origin is scheme://host[:port] (TN530)');
select is(tests.do_as('alice', format($$update public.dashboard_shares set revoked_at = now() where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'ok:1', 'alice revokes acme''s link');
select is(tests.try_as('alice', format($$update public.dashboard_shares set allowed_origins = '{}' where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:TN529', 'a revoked link changes no more (TN529)');
select ok(not has_column_privilege('authenticated', 'public.dashboard_shares', 'token_hash', 'select'),
  'a link''s token hash is not readable by authenticated');
select is(tests.try_as('sue', $$insert into public.announcements (audience, title) values ('plan', 'No plan named')$$),
  'error:TN531', 'an announcement to a plan names the plan (TN531)');

-- ---------------------------------------------------------------------------------------------
-- The analytics role's reach
-- ---------------------------------------------------------------------------------------------

create function pg_temp.analytics(p_persona text, p_tenant text, p_sql text) returns text language plpgsql as $$
declare
  v_count bigint := 0;
  v_row record;
begin
  begin
    perform tests.authenticate_as(p_persona);
    perform set_config('tenantry.analytics_tenant', tests.tenant_id(p_tenant)::text, true);
    perform set_config('role', 'tenantry_analytics', true);
    -- Each row fetched whole, as tests.row_count does (the analytics role has no use of schema tests).
    for v_row in execute p_sql loop
      v_count := v_count + 1;
    end loop;
    raise exception using errcode = 'TT000', message = 'rows:' || v_count;
  exception
    when sqlstate 'TT000' then return sqlerrm;
    when others then return 'error:' || sqlstate;
  end;
end
$$;

select is(pg_temp.analytics('alice', 'test-acme', 'select * from analytics.projects'),
  'rows:' || (select count(*) from public.projects where tenant_id = tests.tenant_id('test-acme')),
  'as tenantry_analytics alice reads acme''s projects through the view');
select is(pg_temp.analytics('alice', 'test-acme', format('select * from analytics.projects where tenant_id = %L', tests.tenant_id('test-globex'))),
  'rows:0', 'but never globex''s, even named');
select is(pg_temp.analytics('frank', 'test-acme', 'select * from analytics.projects'),
  'rows:0', 'frank running a query for acme reads nothing of it');
select is(pg_temp.analytics('alice', 'test-globex', 'select * from analytics.usage_daily'),
  'rows:0', 'alice running a query for globex reads nothing of it');
select is(pg_temp.analytics('frank', 'test-globex', 'select * from analytics.usage_daily'),
  'rows:1', 'frank reads globex''s daily metrics');
select is(pg_temp.analytics('dave', 'test-acme', 'select * from analytics.usage_daily'),
  'rows:0', 'dave, without usage.read, reads no daily metrics');
insert into public.usage_daily (tenant_id, metric, day, quantity, events) values
  (tests.tenant_id('test-acme'), 'api_calls', current_date - 400, 11, 2), (tests.tenant_id('test-globex'), 'api_calls', current_date - 400, 13, 3);
select is(pg_temp.analytics('alice', 'test-acme', 'select * from analytics.usage_by_day where day = current_date - 400'),
  'rows:1', 'alice reads acme''s rollup of the meters (usage_by_day, 20261206000300_bi_finish.sql)');
select is(pg_temp.analytics('alice', 'test-acme', format('select * from analytics.usage_by_day where tenant_id = %L', tests.tenant_id('test-globex'))),
  'rows:0', 'never globex''s, even named');
select is(pg_temp.analytics('frank', 'test-acme', 'select * from analytics.usage_by_day'),
  'rows:0', 'frank running a query for acme reads none of its rollup');
select is(pg_temp.analytics('dave', 'test-acme', 'select * from analytics.usage_by_day'),
  'rows:0', 'dave, without usage.read, reads none');
select is(pg_temp.analytics('alice', 'test-acme', 'select * from public.usage_daily'),
  'error:42501', 'and the table behind it cannot be named');
select is(pg_temp.analytics('alice', 'test-acme', 'select * from public.projects'),
  'error:42501', 'the role cannot name a table of schema public');
select is(pg_temp.analytics('alice', 'test-acme', 'select * from private.email_outbox'),
  'error:42501', 'nor of schema private');
select is(pg_temp.analytics('alice', 'test-acme', format('select s from (select public.usage_summary(%L) as s) x where s is not null', tests.tenant_id('test-acme'))),
  'error:42501', 'nor call a security definer RPC');
select is(pg_temp.analytics('alice', 'test-acme', 'select i from (select private.permitted_tenant_ids() as i) x where i is not null'),
  'error:42501', 'nor a private helper');
select is(pg_temp.analytics('alice', 'test-acme', 'select * from analytics.projects for update'),
  'error:42501', 'nor lock rows');
select ok(not has_table_privilege('tenantry_analytics', 'analytics.projects', 'insert')
          and not has_table_privilege('tenantry_analytics', 'analytics.projects', 'update')
          and not has_table_privilege('tenantry_analytics', 'analytics.projects', 'delete'),
  'nor write through the views');
-- Schema public is USAGE for PUBLIC (Postgres' default): the role's reach there is the views'
-- columns of four tables under its own policies; saved queries cannot name them (the check).
select ok(not has_schema_privilege('tenantry_analytics', 'private', 'usage')
          and not has_schema_privilege('tenantry_analytics', 'auth', 'usage')
          and has_schema_privilege('tenantry_analytics', 'analytics', 'usage')
          and not has_schema_privilege('authenticated', 'analytics', 'usage'),
  'the role uses schema analytics, not private or auth, and nobody else uses analytics');
select is((select array_agg(c.oid::regclass::text order by c.oid::regclass::text) from pg_class c
           where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
             and has_any_column_privilege('tenantry_analytics', c.oid, 'select')),
  array['projects', 'tasks', 'tenant_usage_daily', 'usage_daily', 'usage_events'],
  'the role reads columns of the five tables behind the views, nothing else of public');
select ok(not has_column_privilege('tenantry_analytics', 'public.usage_events', 'properties', 'select')
          and not has_column_privilege('tenantry_analytics', 'public.tasks', 'description', 'select'),
  'and only the columns the views show');
select is((select array_agg(c.relname::text order by c.relname) from pg_class c
           where c.relnamespace = 'analytics'::regnamespace and c.relkind = 'v'
             and not coalesce(c.reloptions @> array['security_invoker=true'], false)),
  null, 'every analytics view is security invoker (RLS applies)');

-- The catalogs are readable by PUBLIC, so the check refuses them before anything runs.
select is(tests.try_as('alice', format($$select private.analytics_check(%L, 'select relname from pg_class')$$, tests.tenant_id('test-acme'))),
  'error:TN525', 'the check refuses the catalogs (TN525)');
select is(tests.try_as('alice', format($$select private.analytics_check(%L, 'select * from public.tasks')$$, tests.tenant_id('test-acme'))),
  'error:TN525', 'and other schemas');
select is(tests.try_as('alice', format($$select private.analytics_check(%L, 'select 1 as one from pg_sleep(3)')$$, tests.tenant_id('test-acme'))),
  'error:TN526', 'and functions off the allow-list (TN526)');
select is(tests.try_as('alice', format($$select private.analytics_check(%L, 'delete from projects')$$, tests.tenant_id('test-acme'))),
  'error:TN524', 'and anything but one SELECT (TN524)');
select is(tests.try_as('frank', format($$select private.analytics_check(%L, 'select 1 as one')$$, tests.tenant_id('test-acme'))),
  'error:TN002', 'and runs only for a tenant where the caller holds dashboards.read (TN002)');
select is(tests.do_as('alice', format($$select private.analytics_check(%L, 'select day, sum(api_calls) as calls from usage_daily group by day')$$, tests.tenant_id('test-acme'))),
  'ok:1', 'a query over the views passes the check');

-- ---------------------------------------------------------------------------------------------
-- The daily metrics and the RPCs
-- ---------------------------------------------------------------------------------------------

insert into public.usage_events (tenant_id, metric, quantity, idempotency_key)
values (tests.tenant_id('test-acme'), 'api_calls', 3, 'bi-test-1'), (tests.tenant_id('test-acme'), 'api_calls', 4, 'bi-test-2');
select ok(private.rollup_tenant_usage_daily() > 0, 'the rollup writes the days');
select results_eq(
  format($$select api_calls, (meters ->> 'api_calls')::bigint from public.tenant_usage_daily
           where tenant_id = %L and day = (now() at time zone 'UTC')::date$$, tests.tenant_id('test-acme')),
  $$values (7::bigint, 7::bigint)$$, 'API calls and the meters come from the usage events');
select ok((select active_users >= 1 from public.tenant_usage_daily
           where tenant_id = tests.tenant_id('test-acme') and day = (now() at time zone 'UTC')::date),
  'members who acted today count as active');
select is(private.rollup_tenant_usage_daily(), 0::bigint, 'a second rollup changes nothing');

select is(tests.do_as('alice', format($$select * from public.tenant_announcements(%L) where title = 'Maintenance on Sunday'$$, tests.tenant_id('test-acme'))),
  'ok:1', 'acme sees the announcement to everyone');
select is(tests.do_as('alice', format($$select * from public.tenant_announcements(%L) where title = 'Globex only'$$, tests.tenant_id('test-acme'))),
  'ok:0', 'but not globex''s');
select is(tests.do_as('frank', format($$select * from public.tenant_announcements(%L) where title in ('Maintenance on Sunday', 'Globex only')$$, tests.tenant_id('test-globex'))),
  'ok:2', 'globex sees both');
select is(tests.try_as('erin', format($$select * from public.tenant_announcements(%L)$$, tests.tenant_id('test-acme'))),
  'error:TN002', 'someone outside the tenant sees none (TN002)');
select is(tests.do_as('sue', $$select jsonb_array_length(public.admin_platform_metrics(30) -> 'days') as n where jsonb_array_length(public.admin_platform_metrics(30) -> 'days') = 30$$),
  'ok:1', 'staff read 30 days of platform metrics');
select is(tests.try_as('alice', $$select m from (select public.admin_platform_metrics(30) as m) x where m is not null$$), 'error:TN061',
  'a tenant owner does not (TN061)');

-- MRR movement (20261206000300_bi_finish.sql): four tenants on euro plans, subscribed two months
-- ago; this month one moves up a plan, one down, one cancels, and a fourth tenant subscribes. The
-- states at the month's start come back from the audit trail of the changes.
select tests.create_user('t59-owner', 't59-owner@example.test');
select tests.create_tenant(slug, 't59-owner') from unnest(array['t59-up', 't59-down', 't59-gone', 't59-new']) slug;
insert into public.plans (code, name, currency, price_monthly, price_yearly) values
  ('t59-small', 'Small', 'eur', 1000, 12000), ('t59-big', 'Big', 'eur', 3000, 36000);
insert into public.subscriptions (tenant_id, plan_id, status, created_at)
select tests.tenant_id(x.slug), p.id, 'active', date_trunc('month', now() - interval '2 months') + interval '3 days'
from (values ('t59-up', 't59-small'), ('t59-down', 't59-big'), ('t59-gone', 't59-big')) x(slug, plan)
join public.plans p on p.code = x.plan;
update public.subscriptions set plan_id = (select id from public.plans where code = 't59-big')
where tenant_id = tests.tenant_id('t59-up');
update public.subscriptions set plan_id = (select id from public.plans where code = 't59-small')
where tenant_id = tests.tenant_id('t59-down');
update public.subscriptions set status = 'cancelled', cancelled_at = now(), ended_at = now()
where tenant_id = tests.tenant_id('t59-gone');
insert into public.subscriptions (tenant_id, plan_id, status)
select tests.tenant_id('t59-new'), id, 'active' from public.plans where code = 't59-small';
create temp table t59_months (m jsonb);
grant insert on t59_months to authenticated;
select tests.authenticate_as('sue');
insert into t59_months
select m from jsonb_array_elements(public.admin_platform_metrics(90) -> 'months') m where m ->> 'currency' = 'eur';
select tests.clear_authentication();
select is((select m - 'month' - 'currency' from t59_months where (m ->> 'month')::date = date_trunc('month', now() at time zone 'UTC')::date),
  '{"mrr_start": 7000, "mrr": 5000, "new_mrr": 1000, "expansion_mrr": 2000, "contraction_mrr": 2000, "churned_mrr": 3000, "paying_tenants": 3}'::jsonb,
  'this month: 70 € at the start, 10 new, 20 expansion, 20 contraction, 30 churned, 50 at the end');
select is((select m - 'month' - 'currency' from t59_months
           where (m ->> 'month')::date = date_trunc('month', (now() at time zone 'UTC') - interval '2 months')::date),
  '{"mrr_start": 0, "mrr": 7000, "new_mrr": 7000, "expansion_mrr": 0, "contraction_mrr": 0, "churned_mrr": 0, "paying_tenants": 3}'::jsonb,
  'two months ago: the three tenants new on the plans they had then (small, big, big), read back from the audit trail');
select is((select m ->> 'mrr' from t59_months
           where (m ->> 'month')::date = date_trunc('month', (now() at time zone 'UTC') - interval '1 month')::date),
  '7000', 'last month: unchanged at 70 €');

select * from finish();
rollback;
