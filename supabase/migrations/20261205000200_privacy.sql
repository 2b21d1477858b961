-- Privacy (issue 17 §1–2): GDPR requests with their states, deadline and reminders; erasure of a
-- person that leaves the audit chain verifying; the consent ledger and its purposes.
--
-- Owns: tables gdpr_requests, consent_purposes, consents; view consent_states; the audit log's
-- content commitment (columns content_salt, content_commitment, erased_at; private.audit_digest
-- and the append-only trigger of audit_logs and events are replaced here — docs/decisions/
-- 0013-erasure-against-the-audit-chain.md); private.erase_subject, private.subject_export,
-- private.remind_gdpr_requests; the RPCs create_gdpr_request, verify_gdpr_request,
-- advance_gdpr_request; job queue privacy.erase; event types gdpr_request.created,
-- gdpr_request.state_changed, gdpr_request.due_soon, consent.recorded. TN480–TN493.
--
-- The chain (docs/privacy.md): a row's digest covers its structure (id, tenant, actor, action,
-- target, time) and a commitment to its content — sha256(content_salt || [old_values,
-- new_values, ip, user_agent]). Erasure replaces the person's name, email and IPs in the content,
-- stores the commitment of the original and forgets the salt, in one UPDATE that the append-only
-- trigger admits only in that form: every seal still verifies, and what was erased is gone (the
-- salt made the commitment useless for confirming a guess).

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.event_types (type, module, description) values
  ('gdpr_request.created', 'privacy', 'A privacy request (access, rectification, erasure, restriction, objection) was received.'),
  ('gdpr_request.state_changed', 'privacy', 'A privacy request was verified, started, completed or refused.'),
  ('gdpr_request.due_soon', 'privacy', 'An open privacy request reaches its legal deadline within seven days.'),
  ('consent.recorded', 'privacy', 'A consent was granted or withdrawn.');

insert into public.notification_kinds
  (kind, category, label, recipients, recipient_permissions, notify_subject, link_path, locked, digestible,
   default_in_app, default_email) values
  ('gdpr_request.created', 'security', 'A privacy request was received', 'Holders of privacy.manage',
   '{privacy.manage}', false, '/t/{slug}/settings/privacy', false, false, true, true),
  ('gdpr_request.due_soon', 'security', 'A privacy request is due within a week', 'Holders of privacy.manage',
   '{privacy.manage}', false, '/t/{slug}/settings/privacy', false, false, true, true);

select private.register_job_queue('privacy.erase',
  'Erases a person (an erasure request moved to in progress): their account, their name, email and IPs everywhere.', 3);

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.gdpr_requests (
  id uuid primary key default gen_random_uuid(),
  -- Null: a platform request (raised by platform staff); otherwise the tenant that handles it.
  tenant_id uuid references public.tenants (id) on delete cascade,
  -- The person the request is about; no foreign key, so the request outlives the erased account.
  subject_user_id uuid not null,
  kind text not null check (kind in ('access', 'rectification', 'erasure', 'restriction', 'objection')),
  state text not null default 'received'
    check (state in ('received', 'verified', 'in_progress', 'completed', 'refused')),
  details text not null default '' check (char_length(details) <= 2000),
  refused_reason text check (refused_reason is null or char_length(btrim(refused_reason)) between 1 and 1000),
  requested_by uuid default auth.uid(),
  received_at timestamptz not null default now(),
  -- The legal deadline: one month from receipt (GDPR art. 12(3)).
  due_at timestamptz not null default now() + interval '1 month',
  verified_at timestamptz,
  started_at timestamptz,
  closed_at timestamptz,
  reminded_at timestamptz,
  -- sha256 of the emailed confirmation token; cleared once used.
  verification_hash bytea,
  -- What the request did (an erasure's counts), for its handler.
  outcome jsonb,
  unique (tenant_id, id),
  check ((state = 'refused') = (refused_reason is not null))
);
alter table public.gdpr_requests enable row level security;
comment on table public.gdpr_requests is
  'A data subject''s request (access/export, rectification, erasure, restriction, objection): received → verified '
  '(identity confirmed by email) → in progress → completed | refused with a reason; due one month after receipt.';
create index gdpr_requests_tenant_received_idx on public.gdpr_requests (tenant_id, received_at);
create index gdpr_requests_subject_idx on public.gdpr_requests (subject_user_id);
create index gdpr_requests_open_due_idx on public.gdpr_requests (due_at) where state in ('received', 'verified', 'in_progress');

create table public.consent_purposes (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  key text not null check (key ~ '^[a-z][a-z0-9_.-]{1,49}$'),
  name text not null check (char_length(btrim(name)) between 1 and 100),
  description text not null default '' check (char_length(description) <= 2000),
  -- The version of the text currently shown; a consent records the version it was given to.
  version integer not null default 1 check (version between 1 and 100000),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, key)
);
alter table public.consent_purposes enable row level security;
comment on table public.consent_purposes is
  'What a tenant asks consent for (newsletter, analytics …), with the version of the text it shows.';

