-- The role editor, project and settings pages write straight to the tables under RLS; these are
-- the statements they run (src/lib/server/roles/queries.ts, projects.ts, settings.ts), as each persona.
-- Fixture (supabase/tests/setup.sql): acme alice owner · bob admin (all but billing.manage) ·
-- carol viewer · dave custom "auditor" + project_editor on web; globex frank owner · gina developer.
begin;
select plan(35);
select tests.seed_fixture();

-- The role editor shows the catalogue's own words: every permission has a group, a label and a description.
select is_empty($$select code from public.permissions
  where btrim(coalesce(label, '')) = '' or btrim(coalesce(description, '')) = '' or btrim(coalesce(group_name, '')) = ''$$,
  'every permission carries a group, a label and a description for the role editor');
select is_empty($$select label from public.permissions group by group_name, label having count(*) > 1$$,
  'no two permissions in a group share a label');

-- Creating a custom role: roles.manage in this tenant only.
select is(tests.do_as('bob', format($$insert into public.roles (tenant_id, key, name, scope) values (%L, 'release', 'Release', 'tenant')$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'an admin (roles.manage) creates a custom role');
select is(tests.try_as('carol', format($$insert into public.roles (tenant_id, key, name) values (%L, 'sneaky', 'Sneaky')$$,
  tests.tenant_id('test-acme'))), 'error:42501', 'a viewer cannot create a role');
select is(tests.try_as('gina', format($$insert into public.roles (tenant_id, key, name) values (%L, 'foreign', 'Foreign')$$,
  tests.tenant_id('test-acme'))), 'error:42501', 'a member of another tenant cannot create a role here');
select is(tests.try_as('frank', format($$insert into public.roles (tenant_id, key, name) values (%L, 'foreign', 'Foreign')$$,
  tests.tenant_id('test-acme'))), 'error:42501', 'not even the other tenant''s owner');
select is(tests.try_as('bob', $$insert into public.roles (tenant_id, key, name) values (null, 'global', 'Global')$$),
  'error:42501', 'nobody creates a system role');
select is(tests.try_as('bob', format($$insert into public.roles (tenant_id, key, name) values (%L, 'release', 'Again')$$,
  tests.tenant_id('test-acme'))), 'error:23505', 'keys are unique within the tenant');

-- Granting permissions: never one the editor lacks.
select is(tests.do_as('bob', format($$insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, 'projects.read', %L), (%L, 'audit.read', %L)$$,
  tests.role_id('release', 'test-acme'), tests.tenant_id('test-acme'), tests.role_id('release', 'test-acme'), tests.tenant_id('test-acme'))),
  'ok:2', 'the admin grants permissions they hold');
select is(tests.try_as('bob', format($$insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, 'billing.manage', %L)$$,
  tests.role_id('release', 'test-acme'), tests.tenant_id('test-acme'))), 'error:42501', 'escalation: the admin cannot grant billing.manage, which they lack');
select is(tests.try_as('bob', format($$delete from public.role_permissions where role_id = %L and permission_code = 'audit.read'$$,
  tests.role_id('release', 'test-acme'))), 'ok:1', 'the admin removes a permission (the editor deletes only what changed)');
select is(tests.do_as('alice', format($$insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, 'billing.manage', %L)$$,
  tests.role_id('release', 'test-acme'), tests.tenant_id('test-acme'))), 'ok:1', 'the owner (every permission) can');
select is(tests.try_as('carol', format($$delete from public.role_permissions where role_id = %L$$,
  tests.role_id('release', 'test-acme'))), 'ok:0', 'a viewer removes nothing');
select is(tests.try_as('dave', format($$insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, 'members.invite', %L)$$,
  tests.role_id('auditor', 'test-acme'), tests.tenant_id('test-acme'))), 'error:42501', 'nobody without roles.manage widens their own role');
select is(tests.try_as('frank', format($$insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, 'audit.read', %L)$$,
  tests.role_id('release', 'test-acme'), tests.tenant_id('test-globex'))), 'error:TN035', 'a role cannot be given permissions under another tenant');
