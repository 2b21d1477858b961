-- Rules asked, not copied (issue 10): what the app used to re-implement in TypeScript it now asks
-- SQL, and the constraint failures a page can trip with a plain write are raised as stable TN codes,
-- so the app's one error catalogue (src/lib/server/platform/errors.ts) never branches on a
-- constraint's name.
--
--   * public.grantable_roles(tenant)   the tenant roles the caller may hand out (TN030 / TN033's rule)
--   * public.has_staff_role(role)      the console's gate: is the caller staff with that role?
--   * public.tenant_mfa_blocked(tenant) does the tenant's two-factor rule block this session?
--   * BEFORE triggers raising TN011, TN010, TN012–TN016 (tenants), TN080 (teams), TN081
--     (environments), TN082 (projects), TN083 (payments), TN084 (roles), TN085 (role_permissions);
--     the constraints stay as the backstop for races, which the catalogue words by SQLSTATE.
-- Codes in docs/error-codes.md; proven by supabase/tests/database/33-rules-asked.test.sql.

-- ---------------------------------------------------------------------------------------------
-- Questions the app asks
-- ---------------------------------------------------------------------------------------------

create or replace function public.grantable_roles(p_tenant_id uuid)
returns table (id uuid, key text, name text, custom boolean)
language sql
stable
security definer
set search_path = ''
as $$
  select r.id, r.key, r.name, r.tenant_id is not null
  from public.roles r
  where r.scope = 'tenant'
    and (r.tenant_id is null or r.tenant_id = p_tenant_id)
    and (private.user_has_permission('members.invite', p_tenant_id)
         or private.user_has_permission('members.manage', p_tenant_id))
    and (private.is_tenant_owner(p_tenant_id)
         or (not (r.key = 'owner' and r.tenant_id is null)
             and private.first_permission_not_held(r.id, p_tenant_id) is null))
  order by r.tenant_id is not null, r.name
$$;
comment on function public.grantable_roles(uuid) is
  'The tenant roles the caller may give (invite with, change a member to): owners any, the owner role '
  'included; others only roles whose every permission they hold (the TN030 / TN033 rule of the member '
  'RPCs). Empty for a caller who may neither invite nor manage members.';
revoke all on function public.grantable_roles(uuid) from public, anon;
grant execute on function public.grantable_roles(uuid) to authenticated;

create or replace function public.has_staff_role(p_role public.staff_role)
returns boolean
language sql
stable
set search_path = ''
as $$
  select private.is_platform_staff(p_role::text)
$$;
comment on function public.has_staff_role(public.staff_role) is
  'Is the caller platform staff with this role (super_admin has every role)? The console''s 403 gate.';
revoke all on function public.has_staff_role(public.staff_role) from public, anon;
grant execute on function public.has_staff_role(public.staff_role) to authenticated;

create or replace function public.tenant_mfa_blocked(p_tenant_id uuid)
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce((select t.require_mfa from public.tenants t where t.id = p_tenant_id), false)
     and coalesce((select auth.jwt()) ->> 'aal', 'aal1') <> 'aal2'
$$;
comment on function public.tenant_mfa_blocked(uuid) is
  'Does the tenant require two-factor authentication that this session has not used (TN004 on writes)? '
  'False for a tenant the caller cannot see.';
revoke all on function public.tenant_mfa_blocked(uuid) from public, anon;
grant execute on function public.tenant_mfa_blocked(uuid) to authenticated;

-- ---------------------------------------------------------------------------------------------
-- Constraint failures as TN codes
-- ---------------------------------------------------------------------------------------------

-- Tenants: the settings page updates the row directly (create_tenant checks the same on insert).
-- Security definer only to see whether another tenant, hidden by RLS, already has the slug.
create or replace function private.check_tenant_values()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.slug is distinct from old.slug then
    if new.slug !~ '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$' or new.slug ~ '--' then
      raise exception 'invalid slug' using errcode = 'TN010';
    end if;
    if new.slug in ('admin', 'api', 'app', 'auth', 'www', 'mail', 'static', 'assets', 'status',
                    'support', 'billing', 'login', 'signup', 'settings', 'tenantry') then
      raise exception 'reserved slug' using errcode = 'TN015';
    end if;
    if exists (select 1 from public.tenants t where t.slug = new.slug and t.id <> new.id) then
      raise exception 'slug taken' using errcode = 'TN011';
    end if;
  end if;
  if new.name is distinct from old.name and char_length(btrim(new.name)) not between 1 and 100 then
    raise exception 'invalid tenant name' using errcode = 'TN013';
  end if;
  if new.timezone is distinct from old.timezone and not private.is_valid_timezone(new.timezone) then
    raise exception 'unknown time zone' using errcode = 'TN012';
  end if;
  if new.data_region is distinct from old.data_region
     and new.data_region not in ('us', 'eu', 'uk', 'ca', 'au', 'ap') then
    raise exception 'unknown data region' using errcode = 'TN014';
  end if;
  if new.branding is distinct from old.branding and not private.is_valid_branding(new.branding) then
    raise exception 'invalid branding' using errcode = 'TN016';
  end if;
  return new;
end
$$;
comment on function private.check_tenant_values() is
  'Raises TN010–TN016 for a tenant update the check and unique constraints would refuse.';
create trigger tenants_check_values
  before update of slug, name, timezone, data_region, branding on public.tenants
  for each row execute function private.check_tenant_values();

-- Names unique whatever their case, within their parent. Security definer so a writer who may not
-- read every row still gets the TN code (the answer says only that the name is taken).
create or replace function private.check_name_free()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_taken boolean;
begin
  case tg_table_name
    when 'teams' then
      select exists (select 1 from public.teams x
                     where x.tenant_id = new.tenant_id and lower(x.name) = lower(new.name)
                       and x.id <> new.id) into v_taken;
      if v_taken then raise exception 'team name taken' using errcode = 'TN080'; end if;
    when 'environments' then
      select exists (select 1 from public.environments x
                     where x.project_id = new.project_id and lower(x.name) = lower(new.name)
                       and x.id <> new.id) into v_taken;
      if v_taken then raise exception 'environment name taken' using errcode = 'TN081'; end if;
    when 'projects' then
      select exists (select 1 from public.projects x
                     where x.tenant_id = new.tenant_id and x.slug = new.slug and x.id <> new.id)
        into v_taken;
      if v_taken then raise exception 'project address taken' using errcode = 'TN082'; end if;
    when 'roles' then
      -- A custom role's name is free of the tenant's other roles and of the system roles.
      if new.tenant_id is not null then
        select exists (select 1 from public.roles x
                       where (x.tenant_id = new.tenant_id or x.tenant_id is null)
                         and lower(x.name) = lower(new.name) and x.id <> new.id) into v_taken;
        if v_taken then raise exception 'role name taken' using errcode = 'TN084'; end if;
      end if;
  end case;
  return new;
end
$$;
comment on function private.check_name_free() is
  'Raises TN080 (team), TN081 (environment), TN082 (project address) or TN084 (role) for a name its '
  'parent already has; the unique indexes stay as the backstop for concurrent writes (23505).';
create trigger teams_name_free before insert or update of name on public.teams
  for each row execute function private.check_name_free();
create trigger environments_name_free before insert or update of name on public.environments
  for each row execute function private.check_name_free();
create trigger projects_slug_free before insert or update of slug on public.projects
  for each row execute function private.check_name_free();
create trigger roles_name_free before insert or update of name on public.roles
  for each row execute function private.check_name_free();

create or replace function private.check_rejection_note()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = 'failed' and new.provider = 'manual' and new.verified_by is not null
     and char_length(btrim(coalesce(new.note, ''))) = 0 then
    raise exception 'a rejected payment says why' using errcode = 'TN083';
  end if;
  return new;
end
$$;
comment on function private.check_rejection_note() is
  'Raises TN083 where payments_rejection_note would refuse: a staff rejection without a note.';
create trigger payments_rejection_note_given before insert or update on public.payments
  for each row execute function private.check_rejection_note();

create or replace function private.check_permission_known()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from public.permissions p where p.code = new.permission_code) then
    raise exception 'unknown permission %', new.permission_code using errcode = 'TN085';
  end if;
  return new;
end
$$;
comment on function private.check_permission_known() is
  'Raises TN085 for a role permission that names no permission (the foreign key is the backstop).';
create trigger role_permissions_known before insert or update of permission_code
  on public.role_permissions
  for each row execute function private.check_permission_known();

revoke all on function private.check_tenant_values(), private.check_name_free(),
  private.check_rejection_note(), private.check_permission_known() from public, anon, authenticated;