create table public.consents (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  purpose_id uuid not null,
  -- member: subject_id is a user id; end_user: the tenant's own product's id for its user.
  subject_type text not null default 'member' check (subject_type in ('member', 'end_user')),
  subject_id text not null check (char_length(subject_id) between 1 and 200),
  granted boolean not null,
  text_version integer not null check (text_version between 1 and 100000),
  source text not null check (source in ('page', 'api', 'import')),
  ip inet default private.request_ip(),
  user_agent text default private.request_user_agent(),
  recorded_by uuid default auth.uid(),
  recorded_at timestamptz not null default now(),
  -- The ledger's order (entries of one transaction share recorded_at).
  seq bigint generated always as identity,
  unique (tenant_id, id),
  foreign key (tenant_id, purpose_id) references public.consent_purposes (tenant_id, id) on delete cascade
);
alter table public.consents enable row level security;
comment on table public.consents is
  'The consent ledger, append-only (TN480): who granted or withdrew which purpose, to which version of its text, '
  'when, how (page, API, import) and from where. The current state is the latest entry (consent_states).';
create index consents_subject_idx on public.consents (tenant_id, subject_type, subject_id, purpose_id, seq desc);
create index consents_tenant_recorded_idx on public.consents (tenant_id, recorded_at);

create view public.consent_states with (security_invoker = true) as
select distinct on (c.tenant_id, c.purpose_id, c.subject_type, c.subject_id)
  c.tenant_id, c.purpose_id, p.key as purpose_key, c.subject_type, c.subject_id, c.granted, c.text_version,
  c.source, c.recorded_at, c.text_version < p.version as outdated
from public.consents c
join public.consent_purposes p on p.tenant_id = c.tenant_id and p.id = c.purpose_id
order by c.tenant_id, c.purpose_id, c.subject_type, c.subject_id, c.seq desc;
comment on view public.consent_states is
  'The current consent per tenant, purpose and subject: the ledger''s latest entry (outdated: given to an older text).';

-- ---------------------------------------------------------------------------------------------
-- The audit log: content committed by a salted hash, so erasure can redact it
-- ---------------------------------------------------------------------------------------------

alter table public.audit_logs
  add column content_salt bytea default uuid_send(gen_random_uuid()),
  add column content_commitment bytea,
  add column erased_at timestamptz;
comment on column public.audit_logs.content_salt is
  'Random salt of the content commitment; forgotten when the row''s personal data is erased.';
comment on column public.audit_logs.content_commitment is
  'Set by erasure: the commitment to the content as it was, which the chain keeps hashing.';
comment on column public.audit_logs.erased_at is 'When a person''s data in this row was erased ("a deleted member").';

create or replace function private.audit_content_commitment(p_log public.audit_logs)
returns bytea
language sql
immutable
set search_path = ''
as $$
  select coalesce(p_log.content_commitment,
    sha256(coalesce(p_log.content_salt, '\x'::bytea)
           || convert_to(jsonb_build_array(p_log.old_values, p_log.new_values, p_log.ip::text, p_log.user_agent)::text, 'UTF8')))
$$;

comment on function private.audit_content_commitment(public.audit_logs) is
  'sha256(salt || [old_values, new_values, ip, user_agent]) of an audit row, or the commitment its erasure kept.';

