-- BI alerts (issue 18 §5, spec 001 `alerts`, `alert_channels`, `alert_events`): an alert watches a
-- platform metric (tenant_usage_daily, the usage meters), a saved query (its first numeric column)
-- or a widget, and is a threshold (above / below a value for N minutes), an anomaly (a robust
-- z-score over a seasonal baseline, src/lib/server/bi/alerts/anomaly.ts) or a schedule (its value
-- sent on a cron in the tenant's time zone). The `bi.alerts` job on the queue evaluates it; what it
-- finds is recorded here by private.record_alert_result / private.record_alert_schedule only.
--
-- Owns: tables alerts, alert_channels, alert_events; event types alert.fired and alert.resolved
-- with their notification kinds (category analytics); queues bi.alerts (evaluation) and
-- bi.alert_slack (a firing posted to an alert's Slack channel); private.alerts_due,
-- private.record_alert_result, private.record_alert_schedule, private.notify_alert,
-- private.alert_slack_message; the RPC evaluate_alert_now. TN535–TN542.
--
-- Who (docs/bi-alerts.md): dashboards.read reads alerts, their channels and their history;
-- alerts.manage writes alerts and channels (mute and snooze are columns of the alert); nobody but the
-- job (service_role, through the definer functions) writes alert_events.
--
-- No duplicate firing: an alert has at most one open (firing) event, by the partial unique index
-- alert_events_one_open_key; a firing is inserted `on conflict do nothing` and only the evaluation
-- that inserted it notifies. Mute and snooze record events and notify nobody.
--
-- Channels reuse the platform: the domain event alert.fired / alert.resolved (published when the
-- alert notifies) reaches the webhook endpoints subscribed to it and the notifications fan-out
-- (in the app and by email, to the holders of alerts.manage; the event's payload.channels narrows
-- which of the two, by the triggers below), and an alert's Slack channel gets a bi.alert_slack job
-- whose handler posts with the Slack integration's postSlackMessage.

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.event_types (type, module, description) values
  ('alert.fired', 'bi', 'An alert fired: a threshold breached for its minutes, an anomaly, or a scheduled send.'),
  ('alert.resolved', 'bi', 'A firing alert resolved: its value is back within the threshold or no longer anomalous.');

-- The kinds' category: 'analytics' joins notification_kinds' list (extended, not replaced).
do $$
declare
  v_def text;
begin
  select pg_get_constraintdef(c.oid) into v_def from pg_constraint c
   where c.conrelid = 'public.notification_kinds'::regclass and c.conname = 'notification_kinds_category_check';
  if v_def is null or v_def not like '%ARRAY[%' then
    raise exception 'notification_kinds_category_check is not the list this migration extends: %', v_def;
  end if;
  if v_def not like '%''analytics''%' then
    alter table public.notification_kinds drop constraint notification_kinds_category_check;
    execute 'alter table public.notification_kinds add constraint notification_kinds_category_check '
            || replace(v_def, 'ARRAY[', 'ARRAY[''analytics''::text, ');
  end if;
end
$$;

insert into public.notification_kinds
  (kind, category, label, recipients, recipient_permissions, notify_subject, link_path, locked, digestible,
   default_in_app, default_email) values
  ('alert.fired', 'analytics', 'Alert fired', 'Holders of alerts.manage (the alert''s channels: in the app, by email)',
   '{alerts.manage}', false, '/t/{slug}/alerts', false, false, true, true),
  ('alert.resolved', 'analytics', 'Alert resolved', 'Holders of alerts.manage (the alert''s channels: in the app, by email)',
   '{alerts.manage}', false, '/t/{slug}/alerts', false, false, true, true);

select private.register_job_queue('bi.alerts', 'Evaluates an alert: reads its value, records firing or resolution', 3, '[5, 30, 120]');
select private.register_job_queue('bi.alert_slack', 'Posts an alert''s firing or resolution to its Slack channel', 6,
  '[5, 30, 120, 600, 1800]');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.alerts (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 100),
  -- metric: a platform metric (tenant_usage_daily's columns or a meter); query: a saved query's first
  -- numeric column; widget: a widget's metric or saved query.
  source text not null check (source in ('metric', 'query', 'widget')),
  metric text check (metric ~ '^[a-z][a-z0-9_]{1,40}$'),
  saved_query_id uuid,
  widget_id uuid,
  kind text not null check (kind in ('threshold', 'anomaly', 'schedule')),
  -- threshold: above / below the value for for_minutes (0: at the first evaluation in breach).
  comparison text check (comparison in ('above', 'below')),
  threshold numeric,
  for_minutes integer not null default 0 check (for_minutes between 0 and 1440),
  -- anomaly: |robust z| at or over anomaly_threshold against the last anomaly_weeks weeks.
  anomaly_threshold numeric not null default 3.5 check (anomaly_threshold between 1 and 20),
  anomaly_weeks integer not null default 4 check (anomaly_weeks between 2 and 12),
  -- schedule: five-field cron in the tenant's time zone (parsed by src/lib/workflows/cron.ts).
  schedule_cron text check (char_length(schedule_cron) <= 100),
  enabled boolean not null default true,
  -- Muted: events are recorded, nobody is notified. Snoozed: the same until snoozed_until.
  muted boolean not null default false,
  snoozed_until timestamptz,
  -- The evaluator's state (written by private.record_alert_*, never by the API).
  state text not null default 'ok' check (state in ('ok', 'pending', 'firing')),
  breach_since timestamptz,
  last_value numeric,
  last_evaluated_at timestamptz,
  last_error text check (char_length(last_error) <= 500),
  next_run_at timestamptz,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, saved_query_id) references public.saved_queries (tenant_id, id) on delete cascade,
  foreign key (tenant_id, widget_id) references public.dashboard_widgets (tenant_id, id) on delete cascade,
  check ((source = 'metric' and metric is not null and saved_query_id is null and widget_id is null)
         or (source = 'query' and saved_query_id is not null and metric is null and widget_id is null)
         or (source = 'widget' and widget_id is not null and metric is null and saved_query_id is null)),
  check (kind <> 'threshold' or (comparison is not null and threshold is not null)),
  check (kind <> 'schedule' or schedule_cron is not null)
);
alter table public.alerts enable row level security;
comment on table public.alerts is
  'An alert on a metric, a saved query or a widget: a threshold (above / below for N minutes), an anomaly (robust '
  'z-score over a seasonal baseline) or a schedule (the value sent on a cron in the tenant''s time zone); evaluated '
  'by the bi.alerts job, which alone writes its state columns.';
create index alerts_tenant_created_idx on public.alerts (tenant_id, created_at);
create unique index alerts_name_ci_key on public.alerts (tenant_id, lower(name));
create index alerts_query_idx on public.alerts (tenant_id, saved_query_id) where saved_query_id is not null;
create index alerts_widget_idx on public.alerts (tenant_id, widget_id) where widget_id is not null;
create index alerts_due_idx on public.alerts (last_evaluated_at) where enabled;

create table public.alert_channels (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  alert_id uuid not null,
  kind text not null check (kind in ('in_app', 'email', 'slack', 'webhook')),
  slack_integration_id uuid,
  slack_channel text check (slack_channel ~ '^(#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,20})$'),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, alert_id, kind),
  foreign key (tenant_id, alert_id) references public.alerts (tenant_id, id) on delete cascade,
  foreign key (tenant_id, slack_integration_id) references public.integrations (tenant_id, id) on delete cascade,
  check ((kind = 'slack') = (slack_integration_id is not null and slack_channel is not null)),
  check (kind = 'slack' or (slack_integration_id is null and slack_channel is null))
);
alter table public.alert_channels enable row level security;
comment on table public.alert_channels is
  'Where an alert notifies: in the app and by email (the notifications fan-out to holders of alerts.manage), a Slack '
  'channel of one of the tenant''s Slack integrations, or webhooks (the domain event, to the endpoints subscribed).';
