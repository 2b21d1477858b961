-- The Stripe event ledger: apply_stripe_event records every event by id in the transaction that
-- applies it; duplicates change nothing, older events are stale, unknown types are recorded and
-- ignored. Events are shaped as Stripe sends them (API 2025-03-31+: periods on subscription items).
begin;
select plan(45);
select tests.seed_fixture();

create temp table ev (name text primary key, body jsonb);
grant all on ev to service_role;
insert into ev values
  ('checkout', jsonb_build_object('id', 'evt_checkout1', 'type', 'checkout.session.completed', 'created', 1000,
    'data', jsonb_build_object('object', jsonb_build_object('id', 'cs_1', 'object', 'checkout.session', 'mode', 'subscription',
      'client_reference_id', tests.tenant_id('test-acme'), 'customer', 'cus_Acme1', 'subscription', 'sub_Acme1',
      'customer_details', jsonb_build_object('email', 'ap@acme.test'))))),
  ('sub_created', '{"id": "evt_sub1", "type": "customer.subscription.created", "created": 1001, "data": {"object": {
    "id": "sub_Acme1", "object": "subscription", "customer": "cus_Acme1", "status": "trialing", "cancel_at_period_end": false,
    "trial_end": 2210000, "items": {"data": [{"id": "si_1", "price": {"id": "price_tenantry_pro_monthly", "recurring": {"interval": "month"}},
    "current_period_start": 1001, "current_period_end": 2210000}]}}}}'),
  ('sub_active', '{"id": "evt_sub3", "type": "customer.subscription.updated", "created": 3000, "data": {"object": {
    "id": "sub_Acme1", "object": "subscription", "customer": "cus_Acme1", "status": "active", "cancel_at_period_end": false,
    "trial_end": null, "items": {"data": [{"id": "si_1", "price": {"id": "price_tenantry_business_yearly", "recurring": {"interval": "year"}},
    "current_period_start": 3000, "current_period_end": 31539000}]}}}}'),
  ('sub_old', '{"id": "evt_sub2", "type": "customer.subscription.updated", "created": 2000, "data": {"object": {
    "id": "sub_Acme1", "object": "subscription", "customer": "cus_Acme1", "status": "past_due", "cancel_at_period_end": false,
    "items": {"data": [{"id": "si_1", "price": {"id": "price_tenantry_pro_monthly"}, "current_period_start": 1001, "current_period_end": 2210000}]}}}}'),
  ('finalized', '{"id": "evt_inv1", "type": "invoice.finalized", "created": 3100, "data": {"object": {
    "id": "in_Acme1", "object": "invoice", "customer": "cus_Acme1", "number": "ACME-0001", "status": "open", "currency": "usd",
    "subtotal": 99000, "tax": 0, "total": 99000, "amount_due": 99000, "amount_paid": 0, "hosted_invoice_url": "https://invoice.stripe.test/i/1",
    "parent": {"subscription_details": {"subscription": "sub_Acme1"}},
    "lines": {"data": [{"description": "Business (yearly)", "quantity": 1, "amount": 99000, "pricing": {"unit_amount_decimal": "99000"},
      "period": {"start": 3000, "end": 31539000}}]}}}}'),
  ('failed', '{"id": "evt_inv2", "type": "invoice.payment_failed", "created": 3200, "data": {"object": {
    "id": "in_Acme1", "object": "invoice", "customer": "cus_Acme1", "number": "ACME-0001", "status": "open", "currency": "usd",
    "total": 99000, "amount_due": 99000, "amount_paid": 0, "attempt_count": 1, "parent": {"subscription_details": {"subscription": "sub_Acme1"}}}}}'),
  ('paid', '{"id": "evt_inv3", "type": "invoice.paid", "created": 3300, "data": {"object": {
    "id": "in_Acme1", "object": "invoice", "customer": "cus_Acme1", "number": "ACME-0001", "status": "paid", "currency": "usd",
    "total": 99000, "amount_due": 99000, "amount_paid": 99000, "status_transitions": {"paid_at": 3300},
    "parent": {"subscription_details": {"subscription": "sub_Acme1"}}}}}'),
  ('pm_attached', '{"id": "evt_pm1", "type": "payment_method.attached", "created": 3400, "data": {"object": {
    "id": "pm_Acme1", "object": "payment_method", "customer": "cus_Acme1", "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2031}}}}'),
  ('pm_detached', '{"id": "evt_pm2", "type": "payment_method.detached", "created": 3500, "data": {"object": {
    "id": "pm_Acme1", "object": "payment_method", "customer": null, "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2031}}}}'),
  ('unknown', '{"id": "evt_other", "type": "charge.refunded", "created": 3600, "data": {"object": {"id": "ch_1", "customer": "cus_Acme1"}}}'),
  ('stranger', '{"id": "evt_stranger", "type": "customer.subscription.updated", "created": 3700, "data": {"object": {
    "id": "sub_Nobody", "customer": "cus_Nobody", "status": "active", "items": {"data": [{"price": {"id": "price_tenantry_pro_monthly"}}]}}}}'),
  ('legacy', '{"id": "evt_legacy", "type": "customer.subscription.updated", "created": 3800, "data": {"object": {
    "id": "sub_Acme1", "customer": "cus_Acme1", "status": "active", "cancel_at_period_end": true,
    "current_period_start": 3000, "current_period_end": 40000000, "items": {"data": [{"price": {"id": "price_tenantry_business_yearly"}}]}}}}'),
  ('deleted', '{"id": "evt_del", "type": "customer.subscription.deleted", "created": 4000, "data": {"object": {
    "id": "sub_Acme1", "customer": "cus_Acme1", "status": "canceled", "ended_at": 4000, "items": {"data": [{"price": {"id": "price_tenantry_business_yearly"}}]}}}}'),
  ('customer_deleted', '{"id": "evt_cusdel", "type": "customer.deleted", "created": 4100, "data": {"object": {"id": "cus_Acme1", "object": "customer"}}}');

