-- Outbound webhooks (the Standard Webhooks specification): a tenant's endpoints, their signing
-- secrets (encrypted at rest: they must be used, so they cannot be hashed), one delivery per
-- endpoint per event, and every attempt of it. The edge function webhook-dispatch delivers.
--
-- Owns: tables webhook_endpoints, webhook_endpoint_secrets, webhook_deliveries, webhook_attempts;
-- private.webhook_body, managed_webhook_endpoint, check_webhook_endpoint, insert_webhook_secret;
-- the RPCs create_webhook_endpoint, update_webhook_endpoint, set_webhook_endpoint_enabled,
-- delete_webhook_endpoint, rotate_webhook_secret, reveal_webhook_secret, send_webhook_test,
-- replay_webhook_delivery, webhook_event_types. TN260–TN272 (TN273–TN274 kept for this module).
--
-- Who (docs/webhooks.md): holders of webhooks.manage in the tenant, people and API keys alike,
-- read its endpoints, deliveries and attempts, and call the RPCs, the only writers (the
-- dispatcher's functions in 20261202000200_webhook_delivery.sql aside). Nobody reads
-- webhook_endpoint_secrets through the API: reveal_webhook_secret returns the current sealed
-- secret to a holder (audited as webhook.secret_reveal), and the app opens it. The app makes each
-- secret (`whsec_` + base64 of 32 random bytes) and seals it bound to its row id
-- (src/lib/server/webhooks/secrets.ts): SQL never sees a secret in the clear.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  url text not null check (char_length(url) between 1 and 2048 and url ~ '^https?://'),
  description text not null default '' check (char_length(description) <= 500),
  -- Empty: every event type.
  event_types text[] not null default '{}' check (cardinality(event_types) <= 200),
  enabled boolean not null default true,
  -- Deliveries per second to this endpoint; null: no limit of its own.
  rate_limit_per_second integer check (rate_limit_per_second between 1 and 1000),
  -- Why it is off: manual (someone turned it off), gone (the receiver answered 410), failing
  -- (every attempt failed for days).
  disabled_reason text check (disabled_reason in ('manual', 'gone', 'failing')),
  disabled_at timestamptz,
  -- The first failed attempt since the last success; null while it succeeds.
  failing_since timestamptz,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  check ((disabled_reason is null) = (disabled_at is null))
);
alter table public.webhook_endpoints enable row level security;
comment on table public.webhook_endpoints is
  'Where a tenant''s events are POSTed: URL, description, event types (empty: all), on or off (and why '
  'off), a rate limit, and when it started failing.';
create index webhook_endpoints_tenant_created_idx on public.webhook_endpoints (tenant_id, created_at);

create table public.webhook_endpoint_secrets (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  endpoint_id uuid not null,
  -- supabase/functions/_shared/secret-box.ts's sealed form of `whsec_<base64>`, bound to this row's id.
  sealed text not null check (char_length(sealed) between 1 and 1000),
  created_at timestamptz not null default now(),
  -- Null: the current secret. Set at rotation: the old one still signs (both signatures are sent)
  -- until then.
  expires_at timestamptz,
  unique (tenant_id, id),
  foreign key (tenant_id, endpoint_id) references public.webhook_endpoints (tenant_id, id) on delete cascade
);
alter table public.webhook_endpoint_secrets enable row level security;
comment on table public.webhook_endpoint_secrets is
  'An endpoint''s signing secrets, sealed (AES-256-GCM, key outside the database). One current (expires_at '
  'null); after a rotation the previous one signs too until it expires.';
create unique index webhook_endpoint_secrets_one_current on public.webhook_endpoint_secrets (endpoint_id)
  where expires_at is null;
create index webhook_endpoint_secrets_endpoint_idx on public.webhook_endpoint_secrets (tenant_id, endpoint_id);

create table public.webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  endpoint_id uuid not null,
  event_id uuid not null,
  event_type text not null,
  -- The exact bytes POSTed on every attempt ({"type","timestamp","data"}), so retries are identical.
  body text not null,
  -- pending: to be tried (again) at next_attempt_at; succeeded: a 2xx came back; failed: given up
  -- (the schedule ran out, or the endpoint was disabled).
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  -- A dispatcher's lease: another may take the delivery once it has passed.
  claimed_by text,
  claimed_until timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  unique (tenant_id, id),
  unique (endpoint_id, event_id),
  foreign key (tenant_id, endpoint_id) references public.webhook_endpoints (tenant_id, id) on delete cascade,
  foreign key (tenant_id, event_id) references public.events (tenant_id, id) on delete cascade
);
alter table public.webhook_deliveries enable row level security;
comment on table public.webhook_deliveries is
  'One event to one endpoint: the body sent on every attempt (the webhook-id is msg_ + the event''s id '
  'without dashes, the same on every retry and for every endpoint), its state, when it is tried next and '
  'which dispatcher holds it.';
