-- Checkpoints: an audit chain verifiable from the middle (decision 0015 §2, issue 17 §3).
--
-- When a month has ended (a day after, so no transaction of it is still writing) and its rows are
-- all sealed, governance.maintenance closes it: private.audit_chain_checkpoints gets, for every
-- chain, its head as of that month's end (the last seal of a row created up to then). The closing
-- is an `audit.checkpoint` event of the platform chain carrying the digest of the month's
-- checkpoints, so a checkpoint removed or altered while that event lives is evident.
--
-- private.check_audit_chain (verify_audit_chain's body) starts from the newest checkpoint of the
-- chain whose month's partition is gone (dropped by retention, after its archive): that
-- checkpoint's hash is the prev_hash the next seal must carry and its seq the one before it. A seal
-- at or below the checkpoint that is still present (a row created after the month's end but sealed
-- before one of its last rows: seq follows id, the partition follows created_at) is checked on
-- its own (row present, same tenant, hash = sha256(prev_hash || digest)). Without a dropped
-- month the chain is verified from its first seal, as before.
--
-- Owns: private.audit_chain_checkpoints, private.close_audit_month, private.audit_maintenance.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table private.audit_chain_checkpoints (
  month timestamptz not null,
  chain uuid not null,
  seq bigint not null check (seq > 0),
  hash bytea not null,
  created_at timestamptz not null default now(),
  primary key (chain, month)
);
alter table private.audit_chain_checkpoints enable row level security;
comment on table private.audit_chain_checkpoints is
  'Each chain''s head (seq, hash) as of the end of a closed month (UTC): where verify_audit_chain starts once that '
  'month''s partition is dropped. Append-only; written by private.close_audit_month.';
revoke all on private.audit_chain_checkpoints from public, anon, authenticated, service_role;

create index audit_log_seals_log_created_idx on public.audit_log_seals (log_created_at);

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger audit_chain_checkpoints_append_only before update or delete on private.audit_chain_checkpoints
  for each row execute function private.refuse_audit_change();
create trigger audit_chain_checkpoints_no_truncate before truncate on private.audit_chain_checkpoints
  for each statement execute function private.refuse_audit_change();

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

create or replace function private.audit_checkpoint_digest(p_month timestamptz)
returns text
language sql
stable
set search_path = ''
as $$
  select encode(sha256(convert_to(coalesce(string_agg(
    c.chain::text || ':' || c.seq::text || ':' || encode(c.hash, 'hex'), ',' order by c.chain), ''), 'UTF8')), 'hex')
  from private.audit_chain_checkpoints c where c.month = p_month
$$;

comment on function private.audit_checkpoint_digest(timestamptz) is
  'sha256 of a closed month''s checkpoints (chain:seq:hash, by chain), as its audit.checkpoint event records it.';

-- Closes one month: every chain's head as of its end. Returns the checkpoints written (0: closed before).
create or replace function private.close_audit_month(p_month timestamptz)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_start timestamp := date_trunc('month', p_month at time zone 'UTC');
  v_from timestamptz := v_start at time zone 'UTC';
  v_to timestamptz := (v_start + interval '1 month') at time zone 'UTC';
  v_previous timestamptz := (v_start - interval '1 month') at time zone 'UTC';
  v_count integer;
begin
  if v_to > now() - interval '1 day' then
    raise exception 'the month of % closes a day after it ends (%)', to_char(v_start, 'YYYY-MM'), v_to + interval '1 day';
  end if;
  if exists (select 1 from private.audit_chain_checkpoints c where c.month = v_from) then
    return 0;
  end if;
  if not exists (select 1 from private.audit_chain_checkpoints c where c.month = v_previous)
     and exists (select 1 from public.audit_log_seals s where s.log_created_at < v_from) then
    raise exception 'close the month of % before the month of %', to_char(v_start - interval '1 month', 'YYYY-MM'),
      to_char(v_start, 'YYYY-MM');
  end if;
  if exists (select 1 from public.audit_logs l where l.created_at >= v_from and l.created_at < v_to
             and not exists (select 1 from public.audit_log_seals s where s.log_id = l.id)) then
    raise exception 'audit rows of % still wait for the seal job: the month is not closed', to_char(v_start, 'YYYY-MM');
  end if;

  insert into private.audit_chain_checkpoints (month, chain, seq, hash)
  select distinct on (h.chain) v_from, h.chain, h.seq, h.hash
  from (
    select c.chain, c.seq, c.hash from private.audit_chain_checkpoints c where c.month = v_previous
    union all
    select s.chain, s.seq, s.hash from public.audit_log_seals s where s.log_created_at >= v_from and s.log_created_at < v_to
  ) h
  order by h.chain, h.seq desc;
  get diagnostics v_count = row_count;

  perform private.audit_event(null, 'audit.checkpoint', 'audit_chain_checkpoints', to_char(v_start, 'YYYY-MM'), null,
    jsonb_build_object('month', to_char(v_start, 'YYYY-MM'), 'chains', v_count,
                       'digest', private.audit_checkpoint_digest(v_from)));
  return v_count;
end
$$;

comment on function private.close_audit_month(timestamptz) is
  'Writes every chain''s checkpoint as of the end of p_month (UTC), once the month ended a day ago and all its rows '
  'are sealed, the month before closed first; an audit.checkpoint event records their digest. Returns how many '
  '(0 when closed before). Security definer: writes the checkpoints.';

-- governance.maintenance's audit step: partitions ahead, ended months closed (dry run: named only).
create or replace function private.audit_maintenance(p_dry_run boolean default false)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_created text[] := private.ensure_audit_partitions(now(), 3, p_dry_run);
  v_closed text[] := '{}';
  v_month timestamp;
begin
  for v_month in
    select to_date(substr(c.relname, 12), 'YYYY_MM')::timestamp
    from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'public.audit_logs'::regclass and c.relname ~ '^audit_logs_[0-9]{4}_[0-9]{2}$'
    order by c.relname
  loop
    continue when (v_month + interval '1 month') at time zone 'UTC' > now() - interval '1 day'
      or exists (select 1 from private.audit_chain_checkpoints c where c.month = v_month at time zone 'UTC');
    -- Months before the first row have nothing to checkpoint.
    continue when not exists (select 1 from public.audit_log_seals s
                              where s.log_created_at < (v_month + interval '1 month') at time zone 'UTC');
    if not p_dry_run then
      perform private.close_audit_month(v_month at time zone 'UTC');
    end if;
    v_closed := v_closed || to_char(v_month, 'YYYY-MM');
  end loop;
  return jsonb_build_object('partitions_created', to_jsonb(v_created), 'months_closed', to_jsonb(v_closed));
end
$$;

comment on function private.audit_maintenance(boolean) is
  'The audit log''s maintenance: this month''s partition and three ahead, and every ended month closed '
  '(checkpoints); returns what it did (dry run: what it would do). Run by governance.maintenance.';
revoke all on function private.audit_maintenance(boolean) from public;
grant execute on function private.audit_maintenance(boolean) to service_role;

-- ---------------------------------------------------------------------------------------------
-- The chain, verified from its checkpoint
-- ---------------------------------------------------------------------------------------------

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
  v_start_seq bigint := 0;
  v_start_hash bytea := '\x';
begin
  -- The newest checkpoint of a month whose partition retention has dropped.
  select c.seq, c.hash into v_start_seq, v_start_hash
  from private.audit_chain_checkpoints c
  where c.chain = v_chain
    and to_regclass('audit.audit_logs_' || to_char(c.month at time zone 'UTC', 'YYYY_MM')) is null
  order by c.month desc
  limit 1;
  v_start_seq := coalesce(v_start_seq, 0);
  v_start_hash := coalesce(v_start_hash, '\x'::bytea);

  select c.log_id, c.seq, c.problem into first_broken_log_id, first_broken_seq, problem
  from (
    select s.log_id, s.seq,
      case
        when s.found_id is null then 'audit row missing'
        when s.log_tenant_id is distinct from p_tenant_id then 'audit row moved to another tenant'
        when s.seq > v_start_seq and s.seq <> coalesce(s.prev_seq, v_start_seq) + 1 then 'seal missing before this row'
        when s.seq > v_start_seq and s.prev_hash <> coalesce(s.expected_prev, v_start_hash) then 'chain link broken'
        when s.hash <> sha256(s.prev_hash || s.digest) then 'audit row altered'
      end as problem
    from (
      select z.log_id, z.seq, z.prev_hash, z.hash, l.id as found_id, l.tenant_id as log_tenant_id,
             case when l.id is not null then private.audit_digest(l) end as digest,
             lag(z.hash) over w as expected_prev, lag(z.seq) over w as prev_seq
      from public.audit_log_seals z
      left join public.audit_logs l on l.id = z.log_id and l.created_at = z.log_created_at
      where z.chain = v_chain
      window w as (partition by z.seq > v_start_seq order by z.seq)) s) c
  where c.problem is not null
  order by c.seq
  limit 1;

  -- The closed months whose event still lives: their checkpoints as the event recorded them.
  if problem is null then
    select e.id, 'checkpoint removed or altered' into first_broken_log_id, problem
    from public.audit_logs e
    where e.tenant_id is null and e.action = 'audit.checkpoint'
      and private.audit_checkpoint_digest(to_date(e.new_values ->> 'month', 'YYYY-MM')::timestamp at time zone 'UTC')
          is distinct from e.new_values ->> 'digest'
    order by e.id
    limit 1;
  end if;

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
  'Recomputes a tenant''s audit chain (null: the platform chain) from its first seal, or from the checkpoint of '
  'the newest month retention dropped, and the checkpoints of the closed months whose audit.checkpoint event lives; '
  'without checking the caller (verify_audit_chain''s body). Not granted to any API role.';
