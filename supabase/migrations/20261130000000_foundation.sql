-- Foundation: what every module stands on. The `private` schema for helpers that policies,
-- triggers and RPCs call; deny-by-default privileges for everything the later modules create;
-- the trigger guards every tenant module reuses; and the request context (who is calling, from
-- where) that audit rows and RPCs read.
--
-- Owns: schema private; default privileges; private.set_updated_at, forbid_column_changes,
-- restrict_column_changes_to_rpc, is_service_role, is_operator, is_privileged_context,
-- request_claims, request_ip, request_user_agent, try_uuid.
--
-- PostgREST exposes `public` only; helpers live in `private` so nobody calls them over HTTP.
-- Supabase grants anon and authenticated everything on new objects in `public` by default;
-- Tenantry revokes that, so each table and function grants exactly what it means to allow.
-- Nothing here is a table. The guards exist because a policy can allow an UPDATE but cannot say
-- "not of this column"; column grants cover authenticated, the guards cover every role.

-- ---------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------

create schema if not exists private;

-- The global default (execute for PUBLIC) can only be revoked globally, not per schema.
alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke all on functions from anon, authenticated;
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;

-- Supabase's default privileges give service_role ALL on new tables in public, TRUNCATE included.
-- TRUNCATE skips row triggers and RLS, so no API role gets it, now or for tables added later.
alter default privileges in schema public revoke truncate on tables from anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

comment on schema private is
  'Helpers used by RLS policies, triggers and RPCs; not exposed through PostgREST.';

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create or replace function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

comment on function private.set_updated_at() is
  'BEFORE UPDATE trigger: stamps updated_at.';

-- BEFORE UPDATE trigger: the columns named in the arguments never change, for any role.
create or replace function private.forbid_column_changes()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_old jsonb := to_jsonb(old);
  v_new jsonb := to_jsonb(new);
  v_column text;
begin
  foreach v_column in array tg_argv loop
    if v_old -> v_column is distinct from v_new -> v_column then
      raise exception 'column %.% cannot be changed', tg_table_name, v_column
        using errcode = 'TN040', hint = 'Create a new row instead of moving or re-attributing this one.';
    end if;
  end loop;
  return new;
end
$$;

comment on function private.forbid_column_changes() is
  'BEFORE UPDATE trigger: the columns named in the trigger arguments (tenant_id, created_by, …) are immutable for every role (TN040).';

-- BEFORE UPDATE trigger: the columns named in the arguments change only through the RPCs.
-- (Inserting such rows is not granted to any API role; the RPCs insert them.)
create or replace function private.restrict_column_changes_to_rpc()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_old jsonb := to_jsonb(old);
  v_new jsonb := to_jsonb(new);
  v_column text;
begin
  if private.is_privileged_context() then
    return new;
  end if;
  foreach v_column in array tg_argv loop
    if v_old -> v_column is distinct from v_new -> v_column then
      raise exception 'column %.% changes only through its RPC', tg_table_name, v_column
        using errcode = 'TN041';
    end if;
  end loop;
  return new;
end
$$;

comment on function private.restrict_column_changes_to_rpc() is
  'BEFORE UPDATE trigger: the columns named in the trigger arguments change only inside the security '
  'definer RPCs and triggers, for every other role including service_role (TN041).';

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- True inside a security definer RPC or trigger (current_user is the schema owner, the role that
-- owns every table) and for superusers; false for anon, authenticated and service_role.
create or replace function private.is_privileged_context()
returns boolean
language sql
stable
set search_path = ''
as $$
  select current_user = (select pg_catalog.pg_get_userbyid(n.nspowner) from pg_catalog.pg_namespace n where n.nspname = 'private')
      or coalesce((select r.rolsuper from pg_catalog.pg_roles r where r.rolname = current_user), false)
$$;

comment on function private.is_privileged_context() is
  'True when running as the schema owner (inside a security definer RPC or trigger) or as a superuser. '
  'Guards use it so that protected columns change only through the RPCs.';

-- The request as PostgREST (and src/lib/server/platform/rls.ts) describes it.
create or replace function private.request_claims()
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  return coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb);
exception when others then
  return '{}'::jsonb;
end
$$;

comment on function private.request_claims() is 'The JWT claims of the current request, {} when absent or malformed.';

create or replace function private.try_uuid(p_text text)
returns uuid
language plpgsql
immutable
set search_path = ''
as $$
begin
  return p_text::uuid;
exception when others then
  return null;
end
$$;

comment on function private.try_uuid(text) is 'Casts to uuid, null instead of an error.';

create or replace function private.request_ip()
returns inet
language plpgsql
stable
set search_path = ''
as $$
declare
  v_app text := nullif(btrim(current_setting('tenantry.client_ip', true)), '');
  v_forwarded text[];
begin
  if v_app is not null then
    return v_app::inet;
  end if;
  -- Behind PostgREST: the proxy in front of it appends the address it saw to X-Forwarded-For.
  -- Everything left of that hop was written by the client, so only the right-most entry counts.
  v_forwarded := string_to_array(nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-forwarded-for', ',');
  return nullif(btrim(v_forwarded[cardinality(v_forwarded)]), '')::inet;
exception when others then
  return null;
end
$$;

comment on function private.request_ip() is
  'Client IP: tenantry.client_ip (the app''s, computed from TRUSTED_PROXIES), else the right-most '
  'X-Forwarded-For hop of request.headers (PostgREST); null when absent or not an address.';

create or replace function private.request_user_agent()
returns text
language plpgsql
stable
set search_path = ''
as $$
begin
  return left(nullif(current_setting('request.headers', true), '')::jsonb ->> 'user-agent', 512);
exception when others then
  return null;
end
$$;

comment on function private.request_user_agent() is 'User agent from request.headers, at most 512 characters.';

-- True for a system job: the role is service_role (set by `set local role`, which a client
-- cannot do without being granted the role; claims alone are not trusted for this).
create or replace function private.is_service_role()
returns boolean
language sql
stable
set search_path = ''
as $$
  select current_setting('role', true) = 'service_role'
$$;

comment on function private.is_service_role() is
  'True when the transaction runs as service_role (a named system job).';

-- Trigger functions need no grant (EXECUTE is checked when the trigger is created); these are
-- called from triggers and policies running as the caller.
-- True for an operator at a direct connection: no role switch happened and the session user
-- bypasses RLS anyway (a superuser, or the schema owner running migrations or psql). Usable inside
-- security definer functions, which change current_user but not the role setting.
create or replace function private.is_operator()
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce(nullif(current_setting('role', true), ''), 'none') = 'none'
     and coalesce((select r.rolsuper or r.rolbypassrls from pg_catalog.pg_roles r where r.rolname = session_user), false)
$$;

comment on function private.is_operator() is
  'True at a direct connection of a superuser or the schema owner (no SET ROLE): operators may run staff RPCs and verify chains.';

grant execute on function
  private.is_privileged_context(),
  private.request_claims(),
  private.try_uuid(text),
  private.request_ip(),
  private.request_user_agent(),
  private.is_service_role(),
  private.is_operator()
to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on schema private from public;
grant usage on schema private to anon, authenticated, service_role;
