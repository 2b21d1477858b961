-- Single sign-on per tenant (issue 15 §1): SAML 2.0 and OpenID Connect identity providers, the
-- verified email domains each serves, enforcement with break-glass owners, and the federated
-- identities linked to accounts.
--
-- Owns: tables sso_providers, sso_domains, sso_settings, user_identities; private.sso_requests
-- (the AuthnRequests / authorization requests we sent: InResponseTo, state, nonce, PKCE verifier)
-- and private.sso_assertions (the replay cache of assertion ids until they expire); the system
-- job sso.signin's functions private.sso_route_email, private.sso_password_refused,
-- private.sso_resolve_identity, private.sso_complete_sign_in; event types sso.signed_in and
-- sso.identity_linked. TN440–TN449 (TN450–TN459 kept for this module).
--
-- Who (docs/sso.md): holders of sso.manage configure providers, domains, enforcement and mapping
-- and see the tenant's linked identities (and unlink them); a person sees their own identities.
-- Signing in through an IdP is the sso.signin system job: the app checks the IdP's answer with a
-- maintained library (node-saml, openid-client), then these functions decide, in SQL, whether the
-- asserted address belongs to the provider's tenant, which account it is, and which role it gets.
--
-- Linking: an identity is (provider, subject). A new subject whose address already has an account
-- is never linked silently (TN442): the person signs in as that account first and links from
-- there (the flow carries the signed-in user's id), so an IdP cannot take over an account by
-- asserting its address. An IdP only ever asserts addresses of the domains its own tenant has
-- verified and given it (TN441) — an IdP of another tenant asserting this tenant's domain is refused.

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.event_types (type, module, description) values
  ('sso.signed_in', 'sso', 'Someone signed in through the organisation''s identity provider.'),
  ('sso.identity_linked', 'sso', 'An identity at the organisation''s identity provider was linked to an account.');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.sso_providers (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  kind text not null check (kind in ('saml', 'oidc')),
  name text not null check (char_length(btrim(name)) between 1 and 100),
  enabled boolean not null default true,
  -- SAML: the IdP's entity id, its SSO URL (HTTP-Redirect or POST), one or two signing
  -- certificates (base64 DER bodies, no PEM armour; two during a rotation, either accepted), where
  -- the metadata came from, and whether IdP-initiated responses (no InResponseTo) are accepted.
  idp_entity_id text check (char_length(idp_entity_id) between 1 and 1000),
  idp_sso_url text check (idp_sso_url ~ '^https?://' and char_length(idp_sso_url) <= 2000),
  idp_certificates text[] not null default '{}'
    check (cardinality(idp_certificates) <= 2
           and array_to_string(idp_certificates, '') ~ '^[A-Za-z0-9+/=]*$'),
  metadata_url text check (metadata_url ~ '^https?://' and char_length(metadata_url) <= 2000),
  allow_idp_initiated boolean not null default false,
  -- OIDC: the issuer (discovery at <issuer>/.well-known/openid-configuration) and client id; the
  -- client secret is an owned secret (owner type sso_provider, name client_secret).
  oidc_issuer text check (oidc_issuer ~ '^https?://' and char_length(oidc_issuer) <= 2000),
  oidc_client_id text check (char_length(oidc_client_id) between 1 and 500),
  -- Mapping: which attribute (SAML) or claim (OIDC) holds the address, the name and the groups.
  email_attribute text not null default 'email' check (char_length(email_attribute) between 1 and 300),
  name_attribute text not null default 'name' check (char_length(name_attribute) between 1 and 300),
  groups_attribute text not null default 'groups' check (char_length(groups_attribute) between 1 and 300),
  -- Just-in-time provisioning: people of the served domains without a membership join with the
  -- role of their first mapped group, else role_id, the default role (null: viewer).
  jit_enabled boolean not null default true,
  role_id uuid references public.roles (id),
  -- {"<IdP group>": "<role key>"}: a system role's or one of this tenant's custom roles' key.
  group_roles jsonb not null default '{}' check (jsonb_typeof(group_roles) = 'object'),
  -- AuthnContextClassRef (SAML) or acr / amr (OIDC) values that mean a second factor: aal2.
  mfa_contexts text[] not null default '{}' check (cardinality(mfa_contexts) <= 20),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  constraint sso_providers_kind_fields check (
    (kind = 'saml' and idp_entity_id is not null and idp_sso_url is not null and cardinality(idp_certificates) >= 1
       and oidc_issuer is null and oidc_client_id is null)
    or (kind = 'oidc' and oidc_issuer is not null and oidc_client_id is not null
       and idp_entity_id is null and idp_sso_url is null and cardinality(idp_certificates) = 0))
);
alter table public.sso_providers enable row level security;
comment on table public.sso_providers is
  'An identity provider of a tenant (SAML 2.0 or OpenID Connect), with its certificates or client, attribute '
  'mapping, group-to-role mapping and provisioning rules. Several per tenant.';
create index sso_providers_tenant_created_idx on public.sso_providers (tenant_id, created_at);
create unique index sso_providers_name_ci_key on public.sso_providers (tenant_id, lower(name));

create table public.sso_domains (
  tenant_id uuid not null,
  domain_id uuid not null,
  provider_id uuid not null,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  primary key (tenant_id, domain_id),
  foreign key (tenant_id, domain_id) references public.tenant_domains (tenant_id, id) on delete cascade,
  foreign key (tenant_id, provider_id) references public.sso_providers (tenant_id, id) on delete cascade
);
alter table public.sso_domains enable row level security;
comment on table public.sso_domains is
  'A verified email domain of the tenant served by one of its identity providers: sign-in by an address of the '
  'domain goes to that provider, and the provider may only assert addresses of its domains.';
create index sso_domains_provider_idx on public.sso_domains (tenant_id, provider_id);

create table public.sso_settings (
  tenant_id uuid primary key references public.tenants (id) on delete cascade,
  -- Refuse password and magic-link sign-in for addresses of the served domains.
  enforce_sso boolean not null default false,
  -- Owners who may still sign in with a password when SSO is enforced (the IdP being down).
  break_glass_user_ids uuid[] not null default '{}' check (cardinality(break_glass_user_ids) <= 10),
  updated_by uuid default auth.uid(),
  updated_at timestamptz not null default now(),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now()
);
alter table public.sso_settings enable row level security;
comment on table public.sso_settings is
  'A tenant''s SSO enforcement: whether password sign-in is refused for its served domains, and the break-glass '
  'owners exempt from it.';

create table public.user_identities (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  provider_id uuid not null,
  -- SAML NameID or OIDC sub: stable per provider.
  subject text not null check (char_length(subject) between 1 and 500),
  user_id uuid not null references public.profiles (id) on delete cascade,
  email text not null check (char_length(email) <= 320),
  last_sign_in_at timestamptz,
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (provider_id, subject),
  foreign key (tenant_id, provider_id) references public.sso_providers (tenant_id, id) on delete cascade
);
alter table public.user_identities enable row level security;
comment on table public.user_identities is
  'A federated identity (provider + subject) linked to an account. Written only by the sso.signin job''s '
  'functions; unlinking is deleting.';
create index user_identities_tenant_created_idx on public.user_identities (tenant_id, created_at);
create index user_identities_user_idx on public.user_identities (user_id);

create table private.sso_requests (
  id text primary key check (char_length(id) between 16 and 200),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  provider_id uuid not null,
  -- signin: an ordinary sign-in; link: the signed-in link_user_id links this IdP identity;
  -- test: the settings page's connection test (reports the checks, signs nobody in).
  purpose text not null check (purpose in ('signin', 'link', 'test')),
  link_user_id uuid,
  nonce text,
  code_verifier text,
  return_to text not null default '/' check (return_to ~ '^/[^/\\]' or return_to = '/'),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '10 minutes',
  foreign key (tenant_id, provider_id) references public.sso_providers (tenant_id, id) on delete cascade
);
alter table private.sso_requests enable row level security;
comment on table private.sso_requests is
  'The SAML AuthnRequests (id = InResponseTo) and OIDC authorization requests (id = state, with nonce and PKCE '
  'verifier) we sent, used once and within ten minutes. service_role only.';
create index sso_requests_expires_idx on private.sso_requests (expires_at);

create table private.sso_assertions (
  provider_id uuid not null references public.sso_providers (id) on delete cascade,
  assertion_id text not null check (char_length(assertion_id) between 1 and 500),
  expires_at timestamptz not null,
  primary key (provider_id, assertion_id)
);
alter table private.sso_assertions enable row level security;
comment on table private.sso_assertions is
  'Assertion ids accepted from each SAML IdP, kept until the assertion expires, so a replayed one is refused. '
  'service_role only.';
create index sso_assertions_expires_idx on private.sso_assertions (expires_at);

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger sso_providers_set_updated_at before update on public.sso_providers
  for each row execute function private.set_updated_at();
create trigger sso_providers_immutable_columns before update on public.sso_providers
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'kind', 'created_by', 'created_at');
create trigger sso_providers_check_role before insert or update of role_id on public.sso_providers
  for each row execute function private.check_role_reference();