create or replace function private.audit_digest(p_log public.audit_logs)
returns bytea
language sql
stable
set search_path = ''
as $$
  select sha256(convert_to(jsonb_build_array(
    p_log.id, p_log.tenant_id, p_log.actor_type, p_log.actor_id, p_log.actor_job, p_log.action,
    p_log.target_type, p_log.target_id,
    to_char(p_log.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    encode(private.audit_content_commitment(p_log), 'hex'))::text, 'UTF8'))
$$;

comment on function private.audit_digest(public.audit_logs) is
  'sha256 of an audit row''s canonical structure and its content commitment (so erasure keeps it).';

-- The one change an audit row admits: its erasure, under private.erase_subject's flag, which keeps
-- the structure, forgets the salt and stores the commitment of the content as it was.
create or replace function private.guard_audit_log_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and current_setting('tenantry.erasure', true) = 'on'
     and (new.id, new.tenant_id, new.actor_type, new.actor_id, new.actor_job, new.action, new.target_type,
          new.target_id, new.xid, new.created_at)
         is not distinct from (old.id, old.tenant_id, old.actor_type, old.actor_id, old.actor_job, old.action,
          old.target_type, old.target_id, old.xid, old.created_at)
     and new.erased_at is not null and new.content_salt is null
     and new.content_commitment = private.audit_content_commitment(old) then
    return new;
  end if;
  raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'TN050';
end
$$;

comment on function private.guard_audit_log_change() is
  'Refuses UPDATE and DELETE on audit_logs (TN050) but an erasure''s redaction: same structure, salt forgotten, '
  'commitment of the old content kept, under the erasure''s transaction flag.';

drop trigger audit_logs_append_only on public.audit_logs;
create trigger audit_logs_append_only before update or delete on public.audit_logs
  for each row execute function private.guard_audit_log_change();

-- Events: only the payload of an event changes, and only in an erasure.
create or replace function private.guard_event_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and current_setting('tenantry.erasure', true) = 'on'
     and (to_jsonb(new) - 'payload') = (to_jsonb(old) - 'payload') then
    return new;
  end if;
  raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'TN050';
end
$$;

comment on function private.guard_event_change() is
  'Refuses UPDATE and DELETE on events (TN050) but an erasure''s redaction of a payload.';

drop trigger events_append_only on public.events;
create trigger events_append_only before update or delete on public.events
  for each row execute function private.guard_event_change();

-- Seals made under the previous digest are re-made under this one, after checking them: a chain
-- that does not verify stops the migration (nothing is re-sealed over a broken chain).
do $$
declare
  v_chain uuid;
  v_problem text;
begin
  for v_chain in select distinct s.chain from public.audit_log_seals s loop
    select c.problem into v_problem from (
      select case when l.id is null then 'audit row missing'
                  when s.hash <> sha256(s.prev_hash || sha256(convert_to(jsonb_build_array(
                    l.id, l.tenant_id, l.actor_type, l.actor_id, l.actor_job, l.action, l.target_type, l.target_id,
                    l.old_values, l.new_values, l.ip::text, l.user_agent,
                    to_char(l.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text, 'UTF8')))
                  then 'audit row altered'
                  when s.prev_hash <> coalesce(lag(s.hash) over (order by s.seq), '\x'::bytea) then 'chain link broken'
             end as problem
      from public.audit_log_seals s left join public.audit_logs l on l.id = s.log_id
      where s.chain = v_chain) c
    where c.problem is not null limit 1;
    if v_problem is not null then
      raise exception 'audit chain % does not verify (%): not re-sealed', v_chain, v_problem;
    end if;
  end loop;
  alter table public.audit_log_seals disable trigger audit_log_seals_append_only;
  delete from public.audit_log_seals;
  alter table public.audit_log_seals enable trigger audit_log_seals_append_only;
  update private.audit_seal_cursor set sealed_below = '0';
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create or replace function private.refuse_consent_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- An erasure forgets the evidence's address and user agent; the entry itself stays.
  if tg_op = 'UPDATE' and current_setting('tenantry.erasure', true) = 'on'
     and (to_jsonb(new) - 'ip' - 'user_agent') = (to_jsonb(old) - 'ip' - 'user_agent') then
    return new;
  end if;
  raise exception 'the consent ledger is append-only: record a new grant or withdrawal' using errcode = 'TN480';
end
$$;

comment on function private.refuse_consent_change() is
  'Refuses UPDATE and DELETE on consents (TN480), but an erasure''s forgetting of the evidence''s IP and user agent.';

create trigger consents_append_only before update or delete on public.consents
  for each row execute function private.refuse_consent_change();
create trigger consents_immutable_columns before update on public.consents
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'purpose_id', 'subject_type', 'subject_id',
    'granted', 'text_version', 'source', 'recorded_by', 'recorded_at', 'seq');
create trigger gdpr_requests_immutable_columns before update on public.gdpr_requests
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'subject_user_id', 'kind', 'requested_by',
    'received_at');

-- A consent is to an active purpose of its tenant, at most the version shown; a member records
-- only their own, from the page.
create or replace function private.check_consent()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_purpose public.consent_purposes;
begin
  select * into v_purpose from public.consent_purposes p where p.tenant_id = new.tenant_id and p.id = new.purpose_id;
  if v_purpose.id is null or not v_purpose.active then
    raise exception 'no such active consent purpose' using errcode = 'TN487';
  end if;
  if new.text_version > v_purpose.version then
    raise exception 'the purpose''s text has no version %', new.text_version using errcode = 'TN488';
  end if;
  if new.subject_type = 'member' and private.try_uuid(new.subject_id) is null then
    raise exception 'a member''s consent names the member''s user id' using errcode = 'TN489';
  end if;
  return new;
end
$$;

comment on function private.check_consent() is
  'BEFORE INSERT on consents: an active purpose of the tenant (TN487), a version it has shown (TN488), a user id '
  'for a member (TN489). Security definer: reads the purpose whatever the caller may see.';

create trigger consents_check before insert on public.consents
  for each row execute function private.check_consent();

create or replace function private.consent_purpose_key_free()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.consent_purposes p
             where p.tenant_id = new.tenant_id and p.key = new.key and p.id <> new.id) then
    raise exception 'another purpose already has the key %', new.key using errcode = 'TN490';
  end if;
  return new;
end
$$;

comment on function private.consent_purpose_key_free() is 'BEFORE INSERT/UPDATE on consent_purposes: the key is free in the tenant (TN490).';

create trigger consent_purposes_key_free before insert or update of key on public.consent_purposes
  for each row execute function private.consent_purpose_key_free();
create trigger consent_purposes_set_updated_at before update on public.consent_purposes
  for each row execute function private.set_updated_at();
create trigger consent_purposes_immutable_columns before update on public.consent_purposes
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_at');

create or replace function private.publish_consent_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.publish_event(new.tenant_id, 'consent.recorded', 'consent', new.id::text, jsonb_build_object(
    'consent_id', new.id, 'purpose_key', (select p.key from public.consent_purposes p where p.id = new.purpose_id),
    'subject_type', new.subject_type, 'subject_id', new.subject_id, 'granted', new.granted,
    'text_version', new.text_version, 'source', new.source,
    'user_id', case when new.subject_type = 'member' then new.subject_id end));
  return null;
end
$$;

