-- Audit: an append-only, tamper-evident record of every change, written in the same transaction
-- as the change (statement-level triggers on the audited tables, and audit_event() from the RPCs).
--
-- Owns: type audit_actor_type; tables audit_logs, audit_log_seals, private.audit_seal_cursor;
-- private.enable_audit (each later module enables it on its own tables; the tables of the modules
-- before this one are enabled here), audit_event, the chain (audit_digest, audit_chain,
-- seal_audit_chain); public.verify_audit_chain.
--
-- Immutability: no role is granted UPDATE, DELETE or TRUNCATE on audit_logs or audit_log_seals,
-- and triggers refuse them for everyone, the owner included. Only a DDL-level actor (who can
-- disable triggers) can rewrite history, and the hash chain makes that evident.
--
-- The chain (docs/audit-log.md): writers never touch a shared row. Rows are inserted unchained;
-- private.seal_audit_chain() — run by the `audit.seal` job every few seconds — appends their
-- hashes to audit_log_seals in one set-based pass: per tenant, hash = sha256(prev_hash ||
-- digest(row)), ordered by seq. A hot tenant's writers therefore never queue on a chain head, and
-- a 100k-row transaction costs 100k independent inserts (linear), then one linear sealing pass.
-- verify_audit_chain(tenant) recomputes every sealed link and reports the first broken row and
-- how many rows still wait for a seal; a tenant that requires MFA refuses it to an aal1 session.

-- ---------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------

create type public.audit_actor_type as enum ('user', 'api_key', 'system');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.audit_logs (
  id bigint generated always as identity primary key,
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
  created_at timestamptz not null default now()
);
alter table public.audit_logs enable row level security;
comment on table public.audit_logs is
  'Append-only audit trail: who (user, API key or system job) did what to which row, with the old/new '
  'values that changed, from which IP and user agent. tenant_id null = platform-level. Sealed into a '
  'per-tenant hash chain by private.seal_audit_chain(). Nobody can UPDATE, DELETE or TRUNCATE it.';
comment on column public.audit_logs.xid is 'Writing transaction; the sealer chains only rows of finished transactions.';
create index audit_logs_tenant_created_idx on public.audit_logs (tenant_id, created_at, id);
create index audit_logs_xid_idx on public.audit_logs (xid);

create table public.audit_log_seals (
  log_id bigint primary key,
  chain uuid not null,
  seq bigint not null check (seq > 0),
  prev_hash bytea not null,
  hash bytea not null,
  sealed_at timestamptz not null default now(),
  unique (chain, seq)
);
alter table public.audit_log_seals enable row level security;
comment on table public.audit_log_seals is
  'The hash chain over audit_logs, one link per row: chain is the tenant id (nil uuid for platform rows), '
  'hash = sha256(prev_hash || digest(row)). Append-only, written by private.seal_audit_chain().';

-- Everything below the cursor's transaction id is sealed.
create table private.audit_seal_cursor (
  singleton boolean primary key default true check (singleton),
  sealed_below xid8 not null default '0'
);
alter table private.audit_seal_cursor enable row level security;
comment on table private.audit_seal_cursor is 'Sealer state: every audit row of a transaction older than sealed_below is sealed.';

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into private.audit_seal_cursor default values;

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create or replace function private.refuse_audit_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'TN050';
end
$$;

comment on function private.refuse_audit_change() is 'Refuses UPDATE, DELETE and TRUNCATE on audit tables, for every role (TN050).';

-- Statement-level AFTER trigger with transition tables: one INSERT … SELECT per statement,
-- however many rows it touched. Arguments: tenant column ('' for platform tables), key columns
-- (comma-separated), then columns never to record (secrets, noise).
create or replace function private.audit_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor record;
  v_ip inet := private.request_ip();
  v_user_agent text := private.request_user_agent();
  v_tenant_column text := nullif(tg_argv[0], '');
  v_keys text[] := string_to_array(tg_argv[1], ',');
  v_ignored text[] := coalesce(tg_argv[2:tg_nargs - 1], '{}'::text[]);
  v_action text := tg_table_name || '.' || lower(tg_op);
