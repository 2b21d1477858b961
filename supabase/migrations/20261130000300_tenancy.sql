-- Tenancy and RBAC: who belongs to a tenant and what they may do there.
--
-- tenants          the organisation: slug, settings (timezone, region, branding, MFA), lifecycle
--                  pending → active → suspended → archived
-- memberships      user ↔ tenant, with the owner flag (ownership is the flag, not a role)
-- permissions      the catalog of permission codes, global (every module's codes, seeded here)
-- roles            system roles (tenant_id null) and tenant-defined custom roles, scoped to the
--                  tenant or to a project
-- role_permissions which codes a role grants
-- role_assignments which roles a member holds, tenant-wide or on one project
--
-- Owns, besides those tables and their types (tenant_status, membership_status, role_scope): the
-- RBAC core every module calls (private.permitted_tenant_ids, holds_permission, user_tenant_ids,
-- user_membership_tenant_ids, tenants_with_permission, user_has_permission, user_permissions,
-- member_permissions, mfa_blocked_tenant_ids, co_member_ids, is_tenant_owner, tenant_role,
-- first_permission_not_held, authorize); the role editor's rules (assert_can_edit_role,
-- guard_role_edit, role_grants_something, check_role_reference); the checks that raise TN codes
-- where a constraint would refuse a plain write (check_tenant_values: TN010–TN016 on tenants;
-- check_permission_known: TN085; check_name_free: TN084 on roles, and TN080–TN082 for teams,
-- environments and projects, whose modules attach it); the questions the app asks instead of
-- copying the rule (grantable_roles, tenant_mfa_blocked); the co-member and staff
-- policies on profiles; and the tenant RPCs: create_tenant, my_permissions, grantable_roles,
-- tenant_mfa_blocked, and the staff
-- lifecycle approve_tenant, suspend_tenant, reactivate_tenant, archive_tenant.
--
-- The helpers answer only about the caller (auth.uid()); nothing takes a user id, so nothing is
-- an oracle about someone else's rights.
--
-- One permission join. "The caller holds permission X in tenant T" is written once, in
-- private.permitted_tenant_ids(code) (code omitted: membership alone), and asked in two shapes:
--
--   private.tenant_in(tenant_id, (select private.permitted_tenant_ids('x.y')))  -- policies
--   private.holds_permission('x.y', p_tenant_id)                                 -- RPCs, point checks
--
-- In a policy the sub-select runs once per statement (an init plan) and tenant_in, plain SQL that
-- inlines, compares each row's tenant with that small array as a filter: the planner neither makes
-- it an index condition nor estimates it as `= any`, so pages keep the (tenant_id, created_at)
-- index order (docs/tenancy.md, "the page-order trap"), and it costs less per row than the hashed
-- sub-plan of the set form `tenant_id in (select private.tenants_with_permission('x.y'))`, which
-- RPCs and older checks still use. A second source of grants (API keys as principals) belongs in
-- permitted_tenant_ids alone, so every policy and RPC answers for it at once.
--
-- The older names (user_tenant_ids, user_has_permission, user_permissions here, can_manage_billing
-- and can_read_billing in billing) are one-line wrappers over it: an ACTIVE member of an ACTIVE
-- tenant, holding the code through a tenant-wide role, or the owner (who holds every code in the
-- catalog). Billing alone also answers while billing itself has suspended the tenant, so its people
-- can pay to get back in (the join calls billing's private.billing_suspension_reason() when it
-- runs). MFA stays in the restrictive policies (mfa_blocked_tenant_ids), authorize() and
-- can_read_billing, which refuse an aal1 session in a tenant that requires MFA.
--
-- Cost. `language sql security definer` helpers are never inlined and are re-planned on every call,
-- so each statement under RLS paid that for every policy on every table it read (bench/rls.ts:
-- +0.27–0.33 ms a statement on Postgres 15). The join is PL/pgSQL, whose plans are prepared once a
-- session (its generic plan is forced, so the code it is asked about never makes it re-plan), and
-- a policy calls it directly, with no wrapper between; the boolean forms are plain SQL that inline
-- into their caller. Nothing is cached across statements: each statement asks again with the
-- claims it runs under, so no setting the caller can write is ever believed.
--
-- Only ACTIVE tenants grant anything. Members of a pending, suspended or archived tenant see the
-- tenant row and their own membership, nothing else. Owners hold every permission in the catalog.
--
-- private.authorize() is the check every RPC starts with (TN001 signed out, TN004 MFA step-up
-- needed, TN002 missing permission — the same answer whether or not the tenant exists). Editing a
-- role needs every permission the role has (TN030) and no holder of it who outranks the editor
-- (TN034); a custom role grants at least one permission (TN039, checked at commit). A reserved
-- organisation address (admin, api, …) is refused as reserved (tenants_slug_reserved, TN015).
-- Suspending and reactivating a tenant both need a reason of 1–500 characters (TN131): it becomes
-- the tenant's status_reason (shown to its members on the suspended screen) and is kept in the
-- audit event.

-- ---------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------

create type public.tenant_status as enum ('pending', 'active', 'suspended', 'archived');
create type public.membership_status as enum ('invited', 'active', 'suspended');
create type public.role_scope as enum ('tenant', 'project');

