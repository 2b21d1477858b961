-- Webhooks (20261202000100_webhooks.sql): who may create, read, change, turn on and off, delete,
-- rotate, reveal, test and replay; that the sealed secrets are unreadable by select; the input
-- rules and their codes; composite keys across tenants; at most two live secrets; and a test
-- send's one delivery, built by private.webhook_body.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer; globex: frank owner,
-- gina developer) and devon, a developer of acme, added here; API keys of acme with and without
-- webhooks.manage.
begin;
select plan(129);

select tests.seed_fixture();
select tests.create_user('devon');
insert into public.memberships (tenant_id, user_id) values (tests.tenant_id('test-acme'), tests.user_id('devon'));
insert into public.role_assignments (tenant_id, user_id, role_id)
values (tests.tenant_id('test-acme'), tests.user_id('devon'), tests.role_id('developer'));

-- A signing secret sealed as the app's envelope writes it (SQL checks the form; only the app
-- opens it): a wrapped data key and the value sealed under it, as version md5('secret:<name>') of
-- the endpoint's owned secret.
create function pg_temp.wrapped(p_name text) returns text language sql as $$
  select 'v1.0a1b2c3d.' || md5(p_name || 'iv') || '.' || md5(p_name) || md5(p_name || '!')
$$;
create function pg_temp.sealed(p_name text) returns text language sql as $$
  select 'v1.' || md5(p_name || 'value-iv') || '.' || md5(p_name || 'value') || md5(p_name || 'value!')
$$;
-- The version's arguments (secret, version, data key ids, wrapped key, ciphertext) as SQL text.
create function pg_temp.version_args(p_owned uuid, p_name text, p_sealed text default null) returns text language sql as $$
  select format('%L, %L, %L, %L, %L', p_owned, md5('secret:' || p_name)::uuid, md5('key:' || p_name)::uuid,
                pg_temp.wrapped(p_name), coalesce(p_sealed, pg_temp.sealed(p_name)))
$$;
create function pg_temp.create_sql(p_tenant text, p_name text, p_url text default 'https://hooks.example.com/in',
  p_types text default '{}', p_rate text default 'null', p_sealed text default null, p_secret_id uuid default null,
  p_description text default 'Orders')
returns text language sql as $$
  select format('select public.create_webhook_endpoint(%L, %L, %L, %L::text[], %s, %s)',
                tests.tenant_id(p_tenant), p_url, p_description, p_types, p_rate,
                pg_temp.version_args(coalesce(p_secret_id, md5('owned:' || p_name)::uuid), p_name, p_sealed))
$$;

-- Endpoints the tests make, by name.
create temp table endpoints (name text primary key, id uuid not null);
grant select, insert on endpoints to public;
create function pg_temp.endpoint(p_name text) returns uuid language sql as $$ select id from endpoints where name = p_name $$;
create function pg_temp.make(p_persona text, p_name text, p_types text default '{}') returns uuid language plpgsql as $$
declare
  v_id uuid;
begin
  perform tests.authenticate_as(p_persona);
  execute pg_temp.create_sql('test-acme', p_name, p_types => p_types) into v_id;
  perform tests.clear_authentication();
  insert into endpoints values (p_name, v_id);
  return v_id;
end $$;

-- API keys of acme: one holding webhooks.manage, one not.
create temp table keys (name text primary key, id uuid not null);
grant select, insert on keys to public;
select tests.authenticate_as('alice');
insert into keys values
  ('hooks', public.create_api_key(tests.tenant_id('test-acme'), 'hooks', 'tnt_test_' || substr(md5('hooks') || md5('hooks!'), 1, 38),
                                  '{webhooks.manage}')),
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
    v_result := case when sqlstate = 'TNTST' then sqlerrm else 'error:' || sqlstate end;
  end;
  perform tests.clear_authentication();
  return v_result;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Creating: who may
-- ---------------------------------------------------------------------------------------------

