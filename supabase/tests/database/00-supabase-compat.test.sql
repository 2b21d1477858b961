-- The shape migrations rely on: what Supabase provides and the compat layer recreates elsewhere.
-- Passes on hosted Supabase as well as on the embedded engine and a plain Postgres server.
begin;
select plan(31);

-- Roles
select has_role('anon', 'role anon exists');
select has_role('authenticated', 'role authenticated exists');
select has_role('service_role', 'role service_role exists');
select has_role('authenticator', 'role authenticator exists');
select ok((select rolbypassrls from pg_roles where rolname = 'service_role'), 'service_role bypasses RLS');
select ok(not (select rolbypassrls from pg_roles where rolname = 'authenticated'), 'authenticated does not bypass RLS');
select ok(not (select rolbypassrls from pg_roles where rolname = 'anon'), 'anon does not bypass RLS');
select ok(not (select rolsuper from pg_roles where rolname = 'authenticated'), 'authenticated is not a superuser');
select is_member_of('anon', 'authenticator', 'authenticator can become anon');
select is_member_of('authenticated', 'authenticator', 'authenticator can become authenticated');
select is_member_of('service_role', 'authenticator', 'authenticator can become service_role');

-- Schemas and extensions
select has_schema('auth', 'schema auth exists');
select has_schema('extensions', 'schema extensions exists');
select has_schema('private', 'schema private exists');
select has_extension('extensions', 'pgcrypto', 'pgcrypto lives in extensions');
select has_table('supabase_migrations', 'schema_migrations', 'migration history table exists');
select columns_are('supabase_migrations', 'schema_migrations', array['version', 'statements', 'name'],
  'migration history has the Supabase CLI columns');

-- Migrations ran as a role that is not a superuser (postgres on hosted Supabase)
select ok(not (select r.rolsuper from pg_namespace n join pg_roles r on r.oid = n.nspowner where n.nspname = 'private'),
  'migrations ran as a non-superuser owner');

-- auth.users with GoTrue's column names
select has_table('auth', 'users', 'auth.users exists');
select has_column('auth', 'users', 'id', 'auth.users.id');
select has_column('auth', 'users', 'email', 'auth.users.email');
select has_column('auth', 'users', 'encrypted_password', 'auth.users.encrypted_password');
select has_column('auth', 'users', 'raw_app_meta_data', 'auth.users.raw_app_meta_data');
select has_column('auth', 'users', 'raw_user_meta_data', 'auth.users.raw_user_meta_data');
select has_column('auth', 'users', 'email_confirmed_at', 'auth.users.email_confirmed_at');

-- auth.uid(), auth.role(), auth.jwt() read request.jwt.claims as on Supabase
select set_config('request.jwt.claims',
  '{"sub":"00000000-0000-4000-8000-000000000001","role":"authenticated","aal":"aal2"}', true);
select is(auth.uid(), '00000000-0000-4000-8000-000000000001'::uuid, 'auth.uid() reads sub');
select is(auth.role(), 'authenticated', 'auth.role() reads role');
select is(auth.jwt() ->> 'aal', 'aal2', 'auth.jwt() returns the claims');
select set_config('request.jwt.claims', '', true);
select is(auth.uid(), null, 'auth.uid() is null without claims');

-- Deny by default: functions the migration owner creates in public are not executable by anon
select set_config('role', (select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'private'), true);
create function public.compat_probe() returns int language sql as 'select 1';
reset role;
select ok(not has_function_privilege('anon', 'public.compat_probe()', 'execute'),
  'new public functions are not executable by anon');
select ok(has_schema_privilege('authenticated', 'public', 'usage'), 'authenticated may use schema public');

select * from finish();
rollback;
