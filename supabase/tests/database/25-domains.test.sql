-- Custom domains: who may claim, see and drop them; only the domains.verify job verifies; a host
-- routes to a tenant only once verified; two tenants may claim one name, only one can verify it.
begin;
select plan(22);
select tests.seed_fixture();

-- Claiming
select is(tests.do_as('alice', format($$insert into public.tenant_domains (tenant_id, domain) values (%L, 'portal.acme.example')$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'the owner claims a domain (domains.manage)');
select is(tests.try_as('carol', format($$insert into public.tenant_domains (tenant_id, domain) values (%L, 'x.acme.example')$$,
  tests.tenant_id('test-acme'))), 'error:42501', 'a viewer cannot claim one');
select is(tests.try_as('frank', format($$insert into public.tenant_domains (tenant_id, domain) values (%L, 'x.acme.example')$$,
  tests.tenant_id('test-acme'))), 'error:42501', 'another tenant''s owner cannot claim one for acme');
select is(tests.try_as('alice', format($$insert into public.tenant_domains (tenant_id, domain) values (%L, 'Not A Domain')$$,
  tests.tenant_id('test-acme'))), 'error:23514', 'a malformed name is refused by a constraint');
select is(tests.try_as('alice', format($$insert into public.tenant_domains (tenant_id, domain) values (%L, 'globex.localhost')$$,
  tests.tenant_id('test-acme'))), 'error:23514', 'a subdomain of localhost cannot be claimed');
select is(tests.do_as('frank', format($$insert into public.tenant_domains (tenant_id, domain) values (%L, 'portal.acme.example')$$,
  tests.tenant_id('test-globex'))), 'ok:1', 'a second tenant may claim the same name while it is unverified (no squatting)');

-- Reading
select is(tests.try_as('alice', 'select * from public.tenant_domains'), 'rows:1', 'the owner sees only acme''s claim');
select is(tests.try_as('carol', 'select * from public.tenant_domains'), 'rows:0', 'a viewer sees none');
select is(tests.try_as('erin', 'select * from public.tenant_domains'), 'rows:0', 'a stranger sees none');
select is(tests.try_as('anon', 'select * from public.tenant_domains'), 'error:42501', 'anon has no access to the table');
select is(tests.try_as('sue', 'select * from public.tenant_domains'), tests.rows('select * from public.tenant_domains'), 'support staff see every claim');

-- Verifying
select is(tests.try_as('alice', $$update public.tenant_domains set verified_at = now()$$), 'error:42501',
  'the owner cannot mark a domain verified');
select is(tests.try_as('alice', format($$select private.mark_domain_checked(%L, true)$$,
  (select id from public.tenant_domains where tenant_id = tests.tenant_id('test-acme')))), 'error:42501',
  'nor call the check recorder');
select is(public.resolve_tenant_host('portal.acme.example'), null, 'an unverified domain routes nowhere');
select tests.authenticate_as_service_role('domains.verify');
select private.mark_domain_checked((select id from public.tenant_domains where tenant_id = tests.tenant_id('test-acme')), true);
select throws_ok(format($$select private.mark_domain_checked(%L, true)$$,
  (select id from public.tenant_domains where tenant_id = tests.tenant_id('test-globex'))), 'TN150', null,
  'the same name cannot be verified for a second tenant');
select private.mark_domain_checked((select id from public.tenant_domains where tenant_id = tests.tenant_id('test-globex')), false, 'TXT record not found');
select tests.clear_authentication();
select isnt((select verified_at from public.tenant_domains where tenant_id = tests.tenant_id('test-acme')), null,
  'the job marks the domain verified');
select is((select last_check_error from public.tenant_domains where tenant_id = tests.tenant_id('test-globex')), 'TXT record not found',
  'a failed check is recorded with its reason');
select is((select count(*)::int from public.audit_logs where action = 'domain.verify' and tenant_id = tests.tenant_id('test-acme')), 1,
  'verification is audited');

-- Resolving
select is(tests.try_as('anon', $$values (public.resolve_tenant_host('portal.acme.example'))$$), 'error:42501',
  'API roles cannot call the resolver');
select tests.authenticate_as_service_role('domains.resolve');
select is(public.resolve_tenant_host('PORTAL.acme.example'), 'test-acme', 'the resolver job maps a verified domain to its slug, case-insensitively');
select tests.clear_authentication();
select is(public.resolve_tenant_host('nowhere.example'), null, 'an unknown host resolves to nothing');
update public.tenants set status = 'archived', archived_at = now() where id = tests.tenant_id('test-acme');
select is(public.resolve_tenant_host('portal.acme.example'), null, 'an archived tenant''s domain routes nowhere');

select * from finish();
rollback;