select isnt(pg_temp.make('alice', 'orders', '{member.added,project.created}'), null, 'the owner creates an endpoint');
select is((select row(url, description, event_types, enabled, rate_limit_per_second, disabled_reason, created_by = tests.user_id('alice'))::text
           from public.webhook_endpoints where id = pg_temp.endpoint('orders')),
  row('https://hooks.example.com/in', 'Orders', '{member.added,project.created}'::text[], true, null::int, null::text, true)::text,
  'it keeps the URL, description, event types and creator, on and without a limit');
select is((select row(id, tenant_id, expires_at)::text from public.webhook_endpoint_secrets where endpoint_id = pg_temp.endpoint('orders')),
  row(md5('secret:orders')::uuid, tests.tenant_id('test-acme'), null::timestamptz)::text,
  'with its first secret, current, under the id the app chose');
select is((select row(s.id, s.name, s.format, s.owner_id, s.version_count, s.current_version_id)::text from public.secrets s
           where s.owner_type = 'webhook_endpoint' and s.owner_id = pg_temp.endpoint('orders')),
  row(md5('owned:orders')::uuid, 'signing_secret', 'opaque', pg_temp.endpoint('orders'), 1, md5('secret:orders')::uuid)::text,
  'which is version 1 of the endpoint''s owned secret on the secrets store');
select is((select row(w.secret_version_id, w.sealed, k.wrapped_key, v.ciphertext)::text
           from public.webhook_endpoint_secrets w
           join public.secret_versions v on v.id = w.secret_version_id
           join public.secret_data_keys k on k.id = v.data_key_id
           where w.endpoint_id = pg_temp.endpoint('orders')),
  row(md5('secret:orders')::uuid, null::text, pg_temp.wrapped('orders'), pg_temp.sealed('orders'))::text,
  'sealed with envelope encryption (its data key wrapped by the key-encryption key), not in the old sealed column');
select isnt(pg_temp.make('bob', 'admin-made'), null, 'an admin creates an endpoint');
select isnt(pg_temp.make('devon', 'dev-made'), null, 'a developer creates an endpoint');
select is(tests.try_as('carol', pg_temp.create_sql('test-acme', 'c')), 'error:TN002', 'a viewer cannot');
select is(tests.try_as('frank', pg_temp.create_sql('test-acme', 'f')), 'error:TN002', 'nor another tenant''s owner');
select is(tests.try_as('erin', pg_temp.create_sql('test-acme', 'e')), 'error:TN002', 'nor a stranger');
select is(tests.try_as('anon', pg_temp.create_sql('test-acme', 'a')), 'error:42501', 'nor anon');
select is(pg_temp.try_key('hooks', pg_temp.create_sql('test-acme', 'k')), 'rows:1', 'an API key holding webhooks.manage creates one');
select is(pg_temp.try_key('reader', pg_temp.create_sql('test-acme', 'k')), 'error:TN002', 'a key without it cannot');
select is(pg_temp.try_key('hooks', pg_temp.create_sql('test-globex', 'k')), 'error:TN002',
  'nor can the key in another tenant');

-- ---------------------------------------------------------------------------------------------
-- The input rules, each with its code
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', 'ftp://hooks.example.com/in')), 'error:TN261', 'only http(s) URLs');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', 'https://user:pw@hooks.example.com/in')), 'error:TN261',
  'no credentials in the URL');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', 'https://hooks.example.com/' || repeat('a', 2030))), 'error:TN261',
  'at most 2048 characters');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', 'https://hooks.example.com/a b')), 'error:TN261', 'no spaces');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', p_types => '{member.added,no.such}')), 'error:TN262',
  'event types come from the catalogue');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', p_types => '{webhook.test}')), 'error:TN262',
  'webhook.test is sent on request, not subscribed to');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', p_rate => '0')), 'error:TN263', 'a rate limit of at least 1');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', p_rate => '1001')), 'error:TN263', 'and at most 1000');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', p_description => repeat('d', 501))), 'error:TN264',
  'a description of at most 500 characters');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', p_sealed => 'whsec_plaintext')), 'error:TN265',
  'a secret in the clear is refused: only sealed ones are stored');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', p_secret_id => md5('owned:orders')::uuid)), 'error:TN265',
  'a secret id already in use is refused');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'orders', p_secret_id => md5('owned:fresh')::uuid)), 'error:TN265',
  'and so is a version id already in use');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', p_types => '{project.created,member.added,project.created}')
                                || ' as id'), 'rows:1', 'repeated event types are fine');
