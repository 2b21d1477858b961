-- Notifications: what people are told in the app (the bell and the inbox) and by email, fanned
-- out from the domain events (public.events) and from the security of their own account.
--
--   public.events ──trigger, same transaction──▶ private.notification_queue
--        notifications.fan_out job: claim (FOR UPDATE SKIP LOCKED) ──▶ public.notifications (inbox)
--                                                                  └─▶ private.notification_mail
--        notifications.fan_out job: claim mail, render (HTML + text, tenant branding) ──▶ private.email_outbox
--        notifications.digest job: one daily email per person and organisation for digest kinds
--   auth.users (password) ──trigger──▶ the person's security notice (inbox + mail); sign-in and MFA
--   removal: the app's auth wrapper calls notice_sign_in / notice_mfa_removed (service_role)
--
-- Owns: tables notification_kinds (the catalogue: who receives each kind, defaults, locked,
-- digestible), notifications (one row per person per notification), notification_preferences
-- (spec 003 NotificationPreference: per person, kind and channel), tenant_notification_settings
-- (what an organisation sends to its admins), private.notification_queue, private.notification_mail,
-- private.notification_digest_runs, private.known_sign_ins; the fan-out, mail and digest claims;
-- the security notices.
--
-- Who: a person reads their own notifications and marks them read or archived (read_at,
-- archived_at: the only columns they may update); they read and write their own preferences.
-- Holders of notifications.manage read and write their organisation's settings. Nobody inserts a
-- notification through the API: the fan-out and the security triggers (security definer) do.
--
-- Idempotent fan-out: an event is queued once (its id is the queue's key), a notification is
-- unique per (user, event) and its mail per (user, event), so a claim retried after a crash, or
-- two runs at once, write each person's row once.
--
-- Rules that cannot be turned off: the security.* kinds (new sign-in from a new device or
-- address, MFA removed, password changed) are `locked`: a preference that turns one off is
-- refused (TN290), an organisation cannot configure them (TN293), and they are delivered in the
-- app and by email whatever else is off.
--
-- Refusals: TN290 locked kind turned off, TN291 digest on the in-app channel, TN292 digest for a
-- kind that has none, TN293 organisation setting for a kind not sent to admins, TN294 unknown kind.

-- ---------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------

create type public.notification_channel as enum ('in_app', 'email');
create type public.notification_digest as enum ('off', 'daily');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.notification_kinds (
  kind text primary key
    constraint notification_kinds_kind_format check (kind ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$' and char_length(kind) <= 100),
  category text not null check (category in ('security', 'members', 'teams', 'projects', 'billing', 'usage', 'api_keys', 'domains', 'webhooks')),
  label text not null check (char_length(label) between 1 and 100),
  recipients text not null check (char_length(recipients) between 1 and 300),
  recipient_permissions text[] not null default '{}',
  notify_subject boolean not null default false,
  link_path text check (link_path ~ '^/[A-Za-z0-9/{}_.-]*$'),
  locked boolean not null default false,
  digestible boolean not null default false,
  default_in_app boolean not null default true,
  default_email boolean not null default false,
  constraint notification_kinds_locked_personal check (
    not locked or (kind like 'security.%' and recipient_permissions = '{}' and default_in_app and default_email and not digestible))
);
alter table public.notification_kinds enable row level security;
comment on table public.notification_kinds is
  'The catalogue of notifications: each kind (an event type, or security.*), who receives it (holders of any of '
  'recipient_permissions in the tenant, and the person the event is about when notify_subject), where it links '
  '({slug} is the tenant''s), the defaults, whether it is locked (cannot be turned off) and whether it may be a daily digest.';
comment on column public.notification_kinds.notify_subject is
  'The person the event is about (payload.user_id) is told too, whatever the organisation''s settings.';

create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  tenant_id uuid references public.tenants (id) on delete cascade,
  event_id uuid,
  kind text not null references public.notification_kinds (kind),
  title text not null check (char_length(title) between 1 and 200),
  body text not null default '' check (char_length(body) <= 2000),
  link text check (link ~ '^/[A-Za-z0-9/_.?=&%-]*$' and char_length(link) <= 500),
  read_at timestamptz,
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  constraint notifications_event_fk foreign key (tenant_id, event_id)
    references public.events (tenant_id, id) on delete cascade,
  constraint notifications_one_per_event unique (user_id, event_id),
  constraint notifications_personal_or_event check (
    (kind like 'security.%' and tenant_id is null and event_id is null)
    or (kind not like 'security.%' and tenant_id is not null and event_id is not null))
);
alter table public.notifications enable row level security;
comment on table public.notifications is
  'The in-app inbox: one row per person per notification (unique per user and event, so the fan-out is '
  'idempotent). Security notices are personal (no tenant, no event). The person marks rows read or archived; '
  'nothing else changes.';
create index notifications_user_created_idx on public.notifications (user_id, created_at desc, id desc);
create index notifications_user_unread_idx on public.notifications (user_id) where read_at is null and archived_at is null;
create index notifications_tenant_idx on public.notifications (tenant_id, created_at);

create table public.notification_preferences (
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null references public.notification_kinds (kind),
  channel public.notification_channel not null,
  enabled boolean not null,
  digest public.notification_digest not null default 'off',
  updated_at timestamptz not null default now(),
  primary key (user_id, kind, channel),
  constraint notification_preferences_digest_email check (digest = 'off' or channel = 'email')
);
alter table public.notification_preferences enable row level security;
comment on table public.notification_preferences is
  'A person''s choice per notification kind and channel (spec 003 NotificationPreference): enabled, and for '
  'email of a digestible kind a daily digest instead of one email each. No row: the kind''s default.';

create table public.tenant_notification_settings (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  kind text not null references public.notification_kinds (kind),
  in_app boolean not null default true,
  email boolean not null default true,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, kind)
);
alter table public.tenant_notification_settings enable row level security;
comment on table public.tenant_notification_settings is
  'What an organisation sends to its admins (the holders of the kind''s recipient permissions): per kind, in the '
  'app and by email. No row: sent. The person an event is about is told regardless. Edited with notifications.manage.';

