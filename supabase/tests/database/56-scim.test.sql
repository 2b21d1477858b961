-- SCIM provisioning (20261205000100_scim.sql): who reads tokens, users, groups and the operation
-- log (the persona matrix: scim.manage reads, nobody writes but the RPCs); tokens never stored in
-- plaintext and valid only for their own tenant (a token of A on B's URL, an id of B in A's path);
-- revoke and rotate; uniqueness whatever the case; the version check of PATCH; the product's
-- semantics (membership, suspension, an owner left alone, removal, a group as a team and its
-- mapped role); the token as the audit actor; events; the log.
--
-- Fixture: tests.seed_fixture() (test-acme: alice owner, bob admin, carol viewer, dave project
-- editor; test-globex: frank owner, gina developer; staff sam, sue, bill).
begin;
select plan(226);

select tests.seed_fixture();

create temp table tokens (name text primary key, id uuid not null, token text not null);
grant select, insert on tokens to public;
insert into tokens select 'acme', t.id, t.token from private.scim_new_token(tests.tenant_id('test-acme'), 'Entra', null) t;
insert into tokens select 'globex', t.id, t.token from private.scim_new_token(tests.tenant_id('test-globex'), 'Okta', null) t;
create function pg_temp.hash(p_name text) returns bytea language sql as $$
  select extensions.digest(token, 'sha256') from tokens where name = p_name $$;

-- Runs one SCIM RPC as the function does (service_role, system job scim.provision) and keeps it.
create function pg_temp.scim(p_sql text) returns jsonb language plpgsql as $$
declare
  v_result jsonb;
begin
  perform tests.authenticate_as_service_role('scim.provision');
  -- The RPC's one column, whatever its type (scim_delete and scim_log return void).
  execute format('select (select e.value from jsonb_each(to_jsonb(q)) e limit 1) from (%s) q', p_sql) into v_result;
  perform tests.clear_authentication();
  return v_result;
exception when others then
  perform tests.clear_authentication();
  raise;
end $$;
create function pg_temp.put(p_token text, p_tenant text, p_type text, p_id uuid, p_resource jsonb,
  p_version integer default null) returns jsonb language sql as $$
  select pg_temp.scim(format('select public.scim_put(%L, %L, %L, %L, %L, %L)', pg_temp.hash(p_token), p_tenant,
                             p_type, p_id, p_resource, p_version)) $$;
create function pg_temp.try_scim(p_sql text) returns text language plpgsql as $$
begin
  perform pg_temp.scim(p_sql);
  return 'ok';
exception when others then
  return 'error:' || sqlstate;
end $$;

create temp table ids (name text primary key, id uuid not null);
grant select on ids to public;
create function pg_temp.id(p_name text) returns uuid language sql as $$ select id from ids where name = p_name $$;
insert into ids values
  ('acme user', (pg_temp.put('acme', 'test-acme', 'User', null, '{"userName": "Provisioned.One@example.test"}') ->> 'id')::uuid),
  ('globex user', (pg_temp.put('globex', 'test-globex', 'User', null, '{"userName": "globex.one@example.test"}') ->> 'id')::uuid),
  ('acme group', (pg_temp.put('acme', 'test-acme', 'Group', null, '{"displayName": "Provisioned"}') ->> 'id')::uuid),
  ('globex group', (pg_temp.put('globex', 'test-globex', 'Group', null, '{"displayName": "Provisioned"}') ->> 'id')::uuid);
select pg_temp.scim(format('select public.scim_log(%L, ''test-acme'', ''GET'', ''/v2/Users'', 200, ''User'', null, null)', pg_temp.hash('acme')));
select pg_temp.scim(format('select public.scim_log(%L, ''test-globex'', ''GET'', ''/v2/Users'', 200, ''User'', null, null)', pg_temp.hash('globex')));

-- ---------------------------------------------------------------------------------------------
-- The persona matrix (fixture tenants only)
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases
select c.tbl, c.op, replace(replace(c.stmt,
  ':fixture', quote_literal(tests.fixture_tenant_ids()::text)),
  ':acme', quote_literal(tests.tenant_id('test-acme')))
