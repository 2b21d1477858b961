-- Billing: who reads and who writes plans, billing accounts, subscriptions, invoices, payments and
-- payment methods, and the manual payment verification flow (spec 003).
--
-- acme is on pro (active). Permissions: alice owner (billing.manage), bob admin (billing.read, not
-- billing.manage), carol viewer and dave auditor (neither); erin a stranger; staff sam super_admin,
-- sue support, bill billing_admin.
begin;
select plan(66);
select tests.seed_fixture();
select tests.subscribe('test-acme', 'pro');
insert into public.billing_accounts (tenant_id, billing_email, tax_id) values (tests.tenant_id('test-acme'), 'ap@acme.test', 'DE123');
insert into public.invoices (tenant_id, subscription_id, number, status, currency, total, amount_due)
select tenant_id, id, 'ACME-0001', 'open', 'usd', 2900, 2900 from public.subscriptions where tenant_id = tests.tenant_id('test-acme');
insert into public.invoice_lines (tenant_id, invoice_id, description, amount)
select tenant_id, id, 'Pro, monthly', 2900 from public.invoices where number = 'ACME-0001';
insert into public.payment_methods (tenant_id, stripe_payment_method_id, brand, last4, exp_month, exp_year)
values (tests.tenant_id('test-acme'), 'pm_acme1', 'visa', '4242', 12, 2030);

-- The catalogue is public; nothing else is.
select is(tests.try_as('anon', 'select id from public.plans'), 'rows:3', 'anon reads the active plans');
select is(tests.try_as('anon', 'select metric from public.plan_limits'), tests.rows('select 1 from public.plan_limits'), 'anon reads the plan limits');
select is(tests.try_as('anon', 'select key from public.usage_metrics'), tests.rows('select 1 from public.usage_metrics'), 'anon reads the usage metrics');
select is(tests.try_as('anon', 'select id from public.subscriptions'), 'error:42501', 'anon reads no subscription');
select is(tests.try_as('anon', 'select id from public.billing_accounts'), 'error:42501', 'anon reads no billing account');
select is(tests.try_as('anon', $$update public.plans set price_monthly = 0$$), 'error:42501', 'anon cannot edit plans');
select is(tests.try_as('erin', 'select id from public.plans'), 'rows:3', 'a signed-in stranger reads the catalogue');
select is(tests.try_as('alice', $$update public.plans set price_monthly = 0$$), 'ok:0', 'a tenant owner cannot edit plans');
select is(tests.try_as('sue', $$update public.plans set price_monthly = 0$$), 'ok:0', 'support staff cannot edit plans');
select is(tests.try_as('bill', $$update public.plans set description = 'x'$$), 'ok:3', 'billing_admin staff edit plans');
select is(tests.try_as('bill', $$update public.plan_limits set hard_limit = 5 where metric = 'projects'$$), 'ok:3', 'billing_admin staff edit limits');
select is(tests.try_as('alice', $$update public.plan_limits set hard_limit = null$$), 'ok:0', 'tenants cannot lift their limits');
select is(tests.try_as('bill', $$update public.plans set code = 'x'$$), 'error:42501', 'a plan code never changes');
update public.plans set is_active = false where code = 'business';
select is(tests.try_as('anon', 'select id from public.plans'), 'rows:2', 'an inactive plan leaves the public catalogue');
select is(tests.try_as('bill', 'select id from public.plans'), 'rows:3', 'staff still see it');
update public.plans set is_active = true where code = 'business';

-- Reads: billing.read holders and billing staff.
select is(tests.try_as('alice', 'select id from public.subscriptions'), 'rows:1', 'owner reads the subscription');
select is(tests.try_as('bob', 'select id from public.subscriptions'), 'rows:1', 'admin (billing.read) reads the subscription');
select is(tests.try_as('carol', 'select id from public.subscriptions'), 'rows:0', 'a viewer does not');
select is(tests.try_as('dave', 'select id from public.invoices'), 'rows:0', 'the auditor role does not read invoices');
select is(tests.try_as('erin', 'select id from public.payment_methods'), 'rows:0', 'a stranger reads nothing');
select is(tests.try_as('frank', 'select id from public.invoice_lines'), 'rows:0', 'another tenant''s owner reads nothing');
select is(tests.try_as('bob', 'select id from public.invoice_lines'), 'rows:1', 'admin reads invoice lines');
select is(tests.try_as('bill', 'select id from public.invoices'), tests.rows('select id from public.invoices'), 'billing_admin staff read every invoice');
select is(tests.try_as('sam', 'select id from public.payment_methods'), tests.rows('select id from public.payment_methods'), 'super_admin reads payment methods');
select is(tests.try_as('sue', 'select id from public.subscriptions'), 'rows:0', 'support staff do not read billing');

