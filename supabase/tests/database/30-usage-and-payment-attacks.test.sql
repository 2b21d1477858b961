-- Issue 9, attacks 3.1 (usage can be wiped) and 3.5 (manual payments can be gamed), closed in
-- the usage and billing modules (20261130001100_usage.sql, 20261130001000_billing.sql). Each test is named after the attack it repeats.
--
-- Its own fixture, every name prefixed t30- so it never meets supabase/seed.sql or the shared one:
--   t30-meter  pro (api_calls hard limit 1,000,000): t30-owner owner · t30-dev developer · t30-admin
--              admin · t30-viewer viewer · t30-payer the tenant role billing_admin
--   t30-biz    pro, monthly; t30-bizowner pays for a year of Business with 1 cent
--   t30-late   pro, past due for 10 days (grace: 7); t30-lateowner sends a proof nobody verifies
--   t30-spam   pro; t30-spamowner sends proofs that keep being rejected
--   t30-free   free (open-ended, as create_tenant starts one); t30-freeowner's proof is rejected
--   staff      t30-bill billing_admin · t30-sue support
begin;
select plan(49);

select tests.create_tenant('t30-meter', 't30-owner');
select tests.create_tenant('t30-biz', 't30-bizowner');
select tests.create_tenant('t30-late', 't30-lateowner');
select tests.create_tenant('t30-spam', 't30-spamowner');
select tests.create_tenant('t30-free', 't30-freeowner');
select tests.create_user(u) from unnest(array['t30-dev', 't30-admin', 't30-viewer', 't30-payer', 't30-bill', 't30-sue']) u;
insert into public.platform_staff (user_id, role) values
  (tests.user_id('t30-bill'), 'billing_admin'), (tests.user_id('t30-sue'), 'support');
insert into public.memberships (tenant_id, user_id)
select tests.tenant_id('t30-meter'), tests.user_id(u) from unnest(array['t30-dev', 't30-admin', 't30-viewer', 't30-payer']) u;
insert into public.role_assignments (tenant_id, user_id, role_id) values
  (tests.tenant_id('t30-meter'), tests.user_id('t30-dev'), tests.role_id('developer')),
  (tests.tenant_id('t30-meter'), tests.user_id('t30-admin'), tests.role_id('admin')),
  (tests.tenant_id('t30-meter'), tests.user_id('t30-viewer'), tests.role_id('viewer')),
  (tests.tenant_id('t30-meter'), tests.user_id('t30-payer'), tests.role_id('billing_admin'));
select tests.subscribe('t30-meter', 'pro');
select tests.subscribe('t30-biz', 'pro');
select tests.subscribe('t30-late', 'pro', 'past_due', now() - interval '10 days');
select tests.subscribe('t30-spam', 'pro');
insert into public.subscriptions (tenant_id, plan_id, status, current_period_start)
select tests.tenant_id('t30-free'), p.id, 'active', now() from public.plans p where p.code = 'free';

create function pg_temp.record(p_who text, p_quantity bigint, p_key text, p_at text default 'null')
returns text language sql as $$
  select tests.do_as(p_who, format('select public.record_usage(%L, ''api_calls'', %s, %L, %s)',
    tests.tenant_id('t30-meter'), p_quantity, p_key, p_at))
$$;
create function pg_temp.api_calls() returns bigint language sql as $$
  select coalesce(sum(c.quantity), 0)::bigint from public.usage_counters c
  where c.tenant_id = tests.tenant_id('t30-meter') and c.metric = 'api_calls'
$$;
create function pg_temp.proof(p_tenant text, p_who text, p_plan text, p_interval text, p_amount bigint)
returns text language sql as $$
  select tests.do_as(p_who, format('select public.submit_payment_proof(%L, %L, %L, %s, %L)',
    tests.tenant_id(p_tenant), p_plan, p_interval, p_amount, tests.tenant_id(p_tenant) || '/t30/' || gen_random_uuid() || '.pdf'))
$$;
create function pg_temp.pending(p_tenant text) returns uuid language sql as $$
  select p.id from public.payments p where p.tenant_id = tests.tenant_id(p_tenant) and p.status = 'pending'
