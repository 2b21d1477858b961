-- Invitations: an email address invited into a tenant with a role. The token is shown once, to
-- the inviter, by invite_member(); only its sha256 is stored. accept_invitation() locks the row,
-- checks that the caller's confirmed email is the invited one, and uses it up. Inviting needs
-- members.invite, and nobody invites with a role that holds more than they do (owner only by
-- owners).
--
-- Owns: table invitations; private.current_user_confirmed_email, invitation_state (the one rule
-- for pending / expired / accepted / revoked, which the members page asks); public.invite_member,
-- accept_invitation, revoke_invitation, invitation_preview.
--
-- The person opening /invite/<token> is usually not a member yet, so RLS shows them nothing of the
-- tenant. invitation_preview() answers for exactly one invitation, found by the sha256 of the token
-- in the link (never by id or email), so it reveals nothing to anyone without a live token: an
-- unknown token answers no row, the same as no call at all. The invited address is masked unless
-- it is the caller's own confirmed address, so a forwarded link does not leak who was invited.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.invitations (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  email extensions.citext not null check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and char_length(email) <= 320),
  role_id uuid references public.roles (id) on delete set null,
  token_hash bytea not null unique check (octet_length(token_hash) = 32),
  expires_at timestamptz not null,
  invited_by uuid,
  accepted_at timestamptz,
  accepted_by uuid,
  revoked_at timestamptz,
  revoked_by uuid,
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  check (accepted_at is null or revoked_at is null)
);
alter table public.invitations enable row level security;
comment on table public.invitations is
  'An invitation of an email address into a tenant with a role. Only the token''s sha256 is stored (and '
  'not readable by API roles); single use, expires. Written only by invite_member, accept_invitation, revoke_invitation.';
create unique index invitations_pending_email_idx on public.invitations (tenant_id, email)
  where accepted_at is null and revoked_at is null;
create index invitations_email_idx on public.invitations (email) where accepted_at is null and revoked_at is null;
create index invitations_tenant_created_idx on public.invitations (tenant_id, created_at);

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger invitations_immutable_columns before update on public.invitations
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'email', 'token_hash', 'expires_at', 'invited_by', 'created_at');
create trigger invitations_rpc_only_columns before update on public.invitations
  for each row execute function private.restrict_column_changes_to_rpc(
    'accepted_at', 'accepted_by', 'revoked_at', 'revoked_by', 'role_id');
create trigger invitations_check_role before insert or update on public.invitations
  for each row execute function private.check_role_reference();

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- The caller's email, when confirmed: what an invitation is bound to.
create or replace function private.current_user_confirmed_email()
returns extensions.citext
language sql
stable
security definer
set search_path = ''
as $$
  select u.email::extensions.citext from auth.users u
  where u.id = (select auth.uid()) and u.email_confirmed_at is not null
$$;

comment on function private.current_user_confirmed_email() is
  'The caller''s confirmed email, null otherwise. Security definer: reads auth.users.';

grant execute on function private.current_user_confirmed_email() to authenticated, service_role;

-- An invitation's state, from its columns (the caller may read every one of them but token_hash,
-- so they are passed rather than the row). Plain SQL without settings, so it inlines.
create or replace function private.invitation_state(
  p_accepted_at timestamptz, p_revoked_at timestamptz, p_expires_at timestamptz)
returns text
language sql
stable
as $$
  select case when p_accepted_at is not null then 'accepted'
              when p_revoked_at is not null then 'revoked'
              when p_expires_at <= now() then 'expired'
              else 'pending' end
$$;

comment on function private.invitation_state(timestamptz, timestamptz, timestamptz) is
  'accepted, revoked, expired (expires_at has passed: accept_invitation refuses it, TN023) or pending. '
  'What the members page and invitation_preview show.';

revoke all on function private.invitation_state(timestamptz, timestamptz, timestamptz) from public, anon;
grant execute on function private.invitation_state(timestamptz, timestamptz, timestamptz) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Audited tables
-- ---------------------------------------------------------------------------------------------

