-- SSO (20261205000000_sso.sql): the persona matrix of the four tables (sso.manage — owners and
-- admins — configures and reads; a person reads their own identities; another tenant, support
-- staff and anon nothing); served domains must be verified; break-glass accounts are owners;
-- group mapping names real roles; and the sso.signin job's functions: routing by domain,
-- enforcement, an IdP asserting an address outside its domains (another tenant's IdP), no silent
-- linking of an existing account, just-in-time provisioning with the group's role, the events.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor;
-- globex: frank owner, gina developer; erin in no tenant; sue support staff).
begin;
select plan(202);

select tests.seed_fixture();

insert into public.tenant_domains (tenant_id, domain, verified_at) values
  (tests.tenant_id('test-acme'), 'acme.test', now()),
  (tests.tenant_id('test-acme'), 'unverified-acme.test', null),
  (tests.tenant_id('test-acme'), 'second-acme.test', now()),
  (tests.tenant_id('test-globex'), 'globex.test', now());
insert into public.sso_providers (tenant_id, kind, name, idp_entity_id, idp_sso_url, idp_certificates, group_roles) values
  (tests.tenant_id('test-acme'), 'saml', 'Acme IdP', 'https://idp.acme.test/entity', 'https://idp.acme.test/sso',
   array['MIIBAAAA'], '{"engineers": "developer"}');
insert into public.sso_providers (tenant_id, kind, name, oidc_issuer, oidc_client_id) values
  (tests.tenant_id('test-globex'), 'oidc', 'Globex OP', 'https://op.globex.test', 'tenantry');
create function pg_temp.provider(p_tenant text) returns uuid language sql as $$
  select p.id from public.sso_providers p where p.tenant_id = tests.tenant_id(p_tenant)
$$;
create function pg_temp.domain(p_domain text) returns uuid language sql as $$
  select d.id from public.tenant_domains d where d.domain = p_domain
$$;
insert into public.sso_domains (tenant_id, domain_id, provider_id) values
  (tests.tenant_id('test-acme'), pg_temp.domain('acme.test'), pg_temp.provider('test-acme')),
  (tests.tenant_id('test-globex'), pg_temp.domain('globex.test'), pg_temp.provider('test-globex'));
insert into public.sso_settings (tenant_id) values (tests.tenant_id('test-acme')), (tests.tenant_id('test-globex'));
insert into public.user_identities (tenant_id, provider_id, subject, user_id, email) values
  (tests.tenant_id('test-acme'), pg_temp.provider('test-acme'), 'carol-at-idp', tests.user_id('carol'), 'carol@acme.test'),
  (tests.tenant_id('test-globex'), pg_temp.provider('test-globex'), 'gina-at-op', tests.user_id('gina'), 'gina@globex.test');

-- ---------------------------------------------------------------------------------------------
-- The persona matrix
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases
select c.tbl, c.op, replace(replace(replace(replace(c.stmt,
  ':fixture', quote_literal(tests.fixture_tenant_ids()::text)),
  ':acme', quote_literal(tests.tenant_id('test-acme'))),
  ':provider', quote_literal(pg_temp.provider('test-acme'))),
  ':domain', quote_literal(pg_temp.domain('second-acme.test')))
