-- Integrations (issue 14 §2): the registry of integration types, a tenant's integrations (optionally
-- of one project or environment) with their configuration and status, the secrets each holds (owned
-- secrets of the secrets module: only their ids are here), the inbound events providers send, and
-- the caches of GitHub repositories and Slack workspaces and channels the sync job keeps fresh.
--
-- Owns: tables integration_types, integrations, integration_secrets, integration_events,
-- github_repos, slack_workspaces, slack_channels; private.managed_integration,
-- check_integration; the RPCs create_integration, update_integration, set_integration_secret,
-- record_integration_check, disconnect_integration, delete_integration, replay_integration_event;
-- the system functions receive_integration_event, finish_integration_event,
-- record_integration_sync; event types integration.connected, integration.disconnected,
-- integration.failed, integration.event_received. TN330–TN342 (TN343–TN349 kept for this module).
--
-- Who (docs/integrations.md): holders of integrations.read in the tenant read its integrations,
-- which secrets each has (names and ids, never values), its inbound events and the caches; holders
-- of integrations.manage call the RPCs, the only writers for people and API keys. The inbound
-- endpoint and the queue's handlers run as named system jobs (service_role) and write through the
-- system functions and the cache tables' grants.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.integration_types (
  type text primary key check (type ~ '^[a-z][a-z_]{1,39}$'),
  name text not null check (char_length(name) between 1 and 100),
  description text not null check (char_length(description) between 1 and 500),
  -- The configuration's fields ({name, required}); the zod schema in src/lib/integrations/types.ts
  -- validates the values.
  config_fields jsonb not null default '[]' check (jsonb_typeof(config_fields) = 'array'),
  -- The secrets an integration of this type holds, and those Tenantry may make when left empty.
  secret_names text[] not null default '{}',
  required_secrets text[] not null default '{}',
  -- How its inbound events are signed; null: it takes none.
  inbound text check (inbound in ('github', 'slack', 'standard_webhooks')),
  check (required_secrets <@ secret_names)
);
alter table public.integration_types enable row level security;
comment on table public.integration_types is
  'The registry of integration types (github, slack, odoo, supabase, generic_webhook): name, description, the '
  'configuration''s fields, the secrets each needs, and how inbound events are signed (null: none taken).';

create table public.integrations (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  type text not null references public.integration_types (type),
  name text not null check (char_length(name) between 1 and 100),
  project_id uuid,
  environment_id uuid,
  config jsonb not null default '{}' check (jsonb_typeof(config) = 'object' and pg_column_size(config) <= 16384),
  -- connected: the last check passed; error: it failed (last_error says why); disconnected: not
  -- connected (never checked, or disconnected: secrets and caches gone, inbound refused).
  status text not null default 'disconnected' check (status in ('connected', 'error', 'disconnected')),
  last_error text check (char_length(last_error) <= 1000),
  last_checked_at timestamptz,
  last_synced_at timestamptz,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, name),
  check (environment_id is null or project_id is not null),
  foreign key (tenant_id, project_id) references public.projects (tenant_id, id) on delete cascade,
  foreign key (tenant_id, environment_id) references public.environments (tenant_id, id) on delete cascade
);
alter table public.integrations enable row level security;
comment on table public.integrations is
  'A tenant''s connection to a provider (optionally for one project or environment): its type, configuration '
  '(no secrets), status (connected, error, disconnected), the last error and when it was last checked and synced.';
create index integrations_tenant_created_idx on public.integrations (tenant_id, created_at);

create table public.integration_secrets (
  tenant_id uuid not null,
  integration_id uuid not null,
  name text not null check (name ~ '^[a-z][a-z_]{1,39}$'),
  secret_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (integration_id, name),
  unique (secret_id),
  foreign key (tenant_id, integration_id) references public.integrations (tenant_id, id) on delete cascade,
  foreign key (tenant_id, secret_id) references public.secrets (tenant_id, id) on delete cascade
);
alter table public.integration_secrets enable row level security;
comment on table public.integration_secrets is
  'Which secret holds each credential of an integration (token, signing_secret …): owned secrets of the '
  'secrets module (owner integration), so their values are encrypted there and go when the integration goes.';