comment on function private.publish_consent_event() is 'AFTER INSERT on consents: publishes consent.recorded.';

create trigger consents_publish after insert on public.consents
  for each row execute function private.publish_consent_event();

select private.enable_audit('public.gdpr_requests', 'tenant_id', '{id}', '{verification_hash}');
select private.enable_audit('public.consent_purposes', 'tenant_id', '{id}');
select private.enable_audit('public.consents', 'tenant_id', '{id}', '{ip,user_agent}');

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- Every occurrence of each term (case-insensitive, literally) replaced by "a deleted member".
create or replace function private.redact_text(p_text text, p_terms text[])
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_term text;
begin
  if p_text is null then
    return null;
  end if;
  foreach v_term in array p_terms loop
    p_text := regexp_replace(p_text, '***=' || v_term, 'a deleted member', 'gi');
  end loop;
  return p_text;
end
$$;

comment on function private.redact_text(text, text[]) is 'Replaces every occurrence of the terms (case-insensitive) by "a deleted member".';

create or replace function private.redact_jsonb(p_value jsonb, p_terms text[])
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case jsonb_typeof(p_value)
    when 'object' then (select coalesce(jsonb_object_agg(e.key, private.redact_jsonb(e.value, p_terms)), '{}'::jsonb)
                        from jsonb_each(p_value) e)
    when 'array' then (select coalesce(jsonb_agg(private.redact_jsonb(a.value, p_terms) order by a.ord), '[]'::jsonb)
                       from jsonb_array_elements(p_value) with ordinality a(value, ord))
    when 'string' then to_jsonb(private.redact_text(p_value #>> '{}', p_terms))
    else p_value end
$$;

comment on function private.redact_jsonb(jsonb, text[]) is 'redact_text over every string of a JSON value.';

create or replace function private.mentions_any(p_text text, p_terms text[])
returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_text is not null and exists (select 1 from unnest(p_terms) t where strpos(lower(p_text), lower(t)) > 0)
$$;

comment on function private.mentions_any(text, text[]) is 'Does the text contain any of the terms (case-insensitive)?';

-- The tenants whose last owner the person is (erasure waits until ownership moves).
create or replace function private.sole_owned_tenants(p_user_id uuid)
returns text[]
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(t.slug order by t.slug), '{}')
  from public.memberships m join public.tenants t on t.id = m.tenant_id
  where m.user_id = p_user_id and m.is_owner
    and not exists (select 1 from public.memberships o
                    where o.tenant_id = m.tenant_id and o.is_owner and o.user_id <> p_user_id and o.status = 'active')
$$;

comment on function private.sole_owned_tenants(uuid) is 'Slugs of the tenants the person is the only owner of.';

-- Everything kept about a person, per module (the access request's archive; the export job adds
-- their files). Runs as the owner: a system job's read on the subject's behalf.
create or replace function private.subject_export(p_user_id uuid)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'profile', (select to_jsonb(p) from public.profiles p where p.id = p_user_id),
    'memberships', (select coalesce(jsonb_agg(jsonb_build_object('tenant', t.slug, 'tenant_name', t.name,
                      'owner', m.is_owner, 'status', m.status, 'joined_at', m.created_at) order by t.slug), '[]')
                    from public.memberships m join public.tenants t on t.id = m.tenant_id where m.user_id = p_user_id),
    'teams', (select coalesce(jsonb_agg(jsonb_build_object('tenant_id', tm.tenant_id, 'team', te.name) order by te.name), '[]')
              from public.team_members tm join public.teams te on te.id = tm.team_id where tm.user_id = p_user_id),
    'preferences', (select to_jsonb(u) - 'user_id' from public.user_preferences u where u.user_id = p_user_id),
    'notifications', (select coalesce(jsonb_agg(jsonb_build_object('kind', n.kind, 'title', n.title, 'body', n.body,
                        'created_at', n.created_at) order by n.created_at), '[]')
                      from public.notifications n where n.user_id = p_user_id),
    'tasks_assigned', (select coalesce(jsonb_agg(jsonb_build_object('tenant_id', t.tenant_id, 'title', t.title,
                         'created_at', t.created_at) order by t.created_at), '[]')
                       from public.task_assignees a join public.tasks t on t.id = a.task_id where a.user_id = p_user_id),
    'task_comments', (select coalesce(jsonb_agg(jsonb_build_object('tenant_id', c.tenant_id, 'body', c.body,
                        'created_at', c.created_at) order by c.created_at), '[]')
                      from public.task_comments c where c.author_id = p_user_id),
    'support_tickets', (select coalesce(jsonb_agg(jsonb_build_object('tenant_id', s.tenant_id, 'subject', s.subject,
                          'description', s.description, 'status', s.status, 'created_at', s.created_at)
                          order by s.created_at), '[]')
                        from public.support_tickets s where s.requester_id = p_user_id),
    'consents', (select coalesce(jsonb_agg(jsonb_build_object('tenant_id', c.tenant_id, 'purpose', p.key,
                   'granted', c.granted, 'text_version', c.text_version, 'source', c.source, 'ip', c.ip,
                   'user_agent', c.user_agent, 'recorded_at', c.recorded_at) order by c.recorded_at), '[]')
                 from public.consents c join public.consent_purposes p on p.id = c.purpose_id
                 where c.subject_type = 'member' and c.subject_id = p_user_id::text),
    'privacy_requests', (select coalesce(jsonb_agg(jsonb_build_object('kind', g.kind, 'state', g.state,
                           'received_at', g.received_at, 'closed_at', g.closed_at) order by g.received_at), '[]')
                         from public.gdpr_requests g where g.subject_user_id = p_user_id),
    'audit', (select coalesce(jsonb_agg(jsonb_build_object('tenant_id', l.tenant_id, 'action', l.action,
                'target_type', l.target_type, 'target_id', l.target_id, 'ip', l.ip, 'user_agent', l.user_agent,
                'created_at', l.created_at) order by l.id), '[]')
              from public.audit_logs l where l.actor_id = p_user_id))
