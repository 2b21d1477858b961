-- REST API v1 (issue 12): what the API keeps in the database besides the modules' own tables.
--
--   api_idempotency  one row per (principal, Idempotency-Key) of a POST: the request's hash and the
--                    first response, replayed for 24 hours (src/lib/server/api/idempotency.ts).
--
-- Owns: that table; private.api_principal() (who a row belongs to: the API key, else the user) and
-- private.api_principal_tenant_ids() (where it may record one);
-- private.purge_api_idempotency() (the api.idempotency_purge job).
--
-- The record is written in the request's own transaction, under RLS, as the caller: the insert of
-- a second request with the same key waits on the first one's uncommitted row (the primary key),
-- then finds it committed with its response and replays it — concurrent retries run the write once.

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

create or replace function private.api_principal()
returns text
language sql
stable
set search_path = ''
as $$
  select coalesce(
    nullif(auth.jwt() ->> 'api_key_id', ''),
    nullif(auth.jwt() ->> 'sub', '')
  )
$$;

comment on function private.api_principal() is
  'Who an API request runs as: the API key''s id when the claims carry one, else the user''s id.';

grant execute on function private.api_principal() to authenticated;

create or replace function private.api_principal_tenant_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select k.tenant_id from public.api_keys k where k.id = private.request_api_key_id()
  union all
  select unnest(private.permitted_tenant_ids_of_person(null)) where private.request_api_key_id() is null
$$;

comment on function private.api_principal_tenant_ids() is
  'The tenants an API request may be about: an API key''s own tenant (whatever it was given), or the active tenants '
  'the person is an active member of. Security definer: reads api_keys for the caller''s own key only.';

grant execute on function private.api_principal_tenant_ids() to authenticated;

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.api_idempotency (
  principal text not null default private.api_principal(),
  key text not null check (char_length(key) between 1 and 255),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  request_hash text not null check (char_length(request_hash) = 64),
  status smallint check (status between 200 and 599),
  body text,
  created_at timestamptz not null default now(),
  primary key (principal, key)
);
alter table public.api_idempotency enable row level security;
comment on table public.api_idempotency is
  'The first response of every POST sent with an Idempotency-Key, per caller (API key or user) for 24 hours, '
  'its body as the JSON text sent (so a replay is byte for byte the same): '
  'a retry with the same key and request replays it, one with another request is refused (TN225).';
create index api_idempotency_created_idx on public.api_idempotency (created_at);
create index api_idempotency_tenant_idx on public.api_idempotency (tenant_id);

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

-- Not audited: it is the API's record of its own requests, and every write it replays was
-- audited when it was made.
create trigger api_idempotency_immutable_columns before update on public.api_idempotency
  for each row execute function private.forbid_column_changes('principal', 'key', 'tenant_id');

create or replace function private.purge_api_idempotency()
returns bigint
language sql
volatile
security definer
set search_path = ''
as $$
  with gone as (
    delete from public.api_idempotency where created_at < now() - interval '24 hours' returning 1
  )
  select count(*) from gone
$$;

comment on function private.purge_api_idempotency() is
  'Deletes idempotency records older than 24 hours; returns how many. Security definer: nobody else may delete them. '
  'Run by the api.idempotency_purge job as service_role.';

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.api_idempotency from anon, authenticated, service_role;
grant select, insert (key, tenant_id, request_hash, created_at), update (request_hash, status, body, created_at)
  on public.api_idempotency to authenticated;
-- A request that ended as a system job (the invitation email, members.invitation_email) still
-- records its response, by the record's full key.
grant select (principal, key), update (status, body) on public.api_idempotency to service_role;
grant execute on function private.purge_api_idempotency() to service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy api_idempotency_select_own on public.api_idempotency
  for select to authenticated
  using (principal = (select private.api_principal()));
create policy api_idempotency_insert_own on public.api_idempotency
  for insert to authenticated
  with check (principal = (select private.api_principal())
              and tenant_id in (select private.api_principal_tenant_ids()));
create policy api_idempotency_update_own on public.api_idempotency
  for update to authenticated
  using (principal = (select private.api_principal()))
  with check (principal = (select private.api_principal()));
create policy api_idempotency_select_mfa on public.api_idempotency
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy api_idempotency_insert_mfa on public.api_idempotency
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy api_idempotency_update_mfa on public.api_idempotency
  as restrictive for update to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- API functions (for the app's system jobs)
-- ---------------------------------------------------------------------------------------------

create or replace function private.api_call_allowance(p_tenant_ids uuid[])
returns table (tenant_id uuid, used bigint, hard_limit bigint)
language sql
stable
security definer
set search_path = ''
as $$
  select t.id, coalesce(c.quantity, 0)::bigint, l.hard_limit
  from unnest(p_tenant_ids) t(id)
  cross join lateral private.tenant_limit(t.id, 'api_calls') l
  left join public.usage_counters c
    on c.tenant_id = t.id and c.metric = 'api_calls' and c.period_start = private.usage_period('month', now())
$$;

comment on function private.api_call_allowance(uuid[]) is
  'This month''s api_calls of each tenant and its plan''s hard limit (null: unlimited), for the api.meter job: '
  'what it may still record and whether the API must refuse the tenant''s calls (TN229). Security definer: '
  'counters and plans of every tenant.';

grant execute on function private.api_call_allowance(uuid[]) to service_role;
