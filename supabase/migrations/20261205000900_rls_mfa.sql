-- RLS and MFA in one comparison (issue 10, item 4, the last read-cost gap). Runs after every module
-- of the session, so its conversion covers tables this file never names.
--
-- Before: a tenant table carried, beside its permissive policies, a restrictive
-- `<table>_<op>_mfa` policy `tenant_id not in (select private.mfa_blocked_tenant_ids())`. That is a
-- second helper call per statement, a hashed sub-plan probe per row, and a second opaque test the
-- planner estimates at ½: the tenant's estimate is halved twice, and the filtered page of a
-- 100k-row tenant read the whole tenant through a bitmap scan and sorted it (×4.5–8.7, bench/rls.ts).
--
-- After: the MFA refusal is inside the one array a policy compares with.
--
--   private.tenant_in(tenant_id, (select private.admitted_tenant_ids('x.y')))
--
-- private.admitted_tenant_ids(code, billing_suspended) is THE permission join (it moved here from
-- permitted_tenant_ids) and leaves out the tenants that require MFA while the session is not aal2:
-- one helper call per statement, one comparison per row, one estimate. permitted_tenant_ids, what
-- RPCs ask (holds_permission: MFA does not change what is held; authorize() answers TN004 for it),
-- is now the same join with the MFA test switched off, as plain SQL that inlines.
--
-- A platform staff policy gets the same shape: `(select private.is_platform_staff('support'))`
-- becomes `private.tenant_not_in(tenant_id, (select private.staff_refused_tenant_ids('support')))`,
-- whose array is null (nothing admitted) unless the caller is that staff, and else the caller's own
-- MFA-blocked tenants (a staff member who is also a member of such a tenant, at aal1) — what the
-- restrictive policy answered, with one helper call.
--
-- A table's restrictive MFA policy for an operation is dropped when every permissive policy of that
-- operation now refuses MFA-blocked rows by itself (private.policy_refuses_mfa_blocked decides it
-- from the policy's text: every OR branch has, among its AND terms, one of the two shapes above on
-- the MFA policy's column). Where a branch does not (a person's own rows, an invitee's, system
-- roles, project roles, an owner's callback), the restrictive policy stays, rewritten to
-- `private.tenant_not_in(tenant_id, (select private.mfa_refused_tenant_ids()))`: an array
-- comparison the planner estimates at ~0.99, not ½, with no hashed sub-plan. `<> all` keeps
-- `not in`'s answer for a null tenant (true while nothing is blocked, null once something is).
--
-- No answer changes: pgTAP (every module's persona matrix, 32-permission-helper) runs unchanged on
-- both engines. 01-invariants pins that no policy in the old form remains and that every operation
-- on a tenant table refuses MFA-blocked rows in one of the two new ways.

-- ---------------------------------------------------------------------------------------------
-- The helpers
-- ---------------------------------------------------------------------------------------------

create or replace function private.admitted_tenant_ids(
  p_code text default null, p_billing_suspended boolean default false, p_honour_mfa boolean default true)
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  -- Returned through a variable on purpose (20261203000800_rls_cost.sql): an array variable is
  -- expanded, so a policy's init plan holds the answer with a 4-byte header that `= any` reads in
  -- place on every row.
  v_ids uuid[];
  v_mfa_met boolean := not p_honour_mfa or coalesce(auth.jwt() ->> 'aal', 'aal1') = 'aal2';
begin
  if private.request_is_api_key() then
    v_ids := private.api_key_tenant_ids(p_code);
    -- A key's claims name no person, so no membership's MFA rule applies to them.
    if not v_mfa_met and auth.uid() is not null then
      v_ids := array(select i from unnest(v_ids) i where i not in (select private.mfa_blocked_tenant_ids()) order by i);
    end if;
  elsif p_code is null then
    -- Membership alone: no code, so one plan for the session.
    v_ids := array(
      select m.tenant_id
      from public.memberships m
      join public.tenants t on t.id = m.tenant_id
      where m.user_id = auth.uid() and m.status = 'active' and t.status = 'active'
        and (v_mfa_met or not t.require_mfa)
      order by m.tenant_id);
  else
    v_ids := array(
      select m.tenant_id
      from public.memberships m
      join public.tenants t on t.id = m.tenant_id
      where m.user_id = auth.uid() and m.status = 'active'
        and (v_mfa_met or not t.require_mfa)
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

comment on function private.admitted_tenant_ids(text, boolean, boolean) is
  'THE permission join: tenants where the caller (auth.uid()) is an active member and holds p_code tenant-wide '
  '(owners hold every catalog code; p_code null: membership alone), active only (plus billing-suspended ones when '
  'p_billing_suspended), leaving out those that require MFA while the session is not aal2. Policies: '
  'private.tenant_in(tenant_id, (select private.admitted_tenant_ids(''x.y''))); p_honour_mfa false is '
  'permitted_tenant_ids, for RPCs. Security definer: reads memberships and roles the caller may not see.';

create or replace function private.permitted_tenant_ids(p_code text default null, p_billing_suspended boolean default false)
returns uuid[]
language sql
stable
security invoker
as $$
  select private.admitted_tenant_ids(p_code, p_billing_suspended, false)
$$;

comment on function private.permitted_tenant_ids(text, boolean) is
  'What the caller holds, MFA aside (the join of admitted_tenant_ids with its MFA test off): for RPCs and point '
  'checks (holds_permission), which answer TN004 for MFA themselves. Plain SQL, so it inlines. Policies use '
  'admitted_tenant_ids.';

create or replace function private.tenant_not_in(p_tenant_id uuid, p_tenant_ids uuid[])
returns boolean
language sql
immutable
parallel safe
as $$
  select p_tenant_id <> all (p_tenant_ids)
$$;

comment on function private.tenant_not_in(uuid, uuid[]) is
  'Is the tenant outside the set? `not in`''s answer (null for a null tenant once the set has members; null for a '
  'null set, so nothing passes). Inlines into `<> all`, which the planner estimates near 1 and never makes an '
  'index condition. Reads nothing.';

create or replace function private.mfa_refused_tenant_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_ids uuid[] := '{}';
begin
  if coalesce(auth.jwt() ->> 'aal', 'aal1') <> 'aal2' then
    v_ids := array(
      select m.tenant_id
      from public.memberships m
      join public.tenants t on t.id = m.tenant_id
      where m.user_id = auth.uid() and t.require_mfa
      order by m.tenant_id);
  end if;
  return v_ids;
end
$$;

comment on function private.mfa_refused_tenant_ids() is
  'The caller''s tenants that require MFA while the session is not aal2, as an array (empty at aal2). The '
  'restrictive MFA policies that remain: private.tenant_not_in(tenant_id, (select private.mfa_refused_tenant_ids())).';

create or replace function private.mfa_blocked_tenant_ids()
returns setof uuid
language plpgsql
stable
set search_path = ''
rows 1
as $$
begin
  return query select unnest(private.mfa_refused_tenant_ids());
end
$$;

comment on function private.mfa_blocked_tenant_ids() is
  'mfa_refused_tenant_ids() as a set, for RPCs (authorize: TN004) and helpers; no policy uses it.';

create or replace function private.staff_refused_tenant_ids(p_role text default null)
returns uuid[]
language plpgsql
stable
set search_path = ''
as $$
begin
  if not private.is_platform_staff(p_role) then
    return null;
  end if;
  return private.mfa_refused_tenant_ids();
end
$$;

comment on function private.staff_refused_tenant_ids(text) is
  'Null (nothing admitted) unless the caller is platform staff with p_role (or super_admin); else the tenants '
  'whose MFA requirement refuses this session (none unless the staff member is also an aal1 member there). '
  'Staff policies: private.tenant_not_in(tenant_id, (select private.staff_refused_tenant_ids(''support''))).';

revoke all on function private.admitted_tenant_ids(text, boolean, boolean), private.tenant_not_in(uuid, uuid[]),
  private.mfa_refused_tenant_ids(), private.staff_refused_tenant_ids(text)
  from public, anon;
grant execute on function private.admitted_tenant_ids(text, boolean, boolean), private.tenant_not_in(uuid, uuid[]),
  private.mfa_refused_tenant_ids(), private.staff_refused_tenant_ids(text)
  to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Does a policy refuse MFA-blocked rows by itself?
-- ---------------------------------------------------------------------------------------------

-- Reads the deparsed expression (pg_policies.qual / with_check), which Postgres prints with every
-- AND and OR in parentheses. True when every OR branch has an AND term of one of the two new shapes
-- on p_column; anything it does not recognise answers false, which keeps the restrictive policy.
create or replace function private.policy_refuses_mfa_blocked(p_expr text, p_column text)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
  v text := btrim(p_expr);
  v_depth int := 0;
  v_quoted boolean := false;
  v_start int := 1;
  v_first_close int;
  v_ors text[] := '{}';
  v_ands text[] := '{}';
  v_part text;
  i int;
begin
  if v is null or v = '' then
    return false;
  end if;
  if v ~ ('^private\.tenant_in\(' || p_column
          || ', \( SELECT private\.admitted_tenant_ids\(([^(),]*(, (true|false))?)?\) AS admitted_tenant_ids\)\)$')
     or v ~ ('^private\.tenant_not_in\(' || p_column
          || ', \( SELECT private\.staff_refused_tenant_ids\([^(),]*\) AS staff_refused_tenant_ids\)\)$') then
    return true;
  end if;
  -- Split at the top level, outside quotes and parentheses.
  for i in 1 .. length(v) loop
    case substr(v, i, 1)
      when '''' then v_quoted := not v_quoted;
      when '(' then
        if not v_quoted then
          v_depth := v_depth + 1;
        end if;
      when ')' then
        if not v_quoted then
          v_depth := v_depth - 1;
          if v_depth = 0 and v_first_close is null then
            v_first_close := i;
          end if;
        end if;
      else null;
    end case;
    if v_depth = 0 and not v_quoted then
      if substr(v, i, 4) = ' OR ' then
        v_ors := v_ors || substr(v, v_start, i - v_start);
        v_start := i + 4;
      elsif substr(v, i, 5) = ' AND ' then
        v_ands := v_ands || substr(v, v_start, i - v_start);
        v_start := i + 5;
      end if;
    end if;
  end loop;
  if cardinality(v_ors) > 0 and cardinality(v_ands) = 0 then
    foreach v_part in array v_ors || substr(v, v_start) loop
      if not private.policy_refuses_mfa_blocked(v_part, p_column) then
        return false;
      end if;
    end loop;
    return true;
  end if;
  if cardinality(v_ands) > 0 and cardinality(v_ors) = 0 then
    foreach v_part in array v_ands || substr(v, v_start) loop
      if private.policy_refuses_mfa_blocked(v_part, p_column) then
        return true;
      end if;
    end loop;
    return false;
  end if;
  -- One parenthesised expression: look inside.
  if cardinality(v_ors) = 0 and cardinality(v_ands) = 0 and left(v, 1) = '(' and v_first_close = length(v) then
    return private.policy_refuses_mfa_blocked(substr(v, 2, length(v) - 2), p_column);
  end if;
  return false;
end
$$;

comment on function private.policy_refuses_mfa_blocked(text, text) is
  'Does a deparsed policy expression refuse the rows of MFA-blocked tenants by itself (every OR branch ANDs a '
  'tenant_in over admitted_tenant_ids or a tenant_not_in over staff_refused_tenant_ids on p_column)? For the '
  'conversion below and 01-invariants; conservative (false for anything it does not recognise).';

revoke all on function private.policy_refuses_mfa_blocked(text, text) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- The conversion: every table with a restrictive MFA policy in the old form, whichever module
-- made it
-- ---------------------------------------------------------------------------------------------

-- A permissive policy's expression in the new form: every tenant_in over permitted_tenant_ids on
-- the MFA policy's column asks admitted_tenant_ids instead; a policy that is exactly a staff test
-- becomes the staff comparison.
create function private.mfa_policy_form(p_expr text, p_column text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when p_expr ~ '^\( SELECT private\.is_platform_staff\([^(),]*\) AS is_platform_staff\)$' then
      regexp_replace(p_expr, '^\( SELECT private\.is_platform_staff\(([^(),]*)\) AS is_platform_staff\)$',
        'private.tenant_not_in(' || p_column || ', (select private.staff_refused_tenant_ids(\1)))')
    else regexp_replace(p_expr,
      'private\.tenant_in\(' || p_column || ', \( SELECT private\.permitted_tenant_ids\(([^()]*)\) AS permitted_tenant_ids\)\)',
      'private.tenant_in(' || p_column || ', (select private.admitted_tenant_ids(\1)))', 'g')
  end
$$;

create procedure private.fold_mfa_policies(p_table regclass)
language plpgsql
set search_path = ''
as $$
declare
  c_old constant text := 'NOT \((\w+) IN \( SELECT private\.mfa_blocked_tenant_ids\(\) AS mfa_blocked_tenant_ids\)\)';
  v_mfa record;
  v_policy record;
  v_column text;
  v_using text;
  v_check text;
  v_folds boolean;
begin
  for v_mfa in
    select p.polname, p.polcmd, pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual,
           pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as with_check
    from pg_catalog.pg_policy p
    where p.polrelid = p_table and not p.polpermissive and p.polname ~ '_mfa$'
      and coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)) ~ c_old
    order by p.polname
  loop
    v_column := (regexp_match(coalesce(v_mfa.qual, v_mfa.with_check), c_old))[1];
    for v_policy in
      select p.polname, pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual,
             pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as with_check
      from pg_catalog.pg_policy p
      where p.polrelid = p_table and p.polpermissive and p.polcmd = v_mfa.polcmd
      order by p.polname
    loop
      v_using := private.mfa_policy_form(v_policy.qual, v_column);
      v_check := private.mfa_policy_form(v_policy.with_check, v_column);
      if v_using is distinct from v_policy.qual or v_check is distinct from v_policy.with_check then
        execute format('alter policy %I on %s', v_policy.polname, p_table)
          || coalesce(' using (' || v_using || ')', '') || coalesce(' with check (' || v_check || ')', '');
      end if;
    end loop;
    -- Judged on the policies as Postgres now prints them.
    select coalesce(bool_and(
             (p.polqual is null or private.policy_refuses_mfa_blocked(pg_catalog.pg_get_expr(p.polqual, p.polrelid), v_column))
             and (p.polwithcheck is null
                  or private.policy_refuses_mfa_blocked(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), v_column))),
           true)
    into v_folds
    from pg_catalog.pg_policy p
    where p.polrelid = p_table and p.polpermissive and p.polcmd = v_mfa.polcmd;
    if v_folds then
      execute format('drop policy %I on %s', v_mfa.polname, p_table);
    else
      execute format('alter policy %I on %s', v_mfa.polname, p_table)
        || coalesce(' using (' || regexp_replace(v_mfa.qual, c_old,
             'private.tenant_not_in(\1, (select private.mfa_refused_tenant_ids()))') || ')', '')
        || coalesce(' with check (' || regexp_replace(v_mfa.with_check, c_old,
             'private.tenant_not_in(\1, (select private.mfa_refused_tenant_ids()))') || ')', '');
    end if;
  end loop;
end
$$;

do $$
declare
  v_table regclass;
begin
  for v_table in
    select distinct p.polrelid::regclass from pg_catalog.pg_policy p
    where not p.polpermissive and p.polname ~ '_mfa$'
    order by 1
  loop
    call private.fold_mfa_policies(v_table);
  end loop;
end
$$;

drop procedure private.fold_mfa_policies(regclass);
drop function private.mfa_policy_form(text, text);
