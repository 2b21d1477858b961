-- Attacks found from outside (issue 9) and closed in the tenancy, audit, foundation and domains modules,
-- each test named after the attack it replays:
--   3.4  editing a role to get round "never act on someone who holds more than you"
--   3.7  what an aal1 session reads of a tenant that requires MFA
--   3.8  spoofing the audited client address through X-Forwarded-For
--   3.10 claiming another tenant's verified domain
-- Fixture (supabase/tests/setup.sql): acme alice owner · bob admin (everything but billing.manage) ·
-- carol viewer · dave custom "auditor" + project_editor on web; globex frank owner.
begin;
select plan(37);
select tests.seed_fixture();

-- hal holds a custom role with billing.manage (so bob cannot remove him) and a project role that
-- is within bob's permissions; carol leads project web (may manage its members); ike holds nothing.
select tests.create_user('hal');
select tests.create_user('ike');
insert into public.memberships (tenant_id, user_id) values
  (tests.tenant_id('test-acme'), tests.user_id('hal')), (tests.tenant_id('test-acme'), tests.user_id('ike'));
insert into public.roles (tenant_id, key, name, scope) values
  (tests.tenant_id('test-acme'), 'finance', 'Finance', 'tenant'),
  (tests.tenant_id('test-acme'), 'reviewer', 'Reviewer', 'project'),
  (tests.tenant_id('test-acme'), 'lead', 'Lead', 'project');
insert into public.role_permissions (role_id, permission_code, tenant_id)
select tests.role_id(r, 'test-acme'), c, tests.tenant_id('test-acme')
from (values ('finance', 'billing.manage'), ('finance', 'members.read'), ('reviewer', 'projects.read'),
             ('reviewer', 'tasks.read'), ('lead', 'projects.read'), ('lead', 'projects.members.manage')) g(r, c);
insert into public.role_assignments (tenant_id, user_id, role_id, project_id) values
  (tests.tenant_id('test-acme'), tests.user_id('hal'), tests.role_id('finance', 'test-acme'), null),
  (tests.tenant_id('test-acme'), tests.user_id('hal'), tests.role_id('reviewer', 'test-acme'), tests.project_id('test-acme', 'web')),
  (tests.tenant_id('test-acme'), tests.user_id('carol'), tests.role_id('lead', 'test-acme'), tests.project_id('test-acme', 'web'));

-- ---------------------------------------------------------------------------------------------
-- 3.4 Editing a role needs every permission it has, before and after
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('bob', format($$select public.remove_member(%L, %L)$$, tests.tenant_id('test-acme'), tests.user_id('hal'))),
  'error:TN034', 'fixture: bob cannot remove hal, who holds billing.manage');
select is(tests.do_as('bob', format($$delete from public.role_permissions where role_id = %L and permission_code = 'billing.manage'$$,
  tests.role_id('finance', 'test-acme'))), 'error:TN030',
  'attack 3.4: an admin cannot strip billing.manage from the custom role of a member they cannot remove');
select is(tests.do_as('bob', format($$select public.remove_member(%L, %L)$$, tests.tenant_id('test-acme'), tests.user_id('hal'))),
  'error:TN034', 'attack 3.4: … so the member they could not remove still cannot be removed');
select is((select count(*)::int from private.member_permissions(tests.tenant_id('test-acme'), tests.user_id('hal')) c where c = 'billing.manage'), 1,
  'attack 3.4: … and still holds billing.manage');
select is(tests.try_as('bob', format($$insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, 'members.invite', %L)$$,
  tests.role_id('finance', 'test-acme'), tests.tenant_id('test-acme'))), 'error:TN030',
  'attack 3.4 variant: nor widen that role with a permission they do hold');
select is(tests.try_as('bob', format($$update public.roles set name = 'Money' where id = %L$$, tests.role_id('finance', 'test-acme'))),
  'error:TN030', 'attack 3.4 variant: nor rename it');
select is(tests.try_as('bob', format($$delete from public.roles where id = %L$$, tests.role_id('finance', 'test-acme'))),
  'error:TN030', 'attack 3.4 variant: nor delete it');
