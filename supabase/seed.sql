-- Demo data for the embedded profile, loaded once on first start and by `npm run db:reset`.
-- Runs after every migration, as the migration owner; it must stay idempotent-safe to reset.
--
-- Every demo user signs in with the password `password123!`:
--   admin@tenantry.test   platform super_admin (the /admin console)
--   Acme Inc (acme):      owner@acme.test · admin@acme.test · dev@acme.test (Developer) ·
--                         viewer@acme.test (Viewer) · auditor@acme.test (custom role "Auditor")
--   Globex (globex):      owner@globex.test · admin@globex.test · billing@globex.test (Billing Admin) ·
--                         member@globex.test (Viewer, Project Editor on "data-pipeline")
-- A pending invitation to newhire@acme.test can be accepted with the token `demo-invite-acme`.

insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
                        confirmation_token, recovery_token, email_change_token_new, email_change)
select '00000000-0000-0000-0000-000000000000', u.id::uuid, 'authenticated', 'authenticated', u.email,
       extensions.crypt('password123!', extensions.gen_salt('bf')), now(),
       '{"provider": "email", "providers": ["email"]}', jsonb_build_object('full_name', u.full_name), now(), now(),
       '', '', '', ''
from (values
  ('a0000000-0000-4000-8000-000000000001', 'admin@tenantry.test', 'Tess Operator'),
  ('a0000000-0000-4000-8000-000000000011', 'owner@acme.test', 'Ada Owner'),
  ('a0000000-0000-4000-8000-000000000012', 'admin@acme.test', 'Alan Admin'),
  ('a0000000-0000-4000-8000-000000000013', 'dev@acme.test', 'Grace Developer'),
  ('a0000000-0000-4000-8000-000000000014', 'viewer@acme.test', 'Vint Viewer'),
  ('a0000000-0000-4000-8000-000000000015', 'auditor@acme.test', 'Barbara Auditor'),
  ('a0000000-0000-4000-8000-000000000021', 'owner@globex.test', 'Hank Scorpio'),
  ('a0000000-0000-4000-8000-000000000022', 'admin@globex.test', 'Homer Admin'),
  ('a0000000-0000-4000-8000-000000000023', 'billing@globex.test', 'Mindy Billing'),
  ('a0000000-0000-4000-8000-000000000024', 'member@globex.test', 'Frank Member')
) u(id, email, full_name)
on conflict (id) do nothing;

insert into public.platform_staff (user_id, role)
values ('a0000000-0000-4000-8000-000000000001', 'super_admin')
on conflict (user_id) do nothing;

insert into public.tenants (id, slug, name, timezone, data_region, branding, status, created_by) values
  ('b0000000-0000-4000-8000-000000000001', 'acme', 'Acme Inc', 'America/New_York', 'us',
   '{"primary_color": "#d9480f", "theme": "light"}', 'active', 'a0000000-0000-4000-8000-000000000011'),
  ('b0000000-0000-4000-8000-000000000002', 'globex', 'Globex Corporation', 'Europe/Berlin', 'eu',
   '{"primary_color": "#1c7ed6", "theme": "dark"}', 'active', 'a0000000-0000-4000-8000-000000000021')
on conflict (id) do nothing;

insert into public.memberships (tenant_id, user_id, is_owner) values
  ('b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000011', true),
  ('b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000012', false),
  ('b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000013', false),
  ('b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000014', false),
  ('b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000015', false),
  ('b0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000021', true),
  ('b0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000022', false),
  ('b0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000023', false),
  ('b0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000024', false)
on conflict (tenant_id, user_id) do nothing;

-- Acme's custom role: reads the audit log, members and usage, changes nothing. One statement, as a
-- custom role must grant something when its transaction commits (roles_grant_something).
with role as (
  insert into public.roles (id, tenant_id, key, name, description, created_by)
  values ('c0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'auditor', 'Auditor',
          'Reads the audit log, members and usage; changes nothing', 'a0000000-0000-4000-8000-000000000011')
  on conflict (id) do nothing
  returning id, tenant_id
)
insert into public.role_permissions (role_id, permission_code, tenant_id)
select role.id, code, role.tenant_id
from role, unnest(array['audit.read', 'members.read', 'usage.read']) code
on conflict do nothing;

