-- Governance, more (issue 17 §1, §3, §5): the subject-access export archive; the console's list of
-- requests and the deadline's extension; domain events for retention runs and "view as".
--
-- Owns: table gdpr_exports; bucket privacy-exports; job queues privacy.export and
-- privacy.export_purge; notification kind security.data_export_ready; the trigger that queues an
-- access request's export when it moves to in progress; private.gdpr_export_source,
-- private.record_gdpr_export, private.purge_gdpr_export; the RPCs claim_gdpr_export,
-- extend_gdpr_request, admin_gdpr_requests; gdpr_requests' extension columns; event types
-- retention.applied, impersonation.started, impersonation.ended (apply_retention replaced to
-- publish the first; a trigger on impersonation_sessions the others). TN494–TN499.
--
-- The archive (docs/privacy.md): the privacy.export job builds a zip of private.subject_export
-- (JSON per module, CSV where tabular) and the person's files, seals it under a fresh data key
-- (AES-256-GCM) wrapped by the key-encryption key (docs/secrets.md) and stores the ciphertext in
-- the private bucket privacy-exports; SQL never sees the archive or the data key in the clear.
-- The person gets a one-time link (only its sha256 is stored) by email and a notice in their
-- inbox; claim_gdpr_export admits the link once, to the person signed in, before it expires (a
-- week). The purge job then removes the object and forgets the wrapped key.

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) values
  ('privacy-exports', 'privacy-exports', false, 209715200, array['application/octet-stream']);

insert into public.notification_kinds
  (kind, category, label, recipients, recipient_permissions, notify_subject, link_path, locked, digestible,
   default_in_app, default_email) values
  ('security.data_export_ready', 'security', 'Your data export is ready', 'The person the export is about',
   '{}', false, '/account/privacy', true, false, true, true);

select private.register_job_queue('privacy.export',
  'Builds an access request''s archive (the person''s data and files), stores it encrypted and sends the one-time link.', 3);
select private.register_job_queue('privacy.export_purge',
  'Deletes a data export''s archive once downloaded or expired, and forgets its key.', 5);

-- ---------------------------------------------------------------------------------------------
-- Table
-- ---------------------------------------------------------------------------------------------

create table public.gdpr_exports (
  -- One archive per access request.
  request_id uuid primary key,
  -- The request's tenant; null for a platform request.
  tenant_id uuid references public.tenants (id) on delete cascade,
  subject_user_id uuid not null,
  object_path text not null unique check (object_path ~ '^[0-9a-f-]{36}/[0-9a-f-]{36}\.zip\.enc$'),
  -- The archive's size in the clear, its sha256 (hex) and how many of the person's files it holds.
  byte_size bigint not null check (byte_size > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  file_count integer not null default 0 check (file_count >= 0),
  -- The archive's data key, wrapped by the key-encryption key; forgotten when the archive is purged.
  wrapped_key text check (wrapped_key is null or char_length(wrapped_key) between 20 and 500),
  -- sha256 of the emailed one-time token.
  token_hash bytea not null unique check (octet_length(token_hash) = 32),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '7 days',
  downloaded_at timestamptz,
  deleted_at timestamptz,
  unique (tenant_id, request_id),
  foreign key (tenant_id, request_id) references public.gdpr_requests (tenant_id, id) on delete cascade,
  check (expires_at > created_at),
  check ((deleted_at is null) = (wrapped_key is not null))
);
alter table public.gdpr_exports enable row level security;
comment on table public.gdpr_exports is
  'An access request''s archive: encrypted in the privacy-exports bucket, downloadable once by the person through '
  'an emailed link until expires_at (a week), then purged (object removed, key forgotten).';
create index gdpr_exports_subject_idx on public.gdpr_exports (subject_user_id);

create trigger gdpr_exports_immutable_columns before update on public.gdpr_exports
  for each row execute function private.forbid_column_changes('request_id', 'tenant_id', 'subject_user_id',
    'object_path', 'byte_size', 'sha256', 'file_count', 'token_hash', 'created_at', 'expires_at');
select private.enable_audit('public.gdpr_exports', 'tenant_id', array['request_id'], array['token_hash', 'wrapped_key']);

-- ---------------------------------------------------------------------------------------------
-- Grants and policies
-- ---------------------------------------------------------------------------------------------

revoke all on public.gdpr_exports from anon, authenticated, service_role;
grant select (request_id, tenant_id, subject_user_id, byte_size, file_count, created_at, expires_at, downloaded_at,
              deleted_at)
  on public.gdpr_exports to authenticated, service_role;

create policy gdpr_exports_select_permitted on public.gdpr_exports
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('privacy.manage'))));
create policy gdpr_exports_select_subject on public.gdpr_exports
  for select to authenticated
  using (subject_user_id = (select auth.uid()));