create or replace function private.is_valid_timezone(p_timezone text)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_timezone is null or p_timezone !~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$' then
    return false;
  end if;
  perform now() at time zone p_timezone;
  return true;
exception when others then
  return false;
end
$$;

comment on function private.is_valid_timezone(text) is 'True for an IANA time zone name Postgres knows (Europe/Paris, UTC).';

create or replace function private.is_valid_branding(p_branding jsonb)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select jsonb_typeof(p_branding) = 'object'
     and pg_catalog.octet_length(p_branding::text) <= 4096
     and not exists (
       select 1 from jsonb_each(p_branding) e
       where not (
         (e.key in ('primary_color', 'accent_color')
            and jsonb_typeof(e.value) = 'string' and e.value #>> '{}' ~ '^#[0-9a-fA-F]{6}$')
         or (e.key in ('logo_url', 'favicon_url')
            and jsonb_typeof(e.value) = 'string' and e.value #>> '{}' ~ '^https://[^\s"<>]+$'
            and char_length(e.value #>> '{}') <= 2048)
         or (e.key = 'theme' and e.value #>> '{}' in ('light', 'dark', 'system'))))
$$;

comment on function private.is_valid_branding(jsonb) is
  'Branding is an object of primary_color/accent_color (#rrggbb), logo_url/favicon_url (https) and theme (light|dark|system).';

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.tenants (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique
    constraint tenants_slug_format check (slug ~ '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$' and slug !~ '--')
    constraint tenants_slug_reserved check (
      slug not in ('admin', 'api', 'app', 'auth', 'www', 'mail', 'static', 'assets', 'status',
                   'support', 'billing', 'login', 'signup', 'settings', 'tenantry')),
  name text not null check (char_length(btrim(name)) between 1 and 100),
  timezone text not null default 'UTC' constraint tenants_timezone_valid check (private.is_valid_timezone(timezone)),
  data_region text not null default 'us' check (data_region in ('us', 'eu', 'uk', 'ca', 'au', 'ap')),
  branding jsonb not null default '{}' constraint tenants_branding_valid check (private.is_valid_branding(branding)),
  require_mfa boolean not null default false,
  status public.tenant_status not null default 'pending',
  status_reason text check (char_length(status_reason) <= 500),
  created_by uuid default auth.uid(),
  approved_at timestamptz,
  approved_by uuid,
  suspended_at timestamptz,
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.tenants enable row level security;
comment on table public.tenants is
  'A customer organisation and its settings (timezone, data region, branding, MFA requirement). '
  'Created by create_tenant(); status changes only through the lifecycle RPCs.';
comment on column public.tenants.created_by is 'The user who created the tenant; no foreign key so the record outlives the user.';
create index tenants_status_idx on public.tenants (status);

create table public.memberships (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  is_owner boolean not null default false,
  status public.membership_status not null default 'active',
  invited_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, user_id)
);
alter table public.memberships enable row level security;
comment on table public.memberships is
  'A user''s membership of a tenant. is_owner makes them an owner (every permission). Written only by the member RPCs.';
create index memberships_user_id_idx on public.memberships (user_id, tenant_id);

create table public.permissions (
  code text primary key check (code ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$'),
  module text not null,
  description text not null,
  project_scoped boolean not null default false
);
alter table public.permissions enable row level security;
comment on table public.permissions is
  'The permission catalog. Codes are module.action; project_scoped codes may also be granted by project roles. Maintained by migrations.';

create table public.roles (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid references public.tenants (id) on delete cascade,
  key text not null check (key ~ '^[a-z][a-z0-9_]{1,47}$'),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  description text not null default '' check (char_length(description) <= 500),
  scope public.role_scope not null default 'tenant',
  is_system boolean generated always as (tenant_id is null) stored,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique nulls not distinct (tenant_id, key),
  unique (tenant_id, id)
);
alter table public.roles enable row level security;
comment on table public.roles is
  'System roles (tenant_id null: owner, admin, developer, viewer, billing_admin, project_owner/editor/viewer) '
  'and custom roles a tenant defines. A role is scoped to the tenant or to a project.';

create table public.role_permissions (
  role_id uuid not null references public.roles (id) on delete cascade,
  permission_code text not null references public.permissions (code) on delete cascade,
  tenant_id uuid references public.tenants (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (role_id, permission_code),
  foreign key (tenant_id, role_id) references public.roles (tenant_id, id) on delete cascade
);
alter table public.role_permissions enable row level security;
comment on table public.role_permissions is
  'The permission codes a role grants. tenant_id is the role''s tenant (null for system roles) and must match it.';
create index role_permissions_tenant_id_idx on public.role_permissions (tenant_id) where tenant_id is not null;

create table public.role_assignments (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  user_id uuid not null,
  role_id uuid not null references public.roles (id),
  project_id uuid,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  foreign key (tenant_id, user_id) references public.memberships (tenant_id, user_id) on delete cascade,
  unique nulls not distinct (tenant_id, user_id, role_id, project_id)
);
alter table public.role_assignments enable row level security;
comment on table public.role_assignments is
  'A member holds a role tenant-wide (project_id null) or on one project. Removed with the membership. Written only by RPCs.';
comment on column public.role_assignments.role_id is
  'A system role or one of this tenant''s custom roles (checked by trigger: system roles have no tenant to compose with).';
create index role_assignments_user_idx on public.role_assignments (user_id, tenant_id);
create index role_assignments_role_id_idx on public.role_assignments (role_id);

create index role_assignments_project_idx on public.role_assignments (project_id) where project_id is not null;

comment on constraint tenants_slug_reserved on public.tenants is
  'Addresses the platform keeps for itself (paths and subdomains); refused as TN015 by create_tenant.';

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.permissions (code, module, description, project_scoped) values
  ('tenant.update',            'tenancy',       'Edit the tenant''s name, timezone, data region and branding', false),
  ('tenant.security.manage',   'tenancy',       'Require MFA and manage security settings', false),
  ('members.read',             'tenancy',       'See members, teams and their roles', false),
  ('members.invite',           'tenancy',       'Invite people and revoke invitations', false),
  ('members.manage',           'tenancy',       'Change members'' roles and remove members', false),
  ('teams.manage',             'tenancy',       'Create teams and manage who is in them', false),
  ('roles.manage',             'tenancy',       'Create and edit custom roles', false),
  ('audit.read',               'audit',         'Read the audit log and verify its chain', false),
  ('projects.read',            'projects',      'See projects (workspaces) and their environments', true),
  ('projects.create',          'projects',      'Create projects', false),
  ('projects.update',          'projects',      'Rename and configure projects', true),
  ('projects.delete',          'projects',      'Delete projects', true),
  ('projects.members.manage',  'projects',      'Give people roles on a project', true),
  ('environments.manage',      'projects',      'Create and configure environments', true),
  ('api_keys.read',            'api_keys',      'See API keys (never their secrets)', true),
  ('api_keys.manage',          'api_keys',      'Create, rotate and revoke API keys', true),
  ('billing.read',             'billing',       'See plans, subscriptions and invoices', false),
  ('billing.manage',           'billing',       'Change plans, payment methods and billing details', false),
  ('usage.read',               'billing',       'See usage against limits', false),
  ('usage.record',             'billing',       'Record metered usage (API calls, compute, storage)', false),
  ('integrations.read',        'integrations',  'See configured integrations', true),
  ('integrations.manage',      'integrations',  'Connect and configure integrations', true),
  ('webhooks.manage',          'integrations',  'Manage outbound webhooks and see deliveries', true),
  ('secrets.read',             'secrets',       'Read secret values', true),
  ('secrets.manage',           'secrets',       'Create and rotate secrets', true),
  ('sso.manage',               'identity',      'Configure SSO providers', false),
  ('scim.manage',              'identity',      'Configure SCIM provisioning and its tokens', false),
  ('dashboards.read',          'analytics',     'View dashboards and widgets', true),
  ('dashboards.manage',        'analytics',     'Create and edit dashboards and widgets', true),
  ('data_sources.manage',      'analytics',     'Configure data sources', true),
  ('queries.manage',           'analytics',     'Write and run saved queries', true),
  ('alerts.manage',            'analytics',     'Configure alerts and their channels', true),
  ('ai.use',                   'ai',            'Run prompts and search documents', true),
  ('ai.manage',                'ai',            'Configure model providers, models and prompt templates', false),
  ('documents.manage',         'ai',            'Upload and index documents (RAG, OCR)', true),
  ('tickets.read',             'support',       'See support tickets', false),
  ('tickets.manage',           'support',       'Open, comment on and close support tickets', false),
  ('workflows.manage',         'workflows',     'Define and run workflows', true),
  ('tasks.read',               'tasks',         'See tasks and boards', true),
  ('tasks.manage',             'tasks',         'Create, assign and move tasks', true),
  ('notifications.manage',     'notifications', 'Configure the tenant''s notification channels', false),
  ('domains.manage',           'domains',       'Manage custom domains, DNS records and certificates', false),
  ('privacy.manage',           'privacy',       'Handle GDPR requests, consents and retention policies', false);

insert into public.roles (key, name, description, scope) values
  ('owner',          'Owner',          'Every permission; ownership is held through memberships.is_owner', 'tenant'),
  ('admin',          'Admin',          'Runs the tenant: everything except billing changes and ownership', 'tenant'),
  ('developer',      'Developer',      'Builds: projects, environments, API keys, integrations, analytics, AI', 'tenant'),
  ('viewer',         'Viewer',         'Reads projects, dashboards, tasks and members', 'tenant'),
  ('billing_admin',  'Billing Admin',  'Manages plans, invoices and payment methods', 'tenant'),
  ('project_owner',  'Project Owner',  'Everything on one project, including who works on it', 'project'),
  ('project_editor', 'Project Editor', 'Edits one project''s content', 'project'),
  ('project_viewer', 'Project Viewer', 'Reads one project', 'project');

insert into public.role_permissions (role_id, permission_code)
select r.id, p.code
from public.roles r
join public.permissions p on case r.key
  when 'admin' then p.code <> 'billing.manage'
  when 'developer' then p.code in (
    'members.read', 'projects.read', 'projects.create', 'projects.update', 'environments.manage',
    'api_keys.read', 'api_keys.manage', 'integrations.read', 'integrations.manage', 'webhooks.manage',
    'secrets.read', 'secrets.manage', 'dashboards.read', 'dashboards.manage', 'data_sources.manage',
    'queries.manage', 'alerts.manage', 'ai.use', 'documents.manage', 'tickets.read', 'tickets.manage',
    'workflows.manage', 'tasks.read', 'tasks.manage', 'usage.read', 'usage.record')
  when 'viewer' then p.code in (
    'members.read', 'projects.read', 'dashboards.read', 'tasks.read', 'tickets.read', 'usage.read')
  when 'billing_admin' then p.code in (
    'members.read', 'projects.read', 'billing.read', 'billing.manage', 'usage.read')
  when 'project_owner' then p.project_scoped
  when 'project_editor' then p.code in (
    'projects.read', 'projects.update', 'api_keys.read', 'dashboards.read', 'dashboards.manage',
    'queries.manage', 'ai.use', 'documents.manage', 'tasks.read', 'tasks.manage', 'integrations.read')
  when 'project_viewer' then p.code in ('projects.read', 'dashboards.read', 'tasks.read')
  else false
end
where r.tenant_id is null;

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create or replace function private.check_tenant_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status then
    if not ((old.status, new.status) in (('pending', 'active'), ('pending', 'archived'), ('active', 'suspended'),
                                         ('suspended', 'active'), ('active', 'archived'), ('suspended', 'archived'))) then
      raise exception 'a tenant cannot go from % to %', old.status, new.status using errcode = 'TN060';
    end if;
    case new.status
      when 'active' then
        new.approved_at := coalesce(old.approved_at, now());
        new.approved_by := coalesce(old.approved_by, auth.uid());
        new.suspended_at := null;
      when 'suspended' then new.suspended_at := now();
      when 'archived' then new.archived_at := now();
      else null;
    end case;
  end if;
  if new.require_mfa is distinct from old.require_mfa and not private.is_privileged_context() then
    if not private.user_has_permission('tenant.security.manage', new.id) then
      raise exception 'changing the MFA requirement needs tenant.security.manage' using errcode = 'TN002';
    end if;
    if new.require_mfa and coalesce(auth.jwt() ->> 'aal', 'aal1') <> 'aal2' then
      raise exception 'turn on the MFA requirement from a session that used MFA (aal2)' using errcode = 'TN004';
    end if;
  end if;
  return new;
end
$$;

comment on function private.check_tenant_update() is
  'BEFORE UPDATE trigger on tenants: legal status transitions (TN060) with their timestamps; '
  'require_mfa needs tenant.security.manage and, to switch on, an aal2 session.';

-- The constraint failures a page can trip with a plain write are raised as stable TN codes, so
-- the app's one error catalogue never branches on a constraint's name; the constraints stay as
-- the backstop for races, which the catalogue words by SQLSTATE.
--
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

-- The last active owner of a live tenant cannot be demoted, suspended or removed, whoever asks
-- (an RPC, service_role, a cascade from deleting the user). Locking the tenant row serialises
-- concurrent ownership changes, so two owners cannot demote each other at once.
create or replace function private.protect_last_owner()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_status public.tenant_status;
begin
  if not (old.is_owner and old.status = 'active') then
    return coalesce(new, old);
  end if;
  if tg_op = 'UPDATE' and new.is_owner and new.status = 'active' then
    return new;
  end if;
  select t.status into v_status from public.tenants t where t.id = old.tenant_id for update;
  if v_status is not null and v_status <> 'archived' and not exists (
    select 1 from public.memberships m
    where m.tenant_id = old.tenant_id and m.user_id <> old.user_id and m.is_owner and m.status = 'active') then
    raise exception 'the last owner of a tenant cannot be removed or demoted'
      using errcode = 'TN031', hint = 'Transfer ownership or make another member an owner first.';
  end if;
  return coalesce(new, old);
end
$$;

comment on function private.protect_last_owner() is
  'BEFORE UPDATE/DELETE trigger on memberships (TN031). Security definer to lock the tenant row.';

-- A role referenced from a tenant's row is a system role or that tenant's own custom role, of
-- the right scope. System roles have no tenant, so a composite foreign key cannot say this.
create or replace function private.check_role_reference()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_role public.roles;
  v_project_id uuid := case when tg_table_name in ('role_assignments', 'invitations') then (to_jsonb(new) ->> 'project_id')::uuid end;
begin
  if new.role_id is null then
    return new;
  end if;
  select * into v_role from public.roles r where r.id = new.role_id;
  if not found then
    return new; -- the foreign key reports it
  end if;
  if v_role.tenant_id is not null and v_role.tenant_id is distinct from new.tenant_id then
    raise exception 'role % belongs to another tenant', new.role_id using errcode = 'TN035';
  end if;
  if tg_table_name = 'role_permissions' then
    if v_role.tenant_id is distinct from new.tenant_id then
      raise exception 'role_permissions.tenant_id must be the role''s tenant' using errcode = 'TN035';
    end if;
    if v_role.scope = 'project' and not exists (
      select 1 from public.permissions p where p.code = new.permission_code and p.project_scoped) then
      raise exception 'permission % cannot be granted by a project role', new.permission_code using errcode = 'TN035';
    end if;
    return new;
  end if;
  if (v_role.scope = 'project') <> (v_project_id is not null) then
    raise exception 'a % role cannot be assigned %', v_role.scope,
      case when v_project_id is null then 'tenant-wide' else 'on a project' end using errcode = 'TN035';
  end if;
  if tg_table_name = 'role_assignments' and v_role.key = 'owner' and v_role.tenant_id is null then
    raise exception 'ownership is not a role assignment; use change_member_role or transfer_ownership'
      using errcode = 'TN036';
  end if;
  return new;
end
$$;

comment on function private.check_role_reference() is
  'BEFORE INSERT/UPDATE trigger: the referenced role is a system role or this tenant''s, of the right scope (TN035); '
  'owner is never assigned (TN036). Security definer to see every role regardless of RLS.';

-- BEFORE trigger on roles (update, delete) and role_permissions (insert, delete), for people:
-- the role as it was must be within the editor's permissions; what is added must be too, which
-- the insert policy on role_permissions already demands. Runs as the caller, so a cascade from a
-- deleted role (run as the table owner) and system jobs are not checked twice.
create or replace function private.guard_role_edit()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.is_privileged_context() or private.is_service_role() then
    null;
  elsif tg_table_name = 'roles' then
    perform private.assert_can_edit_role(old.id);
  elsif tg_op = 'DELETE' then
    perform private.assert_can_edit_role(old.role_id);
  else
    perform private.assert_can_edit_role(new.role_id);
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end
$$;

comment on function private.guard_role_edit() is
  'BEFORE trigger: a person edits a role only when they hold all it grants and no holder outranks them (TN030, TN034).';

create or replace function private.role_grants_something()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_role_id uuid;
begin
  if tg_table_name = 'roles' then
    v_role_id := new.id;
  else
    v_role_id := old.role_id;
  end if;
  -- A role deleted in the same transaction (its permissions go by cascade) needs nothing.
  if exists (select 1 from public.roles r where r.id = v_role_id and r.tenant_id is not null)
     and not exists (select 1 from public.role_permissions rp where rp.role_id = v_role_id) then
    raise exception 'role % grants no permission', v_role_id using errcode = 'TN039';
  end if;
  return null;
end
$$;

comment on function private.role_grants_something() is
  'Deferred constraint trigger on roles and role_permissions: a custom role keeps at least one permission (TN039).';

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

create trigger tenants_set_updated_at before update on public.tenants
  for each row execute function private.set_updated_at();
create trigger tenants_immutable_columns before update on public.tenants
  for each row execute function private.forbid_column_changes('id', 'created_by', 'created_at');
create trigger tenants_rpc_only_columns before update on public.tenants
  for each row execute function private.restrict_column_changes_to_rpc(
    'status', 'status_reason', 'approved_at', 'approved_by', 'suspended_at', 'archived_at');

create trigger tenants_check_update before update on public.tenants
  for each row execute function private.check_tenant_update();
create trigger tenants_check_values
  before update of slug, name, timezone, data_region, branding on public.tenants
  for each row execute function private.check_tenant_values();

create trigger memberships_set_updated_at before update on public.memberships
  for each row execute function private.set_updated_at();
create trigger memberships_immutable_columns before update on public.memberships
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'user_id', 'invited_by', 'created_at');
create trigger memberships_rpc_only_columns before update on public.memberships
  for each row execute function private.restrict_column_changes_to_rpc('is_owner', 'status');

create trigger memberships_protect_last_owner before update or delete on public.memberships
  for each row execute function private.protect_last_owner();

create trigger roles_set_updated_at before update on public.roles
  for each row execute function private.set_updated_at();
create trigger roles_immutable_columns before update on public.roles
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'key', 'scope', 'created_by', 'created_at');
create trigger roles_name_free before insert or update of name on public.roles
  for each row execute function private.check_name_free();

create trigger role_permissions_immutable_columns before update on public.role_permissions
  for each row execute function private.forbid_column_changes('role_id', 'permission_code', 'tenant_id', 'created_at');
create trigger role_permissions_check_role before insert or update on public.role_permissions
  for each row execute function private.check_role_reference();
create trigger role_permissions_known before insert or update of permission_code
  on public.role_permissions
  for each row execute function private.check_permission_known();
create trigger role_assignments_check_role before insert or update on public.role_assignments
  for each row execute function private.check_role_reference();
create trigger role_assignments_immutable_columns before update on public.role_assignments
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'user_id', 'created_by', 'created_at');

create trigger roles_guard_edit before update or delete on public.roles
  for each row execute function private.guard_role_edit();
create trigger role_permissions_guard_edit before insert or delete on public.role_permissions
  for each row execute function private.guard_role_edit();

create constraint trigger roles_grant_something after insert on public.roles
  deferrable initially deferred for each row execute function private.role_grants_something();
create constraint trigger role_permissions_keep_one after delete on public.role_permissions
  deferrable initially deferred for each row execute function private.role_grants_something();

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- THE entry point for "the caller's (tenant, permission) grants": every policy, RPC and older
-- helper name asks here. Grants from another kind of principal (API keys, whose claims name the
-- key) are to be unioned into these arrays here, as a second branch beside the memberships join,
-- so that nothing that asks needs to change.
create or replace function private.permitted_tenant_ids_of_person(p_code text default null, p_billing_suspended boolean default false)
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

comment on function private.permitted_tenant_ids_of_person(text, boolean) is
  'The person''s side of permitted_tenant_ids: tenants where the caller (auth.uid()) is an active member and holds p_code tenant-wide '
  '(owners hold every catalog code); p_code null: membership alone. Active tenants only, plus tenants billing '
  'suspended when p_billing_suspended. Security definer: reads memberships and roles the caller may not see. '
  'Policies: private.tenant_in(tenant_id, (select private.permitted_tenant_ids(''x.y''))).';

create or replace function private.permitted_tenant_ids(p_code text default null, p_billing_suspended boolean default false)
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  return private.permitted_tenant_ids_of_person(p_code, p_billing_suspended);
end
$$;

comment on function private.permitted_tenant_ids(text, boolean) is
  'THE permission join every policy and RPC asks: the caller''s tenants holding p_code (null: membership alone). '
  'A person''s come from permitted_tenant_ids_of_person; other principals (API keys, 20261201000000_api_keys.sql) '
  'replace this body to answer first, in place, so the policies that hold it by oid follow. '
  'Policies: private.tenant_in(tenant_id, (select private.permitted_tenant_ids(''x.y''))).';

-- The comparison every tenant-scoped policy makes. It inlines (plain SQL, immutable) into
-- `coalesce(tenant_id = any ($initplan), false)`: the array is the statement's one call of the
-- join above, and the coalesce keeps the comparison a filter, which the planner neither turns into
-- an index condition nor estimates as `= any`, so an explicit `tenant_id = $1` alone sets the
-- row estimate and pages keep the (tenant_id, created_at) index order. A small array compared in
-- place costs less per row than the hashed sub-plan of `in (select …)`, and as a cheap filter it
-- runs after the query's own leakproof conditions (bench/rls.ts).
create or replace function private.tenant_in(p_tenant_id uuid, p_tenant_ids uuid[])
returns boolean
language sql
immutable
parallel safe
as $$
  select coalesce(p_tenant_id = any (p_tenant_ids), false)
$$;

comment on function private.tenant_in(uuid, uuid[]) is
  'Is the tenant one of the set (false for a null tenant or set)? The comparison of tenant-scoped policies: '
  'private.tenant_in(tenant_id, (select private.permitted_tenant_ids(''x.y''))). Inlines; reads nothing.';

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
  'The point form of permitted_tenant_ids; plain SQL so it inlines. Policies use tenant_in over permitted_tenant_ids.';

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
  'Active tenants where the caller is an active member, as a set (permitted_tenant_ids() unnested) for RPCs and helpers. '
  'Policies: private.tenant_in(tenant_id, (select private.permitted_tenant_ids())).';

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

comment on function private.user_membership_tenant_ids() is
  'Tenants of any status where the caller is an active member: what the tenants table shows them.';

create or replace function private.is_tenant_owner(p_tenant_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.memberships m
    where m.tenant_id = p_tenant_id and m.user_id = (select auth.uid()) and m.is_owner and m.status = 'active')
$$;

comment on function private.is_tenant_owner(uuid) is 'Is the caller an active owner of the tenant (of any status)?';

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
  'Active tenants where the caller holds p_code tenant-wide (the set form of holds_permission), for RPCs and checks. '
  'Policies: private.tenant_in(tenant_id, (select private.permitted_tenant_ids(''x.y''))).';

create or replace function private.user_permissions(p_tenant_id uuid)
returns setof text
language sql
stable
set search_path = ''
as $$
  select p.code from public.permissions p where private.holds_permission(p.code, p_tenant_id)
$$;

comment on function private.user_permissions(uuid) is 'The caller''s tenant-wide permission codes in an active tenant.';

-- Not granted to any API role: it names a user, so exposing it would be an oracle.
create or replace function private.member_permissions(p_tenant_id uuid, p_user_id uuid)
returns setof text
language sql
stable
security definer
set search_path = ''
as $$
  select p.code
  from public.memberships m
  join public.permissions p on m.is_owner or exists (
    select 1 from public.role_assignments ra
    join public.role_permissions rp on rp.role_id = ra.role_id
    where ra.tenant_id = m.tenant_id and ra.user_id = m.user_id and rp.permission_code = p.code)
  where m.tenant_id = p_tenant_id and m.user_id = p_user_id
$$;

comment on function private.member_permissions(uuid, uuid) is
  'Every permission a member holds, tenant-wide or on any project. For the RPCs only (TN034 checks); never granted.';

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

comment on function private.mfa_blocked_tenant_ids() is
  'Tenants of the caller that require MFA while the session is not aal2; restrictive policies refuse their rows.';

create or replace function private.co_member_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select distinct m.user_id from public.memberships m
  where m.tenant_id in (select private.user_tenant_ids())
    and m.tenant_id not in (select private.mfa_blocked_tenant_ids())
$$;

comment on function private.co_member_ids() is
  'Users who share an active tenant with the caller (whose profiles the caller may see), leaving out tenants '
  'that require MFA while the session is aal1.';

create or replace function private.authorize(p_code text, p_tenant_id uuid)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := auth.uid();
begin
  if v_user_id is null then
    raise exception 'sign in first' using errcode = 'TN001';
  end if;
  if p_tenant_id in (select private.mfa_blocked_tenant_ids()) then
    raise exception 'this tenant requires multi-factor authentication' using errcode = 'TN004';
  end if;
  if p_code is not null and not private.user_has_permission(p_code, p_tenant_id) then
    raise exception 'permission % needed', p_code using errcode = 'TN002';
  end if;
  return v_user_id;
end
$$;

comment on function private.authorize(text, uuid) is
  'RPC preamble: returns the caller, or raises TN001 (signed out), TN004 (MFA step-up) or TN002 (permission missing).';

-- The first permission of a role that the caller does not hold tenant-wide (null: none).
create or replace function private.first_permission_not_held(p_role_id uuid, p_tenant_id uuid)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select rp.permission_code from public.role_permissions rp
  where rp.role_id = p_role_id
    and rp.permission_code not in (select private.user_permissions(p_tenant_id))
  order by rp.permission_code
  limit 1
$$;

comment on function private.first_permission_not_held(uuid, uuid) is
  'Escalation check for the RPCs: a permission of the role the caller lacks in the tenant.';

-- A tenant-scoped role usable in this tenant, or TN035.
create or replace function private.tenant_role(p_role_id uuid, p_tenant_id uuid)
returns public.roles
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_role public.roles;
begin
  select * into v_role from public.roles r
  where r.id = p_role_id and (r.tenant_id is null or r.tenant_id = p_tenant_id) and r.scope = 'tenant';
  if not found then
    raise exception 'no tenant role % in this tenant', p_role_id using errcode = 'TN035';
  end if;
  return v_role;
end
$$;

comment on function private.tenant_role(uuid, uuid) is 'Looks up a tenant-scoped system or custom role of the tenant (TN035).';

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

create or replace function private.require_status_reason(p_reason text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_reason is null or char_length(btrim(p_reason)) not between 1 and 500 then
    raise exception 'give a reason of 1 to 500 characters' using errcode = 'TN131';
  end if;
  return btrim(p_reason);
end
$$;

comment on function private.require_status_reason(text) is
  'The trimmed reason for a suspension or reactivation; TN131 when it is missing or longer than 500 characters.';

create or replace function private.assert_can_edit_role(p_role_id uuid)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_role public.roles;
  v_lacking text;
begin
  select * into v_role from public.roles r where r.id = p_role_id;
  -- System roles are read-only by policy; a role managed elsewhere is RLS's to refuse.
  if not found or v_role.tenant_id is null
     or v_role.tenant_id not in (select private.tenants_with_permission('roles.manage'))
     or private.is_tenant_owner(v_role.tenant_id) then
    return;
  end if;
  select rp.permission_code into v_lacking from public.role_permissions rp
  where rp.role_id = p_role_id and rp.permission_code not in (select private.user_permissions(v_role.tenant_id))
  order by rp.permission_code
  limit 1;
  if v_lacking is not null then
    raise exception 'role % grants %, which you do not hold', v_role.key, v_lacking using errcode = 'TN030';
  end if;
  -- One set-based pass over the role's other holders and everything they hold.
  with holders as (
    select ra.tenant_id, ra.user_id from public.role_assignments ra
    where ra.role_id = p_role_id and ra.user_id <> (select auth.uid()))
  select coalesce(
    (select 'ownership' from holders h
     join public.memberships m on m.tenant_id = h.tenant_id and m.user_id = h.user_id
     where m.is_owner limit 1),
    (select rp.permission_code from holders h
     join public.role_assignments other on other.tenant_id = h.tenant_id and other.user_id = h.user_id
     join public.role_permissions rp on rp.role_id = other.role_id
     where rp.permission_code not in (select private.user_permissions(v_role.tenant_id))
     limit 1))
  into v_lacking;
  if v_lacking is not null then
    raise exception 'a member holding role % holds %, which you do not', v_role.key, v_lacking using errcode = 'TN034';
  end if;
end
$$;

comment on function private.assert_can_edit_role(uuid) is
  'Raises TN030 when the caller lacks a permission of the custom role, TN034 when a holder of it outranks them '
  '(owners exempt). Security definer: reads holders'' permissions, which the caller may not see.';

grant execute on function
  private.is_valid_timezone(text),
  private.is_valid_branding(jsonb),
  private.user_tenant_ids(),
  private.user_membership_tenant_ids(),
  private.is_tenant_owner(uuid),
  private.user_has_permission(text, uuid),
  private.tenants_with_permission(text),
  private.user_permissions(uuid),
  private.mfa_blocked_tenant_ids(),
  private.co_member_ids()
to authenticated, service_role;

revoke all on function private.permitted_tenant_ids(text, boolean), private.permitted_tenant_ids_of_person(text, boolean), private.holds_permission(text, uuid, boolean),
  private.tenant_in(uuid, uuid[])
  from public, anon;
grant execute on function private.permitted_tenant_ids(text, boolean), private.permitted_tenant_ids_of_person(text, boolean), private.holds_permission(text, uuid, boolean),
  private.tenant_in(uuid, uuid[])
  to authenticated, service_role;

grant execute on function private.assert_can_edit_role(uuid) to authenticated;

revoke all on function private.role_grants_something() from public;
revoke all on function private.check_tenant_values(), private.check_name_free(), private.check_permission_known()
  from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.tenants, public.memberships, public.permissions, public.roles,
  public.role_permissions, public.role_assignments from anon, authenticated, service_role;

grant select on public.tenants to authenticated, service_role;
grant update (name, slug, timezone, data_region, branding, require_mfa) on public.tenants to authenticated, service_role;
grant select on public.memberships, public.role_assignments to authenticated, service_role;
grant select on public.permissions to authenticated, service_role;
grant select, delete on public.roles, public.role_permissions to authenticated, service_role;
grant insert (tenant_id, key, name, description, scope) on public.roles to authenticated, service_role;
grant update (name, description) on public.roles to authenticated, service_role;
grant insert (role_id, permission_code, tenant_id) on public.role_permissions to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy tenants_select_member on public.tenants
  for select to authenticated
  using (id in (select private.user_membership_tenant_ids()));
create policy tenants_select_staff on public.tenants
  for select to authenticated
  using ((select private.is_platform_staff()));
create policy tenants_update_permitted on public.tenants
  for update to authenticated
  using (private.tenant_in(id, (select private.permitted_tenant_ids('tenant.update'))))
  with check (private.tenant_in(id, (select private.permitted_tenant_ids('tenant.update'))));
create policy tenants_update_mfa on public.tenants
  as restrictive for update to authenticated
  using (id not in (select private.mfa_blocked_tenant_ids()));

create policy memberships_select_member on public.memberships
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids())));
create policy memberships_select_self on public.memberships
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy memberships_select_staff on public.memberships
  for select to authenticated
  using ((select private.is_platform_staff()));
create policy memberships_select_mfa on public.memberships
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy permissions_select_authenticated on public.permissions
  for select to authenticated
  using (true);

create policy roles_select_system on public.roles
  for select to authenticated
  using (tenant_id is null);
create policy roles_select_member on public.roles
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids())));
create policy roles_select_staff on public.roles
  for select to authenticated
  using ((select private.is_platform_staff('support')));
