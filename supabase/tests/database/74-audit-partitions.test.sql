-- The audit log partitioned by month (decision 0015): partitions ahead, an empty default
-- partition, partitions as append-only as the parent; checkpoints closing ended months, and
-- verify_audit_chain starting from the checkpoint of a dropped month while catching a removed
-- checkpoint or a row removed from a live partition.
begin;
select plan(31);
select tests.seed_fixture();
select private.seal_audit_chain();

-- Invariants
select is((select count(*)::int from audit.audit_logs_default), 0,
  'the default partition is empty (governance.maintenance creates the months ahead of their rows)');
select is(
  (select count(*)::int from generate_series(0, 3) m
   where to_regclass('audit.audit_logs_' || to_char(date_trunc('month', now() at time zone 'UTC') + make_interval(months => m), 'YYYY_MM')) is not null),
  4, 'this month''s partition and three ahead exist');
select is(
  (select array_agg(c.relname::text order by c.relname) from pg_inherits i join pg_class c on c.oid = i.inhrelid
   where i.inhparent = 'public.audit_logs'::regclass and (c.relnamespace <> 'audit'::regnamespace or not c.relrowsecurity
     or has_table_privilege('authenticated', c.oid, 'select') or has_table_privilege('service_role', c.oid, 'select')
     or has_table_privilege('anon', c.oid, 'select'))),
  null, 'every partition is in schema audit, with RLS on and no API role''s privilege');
select ok(not has_schema_privilege('authenticated', 'audit', 'usage') and not has_schema_privilege('service_role', 'audit', 'usage')
          and not has_schema_privilege('anon', 'audit', 'usage'), 'no API role may use schema audit');
select is(
  (select array_agg(c.relname::text) from pg_inherits i join pg_class c on c.oid = i.inhrelid
   where i.inhparent = 'public.audit_logs'::regclass
     and not exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'audit_logs_no_truncate')),
  null, 'every partition refuses TRUNCATE');
select is(
  (select array_agg(x.indexname order by x.indexname) from pg_indexes x where x.schemaname = 'public' and x.tablename = 'audit_logs'),
  array['audit_logs_pkey', 'audit_logs_task_activity_idx', 'audit_logs_tenant_created_idx', 'audit_logs_xid_idx']::name[],
  'the indexes are declared on the parent');
select is((select count(*)::int from public.audit_log_seals s
           where not exists (select 1 from public.audit_logs l where l.id = s.log_id and l.created_at = s.log_created_at)),
  0, 'every seal names its row''s created_at');

-- Append-only, partitions included
select throws_ok(format('truncate audit.audit_logs_%s', to_char(now() at time zone 'UTC', 'YYYY_MM')), 'TN050', null,
  'a partition cannot be truncated');
select throws_ok(format('delete from audit.audit_logs_%s', to_char(now() at time zone 'UTC', 'YYYY_MM')), 'TN050', null,
  'nor its rows deleted');

-- A chain with history: three rows in January 2025, two in February, two now.
select private.ensure_audit_partitions('2025-01-01', 3);
create temp table chain_x as select gen_random_uuid() as tenant_id;
insert into public.audit_logs (tenant_id, actor_type, actor_job, action, target_type, target_id, new_values, created_at)
select (select tenant_id from chain_x), 'system', 'pgtap', 'history.write', 'history', g::text,
       jsonb_build_object('n', g), t
from unnest(array[1, 2, 3, 4, 5, 6, 7],
            array['2025-01-10', '2025-01-20', '2025-01-30', '2025-02-10', '2025-02-20', null, null]::timestamptz[]) u(g, c)
cross join lateral (select coalesce(u.c, now()) as t) x
order by g;
select private.seal_audit_chain();
select is((select count(*)::int from audit.audit_logs_2025_01 where tenant_id = (select tenant_id from chain_x)), 3,
  'January''s rows are in January''s partition');

select throws_ok($$select private.close_audit_month(now())$$, 'P0001', null, 'the current month cannot be closed');
select is(private.audit_maintenance(false) -> 'months_closed' -> 0, '"2025-01"'::jsonb,
  'maintenance closes every ended month, January 2025 first');
select results_eq(
  $$select seq, hash from private.audit_chain_checkpoints where chain = (select tenant_id from chain_x) and month = '2025-01-01 00:00+00'$$,
  $$select seq, hash from public.audit_log_seals where chain = (select tenant_id from chain_x) and seq = 3$$,
  'January''s checkpoint is the chain''s third seal');
select is(private.close_audit_month('2025-01-15'), 0, 'closing a month again writes nothing');
select private.seal_audit_chain();
select results_eq(format('select problem, unsealed_rows from public.verify_audit_chain(%L)', (select tenant_id from chain_x)),
  $$values (null::text, 0::bigint)$$, 'the chain verifies before anything is dropped');