$$;

comment on function private.subject_export(uuid) is
  'What Tenantry keeps about a person, per module, as JSON (the access request''s archive). Not granted to API roles '
  'but the export job''s service_role.';
revoke all on function private.subject_export(uuid) from public;
grant execute on function private.subject_export(uuid) to service_role;

-- Erases a person: refuses while they are a tenant's last owner (TN485); deletes their account
-- and what exists only for them; replaces their name, email and IPs in every other table
-- (billing records are kept, with the person's details anonymised), in the events' payloads and
-- in the audit log's content (the chain's commitment kept). Returns what it did per table.
create or replace function private.erase_subject(p_user_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_profile public.profiles;
  v_terms text[];
  v_ips inet[];
  v_owned text[] := private.sole_owned_tenants(p_user_id);
  v_column record;
  v_count bigint;
  v_outcome jsonb := '{}';
begin
  if cardinality(v_owned) > 0 then
    raise exception 'the person is the last owner of %: ownership must move first', array_to_string(v_owned, ', ')
      using errcode = 'TN485';
  end if;
  select * into v_profile from public.profiles p where p.id = p_user_id;
  if v_profile.id is null then
    raise exception 'no such person' using errcode = 'TN481';
  end if;

  v_ips := array(select distinct x.ip from (
      select l.ip from public.audit_logs l where l.actor_id = p_user_id and l.ip is not null
      union select s.ip from auth.sessions s where s.user_id = p_user_id and s.ip is not null
      union select c.ip from public.consents c where c.subject_type = 'member' and c.subject_id = p_user_id::text and c.ip is not null
      union select a.ip_address from auth.mfa_challenges a join auth.mfa_factors f on f.id = a.factor_id
            where f.user_id = p_user_id and a.ip_address is not null) x);
  v_terms := array(select distinct t from unnest(
      array[v_profile.email::text, nullif(btrim(v_profile.full_name), '')]
      || array(select host(i) from unnest(v_ips) i)) t where t is not null and char_length(t) >= 3);

  perform set_config('tenantry.erasure', 'on', true);

  -- What exists only for the person: invitations to their address and mail to it; then the account
  -- (profile, memberships, sessions, preferences, notifications follow by cascade).
  delete from public.invitations i where lower(i.email::text) = lower(v_profile.email::text);
  delete from private.email_outbox o where lower(o.to_address) = lower(v_profile.email::text);
  delete from auth.sign_in_attempts a where lower(a.email) = lower(v_profile.email::text);
  -- Billing records stay for their legal period (ten years: invoices, payments, their lines); the
  -- person's address as a tenant's billing contact is not part of them and goes.
  update public.billing_accounts b set billing_email = null where lower(b.billing_email) = lower(v_profile.email::text);
  -- Their consents stay (what was agreed, and when); the evidence's address and user agent go.
  update public.consents c set ip = null, user_agent = null
  where c.subject_type = 'member' and c.subject_id = p_user_id::text and (c.ip is not null or c.user_agent is not null);
  delete from auth.users u where u.id = p_user_id;

  -- Every other table: name, email and IPs replaced where they occur. The tables' own triggers run
  -- (their audit rows are redacted below with the rest); a column that refuses the change stops
  -- the erasure (TN493), so nothing is left half-erased.
  for v_column in
    select c.oid::regclass as tbl, a.attname as col, format_type(a.atttypid, a.atttypmod) as typ,
           coalesce(bt.typname, t.typname) as base
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
    join pg_type t on t.oid = a.atttypid
    left join pg_type bt on bt.oid = t.typbasetype and t.typtype = 'd'
    where c.relkind in ('r', 'p') and n.nspname in ('public', 'private', 'auth', 'storage')
      and c.oid not in ('public.audit_logs'::regclass, 'public.audit_log_seals'::regclass, 'public.events'::regclass)
      and coalesce(bt.typname, t.typname) in ('text', 'varchar', 'citext', 'jsonb', 'inet', 'bpchar')
    order by 1, 2
  loop
    begin
      if v_column.base = 'inet' then
        continue when cardinality(v_ips) = 0;
        execute format('update %s set %I = null where %I = any ($1)', v_column.tbl, v_column.col, v_column.col)
          using v_ips;
      elsif v_column.base = 'jsonb' then
        execute format('update %s set %I = private.redact_jsonb(%I, $1) where private.mentions_any(%I::text, $1)',
          v_column.tbl, v_column.col, v_column.col, v_column.col) using v_terms;
      else
        execute format('update %s set %I = private.redact_text(%I::text, $1)::%s where private.mentions_any(%I::text, $1)',
          v_column.tbl, v_column.col, v_column.col, v_column.typ, v_column.col) using v_terms;
      end if;
      get diagnostics v_count = row_count;
    exception when others then
      raise exception 'erasure stopped at %.%: %', v_column.tbl, v_column.col, sqlerrm using errcode = 'TN493';
    end;
    if v_count > 0 then
      v_outcome := v_outcome || jsonb_build_object(v_column.tbl::text || '.' || v_column.col, v_count);
    end if;
  end loop;

  update public.events e set payload = private.redact_jsonb(e.payload, v_terms)
  where private.mentions_any(e.payload::text, v_terms);
  get diagnostics v_count = row_count;
  v_outcome := v_outcome || jsonb_build_object('public.events.payload', v_count);

  update public.audit_logs l set
    content_commitment = private.audit_content_commitment(l),
    content_salt = null,
    erased_at = now(),
    ip = case when l.ip = any (v_ips) then null else l.ip end,
    user_agent = case when l.actor_id = p_user_id then null else private.redact_text(l.user_agent, v_terms) end,
    old_values = private.redact_jsonb(l.old_values, v_terms),
    new_values = private.redact_jsonb(l.new_values, v_terms)
  where l.actor_id = p_user_id or l.ip = any (v_ips)
     or private.mentions_any(concat_ws(' ', l.old_values::text, l.new_values::text, l.user_agent), v_terms);
  get diagnostics v_count = row_count;
  v_outcome := v_outcome || jsonb_build_object('public.audit_logs', v_count);

  perform set_config('tenantry.erasure', 'off', true);
  perform private.audit_event(null, 'privacy.erase', 'profiles', p_user_id::text, null, v_outcome);
  return v_outcome;
end
$$;

comment on function private.erase_subject(uuid) is
  'Erases a person (TN485 while they are a tenant''s last owner): their account goes, their name, email and IPs are '
  'replaced by "a deleted member" in every table, event payload and audit row (chain kept). Returns the counts per '
  'table. Run by the privacy.erase job; not granted to any API role.';
revoke all on function private.erase_subject(uuid) from public;

-- May the caller handle this request? privacy.manage in its tenant; support staff for platform requests.
create or replace function private.may_handle_gdpr_request(p_tenant_id uuid)
returns boolean
language sql
stable
set search_path = ''
as $$
  select case when p_tenant_id is null then private.is_platform_staff('support')
              else private.holds_permission('privacy.manage', p_tenant_id) end
$$;

comment on function private.may_handle_gdpr_request(uuid) is
  'privacy.manage in the request''s tenant, or support staff for a platform request.';

-- Reminders: each open request due within seven days, once (the privacy.reminders job).
create or replace function private.remind_gdpr_requests()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  with due as (
    update public.gdpr_requests g set reminded_at = now()
    where g.state in ('received', 'verified', 'in_progress') and g.reminded_at is null
      and g.due_at < now() + interval '7 days'
    returning g.*)
  select count(*) into v_count from (
    select private.publish_event(d.tenant_id, 'gdpr_request.due_soon', 'gdpr_request', d.id::text, jsonb_build_object(
      'request_id', d.id, 'kind', d.kind, 'state', d.state, 'due_at', private.event_time(d.due_at),
      'summary', format('A %s request is due on %s.', d.kind, to_char(d.due_at at time zone 'UTC', 'YYYY-MM-DD'))))
    from due d where d.tenant_id is not null
    union all select null from due d where d.tenant_id is null) r;
  return v_count;
end
$$;

comment on function private.remind_gdpr_requests() is
  'Marks each open request due within seven days as reminded (once) and publishes gdpr_request.due_soon; returns '
  'how many. Run by the privacy.reminders system job.';
revoke all on function private.remind_gdpr_requests() from public;
grant execute on function private.remind_gdpr_requests() to service_role;

create or replace function private.publish_gdpr_request_event(p_request public.gdpr_requests, p_type text)
returns void
language sql
security definer
set search_path = ''
as $$
  select private.publish_event(p_request.tenant_id, p_type, 'gdpr_request', p_request.id::text, jsonb_build_object(
    'request_id', p_request.id, 'kind', p_request.kind, 'state', p_request.state,
    'due_at', private.event_time(p_request.due_at),
    'summary', format('A %s request is %s.', p_request.kind, replace(p_request.state, '_', ' '))))
  where p_request.tenant_id is not null
$$;

comment on function private.publish_gdpr_request_event(public.gdpr_requests, text) is
  'Publishes a gdpr_request.* event (tenant requests only: platform requests have no tenant log).';
revoke all on function private.publish_gdpr_request_event(public.gdpr_requests, text) from public;

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.gdpr_requests, public.consent_purposes, public.consents, public.consent_states
  from anon, authenticated, service_role;
grant select (id, tenant_id, subject_user_id, kind, state, details, refused_reason, requested_by, received_at,
              due_at, verified_at, started_at, closed_at, reminded_at, outcome)
  on public.gdpr_requests to authenticated, service_role;
grant select, delete on public.consent_purposes to authenticated, service_role;
grant insert (tenant_id, key, name, description, version, active) on public.consent_purposes to authenticated, service_role;
grant update (name, description, version, active) on public.consent_purposes to authenticated, service_role;
grant select on public.consents, public.consent_states to authenticated, service_role;
grant insert (tenant_id, purpose_id, subject_type, subject_id, granted, text_version, source)
  on public.consents to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

-- Requests: the handlers (privacy.manage; support staff for platform ones) and the person it is about.
create policy gdpr_requests_select_permitted on public.gdpr_requests
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('privacy.manage'))));
create policy gdpr_requests_select_subject on public.gdpr_requests
  for select to authenticated
  using (subject_user_id = (select auth.uid()));
