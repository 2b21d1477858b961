-- Custom domains (20261130001300_domains.sql): Acme has one verified, Globex one waiting
-- for its DNS record. acme.example.com routes to Acme once listed in ALLOWED_HOSTS and resolved.
insert into public.tenant_domains (tenant_id, domain, verified_at, last_checked_at)
select id, 'acme.example.com', now(), now() from public.tenants where slug = 'acme'
on conflict (tenant_id, domain) do nothing;
insert into public.tenant_domains (tenant_id, domain, last_checked_at, last_check_error)
select id, 'portal.globex.example', now(), 'No TXT record at _tenantry.portal.globex.example yet (DNS changes can take a while to appear).'
from public.tenants where slug = 'globex'
on conflict (tenant_id, domain) do nothing;
