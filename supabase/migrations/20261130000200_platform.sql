-- Platform: the operator's side (spec 002). Staff users with a system role, and system settings
-- such as whether new tenants wait for approval.
--
-- Owns: type staff_role; tables platform_staff, system_settings (and the platform's own
-- settings; each module inserts its own, e.g. billing.*); private.is_platform_staff,
-- private.setting, private.require_staff; public.has_staff_role (the console's gate).
--
-- Staff roles and what they may do (every grant is an explicit policy or RPC check):
--   super_admin    everything staff can do: read every tenant's data, approve, suspend,
--                  reactivate and archive tenants, manage staff and settings.
--   support        read tenants, people, memberships, teams, projects and audit logs; change nothing.
--   billing_admin  read tenants and their owners; suspend and reactivate tenants (non-payment).

-- ---------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------

create type public.staff_role as enum ('super_admin', 'support', 'billing_admin');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.platform_staff (
  user_id uuid primary key references public.profiles (id) on delete cascade,
  role public.staff_role not null,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now()
);
alter table public.platform_staff enable row level security;
comment on table public.platform_staff is
  'Staff of the platform operator and their system role (super_admin, support, billing_admin). Not tenant members.';

create table public.system_settings (
  key text primary key check (key ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  value jsonb not null,
  category text not null default 'general',
  description text not null default '',
  is_public boolean not null default false,
  updated_by uuid default auth.uid(),
  updated_at timestamptz not null default now()
);
alter table public.system_settings enable row level security;
comment on table public.system_settings is
  'Platform-wide settings (spec 002). Public ones are readable by every signed-in user; super_admin edits values.';

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.system_settings (key, value, category, description, is_public) values
  ('tenants.require_approval', 'false', 'tenancy',
   'New tenants start pending and wait for a super_admin to approve them (spec 003).', true),
  ('invitations.ttl_hours', '168', 'tenancy', 'How long an invitation stays valid.', true);

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger system_settings_set_updated_at before update on public.system_settings
  for each row execute function private.set_updated_at();
create trigger system_settings_immutable_columns before update on public.system_settings
  for each row execute function private.forbid_column_changes('key');
create trigger platform_staff_immutable_columns before update on public.platform_staff
  for each row execute function private.forbid_column_changes('user_id', 'created_by', 'created_at');

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- Staff roles are hierarchical only at the top: super_admin holds every staff role.
create or replace function private.is_platform_staff(p_role text default null)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.platform_staff s
    where s.user_id = (select auth.uid())
      and (p_role is null or s.role = 'super_admin' or s.role::text = p_role))
$$;

comment on function private.is_platform_staff(text) is
  'Is the caller platform staff (with role p_role, or super_admin)? Only ever about the caller. '
  'Security definer so policies can read platform_staff without exposing it.';

create or replace function private.setting(p_key text)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select s.value from public.system_settings s where s.key = p_key
$$;

comment on function private.setting(text) is
  'A system setting''s value, for RPCs. Security definer so non-public settings stay unreadable to clients.';

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

grant execute on function private.is_platform_staff(text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.platform_staff, public.system_settings from anon, authenticated, service_role;
grant select, insert, delete on public.platform_staff to authenticated;
grant update (role) on public.platform_staff to authenticated;
grant select, insert, update, delete on public.platform_staff to service_role;
grant select on public.system_settings to authenticated, service_role;
grant update (value, description, is_public) on public.system_settings to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy platform_staff_select_self on public.platform_staff
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy platform_staff_select_staff on public.platform_staff
  for select to authenticated
  using ((select private.is_platform_staff()));
create policy platform_staff_insert_super_admin on public.platform_staff
  for insert to authenticated
  with check ((select private.is_platform_staff('super_admin')));
create policy platform_staff_update_super_admin on public.platform_staff
  for update to authenticated
  using ((select private.is_platform_staff('super_admin')))
  with check ((select private.is_platform_staff('super_admin')));
create policy platform_staff_delete_super_admin on public.platform_staff
  for delete to authenticated
  using ((select private.is_platform_staff('super_admin')));

create policy system_settings_select_public on public.system_settings
  for select to authenticated
  using (is_public);
create policy system_settings_select_staff on public.system_settings
  for select to authenticated
  using ((select private.is_platform_staff()));
create policy system_settings_update_super_admin on public.system_settings
  for update to authenticated
  using ((select private.is_platform_staff('super_admin')))
  with check ((select private.is_platform_staff('super_admin')));

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

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
