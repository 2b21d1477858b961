-- Team invitations (20261203000500_team_invitations.sql): who may invite to a team; an existing
-- member added at once; a new person invited into the organisation with the team named, placed
-- there on acceptance (team.member_added), with the invitation's usual rules (single use, bound to
-- the invited address); another tenant's teams answer like no team at all; who reads the teams an
-- invitation names.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer in team "platform",
-- dave auditor; globex: frank owner, team "ops"; staff sue support) plus tina, a "team lead" of acme
-- (teams.manage without members.invite), nina and nico (new people) and team "design" of acme.
begin;
select plan(36);

select tests.seed_fixture();
select tests.create_user('tina');
select tests.create_user('nina');
select tests.create_user('nico');
insert into public.memberships (tenant_id, user_id) values (tests.tenant_id('test-acme'), tests.user_id('tina'));
insert into public.roles (tenant_id, key, name, description)
values (tests.tenant_id('test-acme'), 'team_lead', 'Team lead', 'Runs teams');
insert into public.role_permissions (role_id, permission_code, tenant_id)
select r.id, p, r.tenant_id from public.roles r, unnest(array['teams.manage', 'members.read']) p
where r.key = 'team_lead' and r.tenant_id = tests.tenant_id('test-acme');
insert into public.role_assignments (tenant_id, user_id, role_id)
values (tests.tenant_id('test-acme'), tests.user_id('tina'), tests.role_id('team_lead', 'test-acme'));
insert into public.teams (tenant_id, name) values (tests.tenant_id('test-acme'), 'design');

create function pg_temp.team(p_tenant text, p_name text) returns uuid language sql as $$
  select id from public.teams where tenant_id = tests.tenant_id(p_tenant) and name = p_name
$$;
create function pg_temp.email(p_name text) returns text language sql as $$
  select email from auth.users where id = tests.user_id(p_name)
$$;
create function pg_temp.invite_sql(p_teams text, p_email text) returns text language sql as $$
  select format('select * from public.invite_to_team(%s, %L)', p_teams, p_email)
$$;
create function pg_temp.teams(variadic p_names text[]) returns text language sql as $$
  select quote_literal(array_agg(pg_temp.team('test-acme', n))::text) || '::uuid[]' from unnest(p_names) n
$$;

-- Outcomes the tests keep: (name, outcome, token).
create temp table invited (name text primary key, outcome text, token text, invitation_id uuid);
grant select, insert on invited to public;
create function pg_temp.invite(p_persona text, p_name text, p_teams text, p_email text) returns text language plpgsql as $$
declare
  v record;
begin
  perform tests.authenticate_as(p_persona);
  execute pg_temp.invite_sql(p_teams, p_email) into v;
  perform tests.clear_authentication();
  insert into invited values (p_name, v.outcome, v.token, v.invitation_id);
  return v.outcome;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Who may invite
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('carol', pg_temp.invite_sql(pg_temp.teams('platform'), 'nina@example.test')), 'error:TN391',
  'a viewer (no teams.manage) cannot invite to a team');
select is(tests.try_as('frank', pg_temp.invite_sql(pg_temp.teams('platform'), 'nina@example.test')), 'error:TN391',
  'another tenant''s owner gets the same answer as for no team');
select is(tests.try_as('alice', pg_temp.invite_sql(quote_literal(array[gen_random_uuid()]::text) || '::uuid[]', 'nina@example.test')),
  'error:TN391', 'an unknown team is no team');
select is(tests.try_as('alice', format('select * from public.invite_to_team(array[%L, %L]::uuid[], %L)',
    pg_temp.team('test-acme', 'platform'), pg_temp.team('test-globex', 'ops'), 'nina@example.test')),
  'error:TN391', 'teams of two tenants are refused');