begin
  select * into v_actor from private.audit_actor();
  if tg_op = 'INSERT' then
    insert into public.audit_logs (tenant_id, actor_type, actor_id, actor_job, action, target_type, target_id,
                                   new_values, ip, user_agent)
    select (s.r ->> v_tenant_column)::uuid, v_actor.actor_type, v_actor.actor_id, v_actor.actor_job, v_action,
           tg_table_name, private.audit_target_id(s.r, v_keys), s.r - v_ignored, v_ip, v_user_agent
    from (select to_jsonb(n) as r from new_rows n) s;
  elsif tg_op = 'DELETE' then
    insert into public.audit_logs (tenant_id, actor_type, actor_id, actor_job, action, target_type, target_id,
                                   old_values, ip, user_agent)
    select (s.r ->> v_tenant_column)::uuid, v_actor.actor_type, v_actor.actor_id, v_actor.actor_job, v_action,
           tg_table_name, private.audit_target_id(s.r, v_keys), s.r - v_ignored, v_ip, v_user_agent
    from (select to_jsonb(o) as r from old_rows o) s;
  else
    -- Only what changed; updated_at alone is not a change.
    insert into public.audit_logs (tenant_id, actor_type, actor_id, actor_job, action, target_type, target_id,
                                   old_values, new_values, ip, user_agent)
    select (n.r ->> v_tenant_column)::uuid, v_actor.actor_type, v_actor.actor_id, v_actor.actor_job, v_action,
           tg_table_name, private.audit_target_id(n.r, v_keys), d.old_values, d.new_values, v_ip, v_user_agent
    from (select to_jsonb(o) as r from old_rows o) o
    join (select to_jsonb(x) as r from new_rows x) n
      on private.audit_target_id(o.r, v_keys) = private.audit_target_id(n.r, v_keys)
    cross join lateral (
      select jsonb_object_agg(e.key, o.r -> e.key) as old_values, jsonb_object_agg(e.key, e.value) as new_values
      from jsonb_each(n.r - v_ignored - 'updated_at') e
      where e.value is distinct from o.r -> e.key) d
    where d.new_values is not null;
  end if;
  return null;
end
$$;

comment on function private.audit_changes() is
  'Statement-level AFTER trigger writing one audit row per changed row, set-based. Security definer: '
  'no API role may insert into audit_logs.';

create trigger audit_logs_append_only before update or delete on public.audit_logs
  for each row execute function private.refuse_audit_change();
create trigger audit_logs_no_truncate before truncate on public.audit_logs
  for each statement execute function private.refuse_audit_change();
create trigger audit_log_seals_append_only before update or delete on public.audit_log_seals
  for each row execute function private.refuse_audit_change();
create trigger audit_log_seals_no_truncate before truncate on public.audit_log_seals
  for each statement execute function private.refuse_audit_change();

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- Who is acting, from the request: a system job (service_role, `job` claim), an API key
-- (`api_key_id` claim), a user (`sub`), or direct SQL without claims (migrations, psql).
create or replace function private.audit_actor(
  out actor_type public.audit_actor_type, out actor_id uuid, out actor_job text)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_claims jsonb := private.request_claims();
begin
  if private.is_service_role() or v_claims ->> 'role' = 'service_role' then
    actor_type := 'system';
    actor_job := left(coalesce(v_claims ->> 'job', 'service_role'), 100);
  elsif v_claims ? 'api_key_id' then
    actor_type := 'api_key';
    actor_id := private.try_uuid(v_claims ->> 'api_key_id');
  elsif private.try_uuid(v_claims ->> 'sub') is not null then
    actor_type := 'user';
    actor_id := private.try_uuid(v_claims ->> 'sub');
  else
    actor_type := 'system';
    actor_job := 'sql:' || session_user;
  end if;
end
$$;

comment on function private.audit_actor() is 'The actor of the current request, as audit rows record it.';

