-- Governance demo data (docs/governance.md), after supabase/seed.sql: Acme keeps its notifications
-- 90 days and anonymises support tickets a year after they close; Globex follows the platform's
-- defaults. Idempotent: `on conflict do nothing`.

insert into public.data_policies (tenant_id, data_class, retention_days, action) values
  ('b0000000-0000-4000-8000-000000000001', 'notifications', 90, 'delete'),
  ('b0000000-0000-4000-8000-000000000001', 'support_tickets', 365, 'anonymise')
on conflict (tenant_id, data_class) do nothing;