$$;
create function pg_temp.sub(p_tenant text) returns public.subscriptions language sql as $$
  select s.* from public.subscriptions s where s.tenant_id = tests.tenant_id(p_tenant) order by s.created_at desc limit 1
$$;

-- ---------------------------------------------------------------------------------------------
-- 3.1 Usage can be wiped
-- ---------------------------------------------------------------------------------------------

select is(pg_temp.record('t30-owner', -5, 'neg-1'), 'error:TN076', 'attack 3.1: a negative quantity is refused (TN076)');
select is(pg_temp.record('t30-owner', 0, 'zero-1'), 'error:TN076', 'attack 3.1: so is a zero quantity');
select is(pg_temp.record('t30-owner', -5000000, 'wipe'), 'error:TN076',
  'attack 3.1: −5,000,000 to make room under a 1,000,000 hard limit is refused');
select is(pg_temp.record('t30-owner', 1500000, 'fill'), 'error:TN071',
  'attack 3.1: so the +1,500,000 that follows is past the hard limit (TN071)');
select is(pg_temp.api_calls(), 0::bigint, 'attack 3.1: and nothing was counted');
select is(tests.try_as('service_role', format($$insert into public.usage_events (tenant_id, metric, quantity, idempotency_key)
  values (%L, 'api_calls', -10, 'batch-neg')$$, tests.tenant_id('t30-meter'))), 'error:23514',
  'attack 3.1: a negative event is refused by the table itself, for batch ingestion too');

select is(pg_temp.record('t30-viewer', 1, 'viewer-1'), 'error:TN002', 'attack 3.1: a viewer cannot record usage (usage.record)');
select is(pg_temp.record('t30-payer', 1, 'payer-1'), 'error:TN002', 'nor the tenant''s billing_admin role');
select is(pg_temp.record('t30-dev', 100, 'dev-1'), 'ok:1', 'a developer records usage');
select is(pg_temp.record('t30-admin', 50, 'admin-1'), 'ok:1', 'so does an admin');
select is(pg_temp.api_calls(), 150::bigint, 'both are counted');
select ok(exists (select 1 from public.role_permissions rp join public.roles r on r.id = rp.role_id
                  where rp.permission_code = 'usage.record' and r.tenant_id is null and r.key = 'developer')
          and not exists (select 1 from public.role_permissions rp join public.roles r on r.id = rp.role_id
                  where rp.permission_code = 'usage.record' and r.tenant_id is null and r.key in ('viewer', 'billing_admin')),
  'usage.record is a permission of its own: developer and admin hold it, viewer and billing_admin do not');

select is(pg_temp.record('t30-dev', 1, 'late-25h', quote_literal(now() - interval '25 hours')), 'error:TN076',
  'attack 3.1: usage back-dated beyond 24 hours is refused');
select is(pg_temp.record('t30-dev', 1, 'late-23h', quote_literal(now() - interval '23 hours')), 'ok:1',
  'a report 23 hours late is accepted');
select is(pg_temp.record('t30-dev', 1, 'future', quote_literal(now() + interval '10 minutes')), 'error:TN076',
  'attack 3.1: usage dated in the future is refused');

select is((select count(*)::int from public.audit_logs a
           where a.tenant_id = tests.tenant_id('t30-meter') and a.action = 'usage.record' and a.actor_type = 'user'
             and a.actor_id = tests.user_id('t30-dev') and a.new_values ->> 'metric' = 'api_calls'
             and a.new_values ->> 'quantity' = '100' and a.new_values ->> 'idempotency_key' = 'dev-1'), 1,
  'attack 3.1: every record_usage call is attributable in the audit log (actor, metric, quantity)');
select is(pg_temp.record('t30-dev', 100, 'dev-1'), 'ok:1', 'a repeated idempotency key is answered');
select is((select count(*)::int from public.audit_logs a
           where a.tenant_id = tests.tenant_id('t30-meter') and a.action = 'usage.record'
             and a.new_values ->> 'idempotency_key' = 'dev-1' and a.new_values ->> 'recorded' = 'false'), 1,
  'and audited as not recorded, without being counted again');

