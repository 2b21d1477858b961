-- Governance (issue 17 §3 and §5): data retention per tenant with platform defaults, the
-- maintenance sweeps, typed system settings, and support staff's time-limited "view as".
--
-- Owns: tables data_classes (the platform's defaults, staff-edited), data_policies (a tenant's own
-- retention per class), impersonation_sessions; the columns value_type, min_value, max_value,
-- allowed_values of system_settings and their check (private.check_setting_value); queues
-- governance.retention and governance.maintenance; private.apply_retention, private.run_maintenance,
-- private.assert_impersonation_active, private.refuse_impersonated_billing; the RPCs
-- effective_data_policies, preview_retention, start_impersonation, end_impersonation,
-- enqueue_governance_job, governance_reports. TN500–TN511 (TN512–TN519 kept for this module).
--
-- Who (docs/governance.md): holders of privacy.manage read and set their tenant's data policies
-- and preview what retention would delete; super_admin edits the platform's defaults and the
-- settings and runs the jobs by hand; support staff (and super_admin) start a "view as" session
-- on a member of a tenant, never on another staff member; the tenant's members see it.
--
-- Retention never touches the audit log (its shape belongs to the privacy module; monthly
-- partitioning and archiving of audit_logs is next session's work) nor billing records, which
-- are kept for their legal period (data class billing_records: 10 years, enforced = false).

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.data_classes (
  key text primary key check (key ~ '^[a-z][a-z0-9_]{0,39}$'),
  label text not null check (char_length(label) between 1 and 100),
  description text not null check (char_length(description) between 1 and 500),
  -- The platform's default, used where a tenant has no policy of its own.
  default_days integer not null,
  default_action text not null,
  -- What a policy may choose.
  actions text[] not null check (cardinality(actions) > 0 and actions <@ array['delete', 'anonymise']),
  min_days integer not null check (min_days >= 1),
  max_days integer not null check (max_days <= 36500),
  -- false: one platform-wide rule (sessions belong to people, not to a tenant).
  per_tenant boolean not null default true,
  -- false: documented for other modules (billing records' legal period); the job deletes nothing.
  enforced boolean not null default true,
  updated_by uuid default auth.uid(),
  updated_at timestamptz not null default now(),
  check (min_days <= max_days),
  check (default_days between min_days and max_days),
  check (default_action = any (actions))
);
alter table public.data_classes enable row level security;
comment on table public.data_classes is
  'The kinds of data retention applies to, with the platform''s default days and action (super_admin edits them), '
  'the range and actions a tenant''s policy may choose, and whether the retention job enforces the class.';

create table public.data_policies (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  data_class text not null references public.data_classes (key),
  retention_days integer not null,
  action text not null,
  updated_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, data_class)
);
alter table public.data_policies enable row level security;
comment on table public.data_policies is
  'A tenant''s own retention for one data class (days, delete or anonymise); without a row the platform''s default '
  'applies. Checked against the class''s range and actions (TN500, TN501).';

create table public.impersonation_sessions (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  target_user_id uuid not null,
  staff_id uuid not null references public.profiles (id) on delete cascade,
  -- How the tenant's banner names the staff member (their name or address when it started).
  staff_label text not null check (char_length(staff_label) between 1 and 320),
  reason text not null check (char_length(reason) between 1 and 500),
  allow_writes boolean not null default false,
  started_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ended_at timestamptz,
  unique (tenant_id, id),
  foreign key (tenant_id, target_user_id) references public.memberships (tenant_id, user_id) on delete cascade,
  check (expires_at > started_at),
  check (ended_at is null or ended_at >= started_at)
);
alter table public.impersonation_sessions enable row level security;
comment on table public.impersonation_sessions is
  'A support staff member viewing a tenant as one of its members ("view as"): why, until when, read-only unless '
  'allow_writes (super_admin only; billing writes are refused even then, TN508). Written only by '
  'start_impersonation and end_impersonation; the tenant''s members read their tenant''s rows (the banner).';
create index impersonation_sessions_tenant_idx on public.impersonation_sessions (tenant_id, started_at desc);
create index impersonation_sessions_staff_idx on public.impersonation_sessions (staff_id, started_at desc);

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.data_classes (key, label, description, default_days, default_action, actions, min_days, max_days,
                                 per_tenant, enforced) values
  ('usage_events', 'Usage events', 'Raw metered usage. The daily totals and invoices stay; only the raw rows go.',
   400, 'delete', '{delete}', 35, 3650, true, true),
  ('notifications', 'Notifications', 'In-app notifications of the organisation''s members.',
   180, 'delete', '{delete}', 7, 3650, true, true),
  ('webhook_deliveries', 'Webhook deliveries', 'Finished webhook deliveries and their attempts (pending ones stay).',
   30, 'delete', '{delete}', 1, 3650, true, true),
  ('support_tickets', 'Support tickets',
   'Resolved and closed support tickets, counted from their last change. Anonymise keeps the ticket''s number, '
   'dates and category and removes its subject, description and thread.',
   730, 'anonymise', '{delete,anonymise}', 30, 3650, true, true),
  ('sessions', 'Sessions', 'Sign-in sessions idle for this long (people''s, across organisations: one platform rule).',
   90, 'delete', '{delete}', 1, 3650, false, true),
  ('billing_records', 'Billing records', 'Invoices and payments: kept for their legal period (10 years), never deleted '
   'by the retention job.', 3650, 'anonymise', '{anonymise}', 3650, 3650, true, false);

-- ---------------------------------------------------------------------------------------------
-- Typed system settings
-- ---------------------------------------------------------------------------------------------

alter table public.system_settings
  add column value_type text check (value_type in ('boolean', 'integer', 'number', 'string', 'integer_list', 'object')),
  add column min_value numeric,
  add column max_value numeric,
  add column allowed_values jsonb check (allowed_values is null or jsonb_typeof(allowed_values) = 'array');

comment on column public.system_settings.value_type is
  'What the value must be (boolean, integer, number, string, integer_list, object); set from the value when a '
  'module inserts a setting without one. min_value/max_value bound numbers and list items, allowed_values lists '
  'the values a string may take.';

-- The type of a value as written (an integer-valued number is an integer; a list of integers an integer_list).
create or replace function private.setting_type_of(p_value jsonb)
returns text
language sql
immutable
set search_path = ''
as $$
  select case jsonb_typeof(p_value)
    when 'boolean' then 'boolean'
    when 'number' then case when p_value::text ~ '^-?[0-9]+$' then 'integer' else 'number' end
    when 'string' then 'string'
    when 'array' then case when not exists (select 1 from jsonb_array_elements(p_value) e
                                            where e.value::text !~ '^-?[0-9]+$') then 'integer_list' end
    when 'object' then 'object'
  end
$$;

comment on function private.setting_type_of(jsonb) is 'The settings type a JSON value is (null: none of them).';

update public.system_settings set value_type = private.setting_type_of(value);
update public.system_settings set min_value = 1 where key in ('invitations.ttl_hours', 'jobs.max_attempts',
  'jobs.retention_days', 'webhooks.disable_after_hours', 'billing.proof_max_rejections',
  'billing.proof_rejection_window_days');
update public.system_settings set min_value = 0 where key in ('billing.grace_days', 'billing.proof_grace_days');
update public.system_settings set max_value = 100 where key = 'jobs.max_attempts';
update public.system_settings set min_value = 1, max_value = 604800
 where key in ('jobs.retry_schedule_seconds', 'webhooks.retry_schedule_seconds');

create or replace function private.check_setting_value()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_number numeric;
begin
  new.value_type := coalesce(new.value_type, private.setting_type_of(new.value), 'object');
  if new.value_type = 'number' and private.setting_type_of(new.value) = 'integer' then
    null;
  elsif private.setting_type_of(new.value) is distinct from new.value_type then
    raise exception 'setting % must be of type %', new.key, new.value_type using errcode = 'TN502';
  end if;
  if new.value_type in ('integer', 'number') then
    v_number := (new.value #>> '{}')::numeric;
    if v_number < new.min_value or v_number > new.max_value then
      raise exception 'setting % must be between % and %', new.key, coalesce(new.min_value::text, '…'),
        coalesce(new.max_value::text, '…') using errcode = 'TN502';
    end if;
  elsif new.value_type = 'integer_list' then
    if jsonb_array_length(new.value) = 0 or exists (
         select 1 from jsonb_array_elements_text(new.value) e
          where e::numeric < new.min_value or e::numeric > new.max_value) then
      raise exception 'setting % must list at least one number between % and %', new.key,
        coalesce(new.min_value::text, '…'), coalesce(new.max_value::text, '…') using errcode = 'TN502';
    end if;
  elsif new.value_type = 'string' then
    if new.allowed_values is not null and not new.allowed_values @> jsonb_build_array(new.value) then
      raise exception 'setting % must be one of %', new.key, new.allowed_values using errcode = 'TN502';
    end if;
  end if;
  return new;
end
$$;

comment on function private.check_setting_value() is
  'BEFORE INSERT OR UPDATE of system_settings: the value is of the setting''s type and within its bounds (TN502); '
  'a setting inserted without a type takes its value''s. Security definer: calls private.setting_type_of.';

create trigger system_settings_check_value before insert or update on public.system_settings
  for each row execute function private.check_setting_value();
create trigger system_settings_type_immutable before update on public.system_settings
  for each row execute function private.forbid_column_changes('value_type', 'min_value', 'max_value', 'allowed_values');

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger data_classes_set_updated_at before update on public.data_classes
  for each row execute function private.set_updated_at();
create trigger data_classes_immutable_columns before update on public.data_classes
  for each row execute function private.forbid_column_changes('key', 'actions', 'min_days', 'max_days',
                                                              'per_tenant', 'enforced');
create trigger data_policies_set_updated_at before update on public.data_policies
  for each row execute function private.set_updated_at();
create trigger data_policies_immutable_columns before update on public.data_policies
  for each row execute function private.forbid_column_changes('tenant_id', 'data_class', 'created_at');
create trigger impersonation_sessions_immutable_columns before update on public.impersonation_sessions
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'target_user_id', 'staff_id',
                                                              'staff_label', 'reason', 'allow_writes', 'started_at');

-- A policy's days within its class's range, its action one the class offers, and only for classes
-- a tenant may set (BEFORE, so a plain insert gets the sentence).
create or replace function private.check_data_policy()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_class public.data_classes;
begin
  select * into v_class from public.data_classes c where c.key = new.data_class;
  if not found or not v_class.per_tenant then
    raise exception 'data class % is not set per organisation', new.data_class using errcode = 'TN510';
  end if;
  if new.retention_days is null or new.retention_days not between v_class.min_days and v_class.max_days then
    raise exception '% are kept between % and % days', v_class.label, v_class.min_days, v_class.max_days
      using errcode = 'TN500';
  end if;
  if not new.action = any (v_class.actions) then
    raise exception '% can be %', v_class.label, array_to_string(v_class.actions, ' or ') using errcode = 'TN501';
  end if;
  return new;
end
$$;

comment on function private.check_data_policy() is
  'BEFORE INSERT OR UPDATE of data_policies: a class a tenant may set (TN510), days within its range (TN500), an '
  'action it offers (TN501). Security definer: reads data_classes whatever the caller.';

create trigger data_policies_check before insert or update on public.data_policies
  for each row execute function private.check_data_policy();

create or replace function private.check_data_class()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.default_days not between new.min_days and new.max_days then
    raise exception '% are kept between % and % days', new.label, new.min_days, new.max_days using errcode = 'TN500';
  end if;
  if not new.default_action = any (new.actions) then
    raise exception '% can be %', new.label, array_to_string(new.actions, ' or ') using errcode = 'TN501';
  end if;
  return new;
end
$$;

comment on function private.check_data_class() is
  'BEFORE UPDATE of data_classes: the platform default within the class''s range (TN500) and one of its actions (TN501).';

create trigger data_classes_check before update on public.data_classes
  for each row execute function private.check_data_class();

select private.enable_audit('public.data_classes', '', '{key}', '{updated_at}');
select private.enable_audit('public.data_policies', 'tenant_id', '{data_class}', '{updated_at}');
select private.enable_audit('public.impersonation_sessions', 'tenant_id', '{id}');

-- ---------------------------------------------------------------------------------------------
-- Retention
-- ---------------------------------------------------------------------------------------------

-- The raw usage ledger refuses deletes (TN072) except from the retention job, which says so with a
-- transaction-local setting that no API role can use: none holds DELETE on usage_events.
create or replace function private.refuse_usage_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and current_setting('tenantry.retention_run', true) = 'on' then
    return old;
  end if;
  raise exception 'usage events are append-only: % refused', tg_op using errcode = 'TN072';
end
$$;

comment on function private.refuse_usage_change() is
  'Refuses UPDATE, DELETE and TRUNCATE on usage_events, for every role (TN072) — except the deletes of the retention '
  'job (private.apply_retention sets tenantry.retention_run; no API role holds DELETE on the table).';

create or replace function public.effective_data_policies(p_tenant_id uuid)
returns table (data_class text, label text, description text, retention_days integer, action text,
               is_default boolean, actions text[], min_days integer, max_days integer, per_tenant boolean,
               enforced boolean)
language sql
stable
security invoker
set search_path = ''
as $$
  select c.key, c.label, c.description, coalesce(p.retention_days, c.default_days), coalesce(p.action, c.default_action),
         p.tenant_id is null, c.actions, c.min_days, c.max_days, c.per_tenant, c.enforced
    from public.data_classes c
    left join public.data_policies p on p.data_class = c.key and p.tenant_id = p_tenant_id and c.per_tenant
   order by c.key
$$;

comment on function public.effective_data_policies(uuid) is
  'Each data class''s retention for a tenant: its own policy where it has one (readable with privacy.manage), the '
  'platform''s default otherwise. Security invoker: RLS decides which policies the caller sees.';
revoke all on function public.effective_data_policies(uuid) from public;
grant execute on function public.effective_data_policies(uuid) to authenticated, service_role;

-- What one class's rule covers in one tenant (null: the platform-wide classes); counts, and deletes or
-- anonymises unless p_dry_run. Idempotent: a second run finds nothing older than the cut-off.
create or replace function private.retention_step(
  p_class text, p_tenant_id uuid, p_days integer, p_action text, p_dry_run boolean)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_cutoff timestamptz := now() - make_interval(days => p_days);
  v_rows bigint;
  v_marker constant text := 'Removed by the retention policy';
begin
  case p_class
  when 'usage_events' then
    if p_dry_run then
      select count(*) into v_rows from public.usage_events where tenant_id = p_tenant_id and occurred_at < v_cutoff;
    else
      perform set_config('tenantry.retention_run', 'on', true);
      delete from public.usage_events where tenant_id = p_tenant_id and occurred_at < v_cutoff;
      get diagnostics v_rows = row_count;
      perform set_config('tenantry.retention_run', 'off', true);
    end if;
  when 'notifications' then
    if p_dry_run then
      select count(*) into v_rows from public.notifications where tenant_id = p_tenant_id and created_at < v_cutoff;
    else
      delete from public.notifications where tenant_id = p_tenant_id and created_at < v_cutoff;
      get diagnostics v_rows = row_count;
    end if;
  when 'webhook_deliveries' then
    if p_dry_run then
      select count(*) into v_rows from public.webhook_deliveries
       where tenant_id = p_tenant_id and status <> 'pending' and created_at < v_cutoff;
    else
      delete from public.webhook_deliveries where tenant_id = p_tenant_id and status <> 'pending' and created_at < v_cutoff;
      get diagnostics v_rows = row_count;
    end if;
  when 'support_tickets' then
    if p_dry_run then
      select count(*) into v_rows from public.support_tickets
       where tenant_id = p_tenant_id and status in ('resolved', 'closed') and updated_at < v_cutoff
         and (p_action = 'delete' or description <> v_marker);
    elsif p_action = 'delete' then
      delete from public.support_tickets
       where tenant_id = p_tenant_id and status in ('resolved', 'closed') and updated_at < v_cutoff;
      get diagnostics v_rows = row_count;
    else
      with gone as (
        update public.support_tickets set subject = v_marker, description = v_marker
         where tenant_id = p_tenant_id and status in ('resolved', 'closed') and updated_at < v_cutoff
           and description <> v_marker
        returning id)
      select count(*) into v_rows from gone;
      delete from public.support_messages m
       using public.support_tickets t
       where t.tenant_id = p_tenant_id and t.description = v_marker and m.tenant_id = t.tenant_id and m.ticket_id = t.id;
    end if;
  when 'sessions' then
    if p_dry_run then
      select count(*) into v_rows from auth.sessions s
       where coalesce(s.refreshed_at, s.updated_at, s.created_at) < v_cutoff;
    else
      delete from auth.sessions s where coalesce(s.refreshed_at, s.updated_at, s.created_at) < v_cutoff;
      get diagnostics v_rows = row_count;
    end if;
  else
    v_rows := 0;
  end case;
  return v_rows;
end
$$;

comment on function private.retention_step(text, uuid, integer, text, boolean) is
  'One data class''s retention in one tenant (null: the platform-wide classes): how many rows are past the cut-off '
  '(p_dry_run) or deletes/anonymises them and says how many.';

-- Every enforced class in every tenant (or one): rows that would go (dry run) or went. A real run
-- writes one retention.apply audit event per tenant and class that lost rows.
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
  'each real change as a retention.apply audit event. Run by the governance.retention queue as service_role.';
revoke all on function private.apply_retention(boolean, uuid) from public;
revoke all on function private.retention_step(text, uuid, integer, text, boolean) from public;
grant execute on function private.apply_retention(boolean, uuid) to service_role;

create or replace function public.preview_retention(p_tenant_id uuid)
returns table (data_class text, action text, retention_days integer, rows bigint)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  if not private.holds_permission('privacy.manage', p_tenant_id) then
    raise exception 'privacy.manage required' using errcode = '42501';
  end if;
  return query select r.data_class, r.action, r.retention_days, r.rows from private.apply_retention(true, p_tenant_id) r;
end
$$;

comment on function public.preview_retention(uuid) is
  'The retention dry run of one tenant: per data class the rows the next run would delete or anonymise. Holders of '
  'privacy.manage in the tenant (42501 otherwise). Changes nothing.';
revoke all on function public.preview_retention(uuid) from public;
grant execute on function public.preview_retention(uuid) to authenticated;

-- ---------------------------------------------------------------------------------------------
-- Maintenance
-- ---------------------------------------------------------------------------------------------

-- The sweeps, each counted: sessions past their end or with no live refresh token for a day (their
-- refresh tokens go with them), invitations expired or revoked 30 days ago and never accepted,
-- idempotency records past their 24 hours, and storage objects no attachment names (queued for the
-- storage.sweep job, which removes the bytes). p_dry_run counts only.
create or replace function private.run_maintenance(p_dry_run boolean default false)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_session_ids uuid[];
  v_sessions bigint;
  v_tokens bigint;
  v_invitations bigint;
  v_idempotency bigint;
  v_files bigint;
  v_report jsonb;
begin
  select coalesce(array_agg(s.id), '{}') into v_session_ids from auth.sessions s
   where s.not_after < now()
      or (coalesce(s.updated_at, s.created_at) < now() - interval '1 day'
          and not exists (select 1 from auth.refresh_tokens rt where rt.session_id = s.id and rt.revoked is false));
  v_sessions := cardinality(v_session_ids);
  select count(*) into v_tokens from auth.refresh_tokens rt where rt.session_id = any (v_session_ids);

  select count(*) into v_invitations from public.invitations i
   where i.accepted_at is null and coalesce(i.revoked_at, i.expires_at) < now() - interval '30 days';
  select count(*) into v_idempotency from public.api_idempotency a where a.created_at < now() - interval '24 hours';
  select count(*) into v_files from storage.objects o
   where o.bucket_id in (select bucket from public.attachment_owners)
     and o.created_at < now() - interval '1 hour'
     and not exists (select 1 from public.attachments a where a.bucket = o.bucket_id and a.object_path = o.name)
     and not exists (select 1 from private.storage_removals r where r.bucket = o.bucket_id and r.name = o.name);

  if not p_dry_run then
    delete from auth.sessions s where s.id = any (v_session_ids);
    delete from public.invitations i
     where i.accepted_at is null and coalesce(i.revoked_at, i.expires_at) < now() - interval '30 days';
    v_idempotency := private.purge_api_idempotency();
    insert into private.storage_removals (bucket, name)
    select o.bucket_id, o.name from storage.objects o
     where o.bucket_id in (select bucket from public.attachment_owners)
       and o.created_at < now() - interval '1 hour'
       and not exists (select 1 from public.attachments a where a.bucket = o.bucket_id and a.object_path = o.name)
    on conflict (bucket, name) do nothing;
  end if;

  v_report := jsonb_build_object('dry_run', p_dry_run, 'expired_sessions', v_sessions, 'refresh_tokens', v_tokens,
    'expired_invitations', v_invitations, 'idempotency_keys', v_idempotency, 'orphaned_files', v_files);
  if not p_dry_run and (v_sessions + v_invitations + v_idempotency + v_files) > 0 then
    perform private.audit_event(null, 'maintenance.run', 'maintenance', 'sweep', null, v_report);
  end if;
  return v_report;
end
$$;

comment on function private.run_maintenance(boolean) is
  'The maintenance sweeps (expired sessions and their refresh tokens, expired invitations, old idempotency keys, '
  'orphaned files queued for storage.sweep), each counted in the report it returns; p_dry_run counts only. Run by '
  'the governance.maintenance queue as service_role; a run that changed something is a maintenance.run audit event.';
revoke all on function private.run_maintenance(boolean) from public;
grant execute on function private.run_maintenance(boolean) to service_role;

select private.register_job_queue('governance.retention',
  'Deletes or anonymises what the data policies say has been kept long enough (or counts it: dry run)', 3, null);
select private.register_job_queue('governance.maintenance',
  'Sweeps expired sessions, expired invitations, old idempotency keys and orphaned files', 3, null);

-- super_admin's "run now" from the console: queues one job (a dry run unless p_dry_run is false).
create or replace function public.enqueue_governance_job(p_kind text, p_dry_run boolean default true)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.require_staff('super_admin');
  if p_kind is null or p_kind not in ('retention', 'maintenance') then
    raise exception 'a governance job is retention or maintenance' using errcode = 'TN511';
  end if;
  perform private.audit_event(null, 'governance.run', 'queue', 'governance.' || p_kind, null,
    jsonb_build_object('dry_run', coalesce(p_dry_run, true)));
  return private.enqueue_job('governance.' || p_kind, jsonb_build_object('dry_run', coalesce(p_dry_run, true)));
end
$$;

comment on function public.enqueue_governance_job(text, boolean) is
  'Queues a retention or maintenance run now (TN511 for another kind), a dry run unless p_dry_run is false; audited '
  'as governance.run. super_admin only (TN061).';
revoke all on function public.enqueue_governance_job(text, boolean) from public;
grant execute on function public.enqueue_governance_job(text, boolean) to authenticated;

-- The reports of the governance queues' recent jobs, for the console's Jobs page (their results say
-- only counts; other queues' results are never returned).
create or replace function public.governance_reports(p_limit integer default 20)
returns table (id uuid, queue text, status text, result jsonb, last_error text, created_at timestamptz,
               completed_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  perform private.require_staff('super_admin');
  return query
  select j.id, j.queue, j.status, j.result, j.last_error, j.created_at, j.completed_at
    from public.jobs j
   where j.queue in ('governance.retention', 'governance.maintenance')
   order by j.created_at desc, j.id
   limit least(greatest(coalesce(p_limit, 20), 1), 100);
end
$$;

comment on function public.governance_reports(integer) is
  'The latest jobs of governance.retention and governance.maintenance with their reports (counts only). super_admin '
  'only (TN061).';
revoke all on function public.governance_reports(integer) from public;
grant execute on function public.governance_reports(integer) to authenticated;

-- ---------------------------------------------------------------------------------------------
-- Impersonation ("view as")
-- ---------------------------------------------------------------------------------------------

create or replace function public.start_impersonation(
  p_tenant_id uuid, p_user_id uuid, p_reason text, p_minutes integer default 30, p_allow_writes boolean default false)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
  v_reason text := btrim(coalesce(p_reason, ''));
  v_label text;
begin
  perform private.require_staff('support');
  if private.is_service_role() or auth.uid() is null then
    raise exception 'only a staff member views as someone' using errcode = 'TN061';
  end if;
  if char_length(v_reason) not between 1 and 500 then
    raise exception 'say why you view as this member (1–500 characters)' using errcode = 'TN505';
  end if;
  if p_minutes is null or p_minutes not between 5 and 240 then
    raise exception 'a view-as session lasts 5 to 240 minutes' using errcode = 'TN506';
  end if;
  if coalesce(p_allow_writes, false) and not private.is_platform_staff('super_admin') then
    raise exception 'only a super_admin views as someone with changes allowed' using errcode = 'TN507';
  end if;
  if exists (select 1 from public.platform_staff s where s.user_id = p_user_id) then
    raise exception 'platform staff are never viewed as' using errcode = 'TN503';
  end if;
  if not exists (select 1 from public.memberships m join public.tenants t on t.id = m.tenant_id
                  where m.tenant_id = p_tenant_id and m.user_id = p_user_id and m.status = 'active'
                    and t.status = 'active') then
    raise exception 'not an active member of an active organisation' using errcode = 'TN504';
  end if;
  -- One at a time per staff member.
  update public.impersonation_sessions set ended_at = now()
   where staff_id = auth.uid() and ended_at is null and expires_at > now();
  select coalesce(nullif(btrim(p.full_name), ''), p.email::text) into v_label from public.profiles p where p.id = auth.uid();
  insert into public.impersonation_sessions (tenant_id, target_user_id, staff_id, staff_label, reason, allow_writes,
                                             expires_at)
  values (p_tenant_id, p_user_id, auth.uid(), coalesce(v_label, 'Platform support'), v_reason,
          coalesce(p_allow_writes, false), now() + make_interval(mins => p_minutes))
  returning id into v_id;
  return v_id;
end
$$;

comment on function public.start_impersonation(uuid, uuid, text, integer, boolean) is
  'Starts a "view as" session of the calling support staff member (or super_admin) on an active member of an active '
  'tenant, for p_minutes (5–240, TN506) with a reason (TN505), read-only unless p_allow_writes (super_admin only, '
  'TN507); never on platform staff (TN503) or a non-member (TN504). Ends the caller''s previous one. The row''s audit '
  'entry is in the tenant''s log.';
revoke all on function public.start_impersonation(uuid, uuid, text, integer, boolean) from public;
grant execute on function public.start_impersonation(uuid, uuid, text, integer, boolean) to authenticated;

create or replace function public.end_impersonation(p_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_ended integer;
begin
  update public.impersonation_sessions set ended_at = now()
   where id = p_id and ended_at is null
     and (staff_id = auth.uid() or private.is_platform_staff('super_admin') or private.is_service_role());
  get diagnostics v_ended = row_count;
  return v_ended > 0;
end
$$;

comment on function public.end_impersonation(uuid) is
  'Ends a "view as" session (its staff member, a super_admin or a system job); false when it was not open or not theirs.';
revoke all on function public.end_impersonation(uuid) from public;
grant execute on function public.end_impersonation(uuid) to authenticated;

-- The first statement of every transaction the app runs while a staff member views as someone
-- (claims: sub = the member, impersonation_id, impersonator, session_id = the staff member's own
-- session). The view-as session must be open, unexpired and the impersonator's, who must still be
-- support staff with a live session; a read-only session makes the whole transaction read only, so
-- Postgres itself refuses every write.
create or replace function private.assert_impersonation_active()
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
  v_session public.impersonation_sessions;
begin
  select * into v_session from public.impersonation_sessions i
   where i.id::text = v_claims ->> 'impersonation_id'
     and i.staff_id::text = v_claims ->> 'impersonator'
     and i.target_user_id::text = v_claims ->> 'sub'
     and i.ended_at is null and i.expires_at > now()
     and exists (select 1 from public.platform_staff s where s.user_id = i.staff_id and s.role in ('support', 'super_admin'))
     -- The staff member's own session (the claims' session_id) is live: signing out ends the view.
     and exists (select 1 from auth.sessions s
                  where s.id::text = v_claims ->> 'session_id' and s.user_id = i.staff_id
                    and (s.not_after is null or s.not_after > now())
                    and exists (select 1 from auth.refresh_tokens rt where rt.session_id = s.id and rt.revoked is false));
  if not found then
    raise exception 'this view-as session has ended' using errcode = 'TN509';
  end if;
  if not v_session.allow_writes then
    perform set_config('transaction_read_only', 'on', true);
  end if;
end
$$;

comment on function private.assert_impersonation_active() is
  'Raises TN509 unless the claims name an open view-as session of their impersonator on their sub, and the '
  'impersonator''s own live session (session_id); makes the '
  'transaction read only unless the session allows writes.';
revoke all on function private.assert_impersonation_active() from public;
grant execute on function private.assert_impersonation_active() to authenticated;

-- Billing is never changed under another person's name, whatever the session allows.
create or replace function private.refuse_impersonated_billing()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if nullif(current_setting('request.jwt.claims', true), '')::jsonb ? 'impersonation_id' then
    raise exception 'billing cannot be changed while viewing as a member' using errcode = 'TN508';
  end if;
  return coalesce(new, old);
end
$$;

comment on function private.refuse_impersonated_billing() is
  'BEFORE trigger on the billing tables: refuses every write made while a staff member views as a member (TN508).';

create trigger billing_accounts_no_impersonation before insert or update or delete on public.billing_accounts
  for each row execute function private.refuse_impersonated_billing();
create trigger subscriptions_no_impersonation before insert or update or delete on public.subscriptions
  for each row execute function private.refuse_impersonated_billing();
create trigger payments_no_impersonation before insert or update or delete on public.payments
  for each row execute function private.refuse_impersonated_billing();
create trigger payment_methods_no_impersonation before insert or update or delete on public.payment_methods
  for each row execute function private.refuse_impersonated_billing();
create trigger invoices_no_impersonation before insert or update or delete on public.invoices
  for each row execute function private.refuse_impersonated_billing();

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.data_classes, public.data_policies, public.impersonation_sessions
  from anon, authenticated, service_role;
grant select on public.data_classes to authenticated, service_role;
grant update (default_days, default_action) on public.data_classes to authenticated;
grant select, delete on public.data_policies to authenticated, service_role;
grant insert (tenant_id, data_class, retention_days, action) on public.data_policies to authenticated;
grant update (retention_days, action) on public.data_policies to authenticated;
grant select on public.impersonation_sessions to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy data_classes_select_authenticated on public.data_classes
  for select to authenticated using (true);
create policy data_classes_update_super_admin on public.data_classes
  for update to authenticated
  using ((select private.is_platform_staff('super_admin')))
  with check ((select private.is_platform_staff('super_admin')));

create policy data_policies_select_permitted on public.data_policies
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('privacy.manage'))));
create policy data_policies_select_staff on public.data_policies
  for select to authenticated
  using ((select private.is_platform_staff('support')));
create policy data_policies_insert_permitted on public.data_policies
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('privacy.manage'))));
create policy data_policies_update_permitted on public.data_policies
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('privacy.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('privacy.manage'))));
create policy data_policies_delete_permitted on public.data_policies
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('privacy.manage'))));

-- The tenant's members see who views their organisation (the banner); staff see every session.
create policy impersonation_sessions_select_permitted on public.impersonation_sessions
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids())));
create policy impersonation_sessions_select_staff on public.impersonation_sessions
  for select to authenticated
  using (staff_id = (select auth.uid()) or (select private.is_platform_staff('support')));

create policy data_policies_select_mfa on public.data_policies
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy data_policies_insert_mfa on public.data_policies
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy data_policies_update_mfa on public.data_policies
  as restrictive for update to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy data_policies_delete_mfa on public.data_policies
  as restrictive for delete to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy impersonation_sessions_select_mfa on public.impersonation_sessions
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
