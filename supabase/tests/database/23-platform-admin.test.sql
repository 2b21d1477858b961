-- The admin console (docs/admin.md) as the staff people it serves, through RLS and the RPCs only:
-- what each staff role reads and may do, that tenant members cannot use the same paths, and the
-- lifecycle RPCs' reasons (the tenancy module, 20261130000300_tenancy.sql).
--
-- Personas (supabase/tests/setup.sql): sam super_admin · sue support · bill billing_admin · alice
-- acme owner · frank globex owner · erin a stranger. initech is pending (ivan owns it).
begin;
select plan(54);
select tests.seed_fixture();
select tests.subscribe('test-acme', 'pro');
select tests.subscribe('test-globex', 'free');
-- acme's owner sends a transfer proof for a year of Pro: the payment the console verifies.
select is(tests.do_as('alice', format(
  'select public.submit_payment_proof(%L, ''pro'', ''year'', 29000, %L)',
  tests.tenant_id('test-acme'), tests.tenant_id('test-acme') || '/proofs/wire.pdf')), 'ok:1', 'fixture: a manual payment waits');

-- ---------------------------------------------------------------------------------------------
-- Tenants: every staff role reads every tenant and its members; a member reads only their own
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('sam', 'select id from public.tenants'), tests.rows('select id from public.tenants'), 'super_admin lists every tenant');
select is(tests.try_as('sue', 'select id from public.tenants'), tests.rows('select id from public.tenants'), 'support lists every tenant');
select is(tests.try_as('bill', 'select id from public.tenants'), tests.rows('select id from public.tenants'), 'billing_admin lists every tenant');
select is(tests.try_as('alice', 'select id from public.tenants'), 'rows:1', 'an owner lists only her tenant');
select is(tests.try_as('alice', format('select id from public.tenants where id = %L', tests.tenant_id('test-globex'))),
  'rows:0', 'an owner cannot open another tenant by id (the console''s detail query)');
select is(tests.try_as('sue', format('select m.id from public.memberships m join public.profiles p on p.id = m.user_id where m.tenant_id = %L',
  tests.tenant_id('test-globex'))), 'rows:2', 'support reads a tenant''s members with their profiles');
select is(tests.try_as('alice', format('select m.id from public.memberships m where m.tenant_id = %L', tests.tenant_id('test-globex'))),
  'rows:0', 'an owner reads no other tenant''s members');
select is(tests.try_as('erin', 'select user_id from public.platform_staff'), 'rows:0', 'a non-staff person reads no staff list');
select is(tests.try_as('sue', 'select user_id from public.platform_staff'), tests.rows('select user_id from public.platform_staff'), 'every staff role reads the staff list');

-- The audit trail of a tenant: support and super_admin; billing_admin's role does not include it.
select ok(tests.try_as('sue', format('select id from public.audit_logs where tenant_id = %L', tests.tenant_id('test-globex'))) <> 'rows:0',
  'support reads a tenant''s audit trail');
select is(tests.try_as('bill', format('select id from public.audit_logs where tenant_id = %L', tests.tenant_id('test-globex'))),
  'rows:0', 'billing_admin does not read the audit trail');
select is(tests.try_as('alice', format('select id from public.audit_logs where tenant_id = %L', tests.tenant_id('test-globex'))),
  'rows:0', 'an owner reads no other tenant''s audit trail');

-- ---------------------------------------------------------------------------------------------
-- Lifecycle: approve (super_admin), suspend and reactivate with a reason (billing_admin too)
-- ---------------------------------------------------------------------------------------------
select hasnt_function('public', 'reactivate_tenant', array['uuid'], 'reactivate_tenant without a reason is gone');
select has_function('public', 'reactivate_tenant', array['uuid', 'text'], 'reactivate_tenant takes a reason');

select is(tests.try_as('bill', format('select public.approve_tenant(%L)', tests.tenant_id('test-initech'))), 'error:TN061',
  'billing_admin cannot approve a tenant');
select is(tests.do_as('sam', format('select public.approve_tenant(%L)', tests.tenant_id('test-initech'))), 'ok:1',
  'super_admin approves the pending tenant');
select is((select status::text from public.tenants where slug = 'test-initech'), 'active', 'approved: initech is active');

select is(tests.try_as('bill', format('select public.suspend_tenant(%L, null)', tests.tenant_id('test-acme'))), 'error:TN131',
  'suspending needs a reason');
select is(tests.try_as('bill', format('select public.suspend_tenant(%L, ''   '')', tests.tenant_id('test-acme'))), 'error:TN131',
  'a blank reason is no reason');
select is(tests.try_as('bill', format('select public.suspend_tenant(%L, %L)', tests.tenant_id('test-acme'), repeat('x', 501))),
  'error:TN131', 'a reason is at most 500 characters');
select is(tests.try_as('sue', format('select public.suspend_tenant(%L, ''abuse'')', tests.tenant_id('test-acme'))), 'error:TN061',
  'support cannot suspend');
select is(tests.try_as('alice', format('select public.suspend_tenant(%L, ''mine'')', tests.tenant_id('test-acme'))), 'error:TN061',
  'an owner cannot suspend through the staff RPC');
select is(tests.do_as('bill', format('select public.suspend_tenant(%L, ''  Invoice 42 unpaid '')', tests.tenant_id('test-acme'))),
  'ok:1', 'billing_admin suspends with a reason');
select is((select status::text || ': ' || status_reason from public.tenants where slug = 'test-acme'), 'suspended: Invoice 42 unpaid',
  'suspended, with the trimmed reason members are shown');
