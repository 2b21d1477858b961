-- BI alerts demo data (docs/bi-alerts.md), after 41_bi.sql: Acme's three alerts — an anomaly on
-- the hourly API calls, a threshold on active users (below 1 for an hour, with one firing in its
-- history, resolved), and a weekday schedule sending the saved query "API calls by day" — told in
-- the app (and the threshold by email). Idempotent: fixed ids, `on conflict do nothing`, and the
-- history written only while the alert has none (before its channels exist: nobody is told).

insert into public.alerts (id, tenant_id, name, source, metric, saved_query_id, kind, comparison, threshold,
                           for_minutes, schedule_cron, created_by) values
  ('f5000000-0000-4000-8000-00000000a001', 'b0000000-0000-4000-8000-000000000001', 'API calls unlike past weeks',
   'metric', 'api_calls', null, 'anomaly', null, null, 0, null, 'a0000000-0000-4000-8000-000000000011'),
  ('f5000000-0000-4000-8000-00000000a002', 'b0000000-0000-4000-8000-000000000001', 'Nobody active',
   'metric', 'active_users', null, 'threshold', 'below', 1, 60, null, 'a0000000-0000-4000-8000-000000000011'),
  ('f5000000-0000-4000-8000-00000000a003', 'b0000000-0000-4000-8000-000000000001', 'API calls every weekday',
   'query', null, 'f5000000-0000-4000-8000-000000000001', 'schedule', null, null, 0, '0 9 * * 1-5',
   'a0000000-0000-4000-8000-000000000011')
on conflict do nothing;

select private.record_alert_result('f5000000-0000-4000-8000-00000000a002', t.at, t.value, t.breached)
from (values (now() - interval '3 days 2 hours', 0, true), (now() - interval '3 days 1 hour', 0, true),
             (now() - interval '3 days', 2, false)) t (at, value, breached)
where not exists (select 1 from public.alert_events e where e.alert_id = 'f5000000-0000-4000-8000-00000000a002')
order by t.at;

insert into public.alert_channels (tenant_id, alert_id, kind) values
  ('b0000000-0000-4000-8000-000000000001', 'f5000000-0000-4000-8000-00000000a001', 'in_app'),
  ('b0000000-0000-4000-8000-000000000001', 'f5000000-0000-4000-8000-00000000a002', 'in_app'),
  ('b0000000-0000-4000-8000-000000000001', 'f5000000-0000-4000-8000-00000000a002', 'email'),
  ('b0000000-0000-4000-8000-000000000001', 'f5000000-0000-4000-8000-00000000a003', 'in_app')
on conflict do nothing;