create temp table correction as select $$select public.admin_correct_usage(%L, 'api_calls', -40, %L)$$ as q;
grant select on correction to authenticated;
select is(tests.try_as('t30-owner', format((select q from correction), tests.tenant_id('t30-meter'), 'refund')), 'error:TN061',
  'attack 3.1: a tenant owner cannot correct usage');
select is(tests.try_as('t30-payer', format((select q from correction), tests.tenant_id('t30-meter'), 'refund')), 'error:TN061',
  'nor the tenant''s billing_admin role');
select is(tests.try_as('t30-sue', format((select q from correction), tests.tenant_id('t30-meter'), 'refund')), 'error:TN061',
  'nor support staff');
select is(tests.try_as('t30-bill', format((select q from correction), tests.tenant_id('t30-meter'), '  ')), 'error:TN131',
  'a staff correction needs a reason');
select tests.authenticate_as('t30-bill');
create temp table corrected as
  select public.admin_correct_usage(tests.tenant_id('t30-meter'), 'api_calls', -40, 'double-counted retries') as total;
select tests.clear_authentication();
select is(pg_temp.api_calls(), 111::bigint, 'billing staff correct usage: 151 − 40');
select is((select total from corrected), (select c.quantity from public.usage_counters c
  where c.tenant_id = tests.tenant_id('t30-meter') and c.metric = 'api_calls'
    and c.period_start = date_trunc('month', now() at time zone 'UTC')::date), 'and get the period''s new total');
select is((select a.actor_id::text || ':' || (a.new_values ->> 'delta') || ':' || (a.new_values ->> 'reason')
           from public.audit_logs a where a.tenant_id = tests.tenant_id('t30-meter') and a.action = 'usage.correct'),
  tests.user_id('t30-bill')::text || ':-40:double-counted retries', 'the correction is audited: who, by how much, why');
select is(tests.try_as('t30-bill', format($$select public.admin_correct_usage(%L, 'api_calls', -1000, 'too much')$$,
  tests.tenant_id('t30-meter'))), 'error:TN076', 'a correction cannot take usage below zero');

-- ---------------------------------------------------------------------------------------------
-- 3.5 Manual payments can be gamed
-- ---------------------------------------------------------------------------------------------

select is(pg_temp.proof('t30-biz', 't30-bizowner', 'business', 'year', 1), 'ok:1', 'fixture: a 1-cent proof for a year of Business');
select is((select p.amount || ' ' || p.currency || ' / ' || p.expected_amount || ' ' || p.expected_currency
           from public.payments p where p.id = pg_temp.pending('t30-biz')), '1 usd / 99000 usd',
  'attack 3.5: the expected amount and currency are fixed from the plan price when the proof is submitted');
select tests.authenticate_as('t30-bizowner');
select is(public.billing_overview(tests.tenant_id('t30-biz')) #>> '{payments,0,expected_amount}', '99000',
  'the tenant''s billing page reads the expected amount');
select tests.clear_authentication();
select is(tests.try_as('t30-bill', format('select public.verify_payment(%L, true, %L)', pg_temp.pending('t30-biz'), 'ok')),
  'error:TN079', 'attack 3.5: approving a 1-cent proof for a yearly Business plan is refused without an explicit decision');
select is(tests.try_as('t30-bill', format('select public.verify_payment(%L, true, null, true, null)', pg_temp.pending('t30-biz'))),
  'error:TN131', 'attack 3.5: approving a different amount needs a reason');
select throws_ok(format('update public.payments set expected_amount = 1 where id = %L', pg_temp.pending('t30-biz')),
  'TN040', null, 'the expected amount never changes');
select is((pg_temp.sub('t30-biz')).status::text || ':' || (select code from public.plans where id = (pg_temp.sub('t30-biz')).plan_id),
  'pending_verification:pro', 'the refused approvals gave nothing');
create temp table biz_payment as select pg_temp.pending('t30-biz') as id;
select is(tests.do_as('t30-bill', format('select public.verify_payment(%L, true, %L, true, %L)', (select id from biz_payment),
  'Partial transfer accepted', 'Customer pays the rest by card; agreed by phone')), 'ok:1',
  'billing staff approve a different amount with a reason');
