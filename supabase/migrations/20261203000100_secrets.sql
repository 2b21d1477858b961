-- Secrets, encrypted and versioned (issue 14 §1, docs/secrets.md): a tenant's named values in four
-- formats (opaque, json, pem, jwt), each version kept, with envelope encryption — every version's
-- value is sealed under a data key of its own (AES-256-GCM), and that data key is stored wrapped by
-- the key-encryption key (SECRETS_ENCRYPTION_KEY), which never rests in the database
-- (docs/decisions/0011-secrets-envelope-encryption.md). The app makes the data keys, seals and
-- opens; SQL never sees a value or a data key in the clear, and no API role reads a ciphertext or a
-- wrapped key: the reveal and use RPCs hand them to the app, recording who asked.
--
-- Owns: tables secrets, secret_versions, secret_data_keys, private.secret_seed_values; permission
-- secrets.reveal; event types secret.created, secret.version_added, secret.revealed;
-- private.secret_owner_permission, may_read_secret, secret_for, check_secret_version,
-- insert_secret_version, delete_owned_secrets; the RPCs create_secret, add_secret_version,
-- reveal_secret, use_secret, delete_secret, and for service_role secret_data_keys_to_rewrap,
-- rewrap_secret_data_key, secret_key_ids, take_seeded_secret_values. TN310–TN324 (TN325–TN329 kept).
--
-- Who: secrets.read sees a secret's metadata (name, format, versions, expiry, owner) — never a
-- value; secrets.manage creates secrets, adds versions and deletes; secrets.reveal (owners and
-- admins) reads a value, audited. A secret with an owner (an integration, a webhook endpoint …) is
-- created, versioned, used and seen by holders of the owner module's permission
-- (private.secret_owner_permission) and revealed only with secrets.reveal; it goes with its owner
-- (private.delete_owned_secrets). "Use" (server code reading a value for a caller allowed to use
-- it, or a system job) is audited as secret.use, not as a reveal.

-- ---------------------------------------------------------------------------------------------
-- Permissions and event types
-- ---------------------------------------------------------------------------------------------

update public.permissions set label = 'See secrets',
  description = 'See which secrets exist: names, formats, versions and expiry, never their values.'
where code = 'secrets.read';
update public.permissions set description = 'Create secrets, add new versions and delete them, without reading their values.'
where code = 'secrets.manage';
insert into public.permissions (code, module, group_name, label, description, project_scoped) values
  ('secrets.reveal', 'secrets', 'API and integrations', 'Reveal secrets',
   'Read the value of a secret (every reveal is recorded in the audit log).', false);
-- Owners hold every code; admins reveal. Developers create and rotate secrets and use them through
-- integrations and workflows, but do not read values back (docs/secrets.md, "who").
insert into public.role_permissions (role_id, permission_code)
select r.id, 'secrets.reveal' from public.roles r where r.tenant_id is null and r.key = 'admin';

insert into public.event_types (type, module, description) values
  ('secret.created', 'secrets', 'A secret was created (its first version).'),
  ('secret.version_added', 'secrets', 'A new version of a secret became current.'),
  ('secret.revealed', 'secrets', 'Someone read a secret’s value.');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.secrets (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  -- Null: the organisation's; otherwise one project's (names are unique per tenant and project).
  project_id uuid,
  name text not null check (name ~ '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$'),
  format text not null check (format in ('opaque', 'json', 'pem', 'jwt')),
  description text not null default '' check (char_length(description) <= 500),
  -- The module row the secret belongs to (null: a secret of its own, managed with secrets.manage).
  owner_type text check (owner_type in ('integration', 'webhook_endpoint', 'sso_provider', 'data_source',
                                        'model_provider', 'workflow')),
  owner_id uuid,
  current_version_id uuid,
  -- The number of the newest version (versions count from 1).
  version_count integer not null default 0 check (version_count >= 0),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  check ((owner_type is null) = (owner_id is null)),
  foreign key (tenant_id, project_id) references public.projects (tenant_id, id) on delete cascade
);
alter table public.secrets enable row level security;
comment on table public.secrets is
  'A tenant''s named secret (opaque, json, pem or jwt): its metadata and a pointer to its current version. The '
  'values are in secret_versions, sealed; nobody reads them but through reveal_secret and use_secret.';