select private.enable_audit('public.sso_providers', 'tenant_id', '{id}');

create trigger sso_domains_immutable_columns before update on public.sso_domains
  for each row execute function private.forbid_column_changes('tenant_id', 'domain_id', 'created_by', 'created_at');
select private.enable_audit('public.sso_domains', 'tenant_id', '{domain_id}');

create trigger sso_settings_set_updated_at before update on public.sso_settings
  for each row execute function private.set_updated_at();
create trigger sso_settings_immutable_columns before update on public.sso_settings
  for each row execute function private.forbid_column_changes('tenant_id', 'created_by', 'created_at');
select private.enable_audit('public.sso_settings', 'tenant_id', '{tenant_id}');

create trigger user_identities_immutable_columns before update on public.user_identities
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'provider_id', 'subject', 'user_id', 'created_at');
select private.enable_audit('public.user_identities', 'tenant_id', '{id}');

-- A domain is served only once the tenant has verified it (TN440).
create or replace function private.sso_domain_verified()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from public.tenant_domains d
                 where d.id = new.domain_id and d.tenant_id = new.tenant_id and d.verified_at is not null) then
    raise exception 'only a verified domain can be served by an identity provider' using errcode = 'TN440';
  end if;
  return new;
end
$$;
comment on function private.sso_domain_verified() is
  'BEFORE INSERT/UPDATE trigger on sso_domains (TN440). Security definer: reads verified_at whatever the caller sees.';