select is(tests.try_as('bob', format($$delete from public.role_permissions where role_id = %L and permission_code = 'tasks.read'$$,
  tests.role_id('reviewer', 'test-acme'))), 'error:TN034',
  'attack 3.4 variant: a role within the admin''s permissions, held by someone who outranks them, is not theirs to edit');
select is(tests.try_as('bob', format($$update public.roles set description = 'x' where id = %L$$, tests.role_id('reviewer', 'test-acme'))),
  'error:TN034', 'attack 3.4 variant: … not even its description');
select is(tests.try_as('carol', format($$select public.set_project_role(%L, %L, null)$$,
  tests.project_id('test-acme', 'web'), tests.user_id('dave'))), 'error:TN034',
  'attack 3.4 variant: a project lead cannot take away a project role granting more than they hold there');
select is(tests.try_as('carol', format($$select public.set_project_role(%L, %L, %L)$$,
  tests.project_id('test-acme', 'web'), tests.user_id('dave'), tests.role_id('project_viewer'))), 'error:TN034',
  'attack 3.4 variant: … nor replace it with a smaller one');
select is(tests.try_as('carol', format($$select public.set_project_role(%L, %L, %L)$$,
  tests.project_id('test-acme', 'web'), tests.user_id('ike'), tests.role_id('project_viewer'))), 'rows:1',
  'the lead still gives a project role within their own permissions');
select is(tests.try_as('bob', format($$delete from public.role_permissions where role_id = %L and permission_code = 'members.read'$$,
  tests.role_id('auditor', 'test-acme'))), 'ok:1', 'the admin still edits a role within their permissions whose holders do not outrank them');
select is(tests.try_as('bob', format($$insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, 'tasks.read', %L)$$,
  tests.role_id('auditor', 'test-acme'), tests.tenant_id('test-acme'))), 'ok:1', '… and widens it with what they hold');
select is(tests.try_as('alice', format($$delete from public.role_permissions where role_id = %L and permission_code = 'billing.manage'$$,
  tests.role_id('finance', 'test-acme'))), 'ok:1', 'the owner edits any custom role');
select is(tests.try_as('carol', format($$delete from public.role_permissions where role_id = %L$$, tests.role_id('finance', 'test-acme'))),
  'ok:0', 'without roles.manage an edit still touches nothing (RLS), and says nothing about the role');
select is(tests.try_as('frank', format($$insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, 'members.read', %L)$$,
  tests.role_id('finance', 'test-acme'), tests.tenant_id('test-acme'))), 'error:42501',
  'another tenant''s owner is refused by the policy, not told what the role grants');

-- ---------------------------------------------------------------------------------------------
-- 3.7 A tenant that requires MFA gives an aal1 session nothing of its own
-- ---------------------------------------------------------------------------------------------
update public.tenants set require_mfa = true where id = tests.tenant_id('test-acme');
select private.seal_audit_chain();
select is(tests.try_as('dave', format('select * from public.verify_audit_chain(%L)', tests.tenant_id('test-acme'))), 'error:TN004',
  'attack 3.7: at aal1 verify_audit_chain gives no head hash or row count of an MFA tenant');
select is(tests.try_as('dave', format('select * from public.verify_audit_chain(%L)', tests.tenant_id('test-acme')), 'aal2'), 'rows:1',
  'at aal2 the auditor verifies the chain');
select is(tests.try_as('carol', format('select id from public.profiles where id = %L', tests.user_id('alice'))), 'rows:0',
  'attack 3.7: at aal1 a co-member''s profile (name, email) is not readable');
select is(tests.try_as('carol', format('select id from public.profiles where %s', tests.fixture_rows('id', 'user'))), 'rows:1',
  'at aal1 only one''s own profile is');
select is(tests.try_as('carol', format('select id from public.profiles where %s', tests.fixture_rows('id', 'user')), 'aal2'),
  tests.rows(format('select user_id from public.memberships where tenant_id = %L', tests.tenant_id('test-acme'))),
  'at aal2 every co-member''s profile is back');
select is(tests.try_as('gina', format('select id from public.profiles where id = %L', tests.user_id('frank'))), 'rows:1',
  'a tenant without the requirement still shows co-members at aal1');