create policy gdpr_requests_select_staff on public.gdpr_requests
  for select to authenticated
  using (tenant_id is null and (select private.is_platform_staff('support')));
create policy gdpr_requests_select_mfa on public.gdpr_requests
  as restrictive for select to authenticated
  using (tenant_id is null or tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- Purposes: every member reads them (to give consent); privacy.manage writes.
create policy consent_purposes_select_permitted on public.consent_purposes
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids())));
create policy consent_purposes_insert_permitted on public.consent_purposes
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('privacy.manage'))));
create policy consent_purposes_update_permitted on public.consent_purposes
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('privacy.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('privacy.manage'))));
create policy consent_purposes_delete_permitted on public.consent_purposes
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('privacy.manage'))));

-- The ledger: privacy.manage reads and records any subject's; a member their own, from the page.
create policy consents_select_permitted on public.consents
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('privacy.manage'))));
create policy consents_select_own on public.consents
  for select to authenticated
  using (subject_type = 'member' and subject_id = (select auth.uid())::text
         and private.tenant_in(tenant_id, (select private.permitted_tenant_ids())));
create policy consents_insert_permitted on public.consents
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('privacy.manage'))));
create policy consents_insert_own on public.consents
  for insert to authenticated
  with check (subject_type = 'member' and subject_id = (select auth.uid())::text and source = 'page'
              and private.tenant_in(tenant_id, (select private.permitted_tenant_ids())));