select is(tests.try_as('alice', pg_temp.invite_sql('''{}''::uuid[]', 'nina@example.test')), 'error:TN390',
  'an invitation to no team is refused');
select is(tests.try_as('alice', pg_temp.invite_sql(pg_temp.teams('platform'), 'not an email')), 'error:TN027',
  'a bad address is refused with invite_member''s code');
select is(tests.try_as('tina', pg_temp.invite_sql(pg_temp.teams('platform'), 'nina@example.test')), 'error:TN002',
  'teams.manage without members.invite adds members but cannot invite new people');
select is(tests.try_as('anon', pg_temp.invite_sql(pg_temp.teams('platform'), 'nina@example.test')), 'error:42501',
  'anon cannot call invite_to_team');

-- ---------------------------------------------------------------------------------------------
-- An existing member: added at once
-- ---------------------------------------------------------------------------------------------

select is(pg_temp.invite('tina', 'dave', pg_temp.teams('platform', 'design'), upper(pg_temp.email('dave'))), 'added',
  'a team lead adds an existing member by address (any case)');
select is((select count(*)::int from public.team_members where user_id = tests.user_id('dave')
           and team_id in (pg_temp.team('test-acme', 'platform'), pg_temp.team('test-acme', 'design'))), 2,
  'dave is in both teams');
select is((select token from invited where name = 'dave'), null, 'no token for an existing member');
select is((select count(*)::int from public.events where type = 'team.member_added'
           and payload ->> 'user_id' = tests.user_id('dave')::text and actor_id = tests.user_id('tina')), 2,
  'team.member_added is published for each team, by the inviter');
select is(tests.try_as('alice', pg_temp.invite_sql(pg_temp.teams('platform'), pg_temp.email('dave'))), 'error:TN392',
  'someone in every team named already is refused');
select is(tests.try_as('alice', pg_temp.invite_sql(pg_temp.teams('platform'), pg_temp.email('frank'))), 'rows:1',
  'a member of another tenant is invited, not added');

-- ---------------------------------------------------------------------------------------------
-- A new person: invited, placed on acceptance
-- ---------------------------------------------------------------------------------------------

select is(pg_temp.invite('alice', 'nina', pg_temp.teams('platform', 'design'), pg_temp.email('nina')), 'invited',
  'a new address is invited into the organisation');
select ok((select token ~ '^[0-9a-f]{64}$' from invited where name = 'nina'), 'with a token, returned once');
select is((select count(*)::int from public.invitation_teams it join invited i on i.invitation_id = it.invitation_id
           where i.name = 'nina'), 2, 'the invitation names both teams');
select is((select encode(token_hash, 'hex') from public.invitations i join invited v on v.invitation_id = i.id where v.name = 'nina'),
  (select encode(sha256(convert_to(token, 'UTF8')), 'hex') from invited where name = 'nina'),
  'only the token''s sha256 is stored');
select is((select count(*)::int from public.team_members where user_id = tests.user_id('nina')), 0,
  'nina is in no team before she accepts');

select is(tests.try_as('nico', format('select public.accept_invitation(%L)', (select token from invited where name = 'nina'))),
  'error:TN024', 'another address cannot accept it');
select is(tests.do_as('nina', format('select public.accept_invitation(%L)', (select token from invited where name = 'nina'))),
  'ok:1', 'nina accepts');
select is((select count(*)::int from public.memberships where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('nina')),
  1, 'she is a member');
select is((select array_agg(t.name order by t.name) from public.team_members tm join public.teams t on t.id = tm.team_id
           where tm.user_id = tests.user_id('nina')), array['design', 'platform'], 'and in both teams');
select is((select count(*)::int from public.events where type = 'team.member_added'
           and payload ->> 'user_id' = tests.user_id('nina')::text and actor_id = tests.user_id('nina')), 2,
  'team.member_added is published for each team, by her acceptance');
select is(tests.try_as('nina', format('select public.accept_invitation(%L)', (select token from invited where name = 'nina'))),
  'error:TN021', 'the token is single use');

-- A team deleted before acceptance: the invitation still admits, to the teams that remain.
select is(pg_temp.invite('bob', 'nico', pg_temp.teams('design'), pg_temp.email('nico')), 'invited',
  'an admin invites nico to design');
delete from public.teams where id = pg_temp.team('test-acme', 'design');
select is(tests.do_as('nico', format('select public.accept_invitation(%L)', (select token from invited where name = 'nico'))),
  'ok:1', 'nico accepts after design was deleted');
select is((select count(*)::int from public.team_members where user_id = tests.user_id('nico')), 0,
  'and is in no team');

-- ---------------------------------------------------------------------------------------------
-- Who reads the teams an invitation names
-- ---------------------------------------------------------------------------------------------

select is(pg_temp.invite('alice', 'pending', pg_temp.teams('platform'), 'newcomer@example.test'), 'invited',
  'a pending invitation to platform');
select is(tests.try_as('bob', 'select 1 from public.invitation_teams where ' || tests.fixture_rows('tenant_id')), 'rows:2',
  'an admin (members.invite) reads the teams acme''s invitations name (nina''s platform, the pending one''s)');
select is(tests.try_as('carol', 'select 1 from public.invitation_teams where ' || tests.fixture_rows('tenant_id')), 'rows:0',
  'a viewer does not');
select is(tests.try_as('frank', 'select 1 from public.invitation_teams where ' || tests.fixture_rows('tenant_id')), 'rows:0',
  'another tenant''s owner does not');
select is(tests.try_as('sue', 'select 1 from public.invitation_teams where ' || tests.fixture_rows('tenant_id')), 'rows:2',
  'support staff read them too');
select is(tests.try_as('anon', 'select 1 from public.invitation_teams'), 'error:42501', 'anon reads nothing');
select is(tests.try_as('alice', format('insert into public.invitation_teams (tenant_id, invitation_id, team_id) values (%L, %L, %L)',
    tests.tenant_id('test-acme'), (select invitation_id from invited where name = 'pending'), pg_temp.team('test-acme', 'platform'))),
  'error:42501', 'nobody writes invitation_teams but invite_to_team');
select is(tests.try_as('alice', format('delete from public.invitation_teams where invitation_id = %L',
    (select invitation_id from invited where name = 'pending'))),
  'error:42501', 'nor deletes from it');

select * from finish();
rollback;