create trigger sso_domains_verified before insert or update on public.sso_domains
  for each row execute function private.sso_domain_verified();

-- Break-glass accounts are owners of the tenant (TN443).
create or replace function private.sso_break_glass_owners()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from unnest(new.break_glass_user_ids) u(id)
             where not exists (select 1 from public.memberships m
                               where m.tenant_id = new.tenant_id and m.user_id = u.id and m.is_owner
                                 and m.status = 'active')) then
    raise exception 'break-glass accounts must be owners of the organisation' using errcode = 'TN443';
  end if;
  return new;
end
$$;
comment on function private.sso_break_glass_owners() is
  'BEFORE INSERT/UPDATE trigger on sso_settings (TN443). Security definer: reads memberships whatever the caller sees.';
create trigger sso_settings_break_glass_owners before insert or update on public.sso_settings
  for each row execute function private.sso_break_glass_owners();

-- Group mapping names roles that exist for the tenant and are not owner (TN444).
create or replace function private.sso_group_roles_known()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from jsonb_each(new.group_roles) g
             where jsonb_typeof(g.value) <> 'string' or g.value #>> '{}' = 'owner'
                or not exists (select 1 from public.roles r
                               where r.key = g.value #>> '{}' and r.scope = 'tenant'
                                 and (r.tenant_id is null or r.tenant_id = new.tenant_id))) then
    raise exception 'each group maps to a role of the organisation (not owner)' using errcode = 'TN444';
  end if;
  if exists (select 1 from public.roles r where r.id = new.role_id and r.tenant_id is null and r.key = 'owner') then
    raise exception 'the default role cannot be owner' using errcode = 'TN444';
  end if;
  return new;
end
$$;
comment on function private.sso_group_roles_known() is
  'BEFORE INSERT/UPDATE trigger on sso_providers (TN444). Security definer: sees every role.';
create trigger sso_providers_group_roles_known before insert or update of group_roles, role_id on public.sso_providers
  for each row execute function private.sso_group_roles_known();

create or replace function private.sso_provider_deleted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.delete_owned_secrets('sso_provider', old.id);
  return old;
end
$$;
comment on function private.sso_provider_deleted() is
  'AFTER DELETE trigger on sso_providers: its owned secrets (the OIDC client secret) go with it. Security definer '
  'because private.delete_owned_secrets is not granted to API roles.';
create trigger sso_providers_delete_secrets after delete on public.sso_providers
  for each row execute function private.sso_provider_deleted();

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.sso_providers, public.sso_domains, public.sso_settings, public.user_identities
  from anon, authenticated, service_role;
grant select, delete on public.sso_providers to authenticated, service_role;
grant insert (tenant_id, kind, name, enabled, idp_entity_id, idp_sso_url, idp_certificates, metadata_url,
              allow_idp_initiated, oidc_issuer, oidc_client_id, email_attribute, name_attribute, groups_attribute,
              jit_enabled, role_id, group_roles, mfa_contexts)
  on public.sso_providers to authenticated, service_role;
