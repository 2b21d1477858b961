-- RLS reads may run in parallel (issue 10, item 4; issue 18, "Performance": the analytics views ÷
-- the service role, 2.3–2.6× over 1M usage events on Postgres 15). Decision 0021.
--
-- Cause, from EXPLAIN (ANALYZE) on Postgres 15: a statement under RLS never got a parallel plan,
-- while the same statement as the service role did (Gather, two workers). The planner decides
-- once, over the whole query tree with its policies, whether parallel mode is allowed at all, and
-- one function marked parallel unsafe anywhere in it says no. Every policy helper had the default
-- marking, PARALLEL UNSAFE: admitted_tenant_ids, staff_refused_tenant_ids, mfa_refused_tenant_ids,
-- analytics_tenant and the rest of the list below. On top of that the analytics policies compared
-- `tenant_id in (select private.analytics_tenant())`, which stays a hashed sub-plan (a security
-- qual's sub-link is never pulled up into a join) and a hashed sub-plan keeps its scan out of
-- workers, and the saved queries' analytics.range_start() and the param_* functions were unsafe.
--
-- 1. The helpers are marked PARALLEL SAFE: each only reads tables and settings (current_setting,
--    which a worker sees as the leader set it), raises nothing but errors and writes nothing; a
--    SET clause on a function is allowed in a worker (it is undone when the call returns). A policy's
--    `(select helper())` is an init plan, evaluated once by the leader ("Params Evaluated" on the
--    Gather) and handed to the workers; the per-row comparison, tenant_in / tenant_not_in, already
--    was parallel safe. Not marked, so a query through them stays serial: auth.uid() (Supabase's own
--    function, not this project's to alter; policies use it for a person's own rows) and the storage
--    dispatch private.may_*_owner / may_*_object, which run whatever private.may_<op>_<owner>
--    a module adds, by dynamic SQL.
-- 2. The analytics policies compare the run's one tenant as a scalar:
--    `tenant_id = (select private.analytics_tenant())`. The same answer (null outside a run: no
--    row), but an init plan rather than a hashed sub-plan, so the scan may be parallel and the
--    tenant becomes an index condition (a saved query names no tenant; before, its scan read every
--    tenant's rows and filtered). The caller's permission stays the pinned comparison
--    `private.tenant_in(tenant_id, (select private.admitted_tenant_ids('…')))`.
--
-- No answer changes: pgTAP on both engines; 69-rls-parallel.test.sql pins that every function a
-- policy calls is parallel safe (allow-list above) and that the analytics policies use the scalar.

do $$
declare
  v_fn regprocedure;
begin
  foreach v_fn in array array[
    -- what policies call
    'private.admitted_tenant_ids(text, boolean, boolean)', 'private.staff_refused_tenant_ids(text)',
    'private.mfa_refused_tenant_ids()', 'private.is_platform_staff(text)', 'private.analytics_tenant()',
    'private.user_membership_tenant_ids()', 'private.tenants_with_permission(text)',
    'private.user_permissions(uuid)', 'private.co_member_ids()', 'private.project_ids_with_permission(text)',
    'private.current_user_confirmed_email()', 'private.api_key_environment_id()', 'private.api_principal()',
    'private.api_principal_tenant_ids()',
    -- what those call, so a parallel-safe helper calls only parallel-safe ones
    'private.permitted_tenant_ids(text, boolean)', 'private.holds_permission(text, uuid, boolean)',
    'private.user_tenant_ids()', 'private.mfa_blocked_tenant_ids()', 'private.request_is_api_key()',
    'private.api_key_tenant_ids(text)', 'private.api_key_grants()', 'private.request_api_key_id()',
    'private.request_claims()', 'private.try_uuid(text)', 'private.billing_suspension_reason()',
    -- the run's settings in a saved query (folded into constants at plan time)
    'analytics.range_start()', 'analytics.range_end()', 'analytics.param_text(text)',
    'analytics.param_integer(text)', 'analytics.param_numeric(text)', 'analytics.param_date(text)',
    'analytics.param_timestamptz(text)', 'analytics.param_boolean(text)'
  ]::regprocedure[] loop
    execute format('alter function %s parallel safe', v_fn);
  end loop;
end
$$;

-- Every policy, whichever module made it, that admits the run's tenant through `in (select …)`.
do $$
declare
  c_in constant text := 'tenant_id IN \( SELECT private\.analytics_tenant\(\) AS analytics_tenant\)';
  v_policy record;
begin
  for v_policy in
    select p.polname, p.polrelid::regclass as tbl, pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual
    from pg_catalog.pg_policy p
    where pg_catalog.pg_get_expr(p.polqual, p.polrelid) ~ c_in
    order by 2, 1
  loop
    execute format('alter policy %I on %s using (%s)', v_policy.polname, v_policy.tbl,
      regexp_replace(v_policy.qual, c_in, 'tenant_id = (select private.analytics_tenant())', 'g'));
  end loop;
end
$$;