-- Writes: only the billing account's details, only by billing.manage.
select is(tests.try_as('alice', $$update public.billing_accounts set tax_id = 'DE999'$$), 'ok:1', 'owner edits billing details');
select is(tests.try_as('bob', $$update public.billing_accounts set tax_id = 'DE999'$$), 'ok:0', 'admin (no billing.manage) cannot');
select is(tests.try_as('alice', $$update public.billing_accounts set stripe_customer_id = 'cus_forged'$$), 'error:42501', 'the Stripe customer is not the tenant''s to set');
select is(tests.try_as('service_role', $$update public.billing_accounts set stripe_customer_id = 'cus_forged'$$), 'error:42501', 'nor a direct service-role write''s');
select is(tests.try_as('frank', format($$insert into public.billing_accounts (tenant_id) values (%L)$$, tests.tenant_id('test-acme'))), 'error:42501', 'no billing account for another tenant');
select is(tests.try_as('alice', $$update public.subscriptions set status = 'active'$$), 'error:42501', 'owners cannot set a subscription''s status');
select is(tests.try_as('service_role', $$update public.subscriptions set status = 'active'$$), 'error:42501', 'the service role holds no write on subscriptions either');
select throws_ok(format($$update public.subscriptions set tenant_id = %L$$, tests.tenant_id('test-globex')), 'TN040', null, 'a subscription never moves tenant, whoever asks');
select is(tests.try_as('alice', $$insert into public.invoices (tenant_id, currency) select tenant_id, 'usd' from public.subscriptions$$), 'error:42501', 'nobody forges an invoice');
select is(tests.try_as('alice', 'delete from public.payments'), 'error:42501', 'nobody deletes payments');
select is(tests.try_as('alice', 'delete from public.payment_methods'), 'error:42501', 'payment methods come from Stripe');
select throws_ok(format($$insert into public.payment_methods (tenant_id, stripe_payment_method_id, last4, exp_month, exp_year)
                        values (%L, 'pm_full', '4242424242424242', 1, 2030)$$, tests.tenant_id('test-acme')),
  '23514', null, 'a card number is refused: last4 holds four digits');
select is(tests.try_as('alice', format($$insert into public.billing_accounts (tenant_id) values (%L)$$, tests.tenant_id('test-acme'))), 'error:23505', 'one billing account per tenant');

-- Manual payment: submit a proof, staff verify.
select is(tests.try_as('carol', format($$select public.submit_payment_proof(%L, 'pro', 'month', 2900, %L)$$, tests.tenant_id('test-acme'), tests.tenant_id('test-acme') || '/proof.pdf')), 'error:TN002', 'a viewer cannot submit a payment');
select is(tests.try_as('bob', format($$select public.submit_payment_proof(%L, 'pro', 'month', 2900, %L)$$, tests.tenant_id('test-acme'), tests.tenant_id('test-acme') || '/proof.pdf')), 'error:TN002', 'nor an admin without billing.manage');
select is(tests.try_as('alice', format($$select public.submit_payment_proof(%L, 'pro', 'month', 2900, %L)$$, tests.tenant_id('test-acme'), tests.tenant_id('test-globex') || '/proof.pdf')), 'error:TN075', 'the proof must be in the tenant''s own folder');
select is(tests.try_as('alice', format($$select public.submit_payment_proof(%L, 'pro', 'month', 2900, %L)$$, tests.tenant_id('test-acme'), tests.tenant_id('test-acme') || '/../x.pdf')), 'error:TN075', 'no path traversal');
select is(tests.try_as('alice', format($$select public.submit_payment_proof(%L, 'free', 'month', 100, %L)$$, tests.tenant_id('test-acme'), tests.tenant_id('test-acme') || '/p.pdf')), 'error:TN075', 'only paid plans are paid for');
select is(tests.do_as('alice', format($$select public.submit_payment_proof(%L, 'pro', 'month', 2900, %L)$$, tests.tenant_id('test-acme'), tests.tenant_id('test-acme') || '/2026-11/proof.pdf')), 'ok:1', 'the owner submits a proof');
select is((select status::text from public.subscriptions where tenant_id = tests.tenant_id('test-acme')), 'pending_verification', 'the subscription waits for verification');
select is((select status::text || ':' || proof_path from public.payments where tenant_id = tests.tenant_id('test-acme')), 'pending:' || tests.tenant_id('test-acme') || '/2026-11/proof.pdf', 'the payment is pending with its proof');
select is(tests.try_as('alice', format($$select public.submit_payment_proof(%L, 'pro', 'month', 2900, %L)$$, tests.tenant_id('test-acme'), tests.tenant_id('test-acme') || '/again.pdf')), 'error:TN074', 'one proof waits at a time');
select is(tests.try_as('alice', format($$select public.verify_payment(%L, true)$$, (select id from public.payments where tenant_id = tests.tenant_id('test-acme')))), 'error:TN061', 'a tenant cannot verify its own payment');
select is(tests.try_as('sue', format($$select public.verify_payment(%L, true)$$, (select id from public.payments where tenant_id = tests.tenant_id('test-acme')))), 'error:TN061', 'support staff cannot verify');
select is(tests.do_as('bill', format($$select public.verify_payment(%L, true, 'transfer received')$$, (select id from public.payments where tenant_id = tests.tenant_id('test-acme')))), 'ok:1', 'billing_admin approves');
select is((select status::text || ':' || (current_period_end > now() + interval '45 days')::text from public.subscriptions where tenant_id = tests.tenant_id('test-acme')),
  'active:true', 'the subscription is active and extended by the paid month');