-- January dropped as retention drops it: its seals, then the partition.
alter table public.audit_log_seals disable trigger audit_log_seals_append_only;
delete from public.audit_log_seals where log_created_at < '2025-02-01 00:00+00';
alter table public.audit_log_seals enable trigger audit_log_seals_append_only;
drop table audit.audit_logs_2025_01;
select results_eq(format('select problem, sealed_rows, head_seq from public.verify_audit_chain(%L)', (select tenant_id from chain_x)),
  $$values (null::text, 4::bigint, 7::bigint)$$, 'with January dropped, the chain verifies from January''s checkpoint');
select is((select problem from public.verify_audit_chain(null)), null, 'and so does the platform chain');

-- Tampering, by someone able to switch the append-only triggers off
create temp table start_checkpoint as
select * from private.audit_chain_checkpoints where chain = (select tenant_id from chain_x) and month = '2025-01-01 00:00+00';
alter table private.audit_chain_checkpoints disable trigger audit_chain_checkpoints_append_only;
delete from private.audit_chain_checkpoints where chain = (select tenant_id from chain_x) and month = '2025-01-01 00:00+00';
select results_eq(format('select first_broken_seq, problem from public.verify_audit_chain(%L)', (select tenant_id from chain_x)),
  $$values (4::bigint, 'seal missing before this row')$$, 'removing the starting checkpoint is found');
insert into private.audit_chain_checkpoints select * from start_checkpoint;
select is((select problem from public.verify_audit_chain((select tenant_id from chain_x))), null, 'putting it back restores the chain');
create temp table later_checkpoint as
select * from private.audit_chain_checkpoints where chain = (select tenant_id from chain_x) and month = '2025-02-01 00:00+00';
delete from private.audit_chain_checkpoints where chain = (select tenant_id from chain_x) and month = '2025-02-01 00:00+00';
select is((select problem from public.verify_audit_chain((select tenant_id from chain_x))), 'checkpoint removed or altered',
  'removing a later checkpoint is found by its month''s audit.checkpoint event');
insert into private.audit_chain_checkpoints select * from later_checkpoint;
alter table private.audit_chain_checkpoints enable trigger audit_chain_checkpoints_append_only;
select throws_ok($$update private.audit_chain_checkpoints set seq = seq + 1$$, 'TN050', null, 'checkpoints are append-only');

-- Retention by month: only a closed month past the longest retention in force, seals and partition together.
select is((select count(*)::int from private.audit_retention_plan()), 0, 'nothing is past the default retention of 730 days');
select throws_ok($$select private.drop_audit_partition('2025-02', repeat('a', 64), 'x')$$, 'P0001', null,
  'a month not due cannot be dropped');
update public.data_classes set default_days = 365 where key = 'audit_logs';
select results_eq(
  $$select rows, tenants -> (select tenant_id::text from chain_x), starts_from -> (select tenant_id::text from chain_x) -> 'seq'
    from private.audit_retention_plan() where month = '2025-02'$$,
  $$values (2::bigint, '2'::jsonb, '5'::jsonb)$$,
  'at 365 days February 2025 is due: the dry run gives its rows per tenant and the checkpoint the chain will start from');
select throws_ok($$delete from public.audit_log_seals where log_created_at < '2025-03-01 00:00+00'$$, 'TN050', null,
  'its seals cannot be deleted but by the drop');
select is(private.drop_audit_partition('2025-02', repeat('a', 64), '2025-02.ndjson.gz'), 2::bigint, 'the drop removes its rows');
select results_eq(format('select problem, sealed_rows from public.verify_audit_chain(%L)', (select tenant_id from chain_x)),
  $$values (null::text, 2::bigint)$$, 'the chain verifies from February''s checkpoint');
select is((select count(*)::int from public.audit_logs where action = 'audit.partition_dropped' and target_id = '2025-02'), 1,
  'the drop is audited');

alter table public.audit_logs disable trigger audit_logs_append_only;
create temp table victim as
select id from public.audit_logs where tenant_id = (select tenant_id from chain_x) and created_at > '2026-01-01 00:00+00' order by id limit 1;
delete from public.audit_logs where id = (select id from victim);
alter table public.audit_logs enable trigger audit_logs_append_only;
select results_eq(format('select first_broken_log_id, problem from public.verify_audit_chain(%L)', (select tenant_id from chain_x)),
  format($$values (%s::bigint, 'audit row missing')$$, (select id from victim)), 'a row deleted from a live partition is found');

-- The sweep of the erasure never meets the partitions: it redacts through the parent.
select ok(not exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                      where n.nspname in ('public', 'private') and c.relispartition and c.relname like 'audit_logs%'),
  'no partition of the audit log is in public or private');
select is((select count(*)::int from audit.audit_logs_default), 0, 'the default partition is still empty');

select * from finish();
rollback;