create index secrets_tenant_created_idx on public.secrets (tenant_id, created_at);
create index secrets_project_idx on public.secrets (project_id) where project_id is not null;
create index secrets_owner_idx on public.secrets (owner_type, owner_id) where owner_type is not null;
-- One name per tenant and project for secrets of their own; per owner for owned ones.
create unique index secrets_name_unique on public.secrets (tenant_id, project_id, lower(name)) nulls not distinct
  where owner_type is null;
create unique index secrets_owner_name_unique on public.secrets (tenant_id, owner_type, owner_id, lower(name))
  where owner_type is not null;

-- One data key per version, wrapped by the key-encryption key. Rotating that key rewrites
-- wrapped_key (and rewrapped_at) only; the values stay as they are.
create table public.secret_data_keys (
  id uuid primary key,
  tenant_id uuid not null,
  secret_id uuid not null,
  -- supabase/functions/_shared/secret-box.ts's sealed form (v1.<KEK id>.<iv>.<ciphertext>) of the
  -- 32-byte data key, bound to tenant, secret and this row's id.
  wrapped_key text not null check (wrapped_key ~ '^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
                                   and char_length(wrapped_key) <= 200),
  -- Which key-encryption key wrapped it (8 hex characters of its SHA-256): what rotation looks for.
  kek_id text generated always as (split_part(wrapped_key, '.', 2)) stored,
  created_at timestamptz not null default now(),
  rewrapped_at timestamptz,
  unique (tenant_id, id),
  foreign key (tenant_id, secret_id) references public.secrets (tenant_id, id) on delete cascade
);
alter table public.secret_data_keys enable row level security;
comment on table public.secret_data_keys is
  'The data keys of secret versions, each wrapped (AES-256-GCM) by the key-encryption key, which is not in the '
  'database. Read by no API role; key rotation re-wraps them (npm run secrets:rotate-key).';
create index secret_data_keys_tenant_secret_idx on public.secret_data_keys (tenant_id, secret_id);
create index secret_data_keys_kek_idx on public.secret_data_keys (kek_id, id);

-- Never updated; deleted only with their secret.
create table public.secret_versions (
  id uuid primary key,
  tenant_id uuid not null,
  secret_id uuid not null,
  -- The secret's, copied so the policies read one row.
  project_id uuid,
  owner_type text,
  version integer not null check (version > 0),
  data_key_id uuid not null,
  -- The value sealed under the data key (v1.<iv>.<ciphertext>), bound to tenant, secret and version id.
  ciphertext text not null check (ciphertext ~ '^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
                                  and char_length(ciphertext) <= 100000),
  -- What the app derived from the value when it was written (no part of the value itself): a JWT's
  -- algorithm, issuer, subject and expiry, a certificate's subject, issuer and validity, a key's type.
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 4000),
  -- A JWT's exp or a certificate's notAfter.
  expires_at timestamptz,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (secret_id, version),
  unique (data_key_id),
  foreign key (tenant_id, secret_id) references public.secrets (tenant_id, id) on delete cascade,
  foreign key (tenant_id, data_key_id) references public.secret_data_keys (tenant_id, id) on delete cascade
);
alter table public.secret_versions enable row level security;
comment on table public.secret_versions is
  'Every version of a secret, sealed under its own data key; never changed, deleted only with the secret. The '
  'ciphertext is read by no API role.';
create index secret_versions_tenant_secret_idx on public.secret_versions (tenant_id, secret_id, version);

alter table public.secrets add constraint secrets_current_version_fk
  foreign key (tenant_id, current_version_id) references public.secret_versions (tenant_id, id);

