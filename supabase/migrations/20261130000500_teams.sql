-- Teams: named groups of members inside a tenant (spec 001, 003). Every member of the tenant sees
-- its teams; holders of teams.manage create them and decide who is in them. A team member is a
-- membership (composite foreign key), so removing someone from the tenant removes them from
-- every team. Team names are unique per tenant whatever their case.
--
-- Owns: tables teams, team_members, their guards and policies.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.teams (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 100),
  description text not null default '' check (char_length(description) <= 1000),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, name)
);
alter table public.teams enable row level security;
comment on table public.teams is 'A named group of members within a tenant.';
create index teams_tenant_created_idx on public.teams (tenant_id, created_at);

create table public.team_members (
  tenant_id uuid not null,
  team_id uuid not null,
  user_id uuid not null,
  added_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  primary key (team_id, user_id),
  foreign key (tenant_id, team_id) references public.teams (tenant_id, id) on delete cascade,
  foreign key (tenant_id, user_id) references public.memberships (tenant_id, user_id) on delete cascade
);
alter table public.team_members enable row level security;
comment on table public.team_members is 'Who is in a team. Both sides belong to the same tenant (composite foreign keys).';
create index team_members_tenant_user_idx on public.team_members (tenant_id, user_id);

create unique index teams_name_ci_key on public.teams (tenant_id, lower(name));
comment on index public.teams_name_ci_key is 'A team name is unique within its tenant whatever its case.';

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger teams_set_updated_at before update on public.teams
  for each row execute function private.set_updated_at();
create trigger teams_immutable_columns before update on public.teams
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_by', 'created_at');
-- A taken name is TN080 (private.check_name_free, tenancy); the unique index is the backstop.
create trigger teams_name_free before insert or update of name on public.teams
  for each row execute function private.check_name_free();
create trigger team_members_immutable_columns before update on public.team_members
  for each row execute function private.forbid_column_changes('tenant_id', 'team_id', 'user_id', 'added_by', 'created_at');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.teams, public.team_members from anon, authenticated, service_role;
grant select, delete on public.teams, public.team_members to authenticated, service_role;
grant insert (tenant_id, name, description) on public.teams to authenticated, service_role;
grant update (name, description) on public.teams to authenticated, service_role;
grant insert (tenant_id, team_id, user_id) on public.team_members to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy teams_select_member on public.teams
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids())));
create policy teams_select_staff on public.teams
  for select to authenticated
  using ((select private.is_platform_staff('support')));
create policy teams_insert_permitted on public.teams
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('teams.manage'))));
create policy teams_update_permitted on public.teams
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('teams.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('teams.manage'))));
create policy teams_delete_permitted on public.teams
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('teams.manage'))));
create policy teams_select_mfa on public.teams
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy teams_insert_mfa on public.teams
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy teams_update_mfa on public.teams
  as restrictive for update to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy teams_delete_mfa on public.teams
  as restrictive for delete to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy team_members_select_member on public.team_members
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids())));
create policy team_members_select_staff on public.team_members
  for select to authenticated
  using ((select private.is_platform_staff('support')));
create policy team_members_insert_permitted on public.team_members
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('teams.manage'))));
create policy team_members_delete_permitted on public.team_members
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('teams.manage'))));
create policy team_members_select_mfa on public.team_members
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy team_members_insert_mfa on public.team_members
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy team_members_delete_mfa on public.team_members
  as restrictive for delete to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
