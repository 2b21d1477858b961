-- bench/audit-partitions.ts's data: :rows audit rows over the 12 months before 2026-12-01, one hot
-- tenant holding a tenth of them and 99 others, written into the partitioned public.audit_logs and,
-- row for row, into bench.audit_logs_flat: the unpartitioned shape audit_logs had before
-- 20261208000500_audit_partitions.sql (primary key id, the same three indexes).
\set ON_ERROR_STOP on
set synchronous_commit = off;
set maintenance_work_mem = '256MB';
create schema if not exists bench;
insert into auth.users (id, aud, role, email, email_confirmed_at, created_at, updated_at)
select ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'authenticated', 'authenticated',
       'audit' || g || '@example.test', now(), now(), now()
from generate_series(1, 100) g on conflict do nothing;
insert into public.tenants (slug, name, status)
select 'bench-' || lpad(g::text, 3, '0'), 'Bench ' || g, 'active' from generate_series(1, 100) g on conflict do nothing;
insert into public.memberships (tenant_id, user_id, is_owner)
select t.id, ('00000000-0000-4000-8000-' || lpad(substr(t.slug, 7), 12, '0'))::uuid, true
from public.tenants t where t.slug like 'bench-%' on conflict do nothing;
select private.ensure_audit_partitions('2025-12-01', 3);
create table if not exists bench.tenant_ids as
select row_number() over (order by t.slug) - 1 as n, t.id from public.tenants t where t.slug like 'bench-%';
create table bench.audit_logs_flat (like public.audit_logs including defaults);
-- One statement per million rows, each its own transaction.
select format($f$
insert into public.audit_logs (tenant_id, actor_type, actor_id, action, target_type, target_id, old_values, new_values,
                               ip, user_agent, created_at)
select t.id, 'user', ('00000000-0000-4000-8000-' || lpad((t.n + 1)::text, 12, '0'))::uuid, 'teams.update', 'teams',
       md5(g::text)::uuid::text, jsonb_build_object('name', 'team ' || (g %% 997)),
       jsonb_build_object('name', 'renamed ' || g, 'description', md5(g::text)), '10.1.2.3', 'Mozilla/5.0 (bench)',
       timestamptz '2025-12-01 00:00:00+00' + (g::float8 / %1$s) * interval '365 days'
from generate_series(%2$s, %3$s) g
join bench.tenant_ids t on t.n = case when g %% 10 = 0 then 0 else 1 + g %% 99 end
order by g
$f$, :rows, s, least(s + 999999, :rows)) from generate_series(1, :rows, 1000000) s \gexec
insert into bench.audit_logs_flat select * from public.audit_logs order by id;
alter table bench.audit_logs_flat add primary key (id);
create index on bench.audit_logs_flat (tenant_id, created_at, id);
create index on bench.audit_logs_flat (xid);
create index on bench.audit_logs_flat (tenant_id, (left(target_id, 36)), created_at)
  where target_type in ('tasks', 'task_assignees', 'task_label_links', 'task_comments');
alter table bench.audit_logs_flat alter column id add generated always as identity;
select setval(pg_get_serial_sequence('bench.audit_logs_flat', 'id'), (select max(id) from bench.audit_logs_flat));
vacuum analyze public.audit_logs;
vacuum analyze bench.audit_logs_flat;
select 'loaded', (select count(*) from public.audit_logs), (select count(*) from bench.audit_logs_flat), now();
