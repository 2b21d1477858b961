-- Identity, continued (issue 15; docs/scim.md, docs/sso.md): SCIM makes the account a provisioned
-- User has no account for, through the one passwordless account creation path single sign-on uses,
-- and the tenant's SSO may then sign that account in.
--
-- private.create_passwordless_account is that path: an auth.users row of the embedded auth's
-- (GoTrue's) data model, confirmed, with no password, its provider in raw_app_meta_data
-- (`sso:<provider id>` or `scim:<tenant id>`). src/lib/server/auth/sso.ts (createFederatedAccount)
-- calls it for a person an IdP vouched for; private.scim_link_user calls it for an active User
-- whose address has no account (and whose domain no other tenant verified). On Supabase (its `supabase_admin` role exists) GoTrue owns
-- auth.users and SCIM makes no account: the User waits, as before, until the address signs up or
-- signs in by Supabase's SSO.
--
-- private.sso_resolve_identity links the tenant's IdP to such an account: an account SCIM made for
-- the provider's own tenant, with no password, has been vouched for by that tenant already (its
-- SCIM token), so it is a verified path, not a silent link; any other existing account is TN442 as
-- before.

create or replace function private.create_passwordless_account(p_email text, p_name text, p_provider text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                          confirmation_token, recovery_token, email_change_token_new, email_change,
                          raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
  values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated',
          lower(btrim(p_email)), '', now(), '', '', '', '',
          jsonb_build_object('provider', p_provider, 'providers', jsonb_build_array(p_provider)),
          case when nullif(btrim(p_name), '') is null then '{}'::jsonb
               else jsonb_build_object('full_name', btrim(p_name)) end,
          now(), now())
  returning id into v_id;
  return v_id;
end
$$;
comment on function private.create_passwordless_account(text, text, text) is
  'The one passwordless account creation path (embedded auth): a confirmed auth.users row without a password for '
  'an address an IdP (sso:<provider>) or a SCIM token (scim:<tenant>) vouched for. The profile follows by trigger.';
revoke all on function private.create_passwordless_account(text, text, text) from public, anon, authenticated;
grant execute on function private.create_passwordless_account(text, text, text) to service_role;

create or replace function private.scim_link_user(p_tenant_id uuid, p_scim_user_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user public.scim_users;
  v_profile uuid;
  v_membership public.memberships;
  v_group uuid;
begin
  select * into v_user from public.scim_users u where u.tenant_id = p_tenant_id and u.id = p_scim_user_id;
  if v_user.user_id is null and v_user.email is not null then
    select p.id into v_profile from public.profiles p where p.email operator(extensions.=) v_user.email;
    if v_profile is null and v_user.active
       and not exists (select 1 from pg_catalog.pg_roles r where r.rolname = 'supabase_admin')
       -- Not for an address of a domain another tenant verified: that tenant's SSO would then find
       -- an account it must not link (TN442) and its people could not sign in.
       and not exists (select 1 from public.tenant_domains d
                        where d.domain = split_part(v_user.email::text, '@', 2) and d.verified_at is not null
                          and d.tenant_id <> p_tenant_id) then
      -- A new account: its profile's trigger (private.scim_link_new_profile) links this User.
      perform private.create_passwordless_account(v_user.email,
        coalesce(v_user.resource ->> 'displayName', v_user.resource #>> '{name,formatted}',
                 nullif(btrim(concat_ws(' ', v_user.resource #>> '{name,givenName}',
                                        v_user.resource #>> '{name,familyName}')), '')),
        'scim:' || p_tenant_id);
      select * into v_user from public.scim_users u where u.tenant_id = p_tenant_id and u.id = p_scim_user_id;
    elsif v_profile is not null
          and not exists (select 1 from public.scim_users o where o.tenant_id = p_tenant_id and o.user_id = v_profile) then
      update public.scim_users u set user_id = v_profile where u.id = v_user.id returning * into v_user;
    end if;
  end if;
  if v_user.user_id is null then
    return;
  end if;
  select * into v_membership from public.memberships m where m.tenant_id = p_tenant_id and m.user_id = v_user.user_id
  for update;
  if not found then
    insert into public.memberships (tenant_id, user_id, status)
    values (p_tenant_id, v_user.user_id, case when v_user.active then 'active' else 'suspended' end::public.membership_status);
    insert into public.role_assignments (tenant_id, user_id, role_id)
    select p_tenant_id, v_user.user_id, r.id from public.roles r where r.tenant_id is null and r.key = 'viewer';
  elsif not v_membership.is_owner
        and v_membership.status::text <> (case when v_user.active then 'active' else 'suspended' end) then
    update public.memberships m set status = case when v_user.active then 'active' else 'suspended' end::public.membership_status
    where m.id = v_membership.id;
  end if;
  for v_group in
    select g.id from public.scim_groups g
    where g.tenant_id = p_tenant_id and g.resource -> 'members' @> jsonb_build_array(jsonb_build_object('value', v_user.id::text))
    order by g.id
  loop
    perform private.scim_sync_group(p_tenant_id, v_group);
  end loop;
end
$$;

create or replace function private.sso_resolve_identity(
  p_provider_id uuid, p_subject text, p_email text, p_link_user_id uuid default null)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_provider public.sso_providers;
  v_user_id uuid;
  v_email text := lower(btrim(p_email));
begin
  select * into v_provider from public.sso_providers p where p.id = p_provider_id and p.enabled;
  if v_provider.id is null then
    raise exception 'this identity provider is not enabled' using errcode = 'TN445';
  end if;
  if not exists (select 1 from public.sso_domains s join public.tenant_domains d
                     on d.tenant_id = s.tenant_id and d.id = s.domain_id
                  where s.provider_id = p_provider_id and d.verified_at is not null
                    and d.domain = split_part(v_email, '@', 2)) then
    raise exception 'the identity provider asserted an address outside its domains' using errcode = 'TN441';
  end if;
  select i.user_id into v_user_id from public.user_identities i
   where i.provider_id = p_provider_id and i.subject = p_subject;
  if v_user_id is not null then
    return v_user_id;
  end if;
  select u.id into v_user_id from public.profiles u where lower(u.email) = v_email;
  if v_user_id is not null and v_user_id is distinct from p_link_user_id
     and not exists (select 1 from auth.users a
                      join public.scim_users s on s.user_id = a.id and s.tenant_id = v_provider.tenant_id
                     where a.id = v_user_id and a.encrypted_password = ''
                       and a.raw_app_meta_data ->> 'provider' = 'scim:' || v_provider.tenant_id) then
    raise exception 'an account with this address exists: sign in to it and link single sign-on from there'
      using errcode = 'TN442';
  end if;
  if v_user_id is null and not v_provider.jit_enabled then
    raise exception 'this identity provider does not create accounts' using errcode = 'TN446';
  end if;
  return v_user_id;
end
$$;
