-- Governance (20261205000300_governance.sql): the persona matrix of data_policies and
-- impersonation_sessions; the policies' rules (TN500, TN501, TN510) and the platform's defaults;
-- typed system settings (TN502) audited with old and new values; retention's dry run against its
-- real run, idempotent and audited, per tenant; the maintenance sweeps and their report; the
-- console's run-now and reports; "view as": who may start it on whom (TN503–TN507), the tenant's
-- side (its row and its audit entry), read-only transactions, billing refused (TN508), ended
-- sessions refused (TN509).
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor;
-- globex: frank owner, gina developer; erin in no tenant; sam super_admin, sue support, bill billing_admin).
begin;
select plan(187);

select tests.seed_fixture();

-- The fixture's rows: a policy on each side, and sue viewing acme as carol.
select is(tests.do_as('alice', format($$insert into public.data_policies (tenant_id, data_class, retention_days, action)
  values (%L, 'notifications', 90, 'delete')$$, tests.tenant_id('test-acme'))), 'ok:1', 'alice sets acme''s notifications to 90 days');
select is(tests.do_as('frank', format($$insert into public.data_policies (tenant_id, data_class, retention_days, action)
  values (%L, 'webhook_deliveries', 7, 'delete')$$, tests.tenant_id('test-globex'))), 'ok:1', 'frank sets globex''s webhook deliveries to 7 days');
select is(tests.do_as('sue', format($$select public.start_impersonation(%L, %L, 'Ticket 42: the board looks empty', 30)$$,
  tests.tenant_id('test-acme'), tests.user_id('carol'))), 'ok:1', 'sue (support) views acme as carol');

-- ---------------------------------------------------------------------------------------------
-- The persona matrix (fixture tenants only)
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases
select c.tbl, c.op, replace(replace(c.stmt,
  ':fixture', quote_literal(tests.fixture_tenant_ids()::text)),
  ':acme', quote_literal(tests.tenant_id('test-acme')))
