-- Email: the outbox and its sender. Every message the app sends (sign-up confirmation, password
-- reset, invitation, billing notice) is written to private.email_outbox in the same transaction as
-- the state it announces, so a confirmation token and its email exist together or not at all. A
-- sender drains it through SMTP at least once:
--
--   pending ──claim──▶ sending ──complete──▶ sent
--      ▲                  │ fail (attempts < max): back to pending, next_attempt_at = now + backoff
--      └──────────────────┤ fail (attempts = max): dead (last_error and attempts kept)
--                         │ lease expired (the sender crashed): claimable again, or dead at max
--
-- Owns: table private.email_outbox; private.claim_email_outbox, complete_email_outbox,
-- fail_email_outbox.
--
-- A claim takes rows with FOR UPDATE SKIP LOCKED, so concurrent senders never take the same row,
-- and holds them for a lease; a sender that dies mid-send leaves rows that a later claim re-takes
-- once the lease expires. Each claim counts as an attempt (a row that crashes its sender every
-- time still ends dead), and carries a fresh claim token: only the holder of the current claim can
-- complete or fail a row. The Message-ID is fixed on the first claim and never changes, so a
-- message delivered twice (sent, then the sender crashed before recording it) is recognisable.
--
-- Lives in `private`, which PostgREST does not expose: rows carry live single-use links. Grants
-- stay minimal: service_role inserts and reads rows (queueing, tests); every state change goes
-- through the three functions, executable by service_role only. anon and authenticated have nothing.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table private.email_outbox (
  id uuid primary key default gen_random_uuid(),
  to_address text not null check (char_length(to_address) between 3 and 320),
  template text not null check (template ~ '^[a-z][a-z0-9_]{0,62}$'),
  subject text not null check (char_length(subject) between 1 and 998),
  body_text text not null,
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  status text not null default 'pending'
    check (status in ('pending', 'sending', 'sent', 'dead')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  lease_expires_at timestamptz,
  claim_token uuid,
  message_id text unique check (message_id ~ '^<[^<>@\s]+@[^<>@\s]+>$'),
  last_attempt_at timestamptz,
  last_error text check (char_length(last_error) <= 2000),
  dead_at timestamptz,
  constraint email_outbox_state_check check (
    case status
      when 'pending' then sent_at is null and dead_at is null and lease_expires_at is null and claim_token is null
      when 'sending' then sent_at is null and dead_at is null and lease_expires_at is not null and claim_token is not null
      when 'sent' then sent_at is not null and dead_at is null and lease_expires_at is null and claim_token is null
      when 'dead' then sent_at is null and dead_at is not null and lease_expires_at is null and claim_token is null
    end)
);
alter table private.email_outbox enable row level security;

create index email_outbox_created_at_idx on private.email_outbox (created_at desc);

comment on table private.email_outbox is
  'Outgoing email, written in the same transaction as what it announces. Rows carry live single-use '
  'links: service_role only. The email.send job moves status pending → sending → sent (or dead after '
  'repeated failure) through claim_email_outbox, complete_email_outbox and fail_email_outbox.';
comment on column private.email_outbox.status is
  'pending (waiting for next_attempt_at), sending (claimed until lease_expires_at), sent, dead (gave up).';
comment on column private.email_outbox.attempts is 'Claims so far: every SMTP attempt, and every lease that expired.';
comment on column private.email_outbox.message_id is
  'The Message-ID header, fixed on the first claim: every retry of this row carries the same one.';
create index email_outbox_due_idx on private.email_outbox (next_attempt_at) where status = 'pending';
create index email_outbox_lease_idx on private.email_outbox (lease_expires_at) where status = 'sending';

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- ---------------------------------------------------------------------------------------------

create or replace function private.claim_email_outbox(
  p_limit integer,
  p_lease_ms integer,
  p_max_attempts integer,
  p_message_domain text,
  p_exclude_templates text[] default '{}')
returns table (
  id uuid, to_address text, template text, subject text, body_text text, payload jsonb,
  message_id text, attempts integer, claim_token uuid)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_limit is null or p_limit < 1 or p_lease_ms is null or p_lease_ms < 1
     or p_max_attempts is null or p_max_attempts < 1
     or p_message_domain is null or p_message_domain !~ '^[A-Za-z0-9.-]+$' then
    raise exception 'claim_email_outbox: limit, lease and max attempts must be positive and the domain a host name'
      using errcode = '22023';
  end if;

  -- A lease that expired on the last allowed attempt ends the row: its sender died every time.
  update private.email_outbox o
     set status = 'dead', dead_at = now(), lease_expires_at = null, claim_token = null,
         last_error = coalesce(o.last_error || ' / ', '') || 'the sender did not finish within its lease'
   where o.id in (
     select e.id from private.email_outbox e
      where e.status = 'sending' and e.lease_expires_at <= now() and e.attempts >= p_max_attempts
      for update skip locked);

  return query
  with due as (
    select e.id from private.email_outbox e
     where ((e.status = 'pending' and e.next_attempt_at <= now())
            or (e.status = 'sending' and e.lease_expires_at <= now()))
       and e.template <> all (coalesce(p_exclude_templates, '{}'))
     order by e.next_attempt_at, e.created_at, e.id
     limit p_limit
     for update skip locked
  )
  update private.email_outbox o
     set status = 'sending',
         attempts = o.attempts + 1,
         last_attempt_at = now(),
         lease_expires_at = now() + make_interval(secs => p_lease_ms / 1000.0),
         claim_token = gen_random_uuid(),
         message_id = coalesce(o.message_id, format('<%s@%s>', o.id, lower(p_message_domain)))
    from due
   where o.id = due.id
  returning o.id, o.to_address, o.template, o.subject, o.body_text, o.payload,
            o.message_id, o.attempts, o.claim_token;
end
$$;

comment on function private.claim_email_outbox(integer, integer, integer, text, text[]) is
  'Claims up to p_limit due rows (pending and due, or sending with an expired lease) for p_lease_ms, '
  'skipping rows another sender holds, and counts the attempt; dead-letters expired leases at p_max_attempts. '
  'Fixes the Message-ID <id@p_message_domain> on the first claim. Rows of p_exclude_templates stay untouched. '
  'Security definer: the outbox is service_role only. Executable by service_role only.';

create or replace function private.complete_email_outbox(p_id uuid, p_claim_token uuid)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update private.email_outbox
     set status = 'sent', sent_at = now(), lease_expires_at = null, claim_token = null
   where id = p_id and claim_token = p_claim_token and status = 'sending';
  return found;
end
$$;

comment on function private.complete_email_outbox(uuid, uuid) is
  'Marks a claimed row sent. False when the claim is no longer the current one (the lease expired and '
  'another claim took the row: the message may then arrive twice, with the same Message-ID).';

create or replace function private.fail_email_outbox(
  p_id uuid, p_claim_token uuid, p_error text, p_max_attempts integer, p_backoff_ms integer,
  p_backoff_max_ms integer default 3600000)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_status text;
begin
  if p_max_attempts is null or p_max_attempts < 1 or p_backoff_ms is null or p_backoff_ms < 0
     or p_backoff_max_ms is null or p_backoff_max_ms < p_backoff_ms then
    raise exception 'fail_email_outbox: max attempts must be positive and 0 <= backoff <= backoff max'
      using errcode = '22023';
  end if;
  update private.email_outbox o
     set status = case when o.attempts >= p_max_attempts then 'dead' else 'pending' end,
         dead_at = case when o.attempts >= p_max_attempts then now() end,
         -- Exponential: backoff, 2 × backoff, 4 × backoff … capped at the maximum.
         next_attempt_at = now() + make_interval(
           secs => least(p_backoff_max_ms::numeric, p_backoff_ms * power(2::numeric, o.attempts - 1)) / 1000.0),
         last_error = left(coalesce(nullif(btrim(p_error), ''), 'unknown error'), 2000),
         lease_expires_at = null,
         claim_token = null
   where o.id = p_id and o.claim_token = p_claim_token and o.status = 'sending'
  returning o.status into v_status;
  return v_status;
end
$$;

comment on function private.fail_email_outbox(uuid, uuid, text, integer, integer, integer) is
  'Records a failed send of a claimed row: back to pending after an exponential backoff, or dead once '
  'attempts reach p_max_attempts; keeps the error. Returns the new status, null when the claim is stale.';

revoke all on function private.claim_email_outbox(integer, integer, integer, text, text[]) from public, anon, authenticated;

grant execute on function private.claim_email_outbox(integer, integer, integer, text, text[]) to service_role;

revoke all on function private.complete_email_outbox(uuid, uuid) from public, anon, authenticated;

grant execute on function private.complete_email_outbox(uuid, uuid) to service_role;

revoke all on function private.fail_email_outbox(uuid, uuid, text, integer, integer, integer) from public, anon, authenticated;

grant execute on function private.fail_email_outbox(uuid, uuid, text, integer, integer, integer) to service_role;

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

-- service_role bypasses RLS; no policy gives anon or authenticated anything, and neither holds a grant.
revoke all on private.email_outbox from public, anon, authenticated, service_role;
grant select, insert on private.email_outbox to service_role;
