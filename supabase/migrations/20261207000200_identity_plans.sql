-- Identity, finished (issue 15; docs/sso.md, docs/scim.md): the plan's `sso` and `scim` features
-- are enforced, and a SCIM User waiting for an account is linked only through a verified path.
--
-- Plans: a tenant whose plan (private.tenant_plan_id) lacks `sso` cannot add or turn on an
-- identity provider, enforce SSO, start or finish a sign-in through one (TN584); one whose plan
-- lacks `scim` cannot make a SCIM token, and the `scim` function refuses its requests (TN585). The
-- sentence names the cheapest plan that has the feature and the tenant's own. On a downgrade the
-- configuration is kept, not deleted: it comes back on an upgrade. Meanwhile its providers route
-- nobody and its enforcement refuses no password (nobody is locked out). A tenant without a plan
-- (never billed: made by an operator) is unlimited, as for quotas. The triggers check requests
-- (request claims set: the app, the REST API, the edge functions); an operator's session at the
-- database (migrations, seeds) configures what it likes, as it can any row.
--
-- Linking: private.scim_link_user linked a waiting User to whatever account later had its address,
-- also one made by another tenant's SSO or SCIM (an account nobody verified for this tenant). Now
-- it links an existing account only when its address was verified by its holder (an ordinary
-- account, email confirmed) or the account was made for this tenant (its own SCIM, `scim:<tenant>`,
-- or its own identity provider, `sso:<provider>`, which asserts only the tenant's verified
-- domains). Otherwise the User waits; an account confirming its address later links it (a trigger
-- on auth.users). TN584–TN589 (TN586–TN589 kept).

-- ---------------------------------------------------------------------------------------------
-- Plan features
-- ---------------------------------------------------------------------------------------------

