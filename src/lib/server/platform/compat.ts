/**
 * The Supabase compatibility layer: what Tenantry's migrations rely on and hosted Supabase
 * provides, recreated on an engine that is not Supabase (PGlite, a plain Postgres server).
 *
 * It is applied by a superuser, is idempotent, and is never applied to Supabase itself:
 * `isSupabase()` detects a Supabase database by its `supabase_admin` role, which every Supabase
 * project (hosted or `supabase start`) has and nothing else creates.
 */
import type { Session } from './engine';

/**
 * The role migrations run as on a non-Supabase engine: like `postgres` on hosted Supabase it owns
 * the schema, bypasses RLS and is not a superuser, so superuser-only SQL fails here first.
 */
export const OWNER_ROLE = 'tenantry_owner';

export const COMPAT_SQL = /* sql */ `
do $compat$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'tenantry_analytics') then
    create role tenantry_analytics nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = '${OWNER_ROLE}') then
    create role ${OWNER_ROLE} nologin nosuperuser nocreatedb nocreaterole bypassrls;
  end if;
  execute format('grant create, connect, temporary on database %I to ${OWNER_ROLE}', current_database());
  execute format('alter database %I set search_path = "$user", public, extensions', current_database());
end
$compat$;

grant anon, authenticated, service_role, tenantry_analytics to authenticator;
grant anon, authenticated, service_role, tenantry_analytics to ${OWNER_ROLE};

create schema if not exists extensions;
create schema if not exists auth;
grant usage on schema extensions to ${OWNER_ROLE}, anon, authenticated, service_role;
grant usage on schema auth to ${OWNER_ROLE}, anon, authenticated, service_role;
grant usage, create on schema public to ${OWNER_ROLE};
grant usage on schema public to anon, authenticated, service_role;

create extension if not exists pgcrypto with schema extensions;
create extension if not exists citext with schema extensions;
do $ext$
begin
  if exists (select 1 from pg_available_extensions where name = 'vector') then
    create extension if not exists vector with schema extensions;
  end if;
end
$ext$;

create table if not exists auth.users (
  instance_id uuid,
  id uuid primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text unique default null,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0 check (email_change_confirm_status between 0 and 2),
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
create unique index if not exists users_email_partial_key on auth.users (email) where is_sso_user = false;
create index if not exists users_instance_id_idx on auth.users (instance_id);
comment on table auth.users is 'Auth: stores user login data within a secure schema (GoTrue column names).';
grant select, insert, update, delete, references, trigger on auth.users to ${OWNER_ROLE};
grant all on auth.users to service_role;

-- The embedded auth's tables (src/lib/server/auth/embedded.ts): GoTrue's sessions, refresh tokens
-- and MFA tables with GoTrue's names, plus two of Tenantry's own (recovery codes, sign-in
-- failures). Only service_role (the auth.embedded system job) and the owner touch them; RLS is on
-- with no policy, so no API role could read them even if granted.
do $auth_types$
begin
  if not exists (select 1 from pg_type where typname = 'aal_level' and typnamespace = 'auth'::regnamespace) then
    create type auth.aal_level as enum ('aal1', 'aal2', 'aal3');
  end if;
  if not exists (select 1 from pg_type where typname = 'factor_type' and typnamespace = 'auth'::regnamespace) then
    create type auth.factor_type as enum ('totp', 'webauthn', 'phone');
  end if;
  if not exists (select 1 from pg_type where typname = 'factor_status' and typnamespace = 'auth'::regnamespace) then
    create type auth.factor_status as enum ('unverified', 'verified');
  end if;
end
$auth_types$;

create table if not exists auth.sessions (
  id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz,
  updated_at timestamptz,
  factor_id uuid,
  aal auth.aal_level,
  not_after timestamptz,
  refreshed_at timestamptz,
  user_agent text,
  ip inet,
  tag text
);
create index if not exists sessions_user_id_idx on auth.sessions (user_id);
comment on table auth.sessions is 'Auth: stores session data associated to a user (GoTrue shape; tag is the device name).';

create table if not exists auth.refresh_tokens (
  instance_id uuid,
  id bigserial primary key,
  token varchar(255) unique,
  user_id uuid references auth.users (id) on delete cascade,
  revoked boolean,
  created_at timestamptz,
  updated_at timestamptz,
  parent varchar(255),
  session_id uuid references auth.sessions (id) on delete cascade
);
create index if not exists refresh_tokens_session_id_revoked_idx on auth.refresh_tokens (session_id, revoked);
create index if not exists refresh_tokens_parent_idx on auth.refresh_tokens (parent);
comment on table auth.refresh_tokens is 'Auth: refresh tokens (sha256 of the token only), rotated on every use; parent links a rotation chain.';

create table if not exists auth.mfa_factors (
  id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  friendly_name text,
  factor_type auth.factor_type not null,
  status auth.factor_status not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  secret text,
  last_challenged_at timestamptz,
  last_totp_step bigint
);
create index if not exists mfa_factors_user_id_idx on auth.mfa_factors (user_id);
create unique index if not exists mfa_factors_user_friendly_name_unique on auth.mfa_factors (friendly_name, user_id)
  where trim(friendly_name) <> '';
comment on table auth.mfa_factors is 'Auth: MFA factors (GoTrue shape). secret is pgp_sym_encrypt ciphertext; last_totp_step stops a code being used twice.';

create table if not exists auth.mfa_challenges (
  id uuid primary key,
  factor_id uuid not null references auth.mfa_factors (id) on delete cascade,
  created_at timestamptz not null,
  verified_at timestamptz,
  ip_address inet
);
create index if not exists mfa_challenges_factor_id_idx on auth.mfa_challenges (factor_id);
comment on table auth.mfa_challenges is 'Auth: a pending or verified MFA challenge (GoTrue shape).';

create table if not exists auth.mfa_amr_claims (
  session_id uuid not null references auth.sessions (id) on delete cascade,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  authentication_method text not null,
  id uuid primary key,
  unique (session_id, authentication_method)
);
comment on table auth.mfa_amr_claims is 'Auth: how each session was authenticated, the amr claim of its access tokens (GoTrue shape).';

create table if not exists auth.mfa_recovery_codes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  code_hash text not null unique,
  created_at timestamptz not null default now(),
  used_at timestamptz
);
create index if not exists mfa_recovery_codes_user_id_idx on auth.mfa_recovery_codes (user_id);
comment on table auth.mfa_recovery_codes is 'Tenantry embedded auth: TOTP recovery codes, sha256 only, each usable once.';

-- Replaced by auth.sign_in_attempts: one lockout per email let anyone lock anyone out.
drop table if exists auth.sign_in_failures;

create table if not exists auth.sign_in_attempts (
  scope text not null check (scope in ('address', 'account', 'account_address', 'known')),
  email text not null default '',
  ip text not null default '',
  failures integer not null default 0,
  window_started_at timestamptz not null default now(),
  blocked_until timestamptz,
  primary key (scope, email, ip)
);
comment on table auth.sign_in_attempts is 'Tenantry embedded auth: failed sign-ins counted per client address, per account (normalised email, known or not) and per account and address, with the blocks they cause; scope known marks an address the account signed in from (window_started_at = the last time).';

do $auth_grants$
declare
  v_table text;
begin
  foreach v_table in array array['sessions', 'refresh_tokens', 'mfa_factors', 'mfa_challenges',
                                 'mfa_amr_claims', 'mfa_recovery_codes', 'sign_in_attempts'] loop
    execute format('alter table auth.%I enable row level security', v_table);
    execute format('revoke all on auth.%I from public, anon, authenticated', v_table);
    execute format('grant select, insert, update, delete on auth.%I to service_role, ${OWNER_ROLE}', v_table);
  end loop;
end
$auth_grants$;
grant usage on sequence auth.refresh_tokens_id_seq to service_role, ${OWNER_ROLE};

create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to ${OWNER_ROLE}, anon, authenticated, service_role;

-- Supabase Storage's tables (storage-api's migrations), the columns Tenantry's policies and its
-- embedded adapter use: buckets with their size limit and allowed types, objects named
-- <bucket>/<path> with path_tokens and metadata ({"mimetype", "size"}), and the path helpers
-- policies call. On Supabase they exist and storage-api writes objects; here the app writes the
-- object rows in the caller's transaction, so the same policies decide. The owner role owns them
-- (policies are written in migrations, which only a table's owner may do).
create schema if not exists storage;
grant usage on schema storage to ${OWNER_ROLE}, anon, authenticated, service_role;
create table if not exists storage.buckets (
  id text primary key,
  name text not null,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text
);
create unique index if not exists bname on storage.buckets (name);
comment on table storage.buckets is 'Storage: buckets (Supabase Storage shape).';
create table if not exists storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  owner_id text,
  user_metadata jsonb
);
create unique index if not exists bucketid_objname on storage.objects (bucket_id, name);
create index if not exists name_prefix_search on storage.objects (name text_pattern_ops);
comment on table storage.objects is 'Storage: objects, one per stored file (Supabase Storage shape).';
alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;
alter table storage.buckets owner to ${OWNER_ROLE};
alter table storage.objects owner to ${OWNER_ROLE};
grant select, insert, update, delete on storage.buckets, storage.objects to anon, authenticated, service_role;

create or replace function storage.foldername(name text) returns text[]
language plpgsql immutable
as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[1:array_length(_parts, 1) - 1];
end
$$;
create or replace function storage.filename(name text) returns text
language plpgsql immutable
as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[array_length(_parts, 1)];
end
$$;
create or replace function storage.extension(name text) returns text
language plpgsql immutable
as $$
declare
  _parts text[];
  _filename text;
begin
  select string_to_array(name, '/') into _parts;
  select _parts[array_length(_parts, 1)] into _filename;
  return reverse(split_part(reverse(_filename), '.', 1));
end
$$;
grant execute on function storage.foldername(text), storage.filename(text), storage.extension(text)
  to ${OWNER_ROLE}, anon, authenticated, service_role;

alter default privileges for role ${OWNER_ROLE} in schema public
  grant all on tables to anon, authenticated, service_role;
alter default privileges for role ${OWNER_ROLE} in schema public
  grant all on functions to anon, authenticated, service_role;
alter default privileges for role ${OWNER_ROLE} in schema public
  grant all on sequences to anon, authenticated, service_role;
`;

/** True when the database is a Supabase project, which must never receive the compat layer. */
export async function isSupabase(session: Session): Promise<boolean> {
	const rows = await session.query<{ supabase: boolean }>(
		`select exists (select 1 from pg_roles where rolname = 'supabase_admin') as supabase`
	);
	return rows[0]?.supabase === true;
}

/** Applies the compat layer in one transaction; the caller must be a superuser. */
export async function applyCompat(session: Session): Promise<void> {
	const [who] = await session.query<{ superuser: boolean; user: string }>(
		`select rolsuper as superuser, current_user as user from pg_roles where rolname = current_user`
	);
	if (!who?.superuser) {
		throw new Error(
			`The Supabase compatibility layer must be applied by a superuser, but the connection is ` +
				`"${who?.user}". Connect as a superuser once (or set SUPABASE_COMPAT=off if this database ` +
				`already provides Supabase's roles, schemas and auth functions).`
		);
	}
	await session.transaction(() => session.exec(COMPAT_SQL));
	await session.exec(`set search_path = "$user", public, extensions`);
}
