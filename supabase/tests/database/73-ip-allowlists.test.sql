-- IP allowlists (20261208000400_ip_allowlists.sql): the rule (inet <<= any(cidr[])), the console's
-- setting (validated, super_admin only, lock-out guard, audited, asked by the gate) and each tenant's
-- list (Business plan, tenant.update, lock-out guard, audited, asked for pages and REST calls, not
-- enforced after a downgrade, invisible to strangers).
--
-- The request's address is tenantry.client_ip, as the app sets it (rls.ts); tests set it around each
-- persona's statement. Personas (supabase/tests/setup.sql): sam super_admin, sue support; test-globex
-- (frank owner, gina developer) on Business; test-acme (alice owner) on Pro; test-umbra (uma) unbilled.
begin;
select plan(53);

select tests.seed_fixture();
select tests.subscribe('test-acme', 'pro');
select tests.subscribe('test-globex', 'business');
select tests.create_tenant('test-umbra', 'uma');

create function pg_temp.from_ip(p_ip text) returns void language sql as $$
  select set_config('tenantry.client_ip', p_ip, true)
$$;

-- ---------------------------------------------------------------------------------------------
-- The rule
-- ---------------------------------------------------------------------------------------------

select is(private.address_in_networks('198.51.100.7', '{}'), true, 'an empty list admits every address');
select is(private.address_in_networks('198.51.100.7', '{198.51.100.0/24,10.0.0.0/8}'), true, 'an address inside a listed network');
select is(private.address_in_networks('198.51.101.7', '{198.51.100.0/24}'), false, 'an address outside every listed network');
select is(private.address_in_networks(null, '{198.51.100.0/24}'), false, 'an unknown address is not admitted by a list');
select is(private.address_in_networks('2001:db8::1', '{2001:db8::/32}'), true, 'IPv6 networks');
select is(private.address_in_networks('2001:db9::1', '{2001:db8::/32,0.0.0.0/0}'), false, 'an IPv6 address is not inside 0.0.0.0/0');
select ok((select p.proparallel = 's' from pg_proc p where p.oid = 'private.address_in_networks(inet, cidr[])'::regprocedure),
  'the rule is parallel safe');

-- ---------------------------------------------------------------------------------------------
-- The console: admin.ip_allowlist
-- ---------------------------------------------------------------------------------------------

select is((select value_type || ' ' || is_public::text || ' ' || value::text from public.system_settings
            where key = 'admin.ip_allowlist'), 'cidr_list false []', 'the console''s list is a private cidr_list, empty');
select is(tests.try_as('sue', 'select 1 from public.system_settings where key = ''admin.ip_allowlist'''), 'rows:1',
  'staff read it');
select is(tests.try_as('alice', 'select 1 from public.system_settings where key = ''admin.ip_allowlist'''), 'rows:0',
  'a tenant member does not');

select pg_temp.from_ip('127.0.0.2');
select is(tests.do_as('sam', $$update public.system_settings set value = '["not a network"]' where key = 'admin.ip_allowlist'$$),
  'error:TN625', 'an entry that is not a network is refused');
select is(tests.do_as('sam', $$update public.system_settings set value = '["10.0.0.1/8"]' where key = 'admin.ip_allowlist'$$),
  'error:TN625', 'a network with host bits set is refused');
select is(tests.do_as('sam', $$update public.system_settings set value = '"10.0.0.0/8"' where key = 'admin.ip_allowlist'$$),
  'error:TN625', 'a value that is not a list is refused');
select is(tests.do_as('sam', $$update public.system_settings set value = '["127.0.0.1"]' where key = 'admin.ip_allowlist'$$),
  'error:TN623', 'a list that shuts out the address making the change is refused (lock-out guard)');
select is(tests.do_as('sue', $$update public.system_settings set value = '["127.0.0.0/30"]' where key = 'admin.ip_allowlist'$$),
  'ok:0', 'support cannot change it');
select is(tests.do_as('sam', $$update public.system_settings set value = '["127.0.0.0/30", "2001:db8::/32"]' where key = 'admin.ip_allowlist'$$),
  'ok:1', 'super_admin sets a list that includes their own address');
select ok(exists (select 1 from public.audit_logs a where a.target_type = 'system_settings' and a.target_id = 'admin.ip_allowlist'
                  and a.old_values -> 'value' = '[]' and a.new_values -> 'value' = '["127.0.0.0/30", "2001:db8::/32"]'
                  and a.actor_id = tests.user_id('sam') and a.ip = '127.0.0.2'),
  'the change is audited with its old and new value, who and from where');

