-- Webhook delivery: the enqueue trigger (one delivery per matching enabled endpoint, never for
-- webhook.test, one statement per bulk insert), claims (leases, SKIP LOCKED, rate limits, live
-- secrets), the record of an attempt (2xx, the retry schedule with jitter, Retry-After, 410,
-- disabling after days of failure, the last step) and who may call them (service_role only).
-- Claims racing across two sessions are proven on Postgres 15 by
-- tests/integration/webhook-delivery.test.ts. Own fixtures, prefixed t44-.
begin;
select plan(52);

select tests.create_tenant('t44-acme', 't44-owner');
select tests.create_tenant('t44-other', 't44-other-owner');

create temp table t44 (name text primary key, id uuid);
grant all on t44 to service_role;
with x as (insert into public.webhook_endpoints (tenant_id, url) values
  (tests.tenant_id('t44-acme'), 'https://all.example.test/hook') returning id)
insert into t44 select 'all', id from x;
with x as (insert into public.webhook_endpoints (tenant_id, url, event_types) values
  (tests.tenant_id('t44-acme'), 'https://projects.example.test/hook', '{project.created}') returning id)
insert into t44 select 'projects', id from x;
with x as (insert into public.webhook_endpoints (tenant_id, url, enabled, disabled_reason, disabled_at) values
  (tests.tenant_id('t44-acme'), 'https://off.example.test/hook', false, 'manual', now()) returning id)
insert into t44 select 'off', id from x;
with x as (insert into public.webhook_endpoints (tenant_id, url) values
  (tests.tenant_id('t44-other'), 'https://other.example.test/hook') returning id)
insert into t44 select 'elsewhere', id from x;
insert into public.webhook_endpoint_secrets (tenant_id, endpoint_id, sealed, created_at, expires_at)
select tests.tenant_id('t44-acme'), id, v.sealed, now() - v.age, v.expires
from t44, (values ('sealed-current', interval '0', null::timestamptz),
                  ('sealed-rotated', interval '1 day', now() + interval '1 hour'),
                  ('sealed-expired', interval '2 days', now() - interval '1 hour')) v(sealed, age, expires)
where name = 'all';
-- The 'projects' endpoint's secret is on the secrets store (20261204000000): a version of its owned secret.
insert into public.secrets (id, tenant_id, name, format, owner_type, owner_id)
select md5('t44-owned')::uuid, tests.tenant_id('t44-acme'), 'signing_secret', 'opaque', 'webhook_endpoint', id
from t44 where name = 'projects';
insert into public.secret_data_keys (id, tenant_id, secret_id, wrapped_key)
values (md5('t44-key')::uuid, tests.tenant_id('t44-acme'), md5('t44-owned')::uuid, 'v1.0a1b2c3d.aXY.d3JhcHBlZA');
insert into public.secret_versions (id, tenant_id, secret_id, owner_type, version, data_key_id, ciphertext)
values (md5('t44-version')::uuid, tests.tenant_id('t44-acme'), md5('t44-owned')::uuid, 'webhook_endpoint', 1, md5('t44-key')::uuid,
        'v1.aXY.c2VhbGVk');
insert into public.webhook_endpoint_secrets (id, tenant_id, endpoint_id, secret_version_id)
select md5('t44-version')::uuid, tests.tenant_id('t44-acme'), id, md5('t44-version')::uuid from t44 where name = 'projects';

-- Enqueue.
insert into t44 select 'member_event', private.publish_event(tests.tenant_id('t44-acme'), 'member.added', 'membership', 'm1');
select is((select array_agg(e.name order by e.name) from public.webhook_deliveries d join t44 e on e.id = d.endpoint_id
           where d.event_id = (select id from t44 where name = 'member_event')),
  array['all'], 'an event is queued for the enabled endpoints that want its type only (not the disabled, the filtered, another tenant''s)');
insert into t44 select 'project_event', private.publish_event(tests.tenant_id('t44-acme'), 'project.created', 'project', 'p1');
select is((select count(*)::int from public.webhook_deliveries d where d.event_id = (select id from t44 where name = 'project_event')),
  2, 'an event of a type an endpoint lists goes to it and to the all-types endpoint');
