-- RLS reads may run in parallel (20261207000500_rls_parallel.sql, decision 0021): every function a
-- policy calls is parallel safe (but a short allow-list), so one policy no longer rules out a
-- parallel plan for the whole statement; the analytics policies compare the run's one tenant as a
-- scalar init plan; and the answers stay what they were.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, carol viewer, dave auditor; globex: frank owner).
begin;
select plan(14);

select tests.seed_fixture();

-- ---------------------------------------------------------------------------------------------
-- The markings
-- ---------------------------------------------------------------------------------------------

-- The functions every policy's expression calls, read from its node tree (sub-selects included).
create temp view policy_functions as
  select distinct p.polrelid::regclass::text as tbl, (m[1])::oid as fn
  from pg_catalog.pg_policy p,
       regexp_matches(coalesce(p.polqual::text, '') || ' ' || coalesce(p.polwithcheck::text, ''),
                      ':(?:funcid|opfuncid) (\d+)', 'g') m;

-- Not this project's to mark (auth.uid(): Supabase's own), or dispatching by dynamic SQL to
-- whatever private.may_<op>_<owner> a module adds (storage); a statement through them stays serial.
create temp table serial_allowed (fn regprocedure);
insert into serial_allowed values ('auth.uid()'), ('private.may_read_owner(text, uuid, uuid)'),
  ('private.may_write_owner(text, uuid, uuid)'), ('private.may_read_object(text, text)'),
  ('private.may_write_object(text, text)'), ('private.may_delete_object(text, text)');

select cmp_ok((select count(*) from policy_functions), '>', 10::bigint,
  'the node trees of the policies name their functions (the view below reads something)');
select is(
  (select array_agg(distinct f.fn::regprocedure::text order by f.fn::regprocedure::text) from policy_functions f
   join pg_catalog.pg_proc p on p.oid = f.fn
   where p.proparallel <> 's' and f.fn not in (select a.fn from serial_allowed a)),
  null, 'every function a policy calls is parallel safe (allow-list: auth.uid() and the storage dispatch)');
select is(
  (select array_agg(a.fn::text) from serial_allowed a
   where not exists (select 1 from policy_functions f where f.fn = a.fn)),
  null, 'every allow-listed function is still called by a policy (the list does not outlive its reason)');
select is(
  (select array_agg(p.oid::regprocedure::text order by 1) from pg_catalog.pg_proc p
   where p.pronamespace = 'analytics'::regnamespace and p.proparallel <> 's'),
  null, 'the run''s settings a saved query calls (analytics.range_start, param_*) are parallel safe');
select ok(
  (select bool_and(p.provolatile <> 'v') from policy_functions f join pg_catalog.pg_proc p on p.oid = f.fn
   where p.proparallel = 's'),
  'no volatile function is marked parallel safe among them (a parallel-safe helper writes nothing)');

-- ---------------------------------------------------------------------------------------------
-- The analytics policies: the run's tenant as a scalar, the caller's permission as the pinned form
-- ---------------------------------------------------------------------------------------------

select is(
  (select array_agg(tablename || '.' || policyname order by 1) from pg_policies
   where schemaname = 'public' and roles = '{tenantry_analytics}'
     and qual !~ ('^\(\(tenant_id = \( SELECT private\.analytics_tenant\(\) AS analytics_tenant\)\) AND '
                  'private\.tenant_in\(tenant_id, \( SELECT private\.admitted_tenant_ids\(''[a-z_]+\.read''::text\) '
                  'AS admitted_tenant_ids\)\)\)$')),
  null, 'every analytics policy is tenant_id = (select analytics_tenant()) and tenant_in over admitted_tenant_ids');
select cmp_ok((select count(*) from pg_policies where schemaname = 'public' and roles = '{tenantry_analytics}'), '>=', 5::bigint,
  'the five analytics tables have their policy (usage_events, usage_daily, tenant_usage_daily, projects, tasks)');

create function pg_temp.analytics_count(p_persona text, p_tenant text) returns text language plpgsql as $$
declare
  v_count bigint;