from (values
  ('data_policies', 'select', 'select data_class from public.data_policies where tenant_id = any (:fixture::uuid[])'),
  ('data_policies', 'insert', 'insert into public.data_policies (tenant_id, data_class, retention_days, action) values (:acme, ''support_tickets'', 365, ''anonymise'')'),
  ('data_policies', 'update', 'update public.data_policies set retention_days = retention_days + 1 where tenant_id = any (:fixture::uuid[])'),
  ('data_policies', 'delete', 'delete from public.data_policies where tenant_id = any (:fixture::uuid[])'),
  ('impersonation_sessions', 'select', 'select id from public.impersonation_sessions where tenant_id = any (:fixture::uuid[])'),
  ('impersonation_sessions', 'insert', 'insert into public.impersonation_sessions (tenant_id, target_user_id, staff_id, staff_label, reason, expires_at) select tenant_id, target_user_id, staff_id, staff_label, reason, expires_at from public.impersonation_sessions'),
  ('impersonation_sessions', 'update', 'update public.impersonation_sessions set ended_at = now() where tenant_id = any (:fixture::uuid[])'),
  ('impersonation_sessions', 'delete', 'delete from public.impersonation_sessions where tenant_id = any (:fixture::uuid[])')
) as c (tbl, op, stmt);

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected values
  ('data_policies', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('data_policies', 'alice',        'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('data_policies', 'bob',          'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('data_policies', 'carol',        'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('data_policies', 'dave',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('data_policies', 'erin',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('data_policies', 'frank',        'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('data_policies', 'gina',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('data_policies', 'sue',          'rows:2', 'error:42501', 'ok:0', 'ok:0'),
  ('data_policies', 'service_role', 'rows:2', 'error:42501', 'error:42501', 'ok:2'),
  ('impersonation_sessions', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('impersonation_sessions', 'alice',        'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('impersonation_sessions', 'bob',          'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('impersonation_sessions', 'carol',        'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('impersonation_sessions', 'dave',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('impersonation_sessions', 'erin',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('impersonation_sessions', 'frank',        'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('impersonation_sessions', 'gina',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('impersonation_sessions', 'sue',          'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('impersonation_sessions', 'service_role', 'rows:1', 'error:42501', 'error:42501', 'error:42501');

select * from tests.persona_matrix();

-- ---------------------------------------------------------------------------------------------
-- Data policies: the classes' ranges and actions, the platform's defaults
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', format($$insert into public.data_policies (tenant_id, data_class, retention_days, action)
  values (%L, 'usage_events', 3, 'delete')$$, tests.tenant_id('test-acme'))), 'error:TN500', 'usage events are kept at least 35 days (TN500)');
select is(tests.try_as('alice', format($$insert into public.data_policies (tenant_id, data_class, retention_days, action)
  values (%L, 'usage_events', 400, 'anonymise')$$, tests.tenant_id('test-acme'))), 'error:TN501', 'usage events can only be deleted (TN501)');
select is(tests.try_as('alice', format($$insert into public.data_policies (tenant_id, data_class, retention_days, action)
  values (%L, 'sessions', 30, 'delete')$$, tests.tenant_id('test-acme'))), 'error:TN510', 'sessions are one platform rule, not set per organisation (TN510)');
select is(tests.try_as('alice', format($$insert into public.data_policies (tenant_id, data_class, retention_days, action)
  values (%L, 'billing_records', 30, 'anonymise')$$, tests.tenant_id('test-acme'))), 'error:TN500', 'billing records keep their legal 10 years (TN500)');
select is(tests.try_as('alice', format($$update public.data_policies set retention_days = 5000 where tenant_id = %L$$,
  tests.tenant_id('test-acme'))), 'error:TN500', 'an update is held to the same range');
select is(tests.try_as('alice', format($$update public.data_policies set data_class = 'usage_events' where tenant_id = %L$$,
  tests.tenant_id('test-acme'))), 'error:42501', 'a policy''s class cannot be changed (no grant)');
select is(tests.try_as('alice', format($$select 1 from public.effective_data_policies(%L) where data_class = 'notifications' and retention_days = 90 and not is_default$$,
  tests.tenant_id('test-acme'))), 'rows:1', 'acme''s own notifications policy is in effect');
select is(tests.try_as('alice', format($$select 1 from public.effective_data_policies(%L) where data_class = 'usage_events' and retention_days = 400 and is_default$$,
  tests.tenant_id('test-acme'))), 'rows:1', 'where acme set nothing, the platform''s default applies');
select is(tests.try_as('carol', format($$select 1 from public.effective_data_policies(%L) where data_class = 'notifications' and is_default$$,
  tests.tenant_id('test-acme'))), 'rows:1', 'carol (no privacy.manage) sees only the defaults: RLS hides the policy');

select is(tests.try_as('sam', $$update public.data_classes set default_days = 200 where key = 'notifications'$$), 'ok:1',
  'sam (super_admin) changes a platform default');
select is(tests.try_as('sue', $$update public.data_classes set default_days = 200 where key = 'notifications'$$), 'ok:0',
  'sue (support) does not');
select is(tests.try_as('alice', $$update public.data_classes set default_days = 200 where key = 'notifications'$$), 'ok:0',
  'nor does a tenant owner');
select is(tests.try_as('sam', $$update public.data_classes set default_days = 1 where key = 'usage_events'$$), 'error:TN500',
  'a default is held to its class''s range (TN500)');
select is(tests.try_as('sam', $$update public.data_classes set min_days = 1 where key = 'usage_events'$$), 'error:42501',
  'and the range itself is not editable');
select is(tests.try_as('sam', $$update public.data_classes set default_action = 'anonymise' where key = 'notifications'$$), 'error:TN501',
  'a default action is one the class offers (TN501)');

-- ---------------------------------------------------------------------------------------------
-- Typed system settings
-- ---------------------------------------------------------------------------------------------

select is((select value_type from public.system_settings where key = 'tenants.require_approval'), 'boolean',
  'the approval requirement for new tenants is a boolean setting');
select is((select value_type || ':' || min_value from public.system_settings where key = 'jobs.retry_schedule_seconds'), 'integer_list:1',
  'a retry schedule is a list of whole seconds, each at least 1');
select is(tests.try_as('sam', $$update public.system_settings set value = '"yes"' where key = 'tenants.require_approval'$$), 'error:TN502',
  'a boolean setting refuses a string (TN502)');
select is(tests.try_as('sam', $$update public.system_settings set value = '0' where key = 'invitations.ttl_hours'$$), 'error:TN502',
  'a bounded number refuses 0 (TN502)');
select is(tests.try_as('sam', $$update public.system_settings set value = '1.5' where key = 'invitations.ttl_hours'$$), 'error:TN502',
  'an integer setting refuses a fraction');
select is(tests.try_as('sam', $$update public.system_settings set value = '[]' where key = 'jobs.retry_schedule_seconds'$$), 'error:TN502',
  'a schedule lists at least one step');
select is(tests.try_as('sam', $$update public.system_settings set value = '[5, -1]' where key = 'jobs.retry_schedule_seconds'$$), 'error:TN502',
  'each step within bounds');
select is(tests.try_as('sam', $$update public.system_settings set value_type = 'string' where key = 'tenants.require_approval'$$), 'error:42501',
  'a setting''s type is not editable');
select is(tests.try_as('sue', $$update public.system_settings set value = 'true' where key = 'tenants.require_approval'$$), 'ok:0',
  'sue (support) changes no setting');
select is(tests.try_as('alice', $$select key from public.system_settings where key = 'tenants.require_approval'$$), 'rows:1',
  'a public setting is readable by a tenant''s member');
select is(tests.try_as('alice', $$select key from public.system_settings where key = 'jobs.max_attempts'$$), 'rows:0',
  'a private one is not');
select is(tests.do_as('sam', $$update public.system_settings set value = 'true' where key = 'tenants.require_approval'$$), 'ok:1',
  'sam requires approval of new tenants');
select results_eq(
  $$select old_values, new_values, actor_id from public.audit_logs
     where action = 'system_settings.update' and target_id = 'tenants.require_approval' and new_values ? 'value'$$,
  format($$values ('{"value": false}'::jsonb, '{"value": true}'::jsonb, %L::uuid)$$, tests.user_id('sam')),
  'the change is audited with its old and new value and who made it');
insert into public.system_settings (key, value, category, description) values ('tests.some_limit', '12', 'tests', 'A later module''s setting');
select is((select value_type from public.system_settings where key = 'tests.some_limit'), 'integer',
  'a setting a module inserts without a type takes its value''s');
select is(tests.try_as('sam', $$update public.system_settings set value = '"twelve"' where key = 'tests.some_limit'$$), 'error:TN502',
  'and keeps it');

-- ---------------------------------------------------------------------------------------------
-- Retention: the dry run says what the real run does; idempotent; audited; per tenant
-- ---------------------------------------------------------------------------------------------

insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, occurred_at) values
  (tests.tenant_id('test-acme'), 'api_calls', 1, 'old-1', now() - interval '500 days'),
  (tests.tenant_id('test-acme'), 'api_calls', 1, 'old-2', now() - interval '450 days'),
  (tests.tenant_id('test-acme'), 'api_calls', 1, 'new-1', now() - interval '10 days'),
  (tests.tenant_id('test-globex'), 'api_calls', 1, 'old-g', now() - interval '500 days');
insert into public.support_tickets (tenant_id, number, subject, description, status, first_response_due_at,
                                    resolution_due_at, requester_id, created_at, updated_at) values
  (tests.tenant_id('test-acme'), 901, 'Invoice for Carol Example', 'Please resend to carol@example.test', 'closed',
   now(), now(), tests.user_id('carol'), now() - interval '900 days', now() - interval '800 days'),
  (tests.tenant_id('test-acme'), 902, 'Still open', 'Open since long', 'open',
   now(), now(), tests.user_id('carol'), now() - interval '900 days', now() - interval '800 days');
insert into public.support_messages (tenant_id, ticket_id, author_id, author_side, kind, body)
select tenant_id, id, tests.user_id('carol'), 'customer', 'reply', 'My phone is 555-0100' from public.support_tickets where number = 901
  and tenant_id = tests.tenant_id('test-acme');
-- The reply touched the ticket; put its last change back 800 days.
alter table public.support_tickets disable trigger support_tickets_updated_at;
update public.support_tickets set updated_at = now() - interval '800 days' where number = 901 and tenant_id = tests.tenant_id('test-acme');
alter table public.support_tickets enable trigger support_tickets_updated_at;
insert into auth.sessions (id, user_id, created_at, updated_at, refreshed_at, aal) values
  ('00000000-0000-4000-8000-00000000a001', tests.user_id('erin'), now() - interval '200 days', now() - interval '120 days',
   now() - interval '120 days', 'aal1'),
  ('00000000-0000-4000-8000-00000000a002', tests.user_id('erin'), now() - interval '2 days', now() - interval '2 hours',
   now() - interval '2 hours', 'aal1');
insert into auth.refresh_tokens (token, user_id, revoked, created_at, updated_at, session_id) values
  ('live-token', tests.user_id('erin'), false, now(), now(), '00000000-0000-4000-8000-00000000a002');

create temp table audit_mark as select coalesce(max(id), 0) as id from public.audit_logs;

select tests.authenticate_as_service_role('governance.retention');
select results_eq(
  format($$select data_class, action, rows from private.apply_retention(true, %L) where rows > 0 order by 1$$, tests.tenant_id('test-acme')),
  $$values ('support_tickets', 'anonymise', 1::bigint), ('usage_events', 'delete', 2::bigint)$$,
  'the dry run of acme names the closed old ticket (anonymise) and the two old usage events (delete)');
select tests.clear_authentication();
select is((select count(*)::int from public.usage_events where idempotency_key like 'old-%'), 3, 'the dry run deleted nothing');
select is((select count(*)::int from public.audit_logs where id > (select id from audit_mark)), 0, 'and wrote no audit row');
select is(tests.try_as('alice', format($$select * from public.preview_retention(%L) where rows > 0$$, tests.tenant_id('test-acme'))), 'rows:2',
  'alice (privacy.manage) previews the same two lines');
select is(tests.try_as('carol', format($$select * from public.preview_retention(%L)$$, tests.tenant_id('test-acme'))), 'error:42501',
  'carol may not preview');
select is(tests.try_as('frank', format($$select * from public.preview_retention(%L)$$, tests.tenant_id('test-acme'))), 'error:42501',
  'nor may another tenant''s owner');

select tests.authenticate_as_service_role('governance.retention');
create temp table run1 as select * from private.apply_retention(false, null);
select tests.clear_authentication();
select results_eq(
  format($$select data_class, rows from run1 where rows > 0 and tenant_id = %L order by 1$$, tests.tenant_id('test-acme')),
  $$values ('support_tickets', 1::bigint), ('usage_events', 2::bigint)$$,
  'the real run does what the dry run said in acme');
select is((select rows from run1 where tenant_id = tests.tenant_id('test-globex') and data_class = 'usage_events'), 1::bigint,
  'and globex''s old usage event goes by the platform default');
select is((select rows from run1 where tenant_id is null and data_class = 'sessions'), 1::bigint,
  'the platform pass ends the session idle for 120 days');
select is((select array_agg(idempotency_key order by idempotency_key) from public.usage_events
            where tenant_id in (tests.tenant_id('test-acme'), tests.tenant_id('test-globex'))), array['new-1'],
  'only the recent usage event is left');
select results_eq(
  $$select subject, description, status::text from public.support_tickets where number = 901 and tenant_id = tests.tenant_id('test-acme')$$,
  $$values ('Removed by the retention policy', 'Removed by the retention policy', 'closed')$$,
  'the old closed ticket keeps its number and status; its subject and description are gone');
select is((select count(*)::int from public.support_messages m join public.support_tickets t on t.id = m.ticket_id
            where t.number = 901 and t.tenant_id = tests.tenant_id('test-acme')), 0, 'and so is its thread');
select is((select subject from public.support_tickets where number = 902 and tenant_id = tests.tenant_id('test-acme')), 'Still open',
  'an open ticket is never touched, however old');
select is((select count(*)::int from auth.sessions where user_id = tests.user_id('erin')), 1, 'the recent session stays');
select results_eq(
  format($$select tenant_id, target_id, new_values ->> 'rows', actor_job from public.audit_logs
     where action = 'retention.apply' and id > (select id from audit_mark) and tenant_id = %L order by target_id$$, tests.tenant_id('test-acme')),
  format($$values (%L::uuid, 'support_tickets', '1', 'governance.retention'), (%L::uuid, 'usage_events', '2', 'governance.retention')$$,
    tests.tenant_id('test-acme'), tests.tenant_id('test-acme')),
  'each class that lost rows is one retention.apply event in the tenant''s log, with the count and the job');
select is((select count(*)::int from public.audit_logs where action = 'retention.apply' and tenant_id is null
            and target_id = 'sessions' and id > (select id from audit_mark)), 1, 'the platform pass is a platform event');

delete from audit_mark; insert into audit_mark select max(id) from public.audit_logs;
select tests.authenticate_as_service_role('governance.retention');
select is((select sum(rows)::int from private.apply_retention(false, null)), 0, 'a second run finds nothing more (idempotent)');
select tests.clear_authentication();
select is((select count(*)::int from public.audit_logs where action = 'retention.apply' and id > (select id from audit_mark)), 0,
  'and audits nothing');
select is(tests.try_as('service_role', $$select * from private.apply_retention(true, null)$$), 'rows:' ||
  ((select count(*) from public.tenants) * 4 + 1)::text, 'a run reports every enforced class of every tenant, and the platform''s');
select throws_ok(format($$delete from public.usage_events where tenant_id = %L$$, tests.tenant_id('test-acme')), 'TN072', null,
  'outside the retention job usage events stay append-only, for the owner too');
select is(tests.try_as('alice', $$select private.apply_retention(false, null)$$), 'error:42501', 'a person cannot run retention');

-- ---------------------------------------------------------------------------------------------
-- Maintenance: each sweep counted; a dry run changes nothing
-- ---------------------------------------------------------------------------------------------

insert into auth.sessions (id, user_id, created_at, updated_at, not_after, aal) values
  ('00000000-0000-4000-8000-00000000b001', tests.user_id('gina'), now() - interval '3 days', now() - interval '3 days',
   now() - interval '1 hour', 'aal1'),
  ('00000000-0000-4000-8000-00000000b002', tests.user_id('gina'), now() - interval '3 days', now() - interval '3 days', null, 'aal1');
insert into auth.refresh_tokens (token, user_id, revoked, created_at, updated_at, session_id) values
  ('expired-1', tests.user_id('gina'), false, now(), now(), '00000000-0000-4000-8000-00000000b001'),
  ('expired-2', tests.user_id('gina'), true, now(), now(), '00000000-0000-4000-8000-00000000b001'),
  ('revoked-1', tests.user_id('gina'), true, now(), now(), '00000000-0000-4000-8000-00000000b002');
insert into public.invitations (tenant_id, email, token_hash, expires_at, created_at) values
  (tests.tenant_id('test-acme'), 'late@example.test', sha256('late'), now() - interval '40 days', now() - interval '47 days'),
  (tests.tenant_id('test-acme'), 'recent@example.test', sha256('recent'), now() - interval '2 days', now() - interval '9 days');
insert into public.api_idempotency (principal, key, tenant_id, request_hash, created_at) values
  ('user:x', 'k-old', tests.tenant_id('test-acme'), repeat('a', 64), now() - interval '2 days'),
  ('user:x', 'k-new', tests.tenant_id('test-acme'), repeat('b', 64), now());
insert into storage.objects (bucket_id, name, created_at) values
  ('support-attachments', tests.tenant_id('test-acme') || '/support_ticket/00000000-0000-4000-8000-000000000001/stray.png',
   now() - interval '2 hours');

select tests.authenticate_as_service_role('governance.maintenance');
select is(private.run_maintenance(true) - 'dry_run',
  '{"expired_sessions": 2, "refresh_tokens": 3, "expired_invitations": 1, "idempotency_keys": 1, "orphaned_files": 1}'::jsonb,
  'the dry run counts two ended sessions with their three tokens, one expired invitation, one old key and one stray file');
select tests.clear_authentication();
select is((select count(*)::int from auth.sessions where user_id = tests.user_id('gina')), 2, 'and removes nothing');
select tests.authenticate_as_service_role('governance.maintenance');
select is(private.run_maintenance(false),
  '{"dry_run": false, "expired_sessions": 2, "refresh_tokens": 3, "expired_invitations": 1, "idempotency_keys": 1, "orphaned_files": 1}'::jsonb,
  'the real run reports the same');
select tests.clear_authentication();
select is((select count(*)::int from auth.sessions where user_id = tests.user_id('gina')), 0, 'the ended sessions are gone');
select is((select count(*)::int from auth.refresh_tokens where user_id = tests.user_id('gina')), 0, 'with their refresh tokens');
select is((select count(*)::int from auth.refresh_tokens where token = 'live-token'), 1, 'a live session''s token stays');
select is((select array_agg(email::text) from public.invitations where email in ('late@example.test', 'recent@example.test')),
  array['recent@example.test'], 'the invitation expired 40 days ago is gone, the recent one stays');
select is((select array_agg(key) from public.api_idempotency where principal = 'user:x'), array['k-new'], 'the old idempotency key is gone');
select is((select count(*)::int from private.storage_removals where name like '%/stray.png'), 1,
  'the stray file is queued for the storage sweep, which removes its bytes');
select is((select new_values - 'dry_run' from public.audit_logs where action = 'maintenance.run' order by id desc limit 1),
  '{"expired_sessions": 2, "refresh_tokens": 3, "expired_invitations": 1, "idempotency_keys": 1, "orphaned_files": 1}'::jsonb,
  'the run is a maintenance.run audit event with its report');
select tests.authenticate_as_service_role('governance.maintenance');
select is(private.run_maintenance(false) - 'dry_run',
  '{"expired_sessions": 0, "refresh_tokens": 0, "expired_invitations": 0, "idempotency_keys": 0, "orphaned_files": 0}'::jsonb,
  'a second run finds nothing (idempotent)');
select tests.clear_authentication();
select is(tests.try_as('sam', $$select private.run_maintenance(false)$$), 'error:42501', 'staff run it through the queue, not directly');

-- ---------------------------------------------------------------------------------------------
-- The console: run now, the reports
-- ---------------------------------------------------------------------------------------------

select is(tests.do_as('sam', $$select public.enqueue_governance_job('maintenance', true)$$), 'ok:1', 'sam queues a maintenance dry run');
select results_eq($$select queue, payload from public.jobs where queue like 'governance.%'$$,
  $$values ('governance.maintenance', '{"dry_run": true}'::jsonb)$$, 'the job is on the shared queue with its dry-run flag');
select is((select count(*)::int from public.audit_logs where action = 'governance.run' and actor_id = tests.user_id('sam')), 1,
  'the run-now is audited');
select is(tests.try_as('sue', $$select public.enqueue_governance_job('maintenance', true)$$), 'error:TN061', 'sue (support) may not');
select is(tests.try_as('sam', $$select public.enqueue_governance_job('backup', true)$$), 'error:TN511', 'an unknown kind is refused (TN511)');
select is(tests.try_as('sam', $$select * from public.governance_reports(10)$$), 'rows:1', 'sam reads the governance jobs'' reports');
select is(tests.try_as('sue', $$select * from public.governance_reports(10)$$), 'error:TN061', 'sue does not');

-- ---------------------------------------------------------------------------------------------
-- View as: who, on whom, what the tenant sees
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('sue', format($$select public.start_impersonation(%L, %L, 'check', 30)$$,
  tests.tenant_id('test-acme'), tests.user_id('sam'))), 'error:TN503', 'never on platform staff (TN503)');
insert into public.memberships (tenant_id, user_id) values (tests.tenant_id('test-acme'), tests.user_id('bill'));
select is(tests.try_as('sue', format($$select public.start_impersonation(%L, %L, 'check', 30)$$,
  tests.tenant_id('test-acme'), tests.user_id('bill'))), 'error:TN503', 'not even a staff member who is also a member of the tenant');
select is(tests.try_as('sue', format($$select public.start_impersonation(%L, %L, 'check', 30)$$,
  tests.tenant_id('test-acme'), tests.user_id('erin'))), 'error:TN504', 'only on an active member (TN504)');
select is(tests.try_as('sue', format($$select public.start_impersonation(%L, %L, 'check', 30)$$,
  tests.tenant_id('test-initech'), tests.user_id('ivan'))), 'error:TN504', 'of an active organisation');
select is(tests.try_as('sue', format($$select public.start_impersonation(%L, %L, '  ', 30)$$,
  tests.tenant_id('test-acme'), tests.user_id('bob'))), 'error:TN505', 'with a reason (TN505)');
select is(tests.try_as('sue', format($$select public.start_impersonation(%L, %L, 'check', 1)$$,
  tests.tenant_id('test-acme'), tests.user_id('bob'))), 'error:TN506', 'for 5 to 240 minutes (TN506)');
select is(tests.try_as('sue', format($$select public.start_impersonation(%L, %L, 'check', 30, true)$$,
  tests.tenant_id('test-acme'), tests.user_id('bob'))), 'error:TN507', 'support staff view read-only (TN507)');
select is(tests.try_as('bill', format($$select public.start_impersonation(%L, %L, 'check', 30)$$,
  tests.tenant_id('test-acme'), tests.user_id('bob'))), 'error:TN061', 'billing staff may not view as anyone');
select is(tests.try_as('alice', format($$select public.start_impersonation(%L, %L, 'check', 30)$$,
  tests.tenant_id('test-acme'), tests.user_id('bob'))), 'error:TN061', 'nor may a tenant owner');

select results_eq(
  format($$select staff_id, target_user_id, reason, allow_writes, expires_at - started_at from public.impersonation_sessions where tenant_id = %L$$,
    tests.tenant_id('test-acme')),
  format($$values (%L::uuid, %L::uuid, 'Ticket 42: the board looks empty', false, interval '30 minutes')$$, tests.user_id('sue'), tests.user_id('carol')),
  'sue''s session: on carol, with its reason, read-only, for 30 minutes');
select results_eq(
  format($$select tenant_id, actor_id, new_values ->> 'reason' from public.audit_logs where action = 'impersonation_sessions.insert'$$),
  format($$values (%L::uuid, %L::uuid, 'Ticket 42: the board looks empty')$$, tests.tenant_id('test-acme'), tests.user_id('sue')),
  'its start is an entry in acme''s own audit log, naming sue and the reason');
select is(tests.try_as('dave', format($$select id from public.audit_logs where tenant_id = %L and action = 'impersonation_sessions.insert'$$,
  tests.tenant_id('test-acme'))), 'rows:1', 'which acme''s auditor reads');

create function pg_temp.as_viewer(p_session uuid, p_staff text, p_target text, p_sql text) returns text language plpgsql as $$
declare
  v_count bigint;
  v_result text;
begin
  begin
    perform set_config('request.jwt.claims', jsonb_build_object('sub', tests.user_id(p_target), 'role', 'authenticated',
      'aal', 'aal1', 'impersonation_id', p_session, 'impersonator', tests.user_id(p_staff),
      'session_id', md5('session:' || p_staff)::uuid)::text, true);
    perform set_config('role', 'authenticated', true);
    perform private.assert_impersonation_active();
    if p_sql ~* '^\s*select\M' then
      v_count := tests.row_count(p_sql);
      v_result := 'rows:' || v_count;
    else
      execute p_sql;
      get diagnostics v_count = row_count;
      v_result := 'ok:' || v_count;
    end if;
    raise exception using errcode = 'TT000', message = v_result;
  exception
    when sqlstate 'TT000' then return sqlerrm;
    when others then return 'error:' || sqlstate;
  end;
end
$$;
create temp table viewing as select id from public.impersonation_sessions where staff_id = tests.user_id('sue');
-- The staff members' own sessions (the view-as claims carry them as session_id).
insert into auth.sessions (id, user_id, created_at, updated_at, aal)
select md5('session:' || u)::uuid, tests.user_id(u), now(), now(), 'aal1' from unnest(array['sue', 'sam']) u;
insert into auth.refresh_tokens (token, user_id, revoked, created_at, updated_at, session_id)
select 'staff-' || u, tests.user_id(u), false, now(), now(), md5('session:' || u)::uuid from unnest(array['sue', 'sam']) u;

select is(pg_temp.as_viewer((select id from viewing), 'sue', 'carol', format($$select id from public.projects where tenant_id = %L$$,
  tests.tenant_id('test-acme'))), 'rows:2', 'viewing as carol, sue reads what carol reads');
select is(pg_temp.as_viewer((select id from viewing), 'sue', 'carol', format($$select id from public.projects where tenant_id = %L$$,
  tests.tenant_id('test-globex'))), 'rows:0', 'and nothing carol does not');
select is(pg_temp.as_viewer((select id from viewing), 'sue', 'carol',
  $$update public.user_preferences set theme = theme$$), 'error:25006', 'every write is refused: the transaction is read only');
select is(pg_temp.as_viewer((select id from viewing), 'sam', 'carol', $$select 1$$), 'error:TN509',
  'the session is only its own staff member''s (TN509)');
select is(pg_temp.as_viewer((select id from viewing), 'sue', 'bob', $$select 1$$), 'error:TN509', 'and only on its member');
update auth.refresh_tokens set revoked = true where token = 'staff-sue';
select is(pg_temp.as_viewer((select id from viewing), 'sue', 'carol', $$select 1$$), 'error:TN509',
  'and only while the staff member''s own session lives (signing out ends the view)');
update auth.refresh_tokens set revoked = false where token = 'staff-sue';

select is(tests.do_as('sam', format($$select public.start_impersonation(%L, %L, 'Fix a stuck import', 15, true)$$,
  tests.tenant_id('test-acme'), tests.user_id('alice'))), 'ok:1', 'sam (super_admin) views as alice with changes allowed');
select is(pg_temp.as_viewer((select id from public.impersonation_sessions where staff_id = tests.user_id('sam')), 'sam', 'alice',
  format($$update public.teams set name = name where tenant_id = %L$$, tests.tenant_id('test-acme'))), 'ok:1',
  'an ordinary write goes through');
select tests.clear_authentication();
select isnt(tests.subscribe('test-acme', 'free'), null, 'acme has a subscription');
select set_config('request.jwt.claims', jsonb_build_object('sub', tests.user_id('alice'),
  'impersonation_id', (select id from public.impersonation_sessions where staff_id = tests.user_id('sam')))::text, true);
select throws_ok(
  format($$update public.subscriptions set cancel_at_period_end = true where tenant_id = %L$$, tests.tenant_id('test-acme')),
  'TN508', null, 'a billing write is refused whatever path makes it, the owner''s included (TN508)');
select tests.clear_authentication();

select is(tests.do_as('sam', format($$select public.start_impersonation(%L, %L, 'Second look', 10)$$,
  tests.tenant_id('test-acme'), tests.user_id('bob'))), 'ok:1', 'sam starts another session');
select is((select count(*)::int from public.impersonation_sessions where staff_id = tests.user_id('sam') and ended_at is null), 1,
  'which ends his previous one: one at a time');
select is(tests.try_as('gina', format($$select public.end_impersonation(%L)$$, (select id from viewing))), 'rows:1',
  'gina''s call to end sue''s session answers (false) …');
select is((select ended_at from public.impersonation_sessions where id = (select id from viewing)), null, '… and ends nothing');
select is(tests.do_as('sue', format($$select public.end_impersonation(%L)$$, (select id from viewing))), 'ok:1', 'sue ends hers');
select isnt((select ended_at from public.impersonation_sessions where id = (select id from viewing)), null, 'it is ended');
select is(pg_temp.as_viewer((select id from viewing), 'sue', 'carol', $$select 1$$), 'error:TN509', 'an ended session is refused (TN509)');
insert into public.impersonation_sessions (tenant_id, target_user_id, staff_id, staff_label, reason, started_at, expires_at)
values (tests.tenant_id('test-acme'), tests.user_id('dave'), tests.user_id('sue'), 'Sue', 'Old look',
        now() - interval '2 hours', now() - interval '1 hour');
select is(pg_temp.as_viewer((select id from public.impersonation_sessions where target_user_id = tests.user_id('dave')), 'sue', 'dave',
  $$select 1$$), 'error:TN509', 'so is an expired one');
select is(tests.try_as('sue', format($$update public.impersonation_sessions set expires_at = now() + interval '1 day' where id = %L$$,
  (select id from viewing))), 'error:42501', 'no one extends a session by hand');

-- Domain events (20261206000500_governance_more.sql): retention runs and "view as"
select results_eq(format($$select subject_id, (payload ->> 'rows')::int from public.events
  where type = 'retention.applied' and tenant_id = %L order by 1$$, tests.tenant_id('test-acme')),
  $$values ('support_tickets', 1), ('usage_events', 2)$$,
  'the real run published retention.applied for each of acme''s classes that lost rows (the dry runs none)');
select is((select count(*)::int from public.events where type = 'impersonation.started'
  and subject_id = (select id from viewing)::text and payload ->> 'reason' = 'Ticket 42: the board looks empty'
  and (payload ->> 'allow_writes')::boolean = false), 1, 'starting a view-as publishes impersonation.started in the tenant''s log');
select is((select count(*)::int from public.events where type = 'impersonation.ended'
  and subject_id = (select id from viewing)::text and payload ->> 'user_id' = tests.user_id('carol')::text), 1,
  'ending it publishes impersonation.ended');

select * from finish();
rollback;