select is((select d.body from public.webhook_deliveries d join t44 e on e.id = d.endpoint_id and e.name = 'all'
           where d.event_id = (select id from t44 where name = 'member_event')),
  (select private.webhook_body(v) from public.events v where v.id = (select id from t44 where name = 'member_event')),
  'the body is private.webhook_body of the event');
select is((select (status, attempts, next_attempt_at = now()) from public.webhook_deliveries d
           where d.event_id = (select id from t44 where name = 'member_event')),
  row('pending'::text, 0, true), 'a new delivery is pending, not yet tried, due at once');
select private.publish_event(tests.tenant_id('t44-acme'), 'webhook.test', 'webhook_endpoint', 'x');
select is((select count(*)::int from public.webhook_deliveries
            where event_type = 'webhook.test' and tenant_id = tests.tenant_id('t44-acme')), 0,
  'webhook.test is never fanned out (its RPC sends it to one endpoint)');
select is((select count(*)::int from pg_trigger t where t.tgname = 'events_enqueue_webhooks'
           and t.tgrelid = 'public.events'::regclass and (t.tgtype & 1) = 0 and t.tgnewtable = 'new_events'),
  1, 'the enqueue trigger runs once per statement over a transition table');
insert into public.events (tenant_id, type, subject_type, subject_id, actor_type)
select tests.tenant_id('t44-acme'), 'team.created', 'team', 'bulk-' || i, 'system' from generate_series(1, 5) i;
select is((select count(*)::int from public.webhook_deliveries d join public.events v on v.id = d.event_id
           where v.subject_id like 'bulk-%'), 5, 'a bulk insert of five events queues five deliveries');
delete from public.webhook_deliveries d using public.events v where v.id = d.event_id and v.subject_id like 'bulk-%';

-- Grants: nobody but service_role claims, records or asks when the next is due.
select is(tests.try_as('anon', $$select * from public.claim_webhook_deliveries('w', 10, 60)$$), 'error:42501',
  'anon cannot claim deliveries');
select is(tests.try_as('t44-owner', $$select * from public.claim_webhook_deliveries('w', 10, 60)$$), 'error:42501',
  'a tenant''s owner cannot claim deliveries');
select is(tests.try_as('t44-owner', format($$select * from public.record_webhook_attempt(%L, 'w', now(), 1, 200, null)$$, gen_random_uuid())),
  'error:42501', 'a tenant''s owner cannot record an attempt');
select is(tests.try_as('t44-owner', $$select * from public.webhook_next_due()$$), 'error:42501',
  'a member cannot read the due time');
select ok(has_function_privilege('service_role', 'public.claim_webhook_deliveries(text, integer, integer)', 'execute')
  and has_function_privilege('service_role', 'public.record_webhook_attempt(uuid, text, timestamptz, integer, integer, text, jsonb, jsonb, text, text)', 'execute'),
  'service_role may claim and record');
select is(tests.try_as('service_role', $$select * from public.claim_webhook_deliveries('', 10, 60)$$), 'error:TN280',
  'a claim without a worker name is refused (TN280)');
select is(tests.try_as('service_role', $$select * from public.claim_webhook_deliveries('w', 0, 60)$$), 'error:TN280',
  'a claim of zero deliveries is refused (TN280)');

-- Claims.
select tests.authenticate_as_service_role('webhook.dispatch');
create temp table t44_claim as select * from public.claim_webhook_deliveries('worker-a', 10, 60);
select tests.clear_authentication();
select is((select count(*)::int from t44_claim), 3, 'the three due deliveries of enabled endpoints are claimed');
select is((select (attempt, url, webhook_id) from t44_claim c join public.webhook_deliveries d on d.id = c.delivery_id
           where d.event_id = (select id from t44 where name = 'member_event')),
  row(1, 'https://all.example.test/hook'::text, 'msg_' || replace((select id from t44 where name = 'member_event')::text, '-', '')),
  'a claim returns the attempt number, the URL and the webhook-id (msg_ and the event id without dashes)');
select is((select array_agg(s ->> 'sealed') from t44_claim c join public.webhook_deliveries d on d.id = c.delivery_id
           cross join jsonb_array_elements(c.secrets) s
           where d.event_id = (select id from t44 where name = 'member_event')),
  array['sealed-current', 'sealed-rotated'], 'the live secrets come with it, current first, the expired one not');
