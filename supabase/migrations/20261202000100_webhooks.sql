-- Outbound webhooks (the Standard Webhooks specification): a tenant's endpoints, their signing
-- secrets (encrypted at rest: they must be used, so they cannot be hashed), one delivery per
-- endpoint per event, and every attempt of it. The edge function webhook-dispatch delivers.
--
-- Owns: tables webhook_endpoints, webhook_endpoint_secrets, webhook_deliveries, webhook_attempts.

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
