-- SCIM 2.0 provisioning (issue 15 §2, RFC 7643 / 7644): an identity provider (Entra ID, Okta …)
-- keeps a tenant's people and groups in step through the edge function `scim`
-- (…/functions/v1/scim/<tenant>/v2/…, docs/scim.md). The function parses the protocol (filters
-- into SQL/JSON paths, PATCH operations, schemas); the semantics live here, in security-definer
-- RPCs that take the sha256 of the bearer token and the tenant of the URL, so a token of tenant A
-- addressing tenant B's base URL gets TN460, like a wrong token.
--
-- Owns: tables scim_tokens (shown once, stored as sha256, several active, rotatable, last use),
-- scim_users (a SCIM User of the tenant, linked to the account of its address), scim_groups (a
-- SCIM Group, mapped to a team and, if configured, a role), scim_operations (the log of recent
-- requests); event types scim.user_created, scim.user_updated, scim.user_deleted,
-- scim.group_created, scim.group_updated, scim.group_deleted; the RPCs create_scim_token,
-- rotate_scim_token, revoke_scim_token, map_scim_group (scim.manage) and, for the function only
-- (service_role), scim_get, scim_list, scim_put, scim_delete, scim_log. TN460–TN469 (TN470–TN479
-- kept for this module).
--
-- In the product: a SCIM User is a member of the tenant. Its account is the one of its address
-- (userName when it is an address, else its primary email); when none exists yet the User waits
-- unlinked and becomes a member as soon as that address signs up or signs in by SSO (a trigger on
-- profiles) — SCIM creates no password. active=false suspends the membership at once (the
-- permission helpers only count active memberships), DELETE removes it; an owner is never
-- suspended nor removed by SCIM. Two Users of one address: the first is linked, the second stays
-- unlinked (docs/scim.md). A Group is a team of the same name (linked when one exists, created
-- otherwise); its linked members are the team's members, and hold the group's mapped role.
-- Every change is audited with the token as the actor (actor_job `scim.token:<id>`) and published.

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.event_types (type, module, description) values
  ('scim.user_created', 'scim', 'An identity provider provisioned a person through SCIM.'),
  ('scim.user_updated', 'scim', 'An identity provider changed a SCIM User (attributes, or active).'),
  ('scim.user_deleted', 'scim', 'An identity provider deleted a SCIM User; its membership is removed.'),
  ('scim.group_created', 'scim', 'An identity provider created a SCIM Group (a team).'),
  ('scim.group_updated', 'scim', 'An identity provider changed a SCIM Group''s name or members.'),
  ('scim.group_deleted', 'scim', 'An identity provider deleted a SCIM Group; its members leave the team.');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.scim_tokens (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 80),
  -- The first 12 characters of the token: shown in the list, never enough to use it.
  prefix text not null check (char_length(prefix) = 12),
  token_hash bytea not null unique check (octet_length(token_hash) = 32),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  revoked_by uuid,
  rotated_from uuid,
  unique (tenant_id, id)
);
alter table public.scim_tokens enable row level security;
comment on table public.scim_tokens is
  'A bearer token of the tenant''s SCIM base URL. Shown once by create_scim_token / rotate_scim_token; only '
  'its sha256 is stored (not readable by API roles). Several may be active; revoked ones stay for the log.';
comment on column public.scim_tokens.last_used_at is 'Updated at most once a minute per token.';
create index scim_tokens_tenant_created_idx on public.scim_tokens (tenant_id, created_at);

create table public.scim_users (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  user_name extensions.citext not null check (char_length(user_name) between 1 and 320),
  external_id text check (char_length(external_id) <= 500),
  active boolean not null default true,
  -- The address whose account this User is (userName if an address, else the primary email).
  email extensions.citext check (char_length(email) <= 320),
  -- The account, once linked; null while no account of the address exists (or another User has it).
  user_id uuid references public.profiles (id) on delete set null,
  -- The SCIM resource as normalised by the function, without id and meta (the RPCs add them).
  resource jsonb not null check (jsonb_typeof(resource) = 'object' and octet_length(resource::text) <= 65536),
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, user_name),
  unique (tenant_id, user_id)
);
alter table public.scim_users enable row level security;
comment on table public.scim_users is
  'A SCIM User of the tenant (RFC 7643 core User and Enterprise extension), linked to the account of its address. '
  'userName is unique per tenant whatever its case. Written only by the scim_* RPCs.';