select is(tests.do_as('sam', 'select public.assert_console_admitted()'), 'ok:1', 'the gate admits a listed address');
select pg_temp.from_ip('127.0.0.9');
select is(tests.do_as('sue', 'select public.assert_console_admitted()'), 'error:TN622', 'and refuses any other');
select throws_ok($$ select tests.authenticate_as('sam'); select public.assert_console_admitted() $$, 'TN622',
  'the console does not answer 127.0.0.9', 'the refusal names the address');
select tests.clear_authentication();
select is(tests.do_as('sam', $$update public.system_settings set value = '["10.0.0.0/8"]' where key = 'admin.ip_allowlist'$$),
  'error:TN623', 'from outside, a super_admin cannot change the list to another that excludes them either');
select is(tests.do_as('sam', $$update public.system_settings set value = '[]' where key = 'admin.ip_allowlist'$$),
  'ok:1', 'emptying the list (every address) is never a lock-out');
select pg_temp.from_ip('');
update public.system_settings set value = '["192.0.2.0/24"]' where key = 'admin.ip_allowlist';
select lives_ok('select public.assert_console_admitted()', 'an operator''s session is never refused, and sets any list');
update public.system_settings set value = '[]' where key = 'admin.ip_allowlist';

-- ---------------------------------------------------------------------------------------------
-- Tenants: tenant_ip_allowlists
-- ---------------------------------------------------------------------------------------------

select pg_temp.from_ip('127.0.0.2');
select is(tests.do_as('alice', format($$insert into public.tenant_ip_allowlists (tenant_id, networks) values (%L, '{127.0.0.0/30}')$$,
  tests.tenant_id('test-acme'))), 'error:TN624', 'a Pro organisation cannot set a list');
select throws_ok(format($$ select tests.authenticate_as('alice');
  insert into public.tenant_ip_allowlists (tenant_id, networks) values (%L, '{127.0.0.0/30}') $$, tests.tenant_id('test-acme')),
  'TN624', 'IP allowlists need the Business plan', 'the refusal names the plan');
