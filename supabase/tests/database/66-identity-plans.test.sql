-- Identity and plans (20261207000200_identity_plans.sql): SSO needs the plan's `sso`, SCIM its
-- `scim` — both sides (a Pro tenant refused with TN584/TN585 and a sentence naming the plans, a
-- Business one allowed, an unbilled one unlimited), configuration kept on a downgrade and back on
-- an upgrade, nobody locked out by the enforcement of a downgraded tenant; and SCIM linking only
-- through a verified path (the attack: another tenant's SCIM or SSO makes the account of an address
-- this tenant's SCIM User waits for).
--
-- Fixture: tests.seed_fixture() (test-acme: alice owner; test-globex: frank owner), test-acme on
-- Pro, test-globex on Business, test-umbra (uma owner) unbilled.
begin;
select plan(52);

select tests.seed_fixture();
select tests.subscribe('test-acme', 'pro');
select tests.subscribe('test-globex', 'business');
select tests.create_tenant('test-umbra', 'uma');

insert into public.tenant_domains (tenant_id, domain, verified_at) values
  (tests.tenant_id('test-acme'), 'acme.test', now()),
  (tests.tenant_id('test-globex'), 'globex.test', now());
-- The operator (no request: a seed) configures what it likes: Acme's provider predates its plan.
insert into public.sso_providers (tenant_id, kind, name, oidc_issuer, oidc_client_id) values
  (tests.tenant_id('test-acme'), 'oidc', 'Acme OP', 'https://op.acme.test', 'tenantry'),
  (tests.tenant_id('test-globex'), 'oidc', 'Globex OP', 'https://op.globex.test', 'tenantry'),
  (tests.tenant_id('test-umbra'), 'oidc', 'Umbra OP', 'https://op.umbra.test', 'tenantry');
create function pg_temp.provider(p_tenant text) returns uuid language sql as $$
  select p.id from public.sso_providers p where p.tenant_id = tests.tenant_id(p_tenant) order by p.created_at limit 1
$$;
insert into public.sso_domains (tenant_id, domain_id, provider_id)
select d.tenant_id, d.id, pg_temp.provider(t.slug::text)
  from public.tenant_domains d join public.tenants t on t.id = d.tenant_id
 where d.domain in ('acme.test', 'globex.test');
insert into public.sso_settings (tenant_id, enforce_sso) values
  (tests.tenant_id('test-acme'), true), (tests.tenant_id('test-globex'), false);

create function pg_temp.add_provider(p_tenant text, p_name text) returns text language sql as $$
  select format('insert into public.sso_providers (tenant_id, kind, name, oidc_issuer, oidc_client_id) '
                'values (%L, ''oidc'', %L, ''https://op.example.test'', ''c'')', tests.tenant_id(p_tenant), p_name)
$$;

-- ---------------------------------------------------------------------------------------------
-- Features by plan
-- ---------------------------------------------------------------------------------------------

select is(private.tenant_has_feature(tests.tenant_id('test-acme'), 'sso'), false, 'Pro has no sso');
select is(private.tenant_has_feature(tests.tenant_id('test-acme'), 'scim'), false, 'Pro has no scim');
select is(private.tenant_has_feature(tests.tenant_id('test-globex'), 'sso'), true, 'Business has sso');
select is(private.tenant_has_feature(tests.tenant_id('test-globex'), 'scim'), true, 'Business has scim');
select is(private.tenant_has_feature(tests.tenant_id('test-umbra'), 'sso'), true, 'an unbilled tenant has every feature');
select throws_ok($$ select private.require_plan_feature(tests.tenant_id('test-acme'), 'sso') $$, 'TN584',
  'single sign-on needs the Business plan and this organisation is on the Pro plan: upgrade it on the billing page',
  'the refusal names the plan needed and the tenant''s');
select throws_ok($$ select private.require_plan_feature(tests.tenant_id('test-acme'), 'scim') $$, 'TN585',
  'SCIM provisioning needs the Business plan and this organisation is on the Pro plan: upgrade it on the billing page',
  'and for SCIM');
select is(tests.try_as('alice', format('select 1 from public.plan_feature(%L, ''sso'') f where f = '
  '''{"allowed": false, "plan": "Pro", "needed_plan": "Business"}''', tests.tenant_id('test-acme'))), 'rows:1',
  'the settings page learns the tenant''s plan and the one needed');
select is(tests.try_as('frank', format('select 1 from public.plan_feature(%L, ''scim'') f where (f ->> ''allowed'')::boolean',
  tests.tenant_id('test-globex'))), 'rows:1', 'and that Business has SCIM');
select is(tests.try_as('carol', format('select 1 from public.plan_feature(%L, ''sso'')', tests.tenant_id('test-acme'))),
  'error:TN002', 'a viewer may not ask');
select is(tests.try_as('frank', format('select 1 from public.plan_feature(%L, ''sso'')', tests.tenant_id('test-acme'))),
  'error:TN002', 'nor another tenant''s owner');

-- ---------------------------------------------------------------------------------------------
-- SSO: providers, enforcement, sign-in
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', pg_temp.add_provider('test-acme', 'Second')), 'error:TN584',
  'a Pro owner cannot add an identity provider');