select is(tests.try_as('alice', format($$insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, 'projects.read', %L)$$,
  tests.role_id('admin'), tests.tenant_id('test-acme'))), 'error:TN035', 'system roles cannot be given permissions by a tenant');

-- Project roles grant only project-scoped codes.
select is(tests.do_as('bob', format($$insert into public.roles (tenant_id, key, name, scope) values (%L, 'tester', 'Tester', 'project')$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'an admin creates a project role');
select is(tests.try_as('bob', format($$insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, 'members.invite', %L)$$,
  tests.role_id('tester', 'test-acme'), tests.tenant_id('test-acme'))), 'error:TN035', 'a project role cannot grant members.invite');

-- Renaming and deleting.
select is(tests.try_as('bob', format($$update public.roles set name = 'Testers' where id = %L$$, tests.role_id('tester', 'test-acme'))),
  'ok:1', 'the admin renames a custom role within their permissions');
select is(tests.try_as('bob', format($$update public.roles set name = 'Releases' where id = %L$$, tests.role_id('release', 'test-acme'))),
  'error:TN030', 'but not one that now grants billing.manage, which they lack (27-…-attacks.test.sql has the attack)');
select is(tests.try_as('carol', format($$update public.roles set name = 'Mine' where id = %L$$, tests.role_id('release', 'test-acme'))),
  'ok:0', 'a viewer cannot');
select is(tests.try_as('frank', format($$update public.roles set name = 'Mine' where id = %L$$, tests.role_id('release', 'test-acme'))),
  'ok:0', 'another tenant''s owner cannot');
select is(tests.try_as('bob', $$update public.roles set name = 'Boss' where tenant_id is null and key = 'admin'$$),
  'ok:0', 'system roles are read-only');
select is(tests.try_as('alice', $$delete from public.roles where tenant_id is null and key = 'viewer'$$),
  'ok:0', 'even for owners');
select is(tests.try_as('frank', format($$select id from public.roles where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'rows:0', 'another tenant''s owner sees none of acme''s custom roles');
select is(tests.try_as('bob', format($$delete from public.roles where id = %L$$, tests.role_id('auditor', 'test-acme'))),
  'error:23503', 'a role members hold cannot be deleted');
select is(tests.try_as('alice', format($$delete from public.roles where id = %L$$, tests.role_id('release', 'test-acme'))),
  'ok:1', 'one nobody holds can, with its permissions');

-- Organisation settings.
select is(tests.try_as('carol', format($$update public.tenants set name = 'Mine' where id = %L$$, tests.tenant_id('test-acme'))),
  'ok:0', 'a viewer cannot change the settings');
select is(tests.try_as('gina', format($$update public.tenants set name = 'Mine' where id = %L$$, tests.tenant_id('test-acme'))),
  'ok:0', 'nor can a member of another tenant');
select is(tests.try_as('bob', format($$update public.tenants set name = 'Acme Two', branding = '{"primary_color": "#123abc"}' where id = %L$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'an admin (tenant.update) changes name and branding');
select is(tests.try_as('bob', format($$update public.tenants set require_mfa = true where id = %L$$, tests.tenant_id('test-acme'))),
  'error:TN004', 'requiring MFA needs a session that used it');
select is(tests.try_as('bob', format($$update public.tenants set require_mfa = true where id = %L$$, tests.tenant_id('test-acme')), 'aal2'),
  'ok:1', 'and then succeeds');

-- Projects: the project page's writes by a project editor.
select is(tests.try_as('dave', format($$update public.projects set name = 'Web 2' where id = %L$$, tests.project_id('test-acme', 'web'))),
  'ok:1', 'a project editor renames the project');
select is(tests.try_as('dave', format($$delete from public.projects where id = %L$$, tests.project_id('test-acme', 'web'))),
  'ok:0', 'but cannot delete it (projects.delete)');
select is(tests.try_as('dave', format($$insert into public.environments (tenant_id, project_id, kind, name) values (%L, %L, 'staging', 'QA')$$,
  tests.tenant_id('test-acme'), tests.project_id('test-acme', 'web'))), 'error:42501', 'nor add environments (environments.manage)');

select * from finish();
rollback;
