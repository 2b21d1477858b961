-- A tenant that requires MFA refuses its data to sessions whose aal claim is not aal2, through
-- restrictive policies on every tenant table and through private.authorize() in the RPCs.
begin;
select plan(17);
select tests.seed_fixture();

select is(tests.try_as('bob', $$update public.tenants set require_mfa = true where slug = 'test-acme'$$), 'error:TN004',
  'requiring MFA needs an aal2 session, so nobody locks themselves out');
select is(tests.try_as('carol', $$update public.tenants set require_mfa = true where slug = 'test-acme'$$, 'aal2'), 'ok:0',
  'a viewer cannot require MFA');
select is(tests.do_as('bob', $$update public.tenants set require_mfa = true where slug = 'test-acme'$$, 'aal2'), 'ok:1',
  'an admin at aal2 requires MFA for acme');

select is(tests.try_as('carol', 'select id from public.teams'), 'rows:0', 'aal1: teams are refused');
select is(tests.try_as('carol', 'select id from public.projects'), 'rows:0', 'aal1: projects are refused');
select is(tests.try_as('carol', 'select id from public.memberships'), 'rows:0', 'aal1: memberships are refused');
select is(tests.try_as('carol', 'select id from public.roles where tenant_id is not null'), 'rows:0', 'aal1: custom roles are refused');
select is(tests.try_as('dave', 'select id from public.audit_logs'), 'rows:0', 'aal1: the audit log is refused');
select is(tests.try_as('carol', 'select id, require_mfa from public.tenants'), 'rows:1', 'aal1: the tenant row stays visible, to prompt a step-up');
select is(tests.try_as('carol', 'select role_id from public.role_permissions where tenant_id is null'), 'rows:120', 'aal1: the system catalog stays visible');
select is(tests.try_as('bob', format('insert into public.teams (tenant_id, name) values (%L, ''x'')', tests.tenant_id('test-acme'))), 'error:42501',
  'aal1: writes are refused');
select is(tests.try_as('bob', format('select * from public.invite_member(%L, ''a@example.test'')', tests.tenant_id('test-acme'))), 'error:TN004',
  'aal1: RPCs answer TN004');

select is(tests.try_as('carol', 'select id from public.teams', 'aal2'), 'rows:1', 'aal2: teams are back');
select is(tests.try_as('dave', 'select id from public.audit_logs', 'aal2'), 'rows:31', 'aal2: the audit log is back');
select is(tests.try_as('bob', format('select * from public.invite_member(%L, ''a@example.test'')', tests.tenant_id('test-acme')), 'aal2'), 'rows:1',
  'aal2: RPCs work');
select is(tests.try_as('gina', 'select id from public.teams'), 'rows:1', 'a tenant without the requirement is unaffected at aal1');
select is(tests.try_as('sue', 'select id from public.teams'), tests.rows('select id from public.teams'), 'staff are not members, so the tenant''s requirement does not apply to them');

select * from finish();
rollback;