select tests.clear_authentication();
select is(tests.do_as('alice', format($$insert into public.tenant_ip_allowlists (tenant_id, networks) values (%L, '{}')$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'an empty list needs no plan');
select is(tests.do_as('frank', format($$insert into public.tenant_ip_allowlists (tenant_id, networks) values (%L, '{10.0.0.0/8}')$$,
  tests.tenant_id('test-globex'))), 'error:TN621', 'a list that shuts out the owner''s own address is refused');
select is(tests.do_as('frank', format($$insert into public.tenant_ip_allowlists (tenant_id, networks) values (%L, '{127.0.0.0/30}')$$,
  tests.tenant_id('test-globex'))), 'ok:1', 'a Business owner sets a list that includes their address');
select is(tests.do_as('frank', format($$update public.tenant_ip_allowlists set networks = '{127.0.0.1/32}' where tenant_id = %L$$,
  tests.tenant_id('test-globex'))), 'error:TN621', 'and cannot narrow it past their own address');
select is(tests.do_as('gina', format($$update public.tenant_ip_allowlists set networks = '{127.0.0.2/32}' where tenant_id = %L$$,
  tests.tenant_id('test-globex'))), 'ok:0', 'a developer (no tenant.update) changes nothing');
select is(tests.try_as('gina', 'select 1 from public.tenant_ip_allowlists'), 'rows:0', 'nor reads the list');
select is(tests.try_as('alice', format('select 1 from public.tenant_ip_allowlists where tenant_id = %L', tests.tenant_id('test-globex'))),
  'rows:0', 'another organisation''s owner does not read it');
select is(tests.try_as('sue', format('select 1 from public.tenant_ip_allowlists where tenant_id = %L', tests.tenant_id('test-globex'))),
  'rows:1', 'support staff read it');
select ok(exists (select 1 from public.audit_logs a where a.tenant_id = tests.tenant_id('test-globex')
                  and a.target_type = 'tenant_ip_allowlists' and a.action = 'tenant_ip_allowlists.insert'
                  and a.new_values -> 'networks' = '["127.0.0.0/30"]' and a.actor_id = tests.user_id('frank')),
  'the list is in the organisation''s audit log');
select is(tests.do_as('frank', format($$update public.tenant_ip_allowlists set networks = '{127.0.0.0/29}' where tenant_id = %L$$,
  tests.tenant_id('test-globex'))), 'ok:1', 'the owner widens it');
select ok(exists (select 1 from public.audit_logs a where a.tenant_id = tests.tenant_id('test-globex')
                  and a.action = 'tenant_ip_allowlists.update' and a.old_values -> 'networks' = '["127.0.0.0/30"]'
                  and a.new_values -> 'networks' = '["127.0.0.0/29"]'),
  'a change is audited with the old and the new list');

-- The app's question, by slug (pages) or id (REST).
select is(tests.do_as('gina', 'select public.assert_client_admitted(''test-globex'')'), 'ok:1', 'a member from a listed address is admitted');
select pg_temp.from_ip('127.0.0.9');
select is(tests.do_as('gina', 'select public.assert_client_admitted(''test-globex'')'), 'error:TN620', 'from another address, refused');
select is(tests.do_as('frank', format('select public.assert_client_admitted(%L)', tests.tenant_id('test-globex'))), 'error:TN620',
  'by id too (the REST API), the owner included');
select is(tests.do_as('alice', 'select public.assert_client_admitted(''test-globex'')'), 'ok:1',
  'a stranger is not told anything (the page answers its 404)');

-- A downgrade keeps the list and stops enforcing it.
update public.subscriptions set plan_id = (select id from public.plans where code = 'pro')
 where tenant_id = tests.tenant_id('test-globex');
select is(tests.do_as('gina', 'select public.assert_client_admitted(''test-globex'')'), 'ok:1', 'on Pro the list is not enforced');
select is((select networks::text from public.tenant_ip_allowlists where tenant_id = tests.tenant_id('test-globex')), '{127.0.0.0/29}',
  'and it is kept for an upgrade');
update public.subscriptions set plan_id = (select id from public.plans where code = 'business')
 where tenant_id = tests.tenant_id('test-globex');
select is(tests.do_as('gina', 'select public.assert_client_admitted(''test-globex'')'), 'error:TN620', 'back on Business it is');

select pg_temp.from_ip('127.0.0.2');
select is(tests.do_as('uma', format($$insert into public.tenant_ip_allowlists (tenant_id, networks) values (%L, '{127.0.0.2/32}')$$,
  tests.tenant_id('test-umbra'))), 'ok:1', 'an unbilled organisation has the feature');
select is(tests.do_as('frank', format($$delete from public.tenant_ip_allowlists where tenant_id = %L$$, tests.tenant_id('test-globex'))),
  'ok:1', 'the owner removes the list');

-- ---------------------------------------------------------------------------------------------
-- The system health page's database figures (20261208000410_system_health.sql)
-- ---------------------------------------------------------------------------------------------

select pg_temp.from_ip('');
insert into public.payments (tenant_id, provider, amount, currency, status, failure_reason)
values (tests.tenant_id('test-acme'), 'stripe', 4900, 'usd', 'failed', 'card_declined');
insert into public.scim_operations (tenant_id, method, path, status, detail)
values (tests.tenant_id('test-globex'), 'POST', '/Users', 403, 'plan');
insert into auth.sign_in_attempts (scope, email, ip, failures, window_started_at, blocked_until)
values ('account', 'victim@example.test', '', 4, now(), null),
       ('account_address', 'victim@example.test', '198.51.100.9', 5, now(), now() + interval '10 minutes');
select is(tests.do_as('sue', 'select public.admin_system_health(24)'), 'error:TN061', 'support staff may not read the health figures');
select is(tests.do_as('alice', 'select public.admin_system_health(24)'), 'error:TN061', 'nor a tenant owner');
select is(tests.do_as('sam', 'select public.admin_system_health(0)'), 'error:TN626', 'the window is 1 to 720 hours');
select tests.authenticate_as('sam');
create temporary table health as select public.admin_system_health(24) as h;
select tests.clear_authentication();
select is((select (h -> 'failed_payments' ->> 'count')::int >= 1 from health), true, 'a failed payment is counted');
select ok((select h -> 'failed_payments' -> 'latest' @> '[{"tenant": "Acme", "amount": 4900, "reason": "card_declined"}]' from health),
  'and listed with its organisation and reason');
select ok((select (h ->> 'scim_refused')::int >= 1 and h -> 'events' @> '[{"kind": "scim_refused", "tenant": "Globex"}]' from health),
  'a refused SCIM call is counted and listed');
select ok((select (h -> 'sign_ins' ->> 'failures')::int >= 4 and (h -> 'sign_ins' ->> 'blocked_addresses')::int >= 1
                  and h -> 'events' @> '[{"kind": "sign_in_blocked", "subject": "victim@example.test", "address": "198.51.100.9"}]' from health),
  'failed sign-ins and a blocked address are counted and listed');
select ok((select jsonb_typeof(h -> 'storage') = 'array' from health), 'storage use is listed per bucket');

select * from finish();
rollback;