grant update (name, enabled, idp_entity_id, idp_sso_url, idp_certificates, metadata_url, allow_idp_initiated,
              oidc_issuer, oidc_client_id, email_attribute, name_attribute, groups_attribute, jit_enabled,
              role_id, group_roles, mfa_contexts)
  on public.sso_providers to authenticated, service_role;
grant select, delete on public.sso_domains to authenticated, service_role;
grant insert (tenant_id, domain_id, provider_id) on public.sso_domains to authenticated, service_role;
grant update (provider_id) on public.sso_domains to authenticated, service_role;
grant select on public.sso_settings to authenticated, service_role;
grant insert (tenant_id, enforce_sso, break_glass_user_ids) on public.sso_settings to authenticated, service_role;
grant update (enforce_sso, break_glass_user_ids) on public.sso_settings to authenticated, service_role;
grant select, delete on public.user_identities to authenticated, service_role;

revoke all on private.sso_requests, private.sso_assertions from anon, authenticated, service_role;
-- update: the ACS locks the request it answers (select … for update) while it checks the response.
grant select, insert, delete, update (expires_at) on private.sso_requests to service_role;
grant select, insert, delete on private.sso_assertions to service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy sso_providers_select_permitted on public.sso_providers
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy sso_providers_insert_permitted on public.sso_providers
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy sso_providers_update_permitted on public.sso_providers
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy sso_providers_delete_permitted on public.sso_providers
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy sso_providers_select_mfa on public.sso_providers
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy sso_providers_insert_mfa on public.sso_providers
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy sso_providers_update_mfa on public.sso_providers
  as restrictive for update to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy sso_providers_delete_mfa on public.sso_providers
  as restrictive for delete to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy sso_domains_select_permitted on public.sso_domains
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy sso_domains_insert_permitted on public.sso_domains
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy sso_domains_update_permitted on public.sso_domains
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy sso_domains_delete_permitted on public.sso_domains
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy sso_domains_select_mfa on public.sso_domains
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy sso_domains_insert_mfa on public.sso_domains
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy sso_domains_update_mfa on public.sso_domains
  as restrictive for update to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy sso_domains_delete_mfa on public.sso_domains
  as restrictive for delete to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy sso_settings_select_permitted on public.sso_settings
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy sso_settings_insert_permitted on public.sso_settings
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy sso_settings_update_permitted on public.sso_settings
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy sso_settings_select_mfa on public.sso_settings
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy sso_settings_insert_mfa on public.sso_settings
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy sso_settings_update_mfa on public.sso_settings
  as restrictive for update to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy user_identities_select_permitted on public.user_identities
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy user_identities_select_self on public.user_identities
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy user_identities_delete_permitted on public.user_identities
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('sso.manage'))));
create policy user_identities_select_mfa on public.user_identities
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy user_identities_delete_mfa on public.user_identities
  as restrictive for delete to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- The sso.signin system job's functions (service_role only)
-- ---------------------------------------------------------------------------------------------

-- "Continue with SSO": the enabled provider serving an address's domain, if any.
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
   limit 1
$$;
comment on function private.sso_route_email(text) is
  'The enabled identity provider serving the domain of an address (verified domains only). For the sso.signin job; '
  'security definer so it reads every tenant''s domains whatever the grants.';

-- Password (and magic-link) sign-in is refused for an address of a domain served by a tenant that
-- enforces SSO, unless the account is one of its break-glass owners.
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
       and not exists (select 1 from public.profiles u
                        where lower(u.email) = lower(btrim(p_email)) and u.id = any (e.break_glass_user_ids)))
$$;
comment on function private.sso_password_refused(text) is
  'True when SSO is enforced for the address''s domain and the account is not a break-glass owner. Security definer: '
  'asked before anyone is signed in.';

