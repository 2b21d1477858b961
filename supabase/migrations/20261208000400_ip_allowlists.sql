-- IP allowlists (issue 17 §6; docs/operations.md#ip-allowlists): the console's, a platform setting,
-- and each tenant's, a feature of the Business plan (`ip_allowlist`).
--
-- Owns: value type cidr_list of system_settings and the setting admin.ip_allowlist; table
-- tenant_ip_allowlists; private.address_in_networks, private.client_admitted,
-- private.assert_tenant_admits, public.assert_client_admitted, public.assert_console_admitted,
-- private.check_tenant_ip_allowlist, private.guard_console_allowlist; TN620–TN625.
--
-- The rule is SQL's: an address is admitted when the list is empty or the address is inside one of
-- its networks (`inet <<= any(cidr[])`). The address is private.request_ip(): the one the app
-- computed from TRUSTED_PROXIES (tenantry.client_ip). The app asks at the start of a tenant page's
-- transactions (by slug, members only, so a stranger still gets the 404), in every REST call once
-- the tenant is known (API keys included), and in the console's gate. A session without request
-- claims (migrations, seeds, psql) is an operator and is never refused, as for plan features.
--
-- Lock-out guard: a change that would exclude the address making it is refused (TN621 tenant,
-- TN623 console). A tenant whose plan lost the feature keeps its list (it comes back on an upgrade)
-- but it is not enforced meanwhile: nobody is locked out by a downgrade. Both lists are audited
-- with old and new values (audit_changes: system_settings already, tenant_ip_allowlists here).

-- ---------------------------------------------------------------------------------------------
-- Plan feature
-- ---------------------------------------------------------------------------------------------

update public.plans set features = features || '{"ip_allowlist": true}' where code = 'business';
update public.plans set features = features || '{"ip_allowlist": false}'
 where code <> 'business' and not features ? 'ip_allowlist';

-- ---------------------------------------------------------------------------------------------
-- The rule
-- ---------------------------------------------------------------------------------------------

create or replace function private.address_in_networks(p_address inet, p_networks cidr[])
returns boolean
language sql
immutable
parallel safe
set search_path = ''
as $$
  select coalesce(cardinality(p_networks), 0) = 0 or coalesce(p_address <<= any(p_networks), false)
$$;
comment on function private.address_in_networks(inet, cidr[]) is
  'Is the address admitted by the list: an empty list admits everyone, otherwise the address must be inside one of '
  'its networks (inet <<= any(cidr[])). An unknown address (null) is admitted by an empty list only.';
revoke all on function private.address_in_networks(inet, cidr[]) from public, anon;
grant execute on function private.address_in_networks(inet, cidr[]) to authenticated, service_role;

-- Is this request's address admitted by the list? Operators' sessions (no request claims) always are.
create or replace function private.client_admitted(p_networks cidr[])
returns boolean
language sql
stable
parallel safe
set search_path = ''
as $$
  select not private.in_request() or private.address_in_networks(private.request_ip(), p_networks)
$$;
comment on function private.client_admitted(cidr[]) is
  'Does the list admit the request''s address (private.request_ip)? Always true outside a request.';

-- ---------------------------------------------------------------------------------------------
-- The console: system setting admin.ip_allowlist (value type cidr_list)
-- ---------------------------------------------------------------------------------------------

alter table public.system_settings drop constraint system_settings_value_type_check;
alter table public.system_settings add constraint system_settings_value_type_check
  check (value_type in ('boolean', 'integer', 'number', 'string', 'integer_list', 'object', 'cidr_list'));
comment on column public.system_settings.value_type is
  'What the value must be (boolean, integer, number, string, integer_list, object, cidr_list: a JSON array of '
  'networks such as "10.0.0.0/8" or "192.0.2.7", at most max_value of them); set from the value when a module '
  'inserts a setting without one. min_value/max_value bound numbers and list items, allowed_values lists the '
  'values a string may take.';

-- A JSON array of networks as cidr[]; TN625 names the first entry that is not one (host bits set included).
create or replace function private.networks_of(p_value jsonb, p_what text)
returns cidr[]
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_item jsonb;
  v_networks cidr[] := '{}';
begin
  if jsonb_typeof(p_value) is distinct from 'array' then
    raise exception '% must be a list of networks', p_what using errcode = 'TN625';
  end if;
  for v_item in select e from jsonb_array_elements(p_value) e loop
    begin
      if jsonb_typeof(v_item) <> 'string' then
        raise exception using errcode = '22P02';
      end if;
      v_networks := v_networks || (v_item #>> '{}')::cidr;
    exception when others then
      raise exception '% lists "%", which is not a network (write 10.0.0.0/8 or 192.0.2.7, without host bits)',
        p_what, v_item #>> '{}' using errcode = 'TN625';
    end;
  end loop;
  return v_networks;
end
$$;
comment on function private.networks_of(jsonb, text) is
  'A JSON array of network strings as cidr[]; TN625 names the first entry that is not a network.';

-- The landed check (20261205000300_governance.sql) with the cidr_list type added.
create or replace function private.check_setting_value()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_number numeric;
begin
  if new.value_type = 'cidr_list' then
    if cardinality(private.networks_of(new.value, 'setting ' || new.key)) > coalesce(new.max_value, 100) then
      raise exception 'setting % lists more than % networks', new.key, coalesce(new.max_value, 100)
        using errcode = 'TN625';
    end if;
    return new;
  end if;
  new.value_type := coalesce(new.value_type, private.setting_type_of(new.value), 'object');
  if new.value_type = 'number' and private.setting_type_of(new.value) = 'integer' then
    null;
  elsif private.setting_type_of(new.value) is distinct from new.value_type then
    raise exception 'setting % must be of type %', new.key, new.value_type using errcode = 'TN502';
  end if;
  if new.value_type in ('integer', 'number') then
    v_number := (new.value #>> '{}')::numeric;
    if v_number < new.min_value or v_number > new.max_value then
      raise exception 'setting % must be between % and %', new.key, coalesce(new.min_value::text, '…'),
        coalesce(new.max_value::text, '…') using errcode = 'TN502';
    end if;
  elsif new.value_type = 'integer_list' then
    if jsonb_array_length(new.value) = 0 or exists (
         select 1 from jsonb_array_elements_text(new.value) e
          where e::numeric < new.min_value or e::numeric > new.max_value) then
      raise exception 'setting % must list at least one number between % and %', new.key,
        coalesce(new.min_value::text, '…'), coalesce(new.max_value::text, '…') using errcode = 'TN502';
    end if;
  elsif new.value_type = 'string' then
    if new.allowed_values is not null and not new.allowed_values @> jsonb_build_array(new.value) then
      raise exception 'setting % must be one of %', new.key, new.allowed_values using errcode = 'TN502';
    end if;
  end if;
  return new;
end
$$;

insert into public.system_settings (key, value, category, description, is_public, value_type, max_value) values
  ('admin.ip_allowlist', '[]', 'security',
   'The networks the admin console answers (pages and actions), e.g. 203.0.113.0/24; empty: every network. '
   'A change that would shut out the address making it is refused.', false, 'cidr_list', 100);

-- The console's guard: the list may not shut out the address changing it (TN623).
create or replace function private.guard_console_allowlist()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.key = 'admin.ip_allowlist' and new.value is distinct from old.value
     and not private.client_admitted(private.networks_of(new.value, 'setting ' || new.key)) then
    raise exception 'this list would shut the console to the address making the change (%): include it first',
      coalesce(host(private.request_ip()), 'unknown') using errcode = 'TN623';
  end if;
  return new;
end
$$;
comment on function private.guard_console_allowlist() is
  'BEFORE UPDATE of system_settings: admin.ip_allowlist may not exclude the address of the request changing it (TN623).';
create trigger system_settings_console_guard before update on public.system_settings
  for each row execute function private.guard_console_allowlist();

-- The console's gate asks this (src/lib/server/admin/guard.ts): TN622 from outside the list.
create or replace function public.assert_console_admitted()
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_networks cidr[] := private.networks_of(
    coalesce((select s.value from public.system_settings s where s.key = 'admin.ip_allowlist'), '[]'),
    'setting admin.ip_allowlist');
begin
  if not private.client_admitted(v_networks) then
    raise exception 'the console does not answer %', coalesce(host(private.request_ip()), 'an unknown address')
      using errcode = 'TN622';
  end if;
end
$$;
comment on function public.assert_console_admitted() is
  'TN622 unless admin.ip_allowlist admits the request''s address (empty list: every address).';
revoke all on function public.assert_console_admitted() from public, anon;
grant execute on function public.assert_console_admitted() to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Tenants: tenant_ip_allowlists (one row per tenant, Business plan)
-- ---------------------------------------------------------------------------------------------

create table public.tenant_ip_allowlists (
  tenant_id uuid primary key references public.tenants (id) on delete cascade,
  networks cidr[] not null default '{}' check (cardinality(networks) <= 100 and array_position(networks, null) is null),
  updated_by uuid default auth.uid(),
  updated_at timestamptz not null default now()
);
alter table public.tenant_ip_allowlists enable row level security;
comment on table public.tenant_ip_allowlists is
  'The networks an organisation''s pages, REST API and API keys answer (empty: every network). Business plan '
  '(features.ip_allowlist); kept but not enforced on a plan without it. Holders of tenant.update edit it.';

create or replace function private.check_tenant_ip_allowlist()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_needed text;
begin
  new.updated_at := now();
  new.updated_by := auth.uid();
  if tg_op = 'UPDATE' and new.networks is not distinct from old.networks then
    return new;
  end if;
  if cardinality(new.networks) > 0 and private.in_request()
     and not private.tenant_has_feature(new.tenant_id, 'ip_allowlist') then
    select p.name into v_needed from public.plans p
     where p.is_active and (p.features ->> 'ip_allowlist') = 'true' order by p.sort_order, p.price_monthly limit 1;
    raise exception 'IP allowlists need the % plan', coalesce(v_needed, 'Business') using errcode = 'TN624';
  end if;
  if not private.client_admitted(new.networks) then
    raise exception 'this list would shut out the address making the change (%): include it first',
      coalesce(host(private.request_ip()), 'unknown') using errcode = 'TN621';
  end if;
  return new;
end
$$;
comment on function private.check_tenant_ip_allowlist() is
  'BEFORE INSERT OR UPDATE of tenant_ip_allowlists: a non-empty list needs the plan''s ip_allowlist (TN624) and must '
  'admit the address of the request making the change (TN621); stamps updated_by/at.';
create trigger tenant_ip_allowlists_check before insert or update on public.tenant_ip_allowlists
  for each row execute function private.check_tenant_ip_allowlist();
create trigger tenant_ip_allowlists_immutable_columns before update on public.tenant_ip_allowlists
  for each row execute function private.forbid_column_changes('tenant_id');

-- TN620 unless the tenant's list admits the request (empty list, plan without the feature, operator: admitted).
create or replace function private.assert_tenant_admits(p_tenant_id uuid)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_networks cidr[] := (select a.networks from public.tenant_ip_allowlists a where a.tenant_id = p_tenant_id);
begin
  if coalesce(cardinality(v_networks), 0) = 0 or private.client_admitted(v_networks)
     or not private.tenant_has_feature(p_tenant_id, 'ip_allowlist') then
    return;
  end if;
  raise exception 'the organisation does not answer %', coalesce(host(private.request_ip()), 'an unknown address')
    using errcode = 'TN620';
end
$$;
comment on function private.assert_tenant_admits(uuid) is
  'TN620 unless the tenant''s IP allowlist admits the request''s address (no list, an empty one, or a plan without '
  'ip_allowlist admit every address; so does an operator''s session).';

-- The app's question at the start of a tenant page's transaction (by slug) and of a REST call (by
-- id, the tenant already found under RLS). By slug, only the caller's own memberships count: for
-- anyone else the page's 404 stays the answer, so the list does not tell strangers the tenant exists.
create or replace function public.assert_client_admitted(p_tenant text)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_id uuid := private.try_uuid(p_tenant);
  v_tenant_id uuid;
begin
  if private.request_is_api_key() then
    select k.tenant_id into v_tenant_id from public.api_keys k
     join public.tenants t on t.id = k.tenant_id
     where k.id = private.request_api_key_id() and (t.id = v_id or t.slug = p_tenant);
  else
    select m.tenant_id into v_tenant_id from public.memberships m join public.tenants t on t.id = m.tenant_id
     where m.user_id = auth.uid() and (t.id = v_id or t.slug = p_tenant);
  end if;
  if v_tenant_id is not null then
    perform private.assert_tenant_admits(v_tenant_id);
  end if;
end
$$;
comment on function public.assert_client_admitted(text) is
  'TN620 when the tenant (a slug or id; a person''s own memberships only, an API key''s own tenant) has an IP '
  'allowlist that does not admit the request''s address. Nothing for a tenant the caller does not belong to.';
revoke all on function public.assert_client_admitted(text) from public, anon;
grant execute on function public.assert_client_admitted(text) to authenticated, service_role;

-- The landed plan_feature (20261207000200_identity_plans.sql) with ip_allowlist (tenant.update) added.
create or replace function public.plan_feature(p_tenant_id uuid, p_feature text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_feature not in ('sso', 'scim', 'ip_allowlist')
     or (p_feature in ('sso', 'scim') and not (private.holds_permission('sso.manage', p_tenant_id)
                                             or private.holds_permission('scim.manage', p_tenant_id)))
     or (p_feature = 'ip_allowlist' and not private.holds_permission('tenant.update', p_tenant_id)) then
    raise exception 'permission sso.manage, scim.manage or tenant.update needed' using errcode = 'TN002';
  end if;
  return jsonb_build_object(
    'allowed', private.tenant_has_feature(p_tenant_id, p_feature),
    'plan', (select p.name from public.plans p where p.id = private.tenant_plan_id(p_tenant_id)),
    'needed_plan', (select p.name from public.plans p where p.is_active and (p.features ->> p_feature) = 'true'
                     order by p.sort_order, p.price_monthly limit 1));
end
$$;
comment on function public.plan_feature(uuid, text) is
  'Does the tenant''s plan have sso, scim or ip_allowlist: {allowed, plan, needed_plan} for the settings pages. '
  'sso.manage or scim.manage (sso, scim) or tenant.update (ip_allowlist) in the tenant (TN002 otherwise).';

-- ---------------------------------------------------------------------------------------------
-- Audit, grants, policies
-- ---------------------------------------------------------------------------------------------

select private.enable_audit('public.tenant_ip_allowlists', 'tenant_id', '{tenant_id}', '{updated_at,updated_by}');

revoke all on public.tenant_ip_allowlists from anon, authenticated, service_role;
grant select, delete on public.tenant_ip_allowlists to authenticated, service_role;
grant insert (tenant_id, networks), update (networks) on public.tenant_ip_allowlists to authenticated, service_role;

create policy tenant_ip_allowlists_select_permitted on public.tenant_ip_allowlists
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('tenant.update'))));
create policy tenant_ip_allowlists_select_staff on public.tenant_ip_allowlists
  for select to authenticated
  using (private.tenant_not_in(tenant_id, (select private.staff_refused_tenant_ids('support'))));
create policy tenant_ip_allowlists_insert_permitted on public.tenant_ip_allowlists
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('tenant.update'))));
create policy tenant_ip_allowlists_update_permitted on public.tenant_ip_allowlists
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('tenant.update'))))
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('tenant.update'))));
create policy tenant_ip_allowlists_delete_permitted on public.tenant_ip_allowlists
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('tenant.update'))));

revoke all on function private.client_admitted(cidr[]), private.networks_of(jsonb, text),
  private.guard_console_allowlist(), private.check_tenant_ip_allowlist(), private.assert_tenant_admits(uuid)
  from public, anon, authenticated;
grant execute on function private.client_admitted(cidr[]), private.networks_of(jsonb, text),
  private.assert_tenant_admits(uuid) to authenticated, service_role;