create function pg_temp.apply(p_name text) returns text language sql as $$
  select public.apply_stripe_event((select body from ev where name = p_name))
$$;

select is(tests.try_as('alice', $$select public.apply_stripe_event('{}')$$), 'error:42501', 'users cannot apply Stripe events');
select is(tests.try_as('anon', $$select public.apply_stripe_event('{}')$$), 'error:42501', 'nor can anon');
select ok(not has_table_privilege('authenticated', 'private.stripe_events', 'select'), 'the ledger is not readable by users');

select tests.authenticate_as_service_role('stripe.webhook');
select throws_ok($$select public.apply_stripe_event('{"id": "evt_x"}')$$, 'TN078', null, 'a body that is not an event is refused');
select is(pg_temp.apply('checkout'), 'applied', 'checkout.session.completed links the customer to the tenant');
select is(pg_temp.apply('checkout'), 'duplicate', 'the same event again is a duplicate');
select is(pg_temp.apply('sub_created'), 'applied', 'customer.subscription.created');
select tests.clear_authentication();
select is((select stripe_customer_id || ':' || billing_email from public.billing_accounts where tenant_id = tests.tenant_id('test-acme')), 'cus_Acme1:ap@acme.test', 'the billing account carries the customer');
select is((select p.code || ':' || s.status || ':' || s.billing_interval from public.subscriptions s join public.plans p on p.id = s.plan_id where s.stripe_subscription_id = 'sub_Acme1'),
  'pro:trialing:month', 'the subscription is on the plan of its price, trialing');
select is((select current_period_end from public.subscriptions where stripe_subscription_id = 'sub_Acme1'), to_timestamp(2210000), 'its period comes from the subscription item');

select tests.authenticate_as_service_role('stripe.webhook');
select is(pg_temp.apply('sub_active'), 'applied', 'customer.subscription.updated (newer)');
select is(pg_temp.apply('sub_old'), 'stale', 'an older event arriving late is stale');
select tests.clear_authentication();
select is((select p.code || ':' || s.status || ':' || s.billing_interval from public.subscriptions s join public.plans p on p.id = s.plan_id where s.stripe_subscription_id = 'sub_Acme1'),
  'business:active:year', 'the stale event did not move the state back');
select is((select stripe_event_created from public.subscriptions where stripe_subscription_id = 'sub_Acme1'), to_timestamp(3000), 'the version is the newest applied event');
select is((select outcome from private.stripe_events where id = 'evt_sub2'), 'stale', 'the ledger records the stale outcome');