create index scim_users_tenant_created_idx on public.scim_users (tenant_id, created_at);
create index scim_users_email_idx on public.scim_users (email) where user_id is null;

create table public.scim_groups (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  display_name extensions.citext not null check (char_length(btrim(display_name)) between 1 and 100),
  external_id text check (char_length(external_id) <= 500),
  -- The resource as normalised by the function (members included), without id and meta.
  resource jsonb not null check (jsonb_typeof(resource) = 'object' and octet_length(resource::text) <= 1048576),
  team_id uuid not null,
  -- Configured on /t/<slug>/settings/scim (map_scim_group): the linked members hold this role too.
  role_id uuid references public.roles (id) on delete set null,
  -- What the last sync gave (so the next one takes back only that).
  synced_user_ids uuid[] not null default '{}',
  synced_role_id uuid,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, display_name),
  unique (tenant_id, team_id),
  foreign key (tenant_id, team_id) references public.teams (tenant_id, id) on delete cascade
);
alter table public.scim_groups enable row level security;
comment on table public.scim_groups is
  'A SCIM Group of the tenant: a team of the same name, whose linked members are the team''s members (and hold '
  'role_id when one is mapped). Written only by the scim_* RPCs and map_scim_group.';
create index scim_groups_tenant_created_idx on public.scim_groups (tenant_id, created_at);

create table public.scim_operations (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  token_id uuid,
  method text not null check (method in ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
  path text not null check (char_length(path) <= 500),
  status smallint not null check (status between 100 and 599),
  resource_type text check (resource_type in ('User', 'Group')),
  resource_id text check (char_length(resource_id) <= 100),
  detail text check (char_length(detail) <= 500),
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, token_id) references public.scim_tokens (tenant_id, id) on delete set null (token_id)
);
alter table public.scim_operations enable row level security;
comment on table public.scim_operations is
  'The log of the SCIM requests a tenant''s tokens made (method, path, status, detail), written by scim_log after '
  'each request, failures included; the settings page shows the recent ones.';
create index scim_operations_tenant_created_idx on public.scim_operations (tenant_id, created_at desc);

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger scim_tokens_immutable_columns before update on public.scim_tokens
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'prefix', 'token_hash', 'created_by', 'created_at');
create trigger scim_users_set_updated_at before update on public.scim_users
  for each row execute function private.set_updated_at();
create trigger scim_users_immutable_columns before update on public.scim_users
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_at');
create trigger scim_groups_set_updated_at before update on public.scim_groups
  for each row execute function private.set_updated_at();
create trigger scim_groups_immutable_columns before update on public.scim_groups
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'team_id', 'created_at');
create trigger scim_operations_immutable_columns before update on public.scim_operations
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'method', 'path', 'status', 'created_at');