create index integration_secrets_tenant_idx on public.integration_secrets (tenant_id, integration_id);

create table public.integration_events (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  integration_id uuid not null,
  -- The provider's id of the delivery (X-GitHub-Delivery, Slack's event_id, webhook-id): recorded once.
  delivery_id text not null check (char_length(delivery_id) between 1 and 200),
  -- push, pull_request.opened, message, channel_created …
  provider_event text not null check (char_length(provider_event) between 1 and 200),
  -- The headers kept (event, delivery, timestamps, user agent; never the signature).
  headers jsonb not null default '{}' check (jsonb_typeof(headers) = 'object'),
  body text not null check (char_length(body) <= 262144),
  -- queued: to be processed (again); processed: published as integration.event_received; failed:
  -- given up (every attempt failed, or it cannot succeed): a replay queues it again.
  status text not null default 'queued' check (status in ('queued', 'processed', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  error text check (char_length(error) <= 1000),
  summary text check (char_length(summary) <= 500),
  replays integer not null default 0 check (replays >= 0),
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  unique (tenant_id, id),
  unique (integration_id, delivery_id),
  foreign key (tenant_id, integration_id) references public.integrations (tenant_id, id) on delete cascade
);
alter table public.integration_events enable row level security;
comment on table public.integration_events is
  'Inbound events as received (verified, deduplicated by the provider''s delivery id): raw body, headers kept, '
  'and their processing — queued, processed or failed, attempts, the last error.';
create index integration_events_integration_received_idx on public.integration_events (tenant_id, integration_id, received_at);

create table public.github_repos (
  tenant_id uuid not null,
  integration_id uuid not null,
  repo_id bigint not null,
  full_name text not null check (char_length(full_name) between 1 and 300),
  private boolean not null default false,
  archived boolean not null default false,
  default_branch text,
  html_url text,
  pushed_at timestamptz,
  synced_at timestamptz not null default now(),
  primary key (integration_id, repo_id),
  foreign key (tenant_id, integration_id) references public.integrations (tenant_id, id) on delete cascade
);
alter table public.github_repos enable row level security;
comment on table public.github_repos is
  'The repositories a GitHub integration''s token reaches, as GitHub last listed them (the sync job).';
create index github_repos_tenant_idx on public.github_repos (tenant_id, integration_id, full_name);

create table public.slack_workspaces (
  tenant_id uuid not null,
  integration_id uuid primary key,
  team_id text not null check (char_length(team_id) between 1 and 50),
  team_name text not null check (char_length(team_name) <= 200),
  url text,
  bot_user_id text,
  synced_at timestamptz not null default now(),
  foreign key (tenant_id, integration_id) references public.integrations (tenant_id, id) on delete cascade
);
alter table public.slack_workspaces enable row level security;
comment on table public.slack_workspaces is
  'The Slack workspace a Slack integration''s bot token belongs to (auth.test), as last checked.';
create index slack_workspaces_tenant_idx on public.slack_workspaces (tenant_id);

create table public.slack_channels (
  tenant_id uuid not null,
  integration_id uuid not null,
  channel_id text not null check (char_length(channel_id) between 1 and 50),
  name text not null check (char_length(name) <= 200),
  is_private boolean not null default false,
  is_archived boolean not null default false,
  num_members integer,
  synced_at timestamptz not null default now(),
  primary key (integration_id, channel_id),
  foreign key (tenant_id, integration_id) references public.integrations (tenant_id, id) on delete cascade
);
alter table public.slack_channels enable row level security;
comment on table public.slack_channels is
  'The channels a Slack integration''s bot sees (conversations.list), kept fresh by the sync job and by channel events.';
create index slack_channels_tenant_idx on public.slack_channels (tenant_id, integration_id, name);

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.integration_types (type, name, description, config_fields, secret_names, required_secrets, inbound) values
  ('github', 'GitHub', 'Repositories and their events (pushes, pull requests, issues) from GitHub.',
   '[{"name": "organisation", "required": false}]', '{token,webhook_secret}', '{token}', 'github'),
  ('slack', 'Slack', 'A Slack workspace: its channels, its events, and messages posted by Tenantry.',
   '[{"name": "default_channel", "required": false}]', '{bot_token,signing_secret}', '{bot_token,signing_secret}', 'slack'),
  ('odoo', 'Odoo', 'An Odoo database reached through its external JSON-RPC API.',
   '[{"name": "base_url", "required": true}, {"name": "database", "required": true}, {"name": "username", "required": true}]',
   '{api_key}', '{api_key}', null),
  ('supabase', 'Supabase', 'A Supabase project reached through its REST API.',
   '[{"name": "project_url", "required": true}]', '{api_key}', '{api_key}', null),
  ('generic_webhook', 'Inbound webhook', 'Any sender that signs its events by the Standard Webhooks specification.',
   '[]', '{signing_secret}', '{}', 'standard_webhooks');

insert into public.event_types (type, module, description) values
  ('integration.connected', 'integrations', 'An integration''s connection check passed (it was not connected before).'),
  ('integration.disconnected', 'integrations', 'An integration was disconnected (or deleted): its secrets and caches are gone.'),
  ('integration.failed', 'integrations', 'An integration''s connection check or sync failed (it was not failing before).'),
  ('integration.event_received', 'integrations', 'An inbound event from a provider was verified and processed.');

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger integrations_updated_at before update on public.integrations
  for each row execute function private.set_updated_at();
create trigger integrations_immutable_columns before update on public.integrations
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'type', 'project_id', 'environment_id',
                                                              'created_by', 'created_at');
