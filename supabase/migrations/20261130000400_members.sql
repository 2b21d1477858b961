-- Members: the RPCs for every multi-step change to memberships (the member pages call them).
-- Each is one transaction (atomic), starts with private.authorize(), refuses with a stable TNxxx
-- code (docs/error-codes.md), and records an audit event beside the row changes its statements log.
--
-- Owns: private.target_member; public.change_member_role, transfer_ownership, remove_member,
-- leave_tenant. (The tables are tenancy's; project roles, set_project_role, are the projects
-- module's.)
--
-- The rules they enforce on top of RLS:
--   * nobody grants a permission they do not hold (TN030); only owners make or unmake owners (TN033);
--   * nobody changes their own role (TN032) or acts on a member who holds more than they do (TN034);
--   * the last owner is never removed or demoted (TN031, also enforced by trigger for every role);
--   * removing a member removes their role assignments and team memberships (composite foreign keys).

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- The member the RPC acts on: an existing membership of the tenant, and not one who holds a
-- permission the caller lacks (unless the caller is an owner).
create or replace function private.target_member(p_tenant_id uuid, p_user_id uuid)
returns public.memberships
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_member public.memberships;
  v_lacking text;
begin
  select * into v_member from public.memberships m where m.tenant_id = p_tenant_id and m.user_id = p_user_id for update;
  if not found then
    raise exception 'no such member' using errcode = 'TN003';
  end if;
  if not private.is_tenant_owner(p_tenant_id) then
    if v_member.is_owner then
      raise exception 'only owners can change owners' using errcode = 'TN033';
    end if;
    select c into v_lacking from private.member_permissions(p_tenant_id, p_user_id) c
    where c not in (select private.user_permissions(p_tenant_id)) limit 1;
    if v_lacking is not null then
      raise exception 'this member holds % , which you do not', v_lacking using errcode = 'TN034';
    end if;
  end if;
  return v_member;
end
$$;

comment on function private.target_member(uuid, uuid) is
  'Locks and returns the membership an RPC acts on; TN003 unknown, TN033 an owner (for non-owners), TN034 outranks the caller.';

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

create or replace function public.change_member_role(p_tenant_id uuid, p_user_id uuid, p_role_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := private.authorize('members.manage', p_tenant_id);
  v_member public.memberships;
  v_role public.roles;
  v_lacking text;
  v_old_roles jsonb;
begin
  if p_user_id = v_user_id then
    raise exception 'you cannot change your own role' using errcode = 'TN032';
  end if;
  v_member := private.target_member(p_tenant_id, p_user_id);
  v_role := private.tenant_role(p_role_id, p_tenant_id);
  if v_role.key = 'owner' and v_role.tenant_id is null then
    if not private.is_tenant_owner(p_tenant_id) then
      raise exception 'only owners can make owners' using errcode = 'TN033';
    end if;
  elsif not private.is_tenant_owner(p_tenant_id) then
    v_lacking := private.first_permission_not_held(v_role.id, p_tenant_id);
    if v_lacking is not null then
      raise exception 'role % grants %, which you do not hold', v_role.key, v_lacking using errcode = 'TN030';
    end if;
  end if;

  select coalesce(jsonb_agg(r.key order by r.key), '[]') into v_old_roles
  from public.role_assignments ra join public.roles r on r.id = ra.role_id
  where ra.tenant_id = p_tenant_id and ra.user_id = p_user_id and ra.project_id is null;

  delete from public.role_assignments ra
  where ra.tenant_id = p_tenant_id and ra.user_id = p_user_id and ra.project_id is null;
  if v_role.key = 'owner' and v_role.tenant_id is null then
    update public.memberships m set is_owner = true where m.id = v_member.id;
  else
    -- Demoting an owner: the last-owner trigger refuses if nobody else owns the tenant.
    update public.memberships m set is_owner = false where m.id = v_member.id and m.is_owner;
    insert into public.role_assignments (tenant_id, user_id, role_id) values (p_tenant_id, p_user_id, v_role.id);
  end if;
  perform private.audit_event(p_tenant_id, 'member.role_change', 'memberships', v_member.id::text,
    jsonb_build_object('user_id', p_user_id, 'owner', v_member.is_owner, 'roles', v_old_roles),
    jsonb_build_object('user_id', p_user_id, 'owner', v_role.key = 'owner' and v_role.tenant_id is null, 'roles', jsonb_build_array(v_role.key)));
end
$$;

comment on function public.change_member_role(uuid, uuid, uuid) is
  'Replaces a member''s tenant-wide role (the owner role sets is_owner). Needs members.manage; never your own '
  '(TN032); never a role granting more than you hold (TN030); owners only for owners (TN033); last owner kept (TN031).';

create or replace function public.transfer_ownership(p_tenant_id uuid, p_new_owner_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := private.authorize(null, p_tenant_id);
  v_target public.memberships;
begin
  if not private.is_tenant_owner(p_tenant_id) then
    raise exception 'only an owner can transfer ownership' using errcode = 'TN033';
  end if;
  if p_new_owner_id = v_user_id then
    raise exception 'you already own this tenant' using errcode = 'TN032';
  end if;
  select * into v_target from public.memberships m
  where m.tenant_id = p_tenant_id and m.user_id = p_new_owner_id and m.status = 'active' for update;
  if not found then
    raise exception 'the new owner must be an active member' using errcode = 'TN003';
  end if;

  update public.memberships m set is_owner = true where m.id = v_target.id;
  delete from public.role_assignments ra
  where ra.tenant_id = p_tenant_id and ra.user_id = p_new_owner_id and ra.project_id is null;
  update public.memberships m set is_owner = false where m.tenant_id = p_tenant_id and m.user_id = v_user_id;
  delete from public.role_assignments ra
  where ra.tenant_id = p_tenant_id and ra.user_id = v_user_id and ra.project_id is null;
  insert into public.role_assignments (tenant_id, user_id, role_id)
  select p_tenant_id, v_user_id, r.id from public.roles r where r.tenant_id is null and r.key = 'admin';
  perform private.audit_event(p_tenant_id, 'tenant.ownership_transfer', 'tenants', p_tenant_id::text,
    jsonb_build_object('owner', v_user_id), jsonb_build_object('owner', p_new_owner_id));
end
$$;

comment on function public.transfer_ownership(uuid, uuid) is
  'The caller (an owner) hands ownership to an active member and becomes an admin.';

create or replace function public.remove_member(p_tenant_id uuid, p_user_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := private.authorize('members.manage', p_tenant_id);
  v_member public.memberships;
begin
  if p_user_id = v_user_id then
    raise exception 'use leave_tenant to leave' using errcode = 'TN032';
  end if;
  v_member := private.target_member(p_tenant_id, p_user_id);
  -- Role assignments and team memberships go with it (foreign keys on (tenant_id, user_id)).
  delete from public.memberships m where m.id = v_member.id;
  perform private.audit_event(p_tenant_id, 'member.remove', 'memberships', v_member.id::text,
                              jsonb_build_object('user_id', p_user_id, 'owner', v_member.is_owner), null);
end
$$;

comment on function public.remove_member(uuid, uuid) is
  'Removes a member with their role assignments and team memberships. Needs members.manage; TN033/TN034 for '
  'members above you; the last owner stays (TN031).';

create or replace function public.leave_tenant(p_tenant_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := auth.uid();
  v_member public.memberships;
begin
  if v_user_id is null then
    raise exception 'sign in first' using errcode = 'TN001';
  end if;
  select * into v_member from public.memberships m where m.tenant_id = p_tenant_id and m.user_id = v_user_id for update;
  if not found then
    raise exception 'you are not a member' using errcode = 'TN003';
  end if;
  delete from public.memberships m where m.id = v_member.id;
  perform private.audit_event(p_tenant_id, 'member.leave', 'memberships', v_member.id::text,
                              jsonb_build_object('user_id', v_user_id, 'owner', v_member.is_owner), null);
end
$$;

comment on function public.leave_tenant(uuid) is 'The caller leaves a tenant; the last owner cannot (TN031).';

grant execute on function
  public.change_member_role(uuid, uuid, uuid),
  public.transfer_ownership(uuid, uuid),
  public.remove_member(uuid, uuid),
  public.leave_tenant(uuid)
to authenticated;