select is((select status::text || ':' || (verified_by = tests.user_id('bill'))::text || ':' || note from public.payments where tenant_id = tests.tenant_id('test-acme')),
  'succeeded:true:transfer received', 'the payment is verified, by whom, with the note');
select is(tests.try_as('bill', format($$select public.verify_payment(%L, false)$$, (select id from public.payments where tenant_id = tests.tenant_id('test-acme')))), 'error:TN074', 'a payment is verified once');
select is((select count(*)::int from public.audit_logs where tenant_id = tests.tenant_id('test-acme') and action in ('payment.submit', 'payment.approve')), 2, 'submission and approval are audited');
select is((select count(*)::int from private.notifications_outbox where tenant_id = tests.tenant_id('test-acme') and kind = 'billing.payment_approved'), 1, 'the tenant is notified');
select is((select array_agg(to_address order by to_address) from private.email_outbox where template = 'billing_payment_approved'),
  array['alice@example.test', 'ap@acme.test'], 'by email, to the billing contact and the owners');
select ok(not has_function_privilege('authenticated', 'private.tenant_plan_id(uuid)', 'execute')
          and not has_function_privilege('authenticated', 'private.can_manage_billing(uuid)', 'execute'),
  'the billing helpers that answer about any tenant are not callable by users');

-- Rejection: globex has no subscription yet.
select is(tests.do_as('frank', format($$select public.submit_payment_proof(%L, 'business', 'year', 99000, %L)$$, tests.tenant_id('test-globex'), tests.tenant_id('test-globex') || '/wire.png')), 'ok:1', 'test-globex''s owner pays for business');
select is((select status::text from public.subscriptions where tenant_id = tests.tenant_id('test-globex')), 'pending_verification', 'a subscription is created waiting for verification');
select is(tests.do_as('sam', format($$select public.verify_payment(%L, false, 'amount does not match')$$, (select id from public.payments where tenant_id = tests.tenant_id('test-globex')))), 'ok:1', 'super_admin rejects');
select is((select status::text from public.payments where tenant_id = tests.tenant_id('test-globex')), 'failed', 'the payment failed');
select is((select status::text from public.subscriptions where tenant_id = tests.tenant_id('test-globex')), 'past_due', 'an unpaid new subscription is past due');
select is((select count(*)::int from private.notifications_outbox where tenant_id = tests.tenant_id('test-globex') and kind = 'billing.payment_rejected'), 1, 'the tenant is told why');

-- Cancel and resume (manual subscriptions).
select is(tests.try_as('bob', format($$select public.cancel_subscription(%L)$$, tests.tenant_id('test-acme'))), 'error:TN002', 'an admin cannot cancel');
select is(tests.do_as('alice', format($$select public.cancel_subscription(%L)$$, tests.tenant_id('test-acme'))), 'ok:1', 'the owner cancels at period end');
select is((select cancel_at_period_end from public.subscriptions where tenant_id = tests.tenant_id('test-acme')), true, 'cancel_at_period_end is set');

select * from finish();
rollback;
