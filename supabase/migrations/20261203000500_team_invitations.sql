-- Team invitations (issue 16 §4, spec 003 TeamInvitation): inviting someone to a team. An
-- existing member of the organisation is added to the team at once; a new person gets an
-- organisation invitation (the same hashed, single-use, expiring, email-bound token as every
-- invitation: public.invite_member) that also names the team(s), and accepting it places them
-- there — team.member_added is published for each team by team_members' own trigger.
--
-- Owns: table invitation_teams; private.place_invited_in_teams (the acceptance trigger);
-- public.invite_to_team. TN390–TN399.
--
-- Who: inviting to a team needs teams.manage in its tenant, and inviting a new person needs what
-- invite_member needs (members.invite, a role the inviter may give). The teams an invitation names
-- are read by who may read the invitation (members.invite holders, the invitee) and support staff.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.invitation_teams (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  invitation_id uuid not null,
  team_id uuid not null,
  added_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  primary key (invitation_id, team_id),
  foreign key (tenant_id, invitation_id) references public.invitations (tenant_id, id) on delete cascade,
  foreign key (tenant_id, team_id) references public.teams (tenant_id, id) on delete cascade
);
alter table public.invitation_teams enable row level security;
comment on table public.invitation_teams is
  'The teams an organisation invitation places its invitee in when it is accepted. Written only by invite_to_team.';
create index invitation_teams_tenant_team_idx on public.invitation_teams (tenant_id, team_id);

create trigger invitation_teams_immutable_columns before update on public.invitation_teams
  for each row execute function private.forbid_column_changes(
    'tenant_id', 'invitation_id', 'team_id', 'added_by', 'created_at');
select private.enable_audit('public.invitation_teams', 'tenant_id', '{invitation_id,team_id}');

-- ---------------------------------------------------------------------------------------------
-- The acceptance: the invitee joins the invitation's teams
-- ---------------------------------------------------------------------------------------------

create or replace function private.place_invited_in_teams()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.team_members (tenant_id, team_id, user_id)
  select it.tenant_id, it.team_id, new.accepted_by
  from public.invitation_teams it
  where it.tenant_id = new.tenant_id and it.invitation_id = new.id
  order by it.team_id
  on conflict do nothing;
  return null;
end
$$;

comment on function private.place_invited_in_teams() is
  'AFTER UPDATE of accepted_at on invitations: puts the new member in the teams the invitation names (those still '
  'there; team.member_added each). Security definer: accept_invitation''s caller does not hold teams.manage.';
revoke all on function private.place_invited_in_teams() from public, anon, authenticated, service_role;

create trigger invitations_place_in_teams after update of accepted_at on public.invitations
  for each row when (old.accepted_at is null and new.accepted_at is not null)
  execute function private.place_invited_in_teams();

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

-- Invites an email address to the teams (all of one tenant). An active member is added to them at
-- once (outcome 'added', their user id); anyone else gets an organisation invitation with the role
-- (invite_member: the token, returned once) naming the teams (outcome 'invited').
create or replace function public.invite_to_team(p_team_ids uuid[], p_email text, p_role_id uuid default null)
returns table (outcome text, invitation_id uuid, token text, expires_at timestamptz, member_id uuid)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_tenant_id uuid;
  v_teams uuid[] := array(select distinct t from unnest(coalesce(p_team_ids, '{}')) t where t is not null order by t);
  v_email text := lower(btrim(coalesce(p_email, '')));
  v_invited record;
begin
  if cardinality(v_teams) = 0 or cardinality(v_teams) > 20 then
    raise exception 'choose one to 20 teams' using errcode = 'TN390';
  end if;
  select min(t.tenant_id::text)::uuid into v_tenant_id from public.teams t where t.id = any (v_teams);
  if v_tenant_id is null
     or (select count(*) from public.teams t where t.id = any (v_teams) and t.tenant_id = v_tenant_id) <> cardinality(v_teams) then
    raise exception 'no such team' using errcode = 'TN391';
  end if;
  begin
    perform private.authorize('teams.manage', v_tenant_id);
  exception when sqlstate 'TN002' or sqlstate 'TN001' then
    raise exception 'no such team' using errcode = 'TN391';
  end;

  select m.user_id into member_id from public.memberships m join public.profiles p on p.id = m.user_id
  where m.tenant_id = v_tenant_id and m.status = 'active' and lower(p.email::text) = v_email;
  if member_id is not null then
    if not exists (select 1 from unnest(v_teams) t
                   where not exists (select 1 from public.team_members tm
                                     where tm.team_id = t and tm.user_id = member_id)) then
      raise exception '% is in the team already', v_email using errcode = 'TN392';
    end if;
    insert into public.team_members (tenant_id, team_id, user_id)
    select v_tenant_id, t, member_id from unnest(v_teams) t
    on conflict do nothing;
    outcome := 'added';
    return next;
    return;
  end if;

  select * into v_invited from public.invite_member(v_tenant_id, v_email, p_role_id);
  insert into public.invitation_teams (tenant_id, invitation_id, team_id)
  select v_tenant_id, v_invited.invitation_id, t from unnest(v_teams) t;
  outcome := 'invited';
  invitation_id := v_invited.invitation_id;
  token := v_invited.token;
  expires_at := v_invited.expires_at;
  return next;
end
$$;

comment on function public.invite_to_team(uuid[], text, uuid) is
  'Invites an email to teams of one tenant (TN390: 1–20 teams; TN391: no such team, or no teams.manage). An active '
  'member is added at once (outcome added; TN392 if in all of them already); anyone else is invited into the '
  'organisation with the role (invite_member''s rules and codes: members.invite, TN026–TN033), the invitation naming '
  'the teams, which accepting it joins (outcome invited, the token returned once).';

revoke all on function public.invite_to_team(uuid[], text, uuid) from public, anon;
grant execute on function public.invite_to_team(uuid[], text, uuid) to authenticated;

-- ---------------------------------------------------------------------------------------------
-- Grants and policies
-- ---------------------------------------------------------------------------------------------

revoke all on public.invitation_teams from anon, authenticated, service_role;
grant select on public.invitation_teams to authenticated, service_role;

create policy invitation_teams_select_permitted on public.invitation_teams
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('members.invite'))));
create policy invitation_teams_select_invitee on public.invitation_teams
  for select to authenticated
  using (invitation_id in (select i.id from public.invitations i
                           where i.email = (select private.current_user_confirmed_email())));
create policy invitation_teams_select_staff on public.invitation_teams
  for select to authenticated
  using ((select private.is_platform_staff('support')));
create policy invitation_teams_select_mfa on public.invitation_teams
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