-- Which account a checked IdP answer is: TN441 when the provider does not serve the address's
-- domain, TN442 when the address has an account not linked to this identity (and the flow is not
-- that account's own link). Null: no account yet (the caller creates it, then completes).
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
  if v_user_id is not null and v_user_id is distinct from p_link_user_id then
    raise exception 'an account with this address exists: sign in to it and link single sign-on from there'
      using errcode = 'TN442';
  end if;
  if v_user_id is null and not v_provider.jit_enabled then
    raise exception 'this identity provider does not create accounts' using errcode = 'TN446';
  end if;
  return v_user_id;
end
$$;
comment on function private.sso_resolve_identity(uuid, text, text, uuid) is
  'The account of a checked IdP answer, or null for a new one (TN441 foreign domain, TN442 unlinked account, '
  'TN445 provider disabled, TN446 no provisioning). For the sso.signin job; security definer so it reads every '
  'account''s address.';

-- Links the identity (first time), provisions the membership (JIT, role from the groups), records
-- the sign-in; audited and published. Returns the tenant's slug.
create or replace function private.sso_complete_sign_in(
  p_provider_id uuid, p_subject text, p_email text, p_user_id uuid, p_groups text[] default '{}')
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_provider public.sso_providers;
  v_identity public.user_identities;
  v_role public.roles;
  v_role_key text;
  v_member public.memberships;
begin
  select * into v_provider from public.sso_providers p where p.id = p_provider_id;
  select * into v_identity from public.user_identities i where i.provider_id = p_provider_id and i.subject = p_subject;
  if v_identity.id is null then
    insert into public.user_identities (tenant_id, provider_id, subject, user_id, email, last_sign_in_at)
    values (v_provider.tenant_id, p_provider_id, p_subject, p_user_id, lower(btrim(p_email)), now())
    returning * into v_identity;
    perform private.publish_event(v_provider.tenant_id, 'sso.identity_linked', 'sso_provider', p_provider_id::text,
      jsonb_build_object('provider_id', p_provider_id, 'user_id', p_user_id, 'identity_id', v_identity.id));
  elsif v_identity.user_id <> p_user_id then
    raise exception 'this identity is linked to another account' using errcode = 'TN442';
  else
    update public.user_identities set last_sign_in_at = now() where id = v_identity.id;
  end if;

  select * into v_member from public.memberships m where m.tenant_id = v_provider.tenant_id and m.user_id = p_user_id;
  if v_member.id is null then
    if not v_provider.jit_enabled then
      raise exception 'this identity provider does not create accounts' using errcode = 'TN446';
    end if;
    select g.value #>> '{}' into v_role_key
      from jsonb_each(v_provider.group_roles) with ordinality g
     where g.key = any (coalesce(p_groups, '{}')) order by g.ordinality limit 1;
    if v_role_key is not null then
      select * into v_role from public.roles r
       where r.key = v_role_key and r.scope = 'tenant' and r.key <> 'owner'
         and (r.tenant_id = v_provider.tenant_id or r.tenant_id is null)
       order by r.tenant_id nulls last limit 1;
    end if;
    if v_role.id is null and v_provider.role_id is not null then
      select * into v_role from public.roles r where r.id = v_provider.role_id;
    end if;
    if v_role.id is null then
      select * into v_role from public.roles r where r.tenant_id is null and r.key = 'viewer';
    end if;
    insert into public.memberships (tenant_id, user_id, is_owner, status)
    values (v_provider.tenant_id, p_user_id, false, 'active');
    insert into public.role_assignments (tenant_id, user_id, role_id)
    values (v_provider.tenant_id, p_user_id, v_role.id);
    perform private.audit_event(v_provider.tenant_id, 'member.join', 'sso_providers', p_provider_id::text,
      null, jsonb_build_object('user_id', p_user_id, 'role', v_role.key, 'via', 'sso'));
  elsif v_member.status <> 'active' then
    raise exception 'your membership of this organisation is suspended' using errcode = 'TN447';
  end if;

  perform private.audit_event(v_provider.tenant_id, 'sso.sign_in', 'sso_providers', p_provider_id::text,
    null, jsonb_build_object('user_id', p_user_id, 'identity_id', v_identity.id));
  perform private.publish_event(v_provider.tenant_id, 'sso.signed_in', 'sso_provider', p_provider_id::text,
    jsonb_build_object('provider_id', p_provider_id, 'user_id', p_user_id, 'identity_id', v_identity.id));
  return (select t.slug::text from public.tenants t where t.id = v_provider.tenant_id);
end
$$;
comment on function private.sso_complete_sign_in(uuid, text, text, uuid, text[]) is
  'Links a checked identity to its account, provisions the membership just in time (group-to-role mapping, else the '
  'default role), records and publishes the sign-in. Security definer: memberships are written only by RPCs. Call '
  'private.sso_resolve_identity first.';

revoke all on function private.sso_domain_verified(), private.sso_break_glass_owners(), private.sso_group_roles_known(),
  private.sso_provider_deleted(), private.sso_route_email(text), private.sso_password_refused(text),
  private.sso_resolve_identity(uuid, text, text, uuid), private.sso_complete_sign_in(uuid, text, text, uuid, text[])
  from public, anon, authenticated;
grant execute on function private.sso_route_email(text), private.sso_password_refused(text),
  private.sso_resolve_identity(uuid, text, text, uuid), private.sso_complete_sign_in(uuid, text, text, uuid, text[])
  to service_role;
