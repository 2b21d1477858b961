-- Foundation: the `private` schema for helpers that policies and triggers call, and
-- deny-by-default privileges for everything later migrations create.
--
-- PostgREST exposes `public` only; helpers live in `private` so nobody calls them over HTTP.
-- Supabase grants anon and authenticated everything on new objects in `public` by default;
-- Tenantry revokes that, so each table and function grants exactly what it means to allow.

create schema if not exists private;
comment on schema private is
  'Helpers used by RLS policies, triggers and RPCs; not exposed through PostgREST.';
revoke all on schema private from public;
grant usage on schema private to anon, authenticated, service_role;

-- The global default (execute for PUBLIC) can only be revoked globally, not per schema.
alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke all on functions from anon, authenticated;
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;