select is((select c.secrets from t44_claim c join public.webhook_deliveries d on d.id = c.delivery_id
           where d.endpoint_id = (select id from t44 where name = 'projects')),
  jsonb_build_array(jsonb_build_object('id', md5('t44-version')::uuid, 'version', jsonb_build_object(
    'tenant_id', tests.tenant_id('t44-acme'), 'secret_id', md5('t44-owned')::uuid, 'version_id', md5('t44-version')::uuid,
    'data_key_id', md5('t44-key')::uuid, 'wrapped_key', 'v1.0a1b2c3d.aXY.d3JhcHBlZA', 'ciphertext', 'v1.aXY.c2VhbGVk'))),
  'a secret on the secrets store comes as its sealed version: ids, wrapped data key and ciphertext (the dispatcher opens it)');
select is((select count(*)::int from public.webhook_deliveries where claimed_by = 'worker-a' and claimed_until = now() + interval '60 seconds'),
  3, 'the claimed deliveries carry the worker and its lease');
select tests.authenticate_as_service_role('webhook.dispatch');
select is((select count(*)::int from public.claim_webhook_deliveries('worker-b', 10, 60)), 0,
  'a leased delivery is not claimed again');
select tests.clear_authentication();
update public.webhook_deliveries set claimed_until = now() - interval '1 second'
 where event_id = (select id from t44 where name = 'project_event');
select tests.authenticate_as_service_role('webhook.dispatch');
select is((select count(*)::int from public.claim_webhook_deliveries('worker-b', 10, 60)), 2,
  'deliveries whose lease passed are retaken by another dispatcher');
select tests.clear_authentication();
select is(tests.try_as('service_role', format($$select * from public.record_webhook_attempt(
    (select id from public.webhook_deliveries where event_id = %L and endpoint_id = %L), 'worker-a', now(), 5, 200, null)$$,
    (select id from t44 where name = 'project_event'), (select id from t44 where name = 'all'))),
  'error:TN281', 'the dispatcher that lost its lease cannot record (TN281)');
select is(tests.try_as('service_role', format($$select * from public.record_webhook_attempt(
    (select id from public.webhook_deliveries where event_id = %L and endpoint_id = %L), 'worker-b', now(), 5, null, null)$$,
    (select id from t44 where name = 'project_event'), (select id from t44 where name = 'all'))),
  'error:TN282', 'an attempt with neither a status code nor an error is refused (TN282)');

-- Success.
update public.webhook_endpoints set failing_since = now() - interval '1 hour' where id = (select id from t44 where name = 'all');
select tests.authenticate_as_service_role('webhook.dispatch');
select is((select status from public.record_webhook_attempt(
    (select id from public.webhook_deliveries where event_id = (select id from t44 where name = 'member_event')),
    'worker-a', now(), 12, 204, null, '{"webhook-id": "msg_x"}', '{"server": "t"}', repeat('x', 5000))), 'succeeded',
  'a 2xx succeeds');
select tests.clear_authentication();
select is((select (d.status, d.attempts, d.claimed_by, d.completed_at is not null, d.last_status_code)
           from public.webhook_deliveries d where d.event_id = (select id from t44 where name = 'member_event')),
  row('succeeded'::text, 1, null::text, true, 204), 'the delivery is succeeded, its lease released');
select is((select (a.attempt, a.status_code, a.duration_ms, char_length(a.response_body), a.request_headers ->> 'webhook-id')
           from public.webhook_attempts a join public.webhook_deliveries d on d.id = a.delivery_id
           where d.event_id = (select id from t44 where name = 'member_event')),
  row(1, 204, 12, 1024, 'msg_x'::text), 'the attempt is recorded with its headers and the first KB of the response');
select is((select failing_since from public.webhook_endpoints where id = (select id from t44 where name = 'all')), null,
  'a success clears the endpoint''s failing_since');

-- A failure: the first step of the schedule with jitter, failing_since set.
select tests.authenticate_as_service_role('webhook.dispatch');
create temp table t44_fail as select * from public.record_webhook_attempt(
    (select id from public.webhook_deliveries where event_id = (select id from t44 where name = 'project_event') and endpoint_id = (select id from t44 where name = 'all')),
    'worker-b', now(), 30, 500, null, '{}', '{}', 'oops');
select tests.clear_authentication();
select is((select status from t44_fail), 'pending', 'a 500 leaves the delivery pending');
select ok((select next_attempt_at between now() + interval '4.5 seconds' and now() + interval '5.5 seconds' from t44_fail),
  'the next attempt is 5 s (± 10 %) after the first failure');