select private.enable_audit('public.scim_tokens', 'tenant_id', '{id}', '{token_hash,last_used_at}');
select private.enable_audit('public.scim_users', 'tenant_id', '{id}', '{updated_at,version}');
select private.enable_audit('public.scim_groups', 'tenant_id', '{id}', '{updated_at,version,synced_user_ids,synced_role_id}');

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- The tenant of a valid token for the URL's tenant (its id or slug), or TN460. Names the token as
-- the actor of the rest of the transaction (audit rows: actor_job scim.token:<id>).
create or replace function private.scim_session(p_token_hash bytea, p_tenant text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_token public.scim_tokens;
begin
  select k.* into v_token from public.scim_tokens k
  join public.tenants t on t.id = k.tenant_id
  where k.token_hash = p_token_hash and k.revoked_at is null and t.status = 'active'
    and (t.slug = p_tenant or t.id::text = p_tenant);
  if not found then
    raise exception 'the SCIM token is not valid for this tenant' using errcode = 'TN460';
  end if;
  if v_token.last_used_at is null or v_token.last_used_at < now() - interval '1 minute' then
    update public.scim_tokens k set last_used_at = now() where k.id = v_token.id;
  end if;
  perform set_config('request.jwt.claims',
    jsonb_build_object('role', 'service_role', 'job', 'scim.token:' || v_token.id)::text, true);
  return v_token.tenant_id;
end
$$;

create or replace function private.scim_time(p_at timestamptz)
returns text
language sql
immutable
set search_path = ''
as $$ select to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

create or replace function private.scim_user_json(p_user public.scim_users)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select p_user.resource || jsonb_build_object(
    'schemas', coalesce(p_user.resource -> 'schemas', '["urn:ietf:params:scim:schemas:core:2.0:User"]'::jsonb),
    'id', p_user.id, 'userName', p_user.user_name::text, 'active', p_user.active,
    'meta', jsonb_build_object('resourceType', 'User', 'created', private.scim_time(p_user.created_at),
                               'lastModified', private.scim_time(p_user.updated_at),
                               'version', 'W/"' || p_user.version || '"'))
$$;

create or replace function private.scim_group_json(p_group public.scim_groups)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select p_group.resource || jsonb_build_object(
    'schemas', '["urn:ietf:params:scim:schemas:core:2.0:Group"]'::jsonb,
    'id', p_group.id, 'displayName', p_group.display_name::text,
    'members', coalesce(p_group.resource -> 'members', '[]'::jsonb),
    'meta', jsonb_build_object('resourceType', 'Group', 'created', private.scim_time(p_group.created_at),
                               'lastModified', private.scim_time(p_group.updated_at),
                               'version', 'W/"' || p_group.version || '"'))
$$;

-- The address a User's account is found by: userName when it is one, else the primary email
-- (the first email when none is primary).
create or replace function private.scim_user_email(p_resource jsonb)
returns text
language sql
immutable
set search_path = ''
as $$
  select case when p_resource ->> 'userName' ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then p_resource ->> 'userName'
              else (select e ->> 'value' from jsonb_array_elements(
                      case when jsonb_typeof(p_resource -> 'emails') = 'array' then p_resource -> 'emails' else '[]' end
                    ) with ordinality x(e, n)
                    where e ->> 'value' ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
                    order by coalesce((e ->> 'primary')::boolean, false) desc, n limit 1) end
$$;

-- Gives a group's linked members its team (and mapped role), and takes back from those who left
-- only what the last sync gave (a role another group of theirs maps stays).
create or replace function private.scim_sync_group(p_tenant_id uuid, p_group_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_group public.scim_groups;
  v_desired uuid[];
begin
  select * into v_group from public.scim_groups g where g.tenant_id = p_tenant_id and g.id = p_group_id for update;
  if not found then
    return;
  end if;
  select coalesce(array_agg(distinct u.user_id), '{}') into v_desired
  from public.scim_users u
  join public.memberships m on m.tenant_id = u.tenant_id and m.user_id = u.user_id
  where u.tenant_id = p_tenant_id and u.user_id is not null
    and u.id::text in (select x ->> 'value' from jsonb_array_elements(coalesce(v_group.resource -> 'members', '[]')) x);

  insert into public.team_members (tenant_id, team_id, user_id)
  select p_tenant_id, v_group.team_id, d from unnest(v_desired) d
  on conflict do nothing;
  delete from public.team_members tm
  where tm.tenant_id = p_tenant_id and tm.team_id = v_group.team_id
    and tm.user_id = any (v_group.synced_user_ids) and not (tm.user_id = any (v_desired));

  if v_group.synced_role_id is not null then
    delete from public.role_assignments ra
    where ra.tenant_id = p_tenant_id and ra.role_id = v_group.synced_role_id and ra.project_id is null
      and ra.user_id = any (v_group.synced_user_ids)
      and (v_group.synced_role_id is distinct from v_group.role_id or not (ra.user_id = any (v_desired)))
      and not exists (select 1 from public.scim_groups o where o.tenant_id = p_tenant_id and o.id <> v_group.id
                      and o.synced_role_id = ra.role_id and ra.user_id = any (o.synced_user_ids));
  end if;
  if v_group.role_id is not null then
    insert into public.role_assignments (tenant_id, user_id, role_id)
    select p_tenant_id, d, v_group.role_id from unnest(v_desired) d
    join public.memberships m on m.tenant_id = p_tenant_id and m.user_id = d and not m.is_owner
    on conflict do nothing;
  end if;
  update public.scim_groups g set synced_user_ids = v_desired, synced_role_id = v_group.role_id
  where g.id = v_group.id;
end
$$;

-- Links a User to the account of its address (when it has none yet and no other User of the tenant
-- has that account), makes or keeps the membership (viewer role), suspends or reactivates it with
-- `active` (never an owner's), and syncs the groups that list the User.
create or replace function private.scim_link_user(p_tenant_id uuid, p_scim_user_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user public.scim_users;
  v_profile uuid;
  v_membership public.memberships;
  v_group uuid;
begin
  select * into v_user from public.scim_users u where u.tenant_id = p_tenant_id and u.id = p_scim_user_id;
  if v_user.user_id is null and v_user.email is not null then
    select p.id into v_profile from public.profiles p where p.email operator(extensions.=) v_user.email
      and not exists (select 1 from public.scim_users o where o.tenant_id = p_tenant_id and o.user_id = p.id);
    if v_profile is not null then
      update public.scim_users u set user_id = v_profile where u.id = v_user.id returning * into v_user;
    end if;
  end if;
  if v_user.user_id is null then
    return;
  end if;
  select * into v_membership from public.memberships m where m.tenant_id = p_tenant_id and m.user_id = v_user.user_id
  for update;
  if not found then
    insert into public.memberships (tenant_id, user_id, status)
    values (p_tenant_id, v_user.user_id, case when v_user.active then 'active' else 'suspended' end::public.membership_status);
    insert into public.role_assignments (tenant_id, user_id, role_id)
    select p_tenant_id, v_user.user_id, r.id from public.roles r where r.tenant_id is null and r.key = 'viewer';
  elsif not v_membership.is_owner
        and v_membership.status::text <> (case when v_user.active then 'active' else 'suspended' end) then
    update public.memberships m set status = case when v_user.active then 'active' else 'suspended' end::public.membership_status
    where m.id = v_membership.id;
  end if;
  for v_group in
    select g.id from public.scim_groups g
    where g.tenant_id = p_tenant_id and g.resource -> 'members' @> jsonb_build_array(jsonb_build_object('value', v_user.id::text))
    order by g.id
  loop
    perform private.scim_sync_group(p_tenant_id, v_group);
  end loop;
end
$$;

-- A new account (sign-up, SSO) of an address SCIM waits for becomes the member it was provisioned as.
create or replace function private.scim_link_new_profile()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user record;
begin
  for v_user in
    select u.tenant_id, u.id from public.scim_users u where u.user_id is null and u.email operator(extensions.=) new.email
    order by u.tenant_id, u.created_at
  loop
    perform private.scim_link_user(v_user.tenant_id, v_user.id);
  end loop;
  return null;
end
$$;
create trigger profiles_scim_link after insert on public.profiles
  for each row execute function private.scim_link_new_profile();

-- ---------------------------------------------------------------------------------------------
-- Grants and policies: scim.manage reads; every write goes through the RPCs.
-- ---------------------------------------------------------------------------------------------

revoke all on public.scim_tokens, public.scim_users, public.scim_groups, public.scim_operations
  from anon, authenticated, service_role;
grant select (id, tenant_id, name, prefix, created_by, created_at, last_used_at, revoked_at, revoked_by, rotated_from)
  on public.scim_tokens to authenticated, service_role;
grant select (id, tenant_id, user_name, external_id, active, email, user_id, created_at, updated_at)
  on public.scim_users to authenticated, service_role;
grant select (id, tenant_id, display_name, external_id, team_id, role_id, created_at, updated_at)
  on public.scim_groups to authenticated, service_role;
grant select on public.scim_operations to authenticated, service_role;

create policy scim_tokens_select_permitted on public.scim_tokens
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('scim.manage'))));
create policy scim_users_select_permitted on public.scim_users
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('scim.manage'))));
create policy scim_groups_select_permitted on public.scim_groups
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('scim.manage'))));
create policy scim_operations_select_permitted on public.scim_operations
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('scim.manage'))));