create table private.notification_queue (
  event_id uuid primary key,
  tenant_id uuid not null,
  enqueued_at timestamptz not null default now(),
  foreign key (tenant_id, event_id) references public.events (tenant_id, id) on delete cascade
);
alter table private.notification_queue enable row level security;
comment on table private.notification_queue is
  'Events waiting for the fan-out, filled by a trigger on events in the same transaction; claimed with '
  'FOR UPDATE SKIP LOCKED and deleted in the fan-out''s transaction.';
create index notification_queue_enqueued_idx on private.notification_queue (enqueued_at);

create table private.notification_mail (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  tenant_id uuid references public.tenants (id) on delete cascade,
  event_id uuid,
  kind text not null references public.notification_kinds (kind),
  title text not null,
  body text not null,
  link text,
  digest boolean not null default false,
  created_at timestamptz not null default now(),
  constraint notification_mail_one_per_event unique (user_id, event_id)
);
alter table private.notification_mail enable row level security;
comment on table private.notification_mail is
  'Notification emails to render: immediate ones (the fan-out job renders and queues them in email_outbox, then '
  'deletes the row) and digest items (kept until the person''s daily digest takes them).';
create index notification_mail_due_idx on private.notification_mail (created_at) where not digest;
create index notification_mail_digest_idx on private.notification_mail (user_id, created_at) where digest;

create table private.notification_digest_runs (
  user_id uuid primary key references auth.users (id) on delete cascade,
  last_sent_at timestamptz not null
);
alter table private.notification_digest_runs enable row level security;
comment on table private.notification_digest_runs is 'When each person''s last daily digest went: the next waits 24 hours.';