select is((select p.status || ':' || p.amount_override_reason from public.payments p where p.id = (select id from biz_payment)),
  'succeeded:Customer pays the rest by card; agreed by phone', 'the override reason is kept on the payment');
select is((select (a.new_values ->> 'amount') || '/' || (a.new_values ->> 'expected_amount') || ':' || (a.new_values ->> 'amount_override_reason')
           from public.audit_logs a where a.tenant_id = tests.tenant_id('t30-biz') and a.action = 'payment.approve'
             and a.actor_id = tests.user_id('t30-bill')),
  '1/99000:Customer pays the rest by card; agreed by phone', 'attack 3.5: and the override is audited with both amounts');

-- A proof pending past billing.proof_grace_days lets the lifecycle proceed.
select is(pg_temp.proof('t30-late', 't30-lateowner', 'pro', 'month', 2900), 'ok:1', 'fixture: a past-due tenant sends a proof');
select tests.authenticate_as_service_role('billing.lifecycle');
select lives_ok('select private.run_billing_lifecycle(now())', 'the lifecycle runs while the proof is fresh');
select tests.clear_authentication();
select is((pg_temp.sub('t30-late')).status::text, 'pending_verification', 'a fresh proof holds the subscription');
select tests.authenticate_as_service_role('billing.lifecycle');
select ok((private.run_billing_lifecycle(now() + interval '8 days') ->> 'proof_overdue')::int >= 1,
  'attack 3.5: eight days later the lifecycle releases the unverified proof''s subscription');
select tests.clear_authentication();
select is((pg_temp.sub('t30-late')).status::text || ':' || (select status::text from public.tenants where slug = 't30-late'),
  'expired:suspended', 'attack 3.5: a proof pending past the grace period lets expiry and suspension proceed');
select is((select count(*)::int from public.audit_logs a
           where a.tenant_id = tests.tenant_id('t30-late') and a.action = 'subscription.proof_overdue'), 1,
  'the release is audited');
select is(tests.do_as('t30-bill', format('select public.verify_payment(%L, true)', pg_temp.pending('t30-late'))), 'ok:1',
  'the proof can still be approved');
select is((pg_temp.sub('t30-late')).status::text || ':' || (select status::text from public.tenants where slug = 't30-late'),
  'active:active', 'which reactivates the tenant');

-- A proof can be resubmitted after every rejection: at most billing.proof_max_rejections (3) in 30 days.
create function pg_temp.reject_spam() returns text language sql as $$
  select tests.do_as('t30-bill', format('select public.verify_payment(%L, false, %L)', pg_temp.pending('t30-spam'), 'no transfer received'))
$$;
select is(array[pg_temp.proof('t30-spam', 't30-spamowner', 'pro', 'month', 2900), pg_temp.reject_spam(),
                pg_temp.proof('t30-spam', 't30-spamowner', 'pro', 'month', 2900), pg_temp.reject_spam(),
                pg_temp.proof('t30-spam', 't30-spamowner', 'pro', 'month', 2900), pg_temp.reject_spam()],
  array['ok:1', 'ok:1', 'ok:1', 'ok:1', 'ok:1', 'ok:1'], 'three proofs are sent and rejected');
select is(pg_temp.proof('t30-spam', 't30-spamowner', 'pro', 'month', 2900), 'error:TN073',
  'attack 3.5: a fourth proof within 30 days of three rejections is refused');

-- Rejecting a proof for a Free tenant.
select is(pg_temp.proof('t30-free', 't30-freeowner', 'pro', 'month', 2900), 'ok:1', 'fixture: a Free tenant sends a proof for Pro');
select is(tests.do_as('t30-bill', format('select public.verify_payment(%L, false, %L)', pg_temp.pending('t30-free'), 'unreadable receipt')),
  'ok:1', 'billing staff reject it');
select is((select p.code || ' · ' || s.status || ' · ' || coalesce(s.past_due_since::text, 'never due')
           from public.subscriptions s join public.plans p on p.id = s.plan_id where s.id = (pg_temp.sub('t30-free')).id),
  'free · active · never due', 'attack 3.5: rejecting a Free tenant''s proof leaves it Free and active, not "Free · Past due"');

select * from finish();
rollback;
