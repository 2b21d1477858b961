-- API keys (20261201000000_api_keys.sql): who can create, list, revoke and rotate them; a key's
-- permissions are never more than its creator holds; scope (tenant, project, environment); a key
-- as a principal under RLS (reads, writes audited with the key as actor, person-only actions
-- refused); revoked, expired, rotated (overlap) and suspended-tenant keys; creator removal and
-- demotion (decision 0008: the key is the tenant's); the rate-limit counter and the throttled
-- last use; and PostgREST's pre-request, called as PostgREST calls it.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor and
-- project_editor on "web"; globex: frank owner, gina developer).
begin;
select plan(83);

select tests.seed_fixture();

-- Keys the tests make: a valid-format key per name (the SQL checks the format; the checksum is
-- the app's and the scanner's), and the ids of the keys created, by name.
create function pg_temp.raw(p_name text, p_mode text default 'test') returns text language sql as $$
  select 'tnt_' || p_mode || '_' || substr(md5(p_name) || md5(p_name || '!'), 1, 38)
$$;
create temp table keys (name text primary key, id uuid not null);
grant select, insert on keys to public;

create function pg_temp.create_key(p_persona text, p_name text, p_permissions text[], p_tenant text default 'test-acme',
  p_project text default null, p_environment uuid default null, p_expires timestamptz default null,
  p_limit integer default 600)
returns uuid language plpgsql as $$
declare
  v_id uuid;
begin
  perform tests.authenticate_as(p_persona);
  v_id := public.create_api_key(tests.tenant_id(p_tenant), p_name, pg_temp.raw(p_name), p_permissions,
                                case when p_project is not null then tests.project_id(p_tenant, p_project) end,
                                p_environment, p_expires, p_limit);
  perform tests.clear_authentication();
  insert into keys values (p_name, v_id);
  return v_id;
end $$;

create function pg_temp.key_id(p_name text) returns uuid language sql as $$ select id from keys where name = p_name $$;

create function pg_temp.as_key(p_name text) returns void language sql as $$
  select set_config('request.jwt.claims', jsonb_build_object('role', 'authenticated', 'api_key_id', pg_temp.key_id(p_name))::text, true),
         set_config('role', 'authenticated', true)
$$;

-- One statement as a key, undone: 'rows:N', 'ok:N' or 'error:SQLSTATE' (like tests.try_as).
create function pg_temp.try_key(p_name text, p_sql text) returns text language plpgsql as $$
declare
  v_count bigint;
  v_result text;
begin
  begin
    perform pg_temp.as_key(p_name);
    if p_sql ~* '^\s*select' then
      v_count := tests.row_count(p_sql);
      v_result := 'rows:' || v_count;
    else
      execute p_sql;
      get diagnostics v_count = row_count;
      v_result := 'ok:' || v_count;
    end if;
    raise exception using errcode = 'TNTST', message = v_result;
  exception when others then
    if sqlstate = 'TNTST' then
      v_result := sqlerrm;
    else
      v_result := 'error:' || sqlstate;
    end if;
  end;
  perform tests.clear_authentication();
  return v_result;
end $$;

create function pg_temp.acme_projects() returns text language sql as $$
  select format('select 1 from public.projects where tenant_id = %L', tests.tenant_id('test-acme'))
$$;

-- ---------------------------------------------------------------------------------------------
-- Creating: who may, and never more than they hold
-- ---------------------------------------------------------------------------------------------

select isnt(pg_temp.create_key('alice', 'acme-reader', array['projects.read', 'usage.record', 'audit.read']), null,
  'the owner creates a tenant-wide key');
select is((select row(scope, mode, prefix, last_four, cardinality(permissions), created_by = tests.user_id('alice'))::text
           from public.api_keys where id = pg_temp.key_id('acme-reader')),
  row('tenant', 'test', left(pg_temp.raw('acme-reader'), 17), right(pg_temp.raw('acme-reader'), 4), 3, true)::text,
  'it keeps the scope, the mode, the prefix, the last four, the permissions and its creator');
