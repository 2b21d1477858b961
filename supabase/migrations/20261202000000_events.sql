-- Domain events: one append-only record of what happened in a tenant (member.added,
-- subscription.past_due …), written in the same transaction as the change that caused it (row
-- triggers on the modules' tables, or private.publish_event from an RPC), never after commit.
-- Webhooks, notifications and (later) workflows consume them; nothing consumes a change any other way.
--
-- Owns: tables event_types (the catalogue: type, version, module, description; the payloads' zod
-- schemas live in src/lib/server/events/catalogue.ts and their JSON Schema in docs/events.md) and
-- events; private.publish_event.
--
-- Who: events are read through RLS by members holding audit.read or webhooks.manage in their
-- tenant (and by an API key holding one of them); nobody inserts, updates or deletes them through
-- the API: private.publish_event (security definer) is the only writer, and triggers refuse
-- UPDATE, DELETE and TRUNCATE for everyone, as for the audit log.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.event_types (
  type text primary key
    constraint event_types_type_format check (type ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$' and char_length(type) <= 100),
  version smallint not null default 1 check (version > 0),
  module text not null,
  description text not null check (char_length(description) between 1 and 500)
);
alter table public.event_types enable row level security;
comment on table public.event_types is
  'The catalogue of domain event types (member.added …) with the version of their payload; each module''s '
  'migration adds its own. The payload schemas are zod in src/lib/server/events/catalogue.ts.';

create table public.events (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  type text not null references public.event_types (type),
  version smallint not null default 1,
  subject_type text not null check (char_length(subject_type) between 1 and 100),
  subject_id text not null check (char_length(subject_id) between 1 and 200),
  payload jsonb not null default '{}' check (jsonb_typeof(payload) = 'object'),
  actor_type public.audit_actor_type not null,
  actor_id uuid,
  actor_job text,
  occurred_at timestamptz not null default now(),
  unique (tenant_id, id)
);
alter table public.events enable row level security;
comment on table public.events is
  'Append-only domain events of a tenant: type and payload version, the subject (member, project …), the '
  'payload the catalogue''s schema describes, and the actor (user, API key or system job). Written only by '
  'private.publish_event, in the transaction of the change.';
create index events_tenant_occurred_idx on public.events (tenant_id, occurred_at, id);
create index events_tenant_type_idx on public.events (tenant_id, type, occurred_at);

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.event_types (type, module, description) values
  ('member.added', 'members', 'Someone joined the organisation (an invitation accepted, or added by staff).'),
  ('member.removed', 'members', 'Someone left or was removed from the organisation.'),
  ('member.role_changed', 'members', 'A member''s role changed.'),
  ('invitation.created', 'members', 'An invitation was sent.'),
  ('invitation.accepted', 'members', 'An invitation was accepted.'),
  ('team.created', 'teams', 'A team was created.'),
  ('team.updated', 'teams', 'A team was renamed or its description changed.'),
  ('team.deleted', 'teams', 'A team was deleted.'),
  ('team.member_added', 'teams', 'A member was added to a team.'),
  ('team.member_removed', 'teams', 'A member was removed from a team.'),
  ('project.created', 'projects', 'A project was created.'),
  ('project.updated', 'projects', 'A project was renamed or its settings changed.'),
  ('project.deleted', 'projects', 'A project was deleted.'),
  ('environment.created', 'projects', 'An environment was added to a project.'),
  ('environment.updated', 'projects', 'An environment was renamed or changed.'),
  ('environment.deleted', 'projects', 'An environment was deleted.'),
  ('subscription.trialing', 'billing', 'A subscription''s trial started.'),
  ('subscription.active', 'billing', 'A subscription became active.'),
  ('subscription.past_due', 'billing', 'A subscription''s payment is overdue.'),
  ('subscription.suspended', 'billing', 'The organisation was suspended for an unpaid subscription.'),
  ('subscription.cancelled', 'billing', 'A subscription was cancelled.'),
  ('invoice.paid', 'billing', 'An invoice was paid.'),
  ('invoice.payment_failed', 'billing', 'A payment of an invoice failed.'),
  ('payment.verified', 'billing', 'A manual payment was verified and approved.'),
  ('payment.rejected', 'billing', 'A manual payment was rejected.'),
  ('usage.soft_limit', 'usage', 'Usage of a metric crossed its soft limit.'),
  ('usage.hard_limit', 'usage', 'Usage of a metric reached its hard limit.'),
  ('api_key.created', 'api_keys', 'An API key was created.'),
  ('api_key.revoked', 'api_keys', 'An API key was revoked.'),
  ('domain.verified', 'domains', 'A custom domain''s DNS was verified.'),
  ('webhook.test', 'webhooks', 'A test event sent to one endpoint on request.'),
  ('webhook.endpoint_disabled', 'webhooks', 'A webhook endpoint was turned off after it failed for days or answered 410.');

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

-- The only writer of events: called by the modules' triggers and RPCs in the transaction of the
-- change. The actor is the request's (private.audit_actor), the version the catalogue's.
create or replace function private.publish_event(
  p_tenant_id uuid, p_type text, p_subject_type text, p_subject_id text, p_payload jsonb default '{}')
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor record;
  v_version smallint;
  v_id uuid;
begin
  select t.version into v_version from public.event_types t where t.type = p_type;
  if v_version is null then
    raise exception 'unknown event type %', p_type using errcode = 'TN250';
  end if;
  select * into v_actor from private.audit_actor();
  insert into public.events (tenant_id, type, version, subject_type, subject_id, payload, actor_type, actor_id, actor_job)
  values (p_tenant_id, p_type, v_version, p_subject_type, p_subject_id, coalesce(p_payload, '{}'),
          v_actor.actor_type, v_actor.actor_id, v_actor.actor_job)
  returning id into v_id;
  return v_id;
end
$$;

comment on function private.publish_event(uuid, text, text, text, jsonb) is
  'Appends a domain event in the caller''s transaction (TN250 for a type the catalogue does not have). '
  'Called by triggers and RPCs only; not granted to any API role.';
revoke all on function private.publish_event(uuid, text, text, text, jsonb) from public;