select is((select new_values ->> 'reason' from public.audit_logs where action = 'tenant.suspend' and tenant_id = tests.tenant_id('test-acme')),
  'Invoice 42 unpaid', 'the suspension and its reason are audited');
select is(tests.try_as('alice', format('select id from public.projects where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:0', 'the suspended tenant''s owner reads none of its data');

select is(tests.try_as('bill', format('select public.reactivate_tenant(%L, '''')', tests.tenant_id('test-acme'))), 'error:TN131',
  'reactivating needs a reason');
select is(tests.try_as('sue', format('select public.reactivate_tenant(%L, ''ok'')', tests.tenant_id('test-acme'))), 'error:TN061',
  'support cannot reactivate');
select is(tests.do_as('bill', format('select public.reactivate_tenant(%L, ''Paid by wire'')', tests.tenant_id('test-acme'))), 'ok:1',
  'billing_admin reactivates with a reason');
select is((select status::text from public.tenants where slug = 'test-acme'), 'active', 'reactivated: acme is active');
select is((select new_values ->> 'reason' from public.audit_logs where action = 'tenant.reactivate' and tenant_id = tests.tenant_id('test-acme')),
  'Paid by wire', 'the reactivation and its reason are audited');
select is(tests.try_as('bill', format('select public.reactivate_tenant(%L, ''again'')', tests.tenant_id('test-acme'))), 'error:TN060',
  'an active tenant cannot be reactivated');

-- ---------------------------------------------------------------------------------------------
-- Billing: subscriptions, payments and usage for billing_admin (not support, not other tenants)
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('bill', 'select id from public.subscriptions'), tests.rows('select id from public.subscriptions'), 'billing_admin reads every subscription');
select is(tests.try_as('sue', 'select id from public.subscriptions'), 'rows:0', 'support reads no subscription');
select is(tests.try_as('frank', 'select id from public.payments'), 'rows:0', 'another tenant''s owner reads none of acme''s payments');
select is(tests.try_as('bill', 'select id from public.payments where status = ''pending'''), tests.rows('select id from public.payments where status = ''pending'''),
  'billing_admin sees the payment queue');
select is(tests.try_as('sue', 'select id from public.payments'), 'rows:0', 'support does not see payments');

select is(tests.try_as('sue', 'select public.verify_payment(id, true, ''looks fine'') from public.payments where status = ''pending'''),
  'rows:0', 'support cannot even find the payment to verify');
select is(tests.try_as('sue', format('select public.verify_payment(%L, true, ''x'')',
  (select id from public.payments where status = 'pending' and tenant_id = tests.tenant_id('test-acme')))), 'error:TN061', 'support cannot verify a payment');
select is(tests.do_as('bill', format('select public.verify_payment(%L, true, ''Wire ref 991 received'')',
  (select id from public.payments where status = 'pending' and tenant_id = tests.tenant_id('test-acme')))), 'ok:1', 'billing_admin approves with a note');
select is((select p.status::text || '/' || s.status::text || '/' || p.note from public.payments p join public.subscriptions s on s.id = p.subscription_id
           where p.provider = 'manual' and p.tenant_id = tests.tenant_id('test-acme')), 'succeeded/active/Wire ref 991 received', 'payment succeeded, subscription active, note kept');
select is((select count(*)::int from private.notifications_outbox where kind = 'billing.payment_approved' and tenant_id = tests.tenant_id('test-acme')),
  1, 'the tenant is notified');
select is((select count(*)::int from public.audit_logs where action = 'payment.approve' and tenant_id = tests.tenant_id('test-acme')),
  1, 'the approval is audited');

-- ---------------------------------------------------------------------------------------------
-- Plans editor: billing_admin and super_admin write the catalogue; support and members cannot
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('bill', 'insert into public.plans (code, name, price_monthly) values (''team'', ''Team'', 1900)'), 'ok:1',
  'billing_admin creates a plan');
select is(tests.try_as('sue', 'insert into public.plans (code, name, price_monthly) values (''team'', ''Team'', 1900)'), 'error:42501',
  'support cannot create a plan');
select is(tests.try_as('alice', 'insert into public.plans (code, name, price_monthly) values (''team'', ''Team'', 1900)'), 'error:42501',
  'an owner cannot create a plan');
select is(tests.try_as('sue', 'update public.plans set price_monthly = 1 where code = ''pro'''), 'ok:0', 'support changes no price');
select is(tests.try_as('sam', 'update public.plans set price_monthly = 3900, is_active = false where code = ''pro'''), 'ok:1',
  'super_admin edits and archives a plan');
select is(tests.try_as('sue', 'update public.plan_limits set hard_limit = 1'), 'ok:0', 'support changes no limit');
select is(tests.try_as('bill', 'update public.plan_limits set hard_limit = 30 where metric = ''members'' and plan_id = (select id from public.plans where code = ''pro'')'),
  'ok:1', 'billing_admin changes a limit');
select is(tests.try_as('bill', 'insert into public.plans (code, name) values (''Bad Code'', ''Bad'')'), 'error:23514',
  'a malformed plan key is refused');

-- ---------------------------------------------------------------------------------------------
-- Staff list: super_admin adds and removes staff; other staff cannot
-- ---------------------------------------------------------------------------------------------
select is(tests.try_as('sam', format('insert into public.platform_staff (user_id, role) values (%L, ''support'')', tests.user_id('erin'))),
  'ok:1', 'super_admin adds a staff member');
select is(tests.try_as('bill', format('insert into public.platform_staff (user_id, role) values (%L, ''support'')', tests.user_id('erin'))),
  'error:42501', 'billing_admin cannot add staff');

select * from finish();
rollback;