create index webhook_deliveries_due_idx on public.webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_endpoint_created_idx on public.webhook_deliveries (tenant_id, endpoint_id, created_at);

create table public.webhook_attempts (
  id bigint generated always as identity primary key,
  tenant_id uuid not null,
  delivery_id uuid not null,
  endpoint_id uuid not null,
  attempt integer not null check (attempt > 0),
  started_at timestamptz not null,
  duration_ms integer not null check (duration_ms >= 0),
  -- Null when no response came (timeout, refused, reset, SSRF guard).
  status_code integer,
  error text check (char_length(error) <= 1000),
  request_headers jsonb not null default '{}',
  response_headers jsonb,
  -- The first KB of the response.
  response_body text check (char_length(response_body) <= 1024),
  unique (delivery_id, attempt),
  foreign key (tenant_id, delivery_id) references public.webhook_deliveries (tenant_id, id) on delete cascade
);
alter table public.webhook_attempts enable row level security;
comment on table public.webhook_attempts is
  'Every try of a delivery: when, how long, the status code or the error, the headers sent and the first KB '
  'of the response.';
create index webhook_attempts_delivery_idx on public.webhook_attempts (tenant_id, delivery_id, attempt);
-- An endpoint's success rate per day (the pages' chart and list).
create index webhook_attempts_endpoint_started_idx on public.webhook_attempts (tenant_id, endpoint_id, started_at);

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- The body POSTed for an event, the same bytes on every attempt and to every endpoint (the
-- Standard Webhooks shape): {"type", "timestamp" (occurred_at, UTC, ms), "data": the payload with
-- the event's id, tenant_id, version and subject, which the payload cannot override}.
create or replace function private.webhook_body(p_event public.events)
returns text
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object(
    'type', p_event.type,
    'timestamp', to_char(p_event.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'data', p_event.payload || jsonb_build_object(
      'id', p_event.id,
      'tenant_id', p_event.tenant_id,
      'version', p_event.version,
      'subject', jsonb_build_object('type', p_event.subject_type, 'id', p_event.subject_id)))::text
$$;

comment on function private.webhook_body(public.events) is
  'The Standard Webhooks body of an event: {"type","timestamp","data"}; data is the payload with id, tenant_id, '
  'version and subject on top.';
revoke all on function private.webhook_body(public.events) from public;

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger webhook_endpoints_updated_at before update on public.webhook_endpoints
  for each row execute function private.set_updated_at();
create trigger webhook_endpoints_immutable_columns before update on public.webhook_endpoints
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_by', 'created_at');
create trigger webhook_endpoint_secrets_immutable_columns before update on public.webhook_endpoint_secrets
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'endpoint_id', 'sealed', 'created_at');
create trigger webhook_deliveries_immutable_columns before update on public.webhook_deliveries
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'endpoint_id', 'event_id', 'event_type', 'body', 'created_at');
create trigger webhook_attempts_immutable_columns before update on public.webhook_attempts
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'delivery_id', 'endpoint_id', 'attempt', 'started_at', 'duration_ms', 'status_code', 'error',
    'request_headers', 'response_headers', 'response_body');

