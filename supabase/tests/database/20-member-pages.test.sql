-- The member pages' SQL: invitation_preview (what /invite/<token> shows) and who can do what the
-- members and teams pages offer, as those pages ask it (under RLS, as the person).
begin;
select plan(27);
select tests.seed_fixture();

-- The preview's columns, as a persona (try_as only counts rows).
create function tests.as_user_preview(p_name text, p_token text)
returns table (tenant_name text, email text, role_key text, expires_at timestamptz, state text)
language plpgsql
as $$
begin
  perform tests.authenticate_as(p_name);
  return query select * from public.invitation_preview(p_token);
  perform tests.clear_authentication();
end
$$;
grant execute on function tests.as_user_preview(text, text) to authenticated;

-- invitation_preview: only by a live token, signed in, the address masked unless it is yours.
select results_eq(
  $$select tenant_name, email, role_key, state from tests.as_user_preview('alice', 'acme-newbie-token')$$,
  $$values ('Acme'::text, 'n•••@example.test'::text, 'viewer'::text, 'pending'::text)$$,
  'someone else sees the tenant, the role and a masked address');
select results_eq(
  $$select email from tests.as_user_preview('newbie', 'acme-newbie-token')$$,
  $$values ('newbie@example.test'::text)$$,
  'the invitee sees their own address');
select is(tests.try_as('erin', $$select * from public.invitation_preview('no-such-token')$$), 'rows:0',
  'an unknown token answers no row');
select is(tests.try_as('erin', $$select * from public.invitation_preview(null)$$), 'rows:0', 'nor does a null token');
select is(tests.try_as('erin', format('select * from public.invitation_preview(%L)',
  (select id::text from public.invitations where email = 'newbie@example.test'))), 'rows:0',
  'the invitation id is not a key');
select is(tests.try_as('erin', format('select * from public.invitation_preview(%L)',
  encode(sha256(convert_to('acme-newbie-token', 'UTF8')), 'hex'))), 'rows:0',
  'nor is the stored hash');
select is(tests.try_as('anon', $$select * from public.invitation_preview('acme-newbie-token')$$), 'error:42501',
  'anonymous visitors cannot call it');
select is(tests.try_as('service_role', $$select * from public.invitation_preview('acme-newbie-token')$$), 'error:42501',
  'nor can the service role (no job needs it)');
select ok((select p.prosecdef and p.proconfig @> array['search_path=""'] from pg_proc p
           where p.oid = 'public.invitation_preview(text)'::regprocedure),
  'security definer with an empty search_path');

-- States after revoke, expiry and acceptance.
insert into public.invitations (tenant_id, email, role_id, token_hash, expires_at, invited_by) values
  (tests.tenant_id('test-acme'), 'late@example.test', tests.role_id('viewer'), sha256(convert_to('late-token', 'UTF8')),
   now() - interval '1 minute', tests.user_id('alice'));
select is((select state from tests.as_user_preview('erin', 'late-token')), 'expired', 'an expired invitation says so');
select is(tests.do_as('alice', $$select public.revoke_invitation(id) from public.invitations where email = 'newbie@example.test'$$),
  'ok:1', 'the owner revokes the pending one');
select is((select state from tests.as_user_preview('newbie', 'acme-newbie-token')), 'revoked', 'a revoked invitation says so');
create temp table issued (invitation_id uuid, token text, expires_at timestamptz);
grant all on issued to authenticated;
select tests.authenticate_as('bob');
insert into issued select * from public.invite_member(tests.tenant_id('test-acme'), 'newbie@example.test', tests.role_id('developer'));
select tests.clear_authentication();
select is((select state from tests.as_user_preview('newbie', (select token from issued))), 'pending',
  'inviting again (resend) gives a new live token');
select is(tests.do_as('newbie', format('select public.accept_invitation(%L)', (select token from issued))), 'ok:1',
  'the invitee accepts it');
select is((select state from tests.as_user_preview('newbie', (select token from issued))), 'accepted',
  'an accepted invitation says so');

-- The invitation email is queued by the app as a system job: no person can write the outbox.
select is(tests.try_as('bob', $$insert into private.email_outbox (to_address, template, subject, body_text)
  values ('x@example.test', 'member_invitation', 's', 'b')$$), 'error:42501', 'a person cannot queue an email');

-- Members page: who sees what.
select is(tests.try_as('carol', format('select * from public.memberships where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:5', 'a viewer sees every member of acme (newbie included)');
select is(tests.try_as('carol', format('select id from public.invitations where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:0', 'a viewer sees no invitations');
select is(tests.try_as('bob', format('select id from public.invitations where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:3', 'an admin (members.invite) sees all three');
select is(tests.try_as('carol', format('select * from public.invite_member(%L, ''x@example.test'')', tests.tenant_id('test-acme'))),
  'error:TN002', 'a viewer cannot invite');
select is(tests.try_as('erin', format('select * from public.memberships where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:0', 'a stranger sees no members');

-- Teams page.
select is(tests.try_as('carol', format('insert into public.teams (tenant_id, name) values (%L, ''x'')', tests.tenant_id('test-acme'))),
  'error:42501', 'a viewer cannot create a team');
select is(tests.try_as('carol', $$update public.teams set name = 'renamed' where name = 'platform'$$), 'ok:0',
  'nor rename one');
select is(tests.try_as('carol', format('insert into public.team_members (tenant_id, team_id, user_id) select %L, id, %L from public.teams where name = ''platform''',
  tests.tenant_id('test-acme'), tests.user_id('dave'))), 'error:42501', 'nor add a member');
select is(tests.try_as('bob', format('insert into public.team_members (tenant_id, team_id, user_id) select %L, id, %L from public.teams where name = ''platform''',
  tests.tenant_id('test-acme'), tests.user_id('dave'))), 'ok:1', 'an admin adds dave to platform');
select is(tests.try_as('bob', format('insert into public.team_members (tenant_id, team_id, user_id) select %L, id, %L from public.teams where name = ''platform''',
  tests.tenant_id('test-acme'), tests.user_id('gina'))), 'error:23503', 'but never someone from another tenant');
select is(tests.try_as('bob', $$delete from public.teams where name = 'ops'$$), 'ok:0', 'nor touches a team of globex');

select * from finish();
rollback;
