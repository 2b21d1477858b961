-- Planner guard for the RLS page-order trap: with policies of the form
-- `private.tenant_in(tenant_id, (select private.admitted_tenant_ids()))` the helper runs once per
-- statement (an init plan) and the comparison is a per-row filter, so a page of a big tenant
-- ordered by time walks the (tenant_id, created_at) index backwards and stops after 50 rows
-- instead of sorting the whole tenant.
--
-- The form is pinned on purpose (docs/tenancy.md, "the page-order trap"): the policy stays a
-- per-row filter and never becomes an index condition such as `tenant_id = any (array(select …))`.
-- That form is faster on whole-tenant scans but makes the planner estimate ~10/n_distinct of a
-- tenant's rows, and with 1,000 tenants a filtered page then sorts the whole tenant (bench/rls.ts).
begin;
select plan(8);
select tests.seed_fixture();

insert into public.teams (tenant_id, name, created_by, created_at)
select tests.tenant_id('test-acme'), 'team ' || g, tests.user_id('alice'), now() - g * interval '1 minute'
from generate_series(1, 20000) g;
insert into public.teams (tenant_id, name, created_by)
select tests.tenant_id('test-globex'), 'team ' || g, tests.user_id('frank') from generate_series(1, 2000) g;
analyze public.teams;

create function pg_temp.plan_as(p_persona text, p_sql text) returns text
language plpgsql as $$
declare
  v_line text;
  v_plan text := '';
begin
  perform tests.authenticate_as(p_persona);
  for v_line in execute 'explain (analyze, costs off, timing off, summary off) ' || p_sql loop
    v_plan := v_plan || v_line || E'\n';
  end loop;
  perform tests.clear_authentication();
  return v_plan;
end
$$;

create temp table page_plan as
select pg_temp.plan_as('carol', format(
  'select id, name, created_at from public.teams where tenant_id = %L order by created_at desc limit 50', tests.tenant_id('test-acme'))) as plan;
select matches((select plan from page_plan), 'Index Scan Backward using teams_tenant_created_idx',
  'a page of a 20k-row tenant walks the (tenant_id, created_at) index');
select doesnt_match((select plan from page_plan), 'Sort', 'without sorting the tenant');
select matches((select plan from page_plan), '^Limit \(actual rows=50(\.00)? loops=1\)\n.*Index Scan Backward[^\n]*\(actual rows=50(\.00)? loops=1\)',
  'and reads only the 50 rows of the page');
select matches((select plan from page_plan), 'InitPlan', 'the membership helper is a once-per-statement init plan');
select doesnt_match((select plan from page_plan), 'Index Cond: [^\n]*(ANY|InitPlan|\$0)',
  'the policy adds nothing to the index condition: the only index condition is the explicit tenant filter');
select is((select pg_get_expr(p.polqual, p.polrelid) from pg_policy p where p.polname = 'teams_select_member'),
  'private.tenant_in(tenant_id, ( SELECT private.admitted_tenant_ids() AS admitted_tenant_ids))',
  'teams_select_member has the pinned set-membership form');

create temp table count_plan as
select pg_temp.plan_as('gina', format('select count(*) from public.teams where tenant_id = %L', tests.tenant_id('test-globex'))) as plan;
select matches((select plan from count_plan), 'Index Only Scan|Index Scan|Bitmap', 'a count on a small tenant of a big table uses the tenant index');
select is(tests.try_as('carol', format('select id from public.teams where tenant_id = %L', tests.tenant_id('test-globex'))), 'rows:0',
  'and RLS still filters: globex stays invisible');

select * from finish();
rollback;
