-- BI demo data (docs/bi.md), after supabase/seed.sql: the daily metrics of the last 31 days
-- (rebuilt from the seeded records), Acme's saved query "API calls by day" and its dashboard
-- "Usage" (a line chart of the query, a KPI of API calls with the previous period, a bar chart of
-- active users), and an announcement to every tenant. Every tenant already has its home dashboard
-- (the migration's trigger). Idempotent: fixed ids and `on conflict do nothing`.

select private.rollup_tenant_usage_daily((now() at time zone 'UTC')::date - 31, null);

insert into public.saved_queries (id, tenant_id, name, description, mode, sql)
values ('f5000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'API calls by day',
        'The API calls of each day in the time range.', 'sql',
        E'select day, api_calls\nfrom usage_daily\nwhere day >= analytics.range_start()\norder by day')
on conflict do nothing;

insert into public.dashboards (id, tenant_id, name, description, time_range)
values ('f5000000-0000-4000-8000-000000000010', 'b0000000-0000-4000-8000-000000000001', 'Usage',
        'How the organisation uses the platform.', '30d')
on conflict do nothing;

insert into public.dashboard_widgets (id, tenant_id, dashboard_id, kind, title, source, metric, saved_query_id) values
  ('f5000000-0000-4000-8000-000000000011', 'b0000000-0000-4000-8000-000000000001', 'f5000000-0000-4000-8000-000000000010',
   'line', 'API calls by day', 'query', null, 'f5000000-0000-4000-8000-000000000001'),
  ('f5000000-0000-4000-8000-000000000012', 'b0000000-0000-4000-8000-000000000001', 'f5000000-0000-4000-8000-000000000010',
   'kpi', 'API calls', 'metric', 'api_calls', null),
  ('f5000000-0000-4000-8000-000000000013', 'b0000000-0000-4000-8000-000000000001', 'f5000000-0000-4000-8000-000000000010',
   'bar', 'Active users', 'metric', 'active_users', null)
on conflict do nothing;

update public.dashboards set layout = '[
  {"widget": "f5000000-0000-4000-8000-000000000011", "x": 0, "y": 0, "w": 8, "h": 4},
  {"widget": "f5000000-0000-4000-8000-000000000012", "x": 8, "y": 0, "w": 4, "h": 2},
  {"widget": "f5000000-0000-4000-8000-000000000013", "x": 0, "y": 4, "w": 12, "h": 4}]'
where id = 'f5000000-0000-4000-8000-000000000010' and layout = '[]';

insert into public.announcements (id, audience, title, body)
values ('f5000000-0000-4000-8000-000000000020', 'all', 'Dashboards are here',
        'Build your own from Dashboards in the sidebar, and share a snapshot by link.')
on conflict do nothing;
