-- Secrets (20261203000100_secrets.sql): who may create, version, see, reveal, use and delete a
-- secret — tenant-wide, through a project role, through an owner module's permission, as an API
-- key or a system job; that no API role reads a ciphertext or a wrapped data key; that versions
-- are never changed nor deleted while their secret lives; the input rules and their codes; the
-- audit and event trail of a reveal and a use; and rotation's functions being service_role's.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor and
-- project_editor on "web"; globex: frank owner, gina developer), and, added here in acme: devon
-- (developer), pat (project_owner on "web"), wendy (a custom role holding webhooks.manage only),
-- and API keys with and without secrets.manage.
begin;
select plan(217);

select tests.seed_fixture();
select tests.create_user('devon');
select tests.create_user('pat');
select tests.create_user('wendy');
insert into public.memberships (tenant_id, user_id)
select tests.tenant_id('test-acme'), tests.user_id(u) from unnest(array['devon', 'pat', 'wendy']) u;
insert into public.role_assignments (tenant_id, user_id, role_id)
values (tests.tenant_id('test-acme'), tests.user_id('devon'), tests.role_id('developer'));
insert into public.role_assignments (tenant_id, user_id, role_id, project_id)
values (tests.tenant_id('test-acme'), tests.user_id('pat'), tests.role_id('project_owner'), tests.project_id('test-acme', 'web'));
with r as (insert into public.roles (tenant_id, key, name, description)
           values (tests.tenant_id('test-acme'), 'hooks', 'Hooks', 'Webhooks only') returning id),
     p as (insert into public.role_permissions (role_id, permission_code, tenant_id)
           select r.id, 'webhooks.manage', tests.tenant_id('test-acme') from r)
insert into public.role_assignments (tenant_id, user_id, role_id)
select tests.tenant_id('test-acme'), tests.user_id('wendy'), r.id from r;

-- Sealed material as the app's envelope writes it (SQL checks the form; only the app opens it).
create function pg_temp.wrapped(p_name text) returns text language sql as $$
  select 'v1.0a1b2c3d.' || md5(p_name || 'iv') || '.' || md5(p_name) || md5(p_name || '!')
$$;
create function pg_temp.ciphertext(p_name text) returns text language sql as $$
  select 'v1.' || md5(p_name || 'value-iv') || '.' || md5(p_name || 'value') || md5(p_name || 'value!')
$$;
create function pg_temp.sid(p_name text) returns uuid language sql as $$ select md5('secret:' || p_name)::uuid $$;
create function pg_temp.vid(p_name text) returns uuid language sql as $$ select md5('version:' || p_name)::uuid $$;
create function pg_temp.kid(p_name text) returns uuid language sql as $$ select md5('key:' || p_name)::uuid $$;
create function pg_temp.create_sql(p_name text, p_tenant text default 'test-acme', p_owner_type text default null,
  p_project text default null, p_secret_name text default null, p_format text default 'opaque',
  p_ciphertext text default null, p_metadata text default '{}', p_description text default '')
returns text language sql as $$
  select format('select * from public.create_secret(%L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L::jsonb)',
                tests.tenant_id(p_tenant), case when p_project is not null then tests.project_id(p_tenant, p_project) end,
                coalesce(p_secret_name, p_name), p_format, p_description, p_owner_type,
                case when p_owner_type is not null then md5('owner:' || p_name)::uuid end,
                pg_temp.sid(p_name), pg_temp.vid(p_name), pg_temp.kid(p_name), pg_temp.wrapped(p_name),
                coalesce(p_ciphertext, pg_temp.ciphertext(p_name)), p_metadata)
$$;
create function pg_temp.version_sql(p_secret text, p_version text) returns text language sql as $$
  select format('select * from public.add_secret_version(%L, %L, %L, %L, %L, %L::jsonb)', pg_temp.sid(p_secret),
                pg_temp.vid(p_version), pg_temp.kid(p_version), pg_temp.wrapped(p_version),
                pg_temp.ciphertext(p_version), '{"expires_at": "2031-05-06T07:08:09Z"}')
$$;

-- API keys of acme: one holding secrets.manage and secrets.read, one not.
create temp table keys (name text primary key, id uuid not null);
grant select, insert on keys to public;
select tests.authenticate_as('alice');
insert into keys values
  ('vault', public.create_api_key(tests.tenant_id('test-acme'), 'vault', 'tnt_test_' || substr(md5('vault') || md5('vault!'), 1, 38),
                                  '{secrets.manage,secrets.read}')),
  ('reader', public.create_api_key(tests.tenant_id('test-acme'), 'reader', 'tnt_test_' || substr(md5('reader') || md5('reader!'), 1, 38),
                                   '{projects.read}'));
