-- The support desk (issue 16 §2): an organisation's tickets to the platform's support staff, the
-- thread of each (replies both sides read, internal notes only staff read), staff's saved
-- replies (macros), SLA clocks by priority, ticket numbers per tenant and full-text search.
--
-- Owns: types support_priority, support_status, support_message_kind; tables support_tickets,
-- support_messages, support_macros, private.support_ticket_counters; the system setting
-- support.sla; event types ticket.created, ticket.replied, ticket.assigned, ticket.status_changed
-- and their notification kinds; private.support_ticket, private.support_sla_due,
-- private.check_support_text, private.publish_ticket_event, private.set_support_status; the
-- attachment owner types support_ticket and support_message (bucket support-attachments) with
-- private.may_read_/may_write_support_ticket and _support_message; the RPCs create_support_ticket, reply_support_ticket,
-- set_support_ticket_status (the tenant's side), staff_reply_support_ticket,
-- staff_update_support_ticket, assign_support_ticket, merge_support_ticket (the console's),
-- support_staff(). TN400–TN412 (TN413–TN419 kept for this module).
--
-- Who (docs/support.md): holders of tickets.read in the tenant read its tickets and their
-- replies; holders of tickets.manage open, reply to, close and reopen them (people and API keys
-- alike). Platform staff with the support role (or super_admin) read every ticket and message,
-- internal notes included, and do the console's work. An internal note is a support_messages row
-- of kind internal_note: the tenant's read policy admits kind = 'reply' only, so no tenant role,
-- owner or API key reads one, in a select, a search or an API answer. Every write is an RPC below;
-- the tables grant no insert or update to any API role, so a tenant cannot set an assignee, an SLA
-- time, a breach flag or a merge.
--
-- Ticket numbers: a per-tenant counter row in private.support_ticket_counters, incremented by an
-- upsert in the creating transaction (the row lock serialises concurrent creations in one tenant;
-- a rolled-back creation rolls the counter back): 1, 2, 3 … without gaps or duplicates.
--
-- SLA: system setting support.sla gives, per priority, the minutes to the first response and to
-- the resolution. A ticket's due times are set at creation (and again when staff change its
-- priority); the first staff reply stops the first clock, resolution (or closing) the second, and
-- a clock stopped after its due time sets its breach flag. A clock still running past its due time
-- is breached now: the queries compare with now() (docs/support.md).

-- ---------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------

create type public.support_priority as enum ('low', 'medium', 'high', 'urgent');
-- pending: waiting on the customer.
create type public.support_status as enum ('open', 'in_progress', 'pending', 'resolved', 'closed');
create type public.support_message_kind as enum ('reply', 'internal_note');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.support_tickets (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  number integer not null check (number > 0),
  subject text not null check (char_length(btrim(subject)) between 1 and 200),
  description text not null check (char_length(btrim(description)) between 1 and 20000),
  priority public.support_priority not null default 'medium',
  category text not null default 'general'
    check (category in ('general', 'technical', 'billing', 'account', 'feature_request')),
  status public.support_status not null default 'open',
  project_id uuid,
  requester_id uuid default auth.uid() references auth.users (id) on delete set null,
  -- Platform staff (support or super_admin), set by assign_support_ticket only.
  assignee_id uuid references auth.users (id) on delete set null,
  first_response_due_at timestamptz not null,
  resolution_due_at timestamptz not null,
  first_responded_at timestamptz,
  resolved_at timestamptz,
  closed_at timestamptz,
  first_response_breached boolean not null default false,
  resolution_breached boolean not null default false,
  merged_into_id uuid,
  -- Subject (weight A) and description (B); the thread's replies are searched in support_messages.
  search tsvector generated always as (
    setweight(to_tsvector('english', subject), 'A') || setweight(to_tsvector('english', description), 'B')) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, number),
  foreign key (tenant_id, project_id) references public.projects (tenant_id, id) on delete set null (project_id),
  foreign key (tenant_id, merged_into_id) references public.support_tickets (tenant_id, id)
    on delete set null (merged_into_id),
  check (merged_into_id is null or merged_into_id <> id)
);
alter table public.support_tickets enable row level security;
comment on table public.support_tickets is
  'An organisation''s support ticket: its number in the tenant (1, 2, 3 … without gaps), subject, description, '
  'priority, category, status, optional project, requester, the staff member assigned, the SLA clocks (due, stopped, '
  'breached) and the ticket it was merged into.';