create or replace function private.tenant_has_feature(p_tenant_id uuid, p_feature text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((select (p.features ->> p_feature) = 'true' from public.plans p
                     where p.id = private.tenant_plan_id(p_tenant_id)),
                  private.tenant_plan_id(p_tenant_id) is null)
$$;
comment on function private.tenant_has_feature(uuid, text) is
  'Does the tenant''s plan have this feature (features ->> key = true)? A tenant without a plan (never billed) has '
  'every feature, as it has no limits. Security definer: plans are billing rows.';

-- TN584 (sso) or TN585 (scim), naming the cheapest active plan with the feature and the tenant's.
create or replace function private.require_plan_feature(p_tenant_id uuid, p_feature text)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_needed text;
  v_current text;
begin
  if private.tenant_has_feature(p_tenant_id, p_feature) then
    return;
  end if;
  select p.name into v_needed from public.plans p
   where p.is_active and (p.features ->> p_feature) = 'true' order by p.sort_order, p.price_monthly limit 1;
  select p.name into v_current from public.plans p where p.id = private.tenant_plan_id(p_tenant_id);
  raise exception '% needs the % plan and this organisation is on the % plan: upgrade it on the billing page',
    case p_feature when 'sso' then 'single sign-on' else 'SCIM provisioning' end,
    coalesce(v_needed, 'Business'), v_current
    using errcode = case p_feature when 'sso' then 'TN584' else 'TN585' end;
end
$$;
comment on function private.require_plan_feature(uuid, text) is
  'Raises TN584 (sso) or TN585 (scim) with a sentence naming the plan needed and the tenant''s, unless the '
  'tenant''s plan has the feature.';

-- For the settings pages' upgrade prompt: whether the tenant's plan has the feature, its plan and
-- the cheapest one that has it. sso.manage or scim.manage holders only (TN002 otherwise).
create or replace function public.plan_feature(p_tenant_id uuid, p_feature text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_feature not in ('sso', 'scim')
     or not (private.holds_permission('sso.manage', p_tenant_id) or private.holds_permission('scim.manage', p_tenant_id)) then
    raise exception 'permission sso.manage or scim.manage needed' using errcode = 'TN002';
  end if;
  return jsonb_build_object(
    'allowed', private.tenant_has_feature(p_tenant_id, p_feature),
    'plan', (select p.name from public.plans p where p.id = private.tenant_plan_id(p_tenant_id)),
    'needed_plan', (select p.name from public.plans p where p.is_active and (p.features ->> p_feature) = 'true'
                     order by p.sort_order, p.price_monthly limit 1));
end
$$;
comment on function public.plan_feature(uuid, text) is
  'Does the tenant''s plan have sso or scim: {allowed, plan, needed_plan} for the settings pages. sso.manage or '
  'scim.manage in the tenant (TN002 otherwise).';
revoke all on function public.plan_feature(uuid, text) from public, anon;
grant execute on function public.plan_feature(uuid, text) to authenticated, service_role;

-- Requests only (request claims set); an operator's session at the database is not a plan customer.
create or replace function private.in_request()
returns boolean
language sql
stable
set search_path = ''
as $$
  select nullif(current_setting('request.jwt.claims', true), '') is not null
$$;
comment on function private.in_request() is
  'Is this a request (request.jwt.claims set: app, REST, edge function) rather than an operator''s session?';

create or replace function private.sso_provider_plan()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if private.in_request() and (tg_op = 'INSERT' or (new.enabled and not old.enabled)) then
    perform private.require_plan_feature(new.tenant_id, 'sso');
  end if;
  return new;
end
$$;
create trigger sso_providers_plan before insert or update of enabled on public.sso_providers
  for each row execute function private.sso_provider_plan();

create or replace function private.sso_settings_plan()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if private.in_request() and new.enforce_sso and (tg_op = 'INSERT' or not old.enforce_sso) then
    perform private.require_plan_feature(new.tenant_id, 'sso');
  end if;
  return new;
end
$$;
create trigger sso_settings_plan before insert or update of enforce_sso on public.sso_settings
  for each row execute function private.sso_settings_plan();

-- Starting a sign-in, a link or a connection test (the AuthnRequest / authorization request).
create or replace function private.sso_request_plan()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.require_plan_feature(new.tenant_id, 'sso');
  return new;
end
$$;
create trigger sso_requests_plan before insert on private.sso_requests
  for each row execute function private.sso_request_plan();

create or replace function private.scim_token_plan()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if private.in_request() then
    perform private.require_plan_feature(new.tenant_id, 'scim');
  end if;
  return new;
end
$$;
create trigger scim_tokens_plan before insert on public.scim_tokens
  for each row execute function private.scim_token_plan();

-- The SCIM endpoint: a valid token of a tenant whose plan lacks scim gets TN585 (SCIM: 403).
create or replace function private.scim_session(p_token_hash bytea, p_tenant text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_token public.scim_tokens;
begin
  select k.* into v_token from public.scim_tokens k
  join public.tenants t on t.id = k.tenant_id
  where k.token_hash = p_token_hash and k.revoked_at is null and t.status = 'active'
    and (t.slug = p_tenant or t.id::text = p_tenant);
  if not found then
    raise exception 'the SCIM token is not valid for this tenant' using errcode = 'TN460';
  end if;
  perform private.require_plan_feature(v_token.tenant_id, 'scim');
  if v_token.last_used_at is null or v_token.last_used_at < now() - interval '1 minute' then
    update public.scim_tokens k set last_used_at = now() where k.id = v_token.id;
  end if;
  perform set_config('request.jwt.claims',
    jsonb_build_object('role', 'service_role', 'job', 'scim.token:' || v_token.id)::text, true);
  return v_token.tenant_id;
end
$$;

-- "Continue with SSO" routes only to tenants whose plan has sso.
create or replace function private.sso_route_email(p_email text)
returns table (provider_id uuid, tenant_id uuid, tenant_slug text, kind text)
language sql
stable
security definer
set search_path = ''
as $$
  select p.id, p.tenant_id, t.slug::text, p.kind
    from public.tenant_domains d
    join public.sso_domains s on s.tenant_id = d.tenant_id and s.domain_id = d.id
    join public.sso_providers p on p.tenant_id = s.tenant_id and p.id = s.provider_id
    join public.tenants t on t.id = p.tenant_id
   where d.verified_at is not null and p.enabled and t.status = 'active'
     and d.domain = lower(split_part(btrim(p_email), '@', 2))
     and private.tenant_has_feature(p.tenant_id, 'sso')
   limit 1
$$;

-- Enforcement of a tenant whose plan lost sso refuses no password: its people could not sign in.
create or replace function private.sso_password_refused(p_email text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
      from public.tenant_domains d
      join public.sso_domains s on s.tenant_id = d.tenant_id and s.domain_id = d.id
      join public.sso_settings e on e.tenant_id = d.tenant_id and e.enforce_sso
     where d.verified_at is not null
       and d.domain = lower(split_part(btrim(p_email), '@', 2))
       and private.tenant_has_feature(d.tenant_id, 'sso')
       and not exists (select 1 from public.profiles u
                        where lower(u.email) = lower(btrim(p_email)) and u.id = any (e.break_glass_user_ids)))
$$;

-- The IdP's answer: TN584 when the tenant's plan lacks sso (after TN445), then as before.
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
  perform private.require_plan_feature(v_provider.tenant_id, 'sso');
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

-- ---------------------------------------------------------------------------------------------
-- SCIM linking through a verified path only
-- ---------------------------------------------------------------------------------------------

-- May a waiting SCIM User of this tenant be linked to this existing account? Its holder verified
-- the address (an ordinary account, confirmed), or the account was made for this tenant: by its
-- SCIM token (scim:<tenant>) or by one of its identity providers (sso:<provider>).
create or replace function private.scim_may_link(p_tenant_id uuid, p_user_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from auth.users a
     where a.id = p_user_id and a.email_confirmed_at is not null
       and case
             when a.raw_app_meta_data ->> 'provider' = 'scim:' || p_tenant_id then true
             when a.raw_app_meta_data ->> 'provider' like 'scim:%' then false
             when a.raw_app_meta_data ->> 'provider' like 'sso:%' then exists (
               select 1 from public.sso_providers p
                where p.tenant_id = p_tenant_id and 'sso:' || p.id = a.raw_app_meta_data ->> 'provider')
             else true
           end)
$$;
comment on function private.scim_may_link(uuid, uuid) is
  'May a waiting SCIM User of the tenant be linked to this account: its address confirmed by its holder, or the '
  'account made for this tenant (its SCIM, scim:<tenant>; its IdP, sso:<provider>)? Not one made by another '
  'tenant''s SCIM or SSO.';

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
    elsif v_profile is not null and private.scim_may_link(p_tenant_id, v_profile)
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

-- An account confirming its address (sign-up confirmed, magic link, reset) is a verified path: the
-- Users waiting for it are linked then.
create or replace function private.scim_link_confirmed_account()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user record;
begin
  for v_user in
    select u.tenant_id, u.id from public.scim_users u where u.user_id is null and u.email operator(extensions.=) new.email::extensions.citext
    order by u.tenant_id, u.created_at
  loop
    perform private.scim_link_user(v_user.tenant_id, v_user.id);
  end loop;
  return null;
end
$$;
comment on function private.scim_link_confirmed_account() is
  'AFTER UPDATE OF email_confirmed_at on auth.users: an account whose holder confirmed the address links the SCIM '
  'Users waiting for it (private.scim_link_user decides).';
create trigger scim_link_confirmed after update of email_confirmed_at on auth.users
  for each row when (old.email_confirmed_at is null and new.email_confirmed_at is not null)
  execute function private.scim_link_confirmed_account();

revoke all on function private.tenant_has_feature(uuid, text), private.require_plan_feature(uuid, text),
  private.sso_provider_plan(), private.sso_settings_plan(), private.sso_request_plan(), private.scim_token_plan(),
  private.scim_may_link(uuid, uuid), private.scim_link_confirmed_account(), private.in_request()
  from public, anon, authenticated;
grant execute on function private.tenant_has_feature(uuid, text) to authenticated, service_role;
