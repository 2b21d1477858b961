-- Domain events: one append-only record of what happened in a tenant (member.added,
-- subscription.past_due …), written in the same transaction as the change that caused it (row
-- triggers on the modules' tables, or private.publish_event from an RPC), never after commit.
-- Webhooks, notifications and (later) workflows consume them; nothing consumes a change any other way.
--
-- Owns: tables event_types (the catalogue: type, version, module, description; the payloads' zod
-- schemas live in src/lib/server/events/catalogue.ts and their JSON Schema in docs/events.md) and
-- events; private.publish_event and its payload helpers (event_time, event_fields, event_previous,
-- event_member_roles); private.publish_change_event (the generic *.created/updated/deleted trigger); the publishing triggers on the earlier modules' tables (memberships,
-- audit_logs for role changes, invitations, teams, team_members, projects, environments,
-- subscriptions, tenants for a billing suspension, invoices, payments, usage_counters, api_keys,
-- tenant_domains). docs/events.md lists what each publishes.
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
  -- The tenant is being deleted (its rows cascade, and their triggers fire): nothing is left to tell.
  if not exists (select 1 from public.tenants t where t.id = p_tenant_id) then
    return null;
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
  'Appends a domain event in the caller''s transaction (TN250 for a type the catalogue does not have) and returns '
  'its id; null when the tenant is gone (a cascade of its deletion). Called by triggers and RPCs only; not granted '
  'to any API role.';
revoke all on function private.publish_event(uuid, text, text, text, jsonb) from public;

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- Timestamps in payloads are ISO-8601 in UTC with milliseconds, whatever the session's TimeZone
-- (to_jsonb would write the session's offset), the form webhook_body gives occurred_at.
create or replace function private.event_time(p_at timestamptz)
returns text
language sql
immutable
set search_path = ''
as $$
  select to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

comment on function private.event_time(timestamptz) is 'A payload timestamp: ISO-8601, UTC, milliseconds (null stays null).';

-- What changed between two versions of a row, among the columns named: {"column": old value}.
create or replace function private.event_previous(p_old jsonb, p_new jsonb, p_columns text[])
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(c, p_old -> c), '{}') from unnest(p_columns) c
  where p_old -> c is distinct from p_new -> c
$$;

comment on function private.event_previous(jsonb, jsonb, text[]) is
  'The previous values of the named columns that changed (an *.updated payload''s "previous"); {} when none did.';

-- The named columns of a row, as a payload.
create or replace function private.event_fields(p_row jsonb, p_columns text[])
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(c, p_row -> c), '{}') from unnest(p_columns) c
$$;

comment on function private.event_fields(jsonb, text[]) is 'The named columns of a row (to_jsonb), as an event payload.';