create index support_tickets_tenant_updated_idx on public.support_tickets (tenant_id, updated_at desc);
create index support_tickets_queue_idx on public.support_tickets (status, priority, updated_at desc);
create index support_tickets_assignee_idx on public.support_tickets (assignee_id) where assignee_id is not null;
create index support_tickets_project_idx on public.support_tickets (tenant_id, project_id) where project_id is not null;
create index support_tickets_search_idx on public.support_tickets using gin (search);

create table public.support_messages (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  ticket_id uuid not null,
  author_id uuid default auth.uid() references auth.users (id) on delete set null,
  -- customer: someone of the tenant (or its API key); staff: platform support.
  author_side text not null check (author_side in ('customer', 'staff')),
  kind public.support_message_kind not null default 'reply',
  body text not null check (char_length(btrim(body)) between 1 and 20000),
  search tsvector generated always as (to_tsvector('english', body)) stored,
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, ticket_id) references public.support_tickets (tenant_id, id) on delete cascade,
  check (kind = 'reply' or author_side = 'staff')
);
alter table public.support_messages enable row level security;
comment on table public.support_messages is
  'A ticket''s thread: replies (read by the tenant and staff) and internal notes (kind internal_note: staff only, '
  'never readable by any tenant role).';
create index support_messages_ticket_created_idx on public.support_messages (tenant_id, ticket_id, created_at);
create index support_messages_search_idx on public.support_messages using gin (search);

create table public.support_macros (
  id uuid primary key default gen_random_uuid(),
  title text not null check (char_length(btrim(title)) between 1 and 100),
  body text not null check (char_length(btrim(body)) between 1 and 20000),
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.support_macros enable row level security;
comment on table public.support_macros is
  'Support staff''s saved replies: a title and the text the console inserts into a reply. Platform-wide, staff only.';
create unique index support_macros_title_key on public.support_macros (lower(btrim(title)));

create table private.support_ticket_counters (
  tenant_id uuid primary key references public.tenants (id) on delete cascade,
  last_number integer not null check (last_number > 0)
);
alter table private.support_ticket_counters enable row level security;
comment on table private.support_ticket_counters is
  'The last ticket number given in each tenant; create_support_ticket increments it by an upsert (row-locked) in '
  'the creating transaction, so numbers have no gaps or duplicates under concurrency.';

-- ---------------------------------------------------------------------------------------------
-- Catalogue rows: settings, event types, notification kinds
-- ---------------------------------------------------------------------------------------------

insert into public.system_settings (key, value, category, description) values
  ('support.sla', '{
     "urgent": {"first_response_minutes": 60, "resolution_minutes": 480},
     "high": {"first_response_minutes": 240, "resolution_minutes": 1440},
     "medium": {"first_response_minutes": 480, "resolution_minutes": 4320},
     "low": {"first_response_minutes": 1440, "resolution_minutes": 10080}}',
   'support', 'Support SLA per priority: minutes to the first staff reply and to the resolution.')
on conflict (key) do nothing;

insert into public.event_types (type, module, description) values
  ('ticket.created', 'support', 'A support ticket was opened.'),
  ('ticket.replied', 'support', 'Someone replied on a support ticket (internal notes publish nothing).'),
  ('ticket.assigned', 'support', 'A support ticket was assigned to a staff member (or unassigned).'),
  ('ticket.status_changed', 'support', 'A support ticket''s status changed (opened again, pending, resolved, closed, merged).');

-- The kinds' category: 'support' joins notification_kinds' list (extended, not replaced, so another
-- module's addition to the list survives in either order).
do $$
declare
  v_def text;
begin
  select pg_get_constraintdef(c.oid) into v_def from pg_constraint c
   where c.conrelid = 'public.notification_kinds'::regclass and c.conname = 'notification_kinds_category_check';
  if v_def is null or v_def not like '%ARRAY[%' then
    raise exception 'notification_kinds_category_check is not the list this migration extends: %', v_def;
  end if;
  if v_def not like '%''support''%' then
    alter table public.notification_kinds drop constraint notification_kinds_category_check;
    execute 'alter table public.notification_kinds add constraint notification_kinds_category_check '
            || replace(v_def, 'ARRAY[', 'ARRAY[''support''::text, ');
  end if;
end
$$;

-- payload.user_id is the other side: the requester when staff act, the assignee when the customer replies.
insert into public.notification_kinds
  (kind, category, label, recipients, recipient_permissions, notify_subject, link_path, locked, digestible, default_in_app, default_email) values
  ('ticket.created', 'support', 'Support ticket opened', 'People who manage support tickets', '{tickets.manage}', false, '/t/{slug}/support', false, true, true, false),
  ('ticket.replied', 'support', 'New reply on a support ticket', 'The requester (staff replies) or the assignee (customer replies)', '{}', true, '/t/{slug}/support', false, false, true, true),
  ('ticket.assigned', 'support', 'Support ticket assigned', 'The staff member assigned', '{}', true, '/t/{slug}/support', false, false, true, true),
  ('ticket.status_changed', 'support', 'Support ticket status changed', 'The requester', '{}', true, '/t/{slug}/support', false, false, true, true);

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger support_tickets_updated_at before update on public.support_tickets
  for each row execute function private.set_updated_at();
create trigger support_tickets_immutable_columns before update on public.support_tickets
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'number', 'requester_id', 'created_at');
create trigger support_messages_immutable_columns before update on public.support_messages
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'ticket_id', 'author_id', 'author_side', 'kind', 'body', 'created_at');
create trigger support_macros_updated_at before update on public.support_macros
  for each row execute function private.set_updated_at();
