-- Named attacks, each tried the ways a client could: through the RPCs, through direct table
-- writes (PostgREST), and as the service role where a guard must hold for every role.
-- Personas: see 02-tenancy-personas. Codes: docs/error-codes.md.
begin;
select plan(62);
select tests.seed_fixture();

-- A custom role in globex, to reference across tenants.
insert into public.roles (tenant_id, key, name) values (tests.tenant_id('test-globex'), 'globex_ops', 'Globex ops');
insert into public.roles (tenant_id, key, name, scope) values (tests.tenant_id('test-globex'), 'globex_proj', 'Globex project', 'project');

-- ---------------------------------------------------------------------------------------------
-- Self-promotion
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('carol', format('select public.change_member_role(%L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('carol'), tests.role_id('admin'))),
  'error:TN002', 'self-promotion: a viewer cannot change roles at all');
select is(tests.try_as('bob', format('select public.change_member_role(%L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('bob'), tests.role_id('owner'))),
  'error:TN032', 'self-promotion: an admin cannot change their own role (to owner)');
select is(tests.try_as('carol', format('update public.memberships set is_owner = true where user_id = %L', tests.user_id('carol'))),
  'error:42501', 'self-promotion: memberships.is_owner is not writable by clients');
select is(tests.try_as('carol', format('insert into public.role_assignments (tenant_id, user_id, role_id) values (%L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('carol'), tests.role_id('admin'))),
  'error:42501', 'self-promotion: role_assignments cannot be inserted directly');
select is(tests.try_as('erin', format('insert into public.platform_staff (user_id, role) values (%L, ''super_admin'')', tests.user_id('erin'))),
  'error:42501', 'self-promotion: a user cannot make themselves platform staff');
select is(tests.try_as('sue', format('update public.platform_staff set role = ''super_admin'' where user_id = %L', tests.user_id('sue'))),
  'ok:0', 'self-promotion: support staff cannot promote themselves to super_admin');
select is(tests.try_as('dave', format('select public.set_project_role(%L, %L, %L)', tests.project_id('test-acme', 'web'), tests.user_id('dave'), tests.role_id('project_owner'))),
  'error:TN002', 'self-promotion: a project editor cannot make themselves project owner');

-- ---------------------------------------------------------------------------------------------
-- Granting a permission one lacks
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('bob', format('select public.change_member_role(%L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('carol'), tests.role_id('billing_admin'))),
  'error:TN030', 'an admin (no billing.manage) cannot make someone billing admin');
select is(tests.try_as('bob', format('insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, ''billing.manage'', %L)', tests.role_id('auditor', 'test-acme'), tests.tenant_id('test-acme'))),
  'error:42501', 'an admin cannot add billing.manage to a custom role');
select is(tests.try_as('alice', format('select public.change_member_role(%L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('carol'), tests.role_id('billing_admin'))),
  'rows:1', 'the owner (holds everything) can make someone billing admin');
select is(tests.try_as('bob', format('select public.change_member_role(%L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('carol'), tests.role_id('developer'))),
  'rows:1', 'an admin can grant a role whose permissions they all hold');

-- ---------------------------------------------------------------------------------------------
-- A custom role with more than one holds
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('dave', format('insert into public.roles (tenant_id, key, name) values (%L, ''mine'', ''Mine'')', tests.tenant_id('test-acme'))),
  'error:42501', 'custom roles: creating one needs roles.manage');
select is(tests.do_as('bob', format('insert into public.roles (tenant_id, key, name) values (%L, ''helpdesk'', ''Helpdesk'')', tests.tenant_id('test-acme'))),
  'ok:1', 'custom roles: an admin creates one');
select is(tests.try_as('bob', format('insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, ''tickets.manage'', %L)', tests.role_id('helpdesk', 'test-acme'), tests.tenant_id('test-acme'))),
  'ok:1', 'custom roles: the admin grants it a permission they hold');
select is(tests.try_as('bob', format('insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, ''billing.manage'', %L)', tests.role_id('helpdesk', 'test-acme'), tests.tenant_id('test-acme'))),
  'error:42501', 'custom roles: not one they lack');
select is(tests.try_as('bob', format('insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, ''billing.manage'', null)', tests.role_id('admin'))),
  'error:42501', 'custom roles: system roles cannot be given permissions');
select is(tests.try_as('bob', format('update public.roles set scope = ''project'' where id = %L', tests.role_id('helpdesk', 'test-acme'))),
  'error:42501', 'custom roles: the scope of a role is fixed');

-- ---------------------------------------------------------------------------------------------
-- Inviting as owner without the right
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('bob', format('select * from public.invite_member(%L, ''boss@example.test'', %L)', tests.tenant_id('test-acme'), tests.role_id('owner'))),
  'error:TN033', 'an admin cannot invite an owner');
select is(tests.try_as('bob', format('select * from public.invite_member(%L, ''cfo@example.test'', %L)', tests.tenant_id('test-acme'), tests.role_id('billing_admin'))),
  'error:TN030', 'an admin cannot invite with a role granting what they lack');
select is(tests.try_as('carol', format('select * from public.invite_member(%L, ''friend@example.test'', null)', tests.tenant_id('test-acme'))),
  'error:TN002', 'a viewer cannot invite');
select is(tests.try_as('frank', format('select * from public.invite_member(%L, ''spy@example.test'', null)', tests.tenant_id('test-acme'))),
  'error:TN002', 'another tenant''s owner cannot invite into acme');
select is(tests.try_as('alice', format('select * from public.invite_member(%L, ''boss@example.test'', %L)', tests.tenant_id('test-acme'), tests.role_id('owner'))),
  'rows:1', 'the owner can invite an owner');

-- ---------------------------------------------------------------------------------------------
-- Accepting someone else's invitation; reusing one
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('erin', $$select public.accept_invitation('acme-newbie-token')$$),
  'error:TN024', 'an invitation cannot be accepted by another email address');
select is(tests.try_as('erin', $$select public.accept_invitation('not-a-token')$$),
  'error:TN020', 'an unknown token is refused');
select is(tests.do_as('newbie', $$select public.accept_invitation('acme-newbie-token')$$),
  'ok:1', 'the invitee accepts');
select is(tests.try_as('newbie', $$select public.accept_invitation('acme-newbie-token')$$),
  'error:TN021', 'the invitation cannot be reused, even by the invitee');
select is(tests.try_as('erin', $$select public.accept_invitation('acme-newbie-token')$$),
  'error:TN021', 'the used invitation cannot be reused by anyone');

-- ---------------------------------------------------------------------------------------------
-- Referencing another tenant's row by id, in every foreign key
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('alice', format('insert into public.team_members (tenant_id, team_id, user_id) values (%L, %L, %L)', tests.tenant_id('test-acme'), (select id from public.teams where name = 'ops'), tests.user_id('carol'))),
  'error:23503', 'team_members.team_id: a globex team under acme''s tenant_id');
select is(tests.try_as('alice', format('insert into public.team_members (tenant_id, team_id, user_id) values (%L, %L, %L)', tests.tenant_id('test-acme'), (select id from public.teams where name = 'platform'), tests.user_id('gina'))),
  'error:23503', 'team_members.user_id: a globex member into an acme team');
select is(tests.try_as('alice', format('insert into public.team_members (tenant_id, team_id, user_id) values (%L, %L, %L)', tests.tenant_id('test-globex'), (select id from public.teams where name = 'ops'), tests.user_id('carol'))),
  'error:42501', 'team_members.tenant_id: writing under globex''s tenant_id');
select is(tests.try_as('alice', format('insert into public.environments (tenant_id, project_id, kind, name) values (%L, %L, ''staging'', ''Sneaky'')', tests.tenant_id('test-acme'), tests.project_id('test-globex', 'data'))),
  'error:23503', 'environments.project_id: a globex project');
select is(tests.try_as('alice', format('insert into public.role_permissions (role_id, permission_code, tenant_id) values (%L, ''tasks.read'', %L)', tests.role_id('globex_ops', 'test-globex'), tests.tenant_id('test-acme'))),
  'error:TN035', 'role_permissions.role_id: a globex role');
select is(tests.try_as('alice', format('select public.change_member_role(%L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('carol'), tests.role_id('globex_ops', 'test-globex'))),
  'error:TN035', 'role_assignments.role_id: a globex role through the RPC');
select throws_ok(format('insert into public.role_assignments (tenant_id, user_id, role_id) values (%L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('carol'), tests.role_id('globex_ops', 'test-globex')),
  'TN035', null, 'role_assignments.role_id: a globex role, even written directly by a superuser');
select throws_ok(format('insert into public.role_assignments (tenant_id, user_id, role_id, project_id) values (%L, %L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('carol'), tests.role_id('project_viewer'), tests.project_id('test-globex', 'data')),
  '23503', null, 'role_assignments.project_id: a globex project');
select throws_ok(format('insert into public.role_assignments (tenant_id, user_id, role_id) values (%L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('gina'), tests.role_id('viewer')),
  '23503', null, 'role_assignments.user_id: someone who is not a member of the tenant');
select is(tests.try_as('alice', format('select public.set_project_role(%L, %L, %L)', tests.project_id('test-acme', 'web'), tests.user_id('carol'), tests.role_id('globex_proj', 'test-globex'))),
  'error:TN035', 'set_project_role: a globex project role');
select is(tests.try_as('alice', format('select public.set_project_role(%L, %L, %L)', tests.project_id('test-acme', 'web'), tests.user_id('gina'), tests.role_id('project_viewer'))),
  'error:TN003', 'set_project_role: someone who is not a member of the tenant');
select is(tests.try_as('alice', format('select * from public.invite_member(%L, ''x@example.test'', %L)', tests.tenant_id('test-acme'), tests.role_id('globex_ops', 'test-globex'))),
  'error:TN035', 'invitations.role_id: a globex role');

-- ---------------------------------------------------------------------------------------------
-- Editing protected columns (tenant_id, is_owner, created_by, status)
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('alice', format('update public.teams set tenant_id = %L', tests.tenant_id('test-globex'))),
  'error:42501', 'tenant_id: not a column clients may update');
select is(tests.try_as('service_role', format('update public.teams set tenant_id = %L', tests.tenant_id('test-globex'))),
  'error:42501', 'tenant_id: not a column the service role may update');
select throws_ok(format('update public.teams set tenant_id = %L', tests.tenant_id('test-globex')),
  'TN040', null, 'tenant_id: immutable even for a superuser (guard trigger)');
select throws_ok(format('update public.projects set created_by = %L', tests.user_id('erin')),
  'TN040', null, 'created_by: immutable even for a superuser (guard trigger)');
select is(tests.try_as('bob', format('update public.projects set created_by = %L', tests.user_id('bob'))),
  'error:42501', 'created_by: not a column clients may update');
select is(tests.try_as('service_role', format('update public.memberships set is_owner = true where user_id = %L', tests.user_id('carol'))),
  'error:42501', 'is_owner: the service role has no write on memberships');
select is(tests.try_as('service_role', 'update public.tenants set status = ''active'' where slug = ''test-initech'''),
  'error:42501', 'tenant status: only the lifecycle RPCs change it, not the service role directly');
select throws_ok('update public.tenants set status = ''suspended'' where slug = ''test-initech''',
  'TN060', null, 'tenant status: pending cannot jump to suspended, whoever asks');
select is(tests.try_as('erin', format('update public.profiles set email = ''me@evil.test'' where id = %L', tests.user_id('erin'))),
  'error:42501', 'profiles.email comes from auth only');

-- ---------------------------------------------------------------------------------------------
-- Role assignments and team memberships surviving removal
-- ---------------------------------------------------------------------------------------------
select is(tests.do_as('alice', format('select public.remove_member(%L, %L)', tests.tenant_id('test-acme'), tests.user_id('carol'))),
  'ok:1', 'the owner removes carol');
select is((select count(*)::int from public.role_assignments where user_id = tests.user_id('carol')), 0,
  'her role assignments went with her');
select is((select count(*)::int from public.team_members where user_id = tests.user_id('carol')), 0,
  'her team memberships went with her');
select is(tests.try_as('carol', 'select id from public.teams'), 'rows:0', 'and she sees nothing of acme any more');

-- ---------------------------------------------------------------------------------------------
-- Touching the audit log
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('alice', 'delete from public.audit_logs'), 'error:42501', 'audit: the owner cannot delete');
select is(tests.try_as('service_role', 'update public.audit_logs set action = ''nothing happened'''), 'error:42501', 'audit: the service role cannot update');
select throws_ok('update public.audit_logs set action = ''nothing happened''', 'TN050', null, 'audit: not even a superuser through ordinary SQL');
select throws_ok('delete from public.audit_logs', 'TN050', null, 'audit: no deletes');
select throws_ok('truncate public.audit_logs', 'TN050', null, 'audit: no truncate');

-- ---------------------------------------------------------------------------------------------
-- Probing another user's permissions through a helper
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('erin', format('select private.member_permissions(%L, %L)', tests.tenant_id('test-acme'), tests.user_id('alice'))),
  'error:42501', 'the helper that names a user is not callable');
select is(tests.try_as('erin', format('select 1 where private.user_has_permission(''audit.read'', %L)', tests.tenant_id('test-acme'))),
  'rows:0', 'user_has_permission answers only for the caller: a stranger holds nothing in acme');
select hasnt_function('private', 'user_has_permission', array['text', 'uuid', 'uuid'], 'no helper form takes a user id');
select is(tests.try_as('erin', format('select * from public.my_permissions(%L)', tests.tenant_id('test-acme'))),
  'rows:0', 'my_permissions is about the caller only');
select is(tests.try_as('erin', format('select * from public.verify_audit_chain(%L)', tests.tenant_id('test-acme'))),
  'error:TN002', 'a stranger cannot read another tenant''s audit chain');

select * from finish();
rollback;
