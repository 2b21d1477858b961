-- Billing and usage personas × tables × operations (the billing half of 02-tenancy-personas.test.sql, same
-- personas and cells: 'rows:N' a SELECT's rows, 'ok:N' rows a write touched, 'error:SQLSTATE' a refusal).
--
-- The rules: the plan catalogue is public and edited by billing staff only; billing rows are read with
-- billing.read (alice owner, bob admin) and by billing staff (sam, bill; not sue), usage rows with
-- usage.read (also carol the viewer; not dave's auditor role); no API role writes subscriptions, invoices,
-- payments, payment methods, counters or daily rows; owners edit their billing account (bob, an admin
-- without billing.manage, cannot); only the service role inserts usage events, and nobody changes them.
--
-- Data: acme on pro, globex on free; one billing account, invoice, line, payment and card each; two usage
-- events for acme and one for globex (one counter and one daily row each); free's compute limit removed
-- so staff can add it back. Statements on tenant rows are scoped to the fixture's tenants
-- (tests.fixture_rows), so the counts hold on a seeded database too.
begin;
select plan(480);
select tests.seed_fixture();
select tests.subscribe('test-acme', 'pro');
select tests.subscribe('test-globex', 'free');
delete from public.plan_limits where metric = 'compute_minutes' and plan_id = (select id from public.plans where code = 'free');
insert into public.billing_accounts (tenant_id) select id from public.tenants where slug in ('test-acme', 'test-globex');
insert into public.invoices (tenant_id, subscription_id, number, currency, total)
select tenant_id, id, 'INV-' || tenant_id, 'usd', 100 from public.subscriptions where tenant_id = any (tests.fixture_tenant_ids());
insert into public.invoice_lines (tenant_id, invoice_id, description, amount) select tenant_id, id, 'Plan', 100 from public.invoices where tenant_id = any (tests.fixture_tenant_ids());
insert into public.payments (tenant_id, invoice_id, provider, amount, currency, status)
select tenant_id, id, 'stripe', 100, 'usd', 'succeeded' from public.invoices where tenant_id = any (tests.fixture_tenant_ids());
insert into public.payment_methods (tenant_id, stripe_payment_method_id, last4, exp_month, exp_year)
select id, 'pm_' || replace(slug, '-', ''), '4242', 1, 2030 from public.tenants where slug in ('test-acme', 'test-globex');
insert into public.usage_events (tenant_id, metric, quantity, idempotency_key) values
  (tests.tenant_id('test-acme'), 'api_calls', 5, 'a1'), (tests.tenant_id('test-acme'), 'api_calls', 5, 'a2'),
  (tests.tenant_id('test-globex'), 'api_calls', 5, 'g1');
select private.rollup_usage_daily();

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases
select c.tbl, c.op, c.stmt from (values
  ('plans', 'select', 'select id from public.plans'),
  ('plans', 'insert', 'insert into public.plans (code, name) values (''probe'', ''Probe'')'),
  ('plans', 'update', 'update public.plans set description = ''x'''),
  ('plans', 'delete', 'delete from public.plans'),
  ('plan_limits', 'select', 'select metric from public.plan_limits'),
  ('plan_limits', 'insert', 'insert into public.plan_limits (plan_id, metric, hard_limit) select id, ''compute_minutes'', 1 from public.plans where code = ''free'''),
  ('plan_limits', 'update', 'update public.plan_limits set soft_limit = null'),
  ('plan_limits', 'delete', 'delete from public.plan_limits'),
  ('usage_metrics', 'select', 'select key from public.usage_metrics'),
  ('usage_metrics', 'insert', 'insert into public.usage_metrics (key, name, unit, kind) values (''probe'', ''Probe'', ''x'', ''metered'')'),
  ('usage_metrics', 'update', 'update public.usage_metrics set name = ''x'''),
  ('usage_metrics', 'delete', 'delete from public.usage_metrics'),
  ('billing_accounts', 'select', 'select id from public.billing_accounts where ' || tests.fixture_rows('tenant_id')),
  ('billing_accounts', 'insert', format('insert into public.billing_accounts (tenant_id) values (%L)', tests.tenant_id('test-acme'))),
  ('billing_accounts', 'update', 'update public.billing_accounts set tax_id = ''X1'' where ' || tests.fixture_rows('tenant_id')),
  ('billing_accounts', 'delete', 'delete from public.billing_accounts where ' || tests.fixture_rows('tenant_id')),
  ('subscriptions', 'select', 'select id from public.subscriptions where ' || tests.fixture_rows('tenant_id')),
  ('subscriptions', 'insert', format('insert into public.subscriptions (tenant_id, plan_id, status) select %L, id, ''active'' from public.plans where code = ''pro''', tests.tenant_id('test-acme'))),
  ('subscriptions', 'update', 'update public.subscriptions set cancel_at_period_end = true where ' || tests.fixture_rows('tenant_id')),
  ('subscriptions', 'delete', 'delete from public.subscriptions where ' || tests.fixture_rows('tenant_id')),
  ('invoices', 'select', 'select id from public.invoices where ' || tests.fixture_rows('tenant_id')),
  ('invoices', 'insert', format('insert into public.invoices (tenant_id, currency) values (%L, ''usd'')', tests.tenant_id('test-acme'))),
  ('invoices', 'update', 'update public.invoices set number = ''X'' where ' || tests.fixture_rows('tenant_id')),
  ('invoices', 'delete', 'delete from public.invoices where ' || tests.fixture_rows('tenant_id')),
  ('invoice_lines', 'select', 'select id from public.invoice_lines where ' || tests.fixture_rows('tenant_id')),
  ('invoice_lines', 'insert', 'insert into public.invoice_lines (tenant_id, invoice_id, description, amount) select tenant_id, id, ''x'', 1 from public.invoices where ' || tests.fixture_rows('tenant_id')),
  ('invoice_lines', 'update', 'update public.invoice_lines set amount = 0 where ' || tests.fixture_rows('tenant_id')),
  ('invoice_lines', 'delete', 'delete from public.invoice_lines where ' || tests.fixture_rows('tenant_id')),
  ('payments', 'select', 'select id from public.payments where ' || tests.fixture_rows('tenant_id')),
  ('payments', 'insert', format('insert into public.payments (tenant_id, provider, amount, currency) values (%L, ''stripe'', 1, ''usd'')', tests.tenant_id('test-acme'))),
  ('payments', 'update', 'update public.payments set note = ''x'' where ' || tests.fixture_rows('tenant_id')),
  ('payments', 'delete', 'delete from public.payments where ' || tests.fixture_rows('tenant_id')),
  ('payment_methods', 'select', 'select id from public.payment_methods where ' || tests.fixture_rows('tenant_id')),
  ('payment_methods', 'insert', format('insert into public.payment_methods (tenant_id, stripe_payment_method_id, last4, exp_month, exp_year) values (%L, ''pm_probe1'', ''1111'', 1, 2030)', tests.tenant_id('test-acme'))),
  ('payment_methods', 'update', 'update public.payment_methods set is_default = false where ' || tests.fixture_rows('tenant_id')),
  ('payment_methods', 'delete', 'delete from public.payment_methods where ' || tests.fixture_rows('tenant_id')),
  ('usage_events', 'select', 'select id from public.usage_events where ' || tests.fixture_rows('tenant_id')),
  ('usage_events', 'insert', format('insert into public.usage_events (tenant_id, metric, quantity, idempotency_key) values (%L, ''api_calls'', 1, ''probe'')', tests.tenant_id('test-acme'))),
  ('usage_events', 'update', 'update public.usage_events set quantity = 2 where ' || tests.fixture_rows('tenant_id')),
  ('usage_events', 'delete', 'delete from public.usage_events where ' || tests.fixture_rows('tenant_id')),
  ('usage_counters', 'select', 'select metric from public.usage_counters where ' || tests.fixture_rows('tenant_id')),
  ('usage_counters', 'insert', format('insert into public.usage_counters (tenant_id, metric, period_start, quantity) values (%L, ''compute_minutes'', ''2026-01-01'', 1)', tests.tenant_id('test-acme'))),
  ('usage_counters', 'update', 'update public.usage_counters set quantity = 0 where ' || tests.fixture_rows('tenant_id')),
  ('usage_counters', 'delete', 'delete from public.usage_counters where ' || tests.fixture_rows('tenant_id')),
  ('usage_daily', 'select', 'select metric from public.usage_daily where ' || tests.fixture_rows('tenant_id')),
  ('usage_daily', 'insert', format('insert into public.usage_daily (tenant_id, metric, day, quantity, events) values (%L, ''compute_minutes'', ''2026-01-01'', 1, 1)', tests.tenant_id('test-acme'))),
  ('usage_daily', 'update', 'update public.usage_daily set quantity = 0 where ' || tests.fixture_rows('tenant_id')),
  ('usage_daily', 'delete', 'delete from public.usage_daily')
) c(tbl, op, stmt);

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected values
  ('billing_accounts',  'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('billing_accounts',  'erin',          'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('billing_accounts',  'carol',         'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('billing_accounts',  'dave',          'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('billing_accounts',  'bob',           'rows:1', 'error:42501', 'ok:0', 'error:42501'),
  ('billing_accounts',  'alice',         'rows:1', 'error:23505', 'ok:1', 'error:42501'),
  ('billing_accounts',  'sam',           'rows:2', 'error:42501', 'ok:0', 'error:42501'),
  ('billing_accounts',  'sue',           'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('billing_accounts',  'bill',          'rows:2', 'error:42501', 'ok:0', 'error:42501'),
  ('billing_accounts',  'service_role',  'rows:2', 'error:23505', 'ok:2', 'error:42501'),
  ('invoice_lines',     'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('invoice_lines',     'erin',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('invoice_lines',     'carol',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('invoice_lines',     'dave',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('invoice_lines',     'bob',           'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('invoice_lines',     'alice',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('invoice_lines',     'sam',           'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('invoice_lines',     'sue',           'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('invoice_lines',     'bill',          'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('invoice_lines',     'service_role',  'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('invoices',          'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('invoices',          'erin',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('invoices',          'carol',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('invoices',          'dave',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('invoices',          'bob',           'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('invoices',          'alice',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('invoices',          'sam',           'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('invoices',          'sue',           'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('invoices',          'bill',          'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('invoices',          'service_role',  'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('payment_methods',   'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('payment_methods',   'erin',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('payment_methods',   'carol',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('payment_methods',   'dave',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('payment_methods',   'bob',           'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('payment_methods',   'alice',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('payment_methods',   'sam',           'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('payment_methods',   'sue',           'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('payment_methods',   'bill',          'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('payment_methods',   'service_role',  'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('payments',          'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('payments',          'erin',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('payments',          'carol',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('payments',          'dave',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('payments',          'bob',           'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('payments',          'alice',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('payments',          'sam',           'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('payments',          'sue',           'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('payments',          'bill',          'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('payments',          'service_role',  'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('plan_limits',       'anon',          tests.rows('select 1 from public.plan_limits'), 'error:42501', 'error:42501', 'error:42501'),
  ('plan_limits',       'erin',          tests.rows('select 1 from public.plan_limits'), 'error:42501', 'ok:0', 'ok:0'),
  ('plan_limits',       'carol',         tests.rows('select 1 from public.plan_limits'), 'error:42501', 'ok:0', 'ok:0'),
  ('plan_limits',       'dave',          tests.rows('select 1 from public.plan_limits'), 'error:42501', 'ok:0', 'ok:0'),
  ('plan_limits',       'bob',           tests.rows('select 1 from public.plan_limits'), 'error:42501', 'ok:0', 'ok:0'),
  ('plan_limits',       'alice',         tests.rows('select 1 from public.plan_limits'), 'error:42501', 'ok:0', 'ok:0'),
  ('plan_limits',       'sam',           tests.rows('select 1 from public.plan_limits'), 'ok:1', replace(tests.rows('select 1 from public.plan_limits'), 'rows:', 'ok:'), replace(tests.rows('select 1 from public.plan_limits'), 'rows:', 'ok:')),
  ('plan_limits',       'sue',           tests.rows('select 1 from public.plan_limits'), 'error:42501', 'ok:0', 'ok:0'),
  ('plan_limits',       'bill',          tests.rows('select 1 from public.plan_limits'), 'ok:1', replace(tests.rows('select 1 from public.plan_limits'), 'rows:', 'ok:'), replace(tests.rows('select 1 from public.plan_limits'), 'rows:', 'ok:')),
  ('plan_limits',       'service_role',  tests.rows('select 1 from public.plan_limits'), 'ok:1', replace(tests.rows('select 1 from public.plan_limits'), 'rows:', 'ok:'), replace(tests.rows('select 1 from public.plan_limits'), 'rows:', 'ok:')),
  ('plans',             'anon',          'rows:3', 'error:42501', 'error:42501', 'error:42501'),
  ('plans',             'erin',          'rows:3', 'error:42501', 'ok:0', 'error:42501'),
  ('plans',             'carol',         'rows:3', 'error:42501', 'ok:0', 'error:42501'),
  ('plans',             'dave',          'rows:3', 'error:42501', 'ok:0', 'error:42501'),
  ('plans',             'bob',           'rows:3', 'error:42501', 'ok:0', 'error:42501'),
  ('plans',             'alice',         'rows:3', 'error:42501', 'ok:0', 'error:42501'),
  ('plans',             'sam',           'rows:3', 'ok:1', 'ok:3', 'error:42501'),
  ('plans',             'sue',           'rows:3', 'error:42501', 'ok:0', 'error:42501'),
  ('plans',             'bill',          'rows:3', 'ok:1', 'ok:3', 'error:42501'),
  ('plans',             'service_role',  'rows:3', 'ok:1', 'ok:3', 'error:42501'),
  ('subscriptions',     'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('subscriptions',     'erin',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('subscriptions',     'carol',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('subscriptions',     'dave',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('subscriptions',     'bob',           'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('subscriptions',     'alice',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('subscriptions',     'sam',           'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('subscriptions',     'sue',           'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('subscriptions',     'bill',          'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('subscriptions',     'service_role',  'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_counters',    'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_counters',    'erin',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_counters',    'carol',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_counters',    'dave',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_counters',    'bob',           'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_counters',    'alice',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_counters',    'sam',           'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_counters',    'sue',           'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_counters',    'bill',          'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_counters',    'service_role',  'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_daily',       'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_daily',       'erin',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_daily',       'carol',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_daily',       'dave',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_daily',       'bob',           'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_daily',       'alice',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_daily',       'sam',           'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_daily',       'sue',           'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_daily',       'bill',          'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_daily',       'service_role',  'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_events',      'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_events',      'erin',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_events',      'carol',         'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_events',      'dave',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_events',      'bob',           'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_events',      'alice',         'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_events',      'sam',           'rows:3', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_events',      'sue',           'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_events',      'bill',          'rows:3', 'error:42501', 'error:42501', 'error:42501'),
  ('usage_events',      'service_role',  'rows:3', 'ok:1', 'error:42501', 'error:42501'),
  ('usage_metrics',     'anon',          tests.rows('select 1 from public.usage_metrics'), 'error:42501', 'error:42501', 'error:42501'),
  ('usage_metrics',     'erin',          tests.rows('select 1 from public.usage_metrics'), 'error:42501', 'error:42501', 'error:42501'),
  ('usage_metrics',     'carol',         tests.rows('select 1 from public.usage_metrics'), 'error:42501', 'error:42501', 'error:42501'),
  ('usage_metrics',     'dave',          tests.rows('select 1 from public.usage_metrics'), 'error:42501', 'error:42501', 'error:42501'),
  ('usage_metrics',     'bob',           tests.rows('select 1 from public.usage_metrics'), 'error:42501', 'error:42501', 'error:42501'),
  ('usage_metrics',     'alice',         tests.rows('select 1 from public.usage_metrics'), 'error:42501', 'error:42501', 'error:42501'),
  ('usage_metrics',     'sam',           tests.rows('select 1 from public.usage_metrics'), 'error:42501', 'error:42501', 'error:42501'),
  ('usage_metrics',     'sue',           tests.rows('select 1 from public.usage_metrics'), 'error:42501', 'error:42501', 'error:42501'),
  ('usage_metrics',     'bill',          tests.rows('select 1 from public.usage_metrics'), 'error:42501', 'error:42501', 'error:42501'),
  ('usage_metrics',     'service_role',  tests.rows('select 1 from public.usage_metrics'), 'error:42501', 'error:42501', 'error:42501');

select * from tests.persona_matrix();

select * from finish();
rollback;
