-- Issue 9 §5: bad input the pages let through, refused by the data (tenancy, teams, projects and billing modules).
-- The codes are TN codes raised by BEFORE triggers in those modules (the constraints stay as backstops).
-- Own fixtures, prefixed t31-, so the file runs on an empty database and on the seeded demo one.
begin;
select plan(17);

-- The checks deferred to commit run at the end of each statement here, so each refusal is seen.
set constraints all immediate;

select tests.create_user('t31-owner', 't31-owner@example.test');
select tests.create_tenant('t31-acme', 't31-owner');
select tests.create_tenant('t31-globex', 't31-owner');
insert into public.projects (tenant_id, slug, name)
values ((select id from public.tenants where slug = 't31-acme'), 't31-web', 'Web');

-- Reserved addresses: refused as reserved (TN015), not as badly formed (TN010).
select is(tests.try_as('t31-owner', $$select public.create_tenant('admin', 'Admin')$$), 'error:TN015',
  'reserved slug: create_tenant refuses "admin" as reserved (TN015), not as a malformed address');
select is(tests.try_as('t31-owner', $$select public.create_tenant(' Billing ', 'Billing')$$), 'error:TN015',
  'reserved slug: trimmed and lower-cased first, " Billing " is reserved too');
select is(tests.try_as('t31-owner', $$select public.create_tenant('t31--bad', 'Bad')$$), 'error:TN010',
  'a malformed address is still TN010');
select throws_ok($$update public.tenants set slug = 'settings' where slug = 't31-acme'$$, 'TN015',
  null, 'reserved slug: a direct rename to "settings" fails as reserved, TN015 (tenants_slug_reserved is the backstop; the settings page says why)');
select lives_ok($$update public.tenants set slug = 't31-acme-2' where slug = 't31-acme'$$,
  'an ordinary rename still works');

-- Team names: unique per tenant whatever their case.
insert into public.teams (tenant_id, name) values ((select id from public.tenants where slug = 't31-acme-2'), 'Ops');
select throws_ok($$insert into public.teams (tenant_id, name) values ((select id from public.tenants where slug = 't31-acme-2'), 'OPS')$$,
  'TN080', null,
  'case-duplicate team: "OPS" beside "Ops" in the same tenant is refused');
select lives_ok($$insert into public.teams (tenant_id, name) values ((select id from public.tenants where slug = 't31-globex'), 'ops')$$,
  'the same name in another tenant is fine');
select throws_ok(format($$insert into public.teams (tenant_id, name) values (%L, 'Designers'), (%L, 'designers')$$,
    (select id from public.tenants where slug = 't31-globex'), (select id from public.tenants where slug = 't31-globex')),
  'TN080', null,
  'case-duplicate team: two teams differing by case in one statement are refused');

-- Environment names: unique per project whatever their case (the project starts with Production).
select throws_ok($$insert into public.environments (tenant_id, project_id, kind, name)
    select p.tenant_id, p.id, 'production', 'PRODUCTION' from public.projects p where p.slug = 't31-web'$$,
  'TN081', null,
  'case-duplicate environment: "PRODUCTION" beside "Production" in one project is refused');
select lives_ok($$update public.environments set name = 'production' where name = 'Production'
    and project_id = (select id from public.projects where slug = 't31-web')$$,
  'an environment can change the case of its own name');

-- A custom role grants at least one permission (TN039).
select throws_ok($$insert into public.roles (tenant_id, key, name)
    values ((select id from public.tenants where slug = 't31-acme-2'), 't31_empty', 'Empty')$$,
  'TN039', null, 'empty role: a custom role with no permission is refused');
select lives_ok($$with r as (
      insert into public.roles (tenant_id, key, name) values ((select id from public.tenants where slug = 't31-acme-2'), 't31_reader', 'Reader')
      returning id, tenant_id)
    insert into public.role_permissions (role_id, permission_code, tenant_id) select r.id, 'audit.read', r.tenant_id from r$$,
  'a role with a permission is accepted');
set constraints all deferred;
insert into public.roles (tenant_id, key, name) values ((select id from public.tenants where slug = 't31-acme-2'), 't31_later', 'Later');
insert into public.role_permissions (role_id, permission_code, tenant_id)
select r.id, 'members.read', r.tenant_id from public.roles r where r.key = 't31_later';
select lives_ok($$set constraints all immediate$$,
  'a role and its permissions written by separate statements pass at commit');
select throws_ok($$delete from public.role_permissions where role_id = (select id from public.roles where key = 't31_reader')$$,
  'TN039', null, 'empty role: removing a role''s last permission is refused');
select lives_ok($$delete from public.roles where key = 't31_reader'$$,
  'deleting the role itself (its permissions go by cascade) is fine');

-- A rejected manual payment says why.
insert into public.payments (tenant_id, plan_id, billing_interval, provider, amount, currency, status, proof_path)
select t.id, p.id, 'month', 'manual', 2900, 'usd', 'pending', 't31/proof.pdf'
from public.tenants t, public.plans p where t.slug = 't31-acme-2' and p.code = 'pro';
select throws_ok($$update public.payments set status = 'failed', verified_by = tests.user_id('t31-owner'), note = '   '
    where proof_path = 't31/proof.pdf'$$,
  'TN083', null,
  'empty rejection note: a staff rejection with a blank note is refused');
select lives_ok($$update public.payments set status = 'failed', verified_by = tests.user_id('t31-owner'),
    note = 'The transfer never arrived.' where proof_path = 't31/proof.pdf'$$,
  'a rejection with a note is accepted');

select * from finish();
rollback;