select is(tests.try_as('frank', pg_temp.add_provider('test-globex', 'Second')), 'ok:1',
  'a Business owner can');
select is(tests.try_as('uma', pg_temp.add_provider('test-umbra', 'Second')), 'ok:1', 'so can an unbilled tenant''s');
select is(tests.do_as('alice', format('update public.sso_providers set name = ''Acme OP (old)'' where id = %L',
  pg_temp.provider('test-acme'))), 'ok:1', 'a Pro tenant''s existing provider can still be edited');
select is(tests.do_as('alice', format('update public.sso_providers set enabled = false where id = %L',
  pg_temp.provider('test-acme'))), 'ok:1', 'and turned off');
select is(tests.try_as('alice', format('update public.sso_providers set enabled = true where id = %L',
  pg_temp.provider('test-acme'))), 'error:TN584', 'but not turned on');
select is(tests.do_as('alice', format('update public.sso_providers set enabled = true where id = %L',
  pg_temp.provider('test-acme'))), 'error:TN584', '(still off)');
select is(tests.do_as('frank', format('update public.sso_providers set enabled = false where id = %L',
  pg_temp.provider('test-globex'))), 'ok:1', 'a Business owner turns one off');
select is(tests.do_as('frank', format('update public.sso_providers set enabled = true where id = %L',
  pg_temp.provider('test-globex'))), 'ok:1', 'and on again');
select is(tests.try_as('frank', format('update public.sso_settings set enforce_sso = true where tenant_id = %L',
  tests.tenant_id('test-globex'))), 'ok:1', 'a Business owner enforces SSO');
update public.sso_settings set enforce_sso = false where tenant_id = tests.tenant_id('test-acme');
select is(tests.try_as('alice', format('update public.sso_settings set enforce_sso = true where tenant_id = %L',
  tests.tenant_id('test-acme'))), 'error:TN584', 'a Pro owner cannot');
update public.sso_settings set enforce_sso = true where tenant_id = tests.tenant_id('test-acme');
update public.sso_providers set enabled = true where id = pg_temp.provider('test-acme');

select is((select count(*) from private.sso_route_email('someone@acme.test'))::int, 0,
  '"Continue with SSO" routes nobody to a Pro tenant''s provider');
select is((select count(*) from private.sso_route_email('someone@globex.test'))::int, 1,
  'but routes to a Business tenant''s');
select is(private.sso_password_refused('someone@acme.test'), false,
  'a Pro tenant''s enforcement refuses no password: nobody is locked out');
