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

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to ${OWNER_ROLE};

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
