-- Tenant API: the RPCs for every multi-step change to tenants and memberships. Each is one
-- transaction (atomic), starts with private.authorize() or a staff check, refuses with a stable
-- TNxxx code (docs/error-codes.md), and records an audit event beside the row changes its
-- statements log.
--
-- The rules they enforce on top of RLS:
--   * nobody grants a permission they do not hold (TN030); only owners make or unmake owners (TN033);
--   * nobody changes their own role (TN032) or acts on a member who holds more than they do (TN034);
--   * the last owner is never removed or demoted (TN031, also enforced by trigger for every role);
--   * removing a member removes their role assignments and team memberships (composite foreign keys).

create or replace function public.create_tenant(
  p_slug text, p_name text, p_timezone text default 'UTC', p_data_region text default 'us')
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := auth.uid();
  v_tenant_id uuid;
  v_status public.tenant_status;
  v_constraint text;
begin
  if v_user_id is null or not exists (select 1 from public.profiles p where p.id = v_user_id) then
    raise exception 'sign in first' using errcode = 'TN001';
  end if;
  v_status := case when coalesce((private.setting('tenants.require_approval') #>> '{}')::boolean, false)
                   then 'pending' else 'active' end;
  begin
    insert into public.tenants (slug, name, timezone, data_region, status, created_by)
    values (lower(btrim(p_slug)), btrim(p_name), coalesce(p_timezone, 'UTC'), coalesce(p_data_region, 'us'), v_status, v_user_id)
    returning id into v_tenant_id;
  exception
    when unique_violation then
      raise exception 'the slug % is taken', p_slug using errcode = 'TN011';
    when check_violation or not_null_violation then
      get stacked diagnostics v_constraint = constraint_name;
      raise exception 'invalid tenant: %', coalesce(v_constraint, 'missing value') using errcode = case v_constraint
        when 'tenants_slug_format' then 'TN010'
        when 'tenants_timezone_valid' then 'TN012'
        when 'tenants_data_region_check' then 'TN014'
        else 'TN013' end;
  end;
  insert into public.memberships (tenant_id, user_id, is_owner, status) values (v_tenant_id, v_user_id, true, 'active');
  perform private.audit_event(v_tenant_id, 'tenant.create', 'tenants', v_tenant_id::text, null,
                              jsonb_build_object('slug', lower(btrim(p_slug)), 'status', v_status));
  return v_tenant_id;
end
$$;
comment on function public.create_tenant(text, text, text, text) is
  'Creates a tenant with the caller as owner; pending when the tenants.require_approval setting is on. '
  'TN010 slug format, TN011 slug taken, TN012 timezone, TN013 name, TN014 data region.';

-- Staff lifecycle RPCs share one shape: check the staff role, move the status (the trigger
-- refuses illegal transitions with TN060), record why.
create or replace function private.set_tenant_status(
  p_tenant_id uuid, p_status public.tenant_status, p_reason text, p_action text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_old public.tenant_status;
begin
  select t.status into v_old from public.tenants t where t.id = p_tenant_id for update;
  if not found then
    raise exception 'no such tenant' using errcode = 'TN003';
  end if;
  if v_old = p_status then
    raise exception 'the tenant is already %', p_status using errcode = 'TN060';
  end if;
  update public.tenants t set status = p_status, status_reason = left(p_reason, 500) where t.id = p_tenant_id;
  perform private.audit_event(p_tenant_id, p_action, 'tenants', p_tenant_id::text,
                              jsonb_build_object('status', v_old),
                              jsonb_build_object('status', p_status, 'reason', p_reason));
end
$$;
comment on function private.set_tenant_status(uuid, public.tenant_status, text, text) is
  'Moves a tenant''s status and audits it; callers check who may.';

create or replace function private.require_staff(p_role text)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if not (private.is_service_role() or private.is_operator() or private.is_platform_staff(p_role)) then
    raise exception 'platform staff (%) only', p_role using errcode = 'TN061';
  end if;
end
$$;
comment on function private.require_staff(text) is 'Raises TN061 unless the caller is staff with the role (or super_admin), a system job or an operator.';

create or replace function public.approve_tenant(p_tenant_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.require_staff('super_admin');
  perform private.set_tenant_status(p_tenant_id, 'active', null, 'tenant.approve');
end
$$;
comment on function public.approve_tenant(uuid) is 'pending → active. super_admin only (TN061).';

create or replace function public.suspend_tenant(p_tenant_id uuid, p_reason text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.require_staff('billing_admin');
  perform private.set_tenant_status(p_tenant_id, 'suspended', p_reason, 'tenant.suspend');
end
$$;
comment on function public.suspend_tenant(uuid, text) is 'active → suspended (members lose access). super_admin or billing_admin (TN061).';

create or replace function public.reactivate_tenant(p_tenant_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.require_staff('billing_admin');
  perform private.set_tenant_status(p_tenant_id, 'active', null, 'tenant.reactivate');
end
$$;
comment on function public.reactivate_tenant(uuid) is 'suspended → active. super_admin or billing_admin (TN061).';

create or replace function public.archive_tenant(p_tenant_id uuid, p_reason text default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not (private.is_service_role() or private.is_operator() or private.is_platform_staff('super_admin')) then
    perform private.authorize(null, p_tenant_id);
    if not private.is_tenant_owner(p_tenant_id) then
      raise exception 'only an owner or a super_admin can archive a tenant' using errcode = 'TN033';
    end if;
  end if;
  perform private.set_tenant_status(p_tenant_id, 'archived', p_reason, 'tenant.archive');
end
$$;
comment on function public.archive_tenant(uuid, text) is 'Archives a tenant (final). Its owners or a super_admin.';

-- ---------------------------------------------------------------------------------------------
-- Members
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

create or replace function public.set_project_role(p_project_id uuid, p_user_id uuid, p_role_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_tenant_id uuid;
  v_user_id uuid;
  v_role public.roles;
  v_lacking text;
begin
  select p.tenant_id into v_tenant_id from public.projects p where p.id = p_project_id;
  v_user_id := private.authorize(null, v_tenant_id);
  if v_tenant_id is null or not private.user_has_project_permission('projects.members.manage', p_project_id) then
    raise exception 'permission projects.members.manage needed' using errcode = 'TN002';
  end if;
  if p_user_id = v_user_id then
    raise exception 'you cannot change your own role' using errcode = 'TN032';
  end if;
  if not exists (select 1 from public.memberships m where m.tenant_id = v_tenant_id and m.user_id = p_user_id) then
    raise exception 'no such member' using errcode = 'TN003';
  end if;
  if p_role_id is not null then
    select * into v_role from public.roles r
    where r.id = p_role_id and (r.tenant_id is null or r.tenant_id = v_tenant_id) and r.scope = 'project';
    if not found then
      raise exception 'no project role % in this tenant', p_role_id using errcode = 'TN035';
    end if;
    select rp.permission_code into v_lacking from public.role_permissions rp
    where rp.role_id = v_role.id and not private.user_has_project_permission(rp.permission_code, p_project_id)
    order by rp.permission_code limit 1;
    if v_lacking is not null then
      raise exception 'role % grants %, which you do not hold on this project', v_role.key, v_lacking using errcode = 'TN030';
    end if;
  end if;

  delete from public.role_assignments ra where ra.project_id = p_project_id and ra.user_id = p_user_id;
  if p_role_id is not null then
    insert into public.role_assignments (tenant_id, user_id, role_id, project_id)
    values (v_tenant_id, p_user_id, v_role.id, p_project_id);
  end if;
  perform private.audit_event(v_tenant_id, 'project.role_change', 'projects', p_project_id::text, null,
                              jsonb_build_object('user_id', p_user_id, 'role', v_role.key));
end
$$;
comment on function public.set_project_role(uuid, uuid, uuid) is
  'Gives a member a project role (null removes it). Needs projects.members.manage on the project; never a role '
  'granting more than you hold there (TN030).';

create or replace function public.my_permissions(p_tenant_id uuid)
returns setof text
language sql
stable
security definer
set search_path = ''
as $$
  select private.user_permissions(p_tenant_id)
$$;
comment on function public.my_permissions(uuid) is 'The caller''s tenant-wide permission codes (for the UI). Only ever about the caller.';

grant execute on function
  public.create_tenant(text, text, text, text),
  public.approve_tenant(uuid),
  public.suspend_tenant(uuid, text),
  public.reactivate_tenant(uuid),
  public.archive_tenant(uuid, text),
  public.change_member_role(uuid, uuid, uuid),
  public.transfer_ownership(uuid, uuid),
  public.remove_member(uuid, uuid),
  public.leave_tenant(uuid),
  public.set_project_role(uuid, uuid, uuid),
  public.my_permissions(uuid)
to authenticated;
grant execute on function
  public.approve_tenant(uuid),
  public.suspend_tenant(uuid, text),
  public.reactivate_tenant(uuid),
  public.archive_tenant(uuid, text)
to service_role;