select tests.authenticate_as_service_role('stripe.webhook');
select is(pg_temp.apply('finalized'), 'applied', 'invoice.finalized');
select is(pg_temp.apply('failed'), 'applied', 'invoice.payment_failed');
select tests.clear_authentication();
select is((select status::text || ':' || number || ':' || total from public.invoices where stripe_invoice_id = 'in_Acme1'), 'open:ACME-0001:99000', 'the invoice is recorded open');
select is((select count(*)::int from public.invoice_lines l join public.invoices i on i.id = l.invoice_id where i.stripe_invoice_id = 'in_Acme1'), 1, 'with its lines');
select is((select unit_amount from public.invoice_lines where description = 'Business (yearly)'), 99000::bigint, 'line prices are read from pricing');
select is((select status::text from public.subscriptions where stripe_subscription_id = 'sub_Acme1'), 'past_due', 'a failed payment makes the subscription past due');
select is((select status::text from public.payments where stripe_invoice_id = 'in_Acme1'), 'failed', 'and is recorded as a failed payment');
select is((select count(*)::int from private.notifications_outbox where tenant_id = tests.tenant_id('test-acme') and kind = 'billing.payment_failed'), 1, 'the tenant gets a failed-payment alert');

select tests.authenticate_as_service_role('stripe.webhook');
select is(pg_temp.apply('paid'), 'applied', 'invoice.paid');
select tests.clear_authentication();
select is((select status::text || ':' || amount_paid from public.invoices where stripe_invoice_id = 'in_Acme1'), 'paid:99000', 'the invoice is paid');
select is((select status::text from public.subscriptions where stripe_subscription_id = 'sub_Acme1'), 'active', 'the subscription is active again');
select is((select count(*)::int from public.payments where stripe_invoice_id = 'in_Acme1' and status = 'succeeded'), 1, 'a succeeded payment is recorded');

select tests.authenticate_as_service_role('stripe.webhook');
select is(pg_temp.apply('pm_attached'), 'applied', 'payment_method.attached');
select tests.clear_authentication();
select is((select brand || ' ' || last4 || ' ' || exp_month || '/' || exp_year || ' ' || is_default from public.payment_methods where tenant_id = tests.tenant_id('test-acme')),
  'visa 4242 12/2031 true', 'the card is saved as brand, last 4 and expiry, default as the first');
select tests.authenticate_as_service_role('stripe.webhook');
select is(pg_temp.apply('pm_detached'), 'applied', 'payment_method.detached (no customer on the object)');
select is(pg_temp.apply('unknown'), 'ignored', 'an unhandled type is ignored');
select is(pg_temp.apply('unknown'), 'duplicate', 'and still deduplicated');
select is(pg_temp.apply('stranger'), 'ignored', 'a subscription of an unknown customer is ignored');
select is(pg_temp.apply('legacy'), 'applied', 'a subscription without item periods');
select tests.clear_authentication();
select is((select count(*)::int from public.payment_methods where tenant_id = tests.tenant_id('test-acme')), 0, 'the detached card is gone');
select is((select outcome || ':' || type from private.stripe_events where id = 'evt_other'), 'ignored:charge.refunded', 'the ledger keeps unhandled events');
select is((select current_period_end::text || ':' || cancel_at_period_end from public.subscriptions where stripe_subscription_id = 'sub_Acme1'),
  to_timestamp(40000000)::text || ':true', 'falls back to the subscription''s own period fields');

select tests.authenticate_as_service_role('stripe.webhook');
select is(pg_temp.apply('deleted'), 'applied', 'customer.subscription.deleted');
select tests.clear_authentication();
select is((select status::text from public.subscriptions where stripe_subscription_id = 'sub_Acme1'), 'cancelled', 'the subscription is cancelled');
select is((select code from public.plans where id = private.tenant_plan_id(tests.tenant_id('test-acme'))), 'free', 'the tenant falls back to the default plan''s limits');
select tests.authenticate_as_service_role('stripe.webhook');
select is(pg_temp.apply('customer_deleted'), 'applied', 'customer.deleted');
select tests.clear_authentication();
select is((select stripe_customer_id from public.billing_accounts where tenant_id = tests.tenant_id('test-acme')), null, 'the customer link is cleared');

select is((select count(*)::int from private.stripe_events), 14, 'every distinct event is in the ledger once');
select is((select count(*)::int from public.audit_logs where actor_job = 'stripe.webhook' and tenant_id = tests.tenant_id('test-acme')) > 10, true,
  'the changes are audited as the stripe.webhook job');
select is((select count(*)::int from public.audit_logs where actor_job = 'stripe.webhook' and action = 'stripe.subscription_status'), 3,
  'every subscription status change is an audit event');

select * from finish();
rollback;
