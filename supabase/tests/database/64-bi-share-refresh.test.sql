-- Shared dashboards refreshed on a schedule (20261207000000_bi_share_refresh.sql): who reads and
-- sets a link's refresh (dashboards.manage; another tenant, a viewer, staff and anon not); the
-- interval's rule (TN564); next_refresh_at following the snapshot; the due list and the stop that
-- only the bi.share_refresh job (service_role) may call; a sharer without dashboards.manage
-- changes no snapshot (the refresh runs under the sharer's rights, so it would stop).
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor;
-- globex: frank owner, gina developer; erin in no tenant; sue support staff).
begin;
select plan(60);

select tests.seed_fixture();

insert into public.dashboards (tenant_id, name) values
  (tests.tenant_id('test-acme'), 'Ops'), (tests.tenant_id('test-globex'), 'Sales');
insert into public.dashboard_shares (tenant_id, dashboard_id, token_hash, snapshot, refresh_hours, created_by, snapshot_at)
select d.tenant_id, d.id, sha256(convert_to(d.name, 'UTF8')), '{}', 6, tests.user_id('alice'), '2026-12-01T09:00:00Z'
from public.dashboards d where d.name = 'Ops';
insert into public.dashboard_shares (tenant_id, dashboard_id, token_hash, snapshot, created_by)
select d.tenant_id, d.id, sha256(convert_to(d.name, 'UTF8')), '{}', tests.user_id('frank')
from public.dashboards d where d.name = 'Sales';

-- ---------------------------------------------------------------------------------------------
-- The persona matrix of the refresh columns
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases
select c.tbl, c.op, replace(replace(replace(c.stmt,
  ':fixture', quote_literal(tests.fixture_tenant_ids()::text)),
  ':acme', quote_literal(tests.tenant_id('test-acme'))),
  ':ops', quote_literal((select id from public.dashboards where name = 'Ops')))
from (values
  ('dashboard_shares', 'select', 'select refresh_hours, next_refresh_at, refresh_stopped_at, refresh_stopped_reason from public.dashboard_shares where tenant_id = any (:fixture::uuid[])'),
  ('dashboard_shares', 'insert', 'insert into public.dashboard_shares (tenant_id, dashboard_id, token_hash, snapshot, refresh_hours) values (:acme, :ops, sha256(''probe''), ''{}'', 24)'),
  ('dashboard_shares', 'update', 'update public.dashboard_shares set snapshot = ''{"probe": true}'' where tenant_id = any (:fixture::uuid[])'),
  ('dashboard_shares', 'delete', 'update public.dashboard_shares set refresh_stopped_at = now() where tenant_id = any (:fixture::uuid[])')
) as c (tbl, op, stmt);