-- Endpoints and secrets are audited row by row (the sealed secret never recorded). Deliveries and
-- attempts are themselves the log of the dispatcher's work, written at its rate: the RPCs that
-- act on them (test, replay) record an audit event instead.
select private.enable_audit('public.webhook_endpoints', 'tenant_id', '{id}', '{updated_at}');
select private.enable_audit('public.webhook_endpoint_secrets', 'tenant_id', '{id}', '{sealed}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

-- Reads only: every write is an RPC below (or the dispatcher's). The secrets table is not
-- readable by any API role.
revoke all on public.webhook_endpoints, public.webhook_endpoint_secrets, public.webhook_deliveries,
  public.webhook_attempts from anon, authenticated, service_role;
grant select (id, tenant_id, url, description, event_types, enabled, rate_limit_per_second, disabled_reason,
              disabled_at, failing_since, created_by, created_at, updated_at)
  on public.webhook_endpoints to authenticated, service_role;
grant select (id, tenant_id, endpoint_id, event_id, event_type, body, status, attempts, next_attempt_at, claimed_by,
              claimed_until, last_status_code, last_error, created_at, completed_at)
  on public.webhook_deliveries to authenticated, service_role;
grant select (id, tenant_id, delivery_id, endpoint_id, attempt, started_at, duration_ms, status_code, error,
              request_headers, response_headers, response_body)
  on public.webhook_attempts to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy webhook_endpoints_select_permitted on public.webhook_endpoints
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('webhooks.manage'))));
create policy webhook_endpoints_select_mfa on public.webhook_endpoints
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy webhook_deliveries_select_permitted on public.webhook_deliveries
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('webhooks.manage'))));
create policy webhook_deliveries_select_mfa on public.webhook_deliveries
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy webhook_attempts_select_permitted on public.webhook_attempts
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('webhooks.manage'))));
create policy webhook_attempts_select_mfa on public.webhook_attempts
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