create trigger support_macros_immutable_columns before update on public.support_macros
  for each row execute function private.forbid_column_changes('id', 'created_by', 'created_at');

-- A macro's title is free (TN411) and its text in bounds (TN412), in words; the checks are the backstop.
create or replace function private.check_support_macro()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if char_length(btrim(coalesce(new.title, ''))) not between 1 and 100 or char_length(btrim(coalesce(new.body, ''))) not between 1 and 20000 then
    raise exception 'a macro has a title of 1 to 100 characters and a text of 1 to 20000' using errcode = 'TN412';
  end if;
  if exists (select 1 from public.support_macros m where lower(btrim(m.title)) = lower(btrim(new.title)) and m.id <> new.id) then
    raise exception 'another macro has this title' using errcode = 'TN411';
  end if;
  return new;
end
$$;
comment on function private.check_support_macro() is
  'Trigger: a macro''s title is free (TN411) and its title and text in bounds (TN412). Security definer: sees every macro.';
create trigger support_macros_check before insert or update of title, body on public.support_macros
  for each row execute function private.check_support_macro();

-- Tickets are audited row by row in the tenant's log (the search vector is derived, never
-- recorded). Messages are audited in the platform's log (no tenant: staff read it) and without
-- their text: the tenant's audit readers must never learn of an internal note, and the thread is
-- itself the record of what was said (no API role updates or deletes a message). Macros are
-- platform rows.
select private.enable_audit('public.support_tickets', 'tenant_id', '{id}', '{search,updated_at}');
select private.enable_audit('public.support_messages', null, '{id}', '{search,body}');
select private.enable_audit('public.support_macros', null, '{id}', '{updated_at}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.support_tickets, public.support_messages, public.support_macros from anon, authenticated, service_role;
revoke all on private.support_ticket_counters from public, anon, authenticated, service_role;
grant select (id, tenant_id, number, subject, description, priority, category, status, project_id, requester_id,
              assignee_id, first_response_due_at, resolution_due_at, first_responded_at, resolved_at, closed_at,
              first_response_breached, resolution_breached, merged_into_id, search, created_at, updated_at)
  on public.support_tickets to authenticated, service_role;
grant select (id, tenant_id, ticket_id, author_id, author_side, kind, body, search, created_at)
  on public.support_messages to authenticated, service_role;
grant select, delete on public.support_macros to authenticated;
grant insert (title, body), update (title, body) on public.support_macros to authenticated;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy support_tickets_select_permitted on public.support_tickets
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tickets.read'))));
create policy support_tickets_select_mfa on public.support_tickets
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy support_tickets_select_staff on public.support_tickets
  for select to authenticated
  using ((select private.is_platform_staff('support')));

-- The tenant reads replies only: an internal note is never a tenant's row.
create policy support_messages_select_permitted on public.support_messages
  for select to authenticated
  using (kind = 'reply' and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tickets.read'))));
create policy support_messages_select_mfa on public.support_messages
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy support_messages_select_staff on public.support_messages
  for select to authenticated
  using ((select private.is_platform_staff('support')));

create policy support_macros_select_staff on public.support_macros
  for select to authenticated using ((select private.is_platform_staff('support')));
create policy support_macros_insert_staff on public.support_macros
  for insert to authenticated with check ((select private.is_platform_staff('support')));
create policy support_macros_update_staff on public.support_macros
  for update to authenticated
  using ((select private.is_platform_staff('support'))) with check ((select private.is_platform_staff('support')));
create policy support_macros_delete_staff on public.support_macros
  for delete to authenticated using ((select private.is_platform_staff('support')));

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- When a priority's clocks fall due for a ticket opened at p_from (support.sla).
create or replace function private.support_sla_due(
  p_priority public.support_priority, p_from timestamptz, out first_response_due_at timestamptz,
  out resolution_due_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select p_from + make_interval(mins => coalesce((s -> 'first_response_minutes')::integer, 480)),
         p_from + make_interval(mins => coalesce((s -> 'resolution_minutes')::integer, 4320))
  from (select private.setting('support.sla') -> p_priority::text as s) sla
$$;
comment on function private.support_sla_due(public.support_priority, timestamptz) is
  'The first-response and resolution due times of a priority from p_from, by system setting support.sla. Security '
  'definer: reads the setting.';

-- A ticket the caller may act on, locked: as staff (support or super_admin) when p_staff, else as
-- a holder of p_code in its tenant. TN400 otherwise, the same whether or not it exists; MFA and
-- API-key refusals (TN004, TN200–TN203) pass through.
create or replace function private.support_ticket(p_ticket_id uuid, p_staff boolean, p_code text default 'tickets.manage')
returns public.support_tickets
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_ticket public.support_tickets;
begin
  if p_staff and not private.is_platform_staff('support') then
    raise exception 'support staff only' using errcode = 'TN061';
  end if;
  select * into v_ticket from public.support_tickets t where t.id = p_ticket_id for update;
  if not found then
    raise exception 'no such support ticket' using errcode = 'TN400';
  end if;
  if not p_staff then
    begin
      perform private.authorize(p_code, v_ticket.tenant_id);
    exception when sqlstate 'TN002' or sqlstate 'TN001' then
      raise exception 'no such support ticket' using errcode = 'TN400';
    end;
  end if;
  return v_ticket;
end
$$;
comment on function private.support_ticket(uuid, boolean, text) is
  'Locks a ticket the caller may act on (staff, or a holder of p_code in its tenant); TN400 otherwise, TN061 for a '
  'staff action by someone not support staff. Security definer: finds the row first.';

-- A message's text in bounds (TN406), trimmed.
create or replace function private.check_support_text(p_body text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  if char_length(btrim(coalesce(p_body, ''))) not between 1 and 20000 then
    raise exception 'a message is 1 to 20000 characters' using errcode = 'TN406';
  end if;
  return btrim(p_body);
end
$$;
comment on function private.check_support_text(text) is 'A message''s text, trimmed; TN406 when empty or over 20000 characters.';

-- Publishes one of the ticket events with the payload every one carries.
create or replace function private.publish_ticket_event(
  p_ticket public.support_tickets, p_type text, p_user_id uuid, p_summary text, p_extra jsonb default '{}')
returns uuid
language sql
volatile
security definer
set search_path = ''
as $$
  select private.publish_event(p_ticket.tenant_id, p_type, 'support_ticket', p_ticket.id::text,
    jsonb_build_object('ticket_id', p_ticket.id, 'number', p_ticket.number, 'subject', p_ticket.subject,
                       'status', p_ticket.status, 'priority', p_ticket.priority, 'user_id', p_user_id,
                       'summary', left(p_summary, 500)) || coalesce(p_extra, '{}'))
$$;
comment on function private.publish_ticket_event(public.support_tickets, text, uuid, text, jsonb) is
  'Publishes a ticket.* event: ticket_id, number, subject, status, priority, user_id (the person told), summary. Never '
  'an internal note''s text.';

-- Moves a ticket to a status, stopping or restarting its clocks, and publishes ticket.status_changed.
create or replace function private.set_support_status(p_ticket public.support_tickets, p_status public.support_status)
returns public.support_tickets
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_ticket public.support_tickets;
begin
  if p_ticket.status = p_status then
    return p_ticket;
  end if;
  update public.support_tickets t
  set status = p_status,
      resolved_at = case when p_status in ('resolved', 'closed') then coalesce(t.resolved_at, now())
                         else null end,
      resolution_breached = case when p_status in ('resolved', 'closed') and t.resolved_at is null
                                 then now() > t.resolution_due_at else t.resolution_breached end,
      closed_at = case when p_status = 'closed' then now() else null end
  where t.id = p_ticket.id
  returning * into v_ticket;
  perform private.publish_ticket_event(v_ticket, 'ticket.status_changed', v_ticket.requester_id,
    format('#%s %s is now %s.', v_ticket.number, v_ticket.subject, replace(p_status::text, '_', ' ')),
    jsonb_build_object('from', p_ticket.status, 'to', p_status));
  return v_ticket;
end
$$;
comment on function private.set_support_status(public.support_tickets, public.support_status) is
  'Sets a ticket''s status: resolved or closed stops the resolution clock (its breach flag set when late), any other '
  'status restarts it. Publishes ticket.status_changed (to the requester). For the RPCs.';

-- Attachments (20261203000400_storage.sql): a ticket's files (the opening's) and a message's. The
-- storage dispatcher asks these by name; who reads the owner reads its files, so a note's files are
-- staff's only. Adding files: to a ticket, who manages tickets in its tenant (or staff), while it is
-- not closed; to a message, its side — a customer reply by who manages tickets, staff messages
-- (notes included) by staff — while its ticket is not closed (staff: also then).
insert into public.attachment_owners (owner_type, bucket, module, description) values
  ('support_ticket', 'support-attachments', 'support', 'The files of a support ticket''s opening message.'),
  ('support_message', 'support-attachments', 'support', 'The files of a reply or internal note on a support ticket.')
on conflict (owner_type) do nothing;

create or replace function private.may_read_support_ticket(p_tenant_id uuid, p_owner_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select private.is_platform_staff('support')
      or (private.holds_permission('tickets.read', p_tenant_id)
          and exists (select 1 from public.support_tickets t where t.tenant_id = p_tenant_id and t.id = p_owner_id))
$$;
comment on function private.may_read_support_ticket(uuid, uuid) is
  'May the caller read this ticket''s files (support staff, or tickets.read in its tenant)? For the storage dispatcher.';

create or replace function private.may_write_support_ticket(p_tenant_id uuid, p_owner_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.support_tickets t
                  where t.tenant_id = p_tenant_id and t.id = p_owner_id
                    and (private.is_platform_staff('support')
                         or (t.status <> 'closed' and private.holds_permission('tickets.manage', p_tenant_id))))
$$;
comment on function private.may_write_support_ticket(uuid, uuid) is
  'May the caller add files to this ticket or delete them (tickets.manage while it is not closed; support staff)?';

create or replace function private.may_read_support_message(p_tenant_id uuid, p_owner_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select private.is_platform_staff('support')
      or (private.holds_permission('tickets.read', p_tenant_id)
          and exists (select 1 from public.support_messages m
                       where m.tenant_id = p_tenant_id and m.id = p_owner_id and m.kind = 'reply'))
$$;
comment on function private.may_read_support_message(uuid, uuid) is
  'May the caller read this message''s files (support staff; tickets.read in its tenant for a reply, never for an '
  'internal note)? For the storage dispatcher.';

create or replace function private.may_write_support_message(p_tenant_id uuid, p_owner_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.support_messages m
                   join public.support_tickets t on t.tenant_id = m.tenant_id and t.id = m.ticket_id
                  where m.tenant_id = p_tenant_id and m.id = p_owner_id
                    and case m.author_side
                          when 'staff' then private.is_platform_staff('support')
                          else m.kind = 'reply' and t.status <> 'closed'
                               and private.holds_permission('tickets.manage', p_tenant_id)
                        end)
$$;
comment on function private.may_write_support_message(uuid, uuid) is
  'May the caller add files to this message or delete them (a customer reply: tickets.manage while the ticket is not '
  'closed; a staff message or note: support staff)?';

-- A ticket's and a message's files go with them (the tenant's deletion cascades here).
create or replace function private.support_files_go()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.delete_owner_attachments(tg_argv[0], old.tenant_id, old.id);
  return null;
end
$$;
comment on function private.support_files_go() is
  'Trigger: deletes the attachments of a deleted ticket or message (owner type in the argument).';
create trigger support_tickets_files_go after delete on public.support_tickets
  for each row execute function private.support_files_go('support_ticket');
create trigger support_messages_files_go after delete on public.support_messages
  for each row execute function private.support_files_go('support_message');

-- ---------------------------------------------------------------------------------------------
-- API functions: the tenant's side
-- ---------------------------------------------------------------------------------------------

create or replace function public.create_support_ticket(
  p_tenant_id uuid, p_subject text, p_description text, p_priority text default 'medium',
  p_category text default 'general', p_project_id uuid default null)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.authorize('tickets.manage', p_tenant_id);
  v_number integer;
  v_priority public.support_priority;
  v_due record;
  v_ticket public.support_tickets;
begin
  if char_length(btrim(coalesce(p_subject, ''))) not between 1 and 200 then
    raise exception 'a subject is 1 to 200 characters' using errcode = 'TN401';
  end if;
  if char_length(btrim(coalesce(p_description, ''))) not between 1 and 20000 then
    raise exception 'a description is 1 to 20000 characters' using errcode = 'TN402';
  end if;
  if coalesce(p_priority, '') not in ('low', 'medium', 'high', 'urgent') then
    raise exception 'the priority is low, medium, high or urgent' using errcode = 'TN403';
  end if;
  if coalesce(p_category, '') not in ('general', 'technical', 'billing', 'account', 'feature_request') then
    raise exception 'unknown category %', p_category using errcode = 'TN404';
  end if;
  if p_project_id is not null
     and not exists (select 1 from public.projects p where p.tenant_id = p_tenant_id and p.id = p_project_id) then
    raise exception 'no such project in this organisation' using errcode = 'TN405';
  end if;
  v_priority := p_priority::public.support_priority;
  insert into private.support_ticket_counters as c (tenant_id, last_number) values (p_tenant_id, 1)
  on conflict (tenant_id) do update set last_number = c.last_number + 1
  returning c.last_number into v_number;
  select * into v_due from private.support_sla_due(v_priority, now());
  insert into public.support_tickets (tenant_id, number, subject, description, priority, category, project_id,
                                      requester_id, first_response_due_at, resolution_due_at)
  values (p_tenant_id, v_number, btrim(p_subject), btrim(p_description), v_priority, p_category, p_project_id,
          v_user, v_due.first_response_due_at, v_due.resolution_due_at)
  returning * into v_ticket;
  perform private.publish_ticket_event(v_ticket, 'ticket.created', v_user,
    format('#%s %s (%s)', v_ticket.number, v_ticket.subject, v_ticket.priority),
    jsonb_build_object('category', v_ticket.category, 'project_id', v_ticket.project_id));
  return v_ticket.id;
end
$$;
comment on function public.create_support_ticket(uuid, text, text, text, text, uuid) is
  'Opens a ticket with the tenant''s next number (no gaps or duplicates: a row-locked counter) and its SLA due times. '
  'Needs tickets.manage (TN002); TN401–TN405 for bad input. Publishes ticket.created. Returns its id. Security '
  'definer: writes the tables the API only reads.';

create or replace function public.reply_support_ticket(p_ticket_id uuid, p_body text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_ticket public.support_tickets := private.support_ticket(p_ticket_id, false);
  v_body text := private.check_support_text(p_body);
  v_id uuid;
begin
  if v_ticket.status = 'closed' or v_ticket.merged_into_id is not null then
    raise exception 'this ticket is closed: reopen it to reply' using errcode = 'TN407';
  end if;
  insert into public.support_messages (tenant_id, ticket_id, author_id, author_side, kind, body)
  values (v_ticket.tenant_id, v_ticket.id, auth.uid(), 'customer', 'reply', v_body)
  returning id into v_id;
  perform private.publish_ticket_event(v_ticket, 'ticket.replied', v_ticket.assignee_id,
    format('#%s %s: %s', v_ticket.number, v_ticket.subject, left(v_body, 200)),
    jsonb_build_object('message_id', v_id, 'author_side', 'customer'));
  -- The customer answered: a ticket waiting on them, or resolved, is open again.
  if v_ticket.status in ('pending', 'resolved') then
    perform private.set_support_status(v_ticket, 'open');
  else
    update public.support_tickets t set updated_at = now() where t.id = v_ticket.id;
  end if;
  return v_id;
end
$$;
comment on function public.reply_support_ticket(uuid, text) is
  'The customer''s reply (tickets.manage in the ticket''s tenant; TN400 otherwise). A pending or resolved ticket opens '
  'again; TN407 on a closed or merged one, TN406 for an empty or long text. Publishes ticket.replied (to the assignee). '
  'Returns the message id.';

create or replace function public.set_support_ticket_status(p_ticket_id uuid, p_status text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_ticket public.support_tickets := private.support_ticket(p_ticket_id, false);
begin
  if p_status = 'closed' and v_ticket.status <> 'closed' then
    perform private.set_support_status(v_ticket, 'closed');
  elsif p_status = 'open' and v_ticket.status in ('resolved', 'closed') and v_ticket.merged_into_id is null then
    perform private.set_support_status(v_ticket, 'open');
  else
    raise exception 'an organisation closes its ticket, or reopens it once resolved or closed' using errcode = 'TN408';
  end if;
end
$$;
comment on function public.set_support_ticket_status(uuid, text) is
  'The tenant''s two status changes: close (closed) and reopen (open, from resolved or closed, not merged); TN408 for '
  'anything else. Needs tickets.manage (TN400 otherwise).';

-- ---------------------------------------------------------------------------------------------
-- API functions: the console's side (support staff)
-- ---------------------------------------------------------------------------------------------

-- A staff reply or an internal note; p_status optionally moves the ticket in the same step.
create or replace function public.staff_reply_support_ticket(
  p_ticket_id uuid, p_body text, p_internal boolean default false, p_status text default null)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_ticket public.support_tickets := private.support_ticket(p_ticket_id, true);
  v_body text := private.check_support_text(p_body);
  v_id uuid;
begin
  if p_status is not null and p_status not in ('open', 'in_progress', 'pending', 'resolved', 'closed') then
    raise exception 'unknown status %', p_status using errcode = 'TN408';
  end if;
  if v_ticket.merged_into_id is not null and not coalesce(p_internal, false) then
    raise exception 'this ticket was merged: reply on the ticket it was merged into' using errcode = 'TN407';
  end if;
  insert into public.support_messages (tenant_id, ticket_id, author_id, author_side, kind, body)
  values (v_ticket.tenant_id, v_ticket.id, auth.uid(), 'staff',
          case when coalesce(p_internal, false) then 'internal_note' else 'reply' end::public.support_message_kind, v_body)
  returning id into v_id;
  if not coalesce(p_internal, false) then
    update public.support_tickets t
    set first_responded_at = coalesce(t.first_responded_at, now()),
        first_response_breached = case when t.first_responded_at is null then now() > t.first_response_due_at
                                       else t.first_response_breached end
    where t.id = v_ticket.id
    returning * into v_ticket;
    perform private.publish_ticket_event(v_ticket, 'ticket.replied', v_ticket.requester_id,
      format('#%s %s: %s', v_ticket.number, v_ticket.subject, left(v_body, 200)),
      jsonb_build_object('message_id', v_id, 'author_side', 'staff'));
  else
    update public.support_tickets t set updated_at = now() where t.id = v_ticket.id returning * into v_ticket;
  end if;
  if p_status is not null then
    perform private.set_support_status(v_ticket, p_status::public.support_status);
  end if;
  return v_id;
end
$$;
comment on function public.staff_reply_support_ticket(uuid, text, boolean, text) is
  'Support staff''s reply (stops the first-response clock; ticket.replied to the requester) or internal note '
  '(p_internal: staff-only, publishes nothing), optionally with a new status. TN061 unless support staff; TN406, TN407, '
  'TN408. Returns the message id.';

create or replace function public.staff_update_support_ticket(p_ticket_id uuid, p_status text default null,
  p_priority text default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_ticket public.support_tickets := private.support_ticket(p_ticket_id, true);
  v_due record;
begin
  if p_status is not null and p_status not in ('open', 'in_progress', 'pending', 'resolved', 'closed') then
    raise exception 'unknown status %', p_status using errcode = 'TN408';
  end if;
  if p_priority is not null and p_priority not in ('low', 'medium', 'high', 'urgent') then
    raise exception 'the priority is low, medium, high or urgent' using errcode = 'TN403';
  end if;
  if p_priority is not null and p_priority::public.support_priority <> v_ticket.priority then
    select * into v_due from private.support_sla_due(p_priority::public.support_priority, v_ticket.created_at);
    update public.support_tickets t
    set priority = p_priority::public.support_priority, first_response_due_at = v_due.first_response_due_at,
        resolution_due_at = v_due.resolution_due_at
    where t.id = v_ticket.id
    returning * into v_ticket;
  end if;
  if p_status is not null then
    perform private.set_support_status(v_ticket, p_status::public.support_status);
  end if;
end
$$;
comment on function public.staff_update_support_ticket(uuid, text, text) is
  'Support staff set a ticket''s status and/or priority (its SLA due times recomputed from its creation). TN061 unless '
  'support staff; TN403, TN408.';

create or replace function public.assign_support_ticket(p_ticket_id uuid, p_assignee_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_ticket public.support_tickets := private.support_ticket(p_ticket_id, true);
begin
  if p_assignee_id is not null and not exists (
       select 1 from public.platform_staff s where s.user_id = p_assignee_id and s.role in ('support', 'super_admin')) then
    raise exception 'tickets are assigned to support staff' using errcode = 'TN409';
  end if;
  if v_ticket.assignee_id is not distinct from p_assignee_id then
    return;
  end if;
  update public.support_tickets t set assignee_id = p_assignee_id where t.id = v_ticket.id returning * into v_ticket;
  perform private.publish_ticket_event(v_ticket, 'ticket.assigned', p_assignee_id,
    format('#%s %s was %s.', v_ticket.number, v_ticket.subject,
           case when p_assignee_id is null then 'unassigned' else 'assigned' end),
    jsonb_build_object('assignee_id', p_assignee_id));
end
$$;
comment on function public.assign_support_ticket(uuid, uuid) is
  'Assigns a ticket to a support staff member (null: nobody). TN061 unless support staff, TN409 for an assignee who is '
  'not. Publishes ticket.assigned (to the assignee).';

create or replace function public.merge_support_ticket(p_ticket_id uuid, p_into_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_ticket public.support_tickets := private.support_ticket(p_ticket_id, true);
  v_into public.support_tickets;
begin
  select * into v_into from public.support_tickets t where t.id = p_into_id for update;
  if not found or v_into.tenant_id <> v_ticket.tenant_id or v_into.id = v_ticket.id then
    raise exception 'a ticket merges into another ticket of the same organisation' using errcode = 'TN410';
  end if;
  if v_ticket.merged_into_id is not null or v_into.merged_into_id is not null then
    raise exception 'a merged ticket cannot be merged again, nor receive a merge' using errcode = 'TN410';
  end if;
  update public.support_tickets t set merged_into_id = v_into.id where t.id = v_ticket.id returning * into v_ticket;
  insert into public.support_messages (tenant_id, ticket_id, author_id, author_side, kind, body)
  values (v_ticket.tenant_id, v_ticket.id, auth.uid(), 'staff', 'reply',
          format('This ticket was merged into #%s (%s): the conversation goes on there.', v_into.number, v_into.subject)),
         (v_into.tenant_id, v_into.id, auth.uid(), 'staff', 'reply',
          format('Ticket #%s (%s) was merged into this one.', v_ticket.number, v_ticket.subject));
  perform private.set_support_status(v_ticket, 'closed');
  if v_into.status in ('resolved', 'closed') then
    perform private.set_support_status(v_into, 'open');
  end if;
end
$$;
comment on function public.merge_support_ticket(uuid, uuid) is
  'Merges a duplicate into another ticket of the same tenant: the duplicate is closed pointing at it, both threads say '
  'so, the target opens again if it was resolved or closed. TN061 unless support staff, TN410 otherwise.';

-- The people a ticket can be assigned to, for the console's picker.
create or replace function public.support_staff()
returns table (id uuid, name text, email text)
language sql
stable
security definer
set search_path = ''
as $$
  select s.user_id, coalesce(nullif(p.full_name, ''), p.email::text), p.email::text
  from public.platform_staff s
  join public.profiles p on p.id = s.user_id
  where s.role in ('support', 'super_admin') and private.is_platform_staff('support')
  order by 2
$$;
comment on function public.support_staff() is
  'Support staff (support and super_admin) with names, for assignment; empty for anyone not support staff. Security '
  'definer: platform_staff is not readable row by row.';

revoke all on function
  private.support_sla_due(public.support_priority, timestamptz), private.support_ticket(uuid, boolean, text),
  private.check_support_text(text), private.publish_ticket_event(public.support_tickets, text, uuid, text, jsonb),
  private.set_support_status(public.support_tickets, public.support_status), private.check_support_macro(),
  public.create_support_ticket(uuid, text, text, text, text, uuid), public.reply_support_ticket(uuid, text),
  public.set_support_ticket_status(uuid, text), public.staff_reply_support_ticket(uuid, text, boolean, text),
  public.staff_update_support_ticket(uuid, text, text), public.assign_support_ticket(uuid, uuid),
  public.merge_support_ticket(uuid, uuid), public.support_staff()
from public, anon;
revoke all on function private.may_read_support_ticket(uuid, uuid), private.may_write_support_ticket(uuid, uuid),
  private.may_read_support_message(uuid, uuid), private.may_write_support_message(uuid, uuid),
  private.support_files_go()
from public, anon, authenticated, service_role;
grant execute on function
  public.create_support_ticket(uuid, text, text, text, text, uuid), public.reply_support_ticket(uuid, text),
  public.set_support_ticket_status(uuid, text), public.staff_reply_support_ticket(uuid, text, boolean, text),
  public.staff_update_support_ticket(uuid, text, text), public.assign_support_ticket(uuid, uuid),
  public.merge_support_ticket(uuid, uuid), public.support_staff()
to authenticated;