create table private.known_sign_ins (
  user_id uuid not null references auth.users (id) on delete cascade,
  device_key text not null,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  primary key (user_id, device_key)
);
alter table private.known_sign_ins enable row level security;
comment on table private.known_sign_ins is
  'Device (user agent) and address pairs a person has signed in from: a sign-in from a pair not seen before, '
  'by someone who has signed in before, is a security notice.';

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.notification_kinds
  (kind, category, label, recipients, recipient_permissions, notify_subject, link_path, locked, digestible, default_in_app, default_email) values
  ('security.new_sign_in', 'security', 'New sign-in from a new device or address', 'You', '{}', false, '/account/security', true, false, true, true),
  ('security.mfa_removed', 'security', 'Two-factor authentication removed', 'You', '{}', false, '/account/security', true, false, true, true),
  ('security.password_changed', 'security', 'Password changed', 'You', '{}', false, '/account/security', true, false, true, true),
  ('member.added', 'members', 'Someone joined', 'The new member and people who manage members', '{members.manage}', true, '/t/{slug}/members', false, true, true, false),
  ('member.removed', 'members', 'Someone left or was removed', 'The person and people who manage members', '{members.manage}', true, '/t/{slug}/members', false, false, true, true),
  ('member.role_changed', 'members', 'A member''s role changed', 'The member and people who manage members', '{members.manage}', true, '/t/{slug}/members', false, false, true, true),
  ('invitation.created', 'members', 'Invitation sent', 'People who manage members', '{members.manage}', false, '/t/{slug}/members', false, true, true, false),
  ('invitation.accepted', 'members', 'Invitation accepted', 'People who manage members', '{members.manage}', false, '/t/{slug}/members', false, true, true, false),
  ('team.created', 'teams', 'Team created', 'People who manage teams', '{teams.manage}', false, '/t/{slug}/teams', false, true, true, false),
  ('team.deleted', 'teams', 'Team deleted', 'People who manage teams', '{teams.manage}', false, '/t/{slug}/teams', false, true, true, false),
  ('team.member_added', 'teams', 'Added to a team', 'The person and people who manage teams', '{teams.manage}', true, '/t/{slug}/teams', false, true, true, false),
  ('team.member_removed', 'teams', 'Removed from a team', 'The person and people who manage teams', '{teams.manage}', true, '/t/{slug}/teams', false, true, true, false),
  ('project.created', 'projects', 'Project created', 'People who can create projects', '{projects.create}', false, '/t/{slug}/projects', false, true, true, false),
  ('project.deleted', 'projects', 'Project deleted', 'People who can delete projects', '{projects.delete}', false, '/t/{slug}/projects', false, true, true, false),
  ('environment.created', 'projects', 'Environment added', 'People who manage environments', '{environments.manage}', false, '/t/{slug}/projects', false, true, true, false),
  ('environment.deleted', 'projects', 'Environment deleted', 'People who manage environments', '{environments.manage}', false, '/t/{slug}/projects', false, true, true, false),
  ('subscription.trialing', 'billing', 'Trial started', 'People who see billing', '{billing.manage,billing.read}', false, '/t/{slug}/billing', false, false, true, false),
  ('subscription.active', 'billing', 'Subscription active', 'People who see billing', '{billing.manage,billing.read}', false, '/t/{slug}/billing', false, false, true, false),
  ('subscription.past_due', 'billing', 'Payment overdue', 'People who see billing', '{billing.manage,billing.read}', false, '/t/{slug}/billing', false, false, true, true),
  ('subscription.suspended', 'billing', 'Organisation suspended for an unpaid subscription', 'People who see billing', '{billing.manage,billing.read}', false, '/t/{slug}/billing', false, false, true, true),
  ('subscription.cancelled', 'billing', 'Subscription cancelled', 'People who see billing', '{billing.manage,billing.read}', false, '/t/{slug}/billing', false, false, true, true),
  ('invoice.paid', 'billing', 'Invoice paid', 'People who see billing', '{billing.manage,billing.read}', false, '/t/{slug}/billing', false, true, true, false),
  ('invoice.payment_failed', 'billing', 'Payment failed', 'People who see billing', '{billing.manage,billing.read}', false, '/t/{slug}/billing', false, false, true, true),
  ('payment.verified', 'billing', 'Payment approved', 'People who see billing', '{billing.manage,billing.read}', false, '/t/{slug}/billing', false, false, true, true),
  ('payment.rejected', 'billing', 'Payment rejected', 'People who see billing', '{billing.manage,billing.read}', false, '/t/{slug}/billing', false, false, true, true),
  ('usage.soft_limit', 'usage', 'Usage passed its soft limit', 'People who see billing or usage', '{billing.manage,billing.read,usage.read}', false, '/t/{slug}/usage', false, true, true, false),
  ('usage.hard_limit', 'usage', 'Usage reached its hard limit', 'People who see billing or usage', '{billing.manage,billing.read,usage.read}', false, '/t/{slug}/usage', false, true, true, true),
  ('api_key.created', 'api_keys', 'API key created', 'People who manage API keys', '{api_keys.manage}', false, '/t/{slug}/settings/api-keys', false, true, true, false),
  ('api_key.revoked', 'api_keys', 'API key revoked', 'People who manage API keys', '{api_keys.manage}', false, '/t/{slug}/settings/api-keys', false, true, true, false),
  ('domain.verified', 'domains', 'Custom domain verified', 'People who manage custom domains', '{domains.manage}', false, '/t/{slug}/settings/domains', false, false, true, true),
  ('webhook.endpoint_disabled', 'webhooks', 'Webhook endpoint turned off', 'People who manage webhooks', '{webhooks.manage}', false, '/t/{slug}/settings/webhooks', false, false, true, true);

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

-- The catalogue row of a kind, or TN294: what every check of a kind starts with.
create or replace function private.notification_kind(p_kind text)
returns public.notification_kinds
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_kind public.notification_kinds;
begin
  select * into v_kind from public.notification_kinds k where k.kind = p_kind;
  if v_kind.kind is null then
    raise exception 'unknown notification kind %', p_kind using errcode = 'TN294';
  end if;
  return v_kind;
end
$$;
comment on function private.notification_kind(text) is
  'The catalogue row of a notification kind; TN294 when there is none. Security definer: reads the catalogue as it is.';

-- Preferences: the locked kinds stay on, digests are for email of digestible kinds.
create or replace function private.check_notification_preference()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_kind public.notification_kinds;
begin
  v_kind := private.notification_kind(new.kind);
  if v_kind.locked and not new.enabled then
    raise exception '% cannot be turned off', new.kind using errcode = 'TN290',
      hint = 'Security notices reach you in the app and by email whatever else is off.';
  end if;
  if new.digest = 'daily' and new.channel <> 'email' then
    raise exception 'a digest is for email only' using errcode = 'TN291';
  end if;
  if new.digest = 'daily' and not v_kind.digestible then
    raise exception '% has no digest', new.kind using errcode = 'TN292';
  end if;
  return new;