create or replace function private.audit_target_id(p_row jsonb, p_keys text[])
returns text
language sql
immutable
set search_path = ''
as $$
  select case when cardinality(p_keys) = 1 then p_row ->> p_keys[1]
    else (select string_agg(p_row ->> k, ':' order by o) from unnest(p_keys) with ordinality u(k, o)) end
$$;

comment on function private.audit_target_id(jsonb, text[]) is 'The audited row''s key as text (composite keys joined with :).';

-- An RPC's own record of what it did and why (member.invite, tenant.approve …), beside the row
-- changes its statements log.
create or replace function private.audit_event(
  p_tenant_id uuid, p_action text, p_target_type text, p_target_id text,
  p_old jsonb default null, p_new jsonb default null)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor record;
begin
  select * into v_actor from private.audit_actor();
  insert into public.audit_logs (tenant_id, actor_type, actor_id, actor_job, action, target_type, target_id,
                                 old_values, new_values, ip, user_agent)
  values (p_tenant_id, v_actor.actor_type, v_actor.actor_id, v_actor.actor_job, p_action, p_target_type,
          p_target_id, p_old, p_new, private.request_ip(), private.request_user_agent());
end
$$;

comment on function private.audit_event(uuid, text, text, text, jsonb, jsonb) is
  'Records an RPC-level event. Only the RPCs (security definer, as owner) call it.';

-- Attaches the three audit triggers (transition tables allow one event per trigger).
create or replace function private.enable_audit(
  p_table regclass, p_tenant_column text, p_key_columns text[], p_ignored_columns text[] default '{}')
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_args text := array_to_string(array(
    select quote_literal(a) from unnest(
      array[coalesce(p_tenant_column, ''), array_to_string(p_key_columns, ',')] || p_ignored_columns) a), ', ');
begin
  execute format('create trigger audit_insert after insert on %s referencing new table as new_rows '
                 'for each statement execute function private.audit_changes(%s)', p_table, v_args);
  execute format('create trigger audit_update after update on %s referencing old table as old_rows new table as new_rows '
                 'for each statement execute function private.audit_changes(%s)', p_table, v_args);
  execute format('create trigger audit_delete after delete on %s referencing old table as old_rows '
                 'for each statement execute function private.audit_changes(%s)', p_table, v_args);
end
$$;

comment on function private.enable_audit(regclass, text, text[], text[]) is
  'Migration helper: audits a table (tenant column, key columns, columns never recorded). Not granted to any API role.';

