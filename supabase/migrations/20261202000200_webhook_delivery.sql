-- Delivery of outbound webhooks: every event becomes one webhook_deliveries row per enabled
-- endpoint of its tenant that wants its type (in the event's transaction, so a delivery exists
-- if and only if the event committed), the edge function webhook-dispatch claims due deliveries
-- (FOR UPDATE SKIP LOCKED, a lease, each endpoint's rate limit), POSTs them and records every
-- attempt; the retry schedule, Retry-After, 410 and the disabling of endpoints that fail for days
-- live here, in SQL, so every dispatcher follows the same rules.
--
-- Owns: settings webhooks.retry_schedule_seconds and webhooks.disable_after_hours; trigger
-- events_enqueue_webhooks; public.claim_webhook_deliveries, public.record_webhook_attempt,
-- public.webhook_next_due (service_role only: the webhook.dispatch job); the channel
-- webhook_deliveries (pg_notify after each enqueue, for the waker of npm start).

-- ---------------------------------------------------------------------------------------------
-- Settings
-- ---------------------------------------------------------------------------------------------

insert into public.system_settings (key, value, category, description, is_public) values
  ('webhooks.retry_schedule_seconds', '[5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]', 'webhooks',
   'Seconds between a failed webhook attempt and the next (the Standard Webhooks schedule: 5 s, 5 min, 30 min, '
   '2 h, 5 h, 10 h, 14 h, 20 h, 24 h), each with ±10 % jitter; after the last step the delivery fails.', false),
  ('webhooks.disable_after_hours', '120', 'webhooks',
   'Hours an endpoint may fail without a single success before it is disabled (failing) and its tenant notified.',
   false)
on conflict (key) do nothing;

-- Rate limits count the attempts an endpoint received in the last second, on the webhooks module's
-- webhook_attempts_endpoint_started_idx (tenant_id, endpoint_id, started_at).
-- Failing an endpoint's pending deliveries when it is disabled.
create index webhook_deliveries_endpoint_pending_idx on public.webhook_deliveries (endpoint_id)
  where status = 'pending';

-- ---------------------------------------------------------------------------------------------
-- Enqueue
-- ---------------------------------------------------------------------------------------------

-- One statement per inserting statement (a transition table), so a bulk insert of events costs one
-- insert of deliveries. webhook.test is sent by its RPC to the one endpoint asked, never fanned out.
create or replace function private.enqueue_webhook_deliveries()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, body)
  select n.tenant_id, e.id, n.id, n.type, private.webhook_body(n::public.events)
  from new_events n
  join public.webhook_endpoints e
    on e.tenant_id = n.tenant_id and e.enabled
   and (cardinality(e.event_types) = 0 or n.type = any (e.event_types))
  where n.type <> 'webhook.test'
  on conflict (endpoint_id, event_id) do nothing;
  if found then
    perform pg_notify('webhook_deliveries', '');
  end if;
  return null;
end
$$;

comment on function private.enqueue_webhook_deliveries() is
  'After insert on events (per statement): one pending delivery per enabled endpoint of the tenant whose event '
  'types are empty or contain the type (never webhook.test), body = private.webhook_body; notifies webhook_deliveries.';
revoke all on function private.enqueue_webhook_deliveries() from public;

create trigger events_enqueue_webhooks after insert on public.events
  referencing new table as new_events
  for each statement execute function private.enqueue_webhook_deliveries();

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- How long Retry-After asks to wait: delta-seconds or an HTTP date; capped at 24 hours; null when
-- absent or unreadable.
create or replace function private.webhook_retry_after(p_value text, p_now timestamptz default now())
returns interval
language plpgsql
stable
set search_path = ''
as $$
declare
  v_wait interval;
begin
  if p_value is null or btrim(p_value) = '' then
    return null;
  end if;
  if btrim(p_value) ~ '^\d{1,9}$' then
    v_wait := make_interval(secs => btrim(p_value)::integer);
  else
    begin
      v_wait := btrim(p_value)::timestamptz - p_now;
    exception when others then
      return null;
    end;
  end if;
  return least(greatest(v_wait, interval '0'), interval '24 hours');
