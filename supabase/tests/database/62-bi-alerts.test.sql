-- BI alerts (20261206000100_bi_alerts.sql): the persona matrix of alerts, alert_channels and
-- alert_events (dashboards.read reads, alerts.manage writes alerts and channels, nobody but the
-- job writes the history; another tenant, staff and anon nothing); the rules and their codes; the
-- evaluator's state machine (for N minutes, one open firing, resolution, mute, snooze, schedule
-- ticks once); the channels (the event's payload.channels narrows the fan-out; a Slack channel
-- queues a bi.alert_slack job); evaluate_alert_now.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor; globex:
-- frank owner, gina developer; erin in no tenant; sue support staff).
begin;
select plan(187);

select tests.seed_fixture();

insert into public.alerts (tenant_id, name, source, metric, kind, comparison, threshold, for_minutes) values
  (tests.tenant_id('test-acme'), 'Calls high', 'metric', 'api_calls', 'threshold', 'above', 100, 10),
  (tests.tenant_id('test-globex'), 'Calls high', 'metric', 'api_calls', 'threshold', 'above', 100, 0);
-- A history for each (fired and resolved, as the job), before the alerts have channels (nobody told).
select tests.authenticate_as_service_role('bi.alerts');
select private.record_alert_result(a.id, t.at::timestamptz, t.value, t.breached)
from public.alerts a
cross join (values ('2026-11-30T08:00:00Z', 150, true), ('2026-11-30T08:10:00Z', 150, true),
                   ('2026-11-30T09:00:00Z', 50, false)) t (at, value, breached)
where a.tenant_id = any (tests.fixture_tenant_ids())
order by a.tenant_id, t.at;
select tests.clear_authentication();
insert into public.alert_channels (tenant_id, alert_id, kind)
select a.tenant_id, a.id, 'in_app' from public.alerts a where a.tenant_id = any (tests.fixture_tenant_ids());

-- ---------------------------------------------------------------------------------------------
-- The persona matrix (fixture tenants only)
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases
select c.tbl, c.op, replace(replace(replace(c.stmt,
  ':fixture', quote_literal(tests.fixture_tenant_ids()::text)),
  ':acme', quote_literal(tests.tenant_id('test-acme'))),
  ':alert', quote_literal((select id from public.alerts where tenant_id = tests.tenant_id('test-acme'))))
from (values
  ('alerts', 'select', 'select id from public.alerts where tenant_id = any (:fixture::uuid[])'),
  ('alerts', 'insert', 'insert into public.alerts (tenant_id, name, source, metric, kind, comparison, threshold) values (:acme, ''Probe'', ''metric'', ''emails_sent'', ''threshold'', ''below'', 1)'),
  ('alerts', 'update', 'update public.alerts set threshold = 5 where tenant_id = any (:fixture::uuid[])'),
  ('alerts', 'delete', 'delete from public.alerts where tenant_id = any (:fixture::uuid[])'),
  ('alert_channels', 'select', 'select id from public.alert_channels where tenant_id = any (:fixture::uuid[])'),
  ('alert_channels', 'insert', 'insert into public.alert_channels (tenant_id, alert_id, kind) values (:acme, :alert, ''email'')'),
  ('alert_channels', 'update', 'update public.alert_channels set slack_channel = null where tenant_id = any (:fixture::uuid[])'),
  ('alert_channels', 'delete', 'delete from public.alert_channels where tenant_id = any (:fixture::uuid[])'),
  ('alert_events', 'select', 'select id from public.alert_events where tenant_id = any (:fixture::uuid[])'),
  ('alert_events', 'insert', 'insert into public.alert_events (tenant_id, alert_id, status, value, started_at) values (:acme, :alert, ''firing'', 1, now())'),
  ('alert_events', 'update', 'update public.alert_events set status = ''firing'', resolved_at = null where tenant_id = any (:fixture::uuid[])'),
  ('alert_events', 'delete', 'delete from public.alert_events where tenant_id = any (:fixture::uuid[])')
) as c (tbl, op, stmt);

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected
select t.tbl, p.persona, p.sel,
       case when t.tbl = 'alert_events' then 'error:42501' else p.ins end,
       case when t.tbl = 'alert_events' then 'error:42501' else p.upd end,
       case when t.tbl = 'alert_events' then 'error:42501' else p.del end
