-- Audit log partitioned by month (decision 0015, issue 17 §3).
--
-- public.audit_logs becomes a table partitioned by range of created_at, one partition a month
-- (audit.audit_logs_yyyy_mm, beside a default partition that must stay empty: pgTAP 74), its
-- primary key (id, created_at) because a partitioned table's unique keys include the partition
-- key. Indexes, the append-only and event triggers and the policies are declared on the parent
-- (row triggers and indexes apply to every partition; the TRUNCATE trigger, a statement trigger,
-- is repeated on each partition, since truncating a partition directly never fires the parent's).
-- Partitions live in schema audit, which no API role may use: they are reached only through the
-- parent, the public schema's pinned table list stays as it was, and the erasure's sweep over the
-- tables of public and private never meets them (it redacts audit rows through the parent).
--
-- audit_log_seals gains log_created_at, so a seal names its row's partition (the chain's joins
-- prune to one partition, and retention can find a partition's seals).
--
-- Moving the existing rows: the old table is renamed aside, the new one created, rows copied in id
-- order (before the triggers exist, so nothing is re-published), the identity continues where the
-- old one stopped, every chain is verified, and the old table is dropped — all in this migration's
-- transaction, so a chain that does not verify leaves the database as it was.
--
-- Owns: private.ensure_audit_partitions (run by governance.maintenance: this month and the next
-- three exist ahead of their rows).

-- ---------------------------------------------------------------------------------------------
-- The old table, aside
-- ---------------------------------------------------------------------------------------------

alter table public.audit_logs rename to audit_logs_unpartitioned;
alter table public.audit_logs_unpartitioned rename constraint audit_logs_pkey to audit_logs_unpartitioned_pkey;
alter sequence public.audit_logs_id_seq rename to audit_logs_unpartitioned_id_seq;
drop index public.audit_logs_tenant_created_idx, public.audit_logs_xid_idx, public.audit_logs_task_activity_idx;
-- Both take the old table's row type; they are made again below for the new one.
drop function private.audit_digest(public.audit_logs_unpartitioned);
drop function private.audit_content_commitment(public.audit_logs_unpartitioned);

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.audit_logs (
  id bigint generated always as identity,
  tenant_id uuid,
  actor_type public.audit_actor_type not null,
  actor_id uuid,
  actor_job text,
  action text not null,
  target_type text,
  target_id text,
  old_values jsonb,
  new_values jsonb,
  ip inet,
  user_agent text,
  xid xid8 not null default pg_current_xact_id(),
  created_at timestamptz not null default now(),
  content_salt bytea default uuid_send(gen_random_uuid()),
  content_commitment bytea,
  erased_at timestamptz,
  primary key (id, created_at)
) partition by range (created_at);
alter table public.audit_logs enable row level security;
comment on table public.audit_logs is
  'Append-only audit trail: who (user, API key or system job) did what to which row, with the old/new '
  'values that changed, from which IP and user agent. tenant_id null = platform-level. Sealed into a '
  'per-tenant hash chain by private.seal_audit_chain(). Nobody can UPDATE, DELETE or TRUNCATE it. '
  'Partitioned by month of created_at (audit.audit_logs_yyyy_mm).';
comment on column public.audit_logs.xid is 'Writing transaction; the sealer chains only rows of finished transactions.';
comment on column public.audit_logs.content_salt is
  'Random salt of the content commitment; forgotten when the row''s personal data is erased.';
comment on column public.audit_logs.content_commitment is
  'Set by erasure: the commitment to the content as it was, which the chain keeps hashing.';
comment on column public.audit_logs.erased_at is 'When a person''s data in this row was erased ("a deleted member").';

create index audit_logs_tenant_created_idx on public.audit_logs (tenant_id, created_at, id);
create index audit_logs_xid_idx on public.audit_logs (xid);
create index audit_logs_task_activity_idx on public.audit_logs (tenant_id, (left(target_id, 36)), created_at)
  where target_type in ('tasks', 'task_assignees', 'task_label_links', 'task_comments');

alter table public.audit_log_seals add column log_created_at timestamptz;
comment on column public.audit_log_seals.log_created_at is
  'The sealed row''s created_at: names its partition of audit_logs.';

create schema audit;
revoke all on schema audit from public;
comment on schema audit is 'The monthly partitions of public.audit_logs; reached only through public.audit_logs.';

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- A partition of one month, in UTC: audit.audit_logs_yyyy_mm, RLS on, no API role's privilege,
-- TRUNCATE refused. Returns the partitions it created (none when all exist).
create or replace function private.ensure_audit_partitions(
  p_from timestamptz default now(), p_months_ahead integer default 3, p_dry_run boolean default false)
returns text[]
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_month timestamp := date_trunc('month', p_from at time zone 'UTC');
  v_last timestamp := date_trunc('month', now() at time zone 'UTC') + make_interval(months => p_months_ahead);
  v_name text;
  v_created text[] := '{}';
begin
  if p_months_ahead not between 0 and 24 then
    raise exception 'months ahead must be between 0 and 24 (got %)', p_months_ahead;
  end if;
  while v_month <= v_last loop
    v_name := 'audit_logs_' || to_char(v_month, 'YYYY_MM');
    if to_regclass('audit.' || v_name) is null then
      v_created := v_created || ('audit.' || v_name);
      if not p_dry_run then
        execute format('create table audit.%I partition of public.audit_logs for values from (%L) to (%L)',
          v_name, to_char(v_month, 'YYYY-MM-DD') || ' 00:00:00+00',
          to_char(v_month + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
        perform private.guard_audit_partition(('audit.' || v_name)::regclass,
          'The audit log''s rows of ' || to_char(v_month, 'YYYY-MM') || ' (UTC): a partition of public.audit_logs.');
      end if;
    end if;
    v_month := v_month + interval '1 month';
  end loop;
  return v_created;
end
$$;

comment on function private.ensure_audit_partitions(timestamptz, integer, boolean) is
  'Creates the monthly partitions of audit_logs from p_from''s month to p_months_ahead months after this one '
  '(dry run: only names them); returns the ones created. Run by governance.maintenance. Security definer: DDL.';
revoke all on function private.ensure_audit_partitions(timestamptz, integer, boolean) from public;
grant execute on function private.ensure_audit_partitions(timestamptz, integer, boolean) to service_role;

create or replace function private.guard_audit_partition(p_partition regclass, p_comment text)
returns void
language plpgsql
set search_path = ''
as $$
begin
  execute format('alter table %s enable row level security', p_partition);
  execute format('revoke all on %s from public, anon, authenticated, service_role', p_partition);
  execute format('create trigger audit_logs_no_truncate before truncate on %s '
                 'for each statement execute function private.refuse_audit_change()', p_partition);
  execute format('comment on table %s is %L', p_partition, p_comment);
end
$$;

comment on function private.guard_audit_partition(regclass, text) is
  'A new partition of audit_logs: RLS on, no API role''s privilege, TRUNCATE refused (TN050), commented.';
revoke all on function private.guard_audit_partition(regclass, text) from public;

create table audit.audit_logs_default partition of public.audit_logs default;
select private.guard_audit_partition('audit.audit_logs_default',
  'Rows of audit_logs outside every monthly partition. Always empty (pgTAP 74): governance.maintenance creates '
  'the months ahead.');

-- Every month the existing rows need, then this one and three ahead.
select private.ensure_audit_partitions(coalesce((select min(l.created_at) from public.audit_logs_unpartitioned l), now()), 3);

create or replace function private.audit_content_commitment(p_log public.audit_logs)
returns bytea
language sql
immutable
set search_path = ''
as $$
  select coalesce(p_log.content_commitment,
    sha256(coalesce(p_log.content_salt, '\x'::bytea)
           || convert_to(jsonb_build_array(p_log.old_values, p_log.new_values, p_log.ip::text, p_log.user_agent)::text, 'UTF8')))
$$;

comment on function private.audit_content_commitment(public.audit_logs) is
  'sha256(salt || [old_values, new_values, ip, user_agent]) of an audit row, or the commitment its erasure kept.';
revoke all on function private.audit_content_commitment(public.audit_logs) from public;

create or replace function private.audit_digest(p_log public.audit_logs)
returns bytea
language sql
stable
set search_path = ''
as $$
  select sha256(convert_to(jsonb_build_array(
    p_log.id, p_log.tenant_id, p_log.actor_type, p_log.actor_id, p_log.actor_job, p_log.action,
    p_log.target_type, p_log.target_id,
    to_char(p_log.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    encode(private.audit_content_commitment(p_log), 'hex'))::text, 'UTF8'))
$$;

comment on function private.audit_digest(public.audit_logs) is
  'sha256 of an audit row''s canonical structure and its content commitment (so erasure keeps it).';
revoke all on function private.audit_digest(public.audit_logs) from public;

-- ---------------------------------------------------------------------------------------------
-- The rows, moved
-- ---------------------------------------------------------------------------------------------

insert into public.audit_logs (id, tenant_id, actor_type, actor_id, actor_job, action, target_type, target_id,
                               old_values, new_values, ip, user_agent, xid, created_at, content_salt,
                               content_commitment, erased_at)
overriding system value
select id, tenant_id, actor_type, actor_id, actor_job, action, target_type, target_id, old_values, new_values, ip,
       user_agent, xid, created_at, content_salt, content_commitment, erased_at
from public.audit_logs_unpartitioned
order by id;

select setval(pg_get_serial_sequence('public.audit_logs', 'id'), s.last_value, s.is_called)
from public.audit_logs_unpartitioned_id_seq s;

alter table public.audit_log_seals disable trigger audit_log_seals_append_only;
update public.audit_log_seals s set log_created_at = l.created_at
from public.audit_logs l where l.id = s.log_id;
alter table public.audit_log_seals enable trigger audit_log_seals_append_only;

-- ---------------------------------------------------------------------------------------------
-- Triggers (after the move: the copied rows publish nothing again)
-- ---------------------------------------------------------------------------------------------

create trigger audit_logs_append_only before update or delete on public.audit_logs
  for each row execute function private.guard_audit_log_change();
create trigger audit_logs_no_truncate before truncate on public.audit_logs
  for each statement execute function private.refuse_audit_change();
create trigger audit_logs_publish_role_change after insert on public.audit_logs
  for each row when (new.action in ('member.role_change', 'tenant.ownership_transfer'))
  execute function private.publish_role_change_event();

-- ---------------------------------------------------------------------------------------------
-- Grants and policies: as the old table had them
-- ---------------------------------------------------------------------------------------------

revoke all on public.audit_logs from public, anon, authenticated, service_role;
grant select on public.audit_logs to authenticated, service_role;

do $$
declare
  v_policy record;
begin
  for v_policy in
    select p.policyname, p.permissive, p.cmd, p.roles, p.qual, p.with_check from pg_catalog.pg_policies p
    where p.schemaname = 'public' and p.tablename = 'audit_logs_unpartitioned' order by p.policyname
  loop
    execute format('create policy %I on public.audit_logs as %s for %s to %s using (%s)',
      v_policy.policyname, v_policy.permissive, v_policy.cmd,
      (select string_agg(quote_ident(r), ', ') from unnest(v_policy.roles) r), v_policy.qual);
  end loop;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- The chain over the partitioned table
-- ---------------------------------------------------------------------------------------------

create or replace function private.seal_audit_chain(p_max_rows integer default 100000)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_cursor xid8;
  v_horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
  v_own xid8 := pg_current_xact_id_if_assigned();
  v_sealed bigint;
begin
  -- One sealer at a time; a second one has nothing to add and returns at once.
  if not pg_try_advisory_xact_lock(hashtextextended('tenantry.audit_seal', 0)) then
    return 0;
  end if;
  select c.sealed_below into v_cursor from private.audit_seal_cursor c;

  with batch as (
    select l.id, l.created_at, coalesce(l.tenant_id, '00000000-0000-0000-0000-000000000000'::uuid) as chain,
           private.audit_digest(l) as digest
    from public.audit_logs l
    where l.xid >= v_cursor
      and (l.xid < v_horizon or l.xid = v_own)
      and not exists (select 1 from public.audit_log_seals s where s.log_id = l.id)
    order by l.id
    limit p_max_rows
  ), heads as (
    select c.chain, coalesce(h.seq, 0) as seq, coalesce(h.hash, '\x'::bytea) as hash
    from (select distinct b.chain from batch b) c
    left join lateral (
      select s.seq, s.hash from public.audit_log_seals s
      where s.chain = c.chain order by s.seq desc limit 1) h on true
  ), linked as (
    select b.id, b.created_at, b.chain, h.hash as head_hash,
           h.seq + row_number() over w as seq,
           private.audit_chain(h.hash, b.digest) over w as hash
    from batch b join heads h on h.chain = b.chain
    window w as (partition by b.chain order by b.id rows between unbounded preceding and current row)
  )
  insert into public.audit_log_seals (log_id, log_created_at, chain, seq, prev_hash, hash)
  select l.id, l.created_at, l.chain, l.seq,
         coalesce(lag(l.hash) over (partition by l.chain order by l.seq), l.head_hash), l.hash
  from linked l;
  get diagnostics v_sealed = row_count;

  if v_sealed < p_max_rows then
    update private.audit_seal_cursor set sealed_below = greatest(sealed_below, v_horizon);
  end if;
  return v_sealed;
end
$$;

-- The recomputation itself, without the caller's checks: verify_audit_chain's body, and what the
-- migrations that move rows run before they commit.
create or replace function private.check_audit_chain(p_tenant_id uuid)
returns table (
  first_broken_log_id bigint,
  first_broken_seq bigint,
  problem text,
  sealed_rows bigint,
  unsealed_rows bigint,
  head_seq bigint,
  head_hash text)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_chain uuid := coalesce(p_tenant_id, '00000000-0000-0000-0000-000000000000'::uuid);
begin

  select c.log_id, c.seq, c.problem into first_broken_log_id, first_broken_seq, problem
  from (
    select s.log_id, s.seq,
      case
        when s.found_id is null then 'audit row missing'
        when s.log_tenant_id is distinct from p_tenant_id then 'audit row moved to another tenant'
        when s.seq <> coalesce(s.prev_seq, 0) + 1 then 'seal missing before this row'
        when s.prev_hash <> coalesce(s.expected_prev, '\x'::bytea) then 'chain link broken'
        when s.hash <> sha256(s.prev_hash || s.digest) then 'audit row altered'
      end as problem
    from (
      select z.log_id, z.seq, z.prev_hash, z.hash, l.id as found_id, l.tenant_id as log_tenant_id,
             case when l.id is not null then private.audit_digest(l) end as digest,
             lag(z.hash) over w as expected_prev, lag(z.seq) over w as prev_seq
      from public.audit_log_seals z
      left join public.audit_logs l on l.id = z.log_id and l.created_at = z.log_created_at
      where z.chain = v_chain
      window w as (order by z.seq)) s) c
  where c.problem is not null
  order by c.seq
  limit 1;

  select count(*), max(z.seq) into sealed_rows, head_seq from public.audit_log_seals z where z.chain = v_chain;
  select encode(z.hash, 'hex') into head_hash from public.audit_log_seals z where z.chain = v_chain and z.seq = head_seq;
  if p_tenant_id is null then
    select count(*) into unsealed_rows from public.audit_logs l
    where l.tenant_id is null and not exists (select 1 from public.audit_log_seals z where z.log_id = l.id);
  else
    select count(*) into unsealed_rows from public.audit_logs l
    where l.tenant_id = p_tenant_id and not exists (select 1 from public.audit_log_seals z where z.log_id = l.id);
  end if;
  return next;
end
$$;

comment on function private.check_audit_chain(uuid) is
  'Recomputes a tenant''s audit chain (null: the platform chain) without checking the caller: the body of '
  'verify_audit_chain. Not granted to any API role.';
revoke all on function private.check_audit_chain(uuid) from public;

create or replace function public.verify_audit_chain(p_tenant_id uuid)
returns table (
  first_broken_log_id bigint,
  first_broken_seq bigint,
  problem text,
  sealed_rows bigint,
  unsealed_rows bigint,
  head_seq bigint,
  head_hash text)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_tenant_id in (select private.mfa_blocked_tenant_ids()) then
    raise exception 'this tenant requires multi-factor authentication' using errcode = 'TN004';
  end if;
  if not (private.is_service_role() or private.is_operator()
          or private.is_platform_staff('support')
          or (p_tenant_id is not null and private.user_has_permission('audit.read', p_tenant_id))) then
    raise exception 'verifying this audit chain needs audit.read' using errcode = 'TN002';
  end if;
  return query select * from private.check_audit_chain(p_tenant_id);
end
$$;

-- Every chain verifies over the moved rows, or nothing of this migration stays.
do $$
declare
  v_chain uuid;
  v_result record;
begin
  if (select count(*) from public.audit_logs) <> (select count(*) from public.audit_logs_unpartitioned) then
    raise exception 'audit_logs lost rows in the move to partitions: not migrated';
  end if;
  if exists (select 1 from public.audit_log_seals s where s.log_created_at is null) then
    raise exception 'an audit seal names a row that is not in audit_logs: not migrated';
  end if;
  for v_chain in select distinct s.chain from public.audit_log_seals s loop
    select * into v_result from private.check_audit_chain(nullif(v_chain, '00000000-0000-0000-0000-000000000000'::uuid));
    if v_result.problem is not null then
      raise exception 'audit chain % does not verify after the move (% at seq %): not migrated',
        v_chain, v_result.problem, v_result.first_broken_seq;
    end if;
  end loop;
end
$$;

alter table public.audit_log_seals alter column log_created_at set not null;
drop table public.audit_logs_unpartitioned;