end
$$;

comment on function private.webhook_retry_after(text, timestamptz) is
  'The wait a Retry-After header asks for (seconds or HTTP date), between 0 and 24 hours; null if absent or unreadable.';
revoke all on function private.webhook_retry_after(text, timestamptz) from public;

-- The delay before attempt p_attempt + 1 after attempt p_attempt failed: the schedule's step with
-- ±10 % jitter; null once the schedule has run out.
create or replace function private.webhook_retry_delay(p_attempt integer)
returns interval
language sql
volatile
set search_path = ''
as $$
  select make_interval(secs => (s.steps ->> (p_attempt - 1))::numeric * (0.9 + random() * 0.2))
  from (select coalesce(private.setting('webhooks.retry_schedule_seconds'),
                        '[5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]') as steps) s
  where p_attempt between 1 and jsonb_array_length(s.steps)
$$;

comment on function private.webhook_retry_delay(integer) is
  'Delay after failed attempt n: webhooks.retry_schedule_seconds[n] ± 10 %; null after the last step.';
revoke all on function private.webhook_retry_delay(integer) from public;

-- Turns an endpoint off, fails its pending deliveries and tells the tenant
-- (webhook.endpoint_disabled, which notifications and other endpoints consume).
create or replace function private.disable_webhook_endpoint(p_endpoint_id uuid, p_reason text, p_error text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints;
begin
  update public.webhook_endpoints e
     set enabled = false, disabled_reason = p_reason, disabled_at = now(), updated_at = now()
   where e.id = p_endpoint_id and e.enabled
  returning * into v_endpoint;
  if v_endpoint.id is null then
    return;
  end if;
  update public.webhook_deliveries d
     set status = 'failed', completed_at = now(), claimed_by = null, claimed_until = null,
         last_error = coalesce(d.last_error, p_error)
   where d.endpoint_id = p_endpoint_id and d.status = 'pending';
  perform private.publish_event(v_endpoint.tenant_id, 'webhook.endpoint_disabled', 'webhook_endpoint',
    v_endpoint.id::text, jsonb_build_object(
      'url', v_endpoint.url, 'reason', p_reason, 'failing_since', private.event_time(v_endpoint.failing_since),
      'error', p_error));
end
$$;

comment on function private.disable_webhook_endpoint(uuid, text, text) is
  'Disables an endpoint (gone or failing), fails its pending deliveries and publishes webhook.endpoint_disabled.';
revoke all on function private.disable_webhook_endpoint(uuid, text, text) from public;

-- ---------------------------------------------------------------------------------------------
-- API functions (service_role: the webhook.dispatch job)
-- ---------------------------------------------------------------------------------------------

create or replace function public.claim_webhook_deliveries(
  p_worker text, p_max integer default 50, p_lease_seconds integer default 60)
returns table (
  delivery_id uuid, attempt integer, url text, body text, webhook_id text, secrets jsonb,
  claimed_until timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_worker is null or char_length(p_worker) not between 1 and 200
     or p_max is null or p_max not between 1 and 1000
     or p_lease_seconds is null or p_lease_seconds not between 1 and 3600 then
    raise exception 'claim_webhook_deliveries needs a worker name (1–200 characters), a batch of 1–1000 and a lease of 1–3600 s'
      using errcode = 'TN280';
  end if;
  return query
  -- What each rate-limited endpoint may still take this second (attempts of the last second and
  -- deliveries in flight count); endpoints with nothing left are skipped, so they never crowd
  -- others out of a batch.
  with budget as (
    select e.id as endpoint_id,
           e.rate_limit_per_second
             - (select count(*) from public.webhook_attempts a
                 where a.tenant_id = e.tenant_id and a.endpoint_id = e.id
                   and a.started_at > now() - interval '1 second')
             - (select count(*) from public.webhook_deliveries h
                 where h.endpoint_id = e.id and h.status = 'pending' and h.claimed_until >= now())
             as left_this_second
    from public.webhook_endpoints e
    where e.enabled and e.rate_limit_per_second is not null
  ),
  locked as (
    select d.id, d.endpoint_id, d.next_attempt_at
    from public.webhook_deliveries d
    join public.webhook_endpoints e on e.id = d.endpoint_id and e.enabled
    where d.status = 'pending' and d.next_attempt_at <= now()
      and (d.claimed_until is null or d.claimed_until < now())
      and d.endpoint_id not in (select b.endpoint_id from budget b where b.left_this_second <= 0)
    order by d.next_attempt_at, d.id
    limit p_max
    for update of d skip locked
  ),
  chosen as (
    select r.id
    from (select l.id, l.endpoint_id,
                 row_number() over (partition by l.endpoint_id order by l.next_attempt_at, l.id) as rn
          from locked l) r
    left join budget b on b.endpoint_id = r.endpoint_id
    where b.endpoint_id is null or r.rn <= b.left_this_second
  ),
  claimed as (
    update public.webhook_deliveries d
       set claimed_by = p_worker, claimed_until = now() + make_interval(secs => p_lease_seconds)
      from chosen c
     where d.id = c.id
    returning d.id, d.attempts, d.endpoint_id, d.body, d.event_id, d.claimed_until
  )
  select c.id, c.attempts + 1, e.url, c.body, 'msg_' || replace(c.event_id::text, '-', ''),
         coalesce((select jsonb_agg(jsonb_build_object('id', s.id, 'sealed', s.sealed) order by s.created_at desc)
                   from public.webhook_endpoint_secrets s
                   where s.endpoint_id = c.endpoint_id and (s.expires_at is null or s.expires_at > now())),
                  '[]'::jsonb),
         c.claimed_until
  from claimed c join public.webhook_endpoints e on e.id = c.endpoint_id;
end
$$;

comment on function public.claim_webhook_deliveries(text, integer, integer) is
  'Leases up to p_max due deliveries of enabled endpoints to p_worker for p_lease_seconds (FOR UPDATE SKIP LOCKED; '
  'within each endpoint''s rate_limit_per_second) and returns what a dispatcher sends: attempt number, URL, body, '
  'webhook-id and the live sealed secrets (current first). TN280 for bad arguments. service_role only.';
revoke all on function public.claim_webhook_deliveries(text, integer, integer) from public;
grant execute on function public.claim_webhook_deliveries(text, integer, integer) to service_role;

create or replace function public.record_webhook_attempt(
  p_delivery_id uuid,
  p_worker text,
  p_started_at timestamptz,
  p_duration_ms integer,
  p_status_code integer,
  p_error text,
  p_request_headers jsonb default '{}',
  p_response_headers jsonb default null,
  p_response_body text default null,
  p_retry_after text default null)
returns table (status text, attempt integer, next_attempt_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_delivery public.webhook_deliveries;
  v_endpoint public.webhook_endpoints;
  v_attempt integer;
  v_delay interval;
  v_wait interval;
  v_error text := left(p_error, 1000);
begin
  if p_duration_ms is null or p_duration_ms < 0 or p_started_at is null
     or (p_status_code is null and coalesce(p_error, '') = '')
     or p_status_code not between 100 and 599 then
    raise exception 'An attempt needs its start, a duration of 0 ms or more, and a status code (100–599) or an error'
      using errcode = 'TN282';
  end if;
  select * into v_delivery from public.webhook_deliveries d where d.id = p_delivery_id for update;
  if v_delivery.id is null or v_delivery.status <> 'pending' or v_delivery.claimed_by is distinct from p_worker
     or v_delivery.claimed_until < now() then
    raise exception 'Delivery % is not claimed by %: its lease passed or another dispatcher holds it', p_delivery_id, p_worker
      using errcode = 'TN281';
  end if;
  v_attempt := v_delivery.attempts + 1;
  insert into public.webhook_attempts (tenant_id, delivery_id, endpoint_id, attempt, started_at, duration_ms,
                                       status_code, error, request_headers, response_headers, response_body)
  values (v_delivery.tenant_id, v_delivery.id, v_delivery.endpoint_id, v_attempt, p_started_at, p_duration_ms,
          p_status_code, v_error, coalesce(p_request_headers, '{}'), p_response_headers, left(p_response_body, 1024));

  select * into v_endpoint from public.webhook_endpoints e where e.id = v_delivery.endpoint_id for update;

  if p_status_code between 200 and 299 then
    update public.webhook_deliveries d
       set status = 'succeeded', attempts = v_attempt, last_status_code = p_status_code, last_error = null,
           completed_at = now(), claimed_by = null, claimed_until = null
     where d.id = v_delivery.id;
    if v_endpoint.failing_since is not null then
      update public.webhook_endpoints e set failing_since = null, updated_at = now() where e.id = v_endpoint.id;
    end if;
    return query select 'succeeded'::text, v_attempt, null::timestamptz;
    return;
  end if;

  v_error := coalesce(v_error, format('The endpoint answered %s.', p_status_code));
  update public.webhook_deliveries d
     set attempts = v_attempt, last_status_code = p_status_code, last_error = v_error,
         claimed_by = null, claimed_until = null
   where d.id = v_delivery.id;

  if p_status_code = 410 then
    perform private.disable_webhook_endpoint(v_endpoint.id, 'gone',
      'The endpoint answered 410 Gone: it was disabled.');
    return query select 'failed'::text, v_attempt, null::timestamptz;
    return;
  end if;

  if v_endpoint.failing_since is null then
    update public.webhook_endpoints e set failing_since = p_started_at, updated_at = now() where e.id = v_endpoint.id;
  elsif v_endpoint.failing_since <= now() - make_interval(
          secs => coalesce((private.setting('webhooks.disable_after_hours') #>> '{}')::numeric, 120) * 3600) then
    perform private.disable_webhook_endpoint(v_endpoint.id, 'failing',
      format('Every attempt failed since %s: the endpoint was disabled.', v_endpoint.failing_since));
    return query select 'failed'::text, v_attempt, null::timestamptz;
    return;
  end if;

  v_delay := private.webhook_retry_delay(v_attempt);
  if v_delay is null then
    update public.webhook_deliveries d set status = 'failed', completed_at = now() where d.id = v_delivery.id;
    return query select 'failed'::text, v_attempt, null::timestamptz;
    return;
  end if;
  v_wait := private.webhook_retry_after(p_retry_after);
  if v_wait is not null and v_wait > v_delay then
    v_delay := v_wait;
  end if;
  update public.webhook_deliveries d set next_attempt_at = now() + v_delay where d.id = v_delivery.id;
  return query select 'pending'::text, v_attempt, now() + v_delay;
end
$$;

comment on function public.record_webhook_attempt(uuid, text, timestamptz, integer, integer, text, jsonb, jsonb, text, text) is
  'Records one attempt of a delivery its caller holds (TN281 otherwise; TN282 for an attempt without a status or '
  'an error) and moves it on: 2xx succeeded; 410 disables the endpoint (gone); else the next attempt after the '
  'schedule''s step (± 10 %) or Retry-After if later, failed after the last step; an endpoint failing for '
  'webhooks.disable_after_hours is disabled (failing). Returns the delivery''s status and next attempt. service_role only.';
revoke all on function public.record_webhook_attempt(uuid, text, timestamptz, integer, integer, text, jsonb, jsonb, text, text) from public;
grant execute on function public.record_webhook_attempt(uuid, text, timestamptz, integer, integer, text, jsonb, jsonb, text, text)
  to service_role;

-- When the waker should next wake a dispatcher: the earliest moment a pending delivery of an enabled
-- endpoint becomes claimable (due, and its lease passed); null when none waits.
create or replace function public.webhook_next_due()
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  select min(greatest(d.next_attempt_at, coalesce(d.claimed_until, '-infinity')))
  from public.webhook_deliveries d
  join public.webhook_endpoints e on e.id = d.endpoint_id and e.enabled
  where d.status = 'pending'
$$;

comment on function public.webhook_next_due() is
  'The earliest time a pending delivery becomes claimable (null: none waits), for the waker. service_role only.';
revoke all on function public.webhook_next_due() from public;
grant execute on function public.webhook_next_due() to service_role;
