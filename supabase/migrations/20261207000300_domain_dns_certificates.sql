-- Custom domains, continued (issue 17 §4): a tenant's primary domain and its TLS state, the DNS
-- records a tenant must publish for each domain (dns_records: CNAME to the platform host, or A/AAAA
-- when the platform has fixed addresses; TXT for verification; CAA advice), checked by the
-- `domains.dns_check` job through the app's resolver boundary, and the certificates a tenant
-- uploads (certificates: the PEM chain and what the app read from it; the private key is a secret
-- owned by the certificate, sealed by the secrets module and never readable back). The app
-- validates a certificate with node:crypto before it inserts one; SQL keeps what it can check (the
-- key is the certificate's own secret, the validity window is open). The `domains.certificates`
-- job publishes certificate.expiring once per threshold (30, 7 and 1 days), which notifies the
-- people who manage domains.
--
-- Owns: tables dns_records, certificates; columns tenant_domains.is_primary, ssl_status,
-- dns_lost_at; settings domains.cname_target, domains.ipv4_addresses, domains.ipv6_addresses,
-- domains.caa_issuer; private.sync_dns_records, private.record_dns_checks,
-- private.check_certificate, private.send_certificate_notices, public.set_primary_domain.
-- Changes: secrets.owner_type gains 'certificate' (managed with domains.manage).

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.system_settings (key, value, category, description, is_public, value_type) values
  ('domains.cname_target', '"tenants.tenantry.localhost"', 'domains',
   'The host a tenant''s custom domain points at with a CNAME (the platform''s proxy).', true, 'string'),
  ('domains.ipv4_addresses', '""', 'domains',
   'The platform''s fixed IPv4 addresses, comma-separated; when set, custom domains publish A records instead of a CNAME.',
   true, 'string'),
  ('domains.ipv6_addresses', '""', 'domains',
   'The platform''s fixed IPv6 addresses, comma-separated (AAAA records, with the A records).', true, 'string'),
  ('domains.caa_issuer', '"letsencrypt.org"', 'domains',
   'The certificate authority a CAA record should allow for custom domains (advice; no CAA allows every CA).',
   true, 'string');

insert into public.event_types (type, module, description) values
  ('domain.dns_checked', 'domains', 'A custom domain''s DNS records were checked.'),
  ('domain.dns_lost', 'domains', 'A verified custom domain no longer points at the platform.'),
  ('domain.primary_changed', 'domains', 'The organisation chose its primary custom domain.'),
  ('certificate.uploaded', 'domains', 'A TLS certificate was uploaded for a custom domain.'),
  ('certificate.expiring', 'domains', 'A custom domain''s TLS certificate expires within 30, 7 or 1 days.');

insert into public.notification_kinds
  (kind, category, label, recipients, recipient_permissions, notify_subject, link_path, locked, digestible,
   default_in_app, default_email) values
  ('domain.dns_lost', 'domains', 'Custom domain no longer points here', 'People who manage custom domains',
   '{domains.manage}', false, '/t/{slug}/settings/domains', false, false, true, true),
  ('certificate.expiring', 'domains', 'TLS certificate expiring', 'People who manage custom domains',
   '{domains.manage}', false, '/t/{slug}/settings/domains', false, false, true, true);


-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

alter table public.tenant_domains
  add column is_primary boolean not null default false,
  add column ssl_status text not null default 'none'
    check (ssl_status in ('none', 'active', 'expiring', 'expired')),
  add column dns_lost_at timestamptz;
comment on column public.tenant_domains.is_primary is
  'The organisation''s main custom domain (at most one per tenant, a verified one): public.set_primary_domain().';
comment on column public.tenant_domains.ssl_status is
  'none: no certificate uploaded; active; expiring: within 30 days; expired. Kept by the certificate triggers and job.';
comment on column public.tenant_domains.dns_lost_at is
  'Set when a verified domain''s routing record (CNAME or A/AAAA) stopped checking out; cleared when it does again.';
create unique index tenant_domains_one_primary_idx on public.tenant_domains (tenant_id) where is_primary;

create table public.dns_records (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  domain_id uuid not null,
  record_type text not null check (record_type in ('CNAME', 'TXT', 'CAA', 'A', 'AAAA')),
  host text not null check (char_length(host) <= 253),
  value text not null check (char_length(value) <= 500),
  -- routing: points the name at the platform; verification: proves control; advice: recommended.
  purpose text not null check (purpose in ('routing', 'verification', 'advice')),
  required boolean not null,
  status text not null default 'pending' check (status in ('pending', 'ok', 'missing', 'wrong', 'error')),
  -- What the resolver answered (for wrong: the values found; for error: the failure), else null.
  found text check (char_length(found) <= 1000),
  last_checked_at timestamptz,
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (domain_id, record_type, host, value),
  foreign key (tenant_id, domain_id) references public.tenant_domains (tenant_id, id) on delete cascade
);
alter table public.dns_records enable row level security;
comment on table public.dns_records is
  'A DNS record a tenant must (required) or should (advice) publish for a custom domain, with the last check''s '
  'outcome. Written only by private.sync_dns_records and private.record_dns_checks (the domains.dns_check job).';
create index dns_records_tenant_domain_idx on public.dns_records (tenant_id, domain_id);

create table public.certificates (
  -- Chosen by the app: it owns the key secret (owner_type certificate) before the row exists.
  id uuid primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  domain_id uuid not null,
  -- The leaf first, then each issuer (as validated by the app); public material only.
  chain_pem text not null check (char_length(chain_pem) <= 65536 and chain_pem like '-----BEGIN CERTIFICATE-----%'),
  key_secret_id uuid not null,
  fingerprint_sha256 text not null check (fingerprint_sha256 ~ '^[0-9A-F]{2}(:[0-9A-F]{2}){31}$'),
  subject text not null check (char_length(subject) <= 1000),
  issuer text not null check (char_length(issuer) <= 1000),
  names text[] not null check (cardinality(names) between 1 and 100),
  not_before timestamptz not null,
  not_after timestamptz not null,
  -- The expiry thresholds (days) already announced by certificate.expiring.
  notified_days integer[] not null default '{}',
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  check (not_after > not_before),
  foreign key (tenant_id, domain_id) references public.tenant_domains (tenant_id, id) on delete cascade,
  foreign key (tenant_id, key_secret_id) references public.secrets (tenant_id, id)
);
alter table public.certificates enable row level security;
comment on table public.certificates is
  'A TLS certificate chain a tenant uploaded for one of its custom domains; the private key is the secret '
  'key_secret_id (owner_type certificate), sealed and never readable back. Validated by the app (node:crypto).';
create index certificates_tenant_domain_idx on public.certificates (tenant_id, domain_id, not_after desc);
create index certificates_not_after_idx on public.certificates (not_after);

-- ---------------------------------------------------------------------------------------------
-- Secrets owned by certificates
-- ---------------------------------------------------------------------------------------------

alter table public.secrets drop constraint secrets_owner_type_check;
alter table public.secrets add constraint secrets_owner_type_check check (owner_type in (
  'integration', 'webhook_endpoint', 'sso_provider', 'data_source', 'model_provider', 'workflow', 'certificate'));

create or replace function private.secret_owner_permission(p_owner_type text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case p_owner_type
    when 'integration' then 'integrations.manage'
    when 'webhook_endpoint' then 'webhooks.manage'
    when 'sso_provider' then 'sso.manage'
    when 'data_source' then 'data_sources.manage'
    when 'model_provider' then 'ai.manage'
    when 'workflow' then 'workflows.manage'
    when 'certificate' then 'domains.manage'
  end
$$;

drop policy secrets_select_owner on public.secrets;
create policy secrets_select_owner on public.secrets
  for select to authenticated
  using ((owner_type = 'integration' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('integrations.manage'))))
         or (owner_type = 'webhook_endpoint' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('webhooks.manage'))))
         or (owner_type = 'sso_provider' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('sso.manage'))))
         or (owner_type = 'data_source' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('data_sources.manage'))))
         or (owner_type = 'model_provider' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('ai.manage'))))
         or (owner_type = 'workflow' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('workflows.manage'))))
         or (owner_type = 'certificate' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('domains.manage')))));