begin
  begin
    perform tests.authenticate_as(p_persona);
    perform set_config('tenantry.analytics_tenant', case when p_tenant is null then '' else tests.tenant_id(p_tenant)::text end, true);
    perform set_config('role', 'tenantry_analytics', true);
    select count(*) into v_count from analytics.projects;
    raise exception using errcode = 'TT000', message = 'rows:' || v_count;
  exception
    when sqlstate 'TT000' then return sqlerrm;
    when others then return 'error:' || sqlstate;
  end;
end
$$;

select is(pg_temp.analytics_count('alice', 'test-acme'),
  'rows:' || (select count(*) from public.projects where tenant_id = tests.tenant_id('test-acme')),
  'a run for acme as alice reads acme''s projects');
select is(pg_temp.analytics_count('alice', null), 'rows:0', 'outside a run (no analytics tenant) nothing is read');
select is(pg_temp.analytics_count('frank', 'test-acme'), 'rows:0', 'a run for acme as frank, not a member, reads nothing');

-- ---------------------------------------------------------------------------------------------
-- The plans: with parallel setup made free, a read under RLS gets a Gather, the helper's init plan
-- evaluated by the leader (before 20261207000500 no statement under RLS could: a parallel-unsafe
-- function anywhere in the query, its policies included, rules parallel mode out)
-- ---------------------------------------------------------------------------------------------

create function pg_temp.plan_as(p_persona text, p_tenant text, p_sql text, p_indexes boolean default false) returns text language plpgsql as $$
declare
  v_line text;
  v_plan text := '';
begin
  begin
    perform tests.authenticate_as(p_persona);
    if p_indexes then
      -- Could the policy's tenant be an index condition at all? Only a scalar can; a hashed
      -- sub-plan leaves a full scan of the index with a filter.
      perform set_config('enable_seqscan', 'off', true);
    else
      -- PGlite runs no workers (max_parallel_workers_per_gather 0); EXPLAIN only plans, so both
      -- engines are asked what the planner would do with two, parallel setup made free and the
      -- fixture's tiny tables read by sequential scans (an index scan wins on cost alone there).
      perform set_config('max_parallel_workers_per_gather', '2', true);
      perform set_config('parallel_setup_cost', '0', true);
      perform set_config('parallel_tuple_cost', '0', true);
      perform set_config('min_parallel_table_scan_size', '0', true);
      perform set_config('enable_indexscan', 'off', true);
      perform set_config('enable_indexonlyscan', 'off', true);
      perform set_config('enable_bitmapscan', 'off', true);
    end if;
    if p_tenant is not null then
      perform set_config('tenantry.analytics_tenant', tests.tenant_id(p_tenant)::text, true);
      perform set_config('tenantry.analytics_range_start', (now() - interval '90 days')::text, true);
      perform set_config('role', 'tenantry_analytics', true);
    end if;
    for v_line in execute 'explain (costs off) ' || p_sql loop
      v_plan := v_plan || v_line || E'\n';
    end loop;
    raise exception using errcode = 'TT000', message = v_plan;
  exception
    when sqlstate 'TT000' then return sqlerrm;
  end;
end
$$;

select matches(pg_temp.plan_as('alice', null,
    format('select count(*) from public.usage_events where tenant_id = %L', tests.tenant_id('test-acme'))),
  'Gather', 'a member''s count under RLS may be parallel (the policies'' helpers are parallel safe)');
select matches(pg_temp.plan_as('alice', null, 'select count(*) from public.usage_events'),
  '^Finalize Aggregate\s+InitPlan 1[^\n]*\s+->  Result\s+InitPlan 2[^\n]*\s+->  Result\s+->  Gather',
  'the helpers'' init plans sit above the Gather: the leader evaluates them once and hands them to the workers');
select matches(pg_temp.plan_as('alice', 'test-acme',
    'select metric, sum(quantity) from analytics.usage_events where occurred_at >= analytics.range_start() group by metric'),
  'Gather', 'a saved query through the analytics views may be parallel');
select matches(pg_temp.plan_as('alice', 'test-acme', 'select count(*) from analytics.usage_events', true),
  'Index Cond: \(tenant_id = (\$\d+|\(InitPlan \d+\)\.col1)\)', 'the run''s tenant is an index condition, not a hashed sub-plan over every tenant');

select * from finish();
rollback;