create policy roles_insert_permitted on public.roles
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('roles.manage'))));
create policy roles_update_permitted on public.roles
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('roles.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('roles.manage'))));
create policy roles_delete_permitted on public.roles
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('roles.manage'))));
create policy roles_select_mfa on public.roles
  as restrictive for select to authenticated
  using (tenant_id is null or tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy roles_insert_mfa on public.roles
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy roles_update_mfa on public.roles
  as restrictive for update to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy roles_delete_mfa on public.roles
  as restrictive for delete to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy role_permissions_select_system on public.role_permissions
  for select to authenticated
  using (tenant_id is null);
create policy role_permissions_select_member on public.role_permissions
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids())));
create policy role_permissions_select_staff on public.role_permissions
  for select to authenticated
  using ((select private.is_platform_staff('support')));

-- Nobody grants what they do not hold: the code itself must be one of the caller's permissions.
create policy role_permissions_insert_permitted on public.role_permissions
  for insert to authenticated
  with check (
    private.tenant_in(tenant_id, (select private.permitted_tenant_ids('roles.manage')))
    and permission_code in (select private.user_permissions(tenant_id)));
create policy role_permissions_delete_permitted on public.role_permissions
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('roles.manage'))));
create policy role_permissions_select_mfa on public.role_permissions
  as restrictive for select to authenticated
  using (tenant_id is null or tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy role_permissions_insert_mfa on public.role_permissions
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy role_permissions_delete_mfa on public.role_permissions
  as restrictive for delete to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy role_assignments_select_member on public.role_assignments
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids())));
create policy role_assignments_select_self on public.role_assignments
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy role_assignments_select_staff on public.role_assignments
  for select to authenticated
  using ((select private.is_platform_staff('support')));