-- ---------------------------------------------------------------------------------------------
-- 3.8 The audited client address cannot be written by the client
-- ---------------------------------------------------------------------------------------------
create function pg_temp.ip(p_headers jsonb, p_app text default null) returns text language plpgsql as $$
begin
  perform set_config('request.headers', coalesce(p_headers::text, ''), true);
  perform set_config('tenantry.client_ip', coalesce(p_app, ''), true);
  return coalesce(host(private.request_ip()), 'null');
end
$$;
select is(pg_temp.ip('{"x-forwarded-for": "6.6.6.6, 203.0.113.7"}'), '203.0.113.7',
  'attack 3.8: a spoofed left-most X-Forwarded-For hop is ignored; the right-most (the proxy''s) counts');
select is(pg_temp.ip('{"x-forwarded-for": "6.6.6.6, 7.7.7.7 , 203.0.113.7"}'), '203.0.113.7', 'with any number of spoofed hops');
select is(pg_temp.ip('{"x-forwarded-for": "203.0.113.7, bogus"}'), 'null',
  'a right-most hop that is no address gives no address (never a client-written one)');
select is(pg_temp.ip('{"x-forwarded-for": "2001:db8::7"}'), '2001:db8::7', 'IPv6 hops are read');
select is(pg_temp.ip('{"x-real-ip": "6.6.6.6", "user-agent": "x"}'), 'null', 'x-real-ip alone, which the client can send, is not believed');
select is(pg_temp.ip('{"x-forwarded-for": "6.6.6.6"}', '192.0.2.10'), '192.0.2.10',
  'the address the app computed from its trusted proxies wins over the headers');
select is(pg_temp.ip(null, 'not-an-ip'), 'null', 'an invalid app address gives no address');
select pg_temp.ip('{"x-forwarded-for": "6.6.6.6", "user-agent": "Probe/2.0"}', '192.0.2.10');
select is(tests.do_as('alice', format('insert into public.teams (tenant_id, name) values (%L, ''traced'')', tests.tenant_id('test-acme')), 'aal2'),
  'ok:1', 'alice creates a team through the app, at aal2');
select results_eq(
  $$select host(ip), user_agent from public.audit_logs where action = 'teams.insert' and new_values ->> 'name' = 'traced'$$,
  $$values ('192.0.2.10', 'Probe/2.0')$$, 'attack 3.8: the audit row holds the app''s client address and the user agent');
select pg_temp.ip(null);

-- ---------------------------------------------------------------------------------------------
-- 3.10 Another tenant's verified domain
-- ---------------------------------------------------------------------------------------------
update public.tenants set require_mfa = false where id = tests.tenant_id('test-acme');
insert into public.tenant_domains (tenant_id, domain) values (tests.tenant_id('test-globex'), 'docs.acme.example');
insert into public.tenant_domains (tenant_id, domain, verified_at) values
  (tests.tenant_id('test-acme'), 'shop.acme.example', now()), (tests.tenant_id('test-acme'), 'docs.acme.example', now());
select is(tests.try_as('frank', format($$insert into public.tenant_domains (tenant_id, domain) values (%L, 'shop.acme.example')$$,
  tests.tenant_id('test-globex'))), 'error:TN150', 'attack 3.10: a domain verified by another tenant cannot be added');
select is(tests.try_as('alice', format($$insert into public.tenant_domains (tenant_id, domain) values (%L, 'other.acme.example')$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'a domain verified nowhere still can');
select tests.authenticate_as_service_role('domains.verify');
select throws_ok(format($$select private.mark_domain_checked(%L, true)$$,
  (select id from public.tenant_domains where tenant_id = tests.tenant_id('test-globex') and domain = 'docs.acme.example')), 'TN150', null,
  'attack 3.10: a claim made before another tenant verified the name cannot then be verified');
select tests.clear_authentication();
select is(tests.do_as('alice', format($$delete from public.tenant_domains where tenant_id = %L and domain = 'shop.acme.example'$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'the owning tenant lets the domain go');
select is(tests.try_as('frank', format($$insert into public.tenant_domains (tenant_id, domain) values (%L, 'shop.acme.example')$$,
  tests.tenant_id('test-globex'))), 'ok:1', '… and then another tenant may claim it');

select * from finish();
rollback;