-- The canonical content of a row: a JSON array of every column in a fixed order (jsonb's text
-- form is deterministic), the timestamp in UTC so the session's TimeZone does not matter.
create or replace function private.audit_digest(p_log public.audit_logs)
returns bytea
language sql
stable
set search_path = ''
as $$
  select sha256(convert_to(jsonb_build_array(
    p_log.id, p_log.tenant_id, p_log.actor_type, p_log.actor_id, p_log.actor_job, p_log.action,
    p_log.target_type, p_log.target_id, p_log.old_values, p_log.new_values, p_log.ip::text, p_log.user_agent,
    to_char(p_log.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text, 'UTF8'))
$$;

comment on function private.audit_digest(public.audit_logs) is 'sha256 of an audit row''s canonical content.';

create or replace function private.audit_chain_step(p_state bytea, p_prev bytea, p_digest bytea)
returns bytea
language sql
immutable
set search_path = ''
as $$
  select sha256(coalesce(p_state, p_prev) || p_digest)
$$;

comment on function private.audit_chain_step(bytea, bytea, bytea) is 'One link: sha256(previous hash || row digest).';

create aggregate private.audit_chain(bytea, bytea) (
  sfunc = private.audit_chain_step,
  stype = bytea
);

comment on aggregate private.audit_chain(bytea, bytea) is
  'Running hash chain: audit_chain(head_hash, digest) over (order by id) gives each row''s link in one linear pass.';

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
    select l.id, coalesce(l.tenant_id, '00000000-0000-0000-0000-000000000000'::uuid) as chain,
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
    select b.id, b.chain, h.hash as head_hash,
           h.seq + row_number() over w as seq,
           private.audit_chain(h.hash, b.digest) over w as hash
    from batch b join heads h on h.chain = b.chain
    window w as (partition by b.chain order by b.id rows between unbounded preceding and current row)
  )
  insert into public.audit_log_seals (log_id, chain, seq, prev_hash, hash)
  select l.id, l.chain, l.seq, coalesce(lag(l.hash) over (partition by l.chain order by l.seq), l.head_hash), l.hash
  from linked l;
  get diagnostics v_sealed = row_count;

  if v_sealed < p_max_rows then
    update private.audit_seal_cursor set sealed_below = greatest(sealed_below, v_horizon);
  end if;
  return v_sealed;
end
$$;

comment on function private.seal_audit_chain(integer) is
  'Chains every audit row of finished transactions (and of the caller''s own) onto its tenant''s chain, at most '
  'p_max_rows per call; returns how many it sealed. Run by the audit.seal job. Security definer: writes the seals.';

grant execute on function private.seal_audit_chain(integer) to service_role;

-- ---------------------------------------------------------------------------------------------
-- Audited tables
-- ---------------------------------------------------------------------------------------------

select private.enable_audit('public.tenants', 'id', '{id}');
select private.enable_audit('public.memberships', 'tenant_id', '{id}');
select private.enable_audit('public.roles', 'tenant_id', '{id}');
select private.enable_audit('public.role_permissions', 'tenant_id', '{role_id,permission_code}');
select private.enable_audit('public.role_assignments', 'tenant_id', '{id}');
select private.enable_audit('public.teams', 'tenant_id', '{id}');
select private.enable_audit('public.team_members', 'tenant_id', '{team_id,user_id}');
select private.enable_audit('public.projects', 'tenant_id', '{id}');
select private.enable_audit('public.environments', 'tenant_id', '{id}');
select private.enable_audit('public.profiles', '', '{id}', '{last_login_at}');
select private.enable_audit('public.platform_staff', '', '{user_id}');
select private.enable_audit('public.system_settings', '', '{key}');
select private.enable_audit('public.permissions', '', '{code}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.audit_logs, public.audit_log_seals from anon, authenticated, service_role;
grant select on public.audit_logs, public.audit_log_seals to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy audit_logs_select_permitted on public.audit_logs
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('audit.read'))));
create policy audit_logs_select_staff on public.audit_logs
  for select to authenticated
  using ((select private.is_platform_staff('support')));
create policy audit_logs_select_mfa on public.audit_logs
  as restrictive for select to authenticated
  using (tenant_id is null or tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy audit_log_seals_select_permitted on public.audit_log_seals
  for select to authenticated
  using (private.tenant_in(chain, (select private.permitted_tenant_ids('audit.read'))));
create policy audit_log_seals_select_staff on public.audit_log_seals
  for select to authenticated
  using ((select private.is_platform_staff('support')));
create policy audit_log_seals_select_mfa on public.audit_log_seals
  as restrictive for select to authenticated
  using (chain not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

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
declare
  v_chain uuid := coalesce(p_tenant_id, '00000000-0000-0000-0000-000000000000'::uuid);
begin
  if p_tenant_id in (select private.mfa_blocked_tenant_ids()) then
    raise exception 'this tenant requires multi-factor authentication' using errcode = 'TN004';
  end if;
  if not (private.is_service_role() or private.is_operator()
          or private.is_platform_staff('support')
          or (p_tenant_id is not null and private.user_has_permission('audit.read', p_tenant_id))) then
    raise exception 'verifying this audit chain needs audit.read' using errcode = 'TN002';
  end if;

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
      left join public.audit_logs l on l.id = z.log_id
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

comment on function public.verify_audit_chain(uuid) is
  'Recomputes a tenant''s audit chain (null: the platform chain). Returns one row: the first broken row '
  '(null when intact) and why, how many rows are sealed and unsealed, and the head to anchor elsewhere. '
  'Needs audit.read in the tenant (at aal2 where the tenant requires MFA: TN004), support staff or service_role. '
  'Security definer: reads every seal.';

grant execute on function public.verify_audit_chain(uuid) to authenticated, service_role;