drop policy secret_versions_select_owner on public.secret_versions;
create policy secret_versions_select_owner on public.secret_versions
  for select to authenticated
  using ((owner_type = 'integration' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('integrations.manage'))))
         or (owner_type = 'webhook_endpoint' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('webhooks.manage'))))
         or (owner_type = 'sso_provider' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('sso.manage'))))
         or (owner_type = 'data_source' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('data_sources.manage'))))
         or (owner_type = 'model_provider' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('ai.manage'))))
         or (owner_type = 'workflow' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('workflows.manage'))))
         or (owner_type = 'certificate' and private.tenant_in(tenant_id, (select private.admitted_tenant_ids('domains.manage')))));

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- A comma-separated address setting as a list (blank items dropped).
create or replace function private.domain_setting_list(p_key text)
returns text[]
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(trim(item)) filter (where trim(item) <> ''), '{}')
  from public.system_settings s, unnest(string_to_array(s.value #>> '{}', ',')) item
  where s.key = p_key
$$;

comment on function private.domain_setting_list(text) is
  'The items of a comma-separated string setting (domains.ipv4_addresses, domains.ipv6_addresses).';
revoke all on function private.domain_setting_list(text) from public;

-- The records a domain needs under the current settings: rows are added, kept (with their last
-- check) or dropped when the settings no longer ask for them.
create or replace function private.sync_dns_records(p_domain_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_domain public.tenant_domains;
  v_ipv4 text[] := private.domain_setting_list('domains.ipv4_addresses');
  v_ipv6 text[] := private.domain_setting_list('domains.ipv6_addresses');
  v_target text := (select s.value #>> '{}' from public.system_settings s where s.key = 'domains.cname_target');
  v_issuer text := (select s.value #>> '{}' from public.system_settings s where s.key = 'domains.caa_issuer');
begin
  select * into v_domain from public.tenant_domains d where d.id = p_domain_id;
  if not found then
    raise exception 'no such domain' using errcode = 'TN003';
  end if;
  create temporary table if not exists pg_temp.expected_dns_records (
    record_type text, host text, value text, purpose text, required boolean) on commit drop;
  truncate pg_temp.expected_dns_records;
  insert into pg_temp.expected_dns_records values
    ('TXT', '_tenantry.' || v_domain.domain, 'tenantry-verification=' || v_domain.verification_token, 'verification', true);
  if cardinality(v_ipv4) + cardinality(v_ipv6) = 0 then
    insert into pg_temp.expected_dns_records values ('CNAME', v_domain.domain, v_target, 'routing', true);
  else
    insert into pg_temp.expected_dns_records
      select 'A', v_domain.domain, a, 'routing', true from unnest(v_ipv4) a
      union all select 'AAAA', v_domain.domain, a, 'routing', true from unnest(v_ipv6) a;
  end if;
  if coalesce(v_issuer, '') <> '' then
    insert into pg_temp.expected_dns_records values
      ('CAA', v_domain.domain, '0 issue "' || v_issuer || '"', 'advice', false);
  end if;
  delete from public.dns_records r
  where r.domain_id = p_domain_id
    and not exists (select 1 from pg_temp.expected_dns_records e
                    where (e.record_type, e.host, e.value) = (r.record_type, r.host, r.value));
  insert into public.dns_records (tenant_id, domain_id, record_type, host, value, purpose, required)
  select v_domain.tenant_id, p_domain_id, e.record_type, e.host, e.value, e.purpose, e.required
  from pg_temp.expected_dns_records e
  on conflict (domain_id, record_type, host, value) do nothing;
end
$$;

comment on function private.sync_dns_records(uuid) is
  'Brings a domain''s dns_records in line with the domains.* settings (TXT, CNAME or A/AAAA, CAA advice). '
  'Called by the tenant_domains insert trigger and the domains.dns_check job. Not granted to API roles.';
revoke all on function private.sync_dns_records(uuid) from public;
grant execute on function private.sync_dns_records(uuid) to service_role;

create or replace function private.sync_new_domain_records()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.sync_dns_records(new.id);
  return null;
end
$$;

comment on function private.sync_new_domain_records() is
  'AFTER INSERT trigger on tenant_domains: the new domain''s records to publish.';

-- The outcome of one DNS check of a domain's records (the domains.dns_check job): p_results is an
-- array of {id, status, found}. A verified domain whose required routing record fails is flagged
-- (dns_lost_at, domain.dns_lost once); when it checks out again the flag is cleared.
create or replace function private.record_dns_checks(p_domain_id uuid, p_results jsonb)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_domain public.tenant_domains;
  v_routing_ok boolean;
  v_counts jsonb;
  v_lost record;
begin
  if not private.is_service_role() then
    raise exception 'only the domains.dns_check job records DNS checks' using errcode = 'TN061';
  end if;
  select * into v_domain from public.tenant_domains d where d.id = p_domain_id for update;
  if not found then
    raise exception 'no such domain' using errcode = 'TN003';
  end if;
  if jsonb_typeof(p_results) is distinct from 'array' or exists (
       select 1 from jsonb_array_elements(p_results) r
       where r.value ->> 'status' is null or r.value ->> 'status' not in ('ok', 'missing', 'wrong', 'error')
          or not exists (select 1 from public.dns_records x
                         where x.id::text = r.value ->> 'id' and x.domain_id = p_domain_id)) then
    raise exception 'each result names a record of this domain and a status of ok, missing, wrong or error'
      using errcode = 'TN590';
  end if;
  update public.dns_records x
  set status = r.value ->> 'status',
      found = case when r.value ->> 'status' = 'ok' then null else left(r.value ->> 'found', 1000) end,
      last_checked_at = now()
  from jsonb_array_elements(p_results) r
  where x.id::text = r.value ->> 'id' and x.domain_id = p_domain_id;

  select coalesce(bool_and(x.status = 'ok'), true) into v_routing_ok
  from public.dns_records x where x.domain_id = p_domain_id and x.purpose = 'routing';
  select jsonb_build_object('ok', count(*) filter (where x.status = 'ok'),
                            'missing', count(*) filter (where x.status = 'missing'),
                            'wrong', count(*) filter (where x.status in ('wrong', 'error')))
    into v_counts
  from public.dns_records x where x.domain_id = p_domain_id and x.required;

  if v_domain.verified_at is not null and not v_routing_ok and v_domain.dns_lost_at is null then
    update public.tenant_domains d set dns_lost_at = now() where d.id = p_domain_id;
    select x.record_type, x.status, x.found into v_lost from public.dns_records x
    where x.domain_id = p_domain_id and x.purpose = 'routing' and x.status <> 'ok'
    order by x.record_type, x.value limit 1;
    perform private.publish_event(v_domain.tenant_id, 'domain.dns_lost', 'domain', p_domain_id::text,
      jsonb_build_object('domain', v_domain.domain, 'record_type', v_lost.record_type, 'status', v_lost.status,
                         'found', v_lost.found));
  elsif v_routing_ok and v_domain.dns_lost_at is not null then
    update public.tenant_domains d set dns_lost_at = null where d.id = p_domain_id;
  end if;
  perform private.publish_event(v_domain.tenant_id, 'domain.dns_checked', 'domain', p_domain_id::text,
    jsonb_build_object('domain', v_domain.domain, 'ok', (v_counts ->> 'ok')::int,
                       'missing', (v_counts ->> 'missing')::int, 'wrong', (v_counts ->> 'wrong')::int,
                       'routing_ok', v_routing_ok, 'checked_at', private.event_time(now())));
end
$$;

comment on function private.record_dns_checks(uuid, jsonb) is
  'Records a DNS check of a domain''s records (service role only: the domains.dns_check job; TN590 for a result '
  'that names no record of the domain or no valid status). Flags a verified domain whose routing record failed.';
revoke all on function private.record_dns_checks(uuid, jsonb) from public;
grant execute on function private.record_dns_checks(uuid, jsonb) to service_role;

-- BEFORE INSERT on certificates: the key is the certificate's own secret (TN591) and the window is
-- open now (TN592; the app says which end, with dates).
create or replace function private.check_certificate()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from public.secrets s
                 where s.id = new.key_secret_id and s.tenant_id = new.tenant_id
                   and s.owner_type = 'certificate' and s.owner_id = new.id) then
    raise exception 'the private key must be this certificate''s own secret' using errcode = 'TN591';
  end if;
  if new.not_after <= now() or new.not_before > now() then
    raise exception 'the certificate is not valid now (% to %)', new.not_before, new.not_after using errcode = 'TN592';
  end if;
  return new;
end
$$;

comment on function private.check_certificate() is
  'BEFORE INSERT trigger on certificates: TN591 the key is not the certificate''s own secret; TN592 not valid now.';

-- AFTER INSERT/DELETE on certificates: the domain's ssl_status follows its newest certificate, and
-- an upload is published (certificate.uploaded); a deleted certificate's key secret goes with it.
create or replace function private.certificate_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.certificates := case when tg_op = 'DELETE' then old else new end;
begin
  update public.tenant_domains d
  set ssl_status = coalesce((
        select case when c.not_after <= now() then 'expired'
                    when c.not_after <= now() + interval '30 days' then 'expiring'
                    else 'active' end
        from public.certificates c where c.domain_id = d.id order by c.not_after desc limit 1), 'none')
  where d.id = v_row.domain_id;
  if tg_op = 'INSERT' then
    perform private.publish_event(new.tenant_id, 'certificate.uploaded', 'certificate', new.id::text,
      jsonb_build_object('domain_id', new.domain_id,
                         'domain', (select d.domain from public.tenant_domains d where d.id = new.domain_id),
                         'names', to_jsonb(new.names), 'fingerprint_sha256', new.fingerprint_sha256,
                         'not_after', private.event_time(new.not_after)));
  else
    perform private.delete_owned_secrets('certificate', old.id);
  end if;
  return null;
end
$$;

comment on function private.certificate_changed() is
  'AFTER INSERT/DELETE on certificates: keeps tenant_domains.ssl_status, publishes certificate.uploaded, deletes '
  'a removed certificate''s key secret.';

-- The daily expiry pass (the domains.certificates job): each certificate within 30, 7 or 1 days of
-- its end announces the smallest threshold it has crossed once (certificate.expiring → the
-- notification), and every domain's ssl_status is brought up to date. Returns the notices sent.
create or replace function private.send_certificate_notices()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_cert record;
  v_sent integer := 0;
begin
  if not private.is_service_role() then
    raise exception 'only the domains.certificates job sends certificate notices' using errcode = 'TN061';
  end if;
  for v_cert in
    select c.id, c.tenant_id, c.domain_id, c.not_after, c.notified_days, d.domain,
           (select min(t) from unnest(array[30, 7, 1]) t where c.not_after <= now() + make_interval(days => t)) as threshold
    from public.certificates c join public.tenant_domains d on d.id = c.domain_id
    where c.not_after > now() and c.not_after <= now() + interval '30 days'
    for update of c
  loop
    continue when v_cert.threshold = any(v_cert.notified_days);
    update public.certificates c
    set notified_days = (select array_agg(distinct t order by t) from unnest(c.notified_days || array(
                           select t from unnest(array[30, 7, 1]) t where t >= v_cert.threshold)) t)
    where c.id = v_cert.id;
    perform private.publish_event(v_cert.tenant_id, 'certificate.expiring', 'certificate', v_cert.id::text,
      jsonb_build_object('domain_id', v_cert.domain_id, 'domain', v_cert.domain, 'threshold_days', v_cert.threshold,
                         'not_after', private.event_time(v_cert.not_after)));
    v_sent := v_sent + 1;
  end loop;
  update public.tenant_domains d
  set ssl_status = s.status
  from (select distinct on (c.domain_id) c.domain_id,
               case when c.not_after <= now() then 'expired'
                    when c.not_after <= now() + interval '30 days' then 'expiring'
                    else 'active' end as status
        from public.certificates c order by c.domain_id, c.not_after desc) s
  where d.id = s.domain_id and d.ssl_status is distinct from s.status;
  return v_sent;
end
$$;

comment on function private.send_certificate_notices() is
  'Publishes certificate.expiring once per certificate and threshold (30/7/1 days; a late upload announces only '
  'the nearest) and refreshes ssl_status. Service role only (the domains.certificates job); idempotent.';
revoke all on function private.send_certificate_notices() from public;
grant execute on function private.send_certificate_notices() to service_role;

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger tenant_domains_rpc_only_state before update on public.tenant_domains
  for each row execute function private.restrict_column_changes_to_rpc('is_primary', 'ssl_status', 'dns_lost_at');
create trigger tenant_domains_sync_records after insert on public.tenant_domains
  for each row execute function private.sync_new_domain_records();

create trigger dns_records_immutable_columns before update on public.dns_records
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'domain_id', 'record_type', 'host', 'value', 'purpose', 'required', 'created_at');

create trigger certificates_immutable_columns before update on public.certificates
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'domain_id', 'chain_pem', 'key_secret_id', 'fingerprint_sha256', 'subject', 'issuer',
    'names', 'not_before', 'not_after', 'created_by', 'created_at');
create trigger certificates_check before insert on public.certificates
  for each row execute function private.check_certificate();
create trigger certificates_changed after insert or delete on public.certificates
  for each row execute function private.certificate_changed();

-- ---------------------------------------------------------------------------------------------
-- Audited tables
-- ---------------------------------------------------------------------------------------------

select private.enable_audit('public.dns_records', 'tenant_id', '{id}', '{last_checked_at}');
select private.enable_audit('public.certificates', 'tenant_id', '{id}', '{chain_pem}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.dns_records from anon, authenticated, service_role;
grant select on public.dns_records to authenticated, service_role;

revoke all on public.certificates from anon, authenticated, service_role;
grant select, delete on public.certificates to authenticated, service_role;
grant insert (id, tenant_id, domain_id, chain_pem, key_secret_id, fingerprint_sha256, subject, issuer, names,
              not_before, not_after) on public.certificates to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy dns_records_select_permitted on public.dns_records
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('domains.manage'))));
create policy dns_records_select_staff on public.dns_records
  for select to authenticated
  using (private.tenant_not_in(tenant_id, (select private.staff_refused_tenant_ids('support'))));