select is((select key_hash from public.api_keys where id = pg_temp.key_id('acme-reader')),
  extensions.hmac(convert_to(pg_temp.raw('acme-reader'), 'UTF8'), (select secret from private.api_key_secret), 'sha256'),
  'only the HMAC of the key is stored');
select is((select count(*)::int from public.api_keys where key_hash::text like '%' || pg_temp.raw('acme-reader') || '%'
             or prefix = pg_temp.raw('acme-reader')), 0, 'the key itself is nowhere in the row');
select is(tests.try_as('alice', 'select key_hash from public.api_keys'), 'error:42501',
  'not even an owner can read key hashes');
select is(tests.try_as('bob', format('select 1 from public.api_keys where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:1', 'an admin (api_keys.read) lists the tenant''s keys');
select is(tests.try_as('carol', format('select 1 from public.api_keys where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:0', 'a viewer sees no keys');
select is(tests.try_as('gina', format('select 1 from public.api_keys where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:0', 'nor does another tenant''s developer');
select is(tests.try_as('anon', 'select id from public.api_keys'), 'error:42501', 'anon cannot read keys at all');
select is(tests.try_as('alice', format($$insert into public.api_keys (tenant_id, name, mode, scope, permissions, prefix, last_four, key_hash)
  values (%L, 'x', 'test', 'tenant', '{projects.read}', 'tnt_test_abcdefgh', 'abcd', '\x00')$$, tests.tenant_id('test-acme'))),
  'error:42501', 'keys are written only through the RPCs');

select is(tests.try_as('carol', format($$select public.create_api_key(%L, 'c', %L, '{projects.read}')$$,
  tests.tenant_id('test-acme'), pg_temp.raw('c'))), 'error:TN002', 'a viewer (no api_keys.manage) cannot create a key');
select is(tests.try_as('anon', format($$select public.create_api_key(%L, 'c', %L, '{projects.read}')$$,
  tests.tenant_id('test-acme'), pg_temp.raw('c'))), 'error:42501', 'nor can anon');
select is(tests.try_as('gina', format($$select public.create_api_key(%L, 'g', %L, '{projects.read}')$$,
  tests.tenant_id('test-acme'), pg_temp.raw('g'))), 'error:TN002', 'nor a member of another tenant');
select is(tests.try_as('gina', format($$select public.create_api_key(%L, 'g', %L, '{projects.read,billing.read}')$$,
  tests.tenant_id('test-globex'), pg_temp.raw('g'))), 'error:TN204',
  'a developer cannot give a key billing.read, which she does not hold (as for roles)');
select is(tests.try_as('bob', format($$select public.create_api_key(%L, 'b', %L, '{members.manage}')$$,
  tests.tenant_id('test-acme'), pg_temp.raw('b'))), 'error:TN205', 'person-only permissions are not for keys');
select is(tests.try_as('alice', format($$select public.create_api_key(%L, 'b', %L, '{api_keys.manage}')$$,
  tests.tenant_id('test-acme'), pg_temp.raw('b'))), 'error:TN205', 'a key never holds api_keys.manage (keys mint no keys)');
select is(tests.try_as('alice', format($$select public.create_api_key(%L, 'b', %L, '{nope.read}')$$,
  tests.tenant_id('test-acme'), pg_temp.raw('b'))), 'error:TN214', 'an unknown permission is refused');
select is(tests.try_as('alice', format($$select public.create_api_key(%L, 'b', %L, '{}')$$,
  tests.tenant_id('test-acme'), pg_temp.raw('b'))), 'error:TN214', 'a key needs a permission');
select is(tests.try_as('alice', format($$select public.create_api_key(%L, '  ', %L, '{projects.read}')$$,
  tests.tenant_id('test-acme'), pg_temp.raw('b'))), 'error:TN207', 'a key needs a name');
select is(tests.try_as('alice', format($$select public.create_api_key(%L, 'b', 'tnt_live_short', '{projects.read}')$$,
  tests.tenant_id('test-acme'))), 'error:TN209', 'a key of the wrong format is refused');
select is(tests.try_as('alice', format($$select public.create_api_key(%L, 'b', %L, '{projects.read}', null, null, now() - interval '1 day')$$,
  tests.tenant_id('test-acme'), pg_temp.raw('b'))), 'error:TN208', 'an expiry in the past is refused');
select is(tests.try_as('alice', format($$select public.create_api_key(%L, 'b', %L, '{projects.read}', null, null, null, 0)$$,
  tests.tenant_id('test-acme'), pg_temp.raw('b'))), 'error:TN213', 'a rate limit below 1 is refused');
select is(tests.try_as('alice', format($$select public.create_api_key(%L, 'b', %L, '{projects.read}')$$,
  tests.tenant_id('test-acme'), pg_temp.raw('acme-reader'))), 'error:TN209', 'a key already in use is refused');

-- Scope
select isnt(pg_temp.create_key('alice', 'acme-web', array['projects.read', 'environments.manage'], 'test-acme', 'web'), null,
  'the owner creates a project key');
select is(tests.try_as('alice', format($$select public.create_api_key(%L, 'b', %L, '{members.read}', %L)$$,
  tests.tenant_id('test-acme'), pg_temp.raw('b'), tests.project_id('test-acme', 'web'))), 'error:TN206',
  'a project key holds project-scoped permissions only');
select is(tests.try_as('alice', format($$select public.create_api_key(%L, 'b', %L, '{projects.read}', %L)$$,
  tests.tenant_id('test-acme'), pg_temp.raw('b'), tests.project_id('test-globex', 'data'))), 'error:TN206',
  'a project of another tenant is refused');
select is(tests.try_as('alice', format($$select public.create_api_key(%L, 'b', %L, '{projects.read}', %L, %L)$$,
  tests.tenant_id('test-acme'), pg_temp.raw('b'), tests.project_id('test-acme', 'web'),
  (select id from public.environments where project_id = tests.project_id('test-acme', 'api') limit 1))), 'error:TN206',
  'an environment of another project is refused');
select isnt(pg_temp.create_key('alice', 'acme-web-prod', array['projects.read', 'environments.manage'], 'test-acme', 'web',
  (select id from public.environments where project_id = tests.project_id('test-acme', 'web') and kind = 'production')), null,
  'the owner creates an environment key');
select is(tests.try_as('dave', format($$select public.create_api_key(%L, 'd', %L, '{projects.read}', %L)$$,
  tests.tenant_id('test-acme'), pg_temp.raw('d'), tests.project_id('test-acme', 'web'))), 'error:TN002',
  'a project editor (api_keys.read, not manage) cannot create a project key');
select is(tests.try_as('dave', format('select 1 from public.api_keys where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:2', 'a project editor lists the keys of his project only');

-- What the page offers is what SQL would accept.
select is(tests.try_as('gina', format('select 1 from public.api_key_grantable_permissions(%L) where code = %L',
  tests.tenant_id('test-globex'), 'billing.read')), 'rows:0', 'the page offers no permission the creator lacks');
select is(tests.try_as('gina', format('select 1 from public.api_key_grantable_permissions(%L) where code in (%L, %L)',
  tests.tenant_id('test-globex'), 'projects.read', 'api_keys.manage')), 'rows:1', 'nor a person-only one');
select is(tests.try_as('carol', format('select 1 from public.api_key_grantable_permissions(%L)', tests.tenant_id('test-acme'))),
  'rows:0', 'and nothing to someone who may not create keys');

-- ---------------------------------------------------------------------------------------------
-- A key as a principal under RLS
-- ---------------------------------------------------------------------------------------------

select is(pg_temp.try_key('acme-reader', pg_temp.acme_projects()), 'rows:2', 'a tenant key reads its tenant''s projects');
select is(pg_temp.try_key('acme-reader', format('select 1 from public.projects where tenant_id = %L', tests.tenant_id('test-globex'))),
  'rows:0', 'and nothing of another tenant');
select is(pg_temp.try_key('acme-reader', format('select 1 from public.memberships where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:0', 'without members.read it sees no members');
select is(pg_temp.try_key('acme-reader', format('select 1 from public.tenants where id = %L', tests.tenant_id('test-acme'))),
  'rows:1', 'it reads its own tenant');
select is(pg_temp.try_key('acme-reader', format($$insert into public.projects (tenant_id, slug, name) values (%L, 'k', 'K')$$,
  tests.tenant_id('test-acme'))), 'error:42501', 'without projects.create it creates no project');
select is(pg_temp.try_key('acme-web', pg_temp.acme_projects()), 'rows:1', 'a project key reads its project only');
select is(pg_temp.try_key('acme-web', format('select 1 from public.environments where project_id = %L', tests.project_id('test-acme', 'web'))),
  'rows:3', 'and its project''s environments');
select is(pg_temp.try_key('acme-web-prod', format('select 1 from public.environments where project_id = %L', tests.project_id('test-acme', 'web'))),
  'rows:1', 'an environment key sees its environment only');
select is(pg_temp.try_key('acme-web-prod', format($$update public.environments set name = 'Renamed' where project_id = %L$$,
  tests.project_id('test-acme', 'web'))), 'ok:1', 'and changes only that one');
select is(pg_temp.try_key('acme-reader', format($$select public.archive_tenant(%L, 'by key')$$, tests.tenant_id('test-acme'))),
  'error:TN212', 'a person-only action is refused to a key');
select is(pg_temp.try_key('acme-reader', format($$select public.leave_tenant(%L)$$, tests.tenant_id('test-acme'))),
  'error:TN001', 'a key is no person: it cannot leave the tenant');
select is(pg_temp.try_key('acme-reader', format($$select public.create_api_key(%L, 'k', %L, '{projects.read}')$$,
  tests.tenant_id('test-acme'), pg_temp.raw('k'))), 'error:TN212', 'a key cannot create keys');

-- A write made with a key is audited with the key as the actor.
select pg_temp.as_key('acme-reader');
select is((select recorded from public.record_usage(tests.tenant_id('test-acme'), 'api_calls', 5, 'key-1')), true,
  'a key holding usage.record records usage');
select tests.clear_authentication();
select is((select row(actor_type, actor_id = pg_temp.key_id('acme-reader'))::text from public.audit_logs
           where action = 'usage.record' and tenant_id = tests.tenant_id('test-acme') order by id desc limit 1),
  row('api_key', true)::text, 'the audit entry names the key as the actor');
select is((select row(actor_type, actor_id = tests.user_id('alice'))::text from public.audit_logs
           where action = 'api_keys.insert' and target_id = pg_temp.key_id('acme-reader')::text),
  row('user', true)::text, 'the key''s creation is audited with its creator as the actor');
select is((select count(*)::int from public.audit_logs where action like 'api_keys.%'
           and (new_values ? 'key_hash' or old_values ? 'key_hash')), 0, 'the audit log never holds a key hash');

-- ---------------------------------------------------------------------------------------------
-- Revoked, expired, suspended tenant
-- ---------------------------------------------------------------------------------------------

select pg_temp.create_key('alice', 'to-revoke', array['projects.read']);
select is(tests.try_as('carol', format('select public.revoke_api_key(%L)', pg_temp.key_id('to-revoke'))), 'error:TN210',
  'a viewer cannot revoke a key (the same answer as for no key)');
select is(tests.try_as('gina', format('select public.revoke_api_key(%L)', pg_temp.key_id('to-revoke'))), 'error:TN210',
  'nor can another tenant');
select is(tests.do_as('bob', format('select public.revoke_api_key(%L)', pg_temp.key_id('to-revoke'))), 'ok:1',
  'an admin revokes it');
select is(pg_temp.try_key('to-revoke', 'values (private.assert_api_key_active()::text)'), 'error:TN201',
  'a revoked key is refused at the start of its next request');
select is(pg_temp.try_key('to-revoke', pg_temp.acme_projects()), 'rows:0', 'and holds nothing');
select is((select row(actor_type, actor_id = tests.user_id('bob'), new_values ? 'revoked_at')::text from public.audit_logs
           where action = 'api_keys.update' and target_id = pg_temp.key_id('to-revoke')::text),
  row('user', true, true)::text, 'the revocation is audited');

select pg_temp.create_key('alice', 'to-expire', array['projects.read'], p_expires => now() + interval '1 day');
update public.api_keys set expires_at = now() where id = pg_temp.key_id('to-expire');
select is(pg_temp.try_key('to-expire', 'values (private.assert_api_key_active()::text)'), 'error:TN202', 'an expired key is refused');
select is(pg_temp.try_key('to-expire', pg_temp.acme_projects()), 'rows:0', 'and holds nothing');

select pg_temp.create_key('frank', 'globex-key', array['projects.read'], 'test-globex');
update public.tenants set status = 'suspended', status_reason = 'tests' where slug = 'test-globex';
select is(pg_temp.try_key('globex-key', 'values (private.assert_api_key_active()::text)'), 'error:TN203',
  'a suspended tenant''s key is refused');
select is(pg_temp.try_key('globex-key', format('select 1 from public.projects where tenant_id = %L', tests.tenant_id('test-globex'))),
  'rows:0', 'and holds nothing');
update public.tenants set status = 'active', status_reason = null where slug = 'test-globex';

-- ---------------------------------------------------------------------------------------------
-- Rotation with an overlap window
-- ---------------------------------------------------------------------------------------------

select pg_temp.create_key('alice', 'to-rotate', array['projects.read']);
select tests.authenticate_as('alice');
insert into keys values ('rotated', public.rotate_api_key(pg_temp.key_id('to-rotate'), pg_temp.raw('rotated'), 3600));
select tests.clear_authentication();
select is((select row(name, permissions, rotated_from = pg_temp.key_id('to-rotate'))::text from public.api_keys where id = pg_temp.key_id('rotated')),
  row('to-rotate', '{projects.read}'::text[], true)::text, 'rotation issues a new key with the same name and rights');
select is((select row(replaced_by = pg_temp.key_id('rotated'), expires_at = now() + interval '1 hour')::text
           from public.api_keys where id = pg_temp.key_id('to-rotate')),
  row(true, true)::text, 'the old key is marked replaced and expires at the end of the overlap');
select is(pg_temp.try_key('to-rotate', pg_temp.acme_projects()), 'rows:2', 'the old key keeps working during the overlap');
select is(pg_temp.try_key('rotated', pg_temp.acme_projects()), 'rows:2', 'and so does the new one');
select is(tests.try_as('alice', format('select public.rotate_api_key(%L, %L)', pg_temp.key_id('to-rotate'), pg_temp.raw('again'))),
  'error:TN210', 'a key is rotated once');
select is(tests.try_as('alice', format('select public.rotate_api_key(%L, %L, 700000)', pg_temp.key_id('rotated'), pg_temp.raw('again'))),
  'error:TN211', 'the overlap is at most 7 days');
select is(tests.try_as('alice', format('select public.rotate_api_key(%L, %L)', pg_temp.key_id('rotated'), pg_temp.raw('again', 'live'))),
  'error:TN209', 'a test key rotates into a test key');
select is((select count(*)::int from public.audit_logs where target_id = pg_temp.key_id('to-rotate')::text and action = 'api_keys.update'
           and new_values ? 'replaced_by'), 1, 'the rotation is audited');

-- ---------------------------------------------------------------------------------------------
-- Creator demotion and removal (decision 0008: the key is the tenant's)
-- ---------------------------------------------------------------------------------------------

select pg_temp.create_key('bob', 'bobs-key', array['projects.read', 'audit.read']);
update public.role_assignments set role_id = tests.role_id('developer')
where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('bob');
select is(pg_temp.try_key('bobs-key', pg_temp.acme_projects()), 'rows:2', 'after its creator''s demotion the key keeps working');
select is(tests.try_as('bob', format('select public.rotate_api_key(%L, %L)', pg_temp.key_id('bobs-key'), pg_temp.raw('bob2'))),
  'error:TN204', 'but the demoted creator cannot rotate it: the new key would hold audit.read, which he no longer does');
delete from public.memberships where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('bob');
select is(pg_temp.try_key('bobs-key', pg_temp.acme_projects()), 'rows:2', 'after its creator''s removal the key keeps working');
select is(tests.do_as('alice', format('select public.revoke_api_key(%L)', pg_temp.key_id('bobs-key'))), 'ok:1',
  'and the owner can still revoke it');

-- ---------------------------------------------------------------------------------------------
-- Rate limit and last use
-- ---------------------------------------------------------------------------------------------

select pg_temp.create_key('alice', 'limited', array['projects.read'], p_limit => 2);
-- The window is the wall clock's minute: start the three requests at least five seconds before it turns.
select pg_sleep(61 - extract(second from clock_timestamp())) where extract(second from clock_timestamp()) >= 55;
select is((select array_agg((select h.hits from private.api_key_hit(pg_temp.key_id('limited'), ('203.0.113.' || 9 + n - n)::inet) h)
                             order by n) from generate_series(1, 3) n),
  array[1, 2, 3], 'every request of the key is counted in one shared row');
select is((select row(last_used_at = now(), last_used_ip)::text from public.api_keys where id = pg_temp.key_id('limited')),
  row(true, '203.0.113.9'::inet)::text, 'the first use is recorded');
update public.api_keys set last_used_at = now() - interval '30 seconds' where id = pg_temp.key_id('limited');
select private.api_key_hit(pg_temp.key_id('limited'), '198.51.100.1');
select is((select last_used_ip from public.api_keys where id = pg_temp.key_id('limited')), '203.0.113.9'::inet,
  'a use within a minute of the last is not written');

-- ---------------------------------------------------------------------------------------------
-- PostgREST: request.headers and the role as PostgREST sets them, then the pre-request, then queries
-- ---------------------------------------------------------------------------------------------

create function pg_temp.postgrest(p_key text, p_sql text) returns text language plpgsql as $$
declare
  v_count bigint;
  v_result text;
begin
  begin
    perform set_config('request.headers', jsonb_build_object('x-tenantry-api-key', p_key, 'apikey', 'anon-key')::text, true);
    perform set_config('request.jwt.claims', '{"role":"anon"}', true);
    perform set_config('role', 'anon', true);
    perform public.tenantry_pre_request();
    v_count := tests.row_count(p_sql);
    raise exception using errcode = 'TNTST', message = current_setting('role') || ' rows:' || v_count;
  exception when others then
    v_result := case when sqlstate = 'TNTST' then sqlerrm else 'error:' || sqlstate end;
  end;
  perform tests.clear_authentication();
  perform set_config('request.headers', '', true);
  return v_result;
end $$;

select is(pg_temp.postgrest(pg_temp.raw('acme-reader'), pg_temp.acme_projects()), 'authenticated rows:2',
  'PostgREST: an allowed key runs as authenticated with its rights');
select is(pg_temp.postgrest(pg_temp.raw('acme-reader'), format('select 1 from public.memberships where tenant_id = %L', tests.tenant_id('test-acme'))),
  'authenticated rows:0', 'PostgREST: what the key was not given is refused (no members.read)');
select is(pg_temp.postgrest(pg_temp.raw('acme-reader'), format('select 1 from public.projects where tenant_id = %L', tests.tenant_id('test-globex'))),
  'authenticated rows:0', 'PostgREST: another tenant''s rows are refused');
select is(pg_temp.postgrest(pg_temp.raw('to-revoke'), pg_temp.acme_projects()), 'error:TN201', 'PostgREST: a revoked key fails the request');
select is(pg_temp.postgrest(pg_temp.raw('to-expire'), pg_temp.acme_projects()), 'error:TN202', 'PostgREST: an expired key fails the request');
select is(pg_temp.postgrest(pg_temp.raw('never-created'), pg_temp.acme_projects()), 'error:TN200', 'PostgREST: an unknown key fails the request');
select is(pg_temp.postgrest('tnt_live_nope', pg_temp.acme_projects()), 'error:TN200', 'PostgREST: a malformed key fails the request');
select is(pg_temp.postgrest(pg_temp.raw('limited'), pg_temp.acme_projects()), 'error:TN215',
  'PostgREST: a key past its rate limit fails the request');
select is(pg_temp.postgrest(null, 'select 1 from public.plans'), 'anon rows:' || (select count(*) from public.plans),
  'PostgREST: without the header the request stays as it came (anon)');

select * from finish();
rollback;