insert into public.role_assignments (tenant_id, user_id, role_id, created_by)
select a.tenant_id::uuid, a.user_id::uuid, coalesce(
         (select r.id from public.roles r where r.tenant_id is null and r.key = a.role_key),
         (select r.id from public.roles r where r.tenant_id = a.tenant_id::uuid and r.key = a.role_key)),
       null
from (values
  ('b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000012', 'admin'),
  ('b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000013', 'developer'),
  ('b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000014', 'viewer'),
  ('b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000015', 'auditor'),
  ('b0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000022', 'admin'),
  ('b0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000023', 'billing_admin'),
  ('b0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000024', 'viewer')
) a(tenant_id, user_id, role_key)
on conflict do nothing;

insert into public.teams (id, tenant_id, name, description, created_by) values
  ('d0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'Platform', 'Runs the product', 'a0000000-0000-4000-8000-000000000011'),
  ('d0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001', 'Design', 'Makes it usable', 'a0000000-0000-4000-8000-000000000011'),
  ('d0000000-0000-4000-8000-000000000003', 'b0000000-0000-4000-8000-000000000002', 'Operations', 'Keeps the lights on', 'a0000000-0000-4000-8000-000000000021')
on conflict (id) do nothing;
insert into public.team_members (tenant_id, team_id, user_id) values
  ('b0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000012'),
  ('b0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000013'),
  ('b0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000014'),
  ('b0000000-0000-4000-8000-000000000002', 'd0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000022'),
  ('b0000000-0000-4000-8000-000000000002', 'd0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000024')
on conflict do nothing;

-- Projects get their three environments and a project_owner assignment for the creator by trigger.
insert into public.projects (id, tenant_id, slug, name, description, created_by) values
  ('e0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'web', 'Web app', 'The customer-facing web app', 'a0000000-0000-4000-8000-000000000013'),
  ('e0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001', 'mobile', 'Mobile app', 'iOS and Android', 'a0000000-0000-4000-8000-000000000012'),
  ('e0000000-0000-4000-8000-000000000003', 'b0000000-0000-4000-8000-000000000002', 'data-pipeline', 'Data pipeline', 'Nightly ETL', 'a0000000-0000-4000-8000-000000000021')
on conflict (id) do nothing;
insert into public.role_assignments (tenant_id, user_id, role_id, project_id)
select 'b0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000024', r.id, 'e0000000-0000-4000-8000-000000000003'
from public.roles r where r.tenant_id is null and r.key = 'project_editor'
on conflict do nothing;

insert into public.invitations (tenant_id, email, role_id, token_hash, expires_at, invited_by)
select 'b0000000-0000-4000-8000-000000000001', 'newhire@acme.test', r.id, sha256(convert_to('demo-invite-acme', 'UTF8')),
       now() + interval '30 days', 'a0000000-0000-4000-8000-000000000011'
from public.roles r where r.tenant_id is null and r.key = 'developer'
on conflict do nothing;

-- Billing (docs/billing.md): Acme pays for Pro monthly through Stripe-like records (a paid invoice, a
-- card); Globex is on Business with a manual transfer waiting for the platform to verify it (the
-- admin console's queue). Both have 30 days of API-call usage, rolled up daily.
insert into public.billing_accounts (tenant_id, billing_email, company_name, currency, tax_id, address) values
  ('b0000000-0000-4000-8000-000000000001', 'billing@acme.test', 'Acme Inc', 'usd', 'US12-3456789',
   '{"line1": "1 Road Runner Way", "city": "Phoenix", "postal_code": "85001", "country": "US"}'),
  ('b0000000-0000-4000-8000-000000000002', 'billing@globex.test', 'Globex Corporation', 'eur', 'DE123456789',
   '{"line1": "Hauptstrasse 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}')
on conflict do nothing;

insert into public.subscriptions (id, tenant_id, plan_id, billing_interval, status, current_period_start, current_period_end)
select 'f0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', p.id, 'month', 'active',
       date_trunc('day', now()) - interval '10 days', date_trunc('day', now()) + interval '20 days'
from public.plans p where p.code = 'pro'
on conflict do nothing;
insert into public.subscriptions (id, tenant_id, plan_id, billing_interval, status, current_period_start, current_period_end, trial_end)
select 'f0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000002', p.id, 'year', 'pending_verification',
       date_trunc('day', now()) - interval '12 days', date_trunc('day', now()) + interval '2 days', date_trunc('day', now()) + interval '2 days'
from public.plans p where p.code = 'business'
on conflict do nothing;

insert into public.invoices (id, tenant_id, subscription_id, number, status, currency, subtotal, total, amount_due, amount_paid,
                             period_start, period_end, issued_at, paid_at)
values ('f1000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000001',
        'ACME-2026-0001', 'paid', 'usd', 2900, 2900, 2900, 2900, date_trunc('day', now()) - interval '10 days',
        date_trunc('day', now()) + interval '20 days', date_trunc('day', now()) - interval '10 days', date_trunc('day', now()) - interval '10 days')
on conflict do nothing;
insert into public.invoice_lines (id, tenant_id, invoice_id, description, quantity, unit_amount, amount)
values ('f2000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000001',
        'Pro (monthly)', 1, 2900, 2900)
on conflict do nothing;
insert into public.payments (id, tenant_id, subscription_id, invoice_id, plan_id, billing_interval, provider, amount, currency, status)
select 'f3000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000001',
       'f1000000-0000-4000-8000-000000000001', p.id, 'month', 'stripe', 2900, 'usd', 'succeeded'
from public.plans p where p.code = 'pro'
on conflict do nothing;
insert into public.payments (id, tenant_id, subscription_id, plan_id, billing_interval, provider, amount, currency, status, proof_path,
                             created_by)
select 'f3000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000002', 'f0000000-0000-4000-8000-000000000002',
       p.id, 'year', 'manual', 99000, 'usd', 'pending', 'b0000000-0000-4000-8000-000000000002/proofs/wire-transfer.pdf',
       'a0000000-0000-4000-8000-000000000023'
from public.plans p where p.code = 'business'
on conflict do nothing;
insert into public.payment_methods (tenant_id, stripe_payment_method_id, brand, last4, exp_month, exp_year, is_default)
values ('b0000000-0000-4000-8000-000000000001', 'pm_1DemoAcmeVisa4242', 'visa', '4242', 8, 2029, true)
on conflict do nothing;

-- Usage: a weekday-shaped curve of API calls for the last 30 days, and some storage.
insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, occurred_at)
select t.id, 'api_calls', (t.scale * greatest(20, 400 + 300 * sin(d / 3.0) + case when extract(isodow from day) > 5 then -250 else 0 end))::bigint,
       'seed-api-' || d, day + interval '12 hours'
from (values ('b0000000-0000-4000-8000-000000000001'::uuid, 1.0), ('b0000000-0000-4000-8000-000000000002'::uuid, 3.0)) t(id, scale)
cross join generate_series(0, 29) d
cross join lateral (select date_trunc('day', now()) - make_interval(days => 29 - d) as day) x
on conflict do nothing;
insert into public.usage_events (tenant_id, metric, quantity, idempotency_key)
values ('b0000000-0000-4000-8000-000000000001', 'storage_bytes', 3221225472, 'seed-storage'),
       ('b0000000-0000-4000-8000-000000000002', 'storage_bytes', 21474836480, 'seed-storage')
on conflict do nothing;
select private.rollup_usage_daily((now() at time zone 'UTC')::date - 31, null);

select private.seal_audit_chain();