create policy consent_purposes_select_mfa on public.consent_purposes
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy consent_purposes_insert_mfa on public.consent_purposes
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy consent_purposes_update_mfa on public.consent_purposes
  as restrictive for update to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy consent_purposes_delete_mfa on public.consent_purposes
  as restrictive for delete to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy consents_select_mfa on public.consents
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy consents_insert_mfa on public.consents
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

-- A request: a member's own (p_subject_user_id null), or one a holder of privacy.manage raises for
-- a member of their tenant, or (p_tenant_id null) one support staff raise for the platform. The
-- person gets an email with the confirmation link (the token is returned to the person only).
create or replace function public.create_gdpr_request(
  p_tenant_id uuid, p_kind text, p_details text default '', p_subject_user_id uuid default null,
  out request_id uuid, out verification_token text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_subject uuid := coalesce(p_subject_user_id, auth.uid());
  v_request public.gdpr_requests;
begin
  if auth.uid() is null then
    raise exception 'a privacy request needs a signed-in person' using errcode = 'TN002';
  end if;
  if v_subject <> auth.uid() and not private.may_handle_gdpr_request(p_tenant_id) then
    raise exception 'raising a request for someone else needs privacy.manage' using errcode = 'TN002';
  end if;
  if p_tenant_id is not null and not exists (
      select 1 from public.memberships m where m.tenant_id = p_tenant_id and m.user_id = v_subject) then
    raise exception 'the person is not a member of this organisation' using errcode = 'TN486';
  end if;
  if p_tenant_id is null and v_subject <> auth.uid() and not private.is_platform_staff('support') then
    raise exception 'platform requests for someone else are raised by support staff' using errcode = 'TN002';
  end if;
  if p_kind is null or p_kind not in ('access', 'rectification', 'erasure', 'restriction', 'objection') then
    raise exception 'a request is for access, rectification, erasure, restriction or objection' using errcode = 'TN491';
  end if;
  if exists (select 1 from public.gdpr_requests g where g.subject_user_id = v_subject and g.kind = p_kind
             and g.tenant_id is not distinct from p_tenant_id and g.state in ('received', 'verified', 'in_progress')) then
    raise exception 'an open % request for this person already exists', p_kind using errcode = 'TN492';
  end if;
  verification_token := encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'hex');
  insert into public.gdpr_requests (tenant_id, subject_user_id, kind, details, verification_hash)
  values (p_tenant_id, v_subject, p_kind, coalesce(p_details, ''), sha256(convert_to(verification_token, 'UTF8')))
  returning * into v_request;
  -- The person confirms it from their own mailbox (and signed in as themself).
  insert into private.email_outbox (to_address, template, subject, body_text, payload)
  select p.email::text, 'privacy_confirm', 'Confirm your privacy request',
         format(E'A %s request about your account was received%s.\n\nIf you asked for it, confirm it by opening the '
                'link below while signed in. If you did not, ignore this message: nothing happens without it.',
                p_kind, coalesce(' by ' || (select t.name from public.tenants t where t.id = p_tenant_id), '')),
         jsonb_build_object('request_id', v_request.id, 'path', '/account/privacy/confirm/' || verification_token)
  from public.profiles p where p.id = v_subject;
  if v_subject <> auth.uid() then
    verification_token := null;
  end if;
  perform private.publish_gdpr_request_event(v_request, 'gdpr_request.created');
  request_id := v_request.id;