from (values
  ('scim_tokens', 'select', 'select id from public.scim_tokens where tenant_id = any (:fixture::uuid[])'),
  ('scim_tokens', 'insert', 'insert into public.scim_tokens (tenant_id, name, prefix, token_hash) values (:acme, ''x'', ''tnt_scim_abc'', extensions.digest(''x'', ''sha256''))'),
  ('scim_tokens', 'update', 'update public.scim_tokens set revoked_at = now() where tenant_id = any (:fixture::uuid[])'),
  ('scim_tokens', 'delete', 'delete from public.scim_tokens where tenant_id = any (:fixture::uuid[])'),
  ('scim_users', 'select', 'select id from public.scim_users where tenant_id = any (:fixture::uuid[])'),
  ('scim_users', 'insert', 'insert into public.scim_users (tenant_id, user_name, resource) values (:acme, ''probe'', ''{}'')'),
  ('scim_users', 'update', 'update public.scim_users set active = false where tenant_id = any (:fixture::uuid[])'),
  ('scim_users', 'delete', 'delete from public.scim_users where tenant_id = any (:fixture::uuid[])'),
  ('scim_groups', 'select', 'select id from public.scim_groups where tenant_id = any (:fixture::uuid[])'),
  ('scim_groups', 'insert', 'insert into public.scim_groups (tenant_id, display_name, resource, team_id) select :acme, ''probe'', ''{}'', id from public.teams where tenant_id = :acme limit 1'),
  ('scim_groups', 'update', 'update public.scim_groups set role_id = null where tenant_id = any (:fixture::uuid[])'),
  ('scim_groups', 'delete', 'delete from public.scim_groups where tenant_id = any (:fixture::uuid[])'),
  ('scim_operations', 'select', 'select id from public.scim_operations where tenant_id = any (:fixture::uuid[])'),
  ('scim_operations', 'insert', 'insert into public.scim_operations (tenant_id, method, path, status) values (:acme, ''GET'', ''/'', 200)'),
  ('scim_operations', 'update', 'update public.scim_operations set detail = ''x'' where tenant_id = any (:fixture::uuid[])'),
  ('scim_operations', 'delete', 'delete from public.scim_operations where tenant_id = any (:fixture::uuid[])')
) as c (tbl, op, stmt);

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected
select t.tbl, p.persona, p.sel, 'error:42501', 'error:42501', 'error:42501'
from unnest(array['scim_tokens', 'scim_users', 'scim_groups', 'scim_operations']) t(tbl)
cross join (values ('anon', 'error:42501'), ('alice', 'rows:1'), ('bob', 'rows:1'), ('carol', 'rows:0'),
                   ('dave', 'rows:0'), ('erin', 'rows:0'), ('frank', 'rows:1'), ('gina', 'rows:0'),
                   ('sue', 'rows:0'), ('service_role', 'rows:2')) p(persona, sel);

select * from tests.persona_matrix();

-- ---------------------------------------------------------------------------------------------
-- Tokens
-- ---------------------------------------------------------------------------------------------

select ok(not has_column_privilege('authenticated', 'public.scim_tokens', 'token_hash', 'select')
          and not has_column_privilege('service_role', 'public.scim_tokens', 'token_hash', 'select'),
  'the token hash is not readable by authenticated or service_role');
select is((select count(*)::int from public.scim_tokens k join tokens t on t.id = k.id
           where row_to_json(k)::text like '%' || t.token || '%'), 0, 'no token is stored in plaintext');
select is((select count(*)::int from public.scim_tokens k join tokens t on t.id = k.id
           where k.token_hash = extensions.digest(t.token, 'sha256') and k.prefix = left(t.token, 12)), 2,
  'a token is kept as its sha256 and its first 12 characters');
select ok((select bool_and(not has_function_privilege('authenticated', f, 'execute'))
           from unnest(array['public.scim_get(bytea, text, text, uuid)', 'public.scim_put(bytea, text, text, uuid, jsonb, integer)',
                             'public.scim_delete(bytea, text, text, uuid)',
                             'public.scim_list(bytea, text, text, text, text, boolean, integer, integer)',
                             'public.scim_log(bytea, text, text, text, integer, text, text, text)']) f),
  'the protocol''s RPCs are the function''s only (service_role), not a member''s');

