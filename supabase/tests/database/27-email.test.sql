-- The email sender's SQL (20261130000900_email.sql): who can read and change the outbox, claiming with a
-- lease, completion by the current claim only, exponential backoff, dead letters, lease expiry.
-- now() is fixed inside this transaction, so time passing is simulated by moving the timestamps.
begin;
select plan(33);

-- Rows already in the database (a seeded one) are moved out of the way: the claims below see only ours.
update private.email_outbox set next_attempt_at = 'infinity' where status = 'pending';

create temp table mail (name text primary key, id uuid);
with rows as (
  insert into private.email_outbox (to_address, template, subject, body_text, next_attempt_at)
  values ('one@sender.test', 'confirm_signup', 'One', 'b', now() - interval '2 minutes'),
         ('two@sender.test', 'member_invitation', 'Two', 'b', now() - interval '1 minute'),
         ('later@sender.test', 'member_invitation', 'Later', 'b', now() + interval '1 hour')
  returning id, subject
)
insert into mail select lower(subject), id from rows;
create temp table claimed (id uuid, message_id text, attempts integer, claim_token uuid);
grant all on mail, claimed to service_role;

create function pg_temp.claim(p_lease_ms integer default 60000, p_exclude text[] default '{}')
returns setof claimed language sql as $$
  select c.id, c.message_id, c.attempts, c.claim_token
    from private.claim_email_outbox(10, p_lease_ms, 3, 'App.Example.test', p_exclude) c
$$;
create function pg_temp.status(p_name text) returns text language sql as $$
  select o.status || '/' || o.attempts from private.email_outbox o join mail m using (id) where m.name = p_name
$$;
create function pg_temp.token(p_name text) returns uuid language sql as $$
  select o.claim_token from private.email_outbox o join mail m using (id) where m.name = p_name
$$;
create function pg_temp.make_due(p_name text) returns void language sql as $$
  update private.email_outbox o set next_attempt_at = now() - interval '1 second' from mail m
   where m.id = o.id and m.name = p_name
$$;

-- Who can read and change the outbox.
select is(tests.try_as('anon', 'select * from private.email_outbox'), 'error:42501', 'anon cannot read the outbox');
select is(tests.try_as('alice', 'select * from private.email_outbox'), 'error:42501',
  'a signed-in person cannot read the outbox');
select is(tests.try_as('service_role', 'select * from private.email_outbox where to_address like ''%@sender.test'''),
  'rows:3', 'the service role (the sender job) reads it');
select is(tests.try_as('service_role', 'update private.email_outbox set status = ''sent'''), 'error:42501',
  'not even the service role changes a row''s state except through the sender''s functions');
select is(tests.try_as('service_role', 'update private.email_outbox set sent_at = now()'), 'error:42501',
  'nor stamps sent_at itself (its old column grant is withdrawn)');
select is(tests.try_as('alice', $$select * from private.claim_email_outbox(10, 1000, 3, 'x.test')$$), 'error:42501',
  'a signed-in person cannot claim mail');
select is(tests.try_as('anon', $$select private.complete_email_outbox(gen_random_uuid(), gen_random_uuid())$$),
  'error:42501', 'anon cannot complete a send');
select is(tests.try_as('alice', $$select private.fail_email_outbox(gen_random_uuid(), gen_random_uuid(), 'x', 3, 1000)$$),
  'error:42501', 'a signed-in person cannot fail a send');
select ok((select bool_and(p.prosecdef and p.proconfig @> array['search_path=""']) from pg_proc p
           where p.oid in ('private.claim_email_outbox(integer, integer, integer, text, text[])'::regprocedure,
                           'private.complete_email_outbox(uuid, uuid)'::regprocedure,
                           'private.fail_email_outbox(uuid, uuid, text, integer, integer, integer)'::regprocedure)),
  'the sender''s functions are security definer with an empty search_path');

-- Claiming.
select tests.authenticate_as_service_role('email.send');
insert into claimed select * from pg_temp.claim();
select tests.clear_authentication();
select is((select array_agg(m.name order by m.name) from claimed c join mail m using (id)), array['one', 'two'],
  'a claim takes the due rows, not the one due later');
select is(pg_temp.status('one'), 'sending/1', 'a claimed row is sending, on its first attempt');
select is((select message_id from claimed c join mail m using (id) where m.name = 'one'),
  format('<%s@app.example.test>', (select id from mail where name = 'one')),
  'the Message-ID is <outbox id@public host>');