select private.enable_audit('public.invitations', 'tenant_id', '{id}', '{token_hash}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.invitations from anon, authenticated, service_role;

-- Every column but token_hash: clients select named columns.
grant select (id, tenant_id, email, role_id, expires_at, invited_by, accepted_at, accepted_by, revoked_at,
              revoked_by, created_at) on public.invitations to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy invitations_select_permitted on public.invitations
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('members.invite'))));
create policy invitations_select_invitee on public.invitations
  for select to authenticated
  using (email = (select private.current_user_confirmed_email()));
create policy invitations_select_staff on public.invitations
  for select to authenticated
  using ((select private.is_platform_staff('support')));
create policy invitations_select_mfa on public.invitations
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

create or replace function public.invite_member(p_tenant_id uuid, p_email text, p_role_id uuid default null)
returns table (invitation_id uuid, token text, expires_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := private.authorize('members.invite', p_tenant_id);
  v_role public.roles;
  v_lacking text;
  -- Lower-cased here: with search_path = '' citext's operators are not found, so compare text.
  v_email text := lower(btrim(p_email));
begin
  if p_role_id is null then
    select * into v_role from public.roles r where r.tenant_id is null and r.key = 'viewer';
  else
    v_role := private.tenant_role(p_role_id, p_tenant_id);
  end if;
  if v_role.key = 'owner' and v_role.tenant_id is null and not private.is_tenant_owner(p_tenant_id) then
    raise exception 'only owners can invite owners' using errcode = 'TN033';
  end if;
  if not private.is_tenant_owner(p_tenant_id) then
    v_lacking := private.first_permission_not_held(v_role.id, p_tenant_id);
    if v_lacking is not null then
      raise exception 'you cannot invite with role %: it grants %, which you do not hold', v_role.key, v_lacking
        using errcode = 'TN030';
    end if;
  end if;
  if v_email is null or v_email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' or char_length(v_email) > 320 then
    raise exception 'not an email address' using errcode = 'TN027';
  end if;
  if exists (select 1 from public.memberships m join public.profiles p on p.id = m.user_id
             where m.tenant_id = p_tenant_id and lower(p.email::text) = v_email) then
    raise exception '% is already a member', v_email using errcode = 'TN026';
  end if;

  -- Inviting again replaces the pending invitation (and its token).
  update public.invitations i set revoked_at = now(), revoked_by = v_user_id
  where i.tenant_id = p_tenant_id and lower(i.email::text) = v_email and i.accepted_at is null and i.revoked_at is null;

  token := encode(extensions.gen_random_bytes(32), 'hex');
  insert into public.invitations (tenant_id, email, role_id, token_hash, expires_at, invited_by)
  values (p_tenant_id, v_email, v_role.id, sha256(convert_to(token, 'UTF8')),
          now() + make_interval(hours => coalesce((private.setting('invitations.ttl_hours') #>> '{}')::int, 168)),
          v_user_id)
  returning id, invitations.expires_at into invitation_id, expires_at;

  perform private.audit_event(p_tenant_id, 'member.invite', 'invitations', invitation_id::text,
                              null, jsonb_build_object('email', v_email, 'role', v_role.key));
  return next;
end
$$;

comment on function public.invite_member(uuid, text, uuid) is
  'Invites an email with a tenant role (default viewer). Returns the token once; only its hash is kept. '
  'Needs members.invite; owner role only by owners (TN033); never a role granting more than the caller holds (TN030).';

create or replace function public.accept_invitation(p_token text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := auth.uid();
  v_invitation public.invitations;
  v_role public.roles;
  v_email text;
begin
  if v_user_id is null then
    raise exception 'sign in first' using errcode = 'TN001';
  end if;
  -- The row lock makes concurrent accepts of one token queue; the second sees it used.
  select * into v_invitation from public.invitations i
  where i.token_hash = sha256(convert_to(coalesce(p_token, ''), 'UTF8'))
  for update;
  if not found then
    raise exception 'no such invitation' using errcode = 'TN020';
  end if;
  if v_invitation.revoked_at is not null then
    raise exception 'this invitation was revoked' using errcode = 'TN022';
  end if;
  if v_invitation.accepted_at is not null then
    raise exception 'this invitation was already used' using errcode = 'TN021';
  end if;
  if v_invitation.expires_at <= now() then
    raise exception 'this invitation has expired' using errcode = 'TN023';
  end if;
  v_email := private.current_user_confirmed_email();
  if v_email is null then
    raise exception 'confirm your email address first' using errcode = 'TN025';
  end if;
  if lower(v_email) <> lower(v_invitation.email::text) then
    raise exception 'this invitation is for another email address' using errcode = 'TN024';
  end if;
  if not exists (select 1 from public.tenants t where t.id = v_invitation.tenant_id and t.status = 'active') then
    raise exception 'the tenant is not active' using errcode = 'TN005';
  end if;
  if exists (select 1 from public.memberships m where m.tenant_id = v_invitation.tenant_id and m.user_id = v_user_id) then
    raise exception 'you are already a member' using errcode = 'TN026';
  end if;

  select * into v_role from public.roles r where r.id = v_invitation.role_id;
  insert into public.memberships (tenant_id, user_id, is_owner, status, invited_by)
  values (v_invitation.tenant_id, v_user_id, coalesce(v_role.key = 'owner' and v_role.tenant_id is null, false),
          'active', v_invitation.invited_by);
  if v_role.id is not null and not (v_role.key = 'owner' and v_role.tenant_id is null) then
    insert into public.role_assignments (tenant_id, user_id, role_id, created_by)
    values (v_invitation.tenant_id, v_user_id, v_role.id, v_invitation.invited_by);
  end if;
  update public.invitations i set accepted_at = now(), accepted_by = v_user_id where i.id = v_invitation.id;

  perform private.audit_event(v_invitation.tenant_id, 'member.join', 'invitations', v_invitation.id::text,
                              null, jsonb_build_object('user_id', v_user_id, 'role', v_role.key));
  return v_invitation.tenant_id;
end
$$;

comment on function public.accept_invitation(text) is
  'Joins the caller to the invitation''s tenant with its role. Locks the invitation; the caller''s confirmed '
  'email must match (TN024/TN025); single use (TN021), not revoked (TN022), not expired (TN023).';

create or replace function public.revoke_invitation(p_invitation_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_invitation public.invitations;
  v_user_id uuid;
begin
  select * into v_invitation from public.invitations i where i.id = p_invitation_id for update;
  -- Unknown and not-yours look the same.
  v_user_id := private.authorize('members.invite', v_invitation.tenant_id);
  if v_invitation.accepted_at is not null then
    raise exception 'this invitation was already used' using errcode = 'TN021';
  end if;
  if v_invitation.revoked_at is not null then
    raise exception 'this invitation was revoked' using errcode = 'TN022';
  end if;
  update public.invitations i set revoked_at = now(), revoked_by = v_user_id where i.id = p_invitation_id;
  perform private.audit_event(v_invitation.tenant_id, 'member.invite_revoke', 'invitations', p_invitation_id::text,
                              jsonb_build_object('email', v_invitation.email), null);
end
$$;

comment on function public.revoke_invitation(uuid) is 'Revokes a pending invitation. Needs members.invite.';

create or replace function public.invitation_preview(p_token text)
returns table (tenant_name text, email text, role_key text, expires_at timestamptz, state text)
language sql
stable
security definer
set search_path = ''
as $$
  select t.name,
         case when lower(i.email::text) = lower(coalesce(private.current_user_confirmed_email()::text, ''))
              then i.email::text
              else left(i.email::text, 1) || '•••@' || split_part(i.email::text, '@', 2) end,
         r.key,
         i.expires_at,
         private.invitation_state(i.accepted_at, i.revoked_at, i.expires_at)
  from public.invitations i
  join public.tenants t on t.id = i.tenant_id
  left join public.roles r on r.id = i.role_id
  where i.token_hash = sha256(convert_to(coalesce(p_token, ''), 'UTF8'))
    and (select auth.uid()) is not null
$$;

comment on function public.invitation_preview(text) is
  'What an invitation link offers (tenant name, masked email unless it is the caller''s, role key, expiry, state), '
  'found only by the sha256 of its token; signed-in callers only. No row for an unknown token.';

grant execute on function public.invite_member(uuid, text, uuid), public.accept_invitation(text),
  public.revoke_invitation(uuid) to authenticated;

revoke all on function public.invitation_preview(text) from public, anon, authenticated, service_role;
grant execute on function public.invitation_preview(text) to authenticated;