select is(tests.try_as('carol', format('select public.create_scim_token(%L, ''mine'')', tests.tenant_id('test-acme'))),
  'error:TN466', 'a viewer may not make a SCIM token');
select is(tests.try_as('frank', format('select public.create_scim_token(%L, ''theirs'')', tests.tenant_id('test-acme'))),
  'error:TN466', 'nor the owner of another tenant');
select is(tests.try_as('alice', format('select public.create_scim_token(%L, '' '')', tests.tenant_id('test-acme'))),
  'error:TN465', 'a token needs a name');
select tests.authenticate_as('alice');
insert into tokens select 'second', t.id, t.token from public.create_scim_token(tests.tenant_id('test-acme'), 'Second') t;
select tests.clear_authentication();
select matches((select token from tokens where name = 'second'), '^tnt_scim_[A-Za-z0-9_-]{43}$',
  'the owner makes a token: tnt_scim_ and 256 random bits, shown once');
select is(pg_temp.try_scim(format('select public.scim_get(%L, ''test-acme'', ''User'', %L)', pg_temp.hash('second'), pg_temp.id('acme user'))),
  'ok', 'several tokens are active at once');

select is(tests.try_as('frank', format('select public.revoke_scim_token(%L)', (select id from tokens where name = 'second'))),
  'error:TN467', 'another tenant''s owner cannot revoke it');
select tests.authenticate_as('bob');
insert into tokens select 'rotated', t.id, t.token from public.rotate_scim_token((select id from tokens where name = 'second')) t;
select tests.clear_authentication();
select is(pg_temp.try_scim(format('select public.scim_get(%L, ''test-acme'', ''User'', %L)', pg_temp.hash('second'), pg_temp.id('acme user'))),
  'error:TN460', 'a rotated token stops working at once');
select is(pg_temp.try_scim(format('select public.scim_get(%L, ''test-acme'', ''User'', %L)', pg_temp.hash('rotated'), pg_temp.id('acme user'))),
  'ok', 'its replacement works');
select is((select rotated_from from public.scim_tokens where id = (select id from tokens where name = 'rotated')),
  (select id from tokens where name = 'second'), 'and names the token it replaced');
select tests.authenticate_as('alice');
select public.revoke_scim_token((select id from tokens where name = 'rotated'));
select tests.clear_authentication();
select is(pg_temp.try_scim(format('select public.scim_list(%L, ''test-acme'', ''User'', null, null, false, 1, 10)', pg_temp.hash('rotated'))),
  'error:TN460', 'a revoked token is refused');
select isnt((select last_used_at from public.scim_tokens where id = (select id from tokens where name = 'acme')), null,
  'a token''s last use is recorded');

-- ---------------------------------------------------------------------------------------------
-- Tenant isolation
-- ---------------------------------------------------------------------------------------------

select is(pg_temp.try_scim(format('select public.scim_list(%L, ''test-globex'', ''User'', null, null, false, 1, 10)', pg_temp.hash('acme'))),
  'error:TN460', 'a token of A on B''s base URL is refused');
select is(pg_temp.try_scim(format('select public.scim_list(%L, %L, ''User'', null, null, false, 1, 10)', pg_temp.hash('acme'), tests.tenant_id('test-globex'))),
  'error:TN460', 'also when B is named by its id');
select is(pg_temp.try_scim(format('select public.scim_get(%L, ''test-acme'', ''User'', %L)', pg_temp.hash('acme'), pg_temp.id('globex user'))),
  'error:TN462', 'a user id of B in A''s path is not found');
select is(pg_temp.try_scim(format('select public.scim_delete(%L, ''test-acme'', ''Group'', %L)', pg_temp.hash('acme'), pg_temp.id('globex group'))),
  'error:TN462', 'nor deleted');
select is(pg_temp.try_scim(format('select public.scim_put(%L, ''test-acme'', ''User'', %L, ''{"userName": "stolen"}'')', pg_temp.hash('acme'), pg_temp.id('globex user'))),
  'error:TN462', 'nor replaced');
select is((pg_temp.scim(format('select public.scim_list(%L, ''test-acme'', ''User'', null, null, false, 1, 10)', pg_temp.hash('acme'))) -> 'totalResults')::int,
  1, 'a list holds the tenant''s own users only');