create index alert_channels_slack_idx on public.alert_channels (tenant_id, slack_integration_id)
  where slack_integration_id is not null;

create table public.alert_events (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  alert_id uuid not null,
  -- firing → resolved (threshold, anomaly); sent (a schedule's tick).
  status text not null check (status in ('firing', 'resolved', 'sent')),
  value numeric,
  -- What the evaluation saw: threshold and comparison, or the anomaly's score, median and MAD.
  detail jsonb not null default '{}' check (jsonb_typeof(detail) = 'object'),
  started_at timestamptz not null,
  resolved_at timestamptz,
  resolved_value numeric,
  -- False when the alert was muted or snoozed (recorded, nobody told).
  notified boolean not null default false,
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, alert_id) references public.alerts (tenant_id, id) on delete cascade,
  check ((status = 'resolved') = (resolved_at is not null) or status = 'sent')
);
alter table public.alert_events enable row level security;
comment on table public.alert_events is
  'An alert''s history: a firing (open until resolved; at most one open per alert) or a scheduled send. Written only '
  'by the bi.alerts job through private.record_alert_result / record_alert_schedule.';
create index alert_events_alert_started_idx on public.alert_events (tenant_id, alert_id, started_at desc);
-- At most one open firing per alert: two evaluators at once insert one.
create unique index alert_events_one_open_key on public.alert_events (tenant_id, alert_id) where status = 'firing';
-- A schedule's tick is sent once.
create unique index alert_events_one_send_key on public.alert_events (tenant_id, alert_id, started_at) where status = 'sent';