from (values ('alerts'), ('alert_channels'), ('alert_events')) t (tbl)
cross join (values
  ('anon', 'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('alice', 'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('bob', 'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('carol', 'rows:1', 'error:42501', 'ok:0', 'ok:0'),
  ('dave', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('erin', 'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('frank', 'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('gina', 'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('sue', 'rows:0', 'error:42501', 'ok:0', 'ok:0')) p (persona, sel, ins, upd, del);

select tests.persona_matrix();

select is(tests.try_as('service_role', format($$insert into public.alert_events (tenant_id, alert_id, status, value, started_at)
  select tenant_id, id, 'firing', 1, now() from public.alerts where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:42501', 'not even service_role writes alert_events directly: the job''s definer functions do');
select is(tests.try_as('alice', format($$update public.alerts set state = 'firing' where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:42501', 'the evaluator''s state is not writable through the API');
select is(tests.try_as('alice', $$select private.record_alert_result(gen_random_uuid(), now(), 1, true)$$),
  'error:42501', 'a member cannot record an evaluation');

-- ---------------------------------------------------------------------------------------------
-- Rules in words
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', format($$insert into public.alerts (tenant_id, name, source, metric, kind, comparison, threshold) values (%L, '  ', 'metric', 'api_calls', 'threshold', 'above', 1)$$, tests.tenant_id('test-acme'))),
  'error:TN535', 'an alert needs a name (TN535)');
select is(tests.try_as('alice', format($$insert into public.alerts (tenant_id, name, source, metric, kind, comparison, threshold) values (%L, 'calls HIGH', 'metric', 'api_calls', 'threshold', 'above', 1)$$, tests.tenant_id('test-acme'))),
  'error:TN535', 'and a name the tenant has not used, whatever the case (TN535)');
select is(tests.try_as('alice', format($$insert into public.alerts (tenant_id, name, source, saved_query_id, kind, comparison, threshold) values (%L, 'Q', 'query', gen_random_uuid(), 'threshold', 'above', 1)$$, tests.tenant_id('test-acme'))),
  'error:TN536', 'a saved query that is not the tenant''s is refused (TN536)');
select is(tests.try_as('alice', format($$insert into public.alerts (tenant_id, name, source, widget_id, kind, comparison, threshold)
  select %L, 'W', 'widget', w.id, 'threshold', 'above', 1 from public.dashboard_widgets w where w.tenant_id = %L limit 1$$,
  tests.tenant_id('test-acme'), tests.tenant_id('test-globex'))),
  'ok:0', 'another tenant''s widget is not even visible to alice');
select is(tests.try_as('alice', format($$insert into public.alerts (tenant_id, name, source, metric, kind, threshold) values (%L, 'T', 'metric', 'api_calls', 'threshold', 1)$$, tests.tenant_id('test-acme'))),
  'error:TN537', 'a threshold needs above or below (TN537)');
select is(tests.try_as('alice', format($$insert into public.alerts (tenant_id, name, source, metric, kind, comparison, threshold, for_minutes) values (%L, 'T', 'metric', 'api_calls', 'threshold', 'above', 1, 2000)$$, tests.tenant_id('test-acme'))),
  'error:TN537', 'and at most 1440 minutes in breach (TN537)');
select is(tests.try_as('alice', format($$insert into public.alerts (tenant_id, name, source, metric, kind, anomaly_weeks) values (%L, 'A', 'metric', 'api_calls', 'anomaly', 20)$$, tests.tenant_id('test-acme'))),
  'error:TN538', 'an anomaly baseline is 2 to 12 weeks (TN538)');
select is(tests.try_as('alice', format($$insert into public.alerts (tenant_id, name, source, saved_query_id, kind)
  select %1$L, 'A', 'query', q.id, 'anomaly' from public.saved_queries q where q.tenant_id = %1$L limit 1$$, tests.tenant_id('test-acme'))),
  'ok:0', '(acme has no saved query in the fixture)');
select is(tests.try_as('alice', format($$insert into public.alerts (tenant_id, name, source, metric, kind, schedule_cron) values (%L, 'S', 'metric', 'api_calls', 'schedule', '0 9 * *')$$, tests.tenant_id('test-acme'))),
  'error:TN539', 'a schedule has five cron fields (TN539)');
select is(tests.try_as('alice', format($$update public.alerts set snoozed_until = now() - interval '1 minute' where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:TN541', 'a snooze ends in the future (TN541)');
select is(tests.try_as('alice', format($$update public.alerts set snoozed_until = now() + interval '31 days' where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:TN541', 'within 30 days (TN541)');
select is(tests.try_as('alice', format($$insert into public.alert_channels (tenant_id, alert_id, kind, slack_integration_id, slack_channel)
  select a.tenant_id, a.id, 'slack', gen_random_uuid(), '#ops' from public.alerts a where a.tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:TN540', 'a Slack channel names a Slack integration of the tenant (TN540)');
select is(tests.try_as('alice', format($$insert into public.alert_channels (tenant_id, alert_id, kind, slack_channel)
  select a.tenant_id, a.id, 'email', '#ops' from public.alerts a where a.tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:TN540', 'only a Slack channel names a channel (TN540)');
select is(tests.try_as('alice', format($$update public.alert_channels set alert_id = gen_random_uuid() where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:42501', 'a channel''s alert is not writable');
select is(tests.try_as('alice', format($$update public.alerts set kind = 'anomaly' where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'ok:1', 'a threshold alert on a metric can become an anomaly alert');
select is(tests.try_as('alice', format($$update public.alerts set muted = true, snoozed_until = now() + interval '1 hour' where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'ok:1', 'alerts.manage mutes and snoozes');
select is(tests.try_as('carol', format($$update public.alerts set muted = true where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'ok:0', 'a viewer does not');

-- ---------------------------------------------------------------------------------------------
-- The evaluator's state machine (as the job)
-- ---------------------------------------------------------------------------------------------

create temp table acme_alert as select id from public.alerts where tenant_id = tests.tenant_id('test-acme');
grant select on acme_alert to service_role;
insert into public.alert_channels (tenant_id, alert_id, kind) select tests.tenant_id('test-acme'), id, 'email' from acme_alert;

select tests.authenticate_as_service_role('bi.alerts');
select is(private.record_alert_result((select id from acme_alert), '2026-12-01T10:00:00Z', 150, true, '{"threshold": 100}'),
  'pending', 'in breach: pending until it has lasted 10 minutes');
select is(private.record_alert_result((select id from acme_alert), '2026-12-01T10:05:00Z', 160, true),
  'pending', 'still pending five minutes in');
select is(private.record_alert_result((select id from acme_alert), '2026-12-01T10:10:00Z', 170, true),
  'fired', 'fires when the breach has lasted its 10 minutes');
select is(private.record_alert_result((select id from acme_alert), '2026-12-01T10:11:00Z', 180, true),
  'firing', 'a breach that goes on fires no more');
select is(private.record_alert_result((select id from acme_alert), '2026-12-01T10:12:00Z', 190, true),
  'firing', 'nor on the next evaluation');
select tests.clear_authentication();
select is((select count(*)::int from public.alert_events e join acme_alert a on a.id = e.alert_id where e.status = 'firing'),
  1, 'one open firing');
select results_eq($$select e.value, e.started_at, e.notified, e.detail from public.alert_events e join acme_alert a on a.id = e.alert_id where e.status = 'firing'$$,
  $$values (170::numeric, '2026-12-01T10:10:00Z'::timestamptz, true, '{}'::jsonb)$$, 'with its value and time, notified');
select is((select count(*)::int from public.events e where e.type = 'alert.fired' and e.subject_id = (select id::text from acme_alert)),
  1, 'one alert.fired event (the webhook endpoints subscribed to it get it)');
select is((select e.payload -> 'channels' from public.events e where e.type = 'alert.fired' and e.subject_id = (select id::text from acme_alert)),
  '["email", "in_app"]'::jsonb, 'naming the alert''s channels');
select is((select e.actor_job from public.events e where e.type = 'alert.fired' and e.subject_id = (select id::text from acme_alert)),
  'bi.alerts', 'published by the bi.alerts job');
select is((select state from public.alerts where id = (select id from acme_alert)), 'firing', 'the alert is firing');

-- A breach that ends before its minutes: no firing.
select tests.authenticate_as_service_role('bi.alerts');
select is(private.record_alert_result((select id from acme_alert), '2026-12-01T11:00:00Z', 50, false),
  'resolved', 'back under: resolved');
select is(private.record_alert_result((select id from acme_alert), '2026-12-01T11:01:00Z', 40, false),
  'ok', 'and ok after that');
select is(private.record_alert_result((select id from acme_alert), '2026-12-01T11:02:00Z', 150, true),
  'pending', 'a new breach waits again');
select is(private.record_alert_result((select id from acme_alert), '2026-12-01T11:08:00Z', 40, false),
  'ok', 'ending six minutes in');
select is(private.record_alert_result((select id from acme_alert), '2026-12-01T11:09:00Z', 150, true),
  'pending', 'the next breach counts from its own start');
select is(private.record_alert_result((select id from acme_alert), '2026-12-01T11:18:00Z', 150, true),
  'pending', 'nine minutes later still pending (not 16 minutes of the two breaches)');
select tests.clear_authentication();
select results_eq($$select e.status, e.resolved_at, e.resolved_value from public.alert_events e join acme_alert a on a.id = e.alert_id where e.started_at = '2026-12-01T10:10:00Z'$$,
  $$values ('resolved'::text, '2026-12-01T11:00:00Z'::timestamptz, 50::numeric)$$, 'the firing is resolved with its time and value');
select is((select count(*)::int from public.events e where e.type = 'alert.resolved' and e.subject_id = (select id::text from acme_alert)),
  1, 'one alert.resolved event');
select is((select count(*)::int from public.alert_events e join acme_alert a on a.id = e.alert_id), 2,
  'the history holds the fixture''s event and the firing');
select is((select count(*)::int from public.audit_logs l where l.target_type = 'alerts' and l.target_id = (select id::text from acme_alert)
           and l.action = 'update' and l.actor_job = 'bi.alerts'), 0, 'evaluations are not audit rows');

-- The fan-out honours the alert's channels: in the app and by email to alerts.manage holders.
select tests.authenticate_as_service_role('notifications.fan_out');
select ok((select count(*) from private.fan_out_notifications(100)) >= 0, 'the fan-out runs');
select tests.clear_authentication();
select results_eq($$select p.email::text from public.notifications n join public.profiles p on p.id = n.user_id
                    where n.kind = 'alert.fired' and n.tenant_id = tests.tenant_id('test-acme') order by 1$$,
  $$values ('alice@example.test'), ('bob@example.test')$$, 'the holders of alerts.manage are told in the app');
select is((select count(*)::int from private.notification_mail m where m.kind = 'alert.fired' and m.tenant_id = tests.tenant_id('test-acme')),
  2, 'and by email');
select is((select n.body from public.notifications n where n.kind = 'alert.fired' and n.tenant_id = tests.tenant_id('test-acme') limit 1),
  'Calls high fired: 170', 'saying which alert and its value');
delete from public.alert_channels where kind = 'email' and alert_id = (select id from acme_alert);

-- Mute: recorded, nobody told.
update public.alerts set muted = true where id = (select id from acme_alert);
select tests.authenticate_as_service_role('bi.alerts');
select is(private.record_alert_result((select id from acme_alert), '2026-12-01T11:20:00Z', 150, true),
  'fired', 'a muted alert fires');
select tests.clear_authentication();
select results_eq($$select e.notified from public.alert_events e join acme_alert a on a.id = e.alert_id where e.status = 'firing'$$,
  $$values (false)$$, 'its event is recorded, not notified');
select is((select count(*)::int from public.events e where e.type = 'alert.fired' and e.subject_id = (select id::text from acme_alert)),
  1, 'and no event is published');
update public.alerts set muted = false, snoozed_until = now() + interval '1 hour' where id = (select id from acme_alert);
select tests.authenticate_as_service_role('bi.alerts');
select is(private.record_alert_result((select id from acme_alert), now(), 10, false),
  'resolved', 'a snoozed alert resolves');
select tests.clear_authentication();
select is((select count(*)::int from public.events e where e.type = 'alert.resolved' and e.subject_id = (select id::text from acme_alert)),
  1, 'telling nobody while snoozed');
update public.alerts set snoozed_until = null where id = (select id from acme_alert);

-- The fan-out, with only in_app: no mail.
select tests.authenticate_as_service_role('bi.alerts');
select is(private.record_alert_result((select id from acme_alert), now() + interval '1 minute', 500, true),
  'pending', 'breach again');
select is(private.record_alert_result((select id from acme_alert), now() + interval '11 minutes', 500, true),
  'fired', 'fires again after 10 minutes');
select tests.authenticate_as_service_role('notifications.fan_out');
select ok((select count(*) from private.fan_out_notifications(100)) >= 0, 'the fan-out runs again');
select tests.clear_authentication();
select is((select count(*)::int from public.notifications n where n.kind = 'alert.fired' and n.tenant_id = tests.tenant_id('test-acme')),
  4, 'two more in-app notifications');
select is((select count(*)::int from private.notification_mail m where m.kind = 'alert.fired' and m.tenant_id = tests.tenant_id('test-acme')),
  2, 'and no more mail: the alert no longer emails');

-- A Slack channel queues a bi.alert_slack job for the firing.
insert into public.integrations (tenant_id, type, name) values (tests.tenant_id('test-acme'), 'slack', 'Acme Slack');
insert into public.alert_channels (tenant_id, alert_id, kind, slack_integration_id, slack_channel)
select tests.tenant_id('test-acme'), a.id, 'slack', i.id, '#ops' from acme_alert a
join public.integrations i on i.tenant_id = tests.tenant_id('test-acme') and i.name = 'Acme Slack';
select tests.authenticate_as_service_role('bi.alerts');
select is(private.record_alert_result((select id from acme_alert), now() + interval '12 minutes', 1, false),
  'resolved', 'resolved with a Slack channel');
select is((select count(*)::int from public.jobs j where j.queue = 'bi.alert_slack' and j.tenant_id = tests.tenant_id('test-acme')),
  1, 'queues one bi.alert_slack job');
select results_eq($$select m.channel, m.title, m.body from public.jobs j
                    cross join lateral private.alert_slack_message((j.payload ->> 'event_id')::uuid, (j.payload ->> 'channel_id')::uuid) m
                    where j.queue = 'bi.alert_slack'$$,
  $$values ('#ops'::text, 'Alert resolved'::text, 'Calls high resolved: 1'::text)$$, 'which posts the resolution to #ops');
select tests.clear_authentication();

-- Two evaluations of the same breach open one firing (the index; tests/integration/bi-alerts.test.ts
-- proves it with two connections at once on Postgres 15).
select tests.clear_authentication();
update public.alerts set for_minutes = 0 where id = (select id from acme_alert);
select tests.authenticate_as_service_role('bi.alerts');
select is(private.record_alert_result((select id from acme_alert), now() + interval '13 minutes', 900, true), 'fired', 'fires at once with 0 minutes');
select is(private.record_alert_result((select id from acme_alert), now() + interval '13 minutes', 900, true), 'firing',
  'the same evaluation twice opens no second firing');
select tests.clear_authentication();
select is((select count(*)::int from public.alert_events e join acme_alert a on a.id = e.alert_id where e.status = 'firing'), 1,
  'one open firing');

-- ---------------------------------------------------------------------------------------------
-- Schedules
-- ---------------------------------------------------------------------------------------------

insert into public.alerts (tenant_id, name, source, metric, kind, schedule_cron) values
  (tests.tenant_id('test-acme'), 'Daily calls', 'metric', 'api_calls', 'schedule', '0 9 * * *');
insert into public.alert_channels (tenant_id, alert_id, kind)
select tenant_id, id, 'in_app' from public.alerts where name = 'Daily calls';
create temp table schedule_alert as select id from public.alerts where name = 'Daily calls';
grant select on schedule_alert to service_role;
select tests.authenticate_as_service_role('bi.alerts');
select ok(exists (select 1 from private.alerts_due(now()) d where d.alert_id = (select id from schedule_alert)),
  'a schedule without its next tick is due (to compute it)');
select is(private.record_alert_schedule((select id from schedule_alert), null, '2026-12-02T08:00:00Z', null),
  'scheduled', 'the first computation sets the next tick');
select is(private.record_alert_schedule((select id from schedule_alert), null, '2026-12-03T08:00:00Z', null),
  'taken', 'a scheduler holding no tick changes nothing then');
select ok(not exists (select 1 from private.alerts_due('2026-12-02T07:59:00Z') d where d.alert_id = (select id from schedule_alert)),
  'not due before its tick');
select ok(exists (select 1 from private.alerts_due('2026-12-02T08:00:00Z') d where d.alert_id = (select id from schedule_alert)),
  'due at its tick');
select is(private.record_alert_schedule((select id from schedule_alert), '2026-12-02T08:00:00Z', '2026-12-03T08:00:00Z', 42),
  'sent', 'the tick sends the value');
select is(private.record_alert_schedule((select id from schedule_alert), '2026-12-02T08:00:00Z', '2026-12-03T08:00:00Z', 42),
  'taken', 'a second scheduler with the same tick sends nothing');
select tests.clear_authentication();
select results_eq($$select e.status, e.value, e.started_at, e.notified from public.alert_events e join schedule_alert s on s.id = e.alert_id$$,
  $$values ('sent'::text, 42::numeric, '2026-12-02T08:00:00Z'::timestamptz, true)$$, 'one send, recorded and notified');
select is((select e.payload ->> 'summary' from public.events e where e.subject_id = (select id::text from schedule_alert)),
  'Daily calls sent: 42', 'as alert.fired, saying it was sent');
select is(tests.try_as('alice', $$update public.alerts set schedule_cron = '30 7 * * 1-5' where name = 'Daily calls'$$), 'ok:1',
  'alice changes the schedule');
update public.alerts set schedule_cron = '30 7 * * 1-5' where name = 'Daily calls';
select is((select next_run_at from public.alerts where name = 'Daily calls'), null, 'which the next tick computes again');

-- ---------------------------------------------------------------------------------------------
-- Evaluate now
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('carol', format($$select public.evaluate_alert_now(%L)$$, (select id from acme_alert))),
  'error:TN002', 'evaluating now needs alerts.manage (TN002)');
select is(tests.try_as('frank', format($$select public.evaluate_alert_now(%L)$$, (select id from acme_alert))),
  'error:TN002', 'of the alert''s tenant');
select is(tests.try_as('alice', $$select public.evaluate_alert_now(gen_random_uuid())$$),
  'error:TN542', 'TN542 for no such alert');
select is(tests.do_as('alice', format($$select public.evaluate_alert_now(%L)$$, (select id from acme_alert))),
  'ok:1', 'alice queues an evaluation');
select is((select count(*)::int from public.jobs j where j.queue = 'bi.alerts' and j.payload ->> 'alert_id' = (select id::text from acme_alert)),
  1, 'on the bi.alerts queue');
update public.alerts set enabled = false where id = (select id from acme_alert);
select is(tests.try_as('alice', format($$select public.evaluate_alert_now(%L)$$, (select id from acme_alert))),
  'error:TN542', 'not a disabled alert (TN542)');
select ok(not exists (select 1 from private.alerts_due(now() + interval '1 day') d where d.alert_id = (select id from acme_alert)),
  'which is never due');

select * from finish();
rollback;
