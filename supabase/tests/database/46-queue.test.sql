-- The job queue: registering queues, enqueue (dedupe, notify, bad arguments), claims (due first,
-- leases, passed leases retaken, the last attempt's passed lease a dead letter), completion,
-- failure (the retry schedule with jitter, the last step repeated, dead letters, non-retryable),
-- lost leases, cancel, retry, the next due time, the purge, and who may do any of it
-- (service_role only; no API role reads jobs but service_role). Two sessions racing for the same
-- jobs (SKIP LOCKED) and a killed worker are proven on Postgres 15 by tests/integration/queue.test.ts.
-- Own fixtures: queues t46.*.
begin;
select plan(55);

select tests.create_tenant('t46-acme', 't46-owner');
select private.register_job_queue('t46.echo', 'pgTAP''s queue', 3, '[1, 2]');
select private.register_job_queue('t46.default', 'pgTAP''s queue on the settings');
select private.register_job_queue('t46.other', 'A queue nobody here claims');
create temp table t46 (name text primary key, id uuid);
grant all on t46 to service_role;

-- Registering.
select is((select (max_attempts, retry_schedule_seconds) from private.job_queues where queue = 't46.echo'),
  row(3, '[1, 2]'::jsonb), 'a module registers its queue with its attempts and schedule');
select throws_ok($$select private.register_job_queue('Echo', 'bad name')$$, '23514', null,
  'a queue is named module.name in lower case');
select lives_ok($$select private.register_job_queue('t46.echo', 'pgTAP''s queue', 3, '[1, 2]')$$,
  'registering again (a later migration) is harmless');

-- Enqueue.
insert into t46 values ('a', private.enqueue_job('t46.echo', '{"n": 1}', tests.tenant_id('t46-acme'), now() - interval '2 seconds'));
insert into t46 values ('b', private.enqueue_job('t46.echo', '{"n": 2}', null, now() - interval '1 second', 'key-b'));
insert into t46 values ('later', private.enqueue_job('t46.echo', '{"n": 3}', null, now() + interval '1 hour'));
insert into t46 values ('default', private.enqueue_job('t46.default', '{}'));
select is((select (queue, status, attempts, max_attempts, tenant_id, payload) from public.jobs where id = (select id from t46 where name = 'a')),
  row('t46.echo'::text, 'pending'::text, 0, 3, tests.tenant_id('t46-acme'), '{"n": 1}'::jsonb),
  'a new job is pending, untried, with its queue''s attempts, its tenant and payload');
select is((select max_attempts from public.jobs where id = (select id from t46 where name = 'default')), 5,
  'a queue without attempts of its own takes jobs.max_attempts');
select is(private.enqueue_job('t46.echo', '{"n": 99}', null, now(), 'key-b'), (select id from t46 where name = 'b'),
  'a dedupe key already queued returns the existing job');
select is((select count(*)::int from public.jobs where queue = 't46.echo' and dedupe_key = 'key-b'), 1,
  'and queues nothing new');
select isnt(private.enqueue_job('t46.other', '{}', null, now(), 'key-b'), (select id from t46 where name = 'b'),
  'a dedupe key is per queue');
select is(private.enqueue_job('t46.echo', '{}', null, now(), null, 1) is not null, true,
  'a job may ask for fewer attempts than its queue');
delete from public.jobs where queue = 't46.echo' and max_attempts = 1;
select throws_ok($$select private.enqueue_job('t46.nope', '{}')$$, 'TN350', null, 'an unknown queue is refused (TN350)');
select throws_ok($$select private.enqueue_job('t46.echo', '[1]')$$, 'TN351', null, 'a payload that is not an object is refused (TN351)');
select throws_ok($$select private.enqueue_job('t46.echo', '{}', null, now(), '')$$, 'TN351', null, 'an empty dedupe key is refused (TN351)');
select throws_ok($$select private.enqueue_job('t46.echo', '{}', null, now(), null, 0)$$, 'TN351', null, 'zero attempts are refused (TN351)');

-- Who may: nobody but service_role.
select is(tests.try_as('anon', $$select * from public.jobs$$), 'error:42501', 'anon cannot read jobs');
select is(tests.try_as('t46-owner', $$select * from public.jobs$$), 'error:42501', 'a tenant''s owner cannot read jobs');
select is(tests.try_as('t46-owner', $$select * from private.enqueue_job('t46.echo', '{}')$$), 'error:42501', 'a member cannot enqueue');
select is(tests.try_as('t46-owner', $$select * from public.claim_jobs('{t46.echo}', 'w', 10, 60)$$), 'error:42501', 'a member cannot claim');
select is(tests.try_as('anon', $$select * from public.claim_jobs('{t46.echo}', 'w', 10, 60)$$), 'error:42501', 'anon cannot claim');
select is(tests.try_as('t46-owner', format($$select * from public.retry_job(%L)$$, gen_random_uuid())), 'error:42501', 'a member cannot retry');
select is(tests.try_as('t46-owner', format($$select * from public.cancel_job(%L)$$, gen_random_uuid())), 'error:42501', 'a member cannot cancel');
select is(tests.try_as('t46-owner', $$select * from public.jobs_next_due('{t46.echo}')$$), 'error:42501', 'a member cannot read the due time');
select is(tests.try_as('service_role', $$update public.jobs set status = 'succeeded'$$), 'error:42501',
  'not even service_role writes jobs but through the RPCs');
select is(tests.try_as('service_role', $$select * from public.claim_jobs('{}', 'w', 10, 60)$$), 'error:TN352',
  'a claim without queues is refused (TN352)');

-- Claims: due first, the future one not, leases.
select tests.authenticate_as_service_role('tests');
select is(public.jobs_next_due('{t46.echo}'), now() - interval '2 seconds', 'the next due time is the oldest due job''s');
create temp table t46_claim as select * from public.claim_jobs('{t46.echo}', 'worker-a', 1, 60);
select is((select id from t46_claim), (select id from t46 where name = 'a'), 'the job due first is claimed first');
insert into t46_claim select * from public.claim_jobs('{t46.echo}', 'worker-a', 10, 60);
select is((select array_agg(t.name order by t.name) from t46_claim c join t46 t on t.id = c.id), array['a', 'b'],
  'the due jobs are claimed, the one due in an hour is not');
select is((select (status, attempts, claimed_by, claimed_until) from public.jobs where id = (select id from t46 where name = 'a')),
  row('running'::text, 1, 'worker-a'::text, now() + interval '60 seconds'), 'a claimed job is running, its attempt counted, its lease set');
select is((select count(*)::int from public.claim_jobs('{t46.echo}', 'worker-b', 10, 60)), 0, 'a leased job is not claimed again');

-- Complete and lost leases.
select lives_ok(format($$select public.complete_job(%L, 'worker-a', '{"ok": true}')$$, (select id from t46 where name = 'a')),
  'the holder completes its job');
select is((select (status, result, claimed_by, completed_at) from public.jobs where id = (select id from t46 where name = 'a')),
  row('succeeded'::text, '{"ok": true}'::jsonb, null::text, now()), 'a completed job succeeded with its result, its lease released');
select throws_ok(format($$select public.complete_job(%L, 'worker-a')$$, (select id from t46 where name = 'a')), 'TN353', null,
  'a finished job cannot be completed again (TN353)');
select tests.clear_authentication();
update public.jobs set claimed_until = now() - interval '1 second' where id = (select id from t46 where name = 'b');
select tests.authenticate_as_service_role('tests');
select is(public.jobs_next_due('{t46.echo}'), now() - interval '1 second', 'a passing lease counts as due');
select is((select (id, attempts, claimed_by) from public.claim_jobs('{t46.echo}', 'worker-b', 10, 60)),
  row((select id from t46 where name = 'b'), 2, 'worker-b'::text), 'a job whose lease passed is taken by another worker, a second attempt');
select throws_ok(format($$select public.complete_job(%L, 'worker-a')$$, (select id from t46 where name = 'b')), 'TN353', null,
  'the worker that lost its lease cannot complete (TN353)');
select throws_ok(format($$select * from public.fail_job(%L, 'worker-a', 'late')$$, (select id from t46 where name = 'b')), 'TN353', null,
  'nor fail it (TN353)');

-- Failure: the schedule, then the dead letter.
select ok((select status = 'pending' and attempts = 2 and run_at between now() + interval '1.8 seconds' and now() + interval '2.2 seconds'
           from public.fail_job((select id from t46 where name = 'b'), 'worker-b', 'boom')),
  'a failed attempt with attempts left is pending again after its queue''s step (2 s ± 10 % after the second)');
select is((select last_error from public.jobs where id = (select id from t46 where name = 'b')), 'boom', 'the error is kept');
select tests.clear_authentication();
update public.jobs set run_at = now() where id = (select id from t46 where name = 'b');
select tests.authenticate_as_service_role('tests');
select is((select attempts from public.claim_jobs('{t46.echo}', 'worker-b', 10, 60)), 3, 'the third attempt is claimed');
select is((select status from public.fail_job((select id from t46 where name = 'b'), 'worker-b', 'boom again')), 'failed',
  'the last attempt''s failure makes it a dead letter');
-- Retry, cancel, a non-retryable failure, the last attempt's lease.
select lives_ok(format($$select public.retry_job(%L)$$, (select id from t46 where name = 'b')), 'a dead letter is queued again');
select is((select (status, attempts, last_error, completed_at) from public.jobs where id = (select id from t46 where name = 'b')),
  row('pending'::text, 0, 'boom again'::text, null::timestamptz), 'with all its attempts, its last error kept');
select throws_ok(format($$select public.retry_job(%L)$$, (select id from t46 where name = 'b')), 'TN356', null,
  'a pending job cannot be retried (TN356)');
select is((select status from public.fail_job((select id from public.claim_jobs('{t46.echo}', 'worker-c', 1, 60)), 'worker-c', 'bad input', false)),
  'failed', 'a failure that retrying cannot mend is a dead letter at once');
select lives_ok(format($$select public.cancel_job(%L)$$, (select id from t46 where name = 'later')), 'a pending job is cancelled');
select throws_ok(format($$select public.cancel_job(%L)$$, (select id from t46 where name = 'later')), 'TN355', null,
  'a cancelled job cannot be cancelled again (TN355)');
select throws_ok(format($$select public.cancel_job(%L)$$, gen_random_uuid()), 'TN354', null, 'an unknown job is TN354');
select tests.clear_authentication();
insert into t46 values ('last', private.enqueue_job('t46.other', '{}', null, now(), null, 1));
select tests.authenticate_as_service_role('tests');
select is((select count(*)::int from public.claim_jobs('{t46.other}', 'worker-d', 10, 60) where id = (select id from t46 where name = 'last')), 1,
  'a one-attempt job is claimed');
select tests.clear_authentication();
update public.jobs set claimed_until = now() - interval '1 second' where id = (select id from t46 where name = 'last');
select tests.authenticate_as_service_role('tests');
select is((select count(*)::int from public.claim_jobs('{t46.other}', 'worker-e', 10, 60) where id = (select id from t46 where name = 'last')), 0,
  'a passed lease on the last attempt is not run again');
select is((select (status, last_error) from public.jobs where id = (select id from t46 where name = 'last')),
  row('failed'::text, 'The lease of worker-d passed on attempt 1 of 1.'::text), 'it is a dead letter that says why');

-- The purge.
select tests.clear_authentication();
select is(private.retry_delay('[1, 2]', 3), null, 'the shared primitive ends after the last step (webhook delivery''s rule)');
select is(private.retry_delay('[1, 2]', 0, true), null, 'and has no step before the first attempt');
select ok((select extract(epoch from private.job_retry_delay('t46.echo', 9)) between 1.8 and 2.2),
  'past its schedule a queue repeats the last step');
select ok((select min(r) >= 0.9 and max(r) <= 1.1 and max(r) - min(r) > 0.1
           from (select extract(epoch from private.job_retry_delay('t46.default', n::int)) / s as r
                 from unnest(array[5, 30, 120, 600, 1800, 3600, 10800, 21600, 43200, 86400]) with ordinality x(s, n),
                      generate_series(1, 100)) j),
  'the shared schedule (jobs.retry_schedule_seconds) steps with ± 10 % jitter that varies');

update public.jobs set completed_at = now() - interval '8 days' where id in (select id from t46 where name in ('a', 'later'));
select tests.authenticate_as_service_role('tests');
select is(public.purge_jobs(), 2, 'succeeded and cancelled jobs older than jobs.retention_days are purged');
select is((select count(*)::int from public.jobs where id in (select id from t46 where name in ('a', 'later', 'b'))), 1,
  'the dead letter stays');
select tests.clear_authentication();

select * from finish();
rollback;