create policy gdpr_exports_select_staff on public.gdpr_exports
  for select to authenticated
  using (tenant_id is null and (select private.is_platform_staff('support')));
create policy gdpr_exports_select_mfa on public.gdpr_exports
  as restrictive for select to authenticated
  using (tenant_id is null or private.tenant_not_in(tenant_id, (select private.mfa_refused_tenant_ids())));

-- ---------------------------------------------------------------------------------------------
-- Functions
-- ---------------------------------------------------------------------------------------------

-- An access request moved to in progress queues its archive (the step's transaction: no job
-- without the step, no step without the job).
create or replace function private.queue_gdpr_export()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.kind = 'access' and new.state = 'in_progress' and old.state is distinct from 'in_progress' then
    perform private.enqueue_job('privacy.export', jsonb_build_object('request_id', new.id), new.tenant_id,
                                now(), 'privacy.export:' || new.id);
  end if;
  return null;
end
$$;

comment on function private.queue_gdpr_export() is
  'AFTER UPDATE OF state on gdpr_requests: an access request in progress queues its privacy.export job.';
revoke all on function private.queue_gdpr_export() from public;

create trigger gdpr_requests_queue_export after update of state on public.gdpr_requests
  for each row execute function private.queue_gdpr_export();

-- What the job puts in the archive: the export, and the objects of the person's files. Null when
-- the request is no longer an access request in progress, or its archive exists (a run again).
create or replace function private.gdpr_export_source(p_request_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_request public.gdpr_requests;
begin
  select * into v_request from public.gdpr_requests g where g.id = p_request_id;
  if v_request.id is null or v_request.kind <> 'access' or v_request.state <> 'in_progress'
     or exists (select 1 from public.gdpr_exports e where e.request_id = p_request_id) then
    return null;
  end if;
  return jsonb_build_object(
    'subject_user_id', v_request.subject_user_id,
    'tenant_id', v_request.tenant_id,
    'export', private.subject_export(v_request.subject_user_id),
    'files', (select coalesce(jsonb_agg(jsonb_build_object('bucket', a.bucket, 'object_path', a.object_path,
                'file_name', a.file_name, 'tenant_id', a.tenant_id, 'owner_type', a.owner_type,
                'created_at', a.created_at) order by a.created_at, a.id), '[]')
              from public.attachments a where a.created_by = v_request.subject_user_id));
end
$$;

comment on function private.gdpr_export_source(uuid) is
  'privacy.export: the person''s export and files of an access request in progress (null when it is not, or its '
  'archive exists). service_role only.';
revoke all on function private.gdpr_export_source(uuid) from public;
grant execute on function private.gdpr_export_source(uuid) to service_role;

-- The job stored the sealed archive: record it, complete the request, tell the person. Returns the
-- one-time token (only its hash is kept), or null when an earlier run recorded it already.
create or replace function private.record_gdpr_export(
  p_request_id uuid, p_object_path text, p_byte_size bigint, p_sha256 text, p_file_count integer, p_wrapped_key text)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_request public.gdpr_requests;
  v_export public.gdpr_exports;
  v_token text := encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'hex');
