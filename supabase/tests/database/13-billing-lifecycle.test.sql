-- The billing lifecycle job, private.run_billing_lifecycle(now): trial expiry, renewal, unpaid
-- periods, cancellation at period end, grace → expired → tenant suspended, reactivation on payment.
-- Idempotent: a second run at the same time changes nothing.
--
--   acme      pro, trial ended yesterday                      → past_due (grace starts)
--   globex    pro, paid period ended yesterday, nothing paid  → past_due
--   hooli     free, period ended yesterday                     → renewed
--   umbrella  pro, past due for 10 days (grace is 7)           → expired, tenant suspended
--   wayne     pro, cancel at period end, period ended          → cancelled
--   stark     pro, period ends yesterday, next month paid      → renewed into the paid period
begin;
select plan(35);
select tests.seed_fixture();
select tests.create_tenant('test-hooli', 'gavin');
select tests.create_tenant('test-umbrella', 'wesker');
select tests.create_tenant('test-wayne', 'bruce');
select tests.create_tenant('test-stark', 'tony');
select tests.subscribe('test-acme', 'pro', 'trialing', now() + interval '20 days', now() - interval '1 day');
select tests.subscribe('test-globex', 'pro', 'active', now() - interval '1 day');
select tests.subscribe('test-hooli', 'free', 'active', now() - interval '1 day');
select tests.subscribe('test-umbrella', 'pro', 'past_due', now() - interval '10 days');
select tests.subscribe('test-wayne', 'pro', 'active', now() - interval '1 hour');
update public.subscriptions set cancel_at_period_end = true where tenant_id = tests.tenant_id('test-wayne');
select tests.subscribe('test-stark', 'pro', 'active', now() - interval '1 day');
insert into public.payments (tenant_id, subscription_id, plan_id, billing_interval, provider, amount, currency, status, proof_path,
                             period_start, period_end)
select s.tenant_id, s.id, s.plan_id, 'month', 'manual', 2900, 'usd', 'succeeded', s.tenant_id || '/p.pdf',
       s.current_period_end, s.current_period_end + interval '1 month'
from public.subscriptions s where s.tenant_id = tests.tenant_id('test-stark');
select private.seal_audit_chain();

select is(tests.try_as('alice', 'select private.run_billing_lifecycle()'), 'error:42501', 'users cannot run the lifecycle');
select is(tests.try_as('bill', 'select private.run_billing_lifecycle()'), 'error:42501', 'nor can billing staff directly');

select tests.authenticate_as_service_role('billing.lifecycle');
create temp table first_run as select private.run_billing_lifecycle(now()) as result;
select tests.clear_authentication();
select is((select result from first_run),
  '{"trial_ended": 1, "renewed": 2, "past_due": 1, "cancelled": 1, "expired": 1, "suspended": 1, "reactivated": 0, "proof_overdue": 0}'::jsonb,
  'the first run moves each subscription once');

-- The tenant's latest subscription; of two created in this one transaction (same created_at), the
-- live one, so the answer does not depend on the rows' physical order.
create function pg_temp.sub(p_slug text) returns public.subscriptions language sql as $$
  select * from public.subscriptions where tenant_id = tests.tenant_id(p_slug)
  order by created_at desc, status in ('trialing', 'active', 'past_due', 'pending_verification') desc limit 1
$$;
select is((pg_temp.sub('test-acme')).status::text, 'past_due', 'an ended trial is past due');
select ok((pg_temp.sub('test-acme')).past_due_since <= now() - interval '1 day', 'its grace started when the trial ended');
select is((pg_temp.sub('test-globex')).status::text, 'past_due', 'an unpaid renewal is past due');
select is((pg_temp.sub('test-hooli')).status::text, 'active', 'a free plan stays active');
select ok((pg_temp.sub('test-hooli')).current_period_end > now(), 'and renews into a current period');
select is((pg_temp.sub('test-umbrella')).status::text, 'expired', 'a grace period that ran out expires the subscription');
select is((select status::text || ':' || status_reason from public.tenants where slug = 'test-umbrella'), 'suspended:billing: subscription expired', 'and suspends the tenant');
select is((pg_temp.sub('test-wayne')).status::text, 'cancelled', 'cancel at period end ends it');
select is((pg_temp.sub('test-stark')).status::text, 'active', 'a prepaid renewal stays active');
select ok((pg_temp.sub('test-stark')).current_period_end > now() + interval '25 days', 'in the paid period');
select is((select status::text from public.tenants where slug = 'test-acme'), 'active', 'a tenant in grace keeps working');