select tests.clear_authentication();

-- One statement as a key, undone: 'rows:N', 'ok:N' or 'error:SQLSTATE' (like tests.try_as).
create function pg_temp.try_key(p_name text, p_sql text) returns text language plpgsql as $$
declare
  v_count bigint;
  v_result text;
begin
  begin
    perform set_config('request.jwt.claims', jsonb_build_object('role', 'authenticated',
                       'api_key_id', (select id from keys where name = p_name))::text, true);
    perform set_config('role', 'authenticated', true);
    v_count := tests.row_count(p_sql);
    v_result := 'rows:' || v_count;
    raise exception using errcode = 'TNTST', message = v_result;
  exception when others then
    v_result := case when sqlstate = 'TNTST' then sqlerrm else 'error:' || sqlstate end;
  end;
  perform tests.clear_authentication();
  return v_result;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Creating: who may
-- ---------------------------------------------------------------------------------------------

select is(tests.do_as('alice', pg_temp.create_sql('org')), 'ok:1', 'the owner creates a secret');
select is((select row(name, format, description, owner_type, project_id, version_count, current_version_id = pg_temp.vid('org'),
                      created_by = tests.user_id('alice'))::text from public.secrets where id = pg_temp.sid('org')),
  row('org', 'opaque', '', null::text, null::uuid, 1, true, true)::text,
  'it keeps its name, format, creator and version 1 as current');
select is(tests.do_as('devon', pg_temp.create_sql('dev-made')), 'ok:1', 'a developer creates one (secrets.manage)');
select is(tests.do_as('devon', pg_temp.create_sql('hook', p_owner_type => 'webhook_endpoint')), 'ok:1',
  'a developer creates one owned by a webhook endpoint (webhooks.manage)');
select is(tests.do_as('pat', pg_temp.create_sql('web', p_project => 'web')), 'ok:1',
  'a project owner creates one in the project (secrets.manage through the project role)');
select is(pg_temp.try_key('vault', pg_temp.create_sql('key-made')), 'rows:1', 'an API key holding secrets.manage creates one');
select is(tests.do_as('alice', pg_temp.create_sql('kept-by-key')), 'ok:1', 'and the owner one more');
select is(tests.try_as('pat', pg_temp.create_sql('pat-org')), 'error:TN002', 'the project owner cannot outside the project');
select is(tests.try_as('carol', pg_temp.create_sql('carol')), 'error:TN002', 'a viewer cannot');
select is(tests.try_as('wendy', pg_temp.create_sql('wendy')), 'error:TN002',
  'someone holding webhooks.manage alone cannot create a secret of its own');
select is(tests.try_as('carol', pg_temp.create_sql('carol-hook', p_owner_type => 'webhook_endpoint')), 'error:TN002',
  'nor can a viewer create one owned by an endpoint');
select is(tests.try_as('frank', pg_temp.create_sql('frank')), 'error:TN002', 'another tenant''s owner cannot');
select is(tests.try_as('erin', pg_temp.create_sql('erin')), 'error:TN002', 'a stranger cannot');
select is(tests.try_as('anon', pg_temp.create_sql('anon')), 'error:42501', 'anon may not call it');
select is(pg_temp.try_key('reader', pg_temp.create_sql('reader')), 'error:TN002', 'a key without secrets.manage cannot');

-- ---------------------------------------------------------------------------------------------
-- The input rules
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', pg_temp.create_sql('bad1', p_secret_name => '.hidden')), 'error:TN311', 'a name starting with . is refused');
select is(tests.try_as('alice', pg_temp.create_sql('bad2', p_secret_name => 'has space')), 'error:TN311', 'a name with a space is refused');
select is(tests.try_as('alice', pg_temp.create_sql('bad3', p_format => 'yaml')), 'error:TN312', 'an unknown format is refused');
select is(tests.try_as('alice', pg_temp.create_sql('bad4', p_description => repeat('x', 501))), 'error:TN313', 'a long description is refused');
select is(tests.try_as('alice', pg_temp.create_sql('bad5', p_ciphertext => 'sk_live_plaintext')), 'error:TN314',
  'a value in the clear is refused: only sealed ones are stored');
select is(tests.try_as('alice', pg_temp.create_sql('bad6', p_secret_name => 'ORG')), 'error:TN315',
  'a name another secret has (in any case) is refused');