create policy certificates_select_permitted on public.certificates
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('domains.manage'))));
create policy certificates_select_staff on public.certificates
  for select to authenticated
  using (private.tenant_not_in(tenant_id, (select private.staff_refused_tenant_ids('support'))));
create policy certificates_insert_permitted on public.certificates
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('domains.manage'))));
create policy certificates_delete_permitted on public.certificates
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('domains.manage'))));

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

-- Makes a verified domain the organisation's primary one (the others lose the mark); holders of
-- domains.manage only. TN003 for a domain the caller may not manage (TN004 MFA first), TN593 for an unverified one.
create or replace function public.set_primary_domain(p_domain_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_domain public.tenant_domains;
begin
  select * into v_domain from public.tenant_domains d where d.id = p_domain_id for update;
  if not found or not private.holds_permission('domains.manage', v_domain.tenant_id) then
    raise exception 'no such domain' using errcode = 'TN003';
  end if;
  perform private.authorize('domains.manage', v_domain.tenant_id);
  if v_domain.verified_at is null then
    raise exception 'domain % is not verified', v_domain.domain using errcode = 'TN593';
  end if;
  if v_domain.is_primary then
    return;
  end if;
  update public.tenant_domains d set is_primary = false where d.tenant_id = v_domain.tenant_id and d.is_primary;
  update public.tenant_domains d set is_primary = true where d.id = p_domain_id;
  perform private.audit_event(v_domain.tenant_id, 'domain.primary', 'tenant_domains', p_domain_id::text,
                              null, jsonb_build_object('domain', v_domain.domain));
  perform private.publish_event(v_domain.tenant_id, 'domain.primary_changed', 'domain', p_domain_id::text,
    jsonb_build_object('domain', v_domain.domain));
end
$$;

comment on function public.set_primary_domain(uuid) is
  'Makes a verified custom domain the tenant''s primary one (domains.manage; TN003 unknown, TN593 unverified).';
revoke all on function public.set_primary_domain(uuid) from public;
grant execute on function public.set_primary_domain(uuid) to authenticated, service_role;

-- The records of domains that existed before this migration.
select private.sync_dns_records(d.id) from public.tenant_domains d;