-- Demo values the seed files ask for (supabase/seeds/30_secrets.sql): SQL cannot seal, so the seed
-- runner (src/lib/server/secrets/seed.ts) seals each into a secret and deletes it, in the seed's
-- transaction. Nothing real is ever written here.
create table private.secret_seed_values (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  name text not null,
  format text not null,
  description text not null default '',
  value text not null,
  primary key (tenant_id, name)
);
alter table private.secret_seed_values enable row level security;
comment on table private.secret_seed_values is
  'Demo secrets the seed files ask for, in the clear until the seed runner seals them (and deletes the row) in '
  'the same transaction. Demo data only; no API role reads it.';

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger secrets_updated_at before update on public.secrets
  for each row execute function private.set_updated_at();
create trigger secrets_immutable_columns before update on public.secrets
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'project_id', 'name', 'format', 'owner_type', 'owner_id', 'created_by', 'created_at');
create trigger secret_data_keys_immutable_columns before update on public.secret_data_keys
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'secret_id', 'created_at');

-- A version is written once: no update, and no delete while its secret is there (its secret's
-- deletion cascades; by then the secret row is gone).
create or replace function private.keep_secret_versions()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    raise exception 'a secret version never changes: add a new version' using errcode = 'TN323';
  end if;
  if exists (select 1 from public.secrets s where s.id = old.secret_id) then
    raise exception 'a secret''s versions are kept while the secret exists: delete the secret' using errcode = 'TN323';
  end if;
  return old;
end
$$;

comment on function private.keep_secret_versions() is
  'secret_versions are append-only: updates and deletes raise TN323 (deleting the secret removes them).';

create trigger secret_versions_immutable_columns before update on public.secret_versions
  for each row execute function private.keep_secret_versions();
create trigger secret_versions_kept before delete on public.secret_versions
  for each row execute function private.keep_secret_versions();

-- Audited row by row, never the sealed material.
select private.enable_audit('public.secrets', 'tenant_id', '{id}', '{updated_at}');
select private.enable_audit('public.secret_versions', 'tenant_id', '{id}', '{ciphertext}');
select private.enable_audit('public.secret_data_keys', 'tenant_id', '{id}', '{wrapped_key}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

-- Reads only, and never the sealed columns: every write is an RPC below.
revoke all on public.secrets, public.secret_versions, public.secret_data_keys from anon, authenticated, service_role;
revoke all on private.secret_seed_values from anon, authenticated, service_role;
grant select (id, tenant_id, project_id, name, format, description, owner_type, owner_id, current_version_id,
              version_count, created_by, created_at, updated_at)
  on public.secrets to authenticated, service_role;
grant select (id, tenant_id, secret_id, project_id, owner_type, version, metadata, expires_at, created_by, created_at)
  on public.secret_versions to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy secrets_select_permitted on public.secrets
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('secrets.read')))
         or project_id in (select private.project_ids_with_permission('secrets.read')));
-- An owned secret is seen by those who manage its owner (private.secret_owner_permission).
create policy secrets_select_owner on public.secrets
  for select to authenticated
  using ((owner_type = 'integration' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('integrations.manage'))))
         or (owner_type = 'webhook_endpoint' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('webhooks.manage'))))
         or (owner_type = 'sso_provider' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))))
         or (owner_type = 'data_source' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('data_sources.manage'))))
         or (owner_type = 'model_provider' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))))
         or (owner_type = 'workflow' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('workflows.manage')))));
create policy secrets_select_mfa on public.secrets
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy secret_versions_select_permitted on public.secret_versions
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('secrets.read')))
         or project_id in (select private.project_ids_with_permission('secrets.read')));
create policy secret_versions_select_owner on public.secret_versions
  for select to authenticated
  using ((owner_type = 'integration' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('integrations.manage'))))
         or (owner_type = 'webhook_endpoint' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('webhooks.manage'))))
         or (owner_type = 'sso_provider' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))))
         or (owner_type = 'data_source' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('data_sources.manage'))))
         or (owner_type = 'model_provider' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))))
         or (owner_type = 'workflow' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('workflows.manage')))));