create trigger integration_secrets_immutable_columns before update on public.integration_secrets
  for each row execute function private.forbid_column_changes('tenant_id', 'integration_id', 'name', 'created_at');
create trigger integration_events_immutable_columns before update on public.integration_events
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'integration_id', 'delivery_id', 'provider_event', 'headers', 'body', 'received_at');
create trigger github_repos_immutable_columns before update on public.github_repos
  for each row execute function private.forbid_column_changes('tenant_id', 'integration_id', 'repo_id');
create trigger slack_workspaces_immutable_columns before update on public.slack_workspaces
  for each row execute function private.forbid_column_changes('tenant_id', 'integration_id');
create trigger slack_channels_immutable_columns before update on public.slack_channels
  for each row execute function private.forbid_column_changes('tenant_id', 'integration_id', 'channel_id');

-- An integration's secrets go with it (the secrets module's rows are not cascaded by a foreign key).
create or replace function private.integrations_delete_secrets()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.delete_owned_secrets('integration', old.id);
  return old;
end
$$;

comment on function private.integrations_delete_secrets() is
  'Deletes the owned secrets of an integration being deleted (private.delete_owned_secrets).';
revoke all on function private.integrations_delete_secrets() from public;

create trigger integrations_delete_secrets before delete on public.integrations
  for each row execute function private.integrations_delete_secrets();