select is(tests.try_as('alice', pg_temp.create_sql('bad7', p_owner_type => 'teapot')), 'error:TN316', 'an unknown owner type is refused');
select is(tests.try_as('alice', pg_temp.create_sql('bad8', p_metadata => '[1]')), 'error:TN317', 'metadata that is not an object is refused');
select is(tests.try_as('alice', pg_temp.create_sql('bad9', p_metadata => '{"expires_at": "soon"}')), 'error:TN317',
  'an expiry that is not a time is refused');
select is(tests.try_as('frank', replace(pg_temp.create_sql('bad10', p_tenant => 'test-globex'), ', NULL, ''bad10''',
                                        format(', %L, ''bad10''', tests.project_id('test-acme', 'web')))), 'error:TN318',
  'another tenant''s project is refused');
select is(tests.try_as('alice', pg_temp.create_sql('org', p_secret_name => 'org-again')), 'error:TN314',
  'ids already taken are refused');
select is(tests.try_as('alice', pg_temp.create_sql('hook2', p_owner_type => 'webhook_endpoint', p_secret_name => 'org')), 'rows:1',
  'an owned secret may share a name with one of the tenant''s own');

-- ---------------------------------------------------------------------------------------------
-- Versions
-- ---------------------------------------------------------------------------------------------

select is(tests.do_as('bob', pg_temp.version_sql('org', 'org-v2')), 'ok:1', 'an admin adds a version');
select is((select row(v.version, v.expires_at, s.version_count, s.current_version_id = v.id)::text from public.secret_versions v
           join public.secrets s on s.id = v.secret_id where v.id = pg_temp.vid('org-v2')),
  row(2, '2031-05-06 07:08:09+00'::timestamptz, 2, true)::text, 'it is version 2, current, with the expiry it was given');
select is((select count(*)::int from public.secret_versions where secret_id = pg_temp.sid('org')), 2, 'version 1 is kept');
select is(tests.try_as('wendy', pg_temp.version_sql('hook', 'hook-v2')), 'rows:1',
  'the owner module''s permission adds a version to an owned secret');
select is(tests.try_as('wendy', pg_temp.version_sql('org', 'wendy-v')), 'error:TN310',
  'but not to a secret it cannot see');
select is(tests.try_as('carol', pg_temp.version_sql('org', 'carol-v')), 'error:TN310', 'a viewer cannot see it to add one');
select is(tests.try_as('frank', pg_temp.version_sql('org', 'frank-v')), 'error:TN310', 'nor can another tenant''s owner');

select throws_ok(format('update public.secret_versions set ciphertext = %L where id = %L', pg_temp.ciphertext('x'), pg_temp.vid('org')),
  'TN323', null, 'a version never changes, not even for the operator');
select throws_ok(format('delete from public.secret_versions where id = %L', pg_temp.vid('org')),
  'TN323', null, 'nor is it deleted while its secret exists');
select throws_ok(format('update public.secrets set name = %L where id = %L', 'renamed', pg_temp.sid('org')),
  'TN040', null, 'a secret''s name never changes');
select throws_ok(format('insert into public.secret_versions (id, tenant_id, secret_id, version, data_key_id, ciphertext) values (%L, %L, %L, 9, %L, %L)',
  gen_random_uuid(), tests.tenant_id('test-globex'), pg_temp.sid('org'), gen_random_uuid(), pg_temp.ciphertext('x')),
  '23503', null, 'a version cannot point into another tenant''s secret');

