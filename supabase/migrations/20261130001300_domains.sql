-- Custom domains: a tenant's pages served on its own host name (portal.acme.com), besides its
-- subdomain of the app (acme.<app host>) and the path (/t/acme). Holders of domains.manage add a
-- domain and receive a token to publish as a DNS TXT record at _tenantry.<domain>; the app checks
-- the record and only then marks the domain verified, as the `domains.verify` system job. Nobody
-- can mark a domain verified through ordinary SQL, and a domain routes to a tenant only once
-- verified, so claiming someone else's domain achieves nothing and blocks nobody (pending claims
-- of one name by several tenants coexist; at most one verified). A domain verified by one tenant
-- cannot be claimed by another, nor verified a second time (TN150).
--
-- Owns: table tenant_domains; private.mark_domain_checked, refuse_domain_verified_elsewhere;
-- public.resolve_tenant_host.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.tenant_domains (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  domain text not null
    constraint tenant_domains_domain_format check (
      char_length(domain) <= 253
      and domain ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$'
      and domain = lower(domain)
      -- *.localhost already routes by subdomain and can never carry a DNS record.
      and domain !~ '(^|\.)localhost$'),
  verification_token text not null default encode(extensions.gen_random_bytes(16), 'hex'),
  verified_at timestamptz,
  last_checked_at timestamptz,
  last_check_error text check (char_length(last_check_error) <= 500),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, domain)
);
alter table public.tenant_domains enable row level security;
comment on table public.tenant_domains is
  'A host name a tenant wants its pages served on. Routes to the tenant only once verified_at is set, which only '
  'private.mark_domain_checked() (the domains.verify job, after the DNS TXT check) can do.';
create unique index tenant_domains_verified_domain_idx on public.tenant_domains (domain) where verified_at is not null;
create index tenant_domains_tenant_created_idx on public.tenant_domains (tenant_id, created_at);

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create or replace function private.refuse_domain_verified_elsewhere()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.tenant_domains d
             where d.domain = new.domain and d.verified_at is not null and d.tenant_id <> new.tenant_id) then
    raise exception 'domain % is verified by another organisation', new.domain using errcode = 'TN150';
  end if;
  return new;
end
$$;

comment on function private.refuse_domain_verified_elsewhere() is
  'BEFORE INSERT trigger on tenant_domains (TN150). Security definer: sees other tenants'' verified domains, '
  'which are public in DNS and routing anyway.';

create trigger tenant_domains_immutable_columns before update on public.tenant_domains
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'domain', 'verification_token', 'created_by', 'created_at');
create trigger tenant_domains_rpc_only_columns before update on public.tenant_domains
  for each row execute function private.restrict_column_changes_to_rpc(
    'verified_at', 'last_checked_at', 'last_check_error');

create trigger tenant_domains_refuse_verified_elsewhere before insert on public.tenant_domains
  for each row execute function private.refuse_domain_verified_elsewhere();

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

create or replace function private.mark_domain_checked(p_domain_id uuid, p_verified boolean, p_error text default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_domain public.tenant_domains;
begin
  if not private.is_service_role() then
    raise exception 'only the domains.verify job records DNS checks' using errcode = 'TN061';
  end if;
  select * into v_domain from public.tenant_domains d where d.id = p_domain_id for update;
  if not found then
    raise exception 'no such domain' using errcode = 'TN003';
  end if;
  if p_verified and v_domain.verified_at is null and exists (
    select 1 from public.tenant_domains d
    where d.domain = v_domain.domain and d.verified_at is not null and d.tenant_id <> v_domain.tenant_id) then
    raise exception 'domain % is verified by another organisation', v_domain.domain using errcode = 'TN150';
  end if;
  update public.tenant_domains d
  set last_checked_at = now(),
      last_check_error = case when p_verified then null else left(coalesce(p_error, 'record not found'), 500) end,
      verified_at = case when p_verified then coalesce(d.verified_at, now()) else d.verified_at end
  where d.id = p_domain_id;
  if p_verified and v_domain.verified_at is null then
    perform private.audit_event(v_domain.tenant_id, 'domain.verify', 'tenant_domains', p_domain_id::text,
                                null, jsonb_build_object('domain', v_domain.domain));
  end if;
end
$$;

comment on function private.mark_domain_checked(uuid, boolean, text) is
  'Records a DNS TXT check of a custom domain (service role only: the domains.verify job). A domain verified by '
  'another tenant is refused (TN150; the partial unique index settles a race).';

revoke all on function private.mark_domain_checked(uuid, boolean, text) from public;
grant execute on function private.mark_domain_checked(uuid, boolean, text) to service_role;

-- ---------------------------------------------------------------------------------------------
-- Audited tables
-- ---------------------------------------------------------------------------------------------

select private.enable_audit('public.tenant_domains', 'tenant_id', '{id}', '{}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.tenant_domains from anon, authenticated, service_role;
grant select, delete on public.tenant_domains to authenticated, service_role;
grant insert (tenant_id, domain) on public.tenant_domains to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy tenant_domains_select_permitted on public.tenant_domains
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('domains.manage'))));
create policy tenant_domains_select_staff on public.tenant_domains
  for select to authenticated
  using ((select private.is_platform_staff('support')));
create policy tenant_domains_insert_permitted on public.tenant_domains
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('domains.manage'))));
create policy tenant_domains_delete_permitted on public.tenant_domains
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('domains.manage'))));
create policy tenant_domains_select_mfa on public.tenant_domains
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tenant_domains_insert_mfa on public.tenant_domains
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tenant_domains_delete_mfa on public.tenant_domains
  as restrictive for delete to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

-- The tenant a host name routes to: its slug, for a verified domain of an active or suspended
-- tenant (the app's layout then decides what the caller may see, and answers 404 to non-members).
-- Called by the app's host resolver as the `domains.resolve` job, not by API roles: anon keeps an
-- empty allow-list (a verified domain is public in DNS anyway, but the rule stays simple).
create or replace function public.resolve_tenant_host(p_host text)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select t.slug from public.tenant_domains d join public.tenants t on t.id = d.tenant_id
  where d.domain = lower(p_host) and d.verified_at is not null and t.status in ('active', 'suspended')
$$;

comment on function public.resolve_tenant_host(text) is
  'The slug of the tenant a verified custom domain routes to, else null. Reveals nothing about unverified claims.';
revoke all on function public.resolve_tenant_host(text) from public;
grant execute on function public.resolve_tenant_host(text) to service_role;