-- Integrations and their secret links are audited row by row (the configuration has no secrets).
-- Events and caches are the providers' data, written at their rate: the replay RPC records an
-- audit event instead.
select private.enable_audit('public.integrations', 'tenant_id', '{id}', '{updated_at,last_checked_at,last_synced_at}');
select private.enable_audit('public.integration_secrets', 'tenant_id', '{integration_id,name}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.integration_types, public.integrations, public.integration_secrets, public.integration_events,
  public.github_repos, public.slack_workspaces, public.slack_channels from anon, authenticated, service_role;
grant select on public.integration_types to authenticated, service_role;
grant select (id, tenant_id, type, name, project_id, environment_id, config, status, last_error, last_checked_at,
              last_synced_at, created_by, created_at, updated_at)
  on public.integrations to authenticated, service_role;
grant select (tenant_id, integration_id, name, secret_id, created_at) on public.integration_secrets to authenticated, service_role;
grant select (id, tenant_id, integration_id, delivery_id, provider_event, headers, body, status, attempts, error, summary,
              replays, received_at, processed_at)
  on public.integration_events to authenticated, service_role;
grant select on public.github_repos, public.slack_workspaces, public.slack_channels to authenticated;
-- The sync job and the event handler (system jobs) keep the caches.
grant select, insert, update, delete on public.github_repos, public.slack_workspaces, public.slack_channels to service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy integration_types_select_authenticated on public.integration_types
  for select to authenticated using (true);

create policy integrations_select_permitted on public.integrations
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('integrations.read'))));
create policy integrations_select_mfa on public.integrations
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy integration_secrets_select_permitted on public.integration_secrets
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('integrations.read'))));
create policy integration_secrets_select_mfa on public.integration_secrets
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy integration_events_select_permitted on public.integration_events
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('integrations.read'))));
create policy integration_events_select_mfa on public.integration_events
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy github_repos_select_permitted on public.github_repos
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('integrations.read'))));
create policy github_repos_select_mfa on public.github_repos
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy slack_workspaces_select_permitted on public.slack_workspaces
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('integrations.read'))));
create policy slack_workspaces_select_mfa on public.slack_workspaces
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy slack_channels_select_permitted on public.slack_channels
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('integrations.read'))));
create policy slack_channels_select_mfa on public.slack_channels
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- An integration the caller manages, locked, or TN330 (the same answer whether or not it exists).
-- MFA and API-key refusals (TN004, TN200–TN203) pass through.
create or replace function private.managed_integration(p_integration_id uuid)
returns public.integrations
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_integration public.integrations;
begin
  select * into v_integration from public.integrations i where i.id = p_integration_id for update;
  if not found then
    raise exception 'no such integration' using errcode = 'TN330';
  end if;
  begin
    perform private.authorize('integrations.manage', v_integration.tenant_id);
  exception when sqlstate 'TN002' or sqlstate 'TN001' then
    raise exception 'no such integration' using errcode = 'TN330';
  end;
  return v_integration;
end
$$;

comment on function private.managed_integration(uuid) is
  'Locks an integration the caller holds integrations.manage for; TN330 otherwise. Security definer: finds the row first.';