create policy secret_versions_select_mfa on public.secret_versions
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- The permission of the module an owned secret belongs to (the policies above spell the same map).
create or replace function private.secret_owner_permission(p_owner_type text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case p_owner_type
    when 'integration' then 'integrations.manage'
    when 'webhook_endpoint' then 'webhooks.manage'
    when 'sso_provider' then 'sso.manage'
    when 'data_source' then 'data_sources.manage'
    when 'model_provider' then 'ai.manage'
    when 'workflow' then 'workflows.manage'
  end
$$;

comment on function private.secret_owner_permission(text) is
  'The permission that manages (creates, versions, uses) a secret owned by a row of this type; null for none.';

-- Does the caller hold p_code for this tenant, tenant-wide or (p_project_id) through a project role?
create or replace function private.holds_secret_permission(p_code text, p_tenant_id uuid, p_project_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select private.holds_permission(p_code, p_tenant_id)
      or (p_project_id is not null
          and p_project_id in (select private.project_ids_with_permission(p_code)))
$$;

comment on function private.holds_secret_permission(text, uuid, uuid) is
  'holds_permission, or the code through a project role on p_project_id. Security definer: reads role assignments.';

-- May the caller see the secret's metadata (what the select policies allow)? A system job may.
create or replace function private.may_read_secret(p_secret public.secrets)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select private.is_service_role()
      or private.holds_secret_permission('secrets.read', p_secret.tenant_id, p_secret.project_id)
      or (p_secret.owner_type is not null
          and private.holds_permission(private.secret_owner_permission(p_secret.owner_type), p_secret.tenant_id))
$$;

comment on function private.may_read_secret(public.secrets) is
  'The select policies as a point check: secrets.read (tenant or project), the owner module''s permission, or a '
  'system job.';

-- The permission an action on the secret needs: manage and use ask secrets.manage (the owner
-- module's for an owned secret), reveal asks secrets.reveal.
create or replace function private.secret_action_permission(p_owner_type text, p_action text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case when p_action = 'reveal' then 'secrets.reveal'
              when p_owner_type is null then 'secrets.manage'
              else private.secret_owner_permission(p_owner_type) end
$$;

comment on function private.secret_action_permission(text, text) is
  'The code an action (manage, use, reveal) on a secret needs, by its owner type.';

-- The caller's right to act on a secret of this tenant (project, owner): TN001, TN004 or TN002
-- (with the code) otherwise. A system job (service_role) may create and use, never reveal.
create or replace function private.authorize_secret(
  p_action text, p_tenant_id uuid, p_project_id uuid, p_owner_type text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_code text := private.secret_action_permission(p_owner_type, p_action);
begin
  if private.is_service_role() and p_action <> 'reveal' then
    return;
  end if;
  perform private.authorize(v_code, p_tenant_id);
exception when sqlstate 'TN002' then
  if p_owner_type is not null or not private.holds_secret_permission(v_code, p_tenant_id, p_project_id) then
    raise;
  end if;
end
$$;

comment on function private.authorize_secret(text, uuid, uuid, text) is
  'RPC preamble for secrets: private.authorize with the action''s code (private.secret_action_permission), which a '
  'project role on the secret''s project also grants; a system job passes for create, manage and use.';

-- The secret, locked, if the caller may see it and do p_action; TN310 when it may not see it (the
-- same answer whether or not it exists), TN002 when it sees it but lacks the action's permission.
create or replace function private.secret_for(p_secret_id uuid, p_action text)
returns public.secrets
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret public.secrets;
begin
  select * into v_secret from public.secrets s where s.id = p_secret_id for update;
  if not found or not private.may_read_secret(v_secret) then
    raise exception 'no such secret' using errcode = 'TN310';
  end if;
  perform private.authorize_secret(p_action, v_secret.tenant_id, v_secret.project_id, v_secret.owner_type);
  return v_secret;
end
$$;

comment on function private.secret_for(uuid, text) is
  'Locks a secret the caller may see and act on (TN310 if it may not see it, TN002 for the action''s permission). '
  'Security definer: finds the row first.';

-- The sealed material the app made for a new version, in words when it is not: TN314.
create or replace function private.check_secret_version(
  p_version_id uuid, p_data_key_id uuid, p_wrapped_key text, p_ciphertext text, p_metadata jsonb)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_version_id is null or p_data_key_id is null
     or coalesce(p_wrapped_key, '') !~ '^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
     or char_length(p_wrapped_key) > 200
     or coalesce(p_ciphertext, '') !~ '^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' then
    raise exception 'a secret value is sealed by the app (a wrapped data key and v1.<iv>.<ciphertext>)'
      using errcode = 'TN314';
  end if;
  if char_length(p_ciphertext) > 100000 then
    raise exception 'a secret value is at most 64 KB' using errcode = 'TN320';
  end if;
  if p_metadata is not null and (jsonb_typeof(p_metadata) <> 'object' or pg_column_size(p_metadata) > 4000) then
    raise exception 'the metadata of a version is a small JSON object' using errcode = 'TN317';
  end if;
  if exists (select 1 from public.secret_versions v where v.id = p_version_id)
     or exists (select 1 from public.secret_data_keys k where k.id = p_data_key_id) then
    raise exception 'that version id is taken; seal the value again' using errcode = 'TN314';
  end if;
end
$$;

comment on function private.check_secret_version(uuid, uuid, text, text, jsonb) is
  'Checks a new version''s sealed form (TN314), size (TN320) and metadata (TN317).';

-- Writes a checked version as the secret's current one and returns its number.
create or replace function private.insert_secret_version(
  p_secret public.secrets, p_version_id uuid, p_data_key_id uuid, p_wrapped_key text, p_ciphertext text,
  p_metadata jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_version integer := p_secret.version_count + 1;
  v_metadata jsonb := coalesce(p_metadata, '{}');
  v_expires timestamptz;
begin
  perform private.check_secret_version(p_version_id, p_data_key_id, p_wrapped_key, p_ciphertext, v_metadata);
  begin
    v_expires := (v_metadata ->> 'expires_at')::timestamptz;
  exception when others then
    raise exception 'expires_at is a date and time' using errcode = 'TN317';
  end;
  insert into public.secret_data_keys (id, tenant_id, secret_id, wrapped_key)
  values (p_data_key_id, p_secret.tenant_id, p_secret.id, p_wrapped_key);
  insert into public.secret_versions (id, tenant_id, secret_id, project_id, owner_type, version, data_key_id,
                                      ciphertext, metadata, expires_at)
  values (p_version_id, p_secret.tenant_id, p_secret.id, p_secret.project_id, p_secret.owner_type, v_version,
          p_data_key_id, p_ciphertext, v_metadata, v_expires);
  update public.secrets s set current_version_id = p_version_id, version_count = v_version where s.id = p_secret.id;
  return v_version;
end
$$;

comment on function private.insert_secret_version(public.secrets, uuid, uuid, text, text, jsonb) is
  'Stores a new current version (its wrapped data key and sealed value) of a locked secret; returns its number.';

-- For owner modules' delete triggers: the owner's secrets go with it (their versions and keys cascade).
create or replace function private.delete_owned_secrets(p_owner_type text, p_owner_id uuid)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  delete from public.secrets s where s.owner_type = p_owner_type and s.owner_id = p_owner_id
$$;

comment on function private.delete_owned_secrets(text, uuid) is
  'Deletes every secret owned by this row (its versions and data keys with it). For the owner modules'' triggers '
  'and RPCs; not granted to API roles.';

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

create or replace function public.create_secret(
  p_tenant_id uuid, p_project_id uuid, p_name text, p_format text, p_description text,
  p_owner_type text, p_owner_id uuid,
  p_secret_id uuid, p_version_id uuid, p_data_key_id uuid, p_wrapped_key text, p_ciphertext text,
  p_metadata jsonb,
  out secret_id uuid, out version_id uuid, out version integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret public.secrets;
  v_name text := btrim(coalesce(p_name, ''));
begin
  if (p_owner_type is null) <> (p_owner_id is null)
     or (p_owner_type is not null and private.secret_owner_permission(p_owner_type) is null) then
    raise exception 'an owner is one of integration, webhook_endpoint, sso_provider, data_source, model_provider, '
      'workflow, with its id' using errcode = 'TN316';
  end if;
  perform private.authorize_secret('manage', p_tenant_id, p_project_id, p_owner_type);
  if p_project_id is not null
     and not exists (select 1 from public.projects p where p.id = p_project_id and p.tenant_id = p_tenant_id) then
    raise exception 'no such project in this organisation' using errcode = 'TN318';
  end if;
  if v_name !~ '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$' then
    raise exception 'a secret''s name is 1 to 100 letters, digits, _ . or -, not starting with . or -'
      using errcode = 'TN311';
  end if;
  if p_format is null or p_format not in ('opaque', 'json', 'pem', 'jwt') then
    raise exception 'the format is opaque, json, pem or jwt' using errcode = 'TN312';
  end if;
  if char_length(coalesce(p_description, '')) > 500 then
    raise exception 'a description is at most 500 characters' using errcode = 'TN313';
  end if;
  if p_secret_id is null or exists (select 1 from public.secrets s where s.id = p_secret_id) then
    raise exception 'that secret id is taken; seal the value again' using errcode = 'TN314';
  end if;
  -- One creation at a time per tenant, so the name check and the cap hold.
  perform 1 from public.tenants t where t.id = p_tenant_id for no key update;
  if exists (select 1 from public.secrets s
             where s.tenant_id = p_tenant_id and lower(s.name) = lower(v_name)
               and s.project_id is not distinct from p_project_id
               and s.owner_type is not distinct from p_owner_type and s.owner_id is not distinct from p_owner_id) then
    raise exception 'a secret named % exists already', v_name using errcode = 'TN315';
  end if;
  if (select count(*) from public.secrets s where s.tenant_id = p_tenant_id) >= 1000 then
    raise exception 'an organisation has at most 1000 secrets' using errcode = 'TN319';
  end if;
  insert into public.secrets (id, tenant_id, project_id, name, format, description, owner_type, owner_id, created_by)
  values (p_secret_id, p_tenant_id, p_project_id, v_name, p_format, btrim(coalesce(p_description, '')),
          p_owner_type, p_owner_id, auth.uid())
  returning * into v_secret;
  version := private.insert_secret_version(v_secret, p_version_id, p_data_key_id, p_wrapped_key, p_ciphertext,
                                           p_metadata);
  secret_id := v_secret.id;
  version_id := p_version_id;
  perform private.publish_event(v_secret.tenant_id, 'secret.created', 'secret', v_secret.id::text,
                                jsonb_build_object('secret_id', v_secret.id, 'name', v_secret.name,
                                                   'format', v_secret.format, 'project_id', v_secret.project_id,
                                                   'owner_type', v_secret.owner_type, 'owner_id', v_secret.owner_id,
                                                   'version', version));
end
$$;

comment on function public.create_secret(uuid, uuid, text, text, text, text, uuid, uuid, uuid, uuid, text, text, jsonb) is
  'Creates a secret with its first version, sealed by the app (src/lib/server/secrets/service.ts) for the ids it '
  'passes. Needs secrets.manage (tenant or the project''s role), or the owner module''s permission for an owned '
  'secret (TN002); TN311–TN320 for bad input. Publishes secret.created. Security definer: writes tables the API '
  'only reads.';

create or replace function public.add_secret_version(
  p_secret_id uuid, p_version_id uuid, p_data_key_id uuid, p_wrapped_key text, p_ciphertext text, p_metadata jsonb,
  out version_id uuid, out version integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret public.secrets := private.secret_for(p_secret_id, 'manage');
begin
  version := private.insert_secret_version(v_secret, p_version_id, p_data_key_id, p_wrapped_key, p_ciphertext,
                                           p_metadata);
  version_id := p_version_id;
  perform private.publish_event(v_secret.tenant_id, 'secret.version_added', 'secret', v_secret.id::text,
                                jsonb_build_object('secret_id', v_secret.id, 'name', v_secret.name,
                                                   'version', version, 'version_id', version_id));
end
$$;

comment on function public.add_secret_version(uuid, uuid, uuid, text, text, jsonb) is
  'Adds a new current version (the old ones are kept), sealed by the app. Needs what managing the secret needs '
  '(TN310/TN002). Publishes secret.version_added.';

-- What the app needs to open one version: its ids (the associated data) and the sealed material.
create or replace function private.sealed_secret_version(p_secret public.secrets, p_version integer,
  out tenant_id uuid, out secret_id uuid, out version_id uuid, out version integer, out data_key_id uuid,
  out wrapped_key text, out ciphertext text)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  select v.tenant_id, v.secret_id, v.id, v.version, k.id, k.wrapped_key, v.ciphertext
  into tenant_id, secret_id, version_id, version, data_key_id, wrapped_key, ciphertext
  from public.secret_versions v
  join public.secret_data_keys k on k.tenant_id = v.tenant_id and k.id = v.data_key_id
  where v.tenant_id = p_secret.tenant_id and v.secret_id = p_secret.id
    and (case when p_version is null then v.id = p_secret.current_version_id else v.version = p_version end);
  if not found then
    raise exception 'this secret has no version %', coalesce(p_version::text, '') using errcode = 'TN321';
  end if;
end
$$;

comment on function private.sealed_secret_version(public.secrets, integer) is
  'One version''s sealed value and wrapped data key (the current one for null); TN321 when there is no such version.';

create or replace function public.reveal_secret(p_secret_id uuid, p_version integer default null,
  out tenant_id uuid, out secret_id uuid, out version_id uuid, out version integer, out data_key_id uuid,
  out wrapped_key text, out ciphertext text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret public.secrets := private.secret_for(p_secret_id, 'reveal');
begin
  select * into tenant_id, secret_id, version_id, version, data_key_id, wrapped_key, ciphertext
  from private.sealed_secret_version(v_secret, p_version);
  perform private.audit_event(v_secret.tenant_id, 'secret.reveal', 'secrets', v_secret.id::text, null,
                              jsonb_build_object('name', v_secret.name, 'version', version, 'version_id', version_id));
  perform private.publish_event(v_secret.tenant_id, 'secret.revealed', 'secret', v_secret.id::text,
                                jsonb_build_object('secret_id', v_secret.id, 'name', v_secret.name, 'version', version));
end
$$;

comment on function public.reveal_secret(uuid, integer) is
  'A version''s sealed material (the current one by default) for the app to open and show, recorded in the audit '
  'log as secret.reveal and published as secret.revealed. Needs secrets.reveal (TN002; TN310 when the caller may '
  'not see the secret, TN321 for no such version). Security definer: nobody reads the sealed columns.';

create or replace function public.use_secret(p_secret_id uuid,
  out tenant_id uuid, out secret_id uuid, out version_id uuid, out version integer, out data_key_id uuid,
  out wrapped_key text, out ciphertext text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret public.secrets := private.secret_for(p_secret_id, 'use');
begin
  select * into tenant_id, secret_id, version_id, version, data_key_id, wrapped_key, ciphertext
  from private.sealed_secret_version(v_secret, null);
  perform private.audit_event(v_secret.tenant_id, 'secret.use', 'secrets', v_secret.id::text, null,
                              jsonb_build_object('name', v_secret.name, 'version', version));
end
$$;

comment on function public.use_secret(uuid) is
  'The current version''s sealed material for server code that uses the value for the caller (an integration '
  'calling its provider, a workflow step) or for a system job; recorded in the audit log as secret.use, not a '
  'reveal. Needs secrets.manage, or the owner module''s permission for an owned secret (TN310/TN002).';

create or replace function public.delete_secret(p_secret_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret public.secrets := private.secret_for(p_secret_id, 'manage');
begin
  delete from public.secrets s where s.id = v_secret.id;
end
$$;

comment on function public.delete_secret(uuid) is
  'Deletes a secret with every version and data key. Needs what managing it needs (TN310/TN002).';

-- Key rotation (src/lib/server/secrets/rotate.ts, npm run secrets:rotate-key), service_role only:
-- the data keys still wrapped by a key, a page at a time after p_after (keyset: resumable).
create or replace function public.secret_data_keys_to_rewrap(p_kek_id text, p_after uuid, p_limit integer)
returns table (id uuid, tenant_id uuid, secret_id uuid, wrapped_key text)
language sql
stable
security definer
set search_path = ''
as $$
  select k.id, k.tenant_id, k.secret_id, k.wrapped_key from public.secret_data_keys k
  where k.kek_id = p_kek_id and (p_after is null or k.id > p_after)
  order by k.id
  limit least(greatest(coalesce(p_limit, 100), 1), 1000)
$$;

comment on function public.secret_data_keys_to_rewrap(text, uuid, integer) is
  'Data keys wrapped by key p_kek_id, by id after p_after (at most 1000). For the rotation command; service_role '
  'only. Security definer: the wrapped keys are read by no API role.';

-- Replaces one wrapped key, only if it is still the one read (so a rerun or a second rotator is harmless).
create or replace function public.rewrap_secret_data_key(p_id uuid, p_old_wrapped_key text, p_new_wrapped_key text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if coalesce(p_new_wrapped_key, '') !~ '^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
     or char_length(p_new_wrapped_key) > 200 then
    raise exception 'a wrapped data key is v1.<key id>.<iv>.<ciphertext>' using errcode = 'TN324';
  end if;
  update public.secret_data_keys k set wrapped_key = p_new_wrapped_key, rewrapped_at = now()
  where k.id = p_id and k.wrapped_key = p_old_wrapped_key;
  return found;
end
$$;

comment on function public.rewrap_secret_data_key(uuid, text, text) is
  'Stores a data key re-wrapped under the new key-encryption key if it is still wrapped as read (false '
  'otherwise); TN324 for a malformed one. For the rotation command; service_role only.';

create or replace function public.secret_key_ids()
returns table (kek_id text, data_keys bigint)
language sql
stable
security definer
set search_path = ''
as $$
  select k.kek_id, count(*) from public.secret_data_keys k group by k.kek_id order by k.kek_id
$$;

comment on function public.secret_key_ids() is
  'How many data keys each key-encryption key wraps (the rotation''s progress). service_role only.';

-- The seed runner's side of supabase/seeds/30_secrets.sql: hands over and deletes the demo values.
create or replace function public.take_seeded_secret_values()
returns table (tenant_id uuid, name text, format text, description text, value text)
language sql
volatile
security definer
set search_path = ''
as $$
  delete from private.secret_seed_values v
  returning v.tenant_id, v.name, v.format, v.description, v.value
$$;

comment on function public.take_seeded_secret_values() is
  'Removes and returns the demo values the seed files asked for, for the seed runner to seal (db.seed, '
  'service_role only). Security definer: the table is private.';

revoke all on function
  private.secret_owner_permission(text), private.holds_secret_permission(text, uuid, uuid),
  private.may_read_secret(public.secrets), private.secret_action_permission(text, text),
  private.authorize_secret(text, uuid, uuid, text), private.secret_for(uuid, text),
  private.check_secret_version(uuid, uuid, text, text, jsonb),
  private.insert_secret_version(public.secrets, uuid, uuid, text, text, jsonb),
  private.delete_owned_secrets(text, uuid), private.sealed_secret_version(public.secrets, integer),
  public.create_secret(uuid, uuid, text, text, text, text, uuid, uuid, uuid, uuid, text, text, jsonb),
  public.add_secret_version(uuid, uuid, uuid, text, text, jsonb), public.reveal_secret(uuid, integer),
  public.use_secret(uuid), public.delete_secret(uuid),
  public.secret_data_keys_to_rewrap(text, uuid, integer), public.rewrap_secret_data_key(uuid, text, text),
  public.secret_key_ids(), public.take_seeded_secret_values()
from public, anon, authenticated;
grant execute on function
  public.create_secret(uuid, uuid, text, text, text, text, uuid, uuid, uuid, uuid, text, text, jsonb),
  public.add_secret_version(uuid, uuid, uuid, text, text, jsonb), public.reveal_secret(uuid, integer),
  public.use_secret(uuid), public.delete_secret(uuid)
to authenticated, service_role;
grant execute on function
  public.secret_data_keys_to_rewrap(text, uuid, integer), public.rewrap_secret_data_key(uuid, text, text),
  public.secret_key_ids(), public.take_seeded_secret_values()
to service_role;
