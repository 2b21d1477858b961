-- Audit-log retention by whole partitions (decision 0015 §3, issue 17 §3).
--
-- The data class audit_logs (whole months; a tenant may keep its log longer, never shorter than a
-- year) is not one apply_retention deletes row by row (enforced = false: a partition holds every
-- tenant's rows, and deleting inside it would break the chains). Instead governance.retention
-- archives, then drops, each closed month whose partition lies entirely before the longest
-- retention in force (the platform's default or any tenant's policy):
--   private.audit_retention_plan()  — the months that would go, with their rows per tenant and
--                                     the checkpoint each chain will start from (the dry run);
--   the job writes audit-archive/<yyyy-mm>.ndjson.gz (src/lib/server/audit/archive.ts) and checks
--   it with the offline verifier, then
--   private.drop_audit_partition()  — deletes the month's seals (the one DELETE the seals' guard
--                                     admits, under this function's flag) and drops the partition,
--                                     as an audit.partition_dropped event naming the archive's sha256.
--
-- Owns: data class audit_logs; bucket audit-archive; private.guard_audit_seal_change,
-- private.audit_retention_plan, private.drop_audit_partition.

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.data_classes (key, label, description, default_days, default_action, actions, min_days, max_days,
                                 per_tenant, enforced) values
  ('audit_logs', 'Audit log',
   'Whole months of the audit log, archived (with their seals, to verify offline) and then dropped once older '
   'than the longest retention of any organisation. A shorter retention hides nothing: rows go with their month.',
   730, 'delete', '{delete}', 365, 3650, true, false);

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) values
  ('audit-archive', 'audit-archive', false, null, array['application/gzip', 'application/json']);

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

-- The one DELETE a seal admits: its row's month being dropped by private.drop_audit_partition.
create or replace function private.guard_audit_seal_change()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_month text := current_setting('tenantry.audit_retention', true);
begin
  if tg_op = 'DELETE' and coalesce(v_month, '') <> ''
     and to_char(old.log_created_at at time zone 'UTC', 'YYYY-MM') = v_month then
    return old;
  end if;
  raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'TN050';
end
$$;

comment on function private.guard_audit_seal_change() is
  'Refuses UPDATE and DELETE on audit_log_seals (TN050) but the deletion of a dropped month''s seals under '
  'private.drop_audit_partition''s flag.';

drop trigger audit_log_seals_append_only on public.audit_log_seals;
create trigger audit_log_seals_append_only before update or delete on public.audit_log_seals
  for each row execute function private.guard_audit_seal_change();

-- ---------------------------------------------------------------------------------------------
-- Functions
-- ---------------------------------------------------------------------------------------------

-- The closed months past the longest retention in force, oldest first.
create or replace function private.audit_retention_plan()
returns table (month text, partition_name text, retention_days integer, rows bigint, tenants jsonb,
               starts_from jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_days integer := greatest(
    (select c.default_days from public.data_classes c where c.key = 'audit_logs'),
    (select max(p.retention_days) from public.data_policies p where p.data_class = 'audit_logs'));
  v record;
begin
  for v in
    select to_date(substr(c.relname, 12), 'YYYY_MM')::timestamp as start, c.relname::text as relname
    from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'public.audit_logs'::regclass and c.relname ~ '^audit_logs_[0-9]{4}_[0-9]{2}$'
    order by c.relname
  loop
    exit when (v.start + interval '1 month') at time zone 'UTC' > now() - make_interval(days => v_days);
    -- Only a closed month goes: its checkpoints are where the chains will start.
    exit when not exists (select 1 from private.audit_chain_checkpoints k where k.month = v.start at time zone 'UTC')
      and exists (select 1 from public.audit_log_seals s where s.log_created_at < (v.start + interval '1 month') at time zone 'UTC');
    month := to_char(v.start, 'YYYY-MM');
    partition_name := 'audit.' || v.relname;
    retention_days := v_days;
    execute format('select count(*), coalesce(jsonb_object_agg(coalesce(t::text, ''platform''), n), ''{}'') '
                   'from (select tenant_id as t, count(*) as n from audit.%I group by 1) x', v.relname)
      into rows, tenants;
    rows := coalesce((select sum(value::bigint) from jsonb_each_text(tenants)), 0);
    select coalesce(jsonb_object_agg(k.chain::text, jsonb_build_object('seq', k.seq, 'hash', encode(k.hash, 'hex'))), '{}')
      into starts_from
    from private.audit_chain_checkpoints k where k.month = v.start at time zone 'UTC';
    return next;
  end loop;
end
$$;

comment on function private.audit_retention_plan() is
  'The closed months of the audit log entirely older than the longest retention in force (audit_logs: the '
  'platform''s default or any tenant''s policy), oldest first: partition, rows per tenant, and the checkpoint each '
  'chain will be verified from once it is dropped. The dry run of the audit log''s retention.';
revoke all on function private.audit_retention_plan() from public;
grant execute on function private.audit_retention_plan() to service_role;

create or replace function private.drop_audit_partition(p_month text, p_sha256 text, p_object_path text)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_plan record;
  v_seals bigint;
begin
  if p_sha256 !~ '^[0-9a-f]{64}$' then
    raise exception 'the archive''s sha256 must be 64 hex digits (got %)', p_sha256;
  end if;
  select * into v_plan from private.audit_retention_plan() r where r.month = p_month;
  if v_plan is null then
    raise exception 'the audit log''s month % is not due for retention (closed and past the longest retention)', p_month;
  end if;
  perform set_config('tenantry.audit_retention', p_month, true);
  delete from public.audit_log_seals s
  where s.log_created_at >= (to_date(p_month, 'YYYY-MM')::timestamp at time zone 'UTC')
    and s.log_created_at < ((to_date(p_month, 'YYYY-MM') + interval '1 month') at time zone 'UTC');
  get diagnostics v_seals = row_count;
  perform set_config('tenantry.audit_retention', '', true);
  execute format('drop table %s', v_plan.partition_name);
  perform private.audit_event(null, 'audit.partition_dropped', 'audit_logs', p_month, null,
    jsonb_build_object('month', p_month, 'rows', v_plan.rows, 'seals', v_seals, 'tenants', v_plan.tenants,
                       'archive', p_object_path, 'sha256', p_sha256));
  return v_plan.rows;
end
$$;

comment on function private.drop_audit_partition(text, text, text) is
  'Drops one month of the audit log that audit_retention_plan lists, after its archive (p_object_path, p_sha256) is '
  'stored: the month''s seals, then its partition; an audit.partition_dropped event. Returns the rows dropped. '
  'Run by governance.retention as service_role. Security definer: DDL.';
revoke all on function private.drop_audit_partition(text, text, text) from public;
grant execute on function private.drop_audit_partition(text, text, text) to service_role;

-- governance.retention reads a month's checkpoints to write its archive (service_role, read only).
grant select on private.audit_chain_checkpoints to service_role;