-- The rules of a name and a configuration: TN332 name, TN333 configuration (an object of strings,
-- at most 16 KB, only the type's fields, the required ones present).
create or replace function private.check_integration(p_type text, p_name text, p_config jsonb)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_fields jsonb;
  v_key text;
begin
  select t.config_fields into v_fields from public.integration_types t where t.type = p_type;
  if v_fields is null then
    raise exception 'unknown integration type %', p_type using errcode = 'TN331';
  end if;
  if p_name is null or char_length(btrim(p_name)) not between 1 and 100 then
    raise exception 'an integration''s name is 1 to 100 characters' using errcode = 'TN332';
  end if;
  if p_config is null or jsonb_typeof(p_config) <> 'object' or pg_column_size(p_config) > 16384 then
    raise exception 'the configuration is an object of at most 16 KB' using errcode = 'TN333';
  end if;
  for v_key in select jsonb_object_keys(p_config) loop
    if not exists (select 1 from jsonb_array_elements(v_fields) f where f ->> 'name' = v_key) then
      raise exception 'a % integration has no setting %', p_type, v_key using errcode = 'TN333';
    end if;
    if jsonb_typeof(p_config -> v_key) <> 'string' then
      raise exception 'the setting % is text', v_key using errcode = 'TN333';
    end if;
  end loop;
  select f ->> 'name' into v_key from jsonb_array_elements(v_fields) f
  where (f ->> 'required')::boolean and coalesce(p_config ->> (f ->> 'name'), '') = '' limit 1;
  if v_key is not null then
    raise exception 'a % integration needs the setting %', p_type, v_key using errcode = 'TN333';
  end if;
end
$$;

comment on function private.check_integration(text, text, jsonb) is
  'Checks an integration''s type (TN331), name (TN332) and configuration against the type''s fields (TN333). The '
  'app''s zod schema checks the values'' formats.';

-- The status an integration's check or sync leaves, publishing integration.connected or
-- integration.failed when the status changes to it.
create or replace function private.set_integration_status(p_integration public.integrations, p_ok boolean, p_error text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_status text := case when p_ok then 'connected' else 'error' end;
begin
  if p_ok is null or (not p_ok and coalesce(btrim(p_error), '') = '') then
    raise exception 'a failed check says why' using errcode = 'TN341';
  end if;
  update public.integrations i
  set status = v_status, last_error = case when p_ok then null else left(p_error, 1000) end, last_checked_at = now()
  where i.id = p_integration.id;
  if p_integration.status <> v_status then
    perform private.publish_event(p_integration.tenant_id, 'integration.' || case when p_ok then 'connected' else 'failed' end,
                                  'integration', p_integration.id::text,
                                  jsonb_build_object('integration_id', p_integration.id, 'integration_type', p_integration.type,
                                                     'name', p_integration.name)
                                  || case when p_ok then '{}'::jsonb else jsonb_build_object('error', left(p_error, 1000)) end);
  end if;
end
$$;

comment on function private.set_integration_status(public.integrations, boolean, text) is
  'Records a check''s result (TN341: a failure needs its error) and publishes integration.connected / integration.failed '
  'when the status becomes it.';
revoke all on function private.set_integration_status(public.integrations, boolean, text) from public;

-- ---------------------------------------------------------------------------------------------
-- API functions (holders of integrations.manage)
-- ---------------------------------------------------------------------------------------------

create or replace function public.create_integration(
  p_tenant_id uuid, p_type text, p_name text, p_config jsonb, p_project_id uuid default null,
  p_environment_id uuid default null)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  perform private.authorize('integrations.manage', p_tenant_id);
  perform private.check_integration(p_type, p_name, p_config);
  if p_project_id is not null
     and not exists (select 1 from public.projects p where p.tenant_id = p_tenant_id and p.id = p_project_id) then
    raise exception 'no such project in this organisation' using errcode = 'TN334';
  end if;
  if p_environment_id is not null and not exists (
      select 1 from public.environments e
      where e.tenant_id = p_tenant_id and e.id = p_environment_id and e.project_id = p_project_id) then
    raise exception 'no such environment in that project' using errcode = 'TN334';
  end if;
  perform 1 from public.tenants t where t.id = p_tenant_id for no key update;
  if (select count(*) from public.integrations i where i.tenant_id = p_tenant_id) >= 50 then
    raise exception 'an organisation has at most 50 integrations' using errcode = 'TN339';
  end if;
  if exists (select 1 from public.integrations i where i.tenant_id = p_tenant_id and i.name = btrim(p_name)) then
    raise exception 'another integration already has this name' using errcode = 'TN342';
  end if;
  insert into public.integrations (tenant_id, type, name, config, project_id, environment_id, created_by)
  values (p_tenant_id, p_type, btrim(p_name), p_config, p_project_id, p_environment_id, auth.uid())
  returning id into v_id;
  return v_id;
end
$$;

comment on function public.create_integration(uuid, text, text, jsonb, uuid, uuid) is
  'Creates an integration (status disconnected until its first check) of a type (TN331) with a name (TN332, TN342) '
  'and configuration (TN333), optionally for a project and environment of the tenant (TN334); at most 50 (TN339). '
  'Needs integrations.manage (TN002). Its secrets follow: set_integration_secret.';

create or replace function public.update_integration(p_integration_id uuid, p_name text, p_config jsonb)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_integration public.integrations := private.managed_integration(p_integration_id);
begin
  perform private.check_integration(v_integration.type, p_name, p_config);
  if exists (select 1 from public.integrations i
             where i.tenant_id = v_integration.tenant_id and i.name = btrim(p_name) and i.id <> v_integration.id) then
    raise exception 'another integration already has this name' using errcode = 'TN342';
  end if;
  update public.integrations i set name = btrim(p_name), config = p_config where i.id = v_integration.id;
end
$$;

comment on function public.update_integration(uuid, text, jsonb) is
  'Renames an integration and replaces its configuration (TN332, TN333, TN342). Needs integrations.manage (TN330).';

-- Links a secret the caller created (createSecret with owner integration/<id>) as the credential
-- p_name; a secret already linked under that name is replaced (and deleted).
create or replace function public.set_integration_secret(p_integration_id uuid, p_name text, p_secret_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_integration public.integrations := private.managed_integration(p_integration_id);
  v_old uuid;
begin
  if not exists (select 1 from public.integration_types t where t.type = v_integration.type and p_name = any (t.secret_names)) then
    raise exception 'a % integration holds no secret %', v_integration.type, p_name using errcode = 'TN335';
  end if;
  if not exists (select 1 from public.secrets s
                 where s.id = p_secret_id and s.tenant_id = v_integration.tenant_id
                   and s.owner_type = 'integration' and s.owner_id = v_integration.id) then
    raise exception 'that secret does not belong to this integration' using errcode = 'TN335';
  end if;
  select s.secret_id into v_old from public.integration_secrets s
  where s.integration_id = v_integration.id and s.name = p_name;
  if v_old = p_secret_id then
    return;
  end if;
  delete from public.integration_secrets s where s.integration_id = v_integration.id and s.name = p_name;
  if v_old is not null then
    delete from public.secrets s where s.id = v_old;
  end if;
  insert into public.integration_secrets (tenant_id, integration_id, name, secret_id)
  values (v_integration.tenant_id, v_integration.id, p_name, p_secret_id);
end
$$;

comment on function public.set_integration_secret(uuid, text, uuid) is
  'Makes a secret owned by the integration its credential p_name (one of the type''s secret names; TN335), replacing '
  'and deleting the one it had. Needs integrations.manage (TN330).';

create or replace function public.record_integration_check(p_integration_id uuid, p_ok boolean, p_error text default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_integration public.integrations := private.managed_integration(p_integration_id);
begin
  perform private.set_integration_status(v_integration, p_ok, p_error);
  -- A passing check fills the caches at once (the sync job keeps them fresh after).
  if p_ok and v_integration.type in ('github', 'slack') then
    perform private.enqueue_job('integrations.sync', jsonb_build_object('integration_id', v_integration.id),
                                v_integration.tenant_id, now(), null);
  end if;
end
$$;

comment on function public.record_integration_check(uuid, boolean, text) is
  'Records the result of a connection test the app ran for the caller (TN341: a failure says why): status, last '
  'error, when; publishes integration.connected / integration.failed on a change; a pass of a GitHub or Slack one '
  'queues a sync. Needs integrations.manage (TN330).';

create or replace function public.disconnect_integration(p_integration_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_integration public.integrations := private.managed_integration(p_integration_id);
begin
  delete from public.integration_secrets s where s.integration_id = v_integration.id;
  perform private.delete_owned_secrets('integration', v_integration.id);
  delete from public.github_repos r where r.integration_id = v_integration.id;
  delete from public.slack_channels c where c.integration_id = v_integration.id;
  delete from public.slack_workspaces w where w.integration_id = v_integration.id;
  update public.integrations i set status = 'disconnected', last_error = null where i.id = v_integration.id;
  perform private.publish_event(v_integration.tenant_id, 'integration.disconnected', 'integration', v_integration.id::text,
                                jsonb_build_object('integration_id', v_integration.id, 'integration_type', v_integration.type,
                                                   'name', v_integration.name));
end
$$;

comment on function public.disconnect_integration(uuid) is
  'Disconnects an integration: its secrets and caches are deleted, inbound events refused (TN336), its history kept; '
  'publishes integration.disconnected. Entering secrets again and testing reconnects it. Needs integrations.manage (TN330).';

create or replace function public.delete_integration(p_integration_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_integration public.integrations := private.managed_integration(p_integration_id);
begin
  if v_integration.status <> 'disconnected' then
    perform private.publish_event(v_integration.tenant_id, 'integration.disconnected', 'integration', v_integration.id::text,
                                  jsonb_build_object('integration_id', v_integration.id, 'integration_type', v_integration.type,
                                                     'name', v_integration.name));
  end if;
  delete from public.integrations i where i.id = v_integration.id;
end
$$;

comment on function public.delete_integration(uuid) is
  'Deletes an integration with its secrets, events and caches (integration.disconnected unless it was already). Needs '
  'integrations.manage (TN330).';

create or replace function public.replay_integration_event(p_event_id uuid)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_event public.integration_events;
  v_integration public.integrations;
  v_job uuid;
begin
  select * into v_event from public.integration_events e where e.id = p_event_id;
  if not found then
    raise exception 'no such integration event' using errcode = 'TN337';
  end if;
  begin
    v_integration := private.managed_integration(v_event.integration_id);
  exception when sqlstate 'TN330' then
    raise exception 'no such integration event' using errcode = 'TN337';
  end;
  if v_integration.status = 'disconnected' then
    raise exception 'this integration is disconnected' using errcode = 'TN336';
  end if;
  select * into v_event from public.integration_events e where e.id = p_event_id for update;
  if v_event.status = 'queued' then
    raise exception 'this event is queued for processing already' using errcode = 'TN338';
  end if;
  update public.integration_events e
  set status = 'queued', error = null, processed_at = null, replays = e.replays + 1
  where e.id = v_event.id;
  v_job := private.enqueue_job('integrations.inbound', jsonb_build_object('integration_event_id', v_event.id),
                               v_event.tenant_id, now(), 'event:' || v_event.id || ':' || (v_event.replays + 1));
  perform private.audit_event(v_event.tenant_id, 'integration.event_replay', 'integration_events', v_event.id::text,
                              jsonb_build_object('status', v_event.status, 'attempts', v_event.attempts),
                              jsonb_build_object('status', 'queued', 'job_id', v_job));
  return v_job;
end
$$;

comment on function public.replay_integration_event(uuid) is
  'Processes an inbound event again (processed or failed → queued, a new job on the queue; TN338 while it is queued, '
  'TN336 when the integration is disconnected), audited as integration.event_replay. Needs integrations.manage (TN337 '
  'otherwise). Returns the job''s id.';

-- ---------------------------------------------------------------------------------------------
-- System functions (service_role: the inbound endpoint, the queue's handlers, the sync job)
-- ---------------------------------------------------------------------------------------------

-- Records a verified inbound event once per delivery id and queues its processing in the same
-- transaction. A delivery id seen before records nothing: its row comes back with duplicate.
create or replace function public.receive_integration_event(
  p_integration_id uuid, p_delivery_id text, p_provider_event text, p_headers jsonb, p_body text,
  out event_id uuid, out duplicate boolean)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_integration public.integrations;
begin
  select * into v_integration from public.integrations i where i.id = p_integration_id;
  if not found then
    raise exception 'no such integration' using errcode = 'TN330';
  end if;
  if v_integration.status = 'disconnected' then
    raise exception 'this integration is disconnected' using errcode = 'TN336';
  end if;
  if not exists (select 1 from public.integration_types t where t.type = v_integration.type and t.inbound is not null) then
    raise exception 'a % integration takes no inbound events', v_integration.type using errcode = 'TN340';
  end if;
  insert into public.integration_events (tenant_id, integration_id, delivery_id, provider_event, headers, body)
  values (v_integration.tenant_id, v_integration.id, left(p_delivery_id, 200), left(p_provider_event, 200),
          coalesce(p_headers, '{}'), p_body)
  on conflict (integration_id, delivery_id) do nothing
  returning id into event_id;
  duplicate := event_id is null;
  if duplicate then
    select e.id into event_id from public.integration_events e
    where e.integration_id = v_integration.id and e.delivery_id = left(p_delivery_id, 200);
    return;
  end if;
  perform private.enqueue_job('integrations.inbound', jsonb_build_object('integration_event_id', event_id),
                              v_integration.tenant_id, now(), 'event:' || event_id || ':0');
end
$$;

comment on function public.receive_integration_event(uuid, text, text, jsonb, text) is
  'Records a verified inbound event (TN330 unknown integration, TN336 disconnected, TN340 no inbound for its type) '
  'once per delivery id and queues its processing (integrations.inbound); duplicate: seen before, nothing written. '
  'Service role only (the inbound endpoint).';

-- The end of one processing attempt: processed publishes integration.event_received; a failure
-- counts the attempt and keeps the error, queued while the queue retries, failed when it gives up.
create or replace function public.finish_integration_event(
  p_event_id uuid, p_ok boolean, p_summary text default null, p_error text default null, p_final boolean default false)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_event public.integration_events;
  v_type text;
begin
  select * into v_event from public.integration_events e where e.id = p_event_id for update;
  if not found then
    raise exception 'no such integration event' using errcode = 'TN337';
  end if;
  if v_event.status = 'processed' then
    return;
  end if;
  if p_ok then
    update public.integration_events e
    set status = 'processed', attempts = e.attempts + 1, error = null, summary = left(p_summary, 500), processed_at = now()
    where e.id = v_event.id;
    select i.type into v_type from public.integrations i where i.id = v_event.integration_id;
    perform private.publish_event(v_event.tenant_id, 'integration.event_received', 'integration', v_event.integration_id::text,
                                  jsonb_build_object('integration_id', v_event.integration_id, 'integration_type', v_type,
                                                     'provider_event', v_event.provider_event,
                                                     'delivery_id', v_event.delivery_id,
                                                     'summary', coalesce(left(p_summary, 500), v_event.provider_event)));
  else
    update public.integration_events e
    set status = case when p_final then 'failed' else 'queued' end, attempts = e.attempts + 1,
        error = left(coalesce(nullif(btrim(p_error), ''), 'processing failed'), 1000)
    where e.id = v_event.id;
  end if;
end
$$;

comment on function public.finish_integration_event(uuid, boolean, text, text, boolean) is
  'Records an attempt at processing an inbound event: processed (publishes integration.event_received once) or failed '
  'with its error — queued again while retries remain, failed when p_final. Service role only (the queue handler).';

create or replace function public.record_integration_sync(p_integration_id uuid, p_ok boolean, p_error text default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_integration public.integrations;
begin
  select * into v_integration from public.integrations i where i.id = p_integration_id for update;
  if not found then
    raise exception 'no such integration' using errcode = 'TN330';
  end if;
  if v_integration.status = 'disconnected' then
    return;
  end if;
  perform private.set_integration_status(v_integration, p_ok, p_error);
  if p_ok then
    update public.integrations i set last_synced_at = now() where i.id = v_integration.id;
  end if;
end
$$;

comment on function public.record_integration_sync(uuid, boolean, text) is
  'Records a sync''s result like a check (a disconnected integration is left alone); success stamps last_synced_at. '
  'Service role only (the sync job).';

revoke all on function
  private.managed_integration(uuid), private.check_integration(text, text, jsonb),
  public.create_integration(uuid, text, text, jsonb, uuid, uuid), public.update_integration(uuid, text, jsonb),
  public.set_integration_secret(uuid, text, uuid), public.record_integration_check(uuid, boolean, text),
  public.disconnect_integration(uuid), public.delete_integration(uuid), public.replay_integration_event(uuid),
  public.receive_integration_event(uuid, text, text, jsonb, text),
  public.finish_integration_event(uuid, boolean, text, text, boolean),
  public.record_integration_sync(uuid, boolean, text)
from public, anon;
grant execute on function
  public.create_integration(uuid, text, text, jsonb, uuid, uuid), public.update_integration(uuid, text, jsonb),
  public.set_integration_secret(uuid, text, uuid), public.record_integration_check(uuid, boolean, text),
  public.disconnect_integration(uuid), public.delete_integration(uuid), public.replay_integration_event(uuid)
to authenticated;
grant execute on function
  public.receive_integration_event(uuid, text, text, jsonb, text),
  public.finish_integration_event(uuid, boolean, text, text, boolean),
  public.record_integration_sync(uuid, boolean, text)
to service_role;

-- ---------------------------------------------------------------------------------------------
-- Queues (src/lib/server/integrations/jobs.ts handles them)
-- ---------------------------------------------------------------------------------------------

select private.register_job_queue('integrations.inbound',
  'Processes a recorded inbound event into integration.event_received (and the caches it touches).',
  5, '[5, 30, 120, 600]');
select private.register_job_queue('integrations.sync',
  'Refreshes one integration''s caches (GitHub repositories, Slack workspace and channels) from its provider.',
  3, '[60, 300]');
