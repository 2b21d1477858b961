-- One permission helper (issue 10, item 4).
--
-- "The caller holds permission X in tenant T" was written out as its own join seven times:
-- user_tenant_ids, user_has_permission, tenants_with_permission, user_permissions (tenancy),
-- can_manage_billing (billing), can_read_billing (billing pages), each a copy of
-- memberships ⋈ tenants ⋈ role_assignments ⋈ role_permissions with the owner rule. It is now
-- written once, in private.permitted_tenant_ids(code), and asked in two shapes:
--
--   tenant_id in (select private.tenants_with_permission('x.y'))   -- policies: the set form
--   private.holds_permission('x.y', p_tenant_id)                    -- RPCs and point checks
--
-- Every older name stays (policies, RPCs and pgTAP call them) as a one-line wrapper over it, so
-- the authorisation is unchanged: an ACTIVE member of an ACTIVE tenant, holding the code through
-- a tenant-wide role, or the owner (who holds every code in the catalog). Billing alone also
-- answers while billing itself has suspended the tenant, so its people can pay to get back in.
-- MFA stays where it was: the restrictive policies (mfa_blocked_tenant_ids), authorize() and
-- can_read_billing refuse an aal1 session in a tenant that requires MFA.
--
-- Cost. The helpers were `language sql security definer`, which Postgres never inlines and
-- re-plans on every call: each statement under RLS paid that for every policy on every table it
-- read (bench/rls.ts: +0.27–0.33 ms a statement on Postgres 15, now +0.12). The helpers a statement calls are
-- now PL/pgSQL, whose plans are prepared once a session (the join's generic plan is forced, so the
-- code it is asked about never makes it re-plan), and the boolean form is plain SQL that inlines
-- into its caller. Nothing is cached across statements: each statement asks again with
-- the claims it runs under, so no setting the caller can write is ever believed.

-- ---------------------------------------------------------------------------------------------
-- The one join
-- ---------------------------------------------------------------------------------------------

create or replace function private.permitted_tenant_ids(p_code text, p_billing_suspended boolean default false)
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  if p_code is null then
    -- Membership alone (user_tenant_ids): no parameters, so one plan for the session.
    return array(
      select m.tenant_id
      from public.memberships m
      join public.tenants t on t.id = m.tenant_id
      where m.user_id = auth.uid() and m.status = 'active' and t.status = 'active'
      order by m.tenant_id);
  end if;
  return array(
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
end
$$;
comment on function private.permitted_tenant_ids(text, boolean) is
  'THE permission join: tenants where the caller (auth.uid()) is an active member and holds p_code tenant-wide '
  '(owners hold every catalog code); p_code null: membership alone. Active tenants only, plus tenants billing '
  'suspended when p_billing_suspended. Security definer: reads memberships and roles the caller may not see.';

create or replace function private.holds_permission(p_code text, p_tenant_id uuid, p_billing_suspended boolean default false)
returns boolean
language sql
stable
as $$
  select p_code is not null
     and coalesce(p_tenant_id = any (private.permitted_tenant_ids(p_code, p_billing_suspended)), false)
$$;
comment on function private.holds_permission(text, uuid, boolean) is
  'Does the caller hold p_code tenant-wide in this tenant (active; also billing-suspended when p_billing_suspended)? '
  'The point form of permitted_tenant_ids; plain SQL so it inlines. Policies use the set form tenants_with_permission().';

-- ---------------------------------------------------------------------------------------------
-- The older names, now wrappers over the one join
-- ---------------------------------------------------------------------------------------------

create or replace function private.user_tenant_ids()
returns setof uuid
language plpgsql
stable
set search_path = ''
rows 5
as $$
begin
  return query select unnest(private.permitted_tenant_ids(null));
end
$$;
comment on function private.user_tenant_ids() is
  'Active tenants where the caller is an active member. Policies: tenant_id in (select private.user_tenant_ids()).';

create or replace function private.tenants_with_permission(p_code text)
returns setof uuid
language plpgsql
stable
set search_path = ''
rows 5
as $$
begin
  if p_code is not null then
    return query select unnest(private.permitted_tenant_ids(p_code));
  end if;
end
$$;
comment on function private.tenants_with_permission(text) is
  'Active tenants where the caller holds p_code tenant-wide (the set form of holds_permission). '
  'Policies: tenant_id in (select private.tenants_with_permission(''x.y'')).';

create or replace function private.user_has_permission(p_code text, p_tenant_id uuid)
returns boolean
language sql
stable
as $$
  select private.holds_permission(p_code, p_tenant_id)
$$;
comment on function private.user_has_permission(text, uuid) is
  'Does the caller hold permission p_code tenant-wide in this active tenant? The name the RPCs use for '
  'private.holds_permission(p_code, p_tenant_id).';

create or replace function private.user_permissions(p_tenant_id uuid)
returns setof text
language sql
stable
set search_path = ''
as $$
  select p.code from public.permissions p where private.holds_permission(p.code, p_tenant_id)
$$;
comment on function private.user_permissions(uuid) is 'The caller''s tenant-wide permission codes in an active tenant.';

create or replace function private.can_manage_billing(p_tenant_id uuid)
returns boolean
language sql
stable
as $$
  select private.holds_permission('billing.manage', p_tenant_id, true)
$$;
comment on function private.can_manage_billing(uuid) is
  'Does the caller hold billing.manage in this tenant, also while billing has suspended it (so they can pay)?';

create or replace function private.can_read_billing(p_tenant_id uuid)
returns boolean
language sql
stable
as $$
  select (private.holds_permission('billing.read', p_tenant_id, true)
          or private.holds_permission('billing.manage', p_tenant_id, true))
     and p_tenant_id not in (select private.mfa_blocked_tenant_ids())
$$;
comment on function private.can_read_billing(uuid) is
  'Does the caller hold billing.read or billing.manage in this tenant (owners do), also while billing has '
  'suspended it? Honours the tenant''s MFA requirement. Not granted to API roles.';

-- ---------------------------------------------------------------------------------------------
-- The other per-statement helpers of the policies, same bodies, planned once a session
-- ---------------------------------------------------------------------------------------------

create or replace function private.user_membership_tenant_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
rows 5
as $$
begin
  return query select m.tenant_id from public.memberships m
  where m.user_id = auth.uid() and m.status = 'active';
end
$$;

create or replace function private.mfa_blocked_tenant_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
rows 1
as $$
begin
  if coalesce(auth.jwt() ->> 'aal', 'aal1') = 'aal2' then
    return;
  end if;
  return query select m.tenant_id
  from public.memberships m
  join public.tenants t on t.id = m.tenant_id
  where m.user_id = auth.uid() and t.require_mfa;
end
$$;

create or replace function private.project_ids_with_permission(p_code text)
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
rows 10
as $$
begin
  return query select ra.project_id
  from public.role_assignments ra
  join public.role_permissions rp on rp.role_id = ra.role_id and rp.permission_code = p_code
  join public.memberships m on m.tenant_id = ra.tenant_id and m.user_id = ra.user_id and m.status = 'active'
  join public.tenants t on t.id = ra.tenant_id and t.status = 'active'
  where ra.user_id = auth.uid() and ra.project_id is not null;
end
$$;

revoke all on function private.permitted_tenant_ids(text, boolean), private.holds_permission(text, uuid, boolean)
  from public, anon;
grant execute on function private.permitted_tenant_ids(text, boolean), private.holds_permission(text, uuid, boolean)
  to authenticated, service_role;
revoke all on function private.can_read_billing(uuid) from public, anon, authenticated, service_role;
