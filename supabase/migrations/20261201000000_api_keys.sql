-- API keys: a tenant's programmatic principals (docs/api-keys.md, decision 0008).
--
-- A key is `tnt_live_` / `tnt_test_` + 32 random base62 characters + a 6-character base62 CRC32
-- of everything before it (src/lib/server/api-keys/format.ts makes them; a secret scanner checks
-- the CRC offline). Only HMAC-SHA256(secret, key) is stored, with the key's prefix (`tnt_live_` +
-- the first 8 body characters, the lookup handle) and its last four characters for display. The
-- secret lives in private.api_key_secret (random at migration, replaced at start-up by the app's
-- API_KEY_SECRET), so SQL can verify a key itself: the PostgREST pre-request does.
--
-- How a key's rights reach SQL: the request's transaction runs as `authenticated` with claims
-- {"role": "authenticated", "api_key_id": …} and no `sub`. private.api_key_grants() reads the key
-- named there, on every statement, and yields its grants only while the key is unrevoked,
-- unexpired and its tenant active, so a revocation is effective on the next statement whatever
-- the app caches. The permission helpers answer for a key through it (hooked in below):
--   permitted_tenant_ids(code)        the key's tenant, for a tenant-wide key holding `code`;
--                                     membership alone (code null) = the key holds members.read
--   project_ids_with_permission(code) the key's project, for a project or environment key
--   user_membership_tenant_ids()      the key's tenant (it may read its own tenant row)
--   authorize(code, tenant)           passes a key holding `code` (returns null: no person);
--                                     refuses person-only actions (code null) with TN212
-- An environment key is further kept to its environment by restrictive policies on environments.
--
-- Owns: types api_key_mode, api_key_scope; tables api_keys, private.api_key_secret,
-- private.api_key_windows (the per-key rate-limit counter); private.api_key_hash, api_key_grants,
-- api_key_tenant_ids, request_api_key_id, assert_api_key_active, api_key_grantable, api_key_hit,
-- api_key_by_prefix, api_key_claims, install_api_key_secret, api_key_hmac_secret; the RPCs
-- create_api_key, revoke_api_key, rotate_api_key, api_key_grantable_permissions; and the PostgREST
-- pre-request public.tenantry_pre_request(). TN200–TN219.
--
-- Rules: creating, rotating and revoking need api_keys.manage (tenant-wide, or on the key's project
-- for a project key) and a person (a key never mints keys). A key's permissions come from the
-- catalogue, are never more than its creator holds in the key's scope (TN204), never person-only
-- ones (TN205), and only project-scoped codes on a project or environment key (TN206). Rotating
-- issues a new key with the same rights and keeps the old one working for an overlap window
-- (0–7 days), so the rotator must hold every permission of the key. A key outlives its creator's
-- removal and demotion: it is the tenant's (decision 0008).

-- ---------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------

create type public.api_key_mode as enum ('live', 'test');
create type public.api_key_scope as enum ('tenant', 'project', 'environment');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

-- An environment key names its project too, and the pair must match.
alter table public.environments
  add constraint environments_tenant_project_id_key unique (tenant_id, project_id, id);

create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 80),
  mode public.api_key_mode not null,
  project_id uuid,
  environment_id uuid,
  scope public.api_key_scope not null,
  permissions text[] not null check (cardinality(permissions) between 1 and 100),
  prefix text not null unique check (prefix ~ '^tnt_(live|test)_[0-9A-Za-z]{8}$'),
  last_four text not null check (last_four ~ '^[0-9A-Za-z]{4}$'),
  key_hash bytea not null unique check (octet_length(key_hash) = 32),
  rate_limit_per_minute integer not null default 600 check (rate_limit_per_minute between 1 and 100000),
  expires_at timestamptz,
  revoked_at timestamptz,
  revoked_by uuid,
  rotated_from uuid,
  replaced_by uuid,
  last_used_at timestamptz,
  last_used_ip inet,
  created_by uuid not null default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  check (environment_id is null or project_id is not null),
  check (scope = case when environment_id is not null then 'environment'::public.api_key_scope
                      when project_id is not null then 'project'::public.api_key_scope
                      else 'tenant'::public.api_key_scope end),
  foreign key (tenant_id, project_id) references public.projects (tenant_id, id) on delete cascade,
  foreign key (tenant_id, project_id, environment_id)
    references public.environments (tenant_id, project_id, id) on delete cascade,
  foreign key (tenant_id, rotated_from) references public.api_keys (tenant_id, id) on delete set null (rotated_from),
  foreign key (tenant_id, replaced_by) references public.api_keys (tenant_id, id) on delete set null (replaced_by)
);
alter table public.api_keys enable row level security;
comment on table public.api_keys is
  'A tenant''s API keys: a principal with fixed permissions, tenant-wide or on one project or environment. '
  'Only the HMAC of the key is stored (key_hash, never readable by API roles). Written only by the RPCs.';