select is((select failing_since from public.webhook_endpoints where id = (select id from t44 where name = 'all')), now(),
  'the first failure sets the endpoint''s failing_since');
select is((select (last_status_code, last_error, claimed_by) from public.webhook_deliveries
           where event_id = (select id from t44 where name = 'project_event') and endpoint_id = (select id from t44 where name = 'all')),
  row(500, 'The endpoint answered 500.'::text, null::text), 'the delivery keeps the last status and a sentence');

-- The schedule and its jitter.
select is((select array_agg(extract(epoch from private.webhook_retry_delay(n::int)) / s between 0.9 and 1.1 order by n)
           from unnest(array[5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]) with ordinality x(s, n)),
  array_fill(true, array[9]), 'each step is the Standard Webhooks schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h');
select ok((select min(r) >= 0.9 and max(r) <= 1.1 and max(r) - min(r) > 0.1
           from (select extract(epoch from private.webhook_retry_delay(n::int)) / s as r
                 from unnest(array[5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]) with ordinality x(s, n),
                      generate_series(1, 200)) j),
  'the jitter stays within ± 10 % and varies');
select is(private.webhook_retry_delay(10), null, 'after the ninth retry there is no next step');

-- Retry-After.
select is(private.webhook_retry_after('120'), interval '120 seconds', 'Retry-After in seconds');
select is(private.webhook_retry_after(to_char((now() + interval '1 hour') at time zone 'GMT', 'Dy, DD Mon YYYY HH24:MI:SS "GMT"')),
  date_trunc('second', now() + interval '1 hour') - now(), 'Retry-After as an HTTP date');
select is(private.webhook_retry_after('999999'), interval '24 hours', 'Retry-After is capped at 24 hours');
select is(private.webhook_retry_after('soon'), null, 'an unreadable Retry-After is ignored');
update public.webhook_deliveries set next_attempt_at = now(), claimed_by = 'worker-c', claimed_until = now() + interval '1 minute'
 where event_id = (select id from t44 where name = 'project_event') and endpoint_id = (select id from t44 where name = 'all');
select tests.authenticate_as_service_role('webhook.dispatch');
select is((select next_attempt_at from public.record_webhook_attempt(
    (select id from public.webhook_deliveries where event_id = (select id from t44 where name = 'project_event') and endpoint_id = (select id from t44 where name = 'all')),
    'worker-c', now(), 3, 429, null, '{}', '{}', '', '3600')), now() + interval '1 hour',
  'a 429 with Retry-After later than the schedule waits as long as it asks');
select tests.clear_authentication();

-- After the last step: failed.
update public.webhook_deliveries set attempts = 9, next_attempt_at = now(), claimed_by = 'worker-c', claimed_until = now() + interval '1 minute'
 where event_id = (select id from t44 where name = 'project_event') and endpoint_id = (select id from t44 where name = 'all');
update public.webhook_endpoints set failing_since = now() - interval '1 day' where id = (select id from t44 where name = 'all');
select tests.authenticate_as_service_role('webhook.dispatch');
select is((select (status, attempt) from public.record_webhook_attempt(
    (select id from public.webhook_deliveries where event_id = (select id from t44 where name = 'project_event') and endpoint_id = (select id from t44 where name = 'all')),
    'worker-c', now(), 3, null, 'connection refused')), row('failed'::text, 10), 'the tenth failed attempt fails the delivery');
select tests.clear_authentication();
select is((select enabled from public.webhook_endpoints where id = (select id from t44 where name = 'all')), true,
  'an endpoint failing for a day stays enabled');

-- 410: the endpoint is gone.
insert into t44 select 'gone_event', private.publish_event(tests.tenant_id('t44-acme'), 'project.created', 'project', 'p2');
update public.webhook_deliveries set claimed_by = 'worker-d', claimed_until = now() + interval '1 minute'
 where event_id = (select id from t44 where name = 'gone_event') and endpoint_id = (select id from t44 where name = 'projects');
update public.webhook_deliveries set status = 'pending', completed_at = null
 where event_id = (select id from t44 where name = 'project_event') and endpoint_id = (select id from t44 where name = 'projects');
