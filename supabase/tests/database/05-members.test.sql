-- Membership RPCs: invitations end to end, change_member_role, transfer_ownership, remove_member,
-- leave_tenant, project roles, and the last-owner rule for every role.
begin;
select plan(30);
select tests.seed_fixture();
select tests.create_user('hank', 'hank@example.test');
select tests.create_user('unconfirmed', 'late@example.test', false);

-- Invitations
create temp table issued as
select * from public.invite_member(tests.tenant_id('test-acme'), 'Hank@Example.test', tests.role_id('developer')) where false;
grant all on issued to authenticated;
select tests.authenticate_as('bob');
insert into issued select * from public.invite_member(tests.tenant_id('test-acme'), 'Hank@Example.test', tests.role_id('developer'));
select tests.clear_authentication();
select is(length((select token from issued)), 64, 'invite_member returns a 256-bit token, once');
select is((select count(*)::int from public.invitations where token_hash = sha256(convert_to((select token from issued), 'UTF8'))), 1,
  'only its sha256 is stored');
select is((select count(*)::int from public.audit_logs where action = 'member.invite'), 1, 'the invitation is audited');
select is((select count(*)::int from public.audit_logs where new_values ? 'token_hash'), 0, 'the audit log never holds the token hash');
select is(tests.try_as('hank', 'select id from public.invitations'), 'rows:1', 'the invitee sees the invitation addressed to them');
select is(tests.try_as('unconfirmed', format('select public.accept_invitation(%L)', 'acme-newbie-token')), 'error:TN025',
  'an unconfirmed address cannot accept');
select is(tests.do_as('hank', format('select public.accept_invitation(%L)', (select token from issued))), 'ok:1',
  'the invitee accepts (email compared case-insensitively)');
select results_eq(
  format($$select r.key from public.role_assignments ra join public.roles r on r.id = ra.role_id where ra.user_id = %L$$, tests.user_id('hank')),
  $$values ('developer')$$, 'with the invited role');
select is(tests.do_as('alice', format('select * from public.invite_member(%L, ''late@example.test'')', tests.tenant_id('test-acme'))), 'ok:1',
  'invite someone whose email is unconfirmed');
select tests.create_user('tardy', 'tardy@example.test');
insert into public.invitations (tenant_id, email, role_id, token_hash, expires_at, invited_by)
values (tests.tenant_id('test-acme'), 'tardy@example.test', tests.role_id('viewer'), sha256(convert_to('tardy-token', 'UTF8')),
        now() - interval '1 minute', tests.user_id('alice'));
select is(tests.try_as('tardy', $$select public.accept_invitation('tardy-token')$$), 'error:TN023', 'an expired invitation is refused');
select is(tests.do_as('alice', format('select public.revoke_invitation(id) from public.invitations where email = ''newbie@example.test''')), 'ok:1',
  'the owner revokes it');
select is(tests.try_as('newbie', $$select public.accept_invitation('acme-newbie-token')$$), 'error:TN022', 'a revoked invitation is refused');

-- change_member_role
select is(tests.do_as('bob', format('select public.change_member_role(%L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('carol'), tests.role_id('developer'))), 'ok:1',
  'an admin makes a viewer a developer');
select results_eq(
  format($$select r.key from public.role_assignments ra join public.roles r on r.id = ra.role_id where ra.user_id = %L and ra.project_id is null$$, tests.user_id('carol')),
  $$values ('developer')$$, 'the old tenant role is replaced');
select is(tests.try_as('bob', format('select public.change_member_role(%L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('alice'), tests.role_id('viewer'))),
  'error:TN033', 'an admin cannot demote the owner');
select is(tests.try_as('bob', format('select public.remove_member(%L, %L)', tests.tenant_id('test-acme'), tests.user_id('alice'))),
  'error:TN033', 'an admin cannot remove the owner');
select is(tests.do_as('alice', format('select public.change_member_role(%L, %L, %L)', tests.tenant_id('test-acme'), tests.user_id('carol'), tests.role_id('billing_admin'))), 'ok:1',
  'the owner makes carol billing admin');
select is(tests.try_as('bob', format('select public.remove_member(%L, %L)', tests.tenant_id('test-acme'), tests.user_id('carol'))),
  'error:TN034', 'an admin cannot remove a member holding a permission the admin lacks');

-- Last owner
select is(tests.try_as('alice', format('select public.leave_tenant(%L)', tests.tenant_id('test-acme'))), 'error:TN031', 'the last owner cannot leave');
select throws_ok(format('delete from public.memberships where user_id = %L', tests.user_id('alice')), 'TN031', null,
  'the last owner cannot be deleted by anyone');
select throws_ok(format('delete from auth.users where id = %L', tests.user_id('alice')), 'TN031', null,
  'not even by deleting the user');

-- transfer_ownership
select is(tests.try_as('bob', format('select public.transfer_ownership(%L, %L)', tests.tenant_id('test-acme'), tests.user_id('bob'))),
  'error:TN033', 'only an owner transfers ownership');
select is(tests.do_as('alice', format('select public.transfer_ownership(%L, %L)', tests.tenant_id('test-acme'), tests.user_id('bob'))), 'ok:1',
  'the owner hands acme to bob');
select ok((select is_owner from public.memberships where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('bob')), 'bob owns acme');
select results_eq(
  format($$select m.is_owner, r.key from public.memberships m join public.role_assignments ra on ra.tenant_id = m.tenant_id and ra.user_id = m.user_id and ra.project_id is null
           join public.roles r on r.id = ra.role_id where m.tenant_id = %L and m.user_id = %L$$, tests.tenant_id('test-acme'), tests.user_id('alice')),
  $$values (false, 'admin')$$, 'alice is now an admin');
select is(tests.do_as('alice', format('select public.leave_tenant(%L)', tests.tenant_id('test-acme'))), 'ok:1', 'and can leave');

-- Project roles
select is(tests.do_as('bob', format('select public.set_project_role(%L, %L, %L)', tests.project_id('test-acme', 'api'), tests.user_id('dave'), tests.role_id('project_viewer'))), 'ok:1',
  'the owner gives dave a project role on api');
select is(tests.try_as('dave', 'select id from public.projects'), 'rows:2', 'dave now sees web (editor) and api (viewer)');
select is(tests.try_as('dave', format('update public.projects set name = ''x'' where id = %L', tests.project_id('test-acme', 'api'))), 'ok:0',
  'a project viewer cannot edit');
select is(tests.try_as('dave', format('select public.set_project_role(%L, %L, %L)', tests.project_id('test-acme', 'web'), tests.user_id('hank'), tests.role_id('project_viewer'))),
  'error:TN002', 'a project editor cannot hand out project roles');

select * from finish();
rollback;