update public.sso_settings set enforce_sso = true where tenant_id = tests.tenant_id('test-globex');
select is(private.sso_password_refused('someone@globex.test'), true, 'a Business tenant''s refuses');
select throws_ok(format('select private.sso_resolve_identity(%L, ''sub-1'', ''new@acme.test'')',
  pg_temp.provider('test-acme')), 'TN584', null, 'an answer of a Pro tenant''s IdP signs nobody in');
select is(private.sso_resolve_identity(pg_temp.provider('test-globex'), 'sub-1', 'new@globex.test'), null,
  'a Business tenant''s IdP answer resolves (a new account)');
select throws_ok(format('insert into private.sso_requests (id, tenant_id, provider_id, purpose) values '
  '(''request-of-acme-0001'', %L, %L, ''signin'')', tests.tenant_id('test-acme'), pg_temp.provider('test-acme')),
  'TN584', null, 'no sign-in starts for a Pro tenant (nor its connection test)');
select lives_ok(format('insert into private.sso_requests (id, tenant_id, provider_id, purpose) values '
  '(''request-of-globex-001'', %L, %L, ''test'')', tests.tenant_id('test-globex'), pg_temp.provider('test-globex')),
  'one starts for a Business tenant');

-- ---------------------------------------------------------------------------------------------
-- SCIM: tokens and the endpoint
-- ---------------------------------------------------------------------------------------------

create temp table tokens (name text primary key, id uuid not null, token text not null);
grant select, insert on tokens to public;
insert into tokens select 'acme', t.id, t.token from private.scim_new_token(tests.tenant_id('test-acme'), 'Old', null) t;
insert into tokens select 'globex', t.id, t.token from private.scim_new_token(tests.tenant_id('test-globex'), 'Entra', null) t;
insert into tokens select 'umbra', t.id, t.token from private.scim_new_token(tests.tenant_id('test-umbra'), 'Okta', null) t;
create function pg_temp.hash(p_name text) returns bytea language sql as $$
  select extensions.digest(token, 'sha256') from tokens where name = p_name $$;

select is(tests.try_as('alice', format('select * from public.create_scim_token(%L, ''New'')', tests.tenant_id('test-acme'))),
  'error:TN585', 'a Pro owner cannot make a SCIM token');
select is(tests.try_as('alice', format('select * from public.rotate_scim_token(%L)', (select id from tokens where name = 'acme'))),
  'error:TN585', 'nor rotate the one the tenant kept');
select is(tests.try_as('alice', format('select 1 from public.revoke_scim_token(%L)', (select id from tokens where name = 'acme'))),
  'rows:1', 'but may revoke it');
select is(tests.try_as('frank', format('select * from public.create_scim_token(%L, ''New'')', tests.tenant_id('test-globex'))),
  'rows:1', 'a Business owner makes one');
select throws_ok(format('select private.scim_session(%L, ''test-acme'')', pg_temp.hash('acme')), 'TN585', null,
  'the SCIM endpoint refuses a Pro tenant''s (valid) token');
select is(private.scim_session(pg_temp.hash('globex'), 'test-globex'), tests.tenant_id('test-globex'),
  'and serves a Business tenant''s');
select throws_ok(format('select private.scim_session(%L, ''test-acme'')', pg_temp.hash('globex')), 'TN460', null,
  'another tenant''s token is still TN460 first');
select tests.clear_authentication();

-- A downgrade keeps the configuration; an upgrade brings it back.
update public.subscriptions set plan_id = (select id from public.plans where code = 'pro')
 where tenant_id = tests.tenant_id('test-globex');
select throws_ok(format('select private.scim_session(%L, ''test-globex'')', pg_temp.hash('globex')), 'TN585', null,
  'downgraded to Pro, its token is refused');
select is((select count(*) from private.sso_route_email('someone@globex.test'))::int, 0, 'and its IdP routes nobody');
select is((select count(*) from public.sso_providers where tenant_id = tests.tenant_id('test-globex'))::int, 1,
  'its provider is kept');
select is((select count(*) from public.scim_tokens where tenant_id = tests.tenant_id('test-globex') and revoked_at is null)::int,
  1, 'its token is kept');
