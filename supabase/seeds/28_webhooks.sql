-- Webhooks demo data (docs/webhooks.md), after supabase/seed.sql: one Acme endpoint to a loopback
-- receiver, turned off, so the page is populated and no traffic leaves the machine (nothing is
-- sent to an endpoint that is off, and loopback is refused unless WEBHOOK_ALLOW_LOOPBACK is on).
-- Its log holds three test sends of the past days with their attempts (one retried, one answered
-- 500), for the delivery log and the success-rate chart. It has no signing secret: a secret is
-- sealed by the app under its own key, which SQL does not have; "Rotate secret" makes one.
-- Idempotent: fixed ids, nothing written twice.

insert into public.webhook_endpoints (id, tenant_id, url, description, event_types, enabled, disabled_reason, disabled_at,
                                      created_by, created_at)
values ('e1000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'http://127.0.0.1:4000/webhooks',
        'Demo receiver on this machine (turn on with WEBHOOK_ALLOW_LOOPBACK=true)', '{member.added,project.created}',
        false, 'manual', now() - interval '1 day', 'a0000000-0000-4000-8000-000000000011', now() - interval '4 days')
on conflict (id) do nothing;

-- The sample test events, written directly with their past times (the demo's history).
insert into public.events (id, tenant_id, type, subject_type, subject_id, payload, actor_type, actor_id, occurred_at)
select e.id::uuid, 'b0000000-0000-4000-8000-000000000001', 'webhook.test', 'webhook_endpoint',
       'e1000000-0000-4000-8000-000000000001',
       jsonb_build_object('endpoint_id', 'e1000000-0000-4000-8000-000000000001',
                          'message', 'A test event sent from Tenantry on request.'),
       'user', 'a0000000-0000-4000-8000-000000000011', now() - e.age
-- Whole days apart, so the three land on three calendar days whatever the hour and time zone.
from (values ('e2000000-0000-4000-8000-000000000001', interval '3 days 1 hour'),
             ('e2000000-0000-4000-8000-000000000002', interval '2 days 1 hour'),
             ('e2000000-0000-4000-8000-000000000003', interval '1 day 1 hour')) e(id, age)
on conflict (id) do nothing;

insert into public.webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, body, status, attempts,
                                       next_attempt_at, last_status_code, created_at, completed_at)
select d.id::uuid, ev.tenant_id, 'e1000000-0000-4000-8000-000000000001', ev.id, ev.type, private.webhook_body(ev),
       d.status, d.attempts, ev.occurred_at, d.last_status_code, ev.occurred_at, ev.occurred_at + interval '6 seconds'
from (values ('e3000000-0000-4000-8000-000000000001', 'e2000000-0000-4000-8000-000000000001', 'succeeded', 1, 200),
             ('e3000000-0000-4000-8000-000000000002', 'e2000000-0000-4000-8000-000000000002', 'succeeded', 2, 204),
             ('e3000000-0000-4000-8000-000000000003', 'e2000000-0000-4000-8000-000000000003', 'failed', 1, 500))
       d(id, event_id, status, attempts, last_status_code)
join public.events ev on ev.id = d.event_id::uuid
on conflict (id) do nothing;

insert into public.webhook_attempts (tenant_id, delivery_id, endpoint_id, attempt, started_at, duration_ms, status_code,
                                     request_headers, response_headers, response_body)
select d.tenant_id, d.id, d.endpoint_id, a.attempt, d.created_at + a.after, a.duration_ms, a.status_code,
       jsonb_build_object('content-type', 'application/json',
                          'webhook-id', 'msg_' || replace(d.event_id::text, '-', ''),
                          'webhook-timestamp', extract(epoch from date_trunc('second', d.created_at + a.after))::bigint::text,
                          'webhook-signature', 'v1,(demo data: not signed)'),
       jsonb_build_object('content-type', 'text/plain'), a.response_body
from (values ('e3000000-0000-4000-8000-000000000001', 1, interval '1 second', 41, 200, 'ok'),
             ('e3000000-0000-4000-8000-000000000002', 1, interval '1 second', 3012, 503, 'busy, retry later'),
             ('e3000000-0000-4000-8000-000000000002', 2, interval '6 seconds', 38, 204, null),
             ('e3000000-0000-4000-8000-000000000003', 1, interval '1 second', 57, 500, 'internal error'))
       a(delivery_id, attempt, after, duration_ms, status_code, response_body)
join public.webhook_deliveries d on d.id = a.delivery_id::uuid
on conflict (delivery_id, attempt) do nothing;