-- An endpoint the caller manages, locked, or TN260 (the same answer whether or not it exists, so
-- another tenant's ids tell nothing). MFA and API-key refusals (TN004, TN200–TN203) pass through.
create or replace function private.managed_webhook_endpoint(p_endpoint_id uuid)
returns public.webhook_endpoints
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints;
begin
  select * into v_endpoint from public.webhook_endpoints e where e.id = p_endpoint_id for update;
  if not found then
    raise exception 'no such webhook endpoint' using errcode = 'TN260';
  end if;
  begin
    perform private.authorize('webhooks.manage', v_endpoint.tenant_id);
  exception when sqlstate 'TN002' or sqlstate 'TN001' then
    raise exception 'no such webhook endpoint' using errcode = 'TN260';
  end;
  return v_endpoint;
end
$$;

comment on function private.managed_webhook_endpoint(uuid) is
  'Locks an endpoint the caller holds webhooks.manage for; TN260 otherwise. Security definer: finds the row first.';

-- The rules of an endpoint's settings, the table's checks in words: TN261 URL, TN262 event types,
-- TN263 rate limit, TN264 description. Returns the event types deduplicated and sorted.
create or replace function private.check_webhook_endpoint(
  p_url text, p_description text, p_event_types text[], p_rate_limit_per_second integer)
returns text[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_types text[] := array(select distinct t from unnest(coalesce(p_event_types, '{}')) t order by t);
  v_unknown text;
begin
  if p_url is null or char_length(p_url) not between 1 and 2048 or p_url !~ '^https?://[^/?#\s]+([/?#]\S*)?$' then
    raise exception 'a webhook URL is http(s)://host/path, at most 2048 characters' using errcode = 'TN261';
  end if;
  if substring(p_url from '^https?://([^/?#]*)') like '%@%' then
    raise exception 'a webhook URL carries no user name or password' using errcode = 'TN261';
  end if;
  if char_length(coalesce(p_description, '')) > 500 then
    raise exception 'a description is at most 500 characters' using errcode = 'TN264';
  end if;
  select t into v_unknown from unnest(v_types) t
  where t = 'webhook.test' or not exists (select 1 from public.event_types et where et.type = t)
  limit 1;
  if v_unknown is not null then
    raise exception 'unknown event type %', v_unknown using errcode = 'TN262';
  end if;
  if cardinality(v_types) > 200 then
    raise exception 'at most 200 event types' using errcode = 'TN262';
  end if;
  if p_rate_limit_per_second is not null and p_rate_limit_per_second not between 1 and 1000 then
    raise exception 'the rate limit is 1 to 1000 deliveries a second' using errcode = 'TN263';
  end if;
  return v_types;
end
$$;

comment on function private.check_webhook_endpoint(text, text, text[], integer) is
  'Checks an endpoint''s URL (TN261: http(s), at most 2048 characters, no credentials), description (TN264), event '
  'types (TN262: in the catalogue; webhook.test is sent on request only) and rate limit (TN263). Returns the types '
  'deduplicated and sorted. The app checks the scheme (https unless WEBHOOK_ALLOW_LOOPBACK) and the SSRF guard.';

-- Stores a sealed secret the app made for row p_secret_id. At most two live secrets per endpoint:
-- the new current one and the one it replaces (expiring); any older one stops at once.
create or replace function private.insert_webhook_secret(
  p_endpoint public.webhook_endpoints, p_secret_id uuid, p_sealed text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_secret_id is null or p_sealed is null or p_sealed !~ '^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
     or char_length(p_sealed) > 1000 then
    raise exception 'a signing secret is sealed by the app (v1.<key id>.<iv>.<ciphertext>)' using errcode = 'TN265';
  end if;
  if exists (select 1 from public.webhook_endpoint_secrets s where s.id = p_secret_id) then
    raise exception 'that secret id is taken; generate a new secret' using errcode = 'TN265';
  end if;
  insert into public.webhook_endpoint_secrets (id, tenant_id, endpoint_id, sealed)
  values (p_secret_id, p_endpoint.tenant_id, p_endpoint.id, p_sealed);
end
$$;

comment on function private.insert_webhook_secret(public.webhook_endpoints, uuid, text) is
  'Stores a new current signing secret (sealed by the app for its row id; TN265 otherwise), for create and rotate.';

create or replace function public.create_webhook_endpoint(
  p_tenant_id uuid, p_url text, p_description text, p_event_types text[], p_rate_limit_per_second integer,
  p_secret_id uuid, p_sealed_secret text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_types text[];
  v_endpoint public.webhook_endpoints;
begin
  perform private.authorize('webhooks.manage', p_tenant_id);
  v_types := private.check_webhook_endpoint(p_url, p_description, p_event_types, p_rate_limit_per_second);
  -- One creation at a time per tenant, so the cap holds (no key update: other tables' foreign keys still pass).
  perform 1 from public.tenants t where t.id = p_tenant_id for no key update;
  if (select count(*) from public.webhook_endpoints e where e.tenant_id = p_tenant_id) >= 50 then
    raise exception 'an organisation has at most 50 webhook endpoints' using errcode = 'TN266';
  end if;
  insert into public.webhook_endpoints (tenant_id, url, description, event_types, rate_limit_per_second, created_by)
  values (p_tenant_id, p_url, btrim(coalesce(p_description, '')), v_types, p_rate_limit_per_second, auth.uid())
  returning * into v_endpoint;
  perform private.insert_webhook_secret(v_endpoint, p_secret_id, p_sealed_secret);
  return v_endpoint.id;
end
$$;

comment on function public.create_webhook_endpoint(uuid, text, text, text[], integer, uuid, text) is
  'Creates an endpoint (enabled) with its first signing secret, sealed by the app for p_secret_id. Needs '
  'webhooks.manage (TN002); TN261–TN266 for bad input. Returns its id. Security definer: writes the tables the API '
  'only reads.';

create or replace function public.update_webhook_endpoint(
  p_endpoint_id uuid, p_url text, p_description text, p_event_types text[], p_rate_limit_per_second integer)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints := private.managed_webhook_endpoint(p_endpoint_id);
  v_types text[] := private.check_webhook_endpoint(p_url, p_description, p_event_types, p_rate_limit_per_second);
begin
  update public.webhook_endpoints e
  set url = p_url, description = btrim(coalesce(p_description, '')), event_types = v_types,
      rate_limit_per_second = p_rate_limit_per_second
  where e.id = v_endpoint.id;
end
$$;

comment on function public.update_webhook_endpoint(uuid, text, text, text[], integer) is
  'Replaces an endpoint''s URL, description, event types (empty: all) and rate limit (null: none). Needs '
  'webhooks.manage (TN260 otherwise); TN261–TN264 for bad input.';

create or replace function public.set_webhook_endpoint_enabled(p_endpoint_id uuid, p_enabled boolean)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints := private.managed_webhook_endpoint(p_endpoint_id);
begin
  if p_enabled is null then
    raise exception 'say whether the endpoint is on or off' using errcode = 'TN267';
  end if;
  if p_enabled then
    update public.webhook_endpoints e
    set enabled = true, disabled_reason = null, disabled_at = null, failing_since = null
    where e.id = v_endpoint.id and not e.enabled;
  else
    update public.webhook_endpoints e
    set enabled = false, disabled_reason = 'manual', disabled_at = now()
    where e.id = v_endpoint.id and e.enabled;
    -- Nothing more is sent: what was waiting is given up (a replay brings a delivery back).
    update public.webhook_deliveries d
    set status = 'failed', completed_at = now(), claimed_by = null, claimed_until = null,
        last_error = coalesce(d.last_error, 'the endpoint was turned off')
    where d.tenant_id = v_endpoint.tenant_id and d.endpoint_id = v_endpoint.id and d.status = 'pending';
  end if;
end
$$;

comment on function public.set_webhook_endpoint_enabled(uuid, boolean) is
  'Turns an endpoint on (clearing why it was off and since when it failed) or off by hand (its pending deliveries '
  'are given up). Needs webhooks.manage (TN260 otherwise). Idempotent.';

create or replace function public.delete_webhook_endpoint(p_endpoint_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints := private.managed_webhook_endpoint(p_endpoint_id);
begin
  delete from public.webhook_endpoints e where e.id = v_endpoint.id;
end
$$;

comment on function public.delete_webhook_endpoint(uuid) is
  'Deletes an endpoint with its secrets, deliveries and attempts. Needs webhooks.manage (TN260 otherwise).';

create or replace function public.rotate_webhook_secret(
  p_endpoint_id uuid, p_secret_id uuid, p_sealed_secret text, p_overlap_seconds integer)
returns timestamptz
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints := private.managed_webhook_endpoint(p_endpoint_id);
  v_expires timestamptz;
begin
  if p_overlap_seconds is null or p_overlap_seconds not between 0 and 604800 then
    raise exception 'the overlap is 0 seconds to 7 days' using errcode = 'TN268';
  end if;
  v_expires := now() + make_interval(secs => p_overlap_seconds);
  -- At most two live secrets: one still expiring from an earlier rotation stops now.
  update public.webhook_endpoint_secrets s set expires_at = now()
  where s.tenant_id = v_endpoint.tenant_id and s.endpoint_id = v_endpoint.id
    and s.expires_at is not null and s.expires_at > now();
  update public.webhook_endpoint_secrets s set expires_at = v_expires
  where s.tenant_id = v_endpoint.tenant_id and s.endpoint_id = v_endpoint.id and s.expires_at is null;
  perform private.insert_webhook_secret(v_endpoint, p_secret_id, p_sealed_secret);
  return v_expires;
end
$$;

comment on function public.rotate_webhook_secret(uuid, uuid, text, integer) is
  'Makes a new current secret (sealed by the app for p_secret_id); the old one still signs for the overlap (0–7 days, '
  'TN268; 0: it stops at once) and any older one stops now. Returns when the old one expires. Needs webhooks.manage '
  '(TN260 otherwise).';

create or replace function public.reveal_webhook_secret(p_endpoint_id uuid, out secret_id uuid, out sealed text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints := private.managed_webhook_endpoint(p_endpoint_id);
begin
  select s.id, s.sealed into secret_id, sealed from public.webhook_endpoint_secrets s
  where s.tenant_id = v_endpoint.tenant_id and s.endpoint_id = v_endpoint.id and s.expires_at is null;
  if not found then
    raise exception 'this endpoint has no current secret: rotate it to make one' using errcode = 'TN272';
  end if;
  perform private.audit_event(v_endpoint.tenant_id, 'webhook.secret_reveal', 'webhook_endpoints',
                              v_endpoint.id::text, null, jsonb_build_object('secret_id', secret_id));
end
$$;

comment on function public.reveal_webhook_secret(uuid) is
  'The endpoint''s current signing secret, sealed (the app opens it), recorded in the audit log as '
  'webhook.secret_reveal; TN272 when it has none (the demo seed''s endpoint: rotate to make one). Needs '
  'webhooks.manage (TN260 otherwise). Security definer: nobody reads the secrets table.';

create or replace function public.send_webhook_test(p_endpoint_id uuid)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints := private.managed_webhook_endpoint(p_endpoint_id);
  v_event_id uuid;
  v_event public.events;
  v_delivery uuid;
begin
  if not v_endpoint.enabled then
    raise exception 'turn the endpoint on before sending to it' using errcode = 'TN269';
  end if;
  v_event_id := private.publish_event(v_endpoint.tenant_id, 'webhook.test', 'webhook_endpoint', v_endpoint.id::text,
                                      jsonb_build_object('endpoint_id', v_endpoint.id,
                                                         'message', 'A test event sent from Tenantry on request.'));
  select * into v_event from public.events ev where ev.id = v_event_id;
  insert into public.webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, body)
  values (v_endpoint.tenant_id, v_endpoint.id, v_event.id, v_event.type, private.webhook_body(v_event))
  returning id into v_delivery;
  perform private.audit_event(v_endpoint.tenant_id, 'webhook.test', 'webhook_endpoints', v_endpoint.id::text,
                              null, jsonb_build_object('event_id', v_event.id, 'delivery_id', v_delivery));
  return v_delivery;
end
$$;

comment on function public.send_webhook_test(uuid) is
  'Publishes a webhook.test event about the endpoint and queues ONE delivery of it to that endpoint only (the '
  'enqueue trigger skips webhook.test). TN269 when the endpoint is off. Returns the delivery''s id. Needs '
  'webhooks.manage (TN260 otherwise).';

create or replace function public.replay_webhook_delivery(p_delivery_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_delivery public.webhook_deliveries;
  v_endpoint public.webhook_endpoints;
begin
  select * into v_delivery from public.webhook_deliveries d where d.id = p_delivery_id;
  if not found then
    raise exception 'no such webhook delivery' using errcode = 'TN270';
  end if;
  begin
    v_endpoint := private.managed_webhook_endpoint(v_delivery.endpoint_id);
  exception when sqlstate 'TN260' then
    raise exception 'no such webhook delivery' using errcode = 'TN270';
  end;
  select * into v_delivery from public.webhook_deliveries d where d.id = p_delivery_id for update;
  if not v_endpoint.enabled then
    raise exception 'turn the endpoint on before sending to it' using errcode = 'TN269';
  end if;
  if v_delivery.status = 'pending' and v_delivery.claimed_until > now() then
    raise exception 'this delivery is being attempted right now' using errcode = 'TN271';
  end if;
  update public.webhook_deliveries d
  set status = 'pending', next_attempt_at = now(), completed_at = null, claimed_by = null, claimed_until = null
  where d.id = v_delivery.id;
  perform private.audit_event(v_delivery.tenant_id, 'webhook.replay', 'webhook_deliveries', v_delivery.id::text,
                              jsonb_build_object('status', v_delivery.status, 'attempts', v_delivery.attempts),
                              jsonb_build_object('status', 'pending'));
end
$$;

comment on function public.replay_webhook_delivery(uuid) is
  'Sends a delivery again: back to pending, due now, the same body and webhook-id; its attempts are kept (numbering '
  'goes on). TN269 when the endpoint is off, TN271 while a dispatcher holds it. Needs webhooks.manage (TN270 '
  'otherwise).';

-- The event picker's list, whatever the catalogue table's own grants: every type but webhook.test
-- (sent on request only).
create or replace function public.webhook_event_types()
returns table (type text, module text, description text)
language sql
stable
security definer
set search_path = ''
as $$
  select t.type, t.module, t.description from public.event_types t
  where t.type <> 'webhook.test'
  order by t.module, t.type
$$;

comment on function public.webhook_event_types() is
  'The event types an endpoint may subscribe to (every catalogue type but webhook.test), by module. Security '
  'definer: the public catalogue, read the same whatever event_types'' policies.';

revoke all on function
  public.webhook_event_types(),
  private.managed_webhook_endpoint(uuid), private.check_webhook_endpoint(text, text, text[], integer),
  private.insert_webhook_secret(public.webhook_endpoints, uuid, text),
  public.create_webhook_endpoint(uuid, text, text, text[], integer, uuid, text),
  public.update_webhook_endpoint(uuid, text, text, text[], integer),
  public.set_webhook_endpoint_enabled(uuid, boolean), public.delete_webhook_endpoint(uuid),
  public.rotate_webhook_secret(uuid, uuid, text, integer), public.reveal_webhook_secret(uuid),
  public.send_webhook_test(uuid), public.replay_webhook_delivery(uuid)
from public, anon;
grant execute on function
  public.webhook_event_types(),
  public.create_webhook_endpoint(uuid, text, text, text[], integer, uuid, text),
  public.update_webhook_endpoint(uuid, text, text, text[], integer),
  public.set_webhook_endpoint_enabled(uuid, boolean), public.delete_webhook_endpoint(uuid),
  public.rotate_webhook_secret(uuid, uuid, text, integer), public.reveal_webhook_secret(uuid),
  public.send_webhook_test(uuid), public.replay_webhook_delivery(uuid)
to authenticated;