create policy scim_tokens_select_mfa on public.scim_tokens
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy scim_users_select_mfa on public.scim_users
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy scim_groups_select_mfa on public.scim_groups
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy scim_operations_select_mfa on public.scim_operations
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- Tokens (scim.manage)
-- ---------------------------------------------------------------------------------------------

create or replace function private.scim_new_token(p_tenant_id uuid, p_name text, p_rotated_from uuid,
  out id uuid, out token text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if char_length(btrim(coalesce(p_name, ''))) not between 1 and 80 then
    raise exception 'a token needs a name of 1 to 80 characters' using errcode = 'TN465';
  end if;
  token := 'tnt_scim_' || rtrim(translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/', '-_'), '=');
  insert into public.scim_tokens (tenant_id, name, prefix, token_hash, rotated_from)
  values (p_tenant_id, btrim(p_name), left(token, 12), extensions.digest(token, 'sha256'), p_rotated_from)
  returning scim_tokens.id into id;
end
$$;

create or replace function public.create_scim_token(p_tenant_id uuid, p_name text, out id uuid, out token text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not private.holds_permission('scim.manage', p_tenant_id) then
    raise exception 'you may not manage SCIM provisioning here' using errcode = 'TN466';
  end if;
  select t.id, t.token into id, token from private.scim_new_token(p_tenant_id, p_name, null) t;
end
$$;
comment on function public.create_scim_token(uuid, text) is
  'Makes a SCIM bearer token (scim.manage) and returns it once; only its sha256 is kept.';

create or replace function public.revoke_scim_token(p_token_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_token public.scim_tokens;
begin
  select * into v_token from public.scim_tokens k where k.id = p_token_id for update;
  if not found or not private.holds_permission('scim.manage', v_token.tenant_id) then
    raise exception 'no such SCIM token' using errcode = 'TN467';
  end if;
  if v_token.revoked_at is null then
    update public.scim_tokens k set revoked_at = now(), revoked_by = auth.uid() where k.id = p_token_id;
  end if;
end
$$;
comment on function public.revoke_scim_token(uuid) is 'Revokes a SCIM token at once (scim.manage); TN467 for one not found.';

create or replace function public.rotate_scim_token(p_token_id uuid, out id uuid, out token text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_token public.scim_tokens;
begin
  select * into v_token from public.scim_tokens k where k.id = p_token_id for update;
  if not found or not private.holds_permission('scim.manage', v_token.tenant_id) or v_token.revoked_at is not null then
    raise exception 'no such SCIM token' using errcode = 'TN467';
  end if;
  select t.id, t.token into id, token from private.scim_new_token(v_token.tenant_id, v_token.name, v_token.id) t;
  update public.scim_tokens k set revoked_at = now(), revoked_by = auth.uid() where k.id = p_token_id;
end
$$;
comment on function public.rotate_scim_token(uuid) is
  'Replaces an active SCIM token by a new one of the same name (returned once) and revokes it (scim.manage).';

create or replace function public.map_scim_group(p_group_id uuid, p_role_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_group public.scim_groups;
begin
  select * into v_group from public.scim_groups g where g.id = p_group_id for update;
  if not found or not private.holds_permission('scim.manage', v_group.tenant_id) then
    raise exception 'no such SCIM group' using errcode = 'TN462';
  end if;
  if p_role_id is not null and not exists (
    select 1 from public.roles r where r.id = p_role_id and r.scope = 'tenant' and r.key <> 'owner'
      and (r.tenant_id is null or r.tenant_id = v_group.tenant_id)) then
    raise exception 'a SCIM group maps to a tenant role of this tenant other than owner' using errcode = 'TN468';
  end if;
  update public.scim_groups g set role_id = p_role_id where g.id = p_group_id;
  perform private.scim_sync_group(v_group.tenant_id, p_group_id);
end
$$;
comment on function public.map_scim_group(uuid, uuid) is
  'Maps a SCIM group to a tenant role (null: none) and applies it to its linked members at once (scim.manage).';

-- ---------------------------------------------------------------------------------------------
-- The SCIM protocol's RPCs (service_role: the edge function only)
-- ---------------------------------------------------------------------------------------------

-- One resource as SCIM JSON (without meta.location, which the function adds), or TN462.
create or replace function public.scim_get(p_token_hash bytea, p_tenant text, p_type text, p_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_tenant uuid := private.scim_session(p_token_hash, p_tenant);
  v_doc jsonb;
begin
  if p_type = 'User' then
    select private.scim_user_json(u) into v_doc from public.scim_users u where u.tenant_id = v_tenant and u.id = p_id;
  else
    select private.scim_group_json(g) into v_doc from public.scim_groups g where g.tenant_id = v_tenant and g.id = p_id;
  end if;
  if v_doc is null then
    raise exception 'no such resource' using errcode = 'TN462';
  end if;
  return v_doc;
end
$$;

-- A page of resources: p_filter is a SQL/JSON path predicate over the resource the function
-- compiled from the SCIM filter; p_sort a path of the attribute to sort by; p_start is 1-based.
-- {"totalResults": n, "Resources": [...]}.
create or replace function public.scim_list(p_token_hash bytea, p_tenant text, p_type text, p_filter text,
  p_sort text, p_descending boolean, p_start integer, p_count integer)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_tenant uuid := private.scim_session(p_token_hash, p_tenant);
  v_filter jsonpath := coalesce(p_filter, '$')::jsonpath;
  v_sort jsonpath := coalesce(p_sort, '$.id')::jsonpath;
  v_result jsonb;
begin
  with docs as (
    select private.scim_user_json(u) as doc, u.created_at, u.id from public.scim_users u
    where p_type = 'User' and u.tenant_id = v_tenant
    union all
    select private.scim_group_json(g), g.created_at, g.id from public.scim_groups g
    where p_type = 'Group' and g.tenant_id = v_tenant
  ), matched as (
    select d.*, lower(jsonb_path_query_first(d.doc, v_sort) #>> '{}') as sort_key
    from docs d where p_filter is null or jsonb_path_exists(d.doc, v_filter)
  ), page as (
    select m.doc, row_number() over (
      order by case when not p_descending then m.sort_key end asc nulls last,
               case when p_descending then m.sort_key end desc nulls last, m.created_at, m.id) as n
    from matched m
  )
  select jsonb_build_object(
    'totalResults', (select count(*) from matched),
    'Resources', coalesce((select jsonb_agg(p.doc order by p.n) from page p
                           where p.n >= greatest(p_start, 1) and p.n < greatest(p_start, 1) + greatest(p_count, 0)), '[]'))
  into v_result;
  return v_result;
end
$$;

-- Creates (p_id null) or replaces a resource. p_version, when given, must be the stored version
-- (TN463): PATCH reads, applies and writes with it, so two PATCHes never lose one another.
-- Uniqueness (userName; a group's displayName, which is its team's name) answers TN461, also for
-- two concurrent creations of one userName (the unique index decides; the second one waits).
create or replace function public.scim_put(p_token_hash bytea, p_tenant text, p_type text, p_id uuid,
  p_resource jsonb, p_version integer default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_tenant uuid := private.scim_session(p_token_hash, p_tenant);
  v_resource jsonb := p_resource - '{id,meta}'::text[];
  v_name text;
  v_user public.scim_users;
  v_group public.scim_groups;
  v_team uuid;
  v_active boolean;
  v_previous jsonb;
begin
  if jsonb_typeof(p_resource) is distinct from 'object' then
    raise exception 'the resource is not a JSON object' using errcode = 'TN464';
  end if;
  if p_type = 'User' then
    v_name := btrim(p_resource ->> 'userName');
    if coalesce(v_name, '') = '' or char_length(v_name) > 320 then
      raise exception 'userName is required (1 to 320 characters)' using errcode = 'TN464';
    end if;
    v_active := case when jsonb_typeof(p_resource -> 'active') = 'boolean' then (p_resource ->> 'active')::boolean else true end;
    v_resource := v_resource - '{userName,active}'::text[];
    if p_id is null then
      insert into public.scim_users (tenant_id, user_name, external_id, active, email, resource)
      values (v_tenant, v_name, left(p_resource ->> 'externalId', 500), v_active, private.scim_user_email(p_resource), v_resource)
      on conflict (tenant_id, user_name) do nothing
      returning * into v_user;
      if not found then
        raise exception 'a User with userName % already exists', v_name using errcode = 'TN461';
      end if;
      perform private.publish_event(v_tenant, 'scim.user_created', 'scim_user', v_user.id::text,
        jsonb_build_object('scim_user_id', v_user.id, 'user_name', v_user.user_name, 'active', v_user.active));
    else
      select * into v_user from public.scim_users u where u.tenant_id = v_tenant and u.id = p_id for update;
      if not found then
        raise exception 'no such resource' using errcode = 'TN462';
      end if;
      if p_version is not null and p_version <> v_user.version then
        raise exception 'the User changed since it was read' using errcode = 'TN463';
      end if;
      v_previous := jsonb_build_object('user_name', v_user.user_name, 'active', v_user.active);
      begin
        update public.scim_users u set user_name = v_name, external_id = left(p_resource ->> 'externalId', 500),
          active = v_active, email = case when u.user_id is null then private.scim_user_email(p_resource) else u.email end, resource = v_resource,
          version = u.version + 1
        where u.id = p_id returning * into v_user;
      exception when unique_violation then
        raise exception 'a User with userName % already exists', v_name using errcode = 'TN461';
      end;
      perform private.publish_event(v_tenant, 'scim.user_updated', 'scim_user', v_user.id::text,
        jsonb_build_object('scim_user_id', v_user.id, 'user_name', v_user.user_name, 'active', v_user.active,
                           'previous', v_previous));
    end if;
    perform private.scim_link_user(v_tenant, v_user.id);
    select * into v_user from public.scim_users u where u.id = v_user.id;
    return private.scim_user_json(v_user);
  end if;

  v_name := btrim(p_resource ->> 'displayName');
  if coalesce(v_name, '') = '' or char_length(v_name) > 100 then
    raise exception 'displayName is required (1 to 100 characters)' using errcode = 'TN464';
  end if;
  v_resource := jsonb_set(v_resource - 'displayName', '{members}', coalesce((
    select jsonb_agg(m order by n) from (
      select distinct on (x ->> 'value') x as m, n
      from jsonb_array_elements(coalesce(p_resource -> 'members', '[]')) with ordinality e(x, n)
      where x ->> 'value' is not null order by x ->> 'value', n) d), '[]'));
  if p_id is null then
    if exists (select 1 from public.scim_groups g where g.tenant_id = v_tenant and g.display_name operator(extensions.=) v_name::extensions.citext) then
      raise exception 'a Group named % already exists', v_name using errcode = 'TN461';
    end if;
    select t.id into v_team from public.teams t where t.tenant_id = v_tenant and lower(t.name) = lower(v_name)
      and not exists (select 1 from public.scim_groups g where g.tenant_id = v_tenant and g.team_id = t.id);
    if v_team is null then
      begin
        insert into public.teams (tenant_id, name, description)
        values (v_tenant, v_name, 'Provisioned by SCIM.') returning id into v_team;
      exception when unique_violation then
        raise exception 'a team named % is another Group''s', v_name using errcode = 'TN461';
      end;
    end if;
    begin
      insert into public.scim_groups (tenant_id, display_name, external_id, resource, team_id)
      values (v_tenant, v_name, left(p_resource ->> 'externalId', 500), v_resource, v_team)
      returning * into v_group;
    exception when unique_violation then
      raise exception 'a Group named % already exists', v_name using errcode = 'TN461';
    end;
    perform private.publish_event(v_tenant, 'scim.group_created', 'scim_group', v_group.id::text,
      jsonb_build_object('scim_group_id', v_group.id, 'display_name', v_group.display_name, 'team_id', v_team));
  else
    select * into v_group from public.scim_groups g where g.tenant_id = v_tenant and g.id = p_id for update;
    if not found then
      raise exception 'no such resource' using errcode = 'TN462';
    end if;
    if p_version is not null and p_version <> v_group.version then
      raise exception 'the Group changed since it was read' using errcode = 'TN463';
    end if;
    begin
      if v_group.display_name::text is distinct from v_name then
        update public.teams t set name = v_name where t.tenant_id = v_tenant and t.id = v_group.team_id;
      end if;
      update public.scim_groups g set display_name = v_name, external_id = left(p_resource ->> 'externalId', 500),
        resource = v_resource, version = g.version + 1
      where g.id = p_id returning * into v_group;
    exception when unique_violation then
      raise exception 'a Group or team named % already exists', v_name using errcode = 'TN461';
    end;
    perform private.publish_event(v_tenant, 'scim.group_updated', 'scim_group', v_group.id::text,
      jsonb_build_object('scim_group_id', v_group.id, 'display_name', v_group.display_name, 'team_id', v_group.team_id,
                         'members', jsonb_array_length(v_group.resource -> 'members')));
  end if;
  perform private.scim_sync_group(v_tenant, v_group.id);
  select * into v_group from public.scim_groups g where g.id = v_group.id;
  return private.scim_group_json(v_group);
end
$$;

-- Deletes a resource. A User leaves every group's members and loses its membership (an owner's
-- stays); a Group's members leave its team (the team stays, with what people made in it).
create or replace function public.scim_delete(p_token_hash bytea, p_tenant text, p_type text, p_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_tenant uuid := private.scim_session(p_token_hash, p_tenant);
  v_user public.scim_users;
  v_group public.scim_groups;
  v_member uuid;
begin
  if p_type = 'User' then
    select * into v_user from public.scim_users u where u.tenant_id = v_tenant and u.id = p_id for update;
    if not found then
      raise exception 'no such resource' using errcode = 'TN462';
    end if;
    for v_member in
      select g.id from public.scim_groups g
      where g.tenant_id = v_tenant and g.resource -> 'members' @> jsonb_build_array(jsonb_build_object('value', p_id::text))
      order by g.id
    loop
      update public.scim_groups g set resource = jsonb_set(g.resource, '{members}', coalesce((
        select jsonb_agg(x order by n) from jsonb_array_elements(g.resource -> 'members') with ordinality e(x, n)
        where x ->> 'value' <> p_id::text), '[]')), version = g.version + 1
      where g.id = v_member;
      perform private.scim_sync_group(v_tenant, v_member);
    end loop;
    delete from public.scim_users u where u.id = p_id;
    if v_user.user_id is not null then
      delete from public.memberships m where m.tenant_id = v_tenant and m.user_id = v_user.user_id and not m.is_owner;
    end if;
    perform private.publish_event(v_tenant, 'scim.user_deleted', 'scim_user', p_id::text,
      jsonb_build_object('scim_user_id', p_id, 'user_name', v_user.user_name, 'user_id', v_user.user_id));
    return;
  end if;
  select * into v_group from public.scim_groups g where g.tenant_id = v_tenant and g.id = p_id for update;
  if not found then
    raise exception 'no such resource' using errcode = 'TN462';
  end if;
  update public.scim_groups g set resource = jsonb_set(g.resource, '{members}', '[]'), role_id = null where g.id = p_id;
  perform private.scim_sync_group(v_tenant, p_id);
  delete from public.scim_groups g where g.id = p_id;
  perform private.publish_event(v_tenant, 'scim.group_deleted', 'scim_group', p_id::text,
    jsonb_build_object('scim_group_id', p_id, 'display_name', v_group.display_name, 'team_id', v_group.team_id));
end
$$;

-- The operation log: one row per request of a valid token (failures included); rows older than
-- 30 days go as new ones come.
create or replace function public.scim_log(p_token_hash bytea, p_tenant text, p_method text, p_path text,
  p_status integer, p_resource_type text, p_resource_id text, p_detail text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_token public.scim_tokens;
begin
  select k.* into v_token from public.scim_tokens k join public.tenants t on t.id = k.tenant_id
  where k.token_hash = p_token_hash and k.revoked_at is null and (t.slug = p_tenant or t.id::text = p_tenant);
  if not found then
    return;
  end if;
  insert into public.scim_operations (tenant_id, token_id, method, path, status, resource_type, resource_id, detail)
  values (v_token.tenant_id, v_token.id, p_method, left(p_path, 500), p_status, p_resource_type, left(p_resource_id, 100),
          left(p_detail, 500));
  delete from public.scim_operations o where o.tenant_id = v_token.tenant_id and o.created_at < now() - interval '30 days';
end
$$;

revoke all on function private.scim_session(bytea, text), private.scim_sync_group(uuid, uuid),
  private.scim_link_user(uuid, uuid), private.scim_new_token(uuid, text, uuid), private.scim_time(timestamptz),
  private.scim_user_json(public.scim_users), private.scim_group_json(public.scim_groups),
  private.scim_user_email(jsonb), private.scim_link_new_profile() from public, anon, authenticated, service_role;
revoke all on function public.create_scim_token(uuid, text), public.revoke_scim_token(uuid),
  public.rotate_scim_token(uuid), public.map_scim_group(uuid, uuid) from public, anon;
grant execute on function public.create_scim_token(uuid, text), public.revoke_scim_token(uuid),
  public.rotate_scim_token(uuid), public.map_scim_group(uuid, uuid) to authenticated, service_role;
revoke all on function public.scim_get(bytea, text, text, uuid),
  public.scim_list(bytea, text, text, text, text, boolean, integer, integer),
  public.scim_put(bytea, text, text, uuid, jsonb, integer), public.scim_delete(bytea, text, text, uuid),
  public.scim_log(bytea, text, text, text, integer, text, text, text) from public, anon, authenticated;
grant execute on function public.scim_get(bytea, text, text, uuid),
  public.scim_list(bytea, text, text, text, text, boolean, integer, integer),
  public.scim_put(bytea, text, text, uuid, jsonb, integer), public.scim_delete(bytea, text, text, uuid),
  public.scim_log(bytea, text, text, text, integer, text, text, text) to service_role;