update public.subscriptions set plan_id = (select id from public.plans where code = 'business')
 where tenant_id = tests.tenant_id('test-globex');
select is(private.scim_session(pg_temp.hash('globex'), 'test-globex'), tests.tenant_id('test-globex'),
  'upgraded again, the same token works');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- SCIM linking through a verified path only
-- ---------------------------------------------------------------------------------------------

create function pg_temp.put(p_token text, p_tenant text, p_resource jsonb) returns uuid language plpgsql as $$
declare
  v_id uuid;
begin
  perform tests.authenticate_as_service_role('scim.provision');
  v_id := (public.scim_put(pg_temp.hash(p_token), p_tenant, 'User', null, p_resource, null) ->> 'id')::uuid;
  perform tests.clear_authentication();
  return v_id;
end $$;
create function pg_temp.linked(p_scim_user uuid) returns uuid language sql as $$
  select user_id from public.scim_users where id = p_scim_user $$;
create temp table waiting (name text primary key, id uuid not null);
insert into waiting values
  ('victim', pg_temp.put('globex', 'test-globex', '{"userName": "victim@shared.test", "active": false}')),
  ('victim2', pg_temp.put('globex', 'test-globex', '{"userName": "victim2@shared.test", "active": false}')),
  ('own sso', pg_temp.put('globex', 'test-globex', '{"userName": "own@shared.test", "active": false}')),
  ('vera', pg_temp.put('globex', 'test-globex', '{"userName": "vera@shared.test", "active": false}')),
  ('walt', pg_temp.put('globex', 'test-globex', '{"userName": "walt@shared.test", "active": false}'));
select is((select count(*) from public.scim_users where tenant_id = tests.tenant_id('test-globex') and user_id is null
  and id in (select id from waiting))::int, 5, 'five Users of Globex wait (inactive: SCIM makes them no account)');

-- The attack: Umbra's SCIM provisions the same address, which makes an account (scim:<umbra>).
select isnt(pg_temp.put('umbra', 'test-umbra', '{"userName": "victim@shared.test"}'), null,
  'another tenant''s SCIM provisions the address Globex waits for');
select isnt((select id from public.profiles where email = 'victim@shared.test'), null, 'and makes its account');
select is(pg_temp.linked((select id from waiting where name = 'victim')), null,
  'Globex''s User is not linked to the account another tenant''s SCIM made');
-- Made by another tenant's IdP (sso:<umbra provider>).
select private.create_passwordless_account('victim2@shared.test', null, 'sso:' || pg_temp.provider('test-umbra'));
select is(pg_temp.linked((select id from waiting where name = 'victim2')), null,
  'nor to one another tenant''s single sign-on made');
select is((select count(*) from public.memberships m join public.profiles p on p.id = m.user_id
  where m.tenant_id = tests.tenant_id('test-globex') and p.email in ('victim@shared.test', 'victim2@shared.test'))::int, 0,
  'so those accounts are no members of Globex');

-- Verified paths: Globex's own IdP made it; its holder confirmed the address.
select private.create_passwordless_account('own@shared.test', null, 'sso:' || pg_temp.provider('test-globex'));
select isnt(pg_temp.linked((select id from waiting where name = 'own sso')), null,
  'an account made by Globex''s own identity provider is linked');
select tests.create_user('vera', 'vera@shared.test', true);
select is(pg_temp.linked((select id from waiting where name = 'vera')), tests.user_id('vera'),
  'an ordinary account whose holder confirmed the address is linked');
select tests.create_user('walt', 'walt@shared.test', false);
select is(pg_temp.linked((select id from waiting where name = 'walt')), null, 'an unconfirmed one is not, yet');
update auth.users set email_confirmed_at = now() where id = tests.user_id('walt');
select is(pg_temp.linked((select id from waiting where name = 'walt')), tests.user_id('walt'),
  'once its holder confirms the address, it is');

select * from finish();
rollback;