select is((select user_name::text from public.scim_users where id = pg_temp.id('globex user')), 'globex.one@example.test',
  'B''s user is untouched');

-- ---------------------------------------------------------------------------------------------
-- Resources
-- ---------------------------------------------------------------------------------------------

select is(pg_temp.try_scim(format('select public.scim_put(%L, ''test-acme'', ''User'', null, ''{"userName": "PROVISIONED.one@EXAMPLE.test"}'')', pg_temp.hash('acme'))),
  'error:TN461', 'userName is unique in the tenant whatever its case');
select is((pg_temp.put('globex', 'test-globex', 'User', null, '{"userName": "provisioned.one@example.test"}') ->> 'userName'),
  'provisioned.one@example.test', 'but not across tenants');
select is(pg_temp.try_scim(format('select public.scim_put(%L, ''test-acme'', ''User'', null, ''{"displayName": "no name"}'')', pg_temp.hash('acme'))),
  'error:TN464', 'a User needs a userName');
select is(pg_temp.try_scim(format('select public.scim_put(%L, ''test-acme'', ''Group'', null, ''{"displayName": "provisioned"}'')', pg_temp.hash('acme'))),
  'error:TN461', 'a Group''s displayName is unique whatever its case');
select is(pg_temp.try_scim(format('select public.scim_put(%L, ''test-acme'', ''User'', %L, ''{"userName": "x"}'', 7)', pg_temp.hash('acme'), pg_temp.id('acme user'))),
  'error:TN463', 'a write with a stale version is refused (PATCH never loses a concurrent change)');
select is((pg_temp.put('acme', 'test-acme', 'User', pg_temp.id('acme user'), '{"userName": "provisioned.one@example.test", "title": "Lead"}', 1) -> 'meta' ->> 'version'),
  'W/"2"', 'a write with the current version passes and bumps it');
select is((pg_temp.scim(format($$select public.scim_list(%L, 'test-acme', 'User', '$ ? (@."title" like_regex "^lead$" flag "i")', null, false, 1, 10)$$, pg_temp.hash('acme'))) -> 'totalResults')::int,
  1, 'a list filters with the SQL/JSON path the function compiled');
select is(pg_temp.try_scim(format($$select public.scim_list(%L, 'test-acme', 'User', '$ ? (@ ==', null, false, 1, 10)$$, pg_temp.hash('acme'))),
  'error:42601', 'a malformed path is refused (the function answers invalidFilter)');

-- ---------------------------------------------------------------------------------------------
-- In the product
-- ---------------------------------------------------------------------------------------------

insert into ids values ('carol', (pg_temp.put('acme', 'test-acme', 'User', null, '{"userName": "CAROL", "emails": [{"value": "x@nowhere.test"}, {"value": "Carol@Example.test", "primary": true}]}') ->> 'id')::uuid);
select is((select user_id from public.scim_users where id = pg_temp.id('carol')), tests.user_id('carol'),
  'a User is linked to the account of its primary address, whatever its case');
select is(pg_temp.try_scim(format('select public.scim_put(%L, ''test-acme'', ''User'', null, ''{"userName": "carol@example.test"}'')', pg_temp.hash('acme'))),
  'ok', 'a second User of the same address is accepted');
select is((select user_id from public.scim_users where user_name = 'carol@example.test' and tenant_id = tests.tenant_id('test-acme')), null,
  'but stays unlinked: one account is one User of a tenant');

select pg_temp.put('acme', 'test-acme', 'User', pg_temp.id('carol'), '{"userName": "CAROL", "active": false, "emails": [{"value": "carol@example.test"}]}');
select is((select status::text from public.memberships where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('carol')),
  'suspended', 'active=false suspends the membership at once');