-- ---------------------------------------------------------------------------------------------
-- Rules
-- ---------------------------------------------------------------------------------------------

create or replace function private.check_alert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.name is null or char_length(btrim(new.name)) not between 1 and 100 then
    raise exception 'an alert name is 1 to 100 characters' using errcode = 'TN535';
  end if;
  new.name := btrim(new.name);
  if exists (select 1 from public.alerts a
             where a.tenant_id = new.tenant_id and lower(a.name) = lower(new.name) and a.id <> new.id) then
    raise exception 'there is already an alert named %', new.name using errcode = 'TN535';
  end if;
  if new.source = 'metric' and (new.metric is null or new.metric !~ '^[a-z][a-z0-9_]{1,40}$') then
    raise exception 'choose a metric for the alert' using errcode = 'TN536';
  end if;
  if new.source = 'query' and not exists (select 1 from public.saved_queries q
                                          where q.id = new.saved_query_id and q.tenant_id = new.tenant_id) then
    raise exception 'choose a saved query of this organisation' using errcode = 'TN536';
  end if;
  if new.source = 'widget' and not exists (select 1 from public.dashboard_widgets w
                                           where w.id = new.widget_id and w.tenant_id = new.tenant_id) then
    raise exception 'choose a widget of this organisation' using errcode = 'TN536';
  end if;
  if new.source not in ('metric', 'query', 'widget') then
    raise exception 'an alert watches a metric, a saved query or a widget' using errcode = 'TN536';
  end if;
  if new.kind = 'threshold' then
    if new.comparison is null or new.comparison not in ('above', 'below') or new.threshold is null then
      raise exception 'a threshold alert needs above or below and a value' using errcode = 'TN537';
    end if;
    if new.for_minutes is null or new.for_minutes not between 0 and 1440 then
      raise exception 'an alert waits 0 to 1440 minutes in breach before it fires' using errcode = 'TN537';
    end if;
  elsif new.kind = 'anomaly' then
    -- The seasonal baseline is a metric's history; a query or a widget has none.
    if new.source <> 'metric' then
      raise exception 'an anomaly alert watches a metric (a saved query has no history to compare with)' using errcode = 'TN538';
    end if;
    if new.anomaly_threshold is null or new.anomaly_threshold not between 1 and 20
       or new.anomaly_weeks is null or new.anomaly_weeks not between 2 and 12 then
      raise exception 'an anomaly alert''s threshold is 1 to 20 and its baseline 2 to 12 weeks' using errcode = 'TN538';
    end if;
  elsif new.kind = 'schedule' then
    if new.schedule_cron is null or btrim(new.schedule_cron) !~ '^\S+\s+\S+\s+\S+\s+\S+\s+\S+$' then
      raise exception 'a schedule has five fields (minute hour day month weekday), such as "0 9 * * 1-5"' using errcode = 'TN539';
    end if;
  else
    raise exception 'an alert is a threshold, an anomaly or a schedule' using errcode = 'TN537';
  end if;
  if new.kind <> 'threshold' then
    new.comparison := null;
    new.threshold := null;
  end if;
  if new.kind <> 'schedule' then
    new.schedule_cron := null;
  end if;
  if new.snoozed_until is not null and (tg_op = 'INSERT' or new.snoozed_until is distinct from old.snoozed_until)
     and (new.snoozed_until <= now() or new.snoozed_until > now() + interval '30 days') then
    raise exception 'snooze until a time in the next 30 days' using errcode = 'TN541';
  end if;
  -- A changed schedule is computed again by the next tick.
  if tg_op = 'UPDATE' and (new.schedule_cron is distinct from old.schedule_cron or new.kind is distinct from old.kind) then
    new.next_run_at := null;
  end if;
  return new;