-- A member's tenant-wide role keys now, sorted.
create or replace function private.event_member_roles(p_tenant_id uuid, p_user_id uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select coalesce(jsonb_agg(r.key order by r.key), '[]')
  from public.role_assignments ra join public.roles r on r.id = ra.role_id
  where ra.tenant_id = p_tenant_id and ra.user_id = p_user_id and ra.project_id is null
$$;

comment on function private.event_member_roles(uuid, uuid) is 'A member''s tenant-wide role keys, for member.* payloads.';

-- ---------------------------------------------------------------------------------------------
-- Triggers: the log is append-only
-- ---------------------------------------------------------------------------------------------

create trigger events_append_only before update or delete on public.events
  for each row execute function private.refuse_audit_change();
create trigger events_no_truncate before truncate on public.events
  for each statement execute function private.refuse_audit_change();
create trigger event_types_no_truncate before truncate on public.event_types
  for each statement execute function private.refuse_audit_change();

-- ---------------------------------------------------------------------------------------------
-- Triggers: the modules' changes publish their events
-- ---------------------------------------------------------------------------------------------
-- Row-level AFTER triggers (one function per table, and private.publish_change_event for the
-- tables whose rows are one subject each): they run in the statement's transaction, so
-- an event exists exactly when its change commits. A row deleted with its parent (a team's
-- members, a project's environments) publishes nothing of its own: the parent's *.deleted says
-- it. Payloads carry ids and the few fields a receiver needs, never secrets, hashes or tokens;
-- their shapes are the zod schemas of src/lib/server/events/catalogue.ts.

-- member.added (joined active, or an invited membership became active), member.removed.
create or replace function private.publish_membership_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' and new.status = 'active'
     or tg_op = 'UPDATE' and new.status = 'active' and old.status = 'invited' then
    perform private.publish_event(new.tenant_id, 'member.added', 'member', new.user_id::text,
      jsonb_build_object('user_id', new.user_id, 'membership_id', new.id, 'owner', new.is_owner,
                         'invited_by', new.invited_by));
  elsif tg_op = 'DELETE' then
    perform private.publish_event(old.tenant_id, 'member.removed', 'member', old.user_id::text,
      jsonb_build_object('user_id', old.user_id, 'membership_id', old.id,
                         'left', old.user_id is not distinct from auth.uid()));
  end if;
  return null;
end
$$;

create trigger memberships_publish after insert or update of status or delete on public.memberships
  for each row execute function private.publish_membership_event();

-- member.role_changed: a role change is a delete and an insert of role assignments (and the owner
-- flag), so the rows cannot tell it; the RPCs' own audit record can. change_member_role writes
-- member.role_change, transfer_ownership tenant.ownership_transfer (two members change).
create or replace function private.publish_role_change_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_changed uuid[];
  v_previous jsonb;
  v_member public.memberships;
begin
  if new.action = 'member.role_change' then
    v_changed := array[(new.new_values ->> 'user_id')::uuid];
    v_previous := jsonb_build_object('owner', new.old_values -> 'owner', 'roles', new.old_values -> 'roles');
  else
    v_changed := array[(new.new_values ->> 'owner')::uuid, (new.old_values ->> 'owner')::uuid];
  end if;
  for v_member in
    select m.* from public.memberships m
    where m.tenant_id = new.tenant_id and m.user_id = any (v_changed) order by m.is_owner desc
  loop
    perform private.publish_event(new.tenant_id, 'member.role_changed', 'member', v_member.user_id::text,
      jsonb_build_object('user_id', v_member.user_id, 'membership_id', v_member.id, 'owner', v_member.is_owner,
                         'roles', private.event_member_roles(new.tenant_id, v_member.user_id),
                         'previous', v_previous));
  end loop;
  return null;
end
$$;

create trigger audit_logs_publish_role_change after insert on public.audit_logs
  for each row when (new.action in ('member.role_change', 'tenant.ownership_transfer'))
  execute function private.publish_role_change_event();

-- invitation.created, invitation.accepted (the invitee's address, never the token).
create or replace function private.publish_invitation_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.publish_event(new.tenant_id, 'invitation.created', 'invitation', new.id::text,
      jsonb_build_object('email', new.email::text, 'role_id', new.role_id,
                         'role', (select r.key from public.roles r where r.id = new.role_id),
                         'expires_at', private.event_time(new.expires_at), 'invited_by', new.invited_by));
  elsif new.accepted_at is not null and old.accepted_at is null then
    perform private.publish_event(new.tenant_id, 'invitation.accepted', 'invitation', new.id::text,
      jsonb_build_object('email', new.email::text, 'user_id', new.accepted_by,
                         'role', (select r.key from public.roles r where r.id = new.role_id)));
  end if;
  return null;
end
$$;

create trigger invitations_publish after insert or update of accepted_at on public.invitations
  for each row execute function private.publish_invitation_event();

-- <noun>.created / .updated / .deleted of a table whose rows are one subject each (teams,
-- projects, environments; a later module's table the same way). Arguments: the noun (event types
-- and subject type), the columns of the created/updated payload (an update changing none of them
-- publishes nothing; its payload adds "previous": the old values of those that changed), the
-- columns of the deleted payload, and optionally the parent '<table>.<column>' whose deletion
-- takes the row with it (then the row's own *.deleted is not published).
create or replace function private.publish_change_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_noun text := tg_argv[0];
  v_fields text[] := string_to_array(tg_argv[1], ',');
  v_deleted_fields text[] := string_to_array(tg_argv[2], ',');
  v_parent text[] := string_to_array(nullif(tg_argv[3], ''), '.');
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  v_previous jsonb;
  v_parent_exists boolean;
begin
  if tg_op = 'INSERT' then
    perform private.publish_event((v_row ->> 'tenant_id')::uuid, v_noun || '.created', v_noun, v_row ->> 'id',
      private.event_fields(v_row, v_fields));
  elsif tg_op = 'UPDATE' then
    v_previous := private.event_previous(to_jsonb(old), v_row, v_fields);
    if v_previous <> '{}' then
      perform private.publish_event((v_row ->> 'tenant_id')::uuid, v_noun || '.updated', v_noun, v_row ->> 'id',
        private.event_fields(v_row, v_fields) || jsonb_build_object('previous', v_previous));
    end if;
  else
    if v_parent is not null then
      execute format('select exists (select 1 from public.%I p where p.id = $1)', v_parent[1])
        into v_parent_exists using (v_row ->> v_parent[2])::uuid;
      if not v_parent_exists then
        return null;
      end if;
    end if;
    perform private.publish_event((v_row ->> 'tenant_id')::uuid, v_noun || '.deleted', v_noun, v_row ->> 'id',
      private.event_fields(v_row, v_deleted_fields));
  end if;
  return null;
end
$$;

create trigger teams_publish after insert or update or delete on public.teams
  for each row execute function private.publish_change_event('team', 'name,description', 'name');
create trigger projects_publish after insert or update or delete on public.projects
  for each row execute function private.publish_change_event('project', 'slug,name,description', 'slug,name');
create trigger environments_publish after insert or update or delete on public.environments
  for each row execute function private.publish_change_event('environment', 'project_id,kind,name',
                                                             'project_id,kind,name', 'projects.project_id');

-- team.member_added/removed (not when the team itself is deleted).
create or replace function private.publish_team_member_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.publish_event(new.tenant_id, 'team.member_added', 'team', new.team_id::text,
      jsonb_build_object('team_id', new.team_id, 'user_id', new.user_id));
  elsif exists (select 1 from public.teams t where t.id = old.team_id) then
    perform private.publish_event(old.tenant_id, 'team.member_removed', 'team', old.team_id::text,
      jsonb_build_object('team_id', old.team_id, 'user_id', old.user_id));
  end if;
  return null;
end
$$;

create trigger team_members_publish after insert or delete on public.team_members
  for each row execute function private.publish_team_member_event();

-- subscription.trialing/active/past_due/cancelled: a subscription created in, or moved to, one of
-- those statuses (pending_verification and expired publish nothing).
create or replace function private.publish_subscription_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_previous public.subscription_status;
begin
  if tg_op = 'UPDATE' then
    v_previous := old.status;
  end if;
  if new.status in ('trialing', 'active', 'past_due', 'cancelled') and new.status is distinct from v_previous then
    perform private.publish_event(new.tenant_id, 'subscription.' || new.status, 'subscription', new.id::text,
      jsonb_build_object('plan', (select p.code from public.plans p where p.id = new.plan_id),
                         'billing_interval', new.billing_interval, 'status', new.status, 'previous_status', v_previous,
                         'current_period_end', private.event_time(new.current_period_end),
                         'trial_end', private.event_time(new.trial_end),
                         'cancel_at_period_end', new.cancel_at_period_end));
  end if;
  return null;
end
$$;

create trigger subscriptions_publish after insert or update of status on public.subscriptions
  for each row execute function private.publish_subscription_event();

-- subscription.suspended: billing suspended the tenant (its subscription expired unpaid); the
-- subject is the tenant's latest subscription.
create or replace function private.publish_billing_suspension_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_subscription public.subscriptions;
begin
  select * into v_subscription from public.subscriptions s where s.tenant_id = new.id
  order by s.created_at desc, s.id limit 1;
  if found then
    perform private.publish_event(new.id, 'subscription.suspended', 'subscription', v_subscription.id::text,
      jsonb_build_object('plan', (select p.code from public.plans p where p.id = v_subscription.plan_id),
                         'status', v_subscription.status, 'reason', new.status_reason));
  end if;
  return null;
end
$$;

create trigger tenants_publish_billing_suspension after update of status on public.tenants
  for each row when (new.status = 'suspended' and old.status <> 'suspended'
                     and new.status_reason = private.billing_suspension_reason())
  execute function private.publish_billing_suspension_event();

-- invoice.paid: an invoice created paid or moved to paid.
create or replace function private.publish_invoice_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status = 'paid' and (tg_op = 'INSERT' or old.status <> 'paid') then
    perform private.publish_event(new.tenant_id, 'invoice.paid', 'invoice', new.id::text,
      jsonb_build_object('number', new.number, 'subscription_id', new.subscription_id, 'currency', new.currency,
                         'total', new.total, 'amount_paid', new.amount_paid,
                         'paid_at', private.event_time(new.paid_at)));
  end if;
  return null;
end
$$;

create trigger invoices_publish after insert or update of status on public.invoices
  for each row execute function private.publish_invoice_event();

-- invoice.payment_failed (a failed card payment of an invoice), payment.verified and
-- payment.rejected (billing staff decided on a manual payment's proof).
create or replace function private.publish_payment_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    if new.status = 'failed' and new.invoice_id is not null then
      perform private.publish_event(new.tenant_id, 'invoice.payment_failed', 'invoice', new.invoice_id::text,
        jsonb_build_object('number', (select i.number from public.invoices i where i.id = new.invoice_id),
                           'payment_id', new.id, 'subscription_id', new.subscription_id, 'currency', new.currency,
                           'amount_due', new.amount, 'failure_reason', new.failure_reason));
    end if;
  elsif new.provider = 'manual' and old.status = 'pending' and new.verified_by is not null
        and new.status in ('succeeded', 'failed') then
    perform private.publish_event(new.tenant_id, case new.status when 'succeeded' then 'payment.verified'
                                                  else 'payment.rejected' end, 'payment', new.id::text,
      jsonb_build_object('subscription_id', new.subscription_id,
                         'plan', (select p.code from public.plans p where p.id = new.plan_id),
                         'billing_interval', new.billing_interval, 'amount', new.amount, 'currency', new.currency,
                         'period_start', private.event_time(new.period_start),
                         'period_end', private.event_time(new.period_end), 'note', new.note));
  end if;
  return null;
end
$$;

create trigger payments_publish after insert or update of status on public.payments
  for each row execute function private.publish_payment_event();

-- usage.soft_limit (count_usage stamps soft_limit_reached_at once a period) and usage.hard_limit
-- (a counter reached its hard limit: the write that would pass it is refused, TN071, so reaching
-- it is what can be told).
create or replace function private.publish_usage_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_limit record;
  v_old_quantity bigint;
  v_old_flag timestamptz;
begin
  if tg_op = 'UPDATE' then
    v_old_quantity := old.quantity;
    v_old_flag := old.soft_limit_reached_at;
  end if;
  select * into v_limit from private.tenant_limit(new.tenant_id, new.metric);
  if new.soft_limit_reached_at is not null and v_old_flag is null then
    perform private.publish_event(new.tenant_id, 'usage.soft_limit', 'usage_metric', new.metric,
      jsonb_build_object('metric', new.metric, 'period_start', new.period_start, 'quantity', new.quantity,
                         'soft_limit', v_limit.soft_limit, 'hard_limit', v_limit.hard_limit));
  end if;
  if v_limit.hard_limit is not null and new.quantity >= v_limit.hard_limit
     and coalesce(v_old_quantity, 0) < v_limit.hard_limit then
    perform private.publish_event(new.tenant_id, 'usage.hard_limit', 'usage_metric', new.metric,
      jsonb_build_object('metric', new.metric, 'period_start', new.period_start, 'quantity', new.quantity,
                         'soft_limit', v_limit.soft_limit, 'hard_limit', v_limit.hard_limit));
  end if;
  return null;
end
$$;

create trigger usage_counters_publish after insert or update of quantity, soft_limit_reached_at on public.usage_counters
  for each row execute function private.publish_usage_event();

-- api_key.created (also the new key of a rotation), api_key.revoked: the key's shown prefix,
-- never its hash.
create or replace function private.publish_api_key_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.publish_event(new.tenant_id, 'api_key.created', 'api_key', new.id::text,
      jsonb_build_object('name', new.name, 'prefix', new.prefix, 'mode', new.mode, 'scope', new.scope,
                         'project_id', new.project_id, 'environment_id', new.environment_id,
                         'permissions', to_jsonb(new.permissions), 'expires_at', private.event_time(new.expires_at),
                         'rotated_from', new.rotated_from, 'created_by', new.created_by));
  elsif new.revoked_at is not null and old.revoked_at is null then
    perform private.publish_event(new.tenant_id, 'api_key.revoked', 'api_key', new.id::text,
      jsonb_build_object('name', new.name, 'prefix', new.prefix, 'revoked_by', new.revoked_by));
  end if;
  return null;
end
$$;

create trigger api_keys_publish after insert or update of revoked_at on public.api_keys
  for each row execute function private.publish_api_key_event();

-- domain.verified: the first successful DNS check (the verification token stays out).
create or replace function private.publish_domain_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.publish_event(new.tenant_id, 'domain.verified', 'domain', new.id::text,
    jsonb_build_object('domain', new.domain, 'verified_at', private.event_time(new.verified_at)));
  return null;
end
$$;

create trigger tenant_domains_publish after update of verified_at on public.tenant_domains
  for each row when (new.verified_at is not null and old.verified_at is null)
  execute function private.publish_domain_event();

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.events, public.event_types from anon, authenticated, service_role;
grant select on public.events, public.event_types to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy event_types_select_authenticated on public.event_types
  for select to authenticated
  using (true);

create policy events_select_permitted on public.events
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('audit.read')))
         or private.tenant_in(tenant_id, (select private.permitted_tenant_ids('webhooks.manage'))));
create policy events_select_mfa on public.events
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