end
$$;
comment on function private.check_notification_preference() is
  'BEFORE INSERT/UPDATE trigger on notification_preferences: TN294 unknown kind, TN290 a locked kind turned off, '
  'TN291 digest on in_app, TN292 digest for a kind without one. Security definer: reads the catalogue as it is.';

create trigger notification_preferences_check before insert or update on public.notification_preferences
  for each row execute function private.check_notification_preference();
create trigger notification_preferences_set_updated_at before update on public.notification_preferences
  for each row execute function private.set_updated_at();
create trigger notification_preferences_immutable_columns before update on public.notification_preferences
  for each row execute function private.forbid_column_changes('user_id', 'kind', 'channel');

-- Organisation settings: only for kinds sent to admins (never the personal security notices).
create or replace function private.check_tenant_notification_setting()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_kind public.notification_kinds;
begin
  v_kind := private.notification_kind(new.kind);
  if v_kind.locked or v_kind.recipient_permissions = '{}' then
    raise exception '% is not sent to the organisation''s admins', new.kind using errcode = 'TN293';
  end if;
  return new;
end
$$;
comment on function private.check_tenant_notification_setting() is
  'BEFORE INSERT/UPDATE trigger on tenant_notification_settings: TN294 unknown kind, TN293 a kind the organisation '
  'does not send to its admins (the personal security notices).';

create trigger tenant_notification_settings_check before insert or update on public.tenant_notification_settings
  for each row execute function private.check_tenant_notification_setting();
create trigger tenant_notification_settings_set_updated_at before update on public.tenant_notification_settings
  for each row execute function private.set_updated_at();
create trigger tenant_notification_settings_immutable_columns before update on public.tenant_notification_settings
  for each row execute function private.forbid_column_changes('tenant_id', 'kind');

-- The inbox: only read_at and archived_at change (column grants), never backdated.
create or replace function private.stamp_notification_marks()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.read_at is not null then
    new.read_at := coalesce(old.read_at, now());
  end if;
  if new.archived_at is not null then
    new.archived_at := coalesce(old.archived_at, now());
    new.read_at := coalesce(new.read_at, now());
  end if;
  return new;
end
$$;
comment on function private.stamp_notification_marks() is
  'BEFORE UPDATE trigger on notifications: read_at and archived_at take the time of the first mark, whatever the '
  'caller wrote; archiving marks read.';

create trigger notifications_stamp_marks before update on public.notifications
  for each row execute function private.stamp_notification_marks();
create trigger notifications_immutable_columns before update on public.notifications
  for each row execute function private.forbid_column_changes(
    'id', 'user_id', 'tenant_id', 'event_id', 'kind', 'title', 'body', 'link', 'created_at');

-- Events the catalogue notifies about are queued in the transaction that publishes them.
create or replace function private.enqueue_event_notifications()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.notification_queue (event_id, tenant_id)
  select n.id, n.tenant_id from new_events n
   where exists (select 1 from public.notification_kinds k where k.kind = n.type)
  on conflict (event_id) do nothing;
  return null;
end
$$;
comment on function private.enqueue_event_notifications() is
  'AFTER INSERT statement trigger on events: queues the events a notification kind exists for. Security definer: '
  'the queue is private.';