end
$$;

comment on function private.check_alert() is
  'BEFORE INSERT/UPDATE on alerts: TN535 name empty, too long or taken; TN536 a source that is not one of the '
  'tenant''s; TN537 a threshold without its comparison and value; TN538 anomaly settings (a metric, threshold 1-20, '
  '2-12 weeks); TN539 a schedule that is not five cron fields; TN541 a snooze not in the next 30 days.';

create trigger alerts_check before insert or update on public.alerts
  for each row execute function private.check_alert();

create or replace function private.check_alert_channel()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.kind = 'slack' and not exists (select 1 from public.integrations i
                                        where i.tenant_id = new.tenant_id and i.id = new.slack_integration_id
                                          and i.type = 'slack') then
    raise exception 'choose a Slack integration of this organisation and a channel' using errcode = 'TN540';
  end if;
  if new.kind = 'slack' and (new.slack_channel is null
                             or new.slack_channel !~ '^(#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,20})$') then
    raise exception 'a Slack channel is an id such as C0123ABCD or a name such as #alerts' using errcode = 'TN540';
  end if;
  if new.kind <> 'slack' and (new.slack_integration_id is not null or new.slack_channel is not null) then
    raise exception 'only a Slack channel names an integration and a channel' using errcode = 'TN540';
  end if;
  return new;
end
$$;

comment on function private.check_alert_channel() is
  'BEFORE INSERT/UPDATE on alert_channels: TN540 unless a Slack channel names a Slack integration of the same tenant '
  'and a channel (the same answer whether it is another tenant''s or not Slack). Security definer: reads integrations.';

create trigger alert_channels_check before insert or update on public.alert_channels
  for each row execute function private.check_alert_channel();

create trigger alerts_set_updated_at before update on public.alerts
  for each row execute function private.set_updated_at();
create trigger alerts_immutable_columns before update on public.alerts
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_by', 'created_at');
create trigger alert_channels_immutable_columns before update on public.alert_channels
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'alert_id', 'kind', 'created_by', 'created_at');
create trigger alert_events_immutable_columns before update on public.alert_events
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'alert_id', 'value', 'started_at', 'created_at');

-- The evaluator's own columns change on every evaluation: kept out of the audit log.
select private.enable_audit('public.alerts', 'tenant_id', '{id}',
  '{updated_at,state,breach_since,last_value,last_evaluated_at,last_error,next_run_at}');
