-- The billing page's reads (20261130001000_billing.sql): billing_overview and billing_invoice
-- answer billing.read / billing.manage holders like the table policies, and also while billing has
-- suspended the tenant (when the policies hide every row), so its owners can see what is owed.
--
-- acme on pro: alice owner (billing.manage), bob admin (billing.read only), carol viewer (neither);
-- frank owns globex; erin is a stranger; bill is platform billing staff.
begin;
select plan(31);
select tests.seed_fixture();
select tests.subscribe('test-acme', 'pro');
insert into public.invoices (tenant_id, subscription_id, number, status, currency, total, amount_due)
select tenant_id, id, 'ACME-0001', 'open', 'usd', 2900, 2900 from public.subscriptions where tenant_id = tests.tenant_id('test-acme');
insert into public.invoice_lines (tenant_id, invoice_id, description, amount)
select tenant_id, id, 'Pro, monthly', 2900 from public.invoices where number = 'ACME-0001';
insert into public.payment_methods (tenant_id, stripe_payment_method_id, brand, last4, exp_month, exp_year)
values (tests.tenant_id('test-acme'), 'pm_acme1', 'visa', '4242', 12, 2030);
create temp table ids as select (select id from public.invoices where number = 'ACME-0001') as invoice_id;
grant select on ids to authenticated;

select tests.authenticate_as('alice');
select is(public.billing_overview(tests.tenant_id('test-acme')) #>> '{subscription,plan_code}', 'pro', 'the owner reads the plan');
select is((public.billing_overview(tests.tenant_id('test-acme')) ->> 'can_manage')::boolean, true, 'and may manage billing');
select is(jsonb_array_length(public.billing_overview(tests.tenant_id('test-acme')) -> 'invoices'), 1, 'one invoice');
select is(public.billing_overview(tests.tenant_id('test-acme')) #>> '{payment_methods,0,last4}', '4242', 'the card''s last 4 digits');
select is(jsonb_array_length(public.billing_invoice(tests.tenant_id('test-acme'), (select invoice_id from ids)) -> 'lines'), 1,
  'the invoice with its line');
select tests.clear_authentication();
select tests.authenticate_as('bob');
select is((public.billing_overview(tests.tenant_id('test-acme')) ->> 'can_manage')::boolean, false,
  'an admin reads billing (billing.read) but may not manage it');
select tests.clear_authentication();

select is(tests.try_as('carol', format('select * from public.billing_overview(%L)', tests.tenant_id('test-acme'))), 'error:TN002', 'a viewer reads no billing');
select is(tests.try_as('erin', format('select * from public.billing_overview(%L)', tests.tenant_id('test-acme'))), 'error:TN002', 'nor a stranger');
select is(tests.try_as('frank', format('select * from public.billing_overview(%L)', tests.tenant_id('test-acme'))), 'error:TN002', 'nor another tenant''s owner');
select is(tests.try_as('bill', format('select * from public.billing_overview(%L)', tests.tenant_id('test-acme'))), 'error:TN002', 'staff read billing in the admin console, not here');
select is(tests.try_as('anon', format('select * from public.billing_overview(%L)', tests.tenant_id('test-acme'))), 'error:42501', 'anon may not call it');
select is(tests.try_as('frank', format('select * from public.billing_invoice(%L, %L)', tests.tenant_id('test-globex'), (select invoice_id from ids))),
  'error:TN003', 'an invoice asked for under another tenant is not found');
select is(tests.try_as('carol', format('select * from public.billing_invoice(%L, %L)', tests.tenant_id('test-acme'), (select invoice_id from ids))),
  'error:TN002', 'a viewer reads no invoice');
select is(tests.try_as('alice', format('select * from private.can_read_billing(%L)', tests.tenant_id('test-acme'))), 'error:42501',
  'the helper is not callable by API roles');

-- usage_summary: usage.read holders (carol the viewer too) read limits and totals, nobody else.
select tests.authenticate_as('carol');
select is((select x ->> 'hard_limit' from jsonb_array_elements(public.usage_summary(tests.tenant_id('test-acme')) -> 'metrics') x
           where x ->> 'key' = 'projects'), '20', 'a viewer reads the plan''s project limit');
select is((select (x ->> 'current')::int from jsonb_array_elements(public.usage_summary(tests.tenant_id('test-acme')) -> 'metrics') x
           where x ->> 'key' = 'projects'), 2, 'and the project count');
select is((select (x ->> 'current')::int from jsonb_array_elements(public.usage_summary(tests.tenant_id('test-acme')) -> 'metrics') x
           where x ->> 'key' = 'members'), (select count(*)::int + 1 from public.memberships where tenant_id = tests.tenant_id('test-acme')),
  'members count the pending invitation''s seat');
select is(public.usage_summary(tests.tenant_id('test-acme')) #>> '{plan,code}', 'pro', 'and the plan');
select tests.clear_authentication();
select is(tests.try_as('erin', format('select * from public.usage_summary(%L)', tests.tenant_id('test-acme'))), 'error:TN002', 'a stranger reads no usage');
select is(tests.try_as('frank', format('select * from public.usage_summary(%L)', tests.tenant_id('test-acme'))), 'error:TN002', 'nor another tenant''s owner');
select is(tests.try_as('anon', format('select * from public.usage_summary(%L)', tests.tenant_id('test-acme'))), 'error:42501', 'nor anon');

-- Suspended by billing: the policies hide every row, the page still reads, the owner may still pay.
update public.tenants set status = 'suspended', status_reason = private.billing_suspension_reason() where slug = 'test-acme';
select is(tests.try_as('alice', 'select id from public.subscriptions'), 'rows:0', 'suspended: the table policies hide the subscription');
select tests.authenticate_as('alice');
select is(public.billing_overview(tests.tenant_id('test-acme')) #>> '{subscription,status}', 'active', 'the owner still reads billing');
select is((public.billing_overview(tests.tenant_id('test-acme')) ->> 'can_manage')::boolean, true, 'and may still pay');
select is(public.billing_invoice(tests.tenant_id('test-acme'), (select invoice_id from ids)) #>> '{invoice,number}', 'ACME-0001',
  'and download the invoice');
select tests.clear_authentication();
select is(tests.try_as('carol', format('select * from public.billing_overview(%L)', tests.tenant_id('test-acme'))), 'error:TN002', 'a viewer still reads nothing');

-- Suspended by staff for another reason: closed.
update public.tenants set status_reason = 'abuse' where slug = 'test-acme';
select is(tests.try_as('alice', format('select * from public.billing_overview(%L)', tests.tenant_id('test-acme'))), 'error:TN002', 'not while suspended for another reason');
update public.tenants set status = 'active', status_reason = null where slug = 'test-acme';

-- MFA required: only an aal2 session reads.
update public.tenants set require_mfa = true where slug = 'test-acme';
select is(tests.try_as('alice', format('select * from public.billing_overview(%L)', tests.tenant_id('test-acme'))), 'error:TN002', 'MFA required: aal1 reads nothing');
select is(tests.try_as('alice', format('select * from public.billing_overview(%L)', tests.tenant_id('test-acme')), 'aal2'), 'rows:1', 'aal2 reads');

-- A page read writes nothing: the functions are stable.
select is((select provolatile from pg_proc where oid = 'public.billing_overview(uuid)'::regprocedure), 's', 'billing_overview is stable');
select is((select provolatile from pg_proc where oid = 'public.billing_invoice(uuid, uuid)'::regprocedure), 's', 'billing_invoice is stable');

select * from finish();
rollback;
