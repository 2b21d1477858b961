-- Billing and usage pages (docs/billing.md). seed.sql already gives Acme Pro (a paid invoice, a card)
-- and Globex Business (a transfer waiting for verification), and 30 days of API calls and storage.
-- Here: Acme's previous month's invoice, and 30 days of growing compute minutes for the charts.

insert into public.invoices (id, tenant_id, subscription_id, number, status, currency, subtotal, total, amount_due, amount_paid,
                             period_start, period_end, issued_at, paid_at)
values ('f1000000-0000-4000-8000-000000000024', 'b0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000001',
        'ACME-2026-0000', 'paid', 'usd', 2900, 2900, 2900, 2900, date_trunc('day', now()) - interval '40 days',
        date_trunc('day', now()) - interval '10 days', date_trunc('day', now()) - interval '40 days',
        date_trunc('day', now()) - interval '39 days')
on conflict do nothing;
insert into public.invoice_lines (id, tenant_id, invoice_id, description, quantity, unit_amount, amount)
values ('f2000000-0000-4000-8000-000000000024', 'b0000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000024',
        'Pro (monthly)', 1, 2900, 2900)
on conflict do nothing;

-- Compute minutes, growing day by day: all 30 days together stay under Pro's soft limit (8,000), so
-- the seed loads on any day of the month.
insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, occurred_at)
select 'b0000000-0000-4000-8000-000000000001', 'compute_minutes', (90 + 11 * d + 20 * sin(d))::bigint,
       'seed-compute-' || d, date_trunc('day', now()) - make_interval(days => 29 - d) + interval '9 hours'
from generate_series(0, 29) d
on conflict do nothing;
select private.rollup_usage_daily((now() at time zone 'UTC')::date - 31, null);