select private.enable_audit('public.alert_channels', 'tenant_id', '{id}', '{}');

-- ---------------------------------------------------------------------------------------------
-- Channels: the notifications fan-out honours an alert event's payload.channels
-- ---------------------------------------------------------------------------------------------

-- The fan-out writes an alert.* notification for every holder of alerts.manage; this keeps only
-- the channels the alert chose (payload.channels: in_app, email). Returning null skips the row,
-- which the fan-out's `on conflict do nothing` insert counts as not written.
create or replace function private.alert_notification_channel()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_channel text := case tg_table_name when 'notifications' then 'in_app' else 'email' end;
begin
  if exists (select 1 from public.events e
             where e.tenant_id = new.tenant_id and e.id = new.event_id
               and jsonb_typeof(e.payload -> 'channels') = 'array' and not (e.payload -> 'channels' ? v_channel)) then
    return null;
  end if;
  return new;
end
$$;

comment on function private.alert_notification_channel() is
  'BEFORE INSERT on notifications and notification_mail for the alert.* kinds: skips the row when the event''s '
  'payload.channels does not list the channel (in_app, email). Security definer: reads the event log.';

create trigger notifications_alert_channel before insert on public.notifications
  for each row when (new.kind in ('alert.fired', 'alert.resolved'))
  execute function private.alert_notification_channel();
create trigger notification_mail_alert_channel before insert on private.notification_mail
  for each row when (new.kind in ('alert.fired', 'alert.resolved'))
  execute function private.alert_notification_channel();

-- ---------------------------------------------------------------------------------------------
-- The evaluator's functions (service_role: the bi.alerts job)
-- ---------------------------------------------------------------------------------------------