comment on column public.api_keys.prefix is 'tnt_<mode>_ and the first 8 characters of the body: shown, and the lookup handle.';
comment on column public.api_keys.created_by is 'The person who created (or rotated it into being); no foreign key: the key outlives them (decision 0008).';
comment on column public.api_keys.expires_at is 'Null: never. Rotation sets the old key''s to the end of the overlap window.';
comment on column public.api_keys.last_used_at is 'Updated at most once a minute per key (private.api_key_hit), not on every request.';
create index api_keys_tenant_created_idx on public.api_keys (tenant_id, created_at);
create index api_keys_project_idx on public.api_keys (project_id) where project_id is not null;

create table private.api_key_secret (
  singleton boolean primary key default true check (singleton),
  secret bytea not null check (octet_length(secret) >= 32),
  installed_at timestamptz not null default now()
);
alter table private.api_key_secret enable row level security;
comment on table private.api_key_secret is
  'The HMAC key of api_keys.key_hash. Random at migration; the app installs API_KEY_SECRET at start-up. '
  'No API role reads it; definer functions do.';
insert into private.api_key_secret (secret) values (extensions.gen_random_bytes(32));

create table private.api_key_windows (
  api_key_id uuid primary key references public.api_keys (id) on delete cascade,
  window_start timestamptz not null,
  hits integer not null
);
alter table private.api_key_windows enable row level security;
comment on table private.api_key_windows is
  'Each key''s fixed one-minute rate-limit window: one row per key, counted by an atomic upsert, so every '
  'app process (and PostgREST) shares the count.';

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger api_keys_updated_at before update on public.api_keys
  for each row execute function private.set_updated_at();
create trigger api_keys_immutable_columns before update on public.api_keys
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'name', 'mode', 'scope', 'project_id', 'environment_id', 'permissions', 'prefix', 'last_four',
    'key_hash', 'rate_limit_per_minute', 'rotated_from', 'created_by', 'created_at');

select private.enable_audit('public.api_keys', 'tenant_id', '{id}', '{key_hash,last_used_at,last_used_ip}');

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

create or replace function private.request_api_key_id()
returns uuid
language sql
stable
set search_path = ''
as $$
  select private.try_uuid(private.request_claims() ->> 'api_key_id')
$$;

comment on function private.request_api_key_id() is 'The API key the request''s claims name, null for a person or anon.';

create or replace function private.api_key_hash(p_key text)
returns bytea
language sql
stable
security definer
set search_path = ''
as $$
  select extensions.hmac(convert_to(p_key, 'UTF8'), s.secret, 'sha256') from private.api_key_secret s
$$;

comment on function private.api_key_hash(text) is
  'HMAC-SHA256 of a key under the installed secret. Security definer: reads private.api_key_secret. Never granted.';

create or replace function private.api_key_grants(
  out api_key_id uuid, out tenant_id uuid, out project_id uuid, out environment_id uuid, out permissions text[])
returns setof record
language plpgsql
stable
security definer
set search_path = ''
rows 1
as $$
begin
  return query
  select k.id, k.tenant_id, k.project_id, k.environment_id, k.permissions
  from public.api_keys k
  join public.tenants t on t.id = k.tenant_id
  where k.id = private.request_api_key_id()
    and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())
    and t.status = 'active';
end
$$;

comment on function private.api_key_grants() is
  'The grants of the request''s API key while it is usable (unrevoked, unexpired, tenant active); no row otherwise. '
  'Asked on every statement, so nothing cached outlives a revocation. Security definer: keys are hidden from most.';

create or replace function private.api_key_tenant_ids(p_code text)
returns uuid[]
language sql
stable
set search_path = ''
as $$
  select array(
    select g.tenant_id from private.api_key_grants() g
    where g.project_id is null and coalesce(p_code, 'members.read') = any (g.permissions))
$$;