select is((select count(*)::int from public.audit_logs where actor_job = 'billing.lifecycle' and action in
  ('subscription.trial_end', 'subscription.past_due', 'subscription.renew', 'subscription.expire', 'subscription.end', 'tenant.suspend')), 7,
  'every transition is an audit event of the billing.lifecycle job');
select is((select count(*)::int from private.notifications_outbox where kind in
  ('billing.subscription_trial_end', 'billing.subscription_past_due', 'billing.subscription_expire', 'billing.subscription_end', 'billing.tenant_suspended')), 5,
  'the tenants are notified (renewals are silent)');

-- Idempotent.
select tests.authenticate_as_service_role('billing.lifecycle');
create temp table audit_before as select count(*) as n from public.audit_logs;
select is(private.run_billing_lifecycle(now()),
  '{"trial_ended": 0, "renewed": 0, "past_due": 0, "cancelled": 0, "expired": 0, "suspended": 0, "reactivated": 0, "proof_overdue": 0}'::jsonb,
  'a second run changes nothing');
select tests.clear_authentication();
select is((select count(*) from public.audit_logs), (select n from audit_before), 'and writes no audit row');

-- Suspended members lose access; the owner can still pay, and payment reactivates.
select is(tests.try_as('wesker', 'select id from public.projects'), 'rows:0', 'a suspended tenant''s members see nothing');
select is(tests.do_as('wesker', format($$select public.submit_payment_proof(%L, 'pro', 'month', 2900, %L)$$,
  tests.tenant_id('test-umbrella'), tests.tenant_id('test-umbrella') || '/transfer.pdf')), 'ok:1', 'the owner of a billing-suspended tenant can still pay');
select is(tests.do_as('bill', format($$select public.verify_payment(%L, true)$$,
  (select id from public.payments where tenant_id = tests.tenant_id('test-umbrella')))), 'ok:1', 'billing staff approve');
select is((select status::text from public.tenants where slug = 'test-umbrella'), 'active', 'the tenant is reactivated');
select is((pg_temp.sub('test-umbrella')).status::text, 'active', 'on an active subscription');
select is((select count(*)::int from public.audit_logs where tenant_id = tests.tenant_id('test-umbrella') and action = 'tenant.reactivate'), 1, 'the reactivation is audited');

-- A tenant staff suspended for another reason is not reactivated by billing.
select private.set_tenant_status(tests.tenant_id('test-hooli'), 'suspended', 'abuse', 'tenant.suspend');
select tests.authenticate_as_service_role('billing.lifecycle');
select is((private.run_billing_lifecycle(now()) ->> 'reactivated')::int, 0, 'a tenant suspended for abuse stays suspended');
select tests.clear_authentication();
select is((select status::text from public.tenants where slug = 'test-hooli'), 'suspended', 'whatever its subscription says');

-- Time passes: acme's and globex's grace runs out.
select tests.authenticate_as_service_role('billing.lifecycle');
select is((private.run_billing_lifecycle(now() + interval '7 days') ->> 'expired')::int, 2, 'eight days later the two past-due subscriptions expire');
select tests.clear_authentication();
select is((select array_agg(slug order by slug) from public.tenants where status = 'suspended' and status_reason like 'billing:%'),
  array['test-acme', 'test-globex'], 'and their tenants are suspended');
select is((select code from public.plans where id = private.tenant_plan_id(tests.tenant_id('test-acme'))), 'free', 'an ended subscription leaves the default plan''s limits');

-- A run far in the future does every step at once: the next run has nothing left.
select tests.authenticate_as_service_role('billing.lifecycle');
select ok((select sum(value::int) from jsonb_each_text(private.run_billing_lifecycle(now() + interval '400 days'))) > 0,
  'a run 400 days later moves what is due (renewals, unpaid periods, expiries)');
select is(private.run_billing_lifecycle(now() + interval '400 days'),
  '{"trial_ended": 0, "renewed": 0, "past_due": 0, "cancelled": 0, "expired": 0, "suspended": 0, "reactivated": 0, "proof_overdue": 0}'::jsonb,
  'and leaves nothing for a second run at the same moment');
select is((pg_temp.sub('test-stark')).status::text, 'expired', 'a prepaid period that also ran out ends in expired, in one run');
select tests.clear_authentication();

-- Guards.
select is((select count(*)::int from public.subscriptions where tenant_id = tests.tenant_id('test-hooli') and status = 'active'), 1, 'one live subscription per tenant (a free plan renews forever)');
select throws_ok($$select tests.subscribe('test-hooli', 'pro', 'active')$$, '23505', null, 'a second live subscription is refused');
select is(tests.try_as('service_role', 'select private.run_billing_lifecycle(now())'), 'rows:1', 'the service role runs the job');

select * from finish();
rollback;
