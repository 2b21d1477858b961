-- Shared dashboards refreshed on a schedule (issue 18 §6, docs/bi.md#sharing): a share is frozen
-- (refresh_hours null, the snapshot taken when sharing) or refreshed every 1, 6, 12 or 24 hours.
-- The bi.share_refresh job recomputes the snapshot as the person who shared (created_by) under their
-- current rights — their own transaction, RLS deciding — never as the service role over live data.
-- When the sharer may no longer manage dashboards in the tenant (or left it), the job stops the
-- refresh through private.stop_share_refresh and the link says so, keeping its last snapshot.
-- Owns: columns dashboard_shares.refresh_hours, next_refresh_at, refresh_stopped_at,
-- refresh_stopped_reason; functions private.schedule_share_refresh(), private.share_refreshes_due,
-- private.stop_share_refresh; queue bi.share_refresh. Raises TN564 (a refresh interval that is not one).

alter table public.dashboard_shares
  add column refresh_hours integer,
  add column next_refresh_at timestamptz,
  add column refresh_stopped_at timestamptz,
  add column refresh_stopped_reason text;

comment on column public.dashboard_shares.refresh_hours is
  'Hours between refreshes of the snapshot (1, 6, 12 or 24), as the sharer; null: frozen at the time of sharing.';
comment on column public.dashboard_shares.next_refresh_at is
  'When the bi.share_refresh job next recomputes the snapshot (snapshot_at + refresh_hours); null when frozen or stopped.';
comment on column public.dashboard_shares.refresh_stopped_at is
  'When refreshing stopped because the sharer lost the right to manage dashboards here or left the tenant.';

create index dashboard_shares_refresh_due_idx on public.dashboard_shares (next_refresh_at)
  where next_refresh_at is not null;

select private.register_job_queue('bi.share_refresh',
  'Recomputes a shared dashboard''s snapshot as its sharer, under their current rights', 3, '[30, 300, 1800]');

-- BEFORE INSERT/UPDATE: the interval is one of four; the next refresh follows the snapshot's time.
create or replace function private.schedule_share_refresh()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.refresh_hours is not null and new.refresh_hours not in (1, 6, 12, 24) then
    raise exception 'a shared dashboard refreshes every 1, 6, 12 or 24 hours, or never (frozen)'
      using errcode = 'TN564';
  end if;
  new.next_refresh_at := case
    when new.refresh_hours is null or new.refresh_stopped_at is not null or new.revoked_at is not null then null
    else new.snapshot_at + make_interval(hours => new.refresh_hours) end;
  return new;
end
$$;

comment on function private.schedule_share_refresh() is
  'BEFORE INSERT/UPDATE on dashboard_shares: TN564 a refresh interval other than 1, 6, 12 or 24 hours (chosen when '
  'sharing: nobody may update it); sets next_refresh_at (snapshot_at + refresh_hours; null when frozen, stopped or revoked).';

create trigger dashboard_shares_schedule before insert or update on public.dashboard_shares
  for each row execute function private.schedule_share_refresh();

-- The shares due at p_now: refreshing, not revoked nor stopped, of active tenants.
create or replace function private.share_refreshes_due(p_now timestamptz default now(), p_limit integer default 200)
returns table (share_id uuid, tenant_id uuid, next_refresh_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select s.id, s.tenant_id, s.next_refresh_at
  from public.dashboard_shares s join public.tenants t on t.id = s.tenant_id
  where s.next_refresh_at <= p_now and t.status = 'active'
  order by s.next_refresh_at, s.id
  limit greatest(coalesce(p_limit, 200), 1)
$$;

comment on function private.share_refreshes_due(timestamptz, integer) is
  'The shared dashboards whose snapshot is due for a refresh at p_now. service_role only (the bi.share_refresh job).';

-- Stops a share's refreshing, with the reason the link shows; the snapshot stays as it was.
create or replace function private.stop_share_refresh(p_share_id uuid, p_reason text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_found boolean;
begin
  update public.dashboard_shares
     set refresh_stopped_at = now(), refresh_stopped_reason = left(btrim(p_reason), 300)
   where id = p_share_id and revoked_at is null and refresh_stopped_at is null and refresh_hours is not null;
  get diagnostics v_found = row_count;
  return v_found;
end
$$;

comment on function private.stop_share_refresh(uuid, text) is
  'Stops refreshing a shared dashboard (its sharer lost the right or left), keeping the last snapshot; returns '
  'whether it stopped one. service_role only (the bi.share_refresh job).';

revoke all on function private.schedule_share_refresh(), private.share_refreshes_due(timestamptz, integer),
  private.stop_share_refresh(uuid, text) from public, anon, authenticated;
grant execute on function private.share_refreshes_due(timestamptz, integer), private.stop_share_refresh(uuid, text)
  to service_role;

grant select (refresh_hours, next_refresh_at, refresh_stopped_at, refresh_stopped_reason)
  on public.dashboard_shares to authenticated;
grant insert (refresh_hours) on public.dashboard_shares to authenticated;

-- ---------------------------------------------------------------------------------------------
-- Domain events of dashboards, their links and saved queries (src/lib/server/events/catalogue.ts)
-- ---------------------------------------------------------------------------------------------

insert into public.event_types (type, module, description) values
  ('dashboard.created', 'bi', 'A dashboard was created.'),
  ('dashboard.updated', 'bi', 'A dashboard was renamed, or its description or default time range changed.'),
  ('dashboard.deleted', 'bi', 'A dashboard was deleted (its widgets and links with it).'),
  ('dashboard.shared', 'bi', 'A read-only link to a dashboard was created.'),
  ('dashboard.share_revoked', 'bi', 'A dashboard''s link was revoked.'),
  ('saved_query.created', 'bi', 'A saved query was created.'),
  ('saved_query.updated', 'bi', 'A saved query was renamed, or its description or mode changed.'),
  ('saved_query.deleted', 'bi', 'A saved query was deleted (its widgets with it).');

create trigger dashboards_publish after insert or update or delete on public.dashboards
  for each row execute function private.publish_change_event('dashboard', 'name,description,time_range', 'name');
create trigger saved_queries_publish after insert or update or delete on public.saved_queries
  for each row execute function private.publish_change_event('saved_query', 'name,description,mode', 'name');

-- dashboard.shared on a new link, dashboard.share_revoked when it is revoked; the subject is the
-- dashboard; never the token or its hash.
create or replace function private.publish_share_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.publish_event(new.tenant_id, 'dashboard.shared', 'dashboard', new.dashboard_id::text,
      jsonb_build_object('share_id', new.id, 'allowed_origins', to_jsonb(new.allowed_origins),
                         'refresh_hours', new.refresh_hours));
  elsif old.revoked_at is null and new.revoked_at is not null then
    perform private.publish_event(new.tenant_id, 'dashboard.share_revoked', 'dashboard', new.dashboard_id::text,
      jsonb_build_object('share_id', new.id));
  end if;
  return null;
end
$$;

comment on function private.publish_share_event() is
  'AFTER INSERT / UPDATE OF revoked_at on dashboard_shares: publishes dashboard.shared and dashboard.share_revoked.';

revoke all on function private.publish_share_event() from public, anon, authenticated;

create trigger dashboard_shares_publish after insert or update of revoked_at on public.dashboard_shares
  for each row execute function private.publish_share_event();
