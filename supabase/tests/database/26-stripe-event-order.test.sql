-- Stripe events out of order: a subscription or invoice that arrives before the checkout
-- completion is applied through the tenant in its metadata; metadata never moves a customer
-- that is already linked, nor gives a tenant that has a customer a second one.
begin;
select plan(7);
select tests.seed_fixture();

create function pg_temp.apply(p_body jsonb) returns text language sql as $$ select public.apply_stripe_event(p_body) $$;
create function pg_temp.sub_event(p_event text, p_created bigint, p_customer text, p_sub text, p_tenant uuid) returns jsonb
language sql as $$
  select jsonb_build_object('id', p_event, 'type', 'customer.subscription.created', 'created', p_created,
    'data', jsonb_build_object('object', jsonb_build_object('id', p_sub, 'object', 'subscription', 'customer', p_customer,
      'status', 'active', 'cancel_at_period_end', false, 'metadata', jsonb_build_object('tenant_id', p_tenant),
      'items', jsonb_build_object('data', jsonb_build_array(jsonb_build_object('id', 'si_' || p_sub,
        'price', jsonb_build_object('id', 'price_tenantry_pro_monthly', 'recurring', jsonb_build_object('interval', 'month')),
        'current_period_start', p_created, 'current_period_end', p_created + 2592000))))))
$$;

select tests.authenticate_as_service_role('stripe.webhook');
select is(pg_temp.apply(pg_temp.sub_event('evt_o1', 5000, 'cus_Early1', 'sub_Early1', tests.tenant_id('test-globex'))), 'applied',
  'a subscription arriving before its checkout completion is applied through its metadata');
select is(pg_temp.apply(jsonb_build_object('id', 'evt_o2', 'type', 'checkout.session.completed', 'created', 4999,
  'data', jsonb_build_object('object', jsonb_build_object('id', 'cs_e', 'object', 'checkout.session', 'mode', 'subscription',
    'client_reference_id', tests.tenant_id('test-globex'), 'customer', 'cus_Early1', 'subscription', 'sub_Early1')))), 'applied',
  'the late checkout completion still applies');
select is(pg_temp.apply(pg_temp.sub_event('evt_o3', 6000, 'cus_Early1', 'sub_Early1', tests.tenant_id('test-acme'))), 'applied',
  'an event naming another tenant in its metadata applies to the customer''s own tenant');
select tests.clear_authentication();

select is((select tenant_id from public.billing_accounts where stripe_customer_id = 'cus_Early1'), tests.tenant_id('test-globex'),
  'the customer belongs to the tenant of its first metadata');
select is((select count(*)::int from public.subscriptions where stripe_subscription_id = 'sub_Early1' and tenant_id = tests.tenant_id('test-globex')), 1,
  'and so does the subscription');
select is((select count(*)::int from public.billing_accounts where tenant_id = tests.tenant_id('test-acme') and stripe_customer_id = 'cus_Early1'), 0,
  'metadata never moves a linked customer');

select tests.authenticate_as_service_role('stripe.webhook');
select is(pg_temp.apply(pg_temp.sub_event('evt_o4', 7000, 'cus_Orphan1', 'sub_Orphan1', gen_random_uuid())), 'ignored',
  'metadata naming no tenant links nothing');
select tests.clear_authentication();

select * from finish();
rollback;
