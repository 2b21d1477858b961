-- RLS cost (issue 10, item 4): two changes inside the permission helpers, so every policy in the
-- pinned form, private.tenant_in(tenant_id, (select private.permitted_tenant_ids(…))), costs less
-- without being rewritten (the policies of the modules still to come included). No policy, grant
-- or answer changes; 32-permission-helper.test.sql pins both changes.
--
-- 1. No copy of the caller's tenant set per row. A policy's `(select private.permitted_tenant_ids())`
--    is an init plan: Postgres stores its value in a tuple, and a varlena under 127 bytes (an array
--    of up to six uuids, so every caller's set) is stored there with a 1-byte header. `= any` needs
--    the 4-byte form, so every row the scan returned copied the array (detoast_attr, 18 % of an RLS
--    count of the 100k-row tenant on Postgres 15 under perf). The join now returns a PL/pgSQL
--    variable: PL/pgSQL holds an array variable in expanded form, and an expanded value is
--    flattened into the init plan's tuple with a 4-byte header, so `= any` reads it in place
--    (pg_column_size of the init plan: 24 + 16 × n bytes, not 21 + 16 × n). Backend CPU time of
--    that count, RLS ÷ service role: 2.2 before, 1.33 after (Postgres 15).
--
-- 2. request_is_api_key() inlines, as its comment always said. It had `set search_path = ''`, and
--    a SQL function with a SET clause is never inlined: each statement's first call of the join in
--    a transaction parsed, planned and ran its body through the SQL-function executor. It is now
--    plain SQL with every name qualified (pg_catalog), so it needs no search path and inlines into
--    the join's PL/pgSQL test, whose plan is kept for the session.
--
-- What stays, measured (bench/rls.ts and docs/tenancy.md, "What RLS costs"): the join's own read
-- of memberships and tenants, once a statement (~40 µs of backend CPU on Postgres 15; nothing
-- caller-writable is believed across statements, and a cross-transaction cache would need a store
-- the caller can neither write nor read, which SQL does not offer without an extension); and the
-- per-row filter itself, which the policy must stay (an index condition is misestimated at
-- 10 ÷ n_distinct of the tenant and sorts filtered pages): a policy that compares nothing,
-- `(select true)`, already costs 1.11× on that count.

create or replace function private.request_is_api_key()
returns boolean
language sql
stable
as $$
  select coalesce(
    (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::pg_catalog.jsonb
       operator(pg_catalog.->>) 'api_key_id')
      operator(pg_catalog.~) '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$',
    false)
$$;

comment on function private.request_is_api_key() is
  'Do the request''s claims name an API key (an api_key_id that is a uuid, as request_api_key_id reads it)? '
  'The permission helpers'' branch test; plain SQL with qualified names and no SET clause, so it inlines.';

create or replace function private.permitted_tenant_ids(p_code text default null, p_billing_suspended boolean default false)
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  -- Returned through this variable on purpose (see this migration's header): an array variable is
  -- expanded, so a policy's init plan holds the answer with a 4-byte header that `= any` reads in
  -- place on every row, instead of copying a 1-byte-header value each time.
  v_ids uuid[];
begin
  if private.request_is_api_key() then
    v_ids := private.api_key_tenant_ids(p_code);
  elsif p_code is null then
    -- Membership alone (user_tenant_ids): no parameters, so one plan for the session.
    v_ids := array(
      select m.tenant_id
      from public.memberships m
      join public.tenants t on t.id = m.tenant_id
      where m.user_id = auth.uid() and m.status = 'active' and t.status = 'active'
      order by m.tenant_id);
  else
    v_ids := array(
      select m.tenant_id
      from public.memberships m
      join public.tenants t on t.id = m.tenant_id
      where m.user_id = auth.uid() and m.status = 'active'
        and (t.status = 'active'
             or (p_billing_suspended and t.status = 'suspended'
                 and t.status_reason = private.billing_suspension_reason()))
        and ((m.is_owner and exists (select 1 from public.permissions p where p.code = p_code))
             or exists (
               select 1 from public.role_assignments ra
               join public.role_permissions rp on rp.role_id = ra.role_id
               where ra.tenant_id = m.tenant_id and ra.user_id = m.user_id and ra.project_id is null
                 and rp.permission_code = p_code))
      order by m.tenant_id);
  end if;
  return v_ids;
end
$$;
