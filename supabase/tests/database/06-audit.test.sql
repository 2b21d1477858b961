-- The audit log: written in the same transaction by triggers and RPCs, with actor, IP and user
-- agent from the request; append-only; sealed into a per-tenant hash chain that
-- verify_audit_chain() checks, catching altered, deleted and re-ordered rows.
begin;
select plan(27);
select tests.seed_fixture();
select private.seal_audit_chain();

-- Actor and request context
-- As PostgREST passes them: the right-most X-Forwarded-For hop is the one the proxy saw.
select set_config('request.headers', '{"x-forwarded-for": "198.51.100.66, 203.0.113.7", "user-agent": "pgTAP/1.0"}', true);
select is(tests.do_as('bob', format('insert into public.teams (tenant_id, name) values (%L, ''audited'')', tests.tenant_id('test-acme'))), 'ok:1',
  'bob creates a team');
select results_eq(
  $$select actor_type::text, actor_id, action, target_type, host(ip), user_agent, new_values ->> 'name'
    from public.audit_logs where action = 'teams.insert' and new_values ->> 'name' = 'audited'$$,
  format($$values ('user', %L::uuid, 'teams.insert', 'teams', '203.0.113.7', 'pgTAP/1.0', 'audited')$$, tests.user_id('bob')),
  'the trigger records the user, the action, the target, the client IP and user agent');
select is(tests.do_as('bob', 'update public.teams set description = ''Platform team'' where name = ''audited'''), 'ok:1', 'bob edits it');
select results_eq(
  $$select old_values, new_values from public.audit_logs where action = 'teams.update' and tenant_id = tests.tenant_id('test-acme')$$,
  $$values ('{"description": ""}'::jsonb, '{"description": "Platform team"}'::jsonb)$$,
  'an update records only what changed (updated_at is not a change)');
select is(tests.do_as('service_role', format('update public.teams set description = ''by job'' where name = ''audited''')), 'ok:1',
  'a system job edits it');
select results_eq(
  $$select actor_type::text, actor_id, actor_job from public.audit_logs where action = 'teams.update' and new_values ->> 'description' = 'by job'$$,
  $$values ('system', null::uuid, 'tests')$$, 'a system job is recorded by its job name');
select set_config('request.headers', '', true);

select is(tests.do_as('alice', format('insert into public.teams (tenant_id, name) select %L, ''bulk '' || g from generate_series(1, 3) g', tests.tenant_id('test-acme'))), 'ok:3',
  'one statement inserts three teams');
select is((select count(*)::int from public.audit_logs where action = 'teams.insert' and new_values ->> 'name' like 'bulk %'), 3,
  'and writes three audit rows');
select is((select count(*)::int from public.audit_logs where action = 'teams.update' and new_values ->> 'name' = 'rolled back'), 0, 'nothing yet…');
select is(tests.try_as('alice', 'update public.teams set name = ''rolled back'' where name = ''audited'''), 'ok:1', 'a change that is rolled back…');
select is((select count(*)::int from public.audit_logs where action = 'teams.update' and new_values ->> 'name' = 'rolled back'), 0,
  '… leaves no audit row: they share the transaction');
select is((select count(*)::int from public.audit_logs where action = 'tenant.create'), 0, 'no tenant created yet');
select is(tests.do_as('erin', $$select public.create_tenant('test-audit-co', 'Audit Co')$$), 'ok:1', 'an RPC…');
select is((select count(*)::int from public.audit_logs where tenant_id = tests.tenant_id('test-audit-co') and action in ('tenant.create', 'tenants.insert', 'memberships.insert')), 3,
  '… records its event beside the row changes');

-- Reading
select is(tests.try_as('dave', format('select id from public.audit_logs where tenant_id = %L', tests.tenant_id('test-globex'))), 'rows:0',
  'audit.read in acme shows nothing of globex');
select is(tests.try_as('carol', 'select id from public.audit_logs'), 'rows:0', 'members without audit.read see nothing');

-- The chain
select cmp_ok(private.seal_audit_chain(), '>', 0::bigint, 'the sealer chains the new rows');
select results_eq(
  format('select first_broken_log_id, problem, unsealed_rows from public.verify_audit_chain(%L)', tests.tenant_id('test-acme')),
  $$values (null::bigint, null::text, 0::bigint)$$, 'test-acme''s chain verifies, nothing unsealed');
select is(tests.try_as('dave', format('select * from public.verify_audit_chain(%L) where first_broken_log_id is null', tests.tenant_id('test-acme'))), 'rows:1',
  'a holder of audit.read verifies it');
select is((select min(seq) from public.audit_log_seals where chain = tests.tenant_id('test-acme')), 1::bigint, 'chains start at 1');
select is(
  (select count(*)::int from public.audit_log_seals s join public.audit_logs l on l.id = s.log_id
   where coalesce(l.tenant_id, '00000000-0000-0000-0000-000000000000') <> s.chain), 0,
  'every row is sealed on its own tenant''s chain');

insert into public.teams (tenant_id, name) values (tests.tenant_id('test-acme'), 'late');
select is((select unsealed_rows from public.verify_audit_chain(tests.tenant_id('test-acme'))), 5::bigint, 'new rows (the team and its board''s four columns) are reported unsealed…');
select private.seal_audit_chain();
select is((select unsealed_rows from public.verify_audit_chain(tests.tenant_id('test-acme'))), 0::bigint, '… until the next seal');

-- Tampering, by someone able to switch the append-only trigger off
create temp table victim as
select l.id, l.action from public.audit_logs l join public.audit_log_seals s on s.log_id = l.id
where l.tenant_id = tests.tenant_id('test-acme') order by s.seq offset 3 limit 1;
alter table public.audit_logs disable trigger audit_logs_append_only;
update public.audit_logs set action = 'nothing to see' where id = (select id from victim);
select results_eq(
  format('select first_broken_log_id, problem from public.verify_audit_chain(%L)', tests.tenant_id('test-acme')),
  format($$values (%s::bigint, 'audit row altered')$$, (select id from victim)), 'an altered row is found');
update public.audit_logs set action = (select action from victim) where id = (select id from victim);
select is((select first_broken_log_id from public.verify_audit_chain(tests.tenant_id('test-acme'))), null, 'restoring it restores the chain');
delete from public.audit_logs where id = (select id from victim);
select results_eq(
  format('select first_broken_log_id, problem from public.verify_audit_chain(%L)', tests.tenant_id('test-acme')),
  format($$values (%s::bigint, 'audit row missing')$$, (select id from victim)), 'a deleted row is found');
alter table public.audit_logs enable trigger audit_logs_append_only;
alter table public.audit_log_seals disable trigger audit_log_seals_append_only;
delete from public.audit_log_seals where log_id = (select id from victim);
select is((select problem from public.verify_audit_chain(tests.tenant_id('test-acme'))), 'seal missing before this row',
  'deleting the row and its seal still breaks the chain');
alter table public.audit_log_seals enable trigger audit_log_seals_append_only;

select * from finish();
rollback;