select is((select count(*)::int from pg_temp.claim()), 0, 'leased rows are not claimed again');
select throws_ok($$select * from private.claim_email_outbox(10, 1000, 3, 'evil.test>, <x')$$, '22023', null,
  'a Message-ID domain that is not a host name is refused');

-- Completing: only the current claim.
select is(private.complete_email_outbox((select id from mail where name = 'one'), gen_random_uuid()), false,
  'a stale or forged claim token completes nothing');
select is(private.complete_email_outbox((select id from mail where name = 'one'), pg_temp.token('one')), true,
  'the current claim completes its row');
select is(pg_temp.status('one') || ' ' || ((select sent_at from private.email_outbox o join mail m using (id)
  where m.name = 'one') is not null)::text, 'sent/1 true', 'a completed row is sent, with sent_at');

-- Failing: exponential backoff, then the dead letter at the third attempt.
select is(private.fail_email_outbox((select id from mail where name = 'two'), pg_temp.token('two'),
  'connect ECONNREFUSED 127.0.0.1:1', 3, 1000), 'pending', 'a first failure sends the row back to pending');
select is((select next_attempt_at - now() from private.email_outbox o join mail m using (id) where m.name = 'two'),
  interval '1 second', 'retried after the base backoff');
select is((select last_error from private.email_outbox o join mail m using (id) where m.name = 'two'),
  'connect ECONNREFUSED 127.0.0.1:1', 'the error is kept');
select is((select count(*)::int from pg_temp.claim()), 0, 'a row waiting out its backoff is not claimed');
select pg_temp.make_due('two');
select is((select attempts from pg_temp.claim()), 2, 'once due it is claimed again, as the second attempt');
select is(private.fail_email_outbox((select id from mail where name = 'two'), pg_temp.token('two'), '451 try later', 3, 1000),
  'pending', 'a second failure: pending again');
select is((select next_attempt_at - now() from private.email_outbox o join mail m using (id) where m.name = 'two'),
  interval '2 seconds', 'the backoff doubles');
select pg_temp.make_due('two');
select is((select message_id from pg_temp.claim()), format('<%s@app.example.test>', (select id from mail where name = 'two')),
  'the third attempt carries the same Message-ID as the first');
select is(private.fail_email_outbox((select id from mail where name = 'two'), pg_temp.token('two'), '451 still later', 3, 1000),
  'dead', 'the failure of the last allowed attempt is a dead letter');
select is((select status || '/' || attempts || ' ' || last_error || ' ' || (dead_at is not null)::text
  from private.email_outbox o join mail m using (id) where m.name = 'two'), 'dead/3 451 still later true',
  'the dead letter keeps its attempts, its last error and when it died');
select pg_temp.make_due('two');
select is((select count(*)::int from pg_temp.claim()), 0, 'a dead letter is never claimed again');

-- Lease expiry: a sender that died mid-send.
update private.email_outbox o set next_attempt_at = now() - interval '1 second' from mail m
 where m.id = o.id and m.name = 'later';
create temp table first_claim as select * from pg_temp.claim();
update private.email_outbox o set lease_expires_at = now() - interval '1 second' from mail m
 where m.id = o.id and m.name = 'later';
select results_eq($$select attempts, message_id from pg_temp.claim()$$,
  $$select 2, message_id from first_claim$$,
  'an expired lease is claimed again: the next attempt, the same Message-ID');
select is(private.complete_email_outbox((select id from first_claim), (select claim_token from first_claim)), false,
  'the crashed sender''s claim no longer completes the row');
update private.email_outbox o set lease_expires_at = now() - interval '1 second' from mail m
 where m.id = o.id and m.name = 'later';
select is((select count(*)::int from pg_temp.claim()), 1, 'and again, as the third attempt');
update private.email_outbox o set lease_expires_at = now() - interval '1 second' from mail m
 where m.id = o.id and m.name = 'later';
select is((select count(*)::int from pg_temp.claim()) || ' ' || pg_temp.status('later'), '0 dead/3',
  'a lease that expires on the last allowed attempt is a dead letter');

-- Templates another system sends (Supabase Auth's own mail) are left alone.
insert into private.email_outbox (to_address, template, subject, body_text)
values ('auth@sender.test', 'reset_password', 'Reset', 'b');
select is((select count(*)::int from pg_temp.claim(60000, array['reset_password'])) || ' '
  || (select status from private.email_outbox where to_address = 'auth@sender.test'), '0 pending',
  'an excluded template is neither claimed nor changed');

select * from finish();
rollback;