select is(tests.try_as('carol', format('select id from public.projects where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:0', 'and the suspended member reads nothing of the tenant');
select pg_temp.put('acme', 'test-acme', 'User', pg_temp.id('carol'), '{"userName": "CAROL", "active": true}');
select is((select status::text from public.memberships where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('carol')),
  'active', 'active=true reactivates it');

insert into ids values ('alice', (pg_temp.put('acme', 'test-acme', 'User', null, '{"userName": "alice@example.test", "active": false}') ->> 'id')::uuid);
select is((select status::text from public.memberships where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('alice')),
  'active', 'an owner is never suspended by SCIM');

insert into ids values ('erin', (pg_temp.put('globex', 'test-globex', 'User', null, '{"userName": "erin@example.test"}') ->> 'id')::uuid);
select is((select status::text from public.memberships where tenant_id = tests.tenant_id('test-globex') and user_id = tests.user_id('erin')),
  'active', 'an account that is not a member yet becomes one');
select is((select array_agg(r.key) from public.role_assignments a join public.roles r on r.id = a.role_id
           where a.tenant_id = tests.tenant_id('test-globex') and a.user_id = tests.user_id('erin')), array['viewer'],
  'with the viewer role');

select pg_temp.put('acme', 'test-acme', 'Group', pg_temp.id('acme group'),
  format('{"displayName": "Provisioned", "members": [{"value": "%s"}, {"value": "%s"}, {"value": "not a user"}]}', pg_temp.id('carol'), pg_temp.id('alice'))::jsonb);
select is((select array_agg(tm.user_id order by tm.user_id) from public.team_members tm join public.scim_groups g on g.team_id = tm.team_id
           where g.id = pg_temp.id('acme group')),
  (select array_agg(u order by u) from unnest(array[tests.user_id('carol'), tests.user_id('alice')]) u),
  'a Group''s linked members are its team''s members');
select is((select name from public.teams t join public.scim_groups g on g.team_id = t.id where g.id = pg_temp.id('acme group')),
  'Provisioned', 'the team has the Group''s name');

select is(tests.try_as('carol', format('select public.map_scim_group(%L, %L)', pg_temp.id('acme group'), tests.role_id('developer'))),
  'error:TN462', 'a viewer cannot map a group to a role');
select is(tests.try_as('alice', format('select public.map_scim_group(%L, %L)', pg_temp.id('acme group'), tests.role_id('owner'))),
  'error:TN468', 'nobody maps a group to the owner role');
select is(tests.do_as('alice', format('select public.map_scim_group(%L, %L)', pg_temp.id('acme group'), tests.role_id('developer'))),
  'ok:1', 'the owner maps the group to Developer');
select ok(exists (select 1 from public.role_assignments where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('carol')
                  and role_id = tests.role_id('developer') and project_id is null),
  'its members hold the role at once');
select ok(not exists (select 1 from public.role_assignments where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('alice')
                      and role_id = tests.role_id('developer')),
  'but an owner is given no role (they hold every permission)');

select pg_temp.put('acme', 'test-acme', 'Group', pg_temp.id('acme group'), '{"displayName": "Provisioned renamed", "members": []}');
select ok(not exists (select 1 from public.role_assignments where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('carol')
                      and role_id = tests.role_id('developer')),
  'leaving the group takes the role back');
select ok(not exists (select 1 from public.team_members tm join public.scim_groups g on g.team_id = tm.team_id
                      where g.id = pg_temp.id('acme group')),
  'and the team');
select ok(exists (select 1 from public.role_assignments where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('carol')
                  and role_id = tests.role_id('viewer')),
  'but not the role carol held before');
select is((select name from public.teams t join public.scim_groups g on g.team_id = t.id where g.id = pg_temp.id('acme group')),
  'Provisioned renamed', 'renaming the Group renames its team');

select pg_temp.scim(format('select public.scim_delete(%L, ''test-acme'', ''User'', %L)', pg_temp.hash('acme'), pg_temp.id('carol')));
select ok(not exists (select 1 from public.memberships where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('carol')),
  'DELETE removes the membership');
select ok(exists (select 1 from public.memberships where tenant_id = tests.tenant_id('test-globex') and user_id = tests.user_id('gina')),
  'and nothing of another tenant');
select pg_temp.scim(format('select public.scim_delete(%L, ''test-acme'', ''User'', %L)', pg_temp.hash('acme'), pg_temp.id('alice')));
select ok(exists (select 1 from public.memberships where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('alice')),
  'an owner''s membership stays');
select pg_temp.scim(format('select public.scim_delete(%L, ''test-acme'', ''Group'', %L)', pg_temp.hash('acme'), pg_temp.id('acme group')));
select ok(exists (select 1 from public.teams where tenant_id = tests.tenant_id('test-acme') and name = 'Provisioned renamed'),
  'a deleted Group leaves its team (with what people made in it)');

-- An address without an account: an active User gets one (passwordless, through
-- private.create_passwordless_account), an inactive one waits and is linked when it signs up.
insert into ids values ('fresh', (pg_temp.put('acme', 'test-acme', 'User', null,
  '{"userName": "fresh@example.test", "name": {"givenName": "Fresh", "familyName": "Face"}}') ->> 'id')::uuid);
select is((select row(a.email::text, a.encrypted_password, a.raw_app_meta_data ->> 'provider', p.full_name, a.email_confirmed_at is not null)::text
             from public.scim_users u join auth.users a on a.id = u.user_id join public.profiles p on p.id = a.id
            where u.id = pg_temp.id('fresh')),
  row('fresh@example.test', '', 'scim:' || tests.tenant_id('test-acme'), 'Fresh Face', true)::text,
  'an active User without an account gets a confirmed one without a password, its name from the User');
select is((select m.status::text from public.memberships m join public.scim_users u on u.user_id = m.user_id and u.tenant_id = m.tenant_id
            where u.id = pg_temp.id('fresh')),
  'active', 'and is a member');
select pg_temp.put('acme', 'test-acme', 'User', pg_temp.id('fresh'), '{"userName": "fresh@example.test", "active": false}');
select is((select m.status::text from public.memberships m join public.scim_users u on u.user_id = m.user_id and u.tenant_id = m.tenant_id
            where u.id = pg_temp.id('fresh')),
  'suspended', 'active=false suspends the membership of the account SCIM made');
insert into ids values ('later', (pg_temp.put('acme', 'test-acme', 'User', null, '{"userName": "later@example.test", "active": false}') ->> 'id')::uuid);
select is((select user_id from public.scim_users where id = pg_temp.id('later')), null, 'an inactive User without an account waits unlinked');
select ok(not exists (select 1 from auth.users where email = 'later@example.test'), 'no account is made for it');
select tests.create_user('later');
select is((select status::text from public.memberships where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('later')),
  'suspended', 'and becomes a (suspended) member when the address signs up');

-- ---------------------------------------------------------------------------------------------
-- Audit, events, log
-- ---------------------------------------------------------------------------------------------

select is((select array_agg(distinct actor_type::text || ':' || actor_job) from public.audit_logs
           where tenant_id = tests.tenant_id('test-acme') and target_type in ('scim_users', 'scim_groups')
             and id > current_setting('tests.audit_before')::bigint and actor_type = 'system' and actor_job like 'scim%'),
  array['system:scim.token:' || (select id from tokens where name = 'acme')],
  'every SCIM change is audited with the token as the actor (never the function''s job name)');
select is((select array_agg(distinct actor_type::text) from public.audit_logs
           where tenant_id = tests.tenant_id('test-acme') and target_type in ('scim_users', 'scim_groups')
             and id > current_setting('tests.audit_before')::bigint and coalesce(actor_job, '') not like 'scim.token:%'
             and actor_job is distinct from 'sql:postgres'),
  array['user'], 'the other changes are the owner''s mapping (and the sign-up that linked an account)');
select ok(exists (select 1 from public.audit_logs where tenant_id = tests.tenant_id('test-acme') and target_type = 'memberships'
                  and actor_job = 'scim.token:' || (select id from tokens where name = 'acme')),
  'so is the membership it changes');
select is((select array_agg(distinct type order by type) from public.events where tenant_id = tests.tenant_id('test-acme') and type like 'scim.%'),
  array['scim.group_created', 'scim.group_deleted', 'scim.group_updated', 'scim.user_created', 'scim.user_deleted', 'scim.user_updated'],
  'and published as domain events');
select is((select count(*)::int from public.scim_operations where tenant_id = tests.tenant_id('test-acme')), 1,
  'the log holds one row per logged request');
select pg_temp.scim(format('select public.scim_log(%L, ''test-globex'', ''GET'', ''/v2/Users'', 200, null, null, null)', pg_temp.hash('acme')));
select is((select count(*)::int from public.scim_operations where tenant_id = tests.tenant_id('test-globex')), 1,
  'a token logs nothing on another tenant''s URL');

select * from finish();
rollback;