begin
  select * into v_request from public.gdpr_requests g where g.id = p_request_id for update;
  if v_request.id is null or v_request.kind <> 'access' or v_request.state <> 'in_progress' then
    raise exception 'no access request in progress has this id' using errcode = 'TN497';
  end if;
  insert into public.gdpr_exports (request_id, tenant_id, subject_user_id, object_path, byte_size, sha256, file_count,
                                   wrapped_key, token_hash)
  values (p_request_id, v_request.tenant_id, v_request.subject_user_id, p_object_path, p_byte_size, p_sha256,
          coalesce(p_file_count, 0), p_wrapped_key, sha256(convert_to(v_token, 'UTF8')))
  on conflict (request_id) do nothing
  returning * into v_export;
  if v_export.request_id is null then
    return null;
  end if;
  update public.gdpr_requests g set state = 'completed', closed_at = now(),
    outcome = jsonb_build_object('archive_bytes', p_byte_size, 'files', coalesce(p_file_count, 0))
  where g.id = p_request_id returning * into v_request;
  perform private.publish_gdpr_request_event(v_request, 'gdpr_request.state_changed');
  -- The link goes to the person's mailbox; the inbox says it is there (never the token).
  insert into private.email_outbox (to_address, template, subject, body_text, payload)
  select p.email::text, 'privacy_export', 'Your data export is ready',
         format(E'The export of your data you asked for is ready. Open the link below while signed in to download '
                'it: it works once, until %s (UTC). After that the archive is deleted.',
                to_char(v_export.expires_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI')),
         jsonb_build_object('request_id', p_request_id, 'path', '/account/privacy/export/' || v_token)
  from public.profiles p where p.id = v_request.subject_user_id;
  insert into public.notifications (user_id, kind, title, body, link)
  values (v_request.subject_user_id, 'security.data_export_ready', 'Your data export is ready',
          format('We emailed you a link to download it once, until %s (UTC).',
                 to_char(v_export.expires_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI')),
          '/account/privacy');
  perform private.enqueue_job('privacy.export_purge', jsonb_build_object('request_id', p_request_id),
                              v_request.tenant_id, v_export.expires_at, 'privacy.export_purge:' || p_request_id);
  return v_token;
end
$$;

comment on function private.record_gdpr_export(uuid, text, bigint, text, integer, text) is
  'privacy.export: records the sealed archive, completes the access request (TN497 unless in progress), emails the '
  'person the one-time link, notifies them and queues the purge at expiry. Returns the token (null if recorded '
  'already). service_role only.';
revoke all on function private.record_gdpr_export(uuid, text, bigint, text, integer, text) from public;
grant execute on function private.record_gdpr_export(uuid, text, bigint, text, integer, text) to service_role;

-- The person, signed in, opens their link: admitted once, before it expires (the row is marked in
-- the caller's transaction, so a failed download leaves the link unused).
create or replace function public.claim_gdpr_export(p_token text)
returns table (request_id uuid, object_path text, wrapped_key text, sha256 text, byte_size bigint)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_hash bytea := sha256(convert_to(coalesce(p_token, ''), 'UTF8'));
  v_export public.gdpr_exports;
begin
  update public.gdpr_exports e set downloaded_at = now()
  where e.token_hash = v_hash and e.subject_user_id = auth.uid()
    and e.downloaded_at is null and e.deleted_at is null and e.expires_at > now()
  returning * into v_export;
  if v_export.request_id is null then
    select * into v_export from public.gdpr_exports e where e.token_hash = v_hash and e.subject_user_id = auth.uid();
    if v_export.request_id is null then
      raise exception 'this download link is not valid (or it is for another account)' using errcode = 'TN494';
    elsif v_export.downloaded_at is not null then
      raise exception 'this export was downloaded already' using errcode = 'TN495';
    end if;
    raise exception 'this download link has expired' using errcode = 'TN496';
  end if;
  -- Downloaded: the archive goes soon (not at once, so the download in flight can finish reading).
  perform private.enqueue_job('privacy.export_purge', jsonb_build_object('request_id', v_export.request_id),
                              v_export.tenant_id, now() + interval '10 minutes',
                              'privacy.export_purge:downloaded:' || v_export.request_id);
  return query select v_export.request_id, v_export.object_path, v_export.wrapped_key, v_export.sha256,
                      v_export.byte_size;
end
$$;

comment on function public.claim_gdpr_export(text) is
  'The person''s one-time download of their export: TN494 not theirs or no such link, TN495 downloaded already, '
  'TN496 expired. Marks it downloaded and queues the purge; returns where the sealed archive is and its wrapped key.';
revoke all on function public.claim_gdpr_export(text) from public;
grant execute on function public.claim_gdpr_export(text) to authenticated;

-- The purge job: an archive downloaded or expired is deleted (its object's path returned for the
-- bytes' removal) and its key forgotten. Null when there is nothing to purge (yet).
create or replace function private.purge_gdpr_export(p_request_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_path text;
begin
  update public.gdpr_exports e set deleted_at = now(), wrapped_key = null
  where e.request_id = p_request_id and e.deleted_at is null and (e.downloaded_at is not null or e.expires_at <= now())
  returning e.object_path into v_path;
  return v_path;
end
$$;

comment on function private.purge_gdpr_export(uuid) is
  'privacy.export_purge: marks a downloaded or expired archive deleted and forgets its key; returns its object path '
  '(null: nothing to purge). service_role only.';
revoke all on function private.purge_gdpr_export(uuid) from public;
grant execute on function private.purge_gdpr_export(uuid) to service_role;

-- ---------------------------------------------------------------------------------------------
-- The console: requests across tenants, and the deadline's extension
-- ---------------------------------------------------------------------------------------------

-- GDPR art. 12(3): the deadline may be extended once, by two further months, with the reason told.
alter table public.gdpr_requests
  add column extended_at timestamptz,
  add column extension_reason text
    check (extension_reason is null or char_length(btrim(extension_reason)) between 1 and 1000),
  add constraint gdpr_requests_extension_check check ((extended_at is null) = (extension_reason is null));
grant select (extended_at, extension_reason) on public.gdpr_requests to authenticated, service_role;

create or replace function public.extend_gdpr_request(p_request_id uuid, p_reason text)
returns timestamptz
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_request public.gdpr_requests;
begin
  select * into v_request from public.gdpr_requests g where g.id = p_request_id for update;
  if v_request.id is null or not private.may_handle_gdpr_request(v_request.tenant_id) then
    raise exception 'no such privacy request, or you may not handle it' using errcode = 'TN481';
  end if;
  if v_request.tenant_id in (select private.mfa_blocked_tenant_ids()) then
    raise exception 'this tenant requires multi-factor authentication' using errcode = 'TN004';
  end if;
  if nullif(btrim(coalesce(p_reason, '')), '') is null then
    raise exception 'an extension says why' using errcode = 'TN499';
  end if;
  if v_request.state not in ('received', 'verified', 'in_progress') or v_request.extended_at is not null then
    raise exception 'only an open request, once, has its deadline extended' using errcode = 'TN498';
  end if;
  update public.gdpr_requests g set due_at = g.due_at + interval '2 months', extended_at = now(),
    extension_reason = left(btrim(p_reason), 1000), reminded_at = null
  where g.id = p_request_id returning * into v_request;
  return v_request.due_at;
end
$$;

comment on function public.extend_gdpr_request(uuid, text) is
  'Extends an open request''s deadline once by two months, with the reason (GDPR art. 12(3)): its handler '
  '(privacy.manage; support staff for platform requests; TN481 otherwise). TN498 closed or extended already, '
  'TN499 without a reason. Audited as the request''s update.';
grant execute on function public.extend_gdpr_request(uuid, text) to authenticated;

-- Every request, for support staff (the console): what and when, never the person's details.
create or replace function public.admin_gdpr_requests()
returns table (id uuid, tenant_id uuid, tenant_name text, tenant_slug text, kind text, state text,
               received_at timestamptz, due_at timestamptz, closed_at timestamptz, extended_at timestamptz,
               extension_reason text, refused_reason text, overdue boolean)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.require_staff('support');
  return query
  select g.id, g.tenant_id, t.name, t.slug, g.kind, g.state, g.received_at, g.due_at, g.closed_at, g.extended_at,
         g.extension_reason, g.refused_reason,
         g.state in ('received', 'verified', 'in_progress') and g.due_at < now()
  from public.gdpr_requests g left join public.tenants t on t.id = g.tenant_id;
end
$$;

comment on function public.admin_gdpr_requests() is
  'Every privacy request across tenants (kind, state, deadline, overdue), without the person or their details: '
  'support staff only (TN061).';
grant execute on function public.admin_gdpr_requests() to authenticated;

-- ---------------------------------------------------------------------------------------------
-- Domain events of governance: retention runs and "view as"
-- ---------------------------------------------------------------------------------------------

insert into public.event_types (type, module, description) values
  ('retention.applied', 'governance', 'A retention run deleted or anonymised a tenant''s rows of one data class.'),
  ('impersonation.started', 'governance', 'A support staff member started viewing the tenant as one of its members.'),
  ('impersonation.ended', 'governance', 'A support staff member ended a "view as" session.');

-- apply_retention as 20261205000300_governance.sql has it, publishing retention.applied for each
-- tenant and class that lost rows (the platform-wide classes have no tenant log: audited only).
create or replace function private.apply_retention(p_dry_run boolean, p_tenant_id uuid default null)
returns table (tenant_id uuid, data_class text, action text, retention_days integer, rows bigint)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v record;
  v_rows bigint;
begin
  for v in
    select t.id as tenant_id, e.data_class, e.action, e.retention_days
      from public.tenants t
     cross join lateral (
       select c.key as data_class, coalesce(p.action, c.default_action) as action,
              coalesce(p.retention_days, c.default_days) as retention_days
         from public.data_classes c
         left join public.data_policies p on p.tenant_id = t.id and p.data_class = c.key
        where c.enforced and c.per_tenant) e
     where p_tenant_id is null or t.id = p_tenant_id
    union all
    select null, c.key, c.default_action, c.default_days
      from public.data_classes c
     where c.enforced and not c.per_tenant and p_tenant_id is null
     order by 1 nulls first, 2
  loop
    v_rows := private.retention_step(v.data_class, v.tenant_id, v.retention_days, v.action, p_dry_run);
    if not p_dry_run and v_rows > 0 then
      perform private.audit_event(v.tenant_id, 'retention.apply', 'data_class', v.data_class, null,
        jsonb_build_object('rows', v_rows, 'action', v.action, 'retention_days', v.retention_days));
      if v.tenant_id is not null then
        perform private.publish_event(v.tenant_id, 'retention.applied', 'data_class', v.data_class,
          jsonb_build_object('data_class', v.data_class, 'rows', v_rows, 'action', v.action,
                             'retention_days', v.retention_days));
      end if;
    end if;
    tenant_id := v.tenant_id; data_class := v.data_class; action := v.action;
    retention_days := v.retention_days; rows := v_rows;
    return next;
  end loop;
end
$$;

comment on function private.apply_retention(boolean, uuid) is
  'Retention for every enforced data class of every tenant (or of p_tenant_id), then the platform-wide classes: '
  'per tenant and class the action, the days and the rows past the cut-off — deleted or anonymised unless p_dry_run, '
  'each real change a retention.apply audit event (and, for a tenant, a retention.applied event). Run by the '
  'governance.retention queue as service_role.';
revoke all on function private.apply_retention(boolean, uuid) from public;
grant execute on function private.apply_retention(boolean, uuid) to service_role;

create or replace function private.publish_impersonation_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.publish_event(new.tenant_id, 'impersonation.started', 'impersonation_session', new.id::text,
      jsonb_build_object('session_id', new.id, 'user_id', new.target_user_id, 'staff', new.staff_label,
                         'reason', new.reason, 'allow_writes', new.allow_writes, 'expires_at', private.event_time(new.expires_at)));
  elsif new.ended_at is not null and old.ended_at is null then
    perform private.publish_event(new.tenant_id, 'impersonation.ended', 'impersonation_session', new.id::text,
      jsonb_build_object('session_id', new.id, 'user_id', new.target_user_id, 'staff', new.staff_label,
                         'ended_at', private.event_time(new.ended_at)));
  end if;
  return null;
end
$$;

comment on function private.publish_impersonation_event() is
  'AFTER INSERT / UPDATE OF ended_at on impersonation_sessions: impersonation.started and impersonation.ended.';
revoke all on function private.publish_impersonation_event() from public;

create trigger impersonation_sessions_events after insert or update of ended_at on public.impersonation_sessions
  for each row execute function private.publish_impersonation_event();