end
$$;

comment on function public.create_gdpr_request(uuid, text, text, uuid) is
  'Receives a privacy request: one''s own, or (privacy.manage) a member''s, or (support staff, tenant null) a '
  'platform one. TN486 not a member, TN491 unknown kind, TN492 one of that kind is open. Emails the person the '
  'confirmation link; returns the id (and the token, to the person only).';
grant execute on function public.create_gdpr_request(uuid, text, text, uuid) to authenticated;

-- The person confirms their identity by the emailed token: received → verified.
create or replace function public.verify_gdpr_request(p_token text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_request public.gdpr_requests;
begin
  update public.gdpr_requests g set state = 'verified', verified_at = now(), verification_hash = null
  where g.verification_hash = sha256(convert_to(coalesce(p_token, ''), 'UTF8'))
    and g.subject_user_id = auth.uid() and g.state = 'received'
  returning * into v_request;
  if v_request.id is null then
    raise exception 'this confirmation link is not valid (used already, or for another account)' using errcode = 'TN484';
  end if;
  perform private.publish_gdpr_request_event(v_request, 'gdpr_request.state_changed');
  return v_request.id;
end
$$;

comment on function public.verify_gdpr_request(text) is
  'The person the request is about confirms it with the emailed token (TN484 otherwise): received → verified.';
grant execute on function public.verify_gdpr_request(text) to authenticated;

-- A handler moves a request on: verified → in_progress (an erasure queues the privacy.erase job),
-- in_progress → completed, any open state → refused with a reason.
create or replace function public.advance_gdpr_request(p_request_id uuid, p_state text, p_reason text default null)
returns void
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
  if p_state = 'refused' then
    if nullif(btrim(coalesce(p_reason, '')), '') is null then
      raise exception 'a refusal says why' using errcode = 'TN483';
    end if;
    if v_request.state not in ('received', 'verified', 'in_progress') then
      raise exception 'a % request cannot be refused', v_request.state using errcode = 'TN482';
    end if;
  elsif not ((v_request.state = 'verified' and p_state = 'in_progress')
             or (v_request.state = 'in_progress' and p_state = 'completed' and v_request.kind <> 'erasure')) then
    raise exception 'a % request cannot become %', v_request.state, coalesce(p_state, 'nothing') using errcode = 'TN482';
  end if;
  if p_state = 'in_progress' and v_request.kind = 'erasure' and cardinality(private.sole_owned_tenants(v_request.subject_user_id)) > 0 then
    raise exception 'the person is the last owner of %: ownership must move first',
      array_to_string(private.sole_owned_tenants(v_request.subject_user_id), ', ') using errcode = 'TN485';
  end if;
  update public.gdpr_requests g set state = p_state,
    refused_reason = case when p_state = 'refused' then btrim(p_reason) end,
    started_at = case when p_state = 'in_progress' then now() else g.started_at end,
    closed_at = case when p_state in ('completed', 'refused') then now() end
  where g.id = p_request_id
  returning * into v_request;
  if p_state = 'in_progress' and v_request.kind = 'erasure' then
    perform private.enqueue_job('privacy.erase', jsonb_build_object('request_id', v_request.id), v_request.tenant_id,
                                now(), 'privacy.erase:' || v_request.id);
  end if;
  perform private.publish_gdpr_request_event(v_request, 'gdpr_request.state_changed');
end
$$;

comment on function public.advance_gdpr_request(uuid, text, text) is
  'Moves a privacy request on (privacy.manage; support staff for platform requests; TN481 otherwise): verified → '
  'in_progress, in_progress → completed (an erasure completes by its job), open → refused with a reason (TN483). '
  'TN482 for any other step; TN485 starting the erasure of a tenant''s last owner.';
grant execute on function public.advance_gdpr_request(uuid, text, text) to authenticated;

-- The privacy.erase job: erases the request's person and completes the request.
create or replace function private.run_gdpr_erasure(p_request_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_request public.gdpr_requests;
  v_outcome jsonb;
begin
  select * into v_request from public.gdpr_requests g where g.id = p_request_id for update;
  if v_request.id is null or v_request.kind <> 'erasure' or v_request.state <> 'in_progress' then
    raise exception 'no erasure in progress has this id' using errcode = 'TN481';
  end if;
  v_outcome := private.erase_subject(v_request.subject_user_id);
  update public.gdpr_requests g set state = 'completed', closed_at = now(), outcome = v_outcome
  where g.id = p_request_id returning * into v_request;
  perform private.publish_gdpr_request_event(v_request, 'gdpr_request.state_changed');
  return v_outcome;
end
$$;

comment on function private.run_gdpr_erasure(uuid) is
  'The privacy.erase job''s work: erase_subject for an erasure request in progress, then completed with its counts.';
revoke all on function private.run_gdpr_erasure(uuid) from public;
grant execute on function private.run_gdpr_erasure(uuid) to service_role;