select is((select count(*)::int from public.webhook_endpoints where tenant_id = tests.tenant_id('test-acme')), 3,
  'and no refused create left anything behind');
insert into public.webhook_endpoints (tenant_id, url) select tests.tenant_id('test-globex'), 'https://g.example.com/' || n from generate_series(1, 50) n;
select is(tests.try_as('frank', pg_temp.create_sql('test-globex', 'g51')), 'error:TN266', 'an organisation has at most 50 endpoints');
delete from public.webhook_endpoints where tenant_id = tests.tenant_id('test-globex');

-- ---------------------------------------------------------------------------------------------
-- Reading: endpoints, deliveries, attempts; never the secrets
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', format('select 1 from public.webhook_endpoints where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:3', 'the owner lists the tenant''s endpoints');
select is(tests.try_as('devon', format('select 1 from public.webhook_endpoints where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:3', 'so does a developer');
select is(tests.try_as('carol', 'select 1 from public.webhook_endpoints'), 'rows:0', 'a viewer sees none');
select is(tests.try_as('frank', format('select 1 from public.webhook_endpoints where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:0', 'another tenant''s owner sees none');
select is(pg_temp.try_key('hooks', 'select 1 from public.webhook_endpoints'), 'rows:3', 'a key holding webhooks.manage lists them');
select is(pg_temp.try_key('reader', 'select 1 from public.webhook_endpoints'), 'rows:0', 'a key without it sees none');
select is(tests.try_as('anon', 'select 1 from public.webhook_endpoints'), 'error:42501', 'anon cannot read them at all');
select is(tests.try_as('alice', 'select sealed from public.webhook_endpoint_secrets'), 'error:42501',
  'not even the owner can select a sealed secret');
select is(tests.try_as('alice', 'select id, expires_at from public.webhook_endpoint_secrets'), 'error:42501',
  'nor anything else of the secrets table');
select is(pg_temp.try_key('hooks', 'select id from public.webhook_endpoint_secrets'), 'error:42501', 'nor a key');
select is(tests.try_as('service_role', 'select sealed from public.webhook_endpoint_secrets'), 'error:42501', 'nor service_role');
select is((select count(*)::int from public.audit_logs where target_type = 'webhook_endpoint_secrets'
             and (coalesce(new_values, '{}') ? 'sealed' or coalesce(old_values, '{}') ? 'sealed')), 0,
  'the audit log records secrets without their sealed text');
select is((select count(*)::int from public.audit_logs where target_type = 'webhook_endpoint_secrets'
             and action = 'webhook_endpoint_secrets.insert' and tenant_id = tests.tenant_id('test-acme')), 3,
  'but records every secret made');

-- Direct writes: none; the RPCs are the only way in.
select is(tests.try_as('alice', format($$insert into public.webhook_endpoints (tenant_id, url) values (%L, 'https://x.example.com')$$,
  tests.tenant_id('test-acme'))), 'error:42501', 'endpoints are not inserted directly');
select is(tests.try_as('alice', 'update public.webhook_endpoints set enabled = false'), 'error:42501', 'nor updated');
select is(tests.try_as('alice', 'delete from public.webhook_endpoints'), 'error:42501', 'nor deleted');
select is(tests.try_as('alice', 'update public.webhook_deliveries set status = ''pending'''), 'error:42501', 'deliveries are not updated directly');
select throws_ok(format('update public.webhook_endpoints set tenant_id = %L where id = %L', tests.tenant_id('test-globex'),
  pg_temp.endpoint('orders')), 'TN040', null, 'an endpoint never moves to another tenant, whoever asks');
select throws_ok(format('update public.webhook_endpoint_secrets set sealed = %L where endpoint_id = %L', pg_temp.sealed('other'),
  pg_temp.endpoint('orders')), 'TN040', null, 'a secret''s sealed text never changes');

-- Composite keys: no row of one tenant points into another's.
select throws_ok(format('insert into public.webhook_endpoint_secrets (tenant_id, endpoint_id, sealed, expires_at) values (%L, %L, %L, now())',
  tests.tenant_id('test-globex'), pg_temp.endpoint('orders'), pg_temp.sealed('x')), '23503', null,
  'a secret cannot belong to another tenant''s endpoint');

-- ---------------------------------------------------------------------------------------------
-- Changing, turning off and on, deleting
-- ---------------------------------------------------------------------------------------------

create function pg_temp.update_sql(p_name text, p_url text default 'https://hooks.example.com/v2') returns text language sql as $$
  select format($f$select public.update_webhook_endpoint(%L, %L, 'Orders v2', '{invoice.paid}', 10)$f$, pg_temp.endpoint(p_name), p_url)
$$;
select is(tests.do_as('bob', pg_temp.update_sql('orders')), 'ok:1', 'an admin changes an endpoint');
select is((select row(url, description, event_types, rate_limit_per_second)::text from public.webhook_endpoints where id = pg_temp.endpoint('orders')),
  row('https://hooks.example.com/v2', 'Orders v2', '{invoice.paid}'::text[], 10)::text, 'every setting is replaced');
select is(tests.try_as('carol', pg_temp.update_sql('orders')), 'error:TN260', 'a viewer cannot: no such endpoint, for her');
select is(tests.try_as('frank', pg_temp.update_sql('orders')), 'error:TN260', 'nor another tenant''s owner (the same answer)');
select is(tests.try_as('alice', format($$select public.update_webhook_endpoint(%L, 'https://x.example.com', '', '{}', null)$$,
  gen_random_uuid())), 'error:TN260', 'an id that does not exist gets that answer too');
select is(pg_temp.try_key('reader', pg_temp.update_sql('orders')), 'error:TN260', 'a key without webhooks.manage cannot');
select is(pg_temp.try_key('hooks', pg_temp.update_sql('orders')), 'rows:1', 'a key with it can');
select is(tests.try_as('alice', pg_temp.update_sql('orders', 'javascript:alert(1)')), 'error:TN261', 'the URL rules hold on update');

select is(tests.do_as('devon', format('select public.set_webhook_endpoint_enabled(%L, false)', pg_temp.endpoint('orders'))), 'ok:1',
  'a developer turns an endpoint off');
select is((select row(enabled, disabled_reason, disabled_at is not null)::text from public.webhook_endpoints where id = pg_temp.endpoint('orders')),
  row(false, 'manual', true)::text, 'off by hand, and since when');
select is(tests.try_as('alice', format('select public.send_webhook_test(%L)', pg_temp.endpoint('orders'))), 'error:TN269',
  'nothing is sent to an endpoint that is off');
update public.webhook_endpoints set disabled_reason = 'gone', failing_since = now() - interval '3 days' where id = pg_temp.endpoint('orders');
select is(tests.do_as('alice', format('select public.set_webhook_endpoint_enabled(%L, true)', pg_temp.endpoint('orders'))), 'ok:1',
  'the owner turns it back on');
select is((select row(enabled, disabled_reason, disabled_at, failing_since)::text from public.webhook_endpoints where id = pg_temp.endpoint('orders')),
  row(true, null::text, null::timestamptz, null::timestamptz)::text, 'turning it on clears why it was off and since when it failed');
select is(tests.try_as('carol', format('select public.set_webhook_endpoint_enabled(%L, false)', pg_temp.endpoint('orders'))), 'error:TN260',
  'a viewer cannot turn it off');
select is(tests.try_as('alice', format('select public.set_webhook_endpoint_enabled(%L, null)', pg_temp.endpoint('orders'))), 'error:TN267',
  'on or off, not neither');

select is(tests.try_as('carol', format('select public.delete_webhook_endpoint(%L)', pg_temp.endpoint('dev-made'))), 'error:TN260',
  'a viewer cannot delete an endpoint');
select is(pg_temp.try_key('reader', format('select public.delete_webhook_endpoint(%L)', pg_temp.endpoint('dev-made'))), 'error:TN260',
  'nor a key without webhooks.manage');
select is(tests.do_as('bob', format('select public.delete_webhook_endpoint(%L)', pg_temp.endpoint('dev-made'))), 'ok:1', 'an admin can');
select is((select count(*)::int from public.webhook_endpoint_secrets where endpoint_id = pg_temp.endpoint('dev-made')), 0,
  'and its secrets go with it');
select is((select count(*)::int from public.secrets where owner_type = 'webhook_endpoint' and owner_id = pg_temp.endpoint('dev-made')), 0,
  'its owned secret too, with every version');

-- ---------------------------------------------------------------------------------------------
-- Secrets: rotate (overlap, at most two live) and reveal (audited)
-- ---------------------------------------------------------------------------------------------

create function pg_temp.rotate_sql(p_name text, p_secret text, p_overlap int) returns text language sql as $$
  select format('select public.rotate_webhook_secret(%L, %s, %s)', pg_temp.endpoint(p_name),
                pg_temp.version_args(md5('owned:' || p_name)::uuid, p_secret), p_overlap)
$$;
create function pg_temp.live(p_name text) returns bigint language sql as $$
  select count(*) from public.webhook_endpoint_secrets
  where endpoint_id = pg_temp.endpoint(p_name) and (expires_at is null or expires_at > now())
$$;
select is(tests.try_as('alice', pg_temp.rotate_sql('orders', 'r0', -1)), 'error:TN268', 'an overlap is not negative');
select is(tests.try_as('alice', pg_temp.rotate_sql('orders', 'r0', 604801)), 'error:TN268', 'nor longer than 7 days');
select is(tests.try_as('carol', pg_temp.rotate_sql('orders', 'r0', 3600)), 'error:TN260', 'a viewer cannot rotate');
select is(tests.do_as('alice', pg_temp.rotate_sql('orders', 'r1', 3600)), 'ok:1', 'the owner rotates with an hour''s overlap');
select is((select expires_at from public.webhook_endpoint_secrets where id = md5('secret:orders')::uuid), now() + interval '1 hour',
  'the old secret signs for the overlap');
select is(pg_temp.live('orders'), 2::bigint, 'two secrets are live: both signatures are sent');
select is(pg_temp.try_key('hooks', pg_temp.rotate_sql('orders', 'r2', 86400)), 'rows:1', 'a key with webhooks.manage rotates');
select is(tests.do_as('alice', pg_temp.rotate_sql('orders', 'r2', 86400)), 'ok:1', 'rotating again while one still expires');
select is(pg_temp.live('orders'), 2::bigint, 'leaves two live: the oldest stops at once');
select is(tests.do_as('alice', pg_temp.rotate_sql('orders', 'r3', 0)), 'ok:1', 'a rotation without overlap');
select is(pg_temp.live('orders'), 1::bigint, 'leaves the new secret alone');
select is((select row(version_count, current_version_id)::text from public.secrets where id = md5('owned:orders')::uuid),
  row(4, md5('secret:r3')::uuid)::text, 'each rotation is a new version of the owned secret, the newest current');
select is((select count(*)::int from public.secret_data_keys_to_rewrap('0a1b2c3d', null, 1000) where secret_id = md5('owned:orders')::uuid),
  4, 'every version''s data key is one the key rotation re-wraps (npm run secrets:rotate-key)');
select is(tests.try_as('alice', format('select public.rotate_webhook_secret(%L, %s, 0)', pg_temp.endpoint('orders'),
  pg_temp.version_args(md5('owned:admin-made')::uuid, 'r4'))), 'error:TN265',
  'a version sealed for another secret than the endpoint''s is refused');

select is(tests.try_as('alice', format('select * from public.reveal_webhook_secret(%L) where secret_id = %L and sealed is null '
  'and version = %L::jsonb', pg_temp.endpoint('orders'), md5('secret:r3')::uuid,
  jsonb_build_object('tenant_id', tests.tenant_id('test-acme'), 'secret_id', md5('owned:orders')::uuid,
                     'version_id', md5('secret:r3')::uuid, 'data_key_id', md5('key:r3')::uuid,
                     'wrapped_key', pg_temp.wrapped('r3'), 'ciphertext', pg_temp.sealed('r3')))), 'rows:1',
  'the owner is given the current secret''s sealed version and its id (the app opens it)');
select is((select count(*)::int from public.audit_logs where action = 'webhook.secret_reveal' and target_id = pg_temp.endpoint('orders')::text
             and actor_id = tests.user_id('alice')), 0, 'a probe that was rolled back left no record');
select is(tests.do_as('bob', format('select public.reveal_webhook_secret(%L)', pg_temp.endpoint('orders'))), 'ok:1',
  'an admin reveals the secret');
select is((select new_values ->> 'secret_id' from public.audit_logs where action = 'webhook.secret_reveal'
             and target_id = pg_temp.endpoint('orders')::text and actor_id = tests.user_id('bob')), md5('secret:r3')::uuid::text,
  'a reveal is in the audit log: who saw which secret');
select is(tests.try_as('carol', format('select public.reveal_webhook_secret(%L)', pg_temp.endpoint('orders'))), 'error:TN260',
  'a viewer is shown no secret');
select is(tests.try_as('frank', format('select public.reveal_webhook_secret(%L)', pg_temp.endpoint('orders'))), 'error:TN260',
  'nor another tenant''s owner');
select is(pg_temp.try_key('hooks', format('select public.reveal_webhook_secret(%L)', pg_temp.endpoint('orders'))), 'rows:1',
  'a key holding webhooks.manage is');
select is(pg_temp.try_key('reader', format('select public.reveal_webhook_secret(%L)', pg_temp.endpoint('orders'))), 'error:TN260',
  'a key without it is not');
update public.webhook_endpoint_secrets set expires_at = now() where endpoint_id = pg_temp.endpoint('admin-made');
select is(tests.try_as('alice', format('select public.reveal_webhook_secret(%L)', pg_temp.endpoint('admin-made'))), 'error:TN272',
  'an endpoint without a current secret says so');
select is(tests.do_as('alice', pg_temp.rotate_sql('admin-made', 'fresh', 0)), 'ok:1', 'and a rotation makes one');
select is(pg_temp.live('admin-made'), 1::bigint, 'which is then its only live secret');

-- ---------------------------------------------------------------------------------------------
-- A test event: one event, ONE delivery to that endpoint only; replaying a delivery
-- ---------------------------------------------------------------------------------------------

create temp table sent (name text primary key, id uuid not null);
grant select, insert on sent to public;
select tests.authenticate_as('alice');
insert into sent values ('test', public.send_webhook_test(pg_temp.endpoint('orders')));
select tests.clear_authentication();
create function pg_temp.delivery(p_name text) returns public.webhook_deliveries language sql as $$
  select d.* from public.webhook_deliveries d join sent s on s.id = d.id where s.name = p_name
$$;
select is((select row(e.type, e.subject_type, e.subject_id, e.actor_id = tests.user_id('alice'))::text
           from public.events e where e.id = (pg_temp.delivery('test')).event_id),
  row('webhook.test', 'webhook_endpoint', pg_temp.endpoint('orders')::text, true)::text,
  'the owner sends a test: a webhook.test event about the endpoint, by her');
select is((select count(*)::int from public.webhook_deliveries where event_id = (pg_temp.delivery('test')).event_id), 1,
  'delivered once, to that endpoint only (the other endpoints of the tenant get nothing)');
select is((select row(d.endpoint_id, d.status, d.attempts, d.event_type, d.body = private.webhook_body(e))::text
           from public.webhook_deliveries d join public.events e on e.id = d.event_id where d.id = (pg_temp.delivery('test')).id),
  row(pg_temp.endpoint('orders'), 'pending', 0, 'webhook.test', true)::text, 'pending, with the body private.webhook_body makes');
select is(tests.try_as('carol', format('select public.send_webhook_test(%L)', pg_temp.endpoint('orders'))), 'error:TN260',
  'a viewer cannot send a test');
select is(pg_temp.try_key('hooks', format('select public.send_webhook_test(%L)', pg_temp.endpoint('orders'))), 'rows:1',
  'a key holding webhooks.manage can');
select is(pg_temp.try_key('reader', format('select public.send_webhook_test(%L)', pg_temp.endpoint('orders'))), 'error:TN260',
  'a key without it cannot');
select is(tests.try_as('carol', 'select 1 from public.webhook_deliveries'), 'rows:0', 'a viewer sees no deliveries');
select is(tests.try_as('frank', 'select 1 from public.webhook_deliveries'), 'rows:0', 'nor does another tenant''s owner');
select is(tests.try_as('devon', format('select 1 from public.webhook_deliveries where id = %L', (pg_temp.delivery('test')).id)), 'rows:1',
  'a developer sees the delivery');

-- The dispatcher's part, played by the test: one failed attempt, the delivery given up.
insert into public.webhook_attempts (tenant_id, delivery_id, endpoint_id, attempt, started_at, duration_ms, status_code)
select tenant_id, id, endpoint_id, 1, now(), 12, 500 from pg_temp.delivery('test');
update public.webhook_deliveries set status = 'failed', attempts = 1, last_status_code = 500, completed_at = now(),
  next_attempt_at = now() - interval '1 day' where id = (pg_temp.delivery('test')).id;
select is(tests.try_as('carol', 'select 1 from public.webhook_attempts'), 'rows:0', 'a viewer sees no attempts');
select is(pg_temp.try_key('hooks', 'select 1 from public.webhook_attempts'), 'rows:1', 'a key with webhooks.manage does');
select throws_ok(format('insert into public.webhook_attempts (tenant_id, delivery_id, endpoint_id, attempt, started_at, duration_ms) '
  'values (%L, %L, %L, 2, now(), 1)', tests.tenant_id('test-globex'), (pg_temp.delivery('test')).id, pg_temp.endpoint('orders')),
  '23503', null, 'an attempt cannot belong to another tenant''s delivery');
select throws_ok(format('insert into public.webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, body) values (%L, %L, %L, %L, %L)',
  tests.tenant_id('test-globex'), pg_temp.endpoint('orders'),
  private.publish_event(tests.tenant_id('test-globex'), 'webhook.test', 'webhook_endpoint', 'x'), 'webhook.test', '{}'),
  '23503', null, 'a delivery cannot name another tenant''s endpoint');

select is(tests.try_as('carol', format('select public.replay_webhook_delivery(%L)', (pg_temp.delivery('test')).id)), 'error:TN270',
  'a viewer cannot replay: no such delivery, for her');
select is(tests.try_as('frank', format('select public.replay_webhook_delivery(%L)', (pg_temp.delivery('test')).id)), 'error:TN270',
  'nor another tenant''s owner');
select is(pg_temp.try_key('reader', format('select public.replay_webhook_delivery(%L)', (pg_temp.delivery('test')).id)), 'error:TN270',
  'nor a key without webhooks.manage');
select is(tests.try_as('alice', format('select public.replay_webhook_delivery(%L)', gen_random_uuid())), 'error:TN270',
  'an unknown delivery gets the same answer');
select is(tests.do_as('devon', format('select public.replay_webhook_delivery(%L)', (pg_temp.delivery('test')).id)), 'ok:1',
  'a developer replays a failed delivery');
select is((select row(status, next_attempt_at = now(), completed_at, attempts, body = private.webhook_body(e))::text
           from public.webhook_deliveries d join public.events e on e.id = d.event_id where d.id = (pg_temp.delivery('test')).id),
  row('pending', true, null::timestamptz, 1, true)::text, 'pending again, due now, the same body (the same webhook-id: the same event)');
select is((select count(*)::int from public.webhook_attempts where delivery_id = (pg_temp.delivery('test')).id), 1, 'its attempts are kept');
update public.webhook_deliveries set claimed_by = 'dispatcher-1', claimed_until = now() + interval '30 seconds'
where id = (pg_temp.delivery('test')).id;
select is(tests.try_as('alice', format('select public.replay_webhook_delivery(%L)', (pg_temp.delivery('test')).id)), 'error:TN271',
  'a delivery a dispatcher holds is not replayed under it');
select is(tests.do_as('alice', format('select public.set_webhook_endpoint_enabled(%L, false)', pg_temp.endpoint('orders'))), 'ok:1',
  'the owner turns the endpoint off');
select is((select row(status, claimed_by)::text from pg_temp.delivery('test')), row('failed', null::text)::text,
  'turning an endpoint off gives up what was waiting for it');
select is(tests.try_as('alice', format('select public.replay_webhook_delivery(%L)', (pg_temp.delivery('test')).id)), 'error:TN269',
  'and nothing is replayed to an endpoint that is off');

-- ---------------------------------------------------------------------------------------------
-- Rows of the old form (before the secrets store): moved by the app's webhooks.move_secrets job
-- ---------------------------------------------------------------------------------------------

with made as (
  insert into public.webhook_endpoints (tenant_id, url) values (tests.tenant_id('test-acme'), 'https://hooks.example.com/legacy')
  returning id
)
insert into endpoints select 'legacy', id from made;
insert into public.webhook_endpoint_secrets (id, tenant_id, endpoint_id, sealed, created_at, expires_at)
values (md5('legacy:current')::uuid, tests.tenant_id('test-acme'), pg_temp.endpoint('legacy'), 'old-current', now() - interval '1 day', null),
       (md5('legacy:rotated')::uuid, tests.tenant_id('test-acme'), pg_temp.endpoint('legacy'), 'old-rotated', now() - interval '2 days',
        now() + interval '1 hour'),
       (md5('legacy:expired')::uuid, tests.tenant_id('test-acme'), pg_temp.endpoint('legacy'), 'old-expired', now() - interval '3 days',
        now() - interval '1 hour');
create function pg_temp.move(p_row text, p_sealed text) returns boolean language sql as $$
  select public.move_webhook_secret(md5('legacy:' || p_row)::uuid, p_sealed, md5('owned:legacy')::uuid,
                                    md5('key:legacy-' || p_row)::uuid, pg_temp.wrapped('legacy-' || p_row),
                                    pg_temp.sealed('legacy-' || p_row))
$$;
select is(tests.try_as('alice', 'select * from public.legacy_webhook_secrets(10)'), 'error:42501',
  'only a system job lists the old rows');
select is(tests.try_as('alice', 'select pg_temp.move(''current'', ''old-current'')'), 'error:42501', 'or moves them');
select is(tests.try_as('alice', format('select * from public.reveal_webhook_secret(%L) where sealed = %L and version is null',
  pg_temp.endpoint('legacy'), 'old-current')), 'rows:1', 'until moved, the reveal hands over the old form for the app to open');
select is(array(select row(id, sealed, secret_id)::text from public.legacy_webhook_secrets(10)),
  array[row(md5('legacy:rotated')::uuid, 'old-rotated', null::uuid)::text, row(md5('legacy:current')::uuid, 'old-current', null::uuid)::text],
  'the live old rows, oldest first, with no owned secret yet');
select is((select count(*)::int from public.webhook_endpoint_secrets where id = md5('legacy:expired')::uuid), 0,
  'an expired old row is dropped rather than moved: it never signs again');

select ok(pg_temp.move('current', 'old-current'), 'the current one moves (a rotation came in between, say)');
select ok(pg_temp.move('rotated', 'old-rotated'), 'then the older one');
select ok(not pg_temp.move('rotated', 'old-rotated'), 'a row already moved is not moved again');
select is((select array_agg(row(id, sealed, secret_version_id = id, expires_at)::text order by created_at)
           from public.webhook_endpoint_secrets where endpoint_id = pg_temp.endpoint('legacy')),
  array[row(md5('legacy:rotated')::uuid, null::text, true, now() + interval '1 hour')::text,
        row(md5('legacy:current')::uuid, null::text, true, null::timestamptz)::text],
  'each keeps its id and expiry, now a version on the secrets store');
select is((select row(version_count, current_version_id)::text from public.secrets where id = md5('owned:legacy')::uuid),
  row(2, md5('legacy:current')::uuid)::text, 'the endpoint''s owned secret holds both, the current row''s version current');
select is((select count(*)::int from public.legacy_webhook_secrets(10)), 0, 'nothing is left to move');

select * from finish();
rollback;