from (values
  ('sso_providers', 'select', 'select id from public.sso_providers where tenant_id = any (:fixture::uuid[])'),
  ('sso_providers', 'insert', 'insert into public.sso_providers (tenant_id, kind, name, oidc_issuer, oidc_client_id) values (:acme, ''oidc'', ''Probe'', ''https://probe.test'', ''c'')'),
  ('sso_providers', 'update', 'update public.sso_providers set name = name || ''!'' where tenant_id = any (:fixture::uuid[])'),
  ('sso_providers', 'delete', 'delete from public.sso_providers where tenant_id = any (:fixture::uuid[])'),
  ('sso_domains', 'select', 'select domain_id from public.sso_domains where tenant_id = any (:fixture::uuid[])'),
  ('sso_domains', 'insert', 'insert into public.sso_domains (tenant_id, domain_id, provider_id) values (:acme, :domain, :provider)'),
  ('sso_domains', 'update', 'update public.sso_domains set provider_id = provider_id where tenant_id = any (:fixture::uuid[])'),
  ('sso_domains', 'delete', 'delete from public.sso_domains where tenant_id = any (:fixture::uuid[])'),
  ('sso_settings', 'select', 'select tenant_id from public.sso_settings where tenant_id = any (:fixture::uuid[])'),
  ('sso_settings', 'insert', 'insert into public.sso_settings (tenant_id) values (:acme) on conflict do nothing'),
  ('sso_settings', 'update', 'update public.sso_settings set enforce_sso = true where tenant_id = any (:fixture::uuid[])'),
  ('sso_settings', 'delete', 'delete from public.sso_settings where tenant_id = any (:fixture::uuid[])'),
  ('user_identities', 'select', 'select id from public.user_identities where tenant_id = any (:fixture::uuid[])'),
  ('user_identities', 'insert', 'insert into public.user_identities (tenant_id, provider_id, subject, user_id, email) select :acme, :provider, ''probe'', id, ''probe@acme.test'' from public.profiles limit 1'),
  ('user_identities', 'update', 'update public.user_identities set last_sign_in_at = now() where tenant_id = any (:fixture::uuid[])'),
  ('user_identities', 'delete', 'delete from public.user_identities where tenant_id = any (:fixture::uuid[])')
) as c (tbl, op, stmt);

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected values
  ('sso_providers', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('sso_providers', 'alice',        'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('sso_providers', 'bob',          'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('sso_providers', 'carol',        'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('sso_providers', 'dave',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('sso_providers', 'erin',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('sso_providers', 'frank',        'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('sso_providers', 'gina',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('sso_providers', 'sue',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('sso_providers', 'service_role', 'rows:2', 'ok:1', 'ok:2', 'ok:2'),
  ('sso_domains', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('sso_domains', 'alice',        'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('sso_domains', 'bob',          'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('sso_domains', 'carol',        'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('sso_domains', 'dave',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('sso_domains', 'erin',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('sso_domains', 'frank',        'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('sso_domains', 'gina',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('sso_domains', 'sue',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('sso_domains', 'service_role', 'rows:2', 'ok:1', 'ok:2', 'ok:2'),
  ('sso_settings', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('sso_settings', 'alice',        'rows:1', 'ok:0', 'ok:1', 'error:42501'),
  ('sso_settings', 'bob',          'rows:1', 'ok:0', 'ok:1', 'error:42501'),
  ('sso_settings', 'carol',        'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('sso_settings', 'dave',         'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('sso_settings', 'erin',         'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('sso_settings', 'frank',        'rows:1', 'error:42501', 'ok:1', 'error:42501'),
  ('sso_settings', 'gina',         'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('sso_settings', 'sue',          'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('sso_settings', 'service_role', 'rows:2', 'ok:0', 'ok:2', 'error:42501'),
  ('user_identities', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('user_identities', 'alice',        'rows:1', 'error:42501', 'error:42501', 'ok:1'),
  ('user_identities', 'bob',          'rows:1', 'error:42501', 'error:42501', 'ok:1'),
  ('user_identities', 'carol',        'rows:1', 'error:42501', 'error:42501', 'ok:0'),
  ('user_identities', 'dave',         'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('user_identities', 'erin',         'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('user_identities', 'frank',        'rows:1', 'error:42501', 'error:42501', 'ok:1'),
  ('user_identities', 'gina',         'rows:1', 'error:42501', 'error:42501', 'ok:0'),
  ('user_identities', 'sue',          'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('user_identities', 'service_role', 'rows:2', 'error:42501', 'error:42501', 'ok:2');

select * from tests.persona_matrix();

-- ---------------------------------------------------------------------------------------------
-- The rules of the configuration
-- ---------------------------------------------------------------------------------------------

select is(tests.do_as('alice', format($$insert into public.sso_domains (tenant_id, domain_id, provider_id) values (%L, %L, %L)$$,
  tests.tenant_id('test-acme'), pg_temp.domain('unverified-acme.test'), pg_temp.provider('test-acme'))),
  'error:TN440', 'an unverified domain cannot be served');
select is(tests.do_as('alice', format($$insert into public.sso_domains (tenant_id, domain_id, provider_id) values (%L, %L, %L)$$,
  tests.tenant_id('test-acme'), pg_temp.domain('globex.test'), pg_temp.provider('test-acme'))),
  'error:TN440', 'another tenant''s domain cannot be served (not verified by this tenant)');
select is(tests.do_as('alice', format($$insert into public.sso_domains (tenant_id, domain_id, provider_id) values (%L, %L, %L)$$,
  tests.tenant_id('test-acme'), pg_temp.domain('second-acme.test'), pg_temp.provider('test-globex'))),
  'error:23503', 'nor served by another tenant''s provider');
select is(tests.do_as('alice', format($$update public.sso_settings set break_glass_user_ids = array[%L::uuid] where tenant_id = %L$$,
  tests.user_id('bob'), tests.tenant_id('test-acme'))), 'error:TN443', 'an admin who is not an owner is no break-glass account');
select is(tests.do_as('alice', format($$update public.sso_settings set break_glass_user_ids = array[%L::uuid] where tenant_id = %L$$,
  tests.user_id('frank'), tests.tenant_id('test-acme'))), 'error:TN443', 'nor is another tenant''s owner');
select is(tests.do_as('alice', format($$update public.sso_settings set enforce_sso = true, break_glass_user_ids = array[%L::uuid] where tenant_id = %L$$,
  tests.user_id('alice'), tests.tenant_id('test-acme'))), 'ok:1', 'alice enforces SSO, herself the break-glass owner');
select is(tests.do_as('alice', format($$update public.sso_providers set group_roles = '{"x": "owner"}' where tenant_id = %L$$,
  tests.tenant_id('test-acme'))), 'error:TN444', 'no group maps to owner');
select is(tests.do_as('alice', format($$update public.sso_providers set group_roles = '{"x": "no_such_role"}' where tenant_id = %L$$,
  tests.tenant_id('test-acme'))), 'error:TN444', 'nor to a role that does not exist');
select is(tests.do_as('alice', format($$update public.sso_providers set role_id = (select id from public.roles where key = 'owner' and tenant_id is null) where tenant_id = %L$$,
  tests.tenant_id('test-acme'))), 'error:TN444', 'the default role is not owner');
select is(tests.do_as('alice', format($$update public.sso_providers set idp_certificates = array['A', 'B', 'C'] where tenant_id = %L$$,
  tests.tenant_id('test-acme'))), 'error:23514', 'two certificates at most (the current one and the next)');
select is(tests.do_as('alice', format($$update public.sso_providers set idp_certificates = array['MIIB', 'MIIC'] where tenant_id = %L$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'two valid at once during a rotation');
select is(tests.do_as('alice', format($$update public.sso_providers set tenant_id = %L where tenant_id = %L$$,
  tests.tenant_id('test-globex'), tests.tenant_id('test-acme'))), 'error:42501', 'tenant_id is not the caller''s to set');
select is(tests.do_as('alice', format($$update public.sso_providers set kind = 'oidc' where tenant_id = %L$$,
  tests.tenant_id('test-acme'))), 'error:42501', 'nor is the kind');
select is(tests.do_as('alice', format($$insert into public.sso_providers (tenant_id, kind, name, oidc_issuer) values (%L, 'oidc', 'Half', 'https://x.test')$$,
  tests.tenant_id('test-acme'))), 'error:23514', 'an OIDC provider needs its client id');
select ok(not has_table_privilege('authenticated', 'private.sso_requests', 'select')
          and not has_table_privilege('authenticated', 'private.sso_assertions', 'select'),
  'the request and replay caches are not readable by authenticated');
select ok(not has_function_privilege('authenticated', 'private.sso_complete_sign_in(uuid, text, text, uuid, text[])', 'execute')
          and not has_function_privilege('authenticated', 'private.sso_resolve_identity(uuid, text, text, uuid)', 'execute'),
  'the sign-in functions are the sso.signin job''s alone');

-- ---------------------------------------------------------------------------------------------
-- The sso.signin job's functions
-- ---------------------------------------------------------------------------------------------

select results_eq($$select provider_id, tenant_slug from private.sso_route_email('Someone@ACME.test')$$,
  format($$values (%L::uuid, 'test-acme'::text)$$, pg_temp.provider('test-acme')), 'an address of acme.test is routed to acme''s IdP');
select is((select count(*)::int from private.sso_route_email('x@unverified-acme.test')), 0, 'an unverified domain routes nowhere');
select is((select count(*)::int from private.sso_route_email('x@elsewhere.test')), 0, 'nor does an unknown one');

select ok(private.sso_password_refused('carol@acme.test'), 'enforced: a password sign-in of an acme.test address is refused');
update public.profiles set email = 'alice@acme.test' where id = tests.user_id('alice');
select ok(not private.sso_password_refused('alice@acme.test'), 'but not for the break-glass owner');
select ok(not private.sso_password_refused('gina@globex.test'), 'globex does not enforce');

select throws_ok(format($$select private.sso_resolve_identity(%L, 'x', 'mallory@acme.test')$$, pg_temp.provider('test-globex')),
  'TN441', null, 'globex''s IdP asserting an acme.test address is refused');
select throws_ok(format($$select private.sso_resolve_identity(%L, 'x', 'mallory@unverified-acme.test')$$, pg_temp.provider('test-acme')),
  'TN441', null, 'and so is an address of a domain the IdP does not serve');
select is(private.sso_resolve_identity(pg_temp.provider('test-acme'), 'carol-at-idp', 'carol@acme.test'),
  tests.user_id('carol'), 'a linked identity is its account');
select throws_ok(format($$select private.sso_resolve_identity(%L, 'new-subject', 'alice@acme.test')$$, pg_temp.provider('test-acme')),
  'TN442', null, 'an existing account is never linked silently to a new identity');
select is(private.sso_resolve_identity(pg_temp.provider('test-acme'), 'new-subject', 'alice@acme.test', tests.user_id('alice')),
  tests.user_id('alice'), 'but is when the signed-in account links it');
select is(private.sso_resolve_identity(pg_temp.provider('test-acme'), 'newcomer', 'newcomer@acme.test'),
  null, 'an address without an account: null, to be created');

-- An account the tenant's own SCIM made (no password) is the IdP's to link: the tenant vouched for it.
-- Another tenant's SCIM makes no account for an address of this tenant's verified domain.
select set_config('tests.scim_acme', (select token from private.scim_new_token(tests.tenant_id('test-acme'), 'sso', null)), false);
select set_config('tests.scim_globex', (select token from private.scim_new_token(tests.tenant_id('test-globex'), 'sso', null)), false);
select tests.authenticate_as_service_role('scim.provision');
select public.scim_put(extensions.digest(current_setting('tests.scim_acme'), 'sha256'), 'test-acme', 'User', null,
  '{"userName": "provisioned@acme.test"}'::jsonb, null) is not null as provisioned;
select public.scim_put(extensions.digest(current_setting('tests.scim_globex'), 'sha256'), 'test-globex', 'User', null,
  '{"userName": "elsewhere@acme.test"}'::jsonb, null) is not null as provisioned;
select tests.clear_authentication();
select is(private.sso_resolve_identity(pg_temp.provider('test-acme'), 'provisioned-at-idp', 'provisioned@acme.test'),
  (select id from public.profiles where email = 'provisioned@acme.test'),
  'the account acme''s SCIM made is linked by acme''s IdP');
select is((select row(u.user_id, exists (select 1 from auth.users a where a.email = 'elsewhere@acme.test'))::text
             from public.scim_users u where u.tenant_id = tests.tenant_id('test-globex') and u.user_name = 'elsewhere@acme.test'),
  row(null::uuid, false)::text, 'globex''s SCIM makes no account of an acme.test address: its User waits');

-- Just-in-time: erin (no tenant) arrives through acme's IdP in the engineers group.
update public.profiles set email = 'erin@acme.test' where id = tests.user_id('erin');
select throws_ok(format($$select private.sso_resolve_identity(%L, 'erin-at-idp', 'erin@acme.test')$$, pg_temp.provider('test-acme')),
  'TN442', null, 'erin''s account exists, so a new identity is not linked to it silently');
select is(private.sso_complete_sign_in(pg_temp.provider('test-acme'), 'erin-at-idp', 'erin@acme.test', tests.user_id('erin'), array['engineers']),
  'test-acme', 'once linked, erin signs in to acme');
select is((select r.key from public.role_assignments a join public.roles r on r.id = a.role_id
           where a.tenant_id = tests.tenant_id('test-acme') and a.user_id = tests.user_id('erin')),
  'developer', 'provisioned with the role of her group');
select is((select count(*)::int from public.events where type = 'sso.identity_linked' and payload ->> 'user_id' = tests.user_id('erin')::text),
  1, 'the link is published once');
select is((select count(*)::int from public.events where type = 'sso.signed_in' and payload ->> 'user_id' = tests.user_id('erin')::text),
  1, 'and the sign-in');
select is((select count(*)::int from public.audit_logs where action = 'member.join' and new_values ->> 'via' = 'sso'),
  1, 'the provisioning is audited');
select is(private.sso_complete_sign_in(pg_temp.provider('test-acme'), 'erin-at-idp', 'erin@acme.test', tests.user_id('erin'), array['engineers']),
  'test-acme', 'a second sign-in');
select is((select count(*)::int from public.memberships where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('erin')),
  1, 'provisions nothing twice');
select throws_ok(format($$select private.sso_complete_sign_in(%L, 'erin-at-idp', 'carol@acme.test', %L)$$,
  pg_temp.provider('test-acme'), tests.user_id('carol')), 'TN442', null, 'an identity linked to erin never signs carol in');
update public.memberships set status = 'suspended' where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('carol');
select throws_ok(format($$select private.sso_complete_sign_in(%L, 'carol-at-idp', 'carol@acme.test', %L)$$,
  pg_temp.provider('test-acme'), tests.user_id('carol')), 'TN447', null, 'a suspended member is not signed in');
update public.sso_providers set enabled = false where id = pg_temp.provider('test-acme');
select throws_ok(format($$select private.sso_resolve_identity(%L, 'carol-at-idp', 'carol@acme.test')$$, pg_temp.provider('test-acme')),
  'TN445', null, 'a disabled provider signs nobody in');
select is((select count(*)::int from private.sso_route_email('x@acme.test')), 0, 'and routes nobody');

select * from finish();
rollback;