-- Alerts to evaluate now: enabled alerts of active tenants; a threshold or anomaly alert whose last
-- evaluation is 50 seconds old or more (the tick runs every minute), a schedule whose tick is due or
-- not computed yet.
create or replace function private.alerts_due(p_now timestamptz default now(), p_limit integer default 200)
returns table (alert_id uuid, tenant_id uuid, kind text, next_run_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select a.id, a.tenant_id, a.kind, a.next_run_at
  from public.alerts a join public.tenants t on t.id = a.tenant_id
  where a.enabled and t.status = 'active'
    and case when a.kind = 'schedule' then a.next_run_at is null or a.next_run_at <= p_now
             else a.last_evaluated_at is null or a.last_evaluated_at <= p_now - interval '50 seconds' end
  order by a.last_evaluated_at nulls first, a.id
  limit greatest(coalesce(p_limit, 200), 1)
$$;

comment on function private.alerts_due(timestamptz, integer) is
  'The enabled alerts of active tenants due for evaluation at p_now (a threshold or anomaly alert a minute after its '
  'last evaluation; a schedule at its tick or when none is computed). service_role only (the bi.alerts job).';

-- Tells about an alert event, unless the alert is muted or snoozed at p_at: the domain event
-- (webhooks; the fan-out in the app and by email, narrowed to the alert's channels) and a
-- bi.alert_slack job per Slack channel. Returns whether it told anyone.
create or replace function private.notify_alert(p_alert public.alerts, p_event public.alert_events, p_type text, p_at timestamptz)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_channels jsonb;
  v_event uuid;
  v_value text := coalesce(coalesce(p_event.resolved_value, p_event.value)::float8::text, 'no value');
begin
  if p_alert.muted or (p_alert.snoozed_until is not null and p_alert.snoozed_until > p_at) then
    return false;
  end if;
  select coalesce(jsonb_agg(c.kind order by c.kind), '[]') into v_channels
  from public.alert_channels c where c.tenant_id = p_alert.tenant_id and c.alert_id = p_alert.id;
  if jsonb_array_length(v_channels) = 0 then
    return false;
  end if;
  v_event := private.publish_event(p_alert.tenant_id, p_type, 'alert', p_alert.id::text, jsonb_build_object(
    'alert_id', p_alert.id, 'alert_event_id', p_event.id, 'name', p_alert.name, 'kind', p_alert.kind,
    'status', p_event.status, 'value', coalesce(p_event.resolved_value, p_event.value),
    'started_at', private.event_time(p_event.started_at),
    'resolved_at', case when p_event.resolved_at is null then null else private.event_time(p_event.resolved_at) end,
    'detail', p_event.detail, 'channels', v_channels,
    'summary', p_alert.name || case p_type when 'alert.resolved' then ' resolved' when 'alert.fired' then
      case p_alert.kind when 'schedule' then ' sent' else ' fired' end end || ': ' || v_value));
  if v_event is not null then
    perform private.enqueue_job('bi.alert_slack', jsonb_build_object('event_id', v_event, 'channel_id', c.id),
                                p_tenant_id => c.tenant_id, p_dedupe_key => v_event::text || ':' || c.id::text)
      from public.alert_channels c
     where c.tenant_id = p_alert.tenant_id and c.alert_id = p_alert.id and c.kind = 'slack';
  end if;
  return v_event is not null;
end
$$;

comment on function private.notify_alert(public.alerts, public.alert_events, text, timestamptz) is
  'Publishes alert.fired / alert.resolved for an alert event and queues a bi.alert_slack job per Slack channel, '
  'unless the alert is muted, snoozed at p_at or has no channel; returns whether it did.';

-- Records one evaluation of a threshold or anomaly alert at p_at: the value, whether it is in breach
-- (p_breached) and what the evaluation saw (p_detail), or the error that kept it from reading one.
-- In breach for for_minutes (since the first evaluation in breach that no evaluation out of it
-- followed) opens a firing — at most one (the partial unique index; on conflict nothing) and only
-- the evaluation that opened it notifies; out of breach resolves the open one. Returns the state:
-- ok, pending, firing, fired (opened now), resolved (closed now).
create or replace function private.record_alert_result(
  p_alert_id uuid, p_at timestamptz, p_value numeric, p_breached boolean, p_detail jsonb default '{}',
  p_error text default null)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_alert public.alerts;
  v_event public.alert_events;
  v_since timestamptz;
begin
  select * into v_alert from public.alerts a where a.id = p_alert_id;
  if not found or v_alert.kind = 'schedule' then
    raise exception 'no threshold or anomaly alert %', p_alert_id using errcode = 'TN542';
  end if;
  if p_error is not null then
    update public.alerts a set last_evaluated_at = p_at, last_error = left(p_error, 500) where a.id = p_alert_id;
    return v_alert.state;
  end if;
  if not coalesce(p_breached, false) then
    update public.alerts a set state = 'ok', breach_since = null, last_value = p_value, last_evaluated_at = p_at,
                               last_error = null
     where a.id = p_alert_id;
    update public.alert_events e set status = 'resolved', resolved_at = p_at, resolved_value = p_value
     where e.tenant_id = v_alert.tenant_id and e.alert_id = p_alert_id and e.status = 'firing'
    returning * into v_event;
    if v_event.id is null then
      return 'ok';
    end if;
    if private.notify_alert(v_alert, v_event, 'alert.resolved', p_at) then
      update public.alert_events e set notified = true where e.id = v_event.id;
    end if;
    return 'resolved';
  end if;
  v_since := coalesce(v_alert.breach_since, p_at);
  if p_at < v_since + make_interval(mins => v_alert.for_minutes) then
    update public.alerts a set state = case when a.state = 'firing' then 'firing' else 'pending' end,
                               breach_since = v_since, last_value = p_value, last_evaluated_at = p_at, last_error = null
     where a.id = p_alert_id;
    return 'pending';
  end if;
  update public.alerts a set state = 'firing', breach_since = v_since, last_value = p_value, last_evaluated_at = p_at,
                             last_error = null
   where a.id = p_alert_id;
  insert into public.alert_events (tenant_id, alert_id, status, value, detail, started_at)
  values (v_alert.tenant_id, p_alert_id, 'firing', p_value, coalesce(p_detail, '{}'), p_at)
  on conflict (tenant_id, alert_id) where status = 'firing' do nothing
  returning * into v_event;
  if v_event.id is null then
    return 'firing';
  end if;
  if private.notify_alert(v_alert, v_event, 'alert.fired', p_at) then
    update public.alert_events e set notified = true where e.id = v_event.id;
  end if;
  return 'fired';
end
$$;

comment on function private.record_alert_result(uuid, timestamptz, numeric, boolean, jsonb, text) is
  'The bi.alerts job: records a threshold or anomaly evaluation (TN542 for another alert). Opens one firing after '
  'for_minutes in breach (unique open event: concurrent evaluations open one, and only that one notifies), resolves it '
  'out of breach; returns ok, pending, firing, fired or resolved. service_role only.';

-- Records a schedule's tick: when p_tick is the alert's due tick, the send (once per tick) and its
-- notification; then the next tick. Nothing when another evaluation took the tick. A first
-- computation (p_tick null on an alert without one) only sets the next tick.
create or replace function private.record_alert_schedule(
  p_alert_id uuid, p_tick timestamptz, p_next timestamptz, p_value numeric, p_detail jsonb default '{}',
  p_error text default null)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_alert public.alerts;
  v_event public.alert_events;
begin
  select * into v_alert from public.alerts a where a.id = p_alert_id and a.kind = 'schedule' for update;
  if not found then
    raise exception 'no schedule alert %', p_alert_id using errcode = 'TN542';
  end if;
  if v_alert.next_run_at is distinct from p_tick then
    return 'taken';
  end if;
  update public.alerts a set next_run_at = p_next, last_evaluated_at = now(), last_error = left(p_error, 500),
                             last_value = coalesce(p_value, a.last_value)
   where a.id = p_alert_id;
  if p_tick is null then
    return 'scheduled';
  end if;
  if p_error is not null then
    return 'error';
  end if;
  insert into public.alert_events (tenant_id, alert_id, status, value, detail, started_at)
  values (v_alert.tenant_id, p_alert_id, 'sent', p_value, coalesce(p_detail, '{}'), p_tick)
  on conflict (tenant_id, alert_id, started_at) where status = 'sent' do nothing
  returning * into v_event;
  if v_event.id is null then
    return 'taken';
  end if;
  if private.notify_alert(v_alert, v_event, 'alert.fired', p_tick) then
    update public.alert_events e set notified = true where e.id = v_event.id;
  end if;
  return 'sent';
end
$$;

comment on function private.record_alert_schedule(uuid, timestamptz, timestamptz, numeric, jsonb, text) is
  'The bi.alerts job: sends a schedule alert''s due tick once (an alert event `sent`, notified unless muted or '
  'snoozed) and stores the next tick; ''taken'' when the tick is not the alert''s current one. service_role only.';

-- What the bi.alert_slack job posts: the alert's Slack channel and the notification's sentence.
create or replace function private.alert_slack_message(p_event_id uuid, p_channel_id uuid)
returns table (tenant_id uuid, integration_id uuid, channel text, title text, body text, link text)
language sql
stable
security definer
set search_path = ''
as $$
  select e.tenant_id, c.slack_integration_id, c.slack_channel, x.title, x.body, x.link
    from public.events e
    join public.notification_kinds k on k.kind = e.type
    join public.tenants t on t.id = e.tenant_id
    join public.alert_channels c on c.tenant_id = e.tenant_id and c.id = p_channel_id and c.kind = 'slack'
   cross join lateral private.notification_text(e, k, t.slug) x
   where e.id = p_event_id and e.type in ('alert.fired', 'alert.resolved')
$$;

comment on function private.alert_slack_message(uuid, uuid) is
  'The bi.alert_slack job: the Slack integration, channel and sentence of an alert event for one of the alert''s Slack '
  'channels; no row when the channel is gone. service_role only.';

-- "Evaluate now" (alerts.manage): queues the alert's evaluation on the job queue.
create or replace function public.evaluate_alert_now(p_alert_id uuid)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_alert public.alerts;
begin
  select * into v_alert from public.alerts a where a.id = p_alert_id;
  if not found then
    raise exception 'no such alert' using errcode = 'TN542';
  end if;
  perform private.authorize('alerts.manage', v_alert.tenant_id);
  if not v_alert.enabled then
    raise exception 'turn the alert on to evaluate it' using errcode = 'TN542';
  end if;
  return private.enqueue_job('bi.alerts', jsonb_build_object('alert_id', v_alert.id, 'manual', true),
                             p_tenant_id => v_alert.tenant_id);
end
$$;

comment on function public.evaluate_alert_now(uuid) is
  'Queues an evaluation of an alert on the bi.alerts queue (a schedule sends its value now); returns the job. Needs '
  'alerts.manage (TN002); TN542 for no such alert or a disabled one.';

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.alerts, public.alert_channels, public.alert_events from anon, authenticated, service_role;
grant select, delete on public.alerts, public.alert_channels to authenticated, service_role;
grant insert (tenant_id, name, source, metric, saved_query_id, widget_id, kind, comparison, threshold, for_minutes,
              anomaly_threshold, anomaly_weeks, schedule_cron, enabled, muted, snoozed_until)
  on public.alerts to authenticated, service_role;
grant update (name, source, metric, saved_query_id, widget_id, kind, comparison, threshold, for_minutes,
              anomaly_threshold, anomaly_weeks, schedule_cron, enabled, muted, snoozed_until)
  on public.alerts to authenticated, service_role;
grant insert (tenant_id, alert_id, kind, slack_integration_id, slack_channel) on public.alert_channels to authenticated, service_role;
grant update (slack_integration_id, slack_channel) on public.alert_channels to authenticated, service_role;
grant select on public.alert_events to authenticated, service_role;

revoke all on function private.check_alert(), private.check_alert_channel(), private.alert_notification_channel(),
  private.alerts_due(timestamptz, integer), private.notify_alert(public.alerts, public.alert_events, text, timestamptz),
  private.record_alert_result(uuid, timestamptz, numeric, boolean, jsonb, text),
  private.record_alert_schedule(uuid, timestamptz, timestamptz, numeric, jsonb, text),
  private.alert_slack_message(uuid, uuid), public.evaluate_alert_now(uuid) from public, anon;
grant execute on function private.alerts_due(timestamptz, integer),
  private.record_alert_result(uuid, timestamptz, numeric, boolean, jsonb, text),
  private.record_alert_schedule(uuid, timestamptz, timestamptz, numeric, jsonb, text),
  private.alert_slack_message(uuid, uuid) to service_role;
grant execute on function public.evaluate_alert_now(uuid) to authenticated;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

-- Alerts and channels: dashboards.read reads, alerts.manage writes.
create policy alerts_select_permitted on public.alerts
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.read'))));
create policy alerts_insert_permitted on public.alerts
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('alerts.manage'))));
create policy alerts_update_permitted on public.alerts
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('alerts.manage'))))
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('alerts.manage'))));
create policy alerts_delete_permitted on public.alerts
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('alerts.manage'))));
create policy alert_channels_select_permitted on public.alert_channels
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.read'))));
create policy alert_channels_insert_permitted on public.alert_channels
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('alerts.manage'))));
create policy alert_channels_update_permitted on public.alert_channels
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('alerts.manage'))))
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('alerts.manage'))));
create policy alert_channels_delete_permitted on public.alert_channels
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('alerts.manage'))));
-- The history: dashboards.read reads; no API role writes it (the job's definer functions do).
create policy alert_events_select_permitted on public.alert_events
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.read'))));
