-- Slack as a notification channel (issue 14 §2): an organisation chooses, per notification kind,
-- a channel of one of its Slack integrations; each event of that kind is then posted there, as
-- the notification's sentence, by the notifications.slack queue (src/lib/server/notifications/slack.ts
-- calls the integrations module's postSlackMessage; retries and dead letters are the queue's).
--
-- The choice is two columns of tenant_notification_settings, so the organisation's rules stay in
-- one row per kind and the same policies (notifications.manage) decide who sets them. The
-- integration is a composite foreign key (the same tenant's, or nothing); a trigger refuses one
-- that is not Slack (TN295) and clears the channel when the integration goes.

-- ---------------------------------------------------------------------------------------------
-- Columns
-- ---------------------------------------------------------------------------------------------

alter table public.tenant_notification_settings
  add column slack_integration_id uuid,
  add column slack_channel text
    constraint tenant_notification_settings_slack_channel_format
    check (slack_channel ~ '^(#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,20})$'),
  add constraint tenant_notification_settings_slack_integration_fk foreign key (tenant_id, slack_integration_id)
    references public.integrations (tenant_id, id) on delete set null (slack_integration_id),
  add constraint tenant_notification_settings_slack_both
    check ((slack_integration_id is null) = (slack_channel is null));
comment on column public.tenant_notification_settings.slack_integration_id is
  'The Slack integration (of this tenant) the kind is posted through; null: not posted to Slack.';
comment on column public.tenant_notification_settings.slack_channel is
  'The Slack channel (an id such as C0123ABCD, or a name) each event of the kind is posted to; set with '
  'slack_integration_id or not at all.';
create index tenant_notification_settings_slack_idx on public.tenant_notification_settings (tenant_id, slack_integration_id)
  where slack_integration_id is not null;

create or replace function private.check_tenant_notification_slack()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- The integration went (on delete set null): the channel goes with it.
  if new.slack_integration_id is null then
    new.slack_channel := null;
    return new;
  end if;
  if not exists (select 1 from public.integrations i
                  where i.tenant_id = new.tenant_id and i.id = new.slack_integration_id and i.type = 'slack') then
    raise exception 'Choose a Slack integration of this organisation for the channel' using errcode = 'TN295';
  end if;
  return new;
end
$$;
comment on function private.check_tenant_notification_slack() is
  'BEFORE INSERT/UPDATE trigger on tenant_notification_settings: TN295 unless slack_integration_id is a Slack '
  'integration of the same tenant; a cleared integration (deleted: on delete set null) clears the channel. Security '
  'definer: the caller need not read integrations to be refused the same way.';

create trigger tenant_notification_settings_slack before insert or update on public.tenant_notification_settings
  for each row execute function private.check_tenant_notification_slack();

grant insert (slack_integration_id, slack_channel) on public.tenant_notification_settings to authenticated;
grant update (slack_integration_id, slack_channel) on public.tenant_notification_settings to authenticated;
revoke all on function private.check_tenant_notification_slack() from public;

-- ---------------------------------------------------------------------------------------------
-- The queue: a job per event whose kind the organisation posts to Slack, in the publishing
-- transaction (the same trigger that queues the in-app and email fan-out)
-- ---------------------------------------------------------------------------------------------

select private.register_job_queue('notifications.slack',
  'Posts a notification to the Slack channel the organisation chose for its kind', 6, '[5, 30, 120, 600, 1800]');

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
  perform private.enqueue_job('notifications.slack', jsonb_build_object('event_id', n.id),
                              p_tenant_id => n.tenant_id, p_dedupe_key => n.id::text)
     from new_events n
     join public.tenant_notification_settings s on s.tenant_id = n.tenant_id and s.kind = n.type
    where s.slack_channel is not null;
  return null;
end
$$;
comment on function private.enqueue_event_notifications() is
  'AFTER INSERT statement trigger on events: queues the events a notification kind exists for, and a '
  'notifications.slack job (dedupe key: the event id) for each one whose kind the organisation posts to Slack. '
  'Security definer: the queues are private.';

-- What the notifications.slack job posts: the organisation's current choice for the event's kind
-- (none any more: no row, the job has nothing to do) and the notification's sentence.
create or replace function private.slack_notification(p_event_id uuid)
returns table (tenant_id uuid, integration_id uuid, channel text, title text, body text, link text)
language sql
stable
security definer
set search_path = ''
as $$
  select e.tenant_id, s.slack_integration_id, s.slack_channel, x.title, x.body, x.link
    from public.events e
    join public.notification_kinds k on k.kind = e.type
    join public.tenants t on t.id = e.tenant_id
    join public.tenant_notification_settings s on s.tenant_id = e.tenant_id and s.kind = e.type
   cross join lateral private.notification_text(e, k, t.slug) x
   where e.id = p_event_id and s.slack_channel is not null
$$;
comment on function private.slack_notification(uuid) is
  'The notifications.slack job: the Slack integration, channel and sentence (title, body, link) of an event whose '
  'kind its organisation posts to Slack; no row when it no longer does. service_role only.';
revoke all on function private.slack_notification(uuid) from public;
grant execute on function private.slack_notification(uuid) to service_role;