create trigger events_enqueue_notifications after insert on public.events
  referencing new table as new_events
  for each statement execute function private.enqueue_event_notifications();

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- A security notice: in the inbox and by email, whatever the person's preferences.
create or replace function private.record_security_notice(p_user_id uuid, p_kind text, p_body text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_kind public.notification_kinds;
begin
  v_kind := private.notification_kind(p_kind);
  if not v_kind.locked then
    raise exception '% is not a security notice', p_kind using errcode = 'TN294';
  end if;
  insert into public.notifications (user_id, kind, title, body, link)
  values (p_user_id, p_kind, v_kind.label, left(p_body, 2000), v_kind.link_path);
  insert into private.notification_mail (user_id, kind, title, body, link)
  values (p_user_id, p_kind, v_kind.label, left(p_body, 2000), v_kind.link_path);
end
$$;
comment on function private.record_security_notice(uuid, text, text) is
  'Writes a locked security notice to the person''s inbox and mail queue. Called by the auth trigger and the '
  'notice_* functions; security definer because GoTrue''s role writes auth.users. Not granted to any API role.';

create or replace function private.notice_password_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Only a confirmed account's password (signing up again while unconfirmed replaces it).
  if new.encrypted_password is distinct from old.encrypted_password and old.email_confirmed_at is not null
     and new.deleted_at is null then
    perform private.record_security_notice(new.id, 'security.password_changed',
      'The password of your account was changed and your other sessions were signed out. '
      || 'If this was not you, reset your password at once.');
  end if;
  return null;
end
$$;
comment on function private.notice_password_changed() is
  'AFTER UPDATE trigger on auth.users: a confirmed account''s password changed (change or reset) → security notice.';

create trigger notifications_password_changed after update of encrypted_password on auth.users
  for each row execute function private.notice_password_changed();

-- Auth's own tables take no triggers of ours but auth.users' (as on hosted Supabase), so the
-- app's auth wrapper (src/lib/server/notifications/security.ts) reports these two, for both
-- providers, as the notifications.security job right after the change.
create or replace function private.notice_mfa_removed(p_user_id uuid, p_factor_name text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.record_security_notice(p_user_id, 'security.mfa_removed',
    format('The authenticator app "%s" was removed from your account. If this was not you, secure your account at once.',
           coalesce(nullif(left(p_factor_name, 100), ''), 'Authenticator')));
end
$$;
comment on function private.notice_mfa_removed(uuid, text) is
  'A verified MFA factor was removed: security notice. service_role only (the notifications.security job).';

create or replace function private.notice_sign_in(p_user_id uuid, p_user_agent text, p_ip text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_key text := md5(coalesce(left(p_user_agent, 512), '') || '|' || coalesce(p_ip, ''));
  v_signed_in_before boolean;
  v_new_pair boolean;
begin
  select exists (select 1 from private.known_sign_ins k where k.user_id = p_user_id) into v_signed_in_before;
  insert into private.known_sign_ins as k (user_id, device_key) values (p_user_id, v_key)
  on conflict (user_id, device_key) do update set last_seen_at = now()
  returning (k.xmax = 0) into v_new_pair;
  -- A first sign-in ever is not news: it only records the pair.
  if v_new_pair and v_signed_in_before then
    perform private.record_security_notice(p_user_id, 'security.new_sign_in',
      format('Your account was signed in to from a device or address not seen before: %s, from %s. '
             || 'If this was not you, change your password and sign out that session.',
             coalesce(left(nullif(p_user_agent, ''), 200), 'an unknown device'),
             coalesce(nullif(p_ip, ''), 'an unknown address')));
    return true;
  end if;
  return false;
end
$$;
comment on function private.notice_sign_in(uuid, text, text) is
  'A sign-in: records the (user agent, address) pair, and when the person has signed in before but never from it, '
  'writes a security notice (true). service_role only (the notifications.security job).';

-- The people who hold any of the codes tenant-wide in the tenant (owners hold every code).
create or replace function private.permission_holders(p_tenant_id uuid, p_codes text[])
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.user_id
    from public.memberships m
   where m.tenant_id = p_tenant_id and m.status = 'active' and p_codes <> '{}'
     and (m.is_owner or exists (
       select 1 from public.role_assignments ra
       join public.role_permissions rp on rp.role_id = ra.role_id
       where ra.tenant_id = m.tenant_id and ra.user_id = m.user_id and ra.project_id is null
         and rp.permission_code = any (p_codes)))
$$;
comment on function private.permission_holders(uuid, text[]) is
  'Active members holding any of p_codes tenant-wide (owners: all). Names users, so for the fan-out only; never granted.';

-- The title, body and link of an event's notification, from the catalogue and the payload.
create or replace function private.notification_text(p_event public.events, p_kind public.notification_kinds, p_slug text)
returns table (title text, body text, link text)
language sql
stable
security definer
set search_path = ''
as $$
  with p as (
    select p_event.payload as j,
           -- The person an event is about, by name (or address), when it names one.
           (select coalesce(nullif(pr.full_name, ''), pr.email::text) from public.profiles pr
             where pr.id = private.try_uuid(p_event.payload ->> 'user_id')) as person,
           (select t.name from public.teams t
             where t.tenant_id = p_event.tenant_id and t.id = private.try_uuid(p_event.payload ->> 'team_id')) as team,
           -- An amount in the currency's minor unit, as 1,234.00 EUR.
           (select to_char(coalesce(p_event.payload ->> 'amount', p_event.payload ->> 'amount_due',
                                    p_event.payload ->> 'amount_paid', p_event.payload ->> 'total')::numeric / 100,
                           'FM999,999,999,990.00') || ' ' || upper(p_event.payload ->> 'currency')) as money
  )
  select left(p_kind.label, 200),
         left(coalesce(nullif(case p_event.type
           when 'member.added' then p.person || ' joined the organisation.'
           when 'member.removed' then p.person || case when (p.j ->> 'left')::boolean then ' left the organisation.'
                                                       else ' was removed from the organisation.' end
           when 'member.role_changed' then p.person || ' is now '
             || case when (p.j ->> 'owner')::boolean then 'an owner'
                     else coalesce((select string_agg(r.name, ', ' order by r.name) from public.roles r
                                     where r.key in (select jsonb_array_elements_text(p.j -> 'roles'))
                                       and (r.tenant_id is null or r.tenant_id = p_event.tenant_id)),
                                   'without a role') end
             || '.'
           when 'invitation.created' then p.j ->> 'email' || ' was invited' || coalesce(' as ' || (p.j ->> 'role'), '') || '.'
           when 'invitation.accepted' then p.j ->> 'email' || ' accepted the invitation.'
           when 'team.created' then 'The team ' || (p.j ->> 'name') || ' was created.'
           when 'team.deleted' then 'The team ' || (p.j ->> 'name') || ' was deleted.'
           when 'team.member_added' then coalesce(p.person, 'Someone') || ' joined the team ' || coalesce(p.team, '') || '.'
           when 'team.member_removed' then coalesce(p.person, 'Someone') || ' left the team ' || coalesce(p.team, '') || '.'
           when 'project.created' then 'The project ' || (p.j ->> 'name') || ' was created.'
           when 'project.deleted' then 'The project ' || (p.j ->> 'name') || ' was deleted.'
           when 'environment.created' then 'The ' || (p.j ->> 'kind') || ' environment ' || (p.j ->> 'name') || ' was added.'
           when 'environment.deleted' then 'The environment ' || (p.j ->> 'name') || ' was deleted.'
           when 'subscription.suspended' then 'The organisation is suspended: ' || (p.j ->> 'reason')
           when 'invoice.paid' then 'Invoice ' || coalesce(p.j ->> 'number', '') || ' for ' || p.money || ' was paid.'
           when 'invoice.payment_failed' then 'A payment of ' || p.money || ' failed'
             || coalesce(': ' || (p.j ->> 'failure_reason'), '.')
           when 'payment.verified' then 'Your transfer of ' || p.money || ' was approved.'
           when 'payment.rejected' then 'Your transfer of ' || p.money || ' was rejected' || coalesce(': ' || (p.j ->> 'note'), '.')
           when 'usage.soft_limit' then (p.j ->> 'metric') || ': ' || (p.j ->> 'quantity') || ' used, past the soft limit of '
             || (p.j ->> 'soft_limit') || '.'
           when 'usage.hard_limit' then (p.j ->> 'metric') || ': ' || (p.j ->> 'quantity') || ' used, the hard limit of '
             || (p.j ->> 'hard_limit') || ' is reached.'
           when 'api_key.created' then 'The API key ' || (p.j ->> 'name') || ' (' || (p.j ->> 'prefix') || '…) was created.'
           when 'api_key.revoked' then 'The API key ' || (p.j ->> 'name') || ' (' || (p.j ->> 'prefix') || '…) was revoked.'
           when 'domain.verified' then (p.j ->> 'domain') || ' is verified and serves the organisation.'
           when 'webhook.endpoint_disabled' then (p.j ->> 'url') || ' was turned off: '
             || case p.j ->> 'reason' when 'gone' then 'it answered 410 Gone.' else 'every delivery failed for days.' end
           end, ''),
           nullif(p.j ->> 'summary', ''),
           concat_ws(' · ',
             nullif(coalesce(p.j ->> 'email', p.j ->> 'name', p.j ->> 'domain', p.j ->> 'metric', p.j ->> 'url'), ''),
             nullif(coalesce(p.j ->> 'role_name', p.j ->> 'role', p.j ->> 'plan', p.j ->> 'reason'), ''))), 2000),
         replace(p_kind.link_path, '{slug}', p_slug)
  from p
$$;
comment on function private.notification_text(public.events, public.notification_kinds, text) is
  'What a notification of an event says: the kind''s label, a sentence from the payload''s fields (the person, team '
  'and amount looked up or formatted), and the kind''s link in the tenant. Security definer: reads profiles and teams.';

-- ---------------------------------------------------------------------------------------------
-- Job functions (service_role only)
-- ---------------------------------------------------------------------------------------------

-- The fan-out: claims queued events and writes each recipient's inbox row and mail, honouring
-- the organisation's settings (for admins) and the person's preferences; returns who got a new
-- inbox row (the app wakes their open pages).
create or replace function private.fan_out_notifications(p_limit integer default 100)
returns table (user_id uuid, notifications integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_event public.events;
  v_kind public.notification_kinds;
  v_slug text;
  v_text record;
  v_recipient record;
  v_in_app boolean;
  v_email boolean;
  v_digest boolean;
  v_count integer;
  v_woken uuid[] := '{}';
begin
  if p_limit is null or p_limit < 1 then
    raise exception 'fan_out_notifications: the limit must be positive' using errcode = '22023';
  end if;
  for v_event in
    with claimed as (
      delete from private.notification_queue q
       where q.event_id in (select c.event_id from private.notification_queue c
                             order by c.enqueued_at, c.event_id limit p_limit for update skip locked)
      returning q.event_id)
    select e.* from public.events e join claimed c on c.event_id = e.id order by e.occurred_at, e.id
  loop
    select * into v_kind from public.notification_kinds k where k.kind = v_event.type;
    select t.slug into v_slug from public.tenants t where t.id = v_event.tenant_id;
    select * into v_text from private.notification_text(v_event, v_kind, v_slug);
    for v_recipient in
      with candidates as (
        select h as user_id, false as subject
          from private.permission_holders(v_event.tenant_id, v_kind.recipient_permissions) h
        union all
        select (v_event.payload ->> 'user_id')::uuid, true
         where v_kind.notify_subject
           and v_event.payload ->> 'user_id' ~ '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$'
      )
      select c.user_id, bool_or(c.subject) as subject
        from candidates c
        join auth.users u on u.id = c.user_id and u.deleted_at is null
       -- nobody is told of what they did themselves
       where not (v_event.actor_type = 'user' and c.user_id is not distinct from v_event.actor_id)
       group by c.user_id
    loop
      select coalesce(s.in_app, true), coalesce(s.email, true) into v_in_app, v_email
        from (select 1) one
        left join public.tenant_notification_settings s on s.tenant_id = v_event.tenant_id and s.kind = v_kind.kind;
      if v_recipient.subject then
        v_in_app := true;
        v_email := true;
      end if;
      select v_in_app and coalesce(p.enabled, v_kind.default_in_app) into v_in_app
        from (select 1) one
        left join public.notification_preferences p
          on p.user_id = v_recipient.user_id and p.kind = v_kind.kind and p.channel = 'in_app';
      select v_email and coalesce(p.enabled, v_kind.default_email), coalesce(p.digest = 'daily', false)
        into v_email, v_digest
        from (select 1) one
        left join public.notification_preferences p
          on p.user_id = v_recipient.user_id and p.kind = v_kind.kind and p.channel = 'email';
      if v_in_app then
        insert into public.notifications (user_id, tenant_id, event_id, kind, title, body, link, created_at)
        values (v_recipient.user_id, v_event.tenant_id, v_event.id, v_kind.kind, v_text.title, v_text.body,
                v_text.link, v_event.occurred_at)
        on conflict on constraint notifications_one_per_event do nothing;
        get diagnostics v_count = row_count;
        if v_count > 0 then
          v_woken := v_woken || v_recipient.user_id;
        end if;
      end if;
      if v_email then
        insert into private.notification_mail (user_id, tenant_id, event_id, kind, title, body, link, digest, created_at)
        values (v_recipient.user_id, v_event.tenant_id, v_event.id, v_kind.kind, v_text.title, v_text.body,
                v_text.link, v_digest and v_kind.digestible, v_event.occurred_at)
        on conflict on constraint notification_mail_one_per_event do nothing;
      end if;
    end loop;
  end loop;
  return query select w, count(*)::integer from unnest(v_woken) w group by w;
end
$$;
comment on function private.fan_out_notifications(integer) is
  'The notifications.fan_out job: claims up to p_limit queued events (FOR UPDATE SKIP LOCKED, deleted in this '
  'transaction), writes each recipient''s inbox row and mail (unique per user and event: idempotent) honouring the '
  'organisation''s settings and the person''s preferences; returns the users who got new inbox rows. Security '
  'definer: reads memberships and preferences of everyone. service_role only.';

-- What a notification email needs, for the mail the fan-out or a security notice queued:
-- claimed (FOR UPDATE SKIP LOCKED) and deleted in the caller's transaction, which queues the
-- rendered emails in email_outbox.
create or replace function private.claim_notification_mail(p_limit integer default 50)
returns table (
  id uuid, to_address text, full_name text, kind text, title text, body text, link text, created_at timestamptz,
  tenant_id uuid, tenant_name text, tenant_slug text, branding jsonb)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with claimed as (
    delete from private.notification_mail m
     where m.id in (select c.id from private.notification_mail c where not c.digest
                     order by c.created_at, c.id limit greatest(p_limit, 1) for update skip locked)
    returning m.*)
  select c.id, p.email::text, p.full_name, c.kind, c.title, c.body, c.link, c.created_at,
         c.tenant_id, t.name, t.slug, coalesce(t.branding, '{}'::jsonb)
    from claimed c
    join public.profiles p on p.id = c.user_id
    left join public.tenants t on t.id = c.tenant_id
   order by c.created_at, c.id;
end
$$;
comment on function private.claim_notification_mail(integer) is
  'The notifications.fan_out job''s mail step: takes up to p_limit immediate notification emails with the address '
  'and the tenant''s name and branding (SKIP LOCKED; deleted in the caller''s transaction). service_role only.';

-- The daily digest: every item of the people whose last digest is 24 hours old (or who never
-- had one), claimed and deleted in the caller's transaction.
create or replace function private.claim_notification_digests(p_now timestamptz default now())
returns table (
  user_id uuid, to_address text, full_name text, kind text, title text, body text, link text, created_at timestamptz,
  tenant_id uuid, tenant_name text, tenant_slug text, branding jsonb)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with due as (
    select distinct m.user_id from private.notification_mail m
     where m.digest and m.created_at <= p_now
       and not exists (select 1 from private.notification_digest_runs r
                        where r.user_id = m.user_id and r.last_sent_at > p_now - interval '24 hours')
  ),
  stamped as (
    insert into private.notification_digest_runs as r (user_id, last_sent_at)
    select d.user_id, p_now from due d
    on conflict (user_id) do update set last_sent_at = excluded.last_sent_at
    returning r.user_id
  ),
  claimed as (
    delete from private.notification_mail m
     where m.id in (select c.id from private.notification_mail c join stamped s on s.user_id = c.user_id
                     where c.digest and c.created_at <= p_now for update of c skip locked)
    returning m.*)
  select c.user_id, p.email::text, p.full_name, c.kind, c.title, c.body, c.link, c.created_at,
         c.tenant_id, t.name, t.slug, coalesce(t.branding, '{}'::jsonb)
    from claimed c
    join public.profiles p on p.id = c.user_id
    left join public.tenants t on t.id = c.tenant_id
   order by c.user_id, c.tenant_id, c.created_at, c.id;
end
$$;
comment on function private.claim_notification_digests(timestamptz) is
  'The notifications.digest job: takes every digest item of the people due a digest (none in the last 24 hours), '
  'stamps their digest time, deletes the items in the caller''s transaction. service_role only.';

-- ---------------------------------------------------------------------------------------------
-- Audited tables
-- ---------------------------------------------------------------------------------------------

select private.enable_audit('public.tenant_notification_settings', 'tenant_id', '{kind}', '{updated_at}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.notification_kinds, public.notifications, public.notification_preferences,
  public.tenant_notification_settings from anon, authenticated, service_role;
revoke all on private.notification_queue, private.notification_mail, private.notification_digest_runs,
  private.known_sign_ins from public, anon, authenticated, service_role;

grant select on public.notification_kinds to authenticated, service_role;
grant select on public.notifications to authenticated, service_role;
grant update (read_at, archived_at) on public.notifications to authenticated;
grant select, delete on public.notification_preferences to authenticated;
grant insert (user_id, kind, channel, enabled, digest) on public.notification_preferences to authenticated;
grant update (enabled, digest) on public.notification_preferences to authenticated;
grant select, delete on public.tenant_notification_settings to authenticated;
grant insert (tenant_id, kind, in_app, email) on public.tenant_notification_settings to authenticated;
grant update (in_app, email) on public.tenant_notification_settings to authenticated;

revoke all on function private.notification_kind(text) from public;
revoke all on function private.check_notification_preference() from public;
revoke all on function private.check_tenant_notification_setting() from public;
revoke all on function private.enqueue_event_notifications() from public;
revoke all on function private.record_security_notice(uuid, text, text) from public;
revoke all on function private.notice_password_changed() from public;
revoke all on function private.notice_mfa_removed(uuid, text) from public;
revoke all on function private.notice_sign_in(uuid, text, text) from public;
grant execute on function private.notice_mfa_removed(uuid, text), private.notice_sign_in(uuid, text, text) to service_role;
revoke all on function private.permission_holders(uuid, text[]) from public;
revoke all on function private.notification_text(public.events, public.notification_kinds, text) from public;
revoke all on function private.fan_out_notifications(integer) from public;
revoke all on function private.claim_notification_mail(integer) from public;
revoke all on function private.claim_notification_digests(timestamptz) from public;
grant execute on function private.fan_out_notifications(integer) to service_role;
grant execute on function private.claim_notification_mail(integer) to service_role;
grant execute on function private.claim_notification_digests(timestamptz) to service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy notification_kinds_select_authenticated on public.notification_kinds
  for select to authenticated using (true);

create policy notifications_select_self on public.notifications
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy notifications_update_self on public.notifications
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
create policy notifications_select_mfa on public.notifications
  as restrictive for select to authenticated
  using (tenant_id is null or tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy notifications_update_mfa on public.notifications
  as restrictive for update to authenticated
  using (tenant_id is null or tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy notification_preferences_select_self on public.notification_preferences
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy notification_preferences_insert_self on public.notification_preferences
  for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy notification_preferences_update_self on public.notification_preferences
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
create policy notification_preferences_delete_self on public.notification_preferences
  for delete to authenticated
  using (user_id = (select auth.uid()));

create policy tenant_notification_settings_select_permitted on public.tenant_notification_settings
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('notifications.manage'))));
create policy tenant_notification_settings_insert_permitted on public.tenant_notification_settings
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('notifications.manage'))));
create policy tenant_notification_settings_update_permitted on public.tenant_notification_settings
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('notifications.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('notifications.manage'))));
create policy tenant_notification_settings_delete_permitted on public.tenant_notification_settings
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('notifications.manage'))));
create policy tenant_notification_settings_select_mfa on public.tenant_notification_settings
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tenant_notification_settings_insert_mfa on public.tenant_notification_settings
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tenant_notification_settings_update_mfa on public.tenant_notification_settings
  as restrictive for update to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tenant_notification_settings_delete_mfa on public.tenant_notification_settings
  as restrictive for delete to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
