-- Admin console demo data (docs/admin.md), after supabase/seed.sql. Password password123! as there.
--   support@tenantry.test   platform staff, support (reads tenants, members and audit; changes nothing)
--   finance@tenantry.test   platform staff, billing_admin (billing, plans, payments; suspend/reactivate)
--   Initech (initech):      waiting for approval; owner@initech.test
--   Umbrella (umbrella):    on Pro for six months, paid each month by card: the revenue chart's history
-- Globex's manual transfer in seed.sql is the payment waiting for verification.

insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
                        confirmation_token, recovery_token, email_change_token_new, email_change)
select '00000000-0000-0000-0000-000000000000', u.id::uuid, 'authenticated', 'authenticated', u.email,
       extensions.crypt('password123!', extensions.gen_salt('bf')), now(),
       '{"provider": "email", "providers": ["email"]}', jsonb_build_object('full_name', u.full_name), now(), now(),
       '', '', '', ''
from (values
  ('a0000000-0000-4000-8000-000000002301', 'support@tenantry.test', 'Sue Support'),
  ('a0000000-0000-4000-8000-000000002302', 'finance@tenantry.test', 'Bill Finance'),
  ('a0000000-0000-4000-8000-000000002311', 'owner@initech.test', 'Bill Lumbergh'),
  ('a0000000-0000-4000-8000-000000002321', 'owner@umbrella.test', 'Albert Wesker')
) u(id, email, full_name)
on conflict (id) do nothing;

insert into public.platform_staff (user_id, role, created_by) values
  ('a0000000-0000-4000-8000-000000002301', 'support', 'a0000000-0000-4000-8000-000000000001'),
  ('a0000000-0000-4000-8000-000000002302', 'billing_admin', 'a0000000-0000-4000-8000-000000000001')
on conflict (user_id) do nothing;

insert into public.tenants (id, slug, name, timezone, data_region, status, created_by, created_at) values
  ('b0000000-0000-4000-8000-000000002301', 'initech', 'Initech', 'America/Chicago', 'us', 'pending',
   'a0000000-0000-4000-8000-000000002311', now() - interval '2 hours'),
  ('b0000000-0000-4000-8000-000000002302', 'umbrella', 'Umbrella Corporation', 'Europe/London', 'uk', 'active',
   'a0000000-0000-4000-8000-000000002321', date_trunc('month', now()) - interval '6 months')
on conflict (id) do nothing;

insert into public.memberships (tenant_id, user_id, is_owner) values
  ('b0000000-0000-4000-8000-000000002301', 'a0000000-0000-4000-8000-000000002311', true),
  ('b0000000-0000-4000-8000-000000002302', 'a0000000-0000-4000-8000-000000002321', true)
on conflict (tenant_id, user_id) do nothing;

insert into public.subscriptions (id, tenant_id, plan_id, billing_interval, status, current_period_start, current_period_end)
select 'f0000000-0000-4000-8000-000000002301', 'b0000000-0000-4000-8000-000000002302', p.id, 'month', 'active',
       date_trunc('month', now()), date_trunc('month', now()) + interval '1 month'
from public.plans p where p.code = 'pro'
on conflict do nothing;

-- One paid Pro invoice and its card payment at the start of each of the last six months.
insert into public.invoices (id, tenant_id, subscription_id, number, status, currency, subtotal, total, amount_due,
                             amount_paid, period_start, period_end, issued_at, paid_at, created_at)
select ('f1000000-0000-4000-8000-00000000230' || m)::uuid, 'b0000000-0000-4000-8000-000000002302',
       'f0000000-0000-4000-8000-000000002301', 'UMB-' || to_char(start, 'YYYY-MM'), 'paid', 'usd', 2900, 2900, 2900, 2900,
       start, start + interval '1 month', start, start + interval '1 hour', start
from generate_series(0, 5) m
cross join lateral (select date_trunc('month', now()) - make_interval(months => m) as start) s
on conflict do nothing;
insert into public.payments (id, tenant_id, subscription_id, invoice_id, plan_id, billing_interval, provider, amount,
                             currency, status, period_start, period_end, created_at)
select ('f3000000-0000-4000-8000-00000000230' || m)::uuid, 'b0000000-0000-4000-8000-000000002302',
       'f0000000-0000-4000-8000-000000002301', ('f1000000-0000-4000-8000-00000000230' || m)::uuid, p.id, 'month',
       'stripe', 2900, 'usd', 'succeeded', start, start + interval '1 month', start + interval '1 hour'
from generate_series(0, 5) m
cross join lateral (select date_trunc('month', now()) - make_interval(months => m) as start) s
cross join public.plans p where p.code = 'pro'
on conflict do nothing;