comment on function private.api_key_tenant_ids(text) is
  'permitted_tenant_ids for an API key: its tenant when it is tenant-wide and holds p_code (membership alone: members.read).';

create or replace function private.assert_api_key_active()
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_key record;
begin
  select k.revoked_at, k.expires_at, t.status into v_key
  from public.api_keys k join public.tenants t on t.id = k.tenant_id
  where k.id = private.request_api_key_id();
  if not found then
    raise exception 'unknown API key' using errcode = 'TN200';
  elsif v_key.revoked_at is not null then
    raise exception 'this API key has been revoked' using errcode = 'TN201';
  elsif v_key.expires_at is not null and v_key.expires_at <= now() then
    raise exception 'this API key has expired' using errcode = 'TN202';
  elsif v_key.status <> 'active' then
    raise exception 'the organisation of this API key is %', v_key.status using errcode = 'TN203';
  end if;
end
$$;

comment on function private.assert_api_key_active() is
  'The first statement of a key''s request transaction: TN200 unknown, TN201 revoked, TN202 expired, TN203 tenant not active. '
  'Security definer: reads the key whatever its permissions.';

create or replace function private.api_key_grantable(p_code text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_code is not null and p_code not in (
    'api_keys.manage', 'members.invite', 'members.manage', 'roles.manage', 'projects.members.manage',
    'tenant.security.manage', 'billing.manage', 'sso.manage', 'scim.manage')
$$;

comment on function private.api_key_grantable(text) is
  'May an API key hold this code? Not the person-only ones: managing keys, people, roles, security, billing, SSO, SCIM.';

-- One statement per request, outside the request's transaction (a row lock held for a whole
-- request would queue the key's requests behind each other).
create or replace function private.api_key_hit(p_key_id uuid, p_ip inet,
  out hits integer, out limit_per_minute integer, out reset_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_window timestamptz := date_trunc('minute', clock_timestamp());
begin
  select k.rate_limit_per_minute into limit_per_minute from public.api_keys k where k.id = p_key_id;
  if not found then
    raise exception 'unknown API key' using errcode = 'TN200';
  end if;
  insert into private.api_key_windows as w (api_key_id, window_start, hits) values (p_key_id, v_window, 1)
  on conflict (api_key_id) do update
    set hits = case when w.window_start = excluded.window_start then w.hits + 1 else 1 end,
        window_start = excluded.window_start
  returning w.hits into hits;
  reset_at := v_window + interval '1 minute';
  -- Throttled: at most one write a minute per key, whichever process sees the key first.
  update public.api_keys k set last_used_at = now(), last_used_ip = p_ip
  where k.id = p_key_id and (k.last_used_at is null or k.last_used_at < now() - interval '1 minute');
end
$$;

comment on function private.api_key_hit(uuid, inet) is
  'Counts one request of a key in its current minute (atomic upsert: exact across processes) and records its '
  'use at most once a minute. Returns the count, the limit and when the window ends. For service_role.';

create or replace function private.api_key_by_prefix(p_prefix text)
returns table (id uuid, tenant_id uuid, project_id uuid, environment_id uuid, mode public.api_key_mode,
               permissions text[], key_hash bytea, rate_limit_per_minute integer, expires_at timestamptz,
               usable boolean)
language sql
stable
security definer
set search_path = ''
as $$
  select k.id, k.tenant_id, k.project_id, k.environment_id, k.mode, k.permissions, k.key_hash,
         k.rate_limit_per_minute, k.expires_at,
         k.revoked_at is null and (k.expires_at is null or k.expires_at > now()) and t.status = 'active'
  from public.api_keys k join public.tenants t on t.id = k.tenant_id
  where k.prefix = p_prefix
$$;

comment on function private.api_key_by_prefix(text) is
  'The key a prefix names, with its hash, for the app''s verifier (which compares hashes in constant time). For service_role.';

create or replace function private.api_key_hmac_secret()
returns bytea
language sql
stable
security definer
set search_path = ''
as $$
  select s.secret from private.api_key_secret s
$$;

comment on function private.api_key_hmac_secret() is 'The installed HMAC secret, for the app''s verifier. For service_role.';

create or replace function private.install_api_key_secret(p_secret text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret bytea := convert_to(p_secret, 'UTF8');
begin
  if p_secret is null or octet_length(v_secret) < 32 then
    raise exception 'the API key secret needs at least 32 bytes' using errcode = 'TN217';
  end if;
  update private.api_key_secret s set secret = v_secret, installed_at = now() where s.secret <> v_secret;
  return found;
end
$$;

comment on function private.install_api_key_secret(text) is
  'Installs API_KEY_SECRET (the app at start-up); true when it changed, which invalidates every key hashed under the old one.';

-- Verifies a raw key in SQL (the PostgREST pre-request). Counts the request and records the use
-- only in a transaction that may write: PostgREST runs GET and HEAD read-only, so those are
-- refused once the key's window is full but not counted (docs/api-keys.md).
create or replace function private.api_key_claims(p_key text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_key record;
  v_hit record;
begin
  if p_key !~ '^tnt_(live|test)_[0-9A-Za-z]{38}$' then
    raise exception 'malformed API key' using errcode = 'TN200';
  end if;
  select k.id, k.tenant_id, k.rate_limit_per_minute into v_key
  from public.api_keys k where k.key_hash = private.api_key_hash(p_key);
  if not found then
    raise exception 'unknown API key' using errcode = 'TN200';
  end if;
  perform set_config('request.jwt.claims', jsonb_build_object('role', 'authenticated', 'api_key_id', v_key.id)::text, true);
  perform private.assert_api_key_active();
  if current_setting('transaction_read_only') = 'off' then
    select * into v_hit from private.api_key_hit(v_key.id, private.request_ip());
    if v_hit.hits > v_hit.limit_per_minute then
      raise exception 'rate limit of % requests a minute reached', v_hit.limit_per_minute
        using errcode = 'TN215', hint = 'Retry after ' || v_hit.reset_at;
    end if;
  elsif exists (select 1 from private.api_key_windows w
                where w.api_key_id = v_key.id and w.window_start = date_trunc('minute', clock_timestamp())
                  and w.hits >= v_key.rate_limit_per_minute) then
    raise exception 'rate limit of % requests a minute reached', v_key.rate_limit_per_minute using errcode = 'TN215';
  end if;
  return jsonb_build_object('role', 'authenticated', 'aud', 'authenticated', 'api_key_id', v_key.id,
                            'tenant_id', v_key.tenant_id);
end
$$;

comment on function private.api_key_claims(text) is
  'Verifies a raw API key and returns the claims a request made with it runs under (TN200–TN203, TN215). '
  'Security definer: reads the secret and the key. For the pre-request (anon, authenticated).';

-- ---------------------------------------------------------------------------------------------
-- The permission helpers answer for a key (hooks into 20261130000300_tenancy.sql and
-- 20261130000600_projects.sql). Policies hold permitted_tenant_ids by oid, so it is replaced in
-- place to ask the key first (the person's side stays in permitted_tenant_ids_of_person);
-- authorize is called by name from other functions only, so its person's version keeps its body
-- under a new name.
-- ---------------------------------------------------------------------------------------------

create or replace function private.permitted_tenant_ids(p_code text default null, p_billing_suspended boolean default false)
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  if private.request_api_key_id() is not null then
    -- A key of a suspended tenant holds nothing, billing suspension included.
    return private.api_key_tenant_ids(p_code);
  end if;
  return private.permitted_tenant_ids_of_person(p_code, p_billing_suspended);
end
$$;

comment on function private.permitted_tenant_ids(text, boolean) is
  'THE permission join: for an API key, private.api_key_tenant_ids(p_code); for a person, '
  'private.permitted_tenant_ids_of_person (active member holding p_code tenant-wide; owners hold every code).';

-- Policies hold these two by oid, so they keep their names and gain the key's branch in place.
create or replace function private.project_ids_with_permission(p_code text)
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
rows 10
as $$
begin
  if private.request_api_key_id() is not null then
    return query select g.project_id from private.api_key_grants() g
    where g.project_id is not null and p_code = any (g.permissions);
    return;
  end if;
  return query select ra.project_id
  from public.role_assignments ra
  join public.role_permissions rp on rp.role_id = ra.role_id and rp.permission_code = p_code
  join public.memberships m on m.tenant_id = ra.tenant_id and m.user_id = ra.user_id and m.status = 'active'
  join public.tenants t on t.id = ra.tenant_id and t.status = 'active'
  where ra.user_id = auth.uid() and ra.project_id is not null;
end
$$;

comment on function private.project_ids_with_permission(text) is
  'Projects where the caller holds p_code through a project role, or the project of a project or environment '
  'API key holding p_code. Combine with tenants_with_permission() for tenant-wide holders.';

create or replace function private.user_membership_tenant_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
rows 5
as $$
begin
  if private.request_api_key_id() is not null then
    return query select g.tenant_id from private.api_key_grants() g;
    return;
  end if;
  return query select m.tenant_id from public.memberships m
  where m.user_id = auth.uid() and m.status = 'active';
end
$$;

comment on function private.user_membership_tenant_ids() is
  'Tenants of any status where the caller is an active member (what the tenants table shows them); '
  'for an API key, its own tenant while the key is usable.';

alter function private.authorize(text, uuid) rename to authorize_person;

create function private.authorize(p_code text, p_tenant_id uuid)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if private.request_api_key_id() is null then
    return private.authorize_person(p_code, p_tenant_id);
  end if;
  perform private.assert_api_key_active();
  if p_code is null then
    raise exception 'an API key cannot do this: it is for a person' using errcode = 'TN212';
  end if;
  if not coalesce(p_tenant_id = any (private.api_key_tenant_ids(p_code)), false) then
    raise exception 'permission % needed', p_code using errcode = 'TN002';
  end if;
  return null;
end
$$;

comment on function private.authorize(text, uuid) is
  'RPC preamble: returns the caller, or raises TN001 (signed out), TN004 (MFA step-up) or TN002 (permission missing). '
  'An API key passes with null (no person) when it holds p_code tenant-wide; person-only actions (p_code null) raise TN212.';

create or replace function private.api_key_environment_id()
returns uuid
language sql
stable
set search_path = ''
as $$
  select g.environment_id from private.api_key_grants() g
$$;

comment on function private.api_key_environment_id() is
  'The environment an environment API key is kept to; null for a person and for other keys.';

revoke all on function
  private.request_api_key_id(), private.api_key_hash(text), private.api_key_grants(), private.api_key_tenant_ids(text),
  private.assert_api_key_active(), private.api_key_hit(uuid, inet), private.api_key_by_prefix(text),
  private.api_key_hmac_secret(), private.install_api_key_secret(text), private.api_key_claims(text),
  private.permitted_tenant_ids(text, boolean), private.project_ids_with_permission(text),
  private.user_membership_tenant_ids(), private.authorize(text, uuid), private.api_key_environment_id(),
  private.api_key_grantable(text)
from public, anon;

grant execute on function
  private.request_api_key_id(), private.api_key_grants(), private.api_key_tenant_ids(text),
  private.assert_api_key_active(), private.permitted_tenant_ids(text, boolean),
  private.project_ids_with_permission(text), private.user_membership_tenant_ids(), private.authorize(text, uuid),
  private.api_key_environment_id(), private.api_key_grantable(text)
to authenticated, service_role;
grant execute on function private.api_key_claims(text) to anon, authenticated;
grant execute on function
  private.api_key_hit(uuid, inet), private.api_key_by_prefix(text), private.api_key_hmac_secret(),
  private.install_api_key_secret(text)
to service_role;

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.api_keys from anon, authenticated, service_role;
-- Every column but key_hash: the hash never leaves the database.
grant select (id, tenant_id, name, mode, project_id, environment_id, scope, permissions, prefix, last_four,
              rate_limit_per_minute, expires_at, revoked_at, revoked_by, rotated_from, replaced_by,
              last_used_at, last_used_ip, created_by, created_at, updated_at)
  on public.api_keys to authenticated, service_role;
revoke all on private.api_key_secret, private.api_key_windows from anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy api_keys_select_permitted on public.api_keys
  for select to authenticated
  using (tenant_id in (select private.tenants_with_permission('api_keys.read'))
         or project_id in (select private.project_ids_with_permission('api_keys.read')));
create policy api_keys_select_mfa on public.api_keys
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- An environment key sees and changes only its own environment of its project.
create policy environments_select_api_key on public.environments
  as restrictive for select to authenticated
  using ((select private.api_key_environment_id()) is null or id in (select private.api_key_environment_id()));
create policy environments_insert_api_key on public.environments
  as restrictive for insert to authenticated
  with check ((select private.api_key_environment_id()) is null);
create policy environments_update_api_key on public.environments
  as restrictive for update to authenticated
  using ((select private.api_key_environment_id()) is null or id in (select private.api_key_environment_id()));
create policy environments_delete_api_key on public.environments
  as restrictive for delete to authenticated
  using ((select private.api_key_environment_id()) is null);

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

-- The person managing keys in a tenant (or on a project): TN212 for a key, TN002 without
-- api_keys.manage in the scope.
create or replace function private.authorize_key_manager(p_tenant_id uuid, p_project_id uuid)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_user_id uuid;
begin
  if private.request_api_key_id() is not null then
    raise exception 'an API key cannot manage API keys' using errcode = 'TN212';
  end if;
  v_user_id := private.authorize(null, p_tenant_id);
  if not (private.holds_permission('api_keys.manage', p_tenant_id)
          or (p_project_id is not null and p_project_id in (select private.project_ids_with_permission('api_keys.manage')))) then
    raise exception 'permission api_keys.manage needed' using errcode = 'TN002';
  end if;
  return v_user_id;
end
$$;

comment on function private.authorize_key_manager(uuid, uuid) is
  'Preamble of the key RPCs: the person holding api_keys.manage tenant-wide or on the project.';

-- The first of p_codes the caller may not give a key in this scope, with the reason's code.
create or replace function private.api_key_refusal(p_tenant_id uuid, p_project_id uuid, p_codes text[],
  out code text, out errcode text)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_code text;
begin
  foreach v_code in array p_codes loop
    code := v_code;
    if not exists (select 1 from public.permissions p where p.code = v_code) then
      errcode := 'TN214';
    elsif not private.api_key_grantable(v_code) then
      errcode := 'TN205';
    elsif p_project_id is not null
          and not exists (select 1 from public.permissions p where p.code = v_code and p.project_scoped) then
      errcode := 'TN206';
    elsif not (private.holds_permission(v_code, p_tenant_id)
               or (p_project_id is not null and p_project_id in (select private.project_ids_with_permission(v_code)))) then
      errcode := 'TN204';
    else
      continue;
    end if;
    return;
  end loop;
  code := null;
  errcode := null;
end
$$;

comment on function private.api_key_refusal(uuid, uuid, text[]) is
  'Why the caller may not give a key one of these codes: TN214 unknown, TN205 person-only, TN206 not project-scoped on '
  'a project key, TN204 not held by the caller in the scope. Nulls when every code is fine.';

create or replace function private.raise_api_key_refusal(p_tenant_id uuid, p_project_id uuid, p_codes text[])
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  v record;
begin
  select * into v from private.api_key_refusal(p_tenant_id, p_project_id, p_codes);
  if v.errcode = 'TN214' then
    raise exception 'unknown permission %', v.code using errcode = 'TN214';
  elsif v.errcode = 'TN205' then
    raise exception 'permission % is for people, not API keys', v.code using errcode = 'TN205';
  elsif v.errcode = 'TN206' then
    raise exception 'permission % is tenant-wide: a project key cannot hold it', v.code using errcode = 'TN206';
  elsif v.errcode = 'TN204' then
    raise exception 'you cannot give a key %, which you do not hold here', v.code using errcode = 'TN204';
  end if;
end
$$;

comment on function private.raise_api_key_refusal(uuid, uuid, text[]) is 'Raises private.api_key_refusal''s reason, if any.';

create or replace function private.insert_api_key(
  p_tenant_id uuid, p_name text, p_key text, p_permissions text[], p_project_id uuid, p_environment_id uuid,
  p_expires_at timestamptz, p_rate_limit integer, p_rotated_from uuid)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if p_key is null or p_key !~ '^tnt_(live|test)_[0-9A-Za-z]{38}$' then
    raise exception 'an API key is tnt_live_ or tnt_test_ and 38 base62 characters' using errcode = 'TN209';
  end if;
  insert into public.api_keys (tenant_id, name, mode, scope, project_id, environment_id, permissions, prefix,
                               last_four, key_hash, rate_limit_per_minute, expires_at, rotated_from)
  values (p_tenant_id, btrim(p_name), substr(p_key, 5, 4)::public.api_key_mode,
          case when p_environment_id is not null then 'environment'::public.api_key_scope
               when p_project_id is not null then 'project'::public.api_key_scope
               else 'tenant'::public.api_key_scope end,
          p_project_id, p_environment_id,
          p_permissions, left(p_key, 17), right(p_key, 4), private.api_key_hash(p_key), p_rate_limit, p_expires_at,
          p_rotated_from)
  returning id into v_id;
  return v_id;
exception when unique_violation then
  raise exception 'that key collides with another; generate a new one' using errcode = 'TN209';
end
$$;

comment on function private.insert_api_key(uuid, text, text, text[], uuid, uuid, timestamptz, integer, uuid) is
  'Stores a key (its HMAC, prefix and last four) for create and rotate, which have checked the caller.';

create or replace function public.create_api_key(
  p_tenant_id uuid, p_name text, p_key text, p_permissions text[], p_project_id uuid default null,
  p_environment_id uuid default null, p_expires_at timestamptz default null, p_rate_limit_per_minute integer default 600)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_permissions text[];
begin
  perform private.authorize_key_manager(p_tenant_id, p_project_id);
  if p_name is null or char_length(btrim(p_name)) not between 1 and 80 then
    raise exception 'name a key in 1 to 80 characters' using errcode = 'TN207';
  end if;
  if p_project_id is not null and not exists (
       select 1 from public.projects p where p.id = p_project_id and p.tenant_id = p_tenant_id) then
    raise exception 'no such project in this organisation' using errcode = 'TN206';
  end if;
  if p_environment_id is not null and not exists (
       select 1 from public.environments e
       where e.id = p_environment_id and e.project_id = p_project_id and e.tenant_id = p_tenant_id) then
    raise exception 'no such environment in this project' using errcode = 'TN206';
  end if;
  v_permissions := array(select distinct c from unnest(coalesce(p_permissions, '{}')) c order by c);
  if cardinality(v_permissions) = 0 then
    raise exception 'give the key at least one permission' using errcode = 'TN214';
  end if;
  perform private.raise_api_key_refusal(p_tenant_id, p_project_id, v_permissions);
  if p_expires_at is not null and p_expires_at <= now() then
    raise exception 'the expiry must be in the future' using errcode = 'TN208';
  end if;
  if p_rate_limit_per_minute is null or p_rate_limit_per_minute not between 1 and 100000 then
    raise exception 'the rate limit is 1 to 100000 requests a minute' using errcode = 'TN213';
  end if;
  return private.insert_api_key(p_tenant_id, p_name, p_key, v_permissions, p_project_id, p_environment_id,
                                p_expires_at, p_rate_limit_per_minute, null);
end
$$;

comment on function public.create_api_key(uuid, text, text, text[], uuid, uuid, timestamptz, integer) is
  'Creates an API key from a key the app generated (only its HMAC is kept). Needs api_keys.manage in the scope and '
  'every permission given (TN204); TN205–TN209, TN213, TN214 for bad input. Returns the key''s id.';

-- A key the caller manages, locked, or TN210 (the same answer whether or not it exists).
create or replace function private.managed_api_key(p_key_id uuid)
returns public.api_keys
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_key public.api_keys;
begin
  select * into v_key from public.api_keys k where k.id = p_key_id for update;
  if not found then
    raise exception 'no such API key' using errcode = 'TN210';
  end if;
  begin
    perform private.authorize_key_manager(v_key.tenant_id, v_key.project_id);
  exception when sqlstate 'TN002' then
    raise exception 'no such API key' using errcode = 'TN210';
  end;
  return v_key;
end
$$;

comment on function private.managed_api_key(uuid) is 'Locks a key the caller may manage; TN210 otherwise.';

create or replace function public.revoke_api_key(p_key_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_key public.api_keys := private.managed_api_key(p_key_id);
begin
  if v_key.revoked_at is not null then
    raise exception 'this key is already revoked' using errcode = 'TN210';
  end if;
  update public.api_keys k set revoked_at = now(), revoked_by = auth.uid() where k.id = v_key.id;
end
$$;

comment on function public.revoke_api_key(uuid) is
  'Revokes a key at once (its next request is refused). Needs api_keys.manage in its scope only: taking rights away '
  'needs none of them.';

create or replace function public.rotate_api_key(p_key_id uuid, p_new_key text, p_overlap_seconds integer default 3600)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_key public.api_keys := private.managed_api_key(p_key_id);
  v_new uuid;
begin
  if v_key.revoked_at is not null or (v_key.expires_at is not null and v_key.expires_at <= now())
     or v_key.replaced_by is not null then
    raise exception 'only a live key that has not been rotated can be rotated' using errcode = 'TN210';
  end if;
  if p_overlap_seconds is null or p_overlap_seconds not between 0 and 604800 then
    raise exception 'the overlap is 0 seconds to 7 days' using errcode = 'TN211';
  end if;
  -- The new key carries the old one's rights: only someone who could grant them may mint it.
  perform private.raise_api_key_refusal(v_key.tenant_id, v_key.project_id, v_key.permissions);
  if substr(p_new_key, 5, 4) is distinct from v_key.mode::text then
    raise exception 'the new key must be a % key like the old one', v_key.mode using errcode = 'TN209';
  end if;
  v_new := private.insert_api_key(v_key.tenant_id, v_key.name, p_new_key, v_key.permissions, v_key.project_id,
                                  v_key.environment_id, v_key.expires_at, v_key.rate_limit_per_minute, v_key.id);
  update public.api_keys k
  set replaced_by = v_new,
      expires_at = least(coalesce(k.expires_at, 'infinity'), now() + make_interval(secs => p_overlap_seconds))
  where k.id = v_key.id;
  return v_new;
end
$$;

comment on function public.rotate_api_key(uuid, text, integer) is
  'Issues a new key with the old one''s name, scope, permissions, expiry and limit; the old one keeps working for '
  'the overlap (0–7 days). Needs api_keys.manage and every permission of the key (TN204). Returns the new key''s id.';

create or replace function public.api_key_grantable_permissions(p_tenant_id uuid, p_project_id uuid default null)
returns setof public.permissions
language sql
stable
security definer
set search_path = ''
as $$
  select p.* from public.permissions p
  where private.request_api_key_id() is null
    and (private.holds_permission('api_keys.manage', p_tenant_id)
         or (p_project_id is not null and p_project_id in (select private.project_ids_with_permission('api_keys.manage'))))
    and (select r.errcode from private.api_key_refusal(p_tenant_id, p_project_id, array[p.code]) r) is null
  order by p.module, p.code
$$;

comment on function public.api_key_grantable_permissions(uuid, uuid) is
  'The catalogue entries the caller may give a key in this scope (empty without api_keys.manage): what the page offers.';

-- PostgREST calls this before every request (supabase/config.toml [api] db_pre_request; on hosted
-- projects `alter role authenticator set pgrst.db_pre_request = 'public.tenantry_pre_request'`).
-- Security invoker: `role` cannot be set inside a security definer function; PostgREST's
-- session user (authenticator) may become authenticated.
create or replace function public.tenantry_pre_request()
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_key text;
begin
  begin
    v_key := nullif(btrim(nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-tenantry-api-key'), '');
  exception when invalid_text_representation then
    v_key := null;
  end;
  if v_key is null then
    return;
  end if;
  perform set_config('request.jwt.claims', private.api_key_claims(v_key)::text, true);
  perform set_config('role', 'authenticated', true);
end
$$;

comment on function public.tenantry_pre_request() is
  'PostgREST db_pre_request: a request carrying X-Tenantry-API-Key runs as that key (claims {role: authenticated, '
  'api_key_id}); a bad key fails the request with TN200–TN203 or TN215. Without the header: the request as it came.';

-- Point PostgREST at the pre-request, for this database only (ALTER ROLE … IN DATABASE): where
-- the `authenticator` role exists (Supabase, local or hosted) and this role may alter it.
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator') then
    execute format('alter role authenticator in database %I set pgrst.db_pre_request = %L',
                   current_database(), 'public.tenantry_pre_request');
    notify pgrst, 'reload config';
  end if;
exception when insufficient_privilege then
  raise notice 'set pgrst.db_pre_request = public.tenantry_pre_request for authenticator by hand (docs/api-keys.md)';
end
$$;

revoke all on function
  private.authorize_key_manager(uuid, uuid), private.api_key_refusal(uuid, uuid, text[]),
  private.raise_api_key_refusal(uuid, uuid, text[]),
  private.insert_api_key(uuid, text, text, text[], uuid, uuid, timestamptz, integer, uuid),
  private.managed_api_key(uuid), public.create_api_key(uuid, text, text, text[], uuid, uuid, timestamptz, integer),
  public.revoke_api_key(uuid), public.rotate_api_key(uuid, text, integer),
  public.api_key_grantable_permissions(uuid, uuid), public.tenantry_pre_request()
from public, anon;
grant execute on function
  public.create_api_key(uuid, text, text, text[], uuid, uuid, timestamptz, integer),
  public.revoke_api_key(uuid), public.rotate_api_key(uuid, text, integer),
  public.api_key_grantable_permissions(uuid, uuid)
to authenticated;
grant execute on function public.tenantry_pre_request() to anon, authenticated;