-- ---------------------------------------------------------------------------------------------
-- Who sees what: the persona matrix (acme's rows; the sealed columns apart)
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases values
  ('secrets', 'select', format('select id from public.secrets where tenant_id = %L', tests.tenant_id('test-acme'))),
  ('secrets', 'insert', format('insert into public.secrets (tenant_id, name, format) values (%L, ''probe'', ''opaque'')', tests.tenant_id('test-acme'))),
  ('secrets', 'update', 'update public.secrets set description = ''x'''),
  ('secrets', 'delete', 'delete from public.secrets'),
  ('secret_versions', 'select', format('select id, version, metadata from public.secret_versions where tenant_id = %L', tests.tenant_id('test-acme'))),
  ('secret_versions', 'insert', format('insert into public.secret_versions (id, tenant_id, secret_id, version, data_key_id, ciphertext) values (gen_random_uuid(), %L, %L, 9, %L, ''v1.a.b'')',
                                       tests.tenant_id('test-acme'), pg_temp.sid('org'), pg_temp.kid('org'))),
  ('secret_versions', 'update', 'update public.secret_versions set metadata = ''{}'''),
  ('secret_versions', 'delete', 'delete from public.secret_versions'),
  ('secret_data_keys', 'select', 'select id from public.secret_data_keys'),
  ('secret_data_keys', 'insert', format('insert into public.secret_data_keys (id, tenant_id, secret_id, wrapped_key) values (gen_random_uuid(), %L, %L, %L)',
                                        tests.tenant_id('test-acme'), pg_temp.sid('org'), pg_temp.wrapped('x'))),
  ('secret_data_keys', 'update', 'update public.secret_data_keys set rewrapped_at = now()'),
  ('secret_data_keys', 'delete', 'delete from public.secret_data_keys');
create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
-- acme holds 5 secrets (org, dev-made, hook, web, kept-by-key: the probes of try_as and try_key are undone), 6 versions.
insert into matrix_expected
select t.tbl, p.persona,
       case when p.persona = 'anon' or t.tbl = 'secret_data_keys' then 'error:42501'
            else 'rows:' || case t.tbl when 'secrets' then p.secrets else p.versions end end,
       'error:42501', 'error:42501', 'error:42501'
from (values ('secrets'), ('secret_versions'), ('secret_data_keys')) t(tbl)
cross join (values ('anon', 0, 0), ('erin', 0, 0), ('carol', 0, 0), ('dave', 0, 0), ('frank', 0, 0), ('gina', 0, 0),
                   ('wendy', 1, 1), ('pat', 1, 1), ('devon', 5, 6), ('bob', 5, 6), ('alice', 5, 6), ('service_role', 5, 6))
  p(persona, secrets, versions);
select * from tests.persona_matrix();

select is(tests.try_as('alice', 'select ciphertext from public.secret_versions'), 'error:42501', 'not even the owner selects a ciphertext');
select is(tests.try_as('service_role', 'select ciphertext from public.secret_versions'), 'error:42501', 'nor service_role');
select is(pg_temp.try_key('vault', 'select ciphertext from public.secret_versions'), 'error:42501', 'nor an API key');
select is(pg_temp.try_key('vault', format('select id from public.secrets where tenant_id = %L', tests.tenant_id('test-acme'))), 'rows:5',
  'a key holding secrets.read sees the metadata');

-- ---------------------------------------------------------------------------------------------
-- Reveal and use
-- ---------------------------------------------------------------------------------------------

select is(tests.do_as('alice', format('select * from public.reveal_secret(%L) where version = 2 and ciphertext = %L and wrapped_key = %L',
  pg_temp.sid('org'), pg_temp.ciphertext('org-v2'), pg_temp.wrapped('org-v2'))), 'ok:1',
  'the owner is given the current version''s sealed material (the app opens it)');
select is(tests.do_as('bob', format('select * from public.reveal_secret(%L, 1) where version_id = %L', pg_temp.sid('org'), pg_temp.vid('org'))),
  'ok:1', 'an admin reveals version 1');
select is((select array_agg(row(action, actor_id = tests.user_id(case when new_values ->> 'version' = '2' then 'alice' else 'bob' end),
                                new_values ->> 'version')::text order by id)
           from public.audit_logs where target_type = 'secrets' and target_id = pg_temp.sid('org')::text and action = 'secret.reveal'),
  array[row('secret.reveal', true, '2')::text, row('secret.reveal', true, '1')::text], 'each reveal is in the audit log: who, which version');
select is((select count(*)::int from public.events where type = 'secret.revealed' and subject_id = pg_temp.sid('org')::text
             and payload = jsonb_build_object('secret_id', pg_temp.sid('org'), 'name', 'org', 'version', 2)), 1,
  'and published as secret.revealed, without the value');
select is(tests.try_as('alice', format('select * from public.reveal_secret(%L, 7)', pg_temp.sid('org'))), 'error:TN321', 'no such version');
select is(tests.try_as('devon', format('select * from public.reveal_secret(%L)', pg_temp.sid('org'))), 'error:TN002',
  'a developer cannot reveal (secrets.reveal)');
select is(tests.try_as('pat', format('select * from public.reveal_secret(%L)', pg_temp.sid('web'))), 'error:TN002',
  'nor a project owner, even in the project');
select is(tests.try_as('wendy', format('select * from public.reveal_secret(%L)', pg_temp.sid('hook'))), 'error:TN002',
  'nor the owner module''s permission');
select is(tests.try_as('carol', format('select * from public.reveal_secret(%L)', pg_temp.sid('org'))), 'error:TN310', 'a viewer is told there is none');
select is(tests.try_as('frank', format('select * from public.reveal_secret(%L)', pg_temp.sid('org'))), 'error:TN310', 'so is another tenant''s owner');
select is(tests.try_as('service_role', format('select * from public.reveal_secret(%L)', pg_temp.sid('org'))), 'error:TN001',
  'a system job never reveals');
select is(pg_temp.try_key('vault', format('select * from public.reveal_secret(%L)', pg_temp.sid('org'))), 'error:TN002',
  'nor does a key without secrets.reveal');

select is(tests.do_as('devon', format('select * from public.use_secret(%L)', pg_temp.sid('org'))), 'ok:1',
  'a developer uses a secret (secrets.manage)');
select is(tests.do_as('wendy', format('select * from public.use_secret(%L)', pg_temp.sid('hook'))), 'ok:1',
  'the owner module''s permission uses an owned secret');
select is(tests.try_as('wendy', format('select * from public.use_secret(%L)', pg_temp.sid('org'))), 'error:TN310', 'but no other');
select is(tests.try_as('carol', format('select * from public.use_secret(%L)', pg_temp.sid('org'))), 'error:TN310', 'a viewer uses none');
select is(tests.do_as('service_role', format('select * from public.use_secret(%L)', pg_temp.sid('hook'))), 'ok:1', 'a system job uses any');
select is((select array_agg(row(action, actor_type)::text order by id) from public.audit_logs
           where target_type = 'secrets' and target_id in (pg_temp.sid('org')::text, pg_temp.sid('hook')::text) and action = 'secret.use'),
  array[row('secret.use', 'user')::text, row('secret.use', 'user')::text, row('secret.use', 'system')::text],
  'each use is in the audit log as a use, not a reveal');
select is((select count(*)::int from public.audit_logs where target_type in ('secret_versions', 'secret_data_keys')
             and (coalesce(new_values, '{}') ?| array['ciphertext', 'wrapped_key'] or coalesce(old_values, '{}') ?| array['ciphertext', 'wrapped_key'])), 0,
  'the audit log records versions and keys without their sealed text');

-- ---------------------------------------------------------------------------------------------
-- Deleting, owners, rotation's functions
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('carol', format('select public.delete_secret(%L)', pg_temp.sid('org'))), 'error:TN310', 'a viewer cannot delete');
select is(tests.try_as('wendy', format('select public.delete_secret(%L)', pg_temp.sid('dev-made'))), 'error:TN310',
  'nor can the webhook manager delete a secret of the tenant''s own');
