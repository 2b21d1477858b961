-- Projects (called workspaces in the UI, spec 000) and their environments (development,
-- staging, production), and the project scope of RBAC: a member may hold a project role
-- (project_owner / project_editor / project_viewer, or a custom project role) on one project,
-- on top of whatever their tenant-wide role gives them.
--
-- Owns: type environment_kind; tables projects, environments; the project foreign key of
-- role_assignments; private.project_ids_with_permission, user_has_project_permission,
-- initialise_project; public.set_project_role (project members). Environment names are unique
-- per project whatever their case.
--
-- Policies on project-owned rows combine the two scopes:
--   private.tenant_in(tenant_id, (select private.permitted_tenant_ids(code)))  -- tenant-wide holders
--   or project_id in (select private.project_ids_with_permission(code))        -- project-role holders

-- ---------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------

create type public.environment_kind as enum ('development', 'staging', 'production');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.projects (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text not null check (char_length(btrim(name)) between 1 and 100),
  description text not null default '' check (char_length(description) <= 2000),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, slug)
);
alter table public.projects enable row level security;
comment on table public.projects is
  'A project (workspace) within a tenant; created with development, staging and production environments.';
create index projects_tenant_created_idx on public.projects (tenant_id, created_at);

create table public.environments (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  project_id uuid not null,
  kind public.environment_kind not null,
  name text not null check (char_length(btrim(name)) between 1 and 60),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (project_id, name),
  foreign key (tenant_id, project_id) references public.projects (tenant_id, id) on delete cascade
);
alter table public.environments enable row level security;
comment on table public.environments is 'A deployment environment of a project (development, staging, production).';
create index environments_tenant_project_idx on public.environments (tenant_id, project_id);

-- Project-scoped role assignments point at a project of the same tenant.
alter table public.role_assignments
  add constraint role_assignments_project_fkey
  foreign key (tenant_id, project_id) references public.projects (tenant_id, id) on delete cascade;

create unique index environments_name_ci_key on public.environments (project_id, lower(name));
comment on index public.environments_name_ci_key is
  'An environment name is unique within its project whatever its case.';

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

-- Every project starts with the three environments, and its creator owns it.
create or replace function private.initialise_project()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.environments (tenant_id, project_id, kind, name)
  values (new.tenant_id, new.id, 'development', 'Development'),
         (new.tenant_id, new.id, 'staging', 'Staging'),
         (new.tenant_id, new.id, 'production', 'Production');
  if new.created_by is not null and exists (
    select 1 from public.memberships m where m.tenant_id = new.tenant_id and m.user_id = new.created_by) then
    insert into public.role_assignments (tenant_id, user_id, role_id, project_id, created_by)
    select new.tenant_id, new.created_by, r.id, new.id, new.created_by
    from public.roles r where r.tenant_id is null and r.key = 'project_owner';
  end if;
  return null;
end
$$;

comment on function private.initialise_project() is
  'AFTER INSERT trigger on projects: the three environments and a project_owner assignment for the creator. '
  'Security definer because role assignments are written only by trusted code.';

create trigger projects_set_updated_at before update on public.projects
  for each row execute function private.set_updated_at();
create trigger projects_immutable_columns before update on public.projects
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_by', 'created_at');
create trigger environments_set_updated_at before update on public.environments
  for each row execute function private.set_updated_at();
create trigger environments_immutable_columns before update on public.environments
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'project_id', 'created_at');

-- A taken project address is TN082, a taken environment name TN081 (private.check_name_free,
-- tenancy); the unique indexes are the backstop.
create trigger environments_name_free before insert or update of name on public.environments
  for each row execute function private.check_name_free();
create trigger projects_slug_free before insert or update of slug on public.projects
  for each row execute function private.check_name_free();

create trigger projects_initialise after insert on public.projects
  for each row execute function private.initialise_project();

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

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

comment on function private.project_ids_with_permission(text) is
  'Projects where the caller holds p_code through a project role. Combine with tenants_with_permission() '
  'for tenant-wide holders.';

create or replace function private.user_has_project_permission(p_code text, p_project_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.projects p
    where p.id = p_project_id
      and (private.user_has_permission(p_code, p.tenant_id)
           or p.id in (select private.project_ids_with_permission(p_code))))
$$;

comment on function private.user_has_project_permission(text, uuid) is
  'Does the caller hold p_code on this project, tenant-wide or through a project role?';

grant execute on function
  private.project_ids_with_permission(text),
  private.user_has_project_permission(text, uuid)
to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.projects, public.environments from anon, authenticated, service_role;
grant select, delete on public.projects, public.environments to authenticated, service_role;
grant insert (tenant_id, slug, name, description) on public.projects to authenticated, service_role;
grant update (slug, name, description) on public.projects to authenticated, service_role;
grant insert (tenant_id, project_id, kind, name) on public.environments to authenticated, service_role;
grant update (name) on public.environments to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy projects_select_permitted on public.projects
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('projects.read')))
         or id in (select private.project_ids_with_permission('projects.read')));
create policy projects_select_staff on public.projects
  for select to authenticated
  using ((select private.is_platform_staff('support')));
create policy projects_insert_permitted on public.projects
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('projects.create'))));
create policy projects_update_permitted on public.projects
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('projects.update')))
         or id in (select private.project_ids_with_permission('projects.update')))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('projects.update')))
              or id in (select private.project_ids_with_permission('projects.update')));
create policy projects_delete_permitted on public.projects
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('projects.delete')))
         or id in (select private.project_ids_with_permission('projects.delete')));
create policy projects_select_mfa on public.projects
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy projects_insert_mfa on public.projects
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy projects_update_mfa on public.projects
  as restrictive for update to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy projects_delete_mfa on public.projects
  as restrictive for delete to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy environments_select_permitted on public.environments
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('projects.read')))
         or project_id in (select private.project_ids_with_permission('projects.read')));
create policy environments_select_staff on public.environments
  for select to authenticated
  using ((select private.is_platform_staff('support')));
create policy environments_insert_permitted on public.environments
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('environments.manage')))
              or project_id in (select private.project_ids_with_permission('environments.manage')));
create policy environments_update_permitted on public.environments
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('environments.manage')))
         or project_id in (select private.project_ids_with_permission('environments.manage')))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('environments.manage')))
              or project_id in (select private.project_ids_with_permission('environments.manage')));
create policy environments_delete_permitted on public.environments
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('environments.manage')))
         or project_id in (select private.project_ids_with_permission('environments.manage')));
create policy environments_select_mfa on public.environments
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy environments_insert_mfa on public.environments
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy environments_update_mfa on public.environments
  as restrictive for update to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy environments_delete_mfa on public.environments
  as restrictive for delete to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

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
  -- The role taken away is held to the same rule as the role given: within what the caller holds here.
  select rp.permission_code into v_lacking
  from public.role_assignments ra join public.role_permissions rp on rp.role_id = ra.role_id
  where ra.project_id = p_project_id and ra.user_id = p_user_id
    and not private.user_has_project_permission(rp.permission_code, p_project_id)
  order by rp.permission_code limit 1;
  if v_lacking is not null then
    raise exception 'this member holds % on this project, which you do not', v_lacking using errcode = 'TN034';
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
  'granting more than you hold there (TN030), never taking away one that does (TN034).';

grant execute on function public.set_project_role(uuid, uuid, uuid) to authenticated;