create policy role_assignments_select_mfa on public.role_assignments
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- People who share an active tenant see each other's profiles.
create policy profiles_select_member on public.profiles
  for select to authenticated
  using (id in (select private.co_member_ids()));
create policy profiles_select_staff on public.profiles
  for select to authenticated
  using ((select private.is_platform_staff()));

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

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
        when 'tenants_slug_reserved' then 'TN015'
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
  'TN010 slug format, TN015 reserved slug, TN011 slug taken, TN012 timezone, TN013 name, TN014 data region.';

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
  perform private.set_tenant_status(p_tenant_id, 'suspended', private.require_status_reason(p_reason), 'tenant.suspend');
end
$$;

comment on function public.suspend_tenant(uuid, text) is
  'active → suspended (members lose access) with a reason (TN131). super_admin or billing_admin (TN061).';

create function public.reactivate_tenant(p_tenant_id uuid, p_reason text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.require_staff('billing_admin');
  perform private.set_tenant_status(p_tenant_id, 'active', private.require_status_reason(p_reason), 'tenant.reactivate');
end
$$;

comment on function public.reactivate_tenant(uuid, text) is
  'suspended → active with a reason (TN131). super_admin or billing_admin (TN061).';

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

-- Questions the app asks instead of copying the rule into TypeScript.
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

grant execute on function public.reactivate_tenant(uuid, text) to authenticated, service_role;

grant execute on function
  public.approve_tenant(uuid),
  public.suspend_tenant(uuid, text),
  public.archive_tenant(uuid, text)
to service_role;

grant execute on function
  public.create_tenant(text, text, text, text),
  public.approve_tenant(uuid),
  public.suspend_tenant(uuid, text),
  public.archive_tenant(uuid, text),
  public.my_permissions(uuid)
to authenticated;