-- "delete" here is the stop columns: nobody writes them but the job's definer function.
create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected values
  ('dashboard_shares', 'anon', 'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('dashboard_shares', 'alice', 'rows:1', 'ok:1', 'ok:1', 'error:42501'),
  ('dashboard_shares', 'bob', 'rows:1', 'ok:1', 'ok:1', 'error:42501'),
  ('dashboard_shares', 'carol', 'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('dashboard_shares', 'dave', 'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('dashboard_shares', 'erin', 'rows:0', 'error:42501', 'ok:0', 'error:42501'),
  ('dashboard_shares', 'frank', 'rows:1', 'error:42501', 'ok:1', 'error:42501'),
  ('dashboard_shares', 'gina', 'rows:1', 'error:42501', 'ok:1', 'error:42501'),
  ('dashboard_shares', 'sue', 'rows:0', 'error:42501', 'ok:0', 'error:42501');

select tests.persona_matrix();

-- ---------------------------------------------------------------------------------------------
-- The interval and the next refresh
-- ---------------------------------------------------------------------------------------------

select is((select next_refresh_at from public.dashboard_shares where token_hash = sha256(convert_to('Ops', 'UTF8'))),
  '2026-12-01T15:00:00Z'::timestamptz, 'a link refreshed every 6 hours is next due 6 hours after its snapshot');
select is((select next_refresh_at from public.dashboard_shares where token_hash = sha256(convert_to('Sales', 'UTF8'))),
  null, 'a frozen link is never due');
select is(tests.try_as('alice', format($$insert into public.dashboard_shares (tenant_id, dashboard_id, token_hash, snapshot, refresh_hours)
  values (%L, %L, sha256('five'), '{}', 5)$$, tests.tenant_id('test-acme'), (select id from public.dashboards where name = 'Ops'))),
  'error:TN564', 'an interval other than 1, 6, 12 or 24 hours is refused (TN564)');
select is(tests.try_as('alice', format($$update public.dashboard_shares set refresh_hours = 1 where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'error:42501', 'nor is the interval changed after sharing (no column privilege: share again)');
select ok(not has_column_privilege('authenticated', 'public.dashboard_shares', 'next_refresh_at', 'update'),
  'nobody sets next_refresh_at: it follows the snapshot');
select ok(not has_column_privilege('authenticated', 'public.dashboard_shares', 'refresh_stopped_reason', 'update'),
  'nor the stop''s reason');
select is(tests.do_as('alice', format($$update public.dashboard_shares set snapshot = '{"v": 2}', snapshot_at = '2026-12-01T16:00:00Z'
  where id = %L$$, (select id from public.dashboard_shares where token_hash = sha256(convert_to('Ops', 'UTF8'))))),
  'ok:1', 'the sharer (dashboards.manage) writes a new snapshot as themself');
select is((select next_refresh_at from public.dashboard_shares where token_hash = sha256(convert_to('Ops', 'UTF8'))),
  '2026-12-01T22:00:00Z'::timestamptz, 'and the next refresh moves with it');

-- ---------------------------------------------------------------------------------------------
-- A refresh runs under the sharer's rights: one who lost dashboards.manage changes nothing
-- ---------------------------------------------------------------------------------------------

select is(tests.do_as('carol', format($$update public.dashboard_shares set snapshot = '{"v": 3}', snapshot_at = now()
  where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'ok:0', 'a sharer who is now a viewer (no dashboards.manage) writes no snapshot, even of their own link');
select is(tests.do_as('erin', format($$update public.dashboard_shares set snapshot = '{"v": 3}', snapshot_at = now()
  where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'ok:0', 'nor does one who left the tenant');
select is((select snapshot from public.dashboard_shares where token_hash = sha256(convert_to('Ops', 'UTF8'))),
  '{"v": 2}'::jsonb, 'the snapshot is the sharer''s last one');

-- ---------------------------------------------------------------------------------------------
-- The job's functions
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', $$select * from private.share_refreshes_due(now())$$),
  'error:42501', 'a person cannot list the shares due');
select is(tests.try_as('alice', format($$select private.stop_share_refresh(%L, 'x')$$,
  (select id from public.dashboard_shares where token_hash = sha256(convert_to('Ops', 'UTF8'))))),
  'error:42501', 'nor stop a refresh');

create temp table ops_share as select id from public.dashboard_shares where token_hash = sha256(convert_to('Ops', 'UTF8'));
grant select on ops_share to service_role;

select tests.authenticate_as_service_role('bi.share_refresh');
select is((select count(*)::int from private.share_refreshes_due('2026-12-01T21:59:59Z') d where d.share_id = (select id from ops_share)),
  0, 'a share is not due before its next refresh');
select is((select count(*)::int from private.share_refreshes_due('2026-12-01T22:00:00Z') d where d.share_id = (select id from ops_share)),
  1, 'and is due at it');
select is((select count(*)::int from private.share_refreshes_due('2030-01-01') d
           join public.dashboard_shares s on s.id = d.share_id where s.refresh_hours is null),
  0, 'a frozen share never is');
select is(private.stop_share_refresh((select id from ops_share), 'The person who shared this dashboard may no longer manage dashboards.'),
  true, 'the job stops a refresh whose sharer lost the right');
select is(private.stop_share_refresh((select id from ops_share), 'again'), false, 'once');
select is((select count(*)::int from private.share_refreshes_due('2030-01-01') d where d.share_id = (select id from ops_share)),
  0, 'a stopped share is no longer due');
select tests.clear_authentication();

select results_eq($$select next_refresh_at, refresh_stopped_reason, snapshot from public.dashboard_shares where id = (select id from ops_share)$$,
  $$values (null::timestamptz, 'The person who shared this dashboard may no longer manage dashboards.'::text, '{"v": 2}'::jsonb)$$,
  'it keeps its last snapshot and says why it stopped');
select is(tests.do_as('alice', format($$update public.dashboard_shares set snapshot_at = now() where id = %L$$, (select id from ops_share))),
  'ok:1', 'a manager may still touch the stopped link');
select is((select next_refresh_at from public.dashboard_shares where id = (select id from ops_share)),
  null, 'which does not restart it');

insert into public.dashboard_shares (tenant_id, dashboard_id, token_hash, snapshot, refresh_hours)
select d.tenant_id, d.id, sha256('daily'), '{}', 24 from public.dashboards d where d.name = 'Ops';
select isnt((select next_refresh_at from public.dashboard_shares where token_hash = sha256('daily')), null, 'a daily link is due');
update public.dashboard_shares set revoked_at = now() where token_hash = sha256('daily');
select is((select next_refresh_at from public.dashboard_shares where token_hash = sha256('daily')), null,
  'until it is revoked');

select * from finish();
rollback;
