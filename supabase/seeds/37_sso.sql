-- SSO demo data (docs/sso.md): Acme has an OpenID Connect provider, turned off (its issuer is a
-- made-up host under the reserved .example name, so nothing is ever dialled), serving its verified
-- domain acme.example.com, with engineers → developer mapping; enforcement off. Idempotent: fixed
-- ids and `on conflict do nothing`.
insert into public.sso_providers (id, tenant_id, kind, name, enabled, oidc_issuer, oidc_client_id, group_roles)
select '5d000000-0000-4000-8000-000000000001', t.id, 'oidc', 'Acme Workforce (demo)', false,
       'https://login.acme.example', 'tenantry-demo', '{"engineers": "developer"}'
from public.tenants t where t.slug = 'acme'
on conflict (id) do nothing;

insert into public.sso_domains (tenant_id, domain_id, provider_id)
select d.tenant_id, d.id, '5d000000-0000-4000-8000-000000000001'
from public.tenant_domains d join public.tenants t on t.id = d.tenant_id
where t.slug = 'acme' and d.domain = 'acme.example.com' and d.verified_at is not null
on conflict do nothing;

insert into public.sso_settings (tenant_id)
select t.id from public.tenants t where t.slug = 'acme'
on conflict (tenant_id) do nothing;