select tests.authenticate_as_service_role('webhook.dispatch');
select is((select status from public.record_webhook_attempt(
    (select id from public.webhook_deliveries where event_id = (select id from t44 where name = 'gone_event') and endpoint_id = (select id from t44 where name = 'projects')),
    'worker-d', now(), 3, 410, null)), 'failed', 'a 410 fails the delivery');
select tests.clear_authentication();
select is((select (enabled, disabled_reason) from public.webhook_endpoints where id = (select id from t44 where name = 'projects')),
  row(false, 'gone'::text), 'a 410 disables the endpoint (gone)');
select is((select array_agg(distinct status) from public.webhook_deliveries where endpoint_id = (select id from t44 where name = 'projects')),
  array['failed'], 'the gone endpoint''s pending deliveries are failed');
select is((select count(*)::int from public.events where type = 'webhook.endpoint_disabled'
           and subject_id = (select id from t44 where name = 'projects')::text and payload ->> 'reason' = 'gone'),
  1, 'webhook.endpoint_disabled is published for the gone endpoint');

-- Failing for longer than webhooks.disable_after_hours: disabled, the tenant told.
update public.webhook_endpoints set failing_since = now() - interval '121 hours' where id = (select id from t44 where name = 'all');
insert into t44 select 'late_event', private.publish_event(tests.tenant_id('t44-acme'), 'team.created', 'team', 't9');
update public.webhook_deliveries set claimed_by = 'worker-e', claimed_until = now() + interval '1 minute'
 where event_id = (select id from t44 where name = 'late_event');
select tests.authenticate_as_service_role('webhook.dispatch');
select is((select status from public.record_webhook_attempt(
    (select id from public.webhook_deliveries where event_id = (select id from t44 where name = 'late_event')),
    'worker-e', now(), 3, 503, null)), 'failed', 'a failure after five days of failures fails the delivery');
select tests.clear_authentication();
select is((select (enabled, disabled_reason) from public.webhook_endpoints where id = (select id from t44 where name = 'all')),
  row(false, 'failing'::text), 'the endpoint is disabled (failing)');
select is((select count(*)::int from public.events where type = 'webhook.endpoint_disabled'
           and subject_id = (select id from t44 where name = 'all')::text and payload ->> 'reason' = 'failing'),
  1, 'webhook.endpoint_disabled is published, so the tenant is notified');

-- Rate limits.
update public.webhook_endpoints set rate_limit_per_second = 2 where id = (select id from t44 where name = 'elsewhere');
insert into public.events (tenant_id, type, subject_type, subject_id, actor_type)
select tests.tenant_id('t44-other'), 'team.created', 'team', 'rate-' || i, 'system' from generate_series(1, 5) i;
select tests.authenticate_as_service_role('webhook.dispatch');
select is((select count(*)::int from public.claim_webhook_deliveries('worker-f', 100, 60)), 2,
  'an endpoint limited to 2 per second gets 2 of its 5 due deliveries');
select is((select count(*)::int from public.claim_webhook_deliveries('worker-g', 100, 60)), 0,
  'and no more while those are in flight');
select tests.clear_authentication();
with x as (insert into public.webhook_endpoints (tenant_id, url, event_types) values
  (tests.tenant_id('t44-other'), 'https://unlimited.example.test/hook', '{team.deleted}') returning id)
insert into t44 select 'unlimited', id from x;
update public.webhook_endpoints set rate_limit_per_second = 1 where id = (select id from t44 where name = 'elsewhere');
insert into public.events (tenant_id, type, subject_type, subject_id, actor_type)
select tests.tenant_id('t44-other'), 'team.created', 'team', 'crowd-' || i, 'system' from generate_series(1, 20) i;
insert into public.events (tenant_id, type, subject_type, subject_id, actor_type)
values (tests.tenant_id('t44-other'), 'team.deleted', 'team', 'late', 'system');
select tests.authenticate_as_service_role('webhook.dispatch');
select is((select array_agg(d.endpoint_id = (select id from t44 where name = 'unlimited'))
           from public.claim_webhook_deliveries('worker-h', 5, 60) c join public.webhook_deliveries d on d.id = c.delivery_id),
  array[true], 'an endpoint at its rate limit does not crowd another out of a small batch');
select ok(public.webhook_next_due() <= now(), 'the waker sees deliveries due now');
select tests.clear_authentication();

select * from finish();
rollback;