select is(tests.do_as('devon', format('select public.delete_secret(%L)', pg_temp.sid('dev-made'))), 'ok:1', 'a developer deletes one');
select is((select count(*)::int from public.secret_versions where secret_id = pg_temp.sid('dev-made'))
          + (select count(*)::int from public.secret_data_keys where secret_id = pg_temp.sid('dev-made')), 0,
  'its versions and data keys go with it');
select lives_ok(format('select private.delete_owned_secrets(%L, %L)', 'webhook_endpoint', md5('owner:hook')::uuid),
  'an owner module deletes what its row owned');
select is((select count(*)::int from public.secrets where id = pg_temp.sid('hook')), 0, 'the owned secret is gone');
select is(tests.try_as('alice', format('select private.delete_owned_secrets(%L, %L)', 'webhook_endpoint', gen_random_uuid())), 'error:42501',
  'no API role calls private.delete_owned_secrets');
select is(tests.try_as('alice', 'select * from public.secret_data_keys_to_rewrap(''0a1b2c3d'', null, 10)'), 'error:42501',
  'the rotation''s reads are not for people');
select is(tests.try_as('service_role', 'select * from public.secret_data_keys_to_rewrap(''0a1b2c3d'', null, 1000)')::text,
  'rows:' || (select count(*) from public.secret_data_keys where kek_id = '0a1b2c3d'), 'but for the system job, by key id');
select is(tests.try_as('service_role', format('select public.rewrap_secret_data_key(%L, %L, %L) where false',
  pg_temp.kid('org'), pg_temp.wrapped('org'), pg_temp.wrapped('rewrapped'))), 'rows:0', 'service_role may re-wrap');
select is(tests.do_as('service_role', format('select 1 where public.rewrap_secret_data_key(%L, %L, %L)',
  pg_temp.kid('org'), pg_temp.wrapped('org'), replace(pg_temp.wrapped('rewrapped'), '0a1b2c3d', '99999999'))), 'ok:1',
  'a re-wrap replaces the key it read');
select is(tests.try_as('service_role', format('select 1 where public.rewrap_secret_data_key(%L, %L, %L)',
  pg_temp.kid('org'), pg_temp.wrapped('org'), pg_temp.wrapped('again'))), 'rows:0',
  'and a second one with the old text changes nothing (resumable, idempotent)');

select * from finish();
rollback;
