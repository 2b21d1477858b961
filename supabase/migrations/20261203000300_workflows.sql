-- Workflows (issue 14 §3): a tenant's definitions — a trigger and a DAG of steps in JSONB,
-- versioned — and their durable runs, one row per step, executed by the one job queue
-- (20261203000000_queue.sql): every step is a job of queue `workflows.step`, claimed with SKIP
-- LOCKED under a lease, retried with the queue's backoff. The engine is
-- src/lib/server/workflows/engine.ts; the definition's full rules (one sentence per bad node) are
-- its zod schema, src/lib/server/workflows/definition.ts; SQL checks the shape it relies on.
--
-- Owns: tables workflows, workflow_versions, workflow_runs, workflow_step_runs, workflow_approvals;
-- event types workflow.run_started / run_succeeded / run_failed / approval_requested /
-- notification and their notification kinds; trigger events_start_workflows (runs start in the
-- event's transaction); private.check_workflow_definition, private.start_workflow_run,
-- private.enqueue_workflow_step, private.managed_workflow, private.running_workflow_step; the
-- tenants' RPCs create_workflow, update_workflow, set_workflow_enabled, delete_workflow,
-- start_workflow_run, rerun_workflow_run, cancel_workflow_run, decide_workflow_approval,
-- pending_workflow_approvals; the owner's step actions workflow_notify, workflow_send_email; the
-- engine's service_role RPCs workflow_step_begin, workflow_step_finish, workflow_step_retrying,
-- workflow_request_approval, workflow_schedules_due, workflow_schedule_tick. TN360–TN374.
--
-- Who (docs/workflows.md): holders of workflows.manage in the tenant read its workflows, runs, steps
-- and approvals and call the RPCs (the only writers). Whoever saves a definition becomes its owner:
-- the steps run with the owner's rights (the engine's transactions carry the owner's claims, RLS
-- decides), so nobody can make a workflow do what they could not do themselves. An approval is
-- decided by a member holding the permission its step names.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.workflows (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  project_id uuid,
  name text not null check (char_length(btrim(name)) between 1 and 100),
  description text not null default '' check (char_length(description) <= 500),
  enabled boolean not null default false,
  -- The member whose rights the steps run with: whoever saved the definition last. Null once they
  -- left the organisation (the workflow is turned off and runs nothing until someone saves it).
  owner_id uuid,
  definition jsonb not null check (jsonb_typeof(definition) = 'object'),
  version integer not null default 1 check (version > 0),
  -- The trigger, copied from the definition for lookup: event (and integration: an
  -- integration.event_received event), schedule or manual.
  trigger_type text not null check (trigger_type in ('event', 'integration', 'schedule', 'manual')),
  trigger_event_type text references public.event_types (type),
  trigger_filter jsonb not null default '{}' check (jsonb_typeof(trigger_filter) = 'object'),
  schedule_cron text check (char_length(schedule_cron) <= 100),
  -- The next schedule tick (the workflows.schedule job computes it in the tenant's time zone).
  next_run_at timestamptz,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, project_id) references public.projects (tenant_id, id) on delete cascade,
  foreign key (tenant_id, owner_id) references public.memberships (tenant_id, user_id) on delete set null (owner_id),
  check ((trigger_type in ('event', 'integration')) = (trigger_event_type is not null)),
  check ((trigger_type = 'schedule') = (schedule_cron is not null))
);
alter table public.workflows enable row level security;
comment on table public.workflows is
  'A tenant''s workflow: a trigger (a domain event with a filter, an inbound integration event, a cron schedule in the '
  'tenant''s time zone, or manual) and a DAG of steps (definition), on or off, run with the rights of its owner (who '
  'saved it last).';
create index workflows_tenant_created_idx on public.workflows (tenant_id, created_at);
create index workflows_trigger_idx on public.workflows (tenant_id, trigger_event_type) where enabled;
create index workflows_schedule_due_idx on public.workflows (next_run_at) where enabled and trigger_type = 'schedule';
create index workflows_project_idx on public.workflows (project_id);

create table public.workflow_versions (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  workflow_id uuid not null,
  version integer not null check (version > 0),
  definition jsonb not null check (jsonb_typeof(definition) = 'object'),
  owner_id uuid,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, workflow_id, version),
  foreign key (tenant_id, workflow_id) references public.workflows (tenant_id, id) on delete cascade
);
alter table public.workflow_versions enable row level security;
comment on table public.workflow_versions is
  'Every saved definition of a workflow, by version number, with who saved it: a run records the version it ran.';
create index workflow_versions_tenant_workflow_idx on public.workflow_versions (tenant_id, workflow_id, version);

create table public.workflow_runs (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  workflow_id uuid not null,
  version integer not null,
  -- What started it: an event (event_id), a schedule tick, a person (manual, rerun).
  trigger_kind text not null check (trigger_kind in ('event', 'integration', 'schedule', 'manual', 'rerun')),
  -- One run per trigger per workflow: event:<id>, schedule:<tick>, manual:<uuid>.
  trigger_key text not null check (char_length(trigger_key) between 1 and 200),
  event_id uuid,
  rerun_of uuid,
  input jsonb not null default '{}' check (jsonb_typeof(input) = 'object'),
  output jsonb,
  status text not null default 'queued'
    check (status in ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')),
  error text check (char_length(error) <= 2000),
  started_by uuid,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  ended_at timestamptz,
  unique (tenant_id, id),
  unique (workflow_id, trigger_key),
  foreign key (tenant_id, workflow_id) references public.workflows (tenant_id, id) on delete cascade,
  foreign key (tenant_id, workflow_id, version) references public.workflow_versions (tenant_id, workflow_id, version),
  foreign key (tenant_id, event_id) references public.events (tenant_id, id) on delete set null (event_id),
  foreign key (tenant_id, rerun_of) references public.workflow_runs (tenant_id, id) on delete set null (rerun_of),
  check ((status in ('succeeded', 'failed', 'cancelled')) = (ended_at is not null))
);
alter table public.workflow_runs enable row level security;
comment on table public.workflow_runs is
  'One run of a workflow: the definition version, what started it (unique per workflow and trigger: one run per '
  'event), its input and output, its state and when it started and ended.';
create index workflow_runs_tenant_created_idx on public.workflow_runs (tenant_id, created_at);
create index workflow_runs_workflow_created_idx on public.workflow_runs (tenant_id, workflow_id, created_at);

create table public.workflow_step_runs (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  run_id uuid not null,
  step_id text not null check (char_length(step_id) between 1 and 64),
  kind text not null check (char_length(kind) between 1 and 40),
  status text not null default 'queued'
    check (status in ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')),
  attempts integer not null default 0 check (attempts >= 0),
  input jsonb,
  output jsonb,
  error text check (char_length(error) <= 2000),
  -- The queue job that runs it now (a wait or an approval queues the same step again).
  job_id uuid,
  wait_until timestamptz,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  ended_at timestamptz,
  duration_ms integer check (duration_ms >= 0),
  unique (tenant_id, id),
  unique (run_id, step_id),
  unique (tenant_id, run_id, step_id),
  foreign key (tenant_id, run_id) references public.workflow_runs (tenant_id, id) on delete cascade
);
alter table public.workflow_step_runs enable row level security;
comment on table public.workflow_step_runs is
  'One step of a run: its state, attempts, input and output, the last error, when it started and ended (and how '
  'long it took), and until when it waits (a wait, an approval''s timeout).';
create index workflow_step_runs_run_idx on public.workflow_step_runs (tenant_id, run_id, created_at);

create table public.workflow_approvals (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  run_id uuid not null,
  step_id text not null,
  -- Who may decide: members holding this permission tenant-wide.
  permission text not null references public.permissions (code),
  message text not null default '' check (char_length(message) <= 1000),
  expires_at timestamptz not null,
  decision text check (decision in ('approved', 'rejected', 'timed_out')),
  decided_by uuid,
  decided_at timestamptz,
  comment text check (char_length(comment) <= 1000),
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (run_id, step_id),
  foreign key (tenant_id, run_id) references public.workflow_runs (tenant_id, id) on delete cascade,
  foreign key (tenant_id, run_id, step_id) references public.workflow_step_runs (tenant_id, run_id, step_id) on delete cascade,
  check ((decision is null) = (decided_at is null))
);
alter table public.workflow_approvals enable row level security;
comment on table public.workflow_approvals is
  'A human approval a run waits for: the permission a decider must hold, the message, until when (then the timeout '
  'branch), and the decision, who made it and when.';
create index workflow_approvals_tenant_created_idx on public.workflow_approvals (tenant_id, created_at);

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.event_types (type, module, description) values
  ('workflow.run_started', 'workflows', 'A workflow run started its first step.'),
  ('workflow.run_succeeded', 'workflows', 'A workflow run finished every step.'),
  ('workflow.run_failed', 'workflows', 'A workflow run failed (a step gave up after its retries).'),
  ('workflow.approval_requested', 'workflows', 'A workflow run waits for a member''s approval (one event per approver).'),
  ('workflow.notification', 'workflows', 'A workflow''s "send notification" step told a member something.');

-- Notification kinds need their category: added to the catalogue's check whatever other modules
-- added before (the constraint is rebuilt from its current list).
do $$
declare
  v_def text;
begin
  select pg_get_constraintdef(c.oid) into v_def from pg_constraint c
  where c.conrelid = 'public.notification_kinds'::regclass and c.conname = 'notification_kinds_category_check';
  if v_def is not null and v_def not like '%''workflows''%' then
    alter table public.notification_kinds drop constraint notification_kinds_category_check;
    execute 'alter table public.notification_kinds add constraint notification_kinds_category_check '
      || replace(v_def, 'ARRAY[', 'ARRAY[''workflows''::text, ');
  end if;
end
$$;

insert into public.notification_kinds
  (kind, category, label, recipients, recipient_permissions, notify_subject, link_path, locked, digestible, default_in_app, default_email) values
  ('workflow.approval_requested', 'workflows', 'A workflow waits for your approval', 'Members who may decide it', '{}', true, '/t/{slug}/workflows', false, false, true, true),
  ('workflow.notification', 'workflows', 'Message from a workflow', 'The member the step names', '{}', true, '/t/{slug}/workflows', false, true, true, false),
  ('workflow.run_failed', 'workflows', 'Workflow run failed', 'People who manage workflows', '{workflows.manage}', false, '/t/{slug}/workflows', false, false, true, true);

-- Every step is a job of this queue (20261203000000_queue.sql); a step's own "retries" sets its
-- job's attempts. Backoff between attempts: 5 s, 30 s, 2 min, 10 min, then 30 min.
select private.register_job_queue('workflows.step', 'Runs one step of a workflow run, with its owner''s rights',
                                  5, '[5, 30, 120, 600, 1800]'::jsonb);


-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger workflows_updated_at before update on public.workflows
  for each row execute function private.set_updated_at();
create trigger workflows_immutable_columns before update on public.workflows
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_by', 'created_at');
create trigger workflow_versions_immutable_columns before update on public.workflow_versions
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'workflow_id', 'version', 'definition', 'owner_id', 'created_by', 'created_at');
create trigger workflow_runs_immutable_columns before update on public.workflow_runs
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'workflow_id', 'version', 'trigger_kind', 'trigger_key', 'input', 'started_by', 'created_at');
create trigger workflow_step_runs_immutable_columns before update on public.workflow_step_runs
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'run_id', 'step_id', 'kind', 'created_at');
create trigger workflow_approvals_immutable_columns before update on public.workflow_approvals
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'run_id', 'step_id', 'permission', 'expires_at', 'created_at');

-- Definitions and decisions are audited row by row; versions, runs and steps are the engine's own
-- log (the RPCs that act on runs record an audit event).
select private.enable_audit('public.workflows', 'tenant_id', '{id}', '{updated_at,next_run_at}');
select private.enable_audit('public.workflow_approvals', 'tenant_id', '{id}');

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- The rules SQL holds a definition to (the app's zod schema says the same and more, one sentence
-- per bad node): a trigger of a known type, an event type of the catalogue that is not a
-- workflow.* (a workflow triggered by its own events would loop), 1–50 steps with unique ids of
-- known kinds, every edge to a step that exists. Returns the trigger's summary columns.
create or replace function private.check_workflow_definition(
  p_definition jsonb,
  out trigger_type text, out trigger_event_type text, out trigger_filter jsonb, out schedule_cron text)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_trigger jsonb := p_definition -> 'trigger';
  v_steps jsonb := p_definition -> 'steps';
  v_ids text[];
  v_step jsonb;
  v_edge text;
begin
  if p_definition is null or jsonb_typeof(p_definition) <> 'object' or octet_length(p_definition::text) > 65536 then
    raise exception 'a definition is a JSON object of at most 64 KB' using errcode = 'TN362';
  end if;
  if jsonb_typeof(v_trigger) <> 'object' then
    raise exception 'the definition has no trigger' using errcode = 'TN362';
  end if;
  trigger_type := v_trigger ->> 'type';
  trigger_filter := '{}';
  if trigger_type = 'event' then
    trigger_event_type := v_trigger ->> 'event';
    trigger_filter := coalesce(v_trigger -> 'filter', '{}');
  elsif trigger_type = 'integration' then
    trigger_event_type := 'integration.event_received';
    trigger_filter := jsonb_strip_nulls(jsonb_build_object(
      'integration_type', v_trigger ->> 'integration_type', 'provider_event', v_trigger ->> 'provider_event'));
  elsif trigger_type = 'schedule' then
    schedule_cron := btrim(v_trigger ->> 'cron');
    if schedule_cron is null or schedule_cron !~ '^\S+( +\S+){4}$' or char_length(schedule_cron) > 100 then
      raise exception 'a schedule is a cron expression of five fields' using errcode = 'TN362';
    end if;
  elsif trigger_type is distinct from 'manual' then
    raise exception 'the trigger''s type is event, integration, schedule or manual' using errcode = 'TN362';
  end if;
  if trigger_event_type is not null and (trigger_event_type like 'workflow.%'
     or not exists (select 1 from public.event_types t where t.type = trigger_event_type)) then
    raise exception 'a workflow cannot start on events of type %', trigger_event_type using errcode = 'TN363';
  end if;
  if jsonb_typeof(trigger_filter) <> 'object' then
    raise exception 'the trigger''s filter is an object of payload fields' using errcode = 'TN362';
  end if;
  if jsonb_typeof(v_steps) <> 'array' or jsonb_array_length(v_steps) not between 1 and 50 then
    raise exception 'a workflow has 1 to 50 steps' using errcode = 'TN362';
  end if;
  select array_agg(s ->> 'id') into v_ids from jsonb_array_elements(v_steps) s;
  if exists (select 1 from unnest(v_ids) i where i is null or i !~ '^[a-z][a-z0-9_]{0,63}$')
     or cardinality(v_ids) <> (select count(distinct i) from unnest(v_ids) i) then
    raise exception 'every step has a unique id (a-z, 0-9, _)' using errcode = 'TN362';
  end if;
  for v_step in select s from jsonb_array_elements(v_steps) s loop
    if v_step ->> 'kind' is null or v_step ->> 'kind' not in (
         'condition', 'notify', 'email', 'webhook', 'slack', 'set_field', 'wait', 'approval') then
      raise exception 'step % has an unknown kind', v_step ->> 'id' using errcode = 'TN362';
    end if;
    for v_edge in
      select e from (values (v_step ->> 'next'), (v_step ->> 'then'), (v_step ->> 'else'), (v_step ->> 'approved'),
                            (v_step ->> 'rejected'), (v_step ->> 'timeout')) x(e)
      where e is not null
    loop
      if not v_edge = any (v_ids) then
        raise exception 'step % leads to %, which is not a step', v_step ->> 'id', v_edge using errcode = 'TN362';
      end if;
    end loop;
  end loop;
end
$$;

comment on function private.check_workflow_definition(jsonb) is
  'The shape of a definition SQL relies on (TN362; TN363 for an unknown or workflow.* trigger event); returns the '
  'trigger''s summary columns. The app''s zod schema checks the rest (cycles, reachability, each kind''s fields, cron).';

-- A workflow the caller manages, locked, or TN360 (the same answer whether or not it exists).
create or replace function private.managed_workflow(p_workflow_id uuid)
returns public.workflows
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_workflow public.workflows;
begin
  select * into v_workflow from public.workflows w where w.id = p_workflow_id for update;
  if not found then
    raise exception 'no such workflow' using errcode = 'TN360';
  end if;
  begin
    perform private.authorize('workflows.manage', v_workflow.tenant_id);
  exception when sqlstate 'TN002' or sqlstate 'TN001' then
    raise exception 'no such workflow' using errcode = 'TN360';
  end;
  return v_workflow;
end
$$;

comment on function private.managed_workflow(uuid) is
  'Locks a workflow the caller holds workflows.manage for; TN360 otherwise. Security definer: finds the row first.';

-- A run the caller manages (through its workflow's tenant), or TN365.
create or replace function private.managed_workflow_run(p_run_id uuid)
returns public.workflow_runs
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run public.workflow_runs;
begin
  select * into v_run from public.workflow_runs r where r.id = p_run_id for update;
  if not found then
    raise exception 'no such workflow run' using errcode = 'TN365';
  end if;
  begin
    perform private.authorize('workflows.manage', v_run.tenant_id);
  exception when sqlstate 'TN002' or sqlstate 'TN001' then
    raise exception 'no such workflow run' using errcode = 'TN365';
  end;
  return v_run;
end
$$;

comment on function private.managed_workflow_run(uuid) is
  'Locks a run the caller holds workflows.manage for; TN365 otherwise.';

-- Queues one step of a run: its row (queued; a step queued again — a wait's end, a decision — keeps
-- its row) and a job of queue workflows.step. The dedupe key makes a repeated call one job.
create or replace function private.enqueue_workflow_step(
  p_run public.workflow_runs, p_step_id text, p_run_at timestamptz default now(), p_dedupe_key text default null)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_step jsonb;
  v_job uuid;
begin
  select s into v_step
  from public.workflow_versions v, jsonb_array_elements(v.definition -> 'steps') s
  where v.workflow_id = p_run.workflow_id and v.version = p_run.version and s ->> 'id' = p_step_id;
  if v_step is null then
    raise exception 'step % is not in this workflow', p_step_id using errcode = 'TN362';
  end if;
  v_job := private.enqueue_job(
    'workflows.step', jsonb_build_object('run_id', p_run.id, 'step_id', p_step_id), p_run.tenant_id, p_run_at,
    coalesce(p_dedupe_key, 'workflow_step:' || p_run.id || ':' || p_step_id),
    -- A step's "retries" sets its attempts; without, the queue's own (5).
    (v_step ->> 'retries')::integer + 1);
  insert into public.workflow_step_runs (tenant_id, run_id, step_id, kind, job_id)
  values (p_run.tenant_id, p_run.id, p_step_id, v_step ->> 'kind', v_job)
  on conflict (run_id, step_id) do update set job_id = excluded.job_id;
  return v_job;
end
$$;

comment on function private.enqueue_workflow_step(public.workflow_runs, text, timestamptz, text) is
  'Queues a step of a run as a workflows.step job (private.enqueue_job, deduplicated) and records its row.';

-- Starts a run (its row and its first step's job) unless this workflow already has one for this
-- trigger: one run per event per workflow. Returns the run's id, or null when it existed.
create or replace function private.start_workflow_run(
  p_workflow public.workflows, p_kind text, p_key text, p_input jsonb, p_event_id uuid default null,
  p_rerun_of uuid default null)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run public.workflow_runs;
begin
  if p_workflow.owner_id is null then
    raise exception 'this workflow has no owner: save it to become its owner' using errcode = 'TN374';
  end if;
  insert into public.workflow_runs (tenant_id, workflow_id, version, trigger_kind, trigger_key, event_id, rerun_of,
                                    input, started_by)
  values (p_workflow.tenant_id, p_workflow.id, p_workflow.version, p_kind, p_key, p_event_id, p_rerun_of,
          coalesce(p_input, '{}'), auth.uid())
  on conflict (workflow_id, trigger_key) do nothing
  returning * into v_run;
  if v_run.id is null then
    return null;
  end if;
  perform private.enqueue_workflow_step(v_run, p_workflow.definition -> 'steps' -> 0 ->> 'id', now(),
                                        'workflow:' || p_workflow.id || ':' || p_key);
  return v_run.id;
end
$$;

comment on function private.start_workflow_run(public.workflows, text, text, jsonb, uuid, uuid) is
  'Inserts a run for (workflow, trigger key) and queues its first step (dedupe key workflow:<id>:<trigger key>); '
  'null when that trigger already has its run (idempotent). TN374 when the workflow has no owner.';

-- Events start the runs of the enabled workflows that wait for their type and whose filter the
-- payload contains, in the event's transaction (per statement: one pass over the new events).
create or replace function private.start_event_workflows()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_match record;
begin
  -- A change a workflow's step made (the engine marks its owner's transaction) starts no workflow:
  -- no loops, no chains.
  if coalesce(current_setting('tenantry.workflow_run', true), '') <> '' then
    return null;
  end if;
  for v_match in
    select w, n.id as event_id, n.type, n.subject_type, n.subject_id, n.payload, n.occurred_at
    from new_events n
    join public.workflows w
      on w.tenant_id = n.tenant_id and w.enabled and w.trigger_event_type = n.type
     and w.owner_id is not null and n.payload @> w.trigger_filter
    where n.type not like 'workflow.%'
    order by n.occurred_at, n.id, w.created_at
  loop
    perform private.start_workflow_run(
      v_match.w, case when v_match.type = 'integration.event_received' then 'integration' else 'event' end,
      'event:' || v_match.event_id,
      jsonb_build_object('event', jsonb_build_object(
        'id', v_match.event_id, 'type', v_match.type, 'occurred_at', private.event_time(v_match.occurred_at),
        'subject', jsonb_build_object('type', v_match.subject_type, 'id', v_match.subject_id),
        'payload', v_match.payload)),
      v_match.event_id);
  end loop;
  return null;
end
$$;

comment on function private.start_event_workflows() is
  'After insert on events (per statement): a run (and its first step''s job) for every enabled workflow of the '
  'tenant whose trigger event type is the event''s and whose filter the payload contains. Never for workflow.* events, '
  'nor for events of a workflow step''s own changes (tenantry.workflow_run set: no loops).';
revoke all on function private.start_event_workflows() from public;

create trigger events_start_workflows after insert on public.events
  referencing new table as new_events
  for each statement execute function private.start_event_workflows();

-- The running step of a run whose workflow the caller owns, for the owner's step actions; TN370
-- otherwise (a person cannot act for a run that is not theirs or a step that is not running).
create or replace function private.running_workflow_step(p_run_id uuid, p_step_id text)
returns public.workflow_runs
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_run public.workflow_runs;
begin
  select r.* into v_run from public.workflow_runs r
  join public.workflows w on w.tenant_id = r.tenant_id and w.id = r.workflow_id
  join public.workflow_step_runs s on s.run_id = r.id and s.step_id = p_step_id and s.status = 'running'
  where r.id = p_run_id and r.status = 'running' and w.owner_id = auth.uid();
  if v_run.id is null then
    raise exception 'only the workflow''s owner acts for its running step' using errcode = 'TN370';
  end if;
  perform private.authorize('workflows.manage', v_run.tenant_id);
  return v_run;
end
$$;

comment on function private.running_workflow_step(uuid, text) is
  'The run, when the caller owns its workflow (and still holds workflows.manage) and the step is running; TN370 '
  'otherwise.';

-- An active member of the tenant, or TN371.
create or replace function private.workflow_recipient(p_tenant_id uuid, p_recipient uuid)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_email text;
begin
  select u.email::text into v_email from public.memberships m join auth.users u on u.id = m.user_id
  where m.tenant_id = p_tenant_id and m.user_id = p_recipient and m.status = 'active';
  if v_email is null then
    raise exception 'a workflow writes only to members of its organisation' using errcode = 'TN371';
  end if;
  return v_email;
end
$$;

comment on function private.workflow_recipient(uuid, uuid) is
  'The address of an active member of the tenant; TN371 for anyone else. Never granted.';

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

-- Reads only: every write is an RPC below (or the engine's).
revoke all on public.workflows, public.workflow_versions, public.workflow_runs, public.workflow_step_runs,
  public.workflow_approvals from anon, authenticated, service_role;
grant select (id, tenant_id, project_id, name, description, enabled, owner_id, definition, version, trigger_type,
              trigger_event_type, trigger_filter, schedule_cron, next_run_at, created_by, created_at, updated_at)
  on public.workflows to authenticated, service_role;
grant select (id, tenant_id, workflow_id, version, definition, owner_id, created_by, created_at)
  on public.workflow_versions to authenticated, service_role;
grant select (id, tenant_id, workflow_id, version, trigger_kind, trigger_key, event_id, rerun_of, input, output, status,
              error, started_by, created_at, started_at, ended_at)
  on public.workflow_runs to authenticated, service_role;
grant select (id, tenant_id, run_id, step_id, kind, status, attempts, input, output, error, job_id, wait_until,
              created_at, started_at, ended_at, duration_ms)
  on public.workflow_step_runs to authenticated, service_role;
grant select (id, tenant_id, run_id, step_id, permission, message, expires_at, decision, decided_by, decided_at,
              comment, created_at)
  on public.workflow_approvals to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy workflows_select_permitted on public.workflows
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('workflows.manage'))));
create policy workflows_select_mfa on public.workflows
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy workflow_versions_select_permitted on public.workflow_versions
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('workflows.manage'))));
create policy workflow_versions_select_mfa on public.workflow_versions
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy workflow_runs_select_permitted on public.workflow_runs
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('workflows.manage'))));
create policy workflow_runs_select_mfa on public.workflow_runs
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy workflow_step_runs_select_permitted on public.workflow_step_runs
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('workflows.manage'))));
create policy workflow_step_runs_select_mfa on public.workflow_step_runs
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy workflow_approvals_select_permitted on public.workflow_approvals
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('workflows.manage'))));
create policy workflow_approvals_select_mfa on public.workflow_approvals
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- API functions: definitions
-- ---------------------------------------------------------------------------------------------

create or replace function private.check_workflow_text(p_name text, p_description text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_name is null or char_length(btrim(p_name)) not between 1 and 100 then
    raise exception 'a workflow''s name is 1 to 100 characters' using errcode = 'TN361';
  end if;
  if char_length(coalesce(p_description, '')) > 500 then
    raise exception 'a description is at most 500 characters' using errcode = 'TN361';
  end if;
end
$$;

comment on function private.check_workflow_text(text, text) is 'A workflow''s name (1–100) and description (≤ 500): TN361.';

create or replace function public.create_workflow(
  p_tenant_id uuid, p_project_id uuid, p_name text, p_description text, p_definition jsonb)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_owner uuid := private.authorize('workflows.manage', p_tenant_id);
  v_trigger record;
  v_id uuid;
begin
  if v_owner is null then
    raise exception 'a workflow runs with a person''s rights: an API key cannot own one' using errcode = 'TN364';
  end if;
  perform private.check_workflow_text(p_name, p_description);
  select * into v_trigger from private.check_workflow_definition(p_definition);
  perform 1 from public.tenants t where t.id = p_tenant_id for no key update;
  if (select count(*) from public.workflows w where w.tenant_id = p_tenant_id) >= 100 then
    raise exception 'an organisation has at most 100 workflows' using errcode = 'TN373';
  end if;
  insert into public.workflows (tenant_id, project_id, name, description, owner_id, definition, trigger_type,
                                trigger_event_type, trigger_filter, schedule_cron, created_by)
  values (p_tenant_id, p_project_id, btrim(p_name), btrim(coalesce(p_description, '')), v_owner, p_definition,
          v_trigger.trigger_type, v_trigger.trigger_event_type, v_trigger.trigger_filter, v_trigger.schedule_cron, v_owner)
  returning id into v_id;
  insert into public.workflow_versions (tenant_id, workflow_id, version, definition, owner_id, created_by)
  values (p_tenant_id, v_id, 1, p_definition, v_owner, v_owner);
  return v_id;
end
$$;

comment on function public.create_workflow(uuid, uuid, text, text, jsonb) is
  'Creates a workflow (off) owned by the caller, version 1. Needs workflows.manage (TN002) and a person (TN364); '
  'TN361–TN363 for bad input, TN373 over the cap. Security definer: writes the tables the API only reads.';

create or replace function public.update_workflow(
  p_workflow_id uuid, p_name text, p_description text, p_definition jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_workflow public.workflows := private.managed_workflow(p_workflow_id);
  v_owner uuid := auth.uid();
  v_trigger record;
begin
  if v_owner is null then
    raise exception 'a workflow runs with a person''s rights: an API key cannot own one' using errcode = 'TN364';
  end if;
  perform private.check_workflow_text(p_name, p_description);
  select * into v_trigger from private.check_workflow_definition(p_definition);
  if p_definition is distinct from v_workflow.definition or v_owner is distinct from v_workflow.owner_id then
    v_workflow.version := v_workflow.version + 1;
    insert into public.workflow_versions (tenant_id, workflow_id, version, definition, owner_id, created_by)
    values (v_workflow.tenant_id, v_workflow.id, v_workflow.version, p_definition, v_owner, v_owner);
  end if;
  update public.workflows w
  set name = btrim(p_name), description = btrim(coalesce(p_description, '')), definition = p_definition,
      version = v_workflow.version, owner_id = v_owner, trigger_type = v_trigger.trigger_type,
      trigger_event_type = v_trigger.trigger_event_type, trigger_filter = v_trigger.trigger_filter,
      schedule_cron = v_trigger.schedule_cron,
      next_run_at = case when v_trigger.schedule_cron is not distinct from w.schedule_cron then w.next_run_at end
  where w.id = v_workflow.id;
  return v_workflow.version;
end
$$;

comment on function public.update_workflow(uuid, text, text, jsonb) is
  'Saves a workflow: a changed definition is a new version, and the caller becomes its owner (the steps run with the '
  'rights of whoever saved them). Runs under way keep their version. Returns the version. Needs workflows.manage '
  '(TN360 otherwise); TN361–TN364 as create_workflow.';

create or replace function public.set_workflow_enabled(p_workflow_id uuid, p_enabled boolean)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_workflow public.workflows := private.managed_workflow(p_workflow_id);
begin
  if p_enabled is null then
    raise exception 'say whether the workflow is on or off' using errcode = 'TN361';
  end if;
  if p_enabled and v_workflow.owner_id is null then
    raise exception 'this workflow has no owner: save it to become its owner' using errcode = 'TN374';
  end if;
  update public.workflows w set enabled = p_enabled where w.id = v_workflow.id and w.enabled <> p_enabled;
end
$$;

comment on function public.set_workflow_enabled(uuid, boolean) is
  'Turns a workflow on or off (runs under way go on; cancel them on their page). TN374 to turn on a workflow without '
  'owner. Needs workflows.manage (TN360 otherwise). Idempotent.';

create or replace function public.delete_workflow(p_workflow_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_workflow public.workflows := private.managed_workflow(p_workflow_id);
begin
  delete from public.workflows w where w.id = v_workflow.id;
end
$$;

comment on function public.delete_workflow(uuid) is
  'Deletes a workflow with its versions and runs (their queued jobs find no run and end). Needs workflows.manage '
  '(TN360 otherwise).';

-- The owner leaving turns their workflows off (owner_id set null by the foreign key).
create or replace function private.workflows_owner_left()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.owner_id is null and old.owner_id is not null then
    new.enabled := false;
  end if;
  return new;
end
$$;

comment on function private.workflows_owner_left() is 'A workflow whose owner left the organisation is turned off.';

create trigger workflows_owner_left before update of owner_id on public.workflows
  for each row execute function private.workflows_owner_left();

-- ---------------------------------------------------------------------------------------------
-- API functions: runs and approvals
-- ---------------------------------------------------------------------------------------------

create or replace function public.start_workflow_run(p_workflow_id uuid, p_input jsonb)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_workflow public.workflows := private.managed_workflow(p_workflow_id);
  v_run uuid;
begin
  if p_input is null or jsonb_typeof(p_input) <> 'object' or octet_length(p_input::text) > 65536 then
    raise exception 'a run''s input is a JSON object of at most 64 KB' using errcode = 'TN372';
  end if;
  v_run := private.start_workflow_run(v_workflow, 'manual', 'manual:' || gen_random_uuid(), p_input);
  perform private.audit_event(v_workflow.tenant_id, 'workflow.run', 'workflow_runs', v_run::text,
                              null, jsonb_build_object('workflow_id', v_workflow.id, 'version', v_workflow.version));
  return v_run;
end
$$;

comment on function public.start_workflow_run(uuid, jsonb) is
  'Starts a manual run (also of a workflow that is off: "test with this input") with the input given (TN372 unless an '
  'object ≤ 64 KB); it runs with the owner''s rights. Needs workflows.manage (TN360 otherwise). Returns the run.';

create or replace function public.rerun_workflow_run(p_run_id uuid)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run public.workflow_runs := private.managed_workflow_run(p_run_id);
  v_workflow public.workflows := private.managed_workflow(v_run.workflow_id);
  v_new uuid;
begin
  v_new := private.start_workflow_run(v_workflow, 'rerun', 'rerun:' || gen_random_uuid(), v_run.input, v_run.event_id,
                                      v_run.id);
  perform private.audit_event(v_run.tenant_id, 'workflow.rerun', 'workflow_runs', v_new::text,
                              null, jsonb_build_object('rerun_of', v_run.id));
  return v_new;
end
$$;

comment on function public.rerun_workflow_run(uuid) is
  'Starts a new run of the workflow''s current version with a past run''s input. Needs workflows.manage (TN365).';

create or replace function public.cancel_workflow_run(p_run_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run public.workflow_runs := private.managed_workflow_run(p_run_id);
begin
  if v_run.status in ('succeeded', 'failed', 'cancelled') then
    raise exception 'this run has already ended' using errcode = 'TN366';
  end if;
  update public.workflow_runs r set status = 'cancelled', ended_at = now(), error = 'cancelled'
  where r.id = v_run.id;
  update public.workflow_step_runs s set status = 'cancelled', ended_at = now()
  where s.tenant_id = v_run.tenant_id and s.run_id = v_run.id and s.status in ('queued', 'running', 'waiting');
  perform private.cancel_job(j.id) from public.workflow_step_runs s join public.jobs j on j.id = s.job_id
  where s.tenant_id = v_run.tenant_id and s.run_id = v_run.id and j.status = 'pending';
  perform private.audit_event(v_run.tenant_id, 'workflow.cancel', 'workflow_runs', v_run.id::text,
                              jsonb_build_object('status', v_run.status), jsonb_build_object('status', 'cancelled'));
end
$$;

comment on function public.cancel_workflow_run(uuid) is
  'Cancels a run: its unfinished steps are cancelled and their jobs too (a step already executing finishes its '
  'action, and the engine then finds the run cancelled). TN366 once it ended. Needs workflows.manage (TN365).';

create or replace function public.decide_workflow_approval(p_approval_id uuid, p_approve boolean, p_comment text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_approval public.workflow_approvals;
  v_run public.workflow_runs;
  v_user uuid := auth.uid();
begin
  select * into v_approval from public.workflow_approvals a where a.id = p_approval_id for update;
  if not found or v_user is null
     or not exists (select 1 from private.permission_holders(v_approval.tenant_id, array[v_approval.permission]) h
                    where h = v_user) then
    raise exception 'no such approval, or you may not decide it' using errcode = 'TN367';
  end if;
  perform private.authorize(null, v_approval.tenant_id);
  if p_approve is null then
    raise exception 'approve or reject' using errcode = 'TN368';
  end if;
  if char_length(coalesce(p_comment, '')) > 1000 then
    raise exception 'a comment is at most 1000 characters' using errcode = 'TN368';
  end if;
  select * into v_run from public.workflow_runs r where r.id = v_approval.run_id for update;
  if v_approval.decision is not null or v_run.status <> 'waiting'
     or not exists (select 1 from public.workflow_step_runs s where s.run_id = v_run.id
                    and s.step_id = v_approval.step_id and s.status = 'waiting') then
    raise exception 'this approval is no longer waiting for a decision' using errcode = 'TN366';
  end if;
  update public.workflow_approvals a
  set decision = case when p_approve then 'approved' else 'rejected' end, decided_by = v_user, decided_at = now(),
      comment = nullif(btrim(coalesce(p_comment, '')), '')
  where a.id = v_approval.id;
  perform private.enqueue_workflow_step(v_run, v_approval.step_id, now(),
                                        'workflow_step:' || v_run.id || ':' || v_approval.step_id || ':decided');
end
$$;

comment on function public.decide_workflow_approval(uuid, boolean, text) is
  'Approves or rejects a waiting approval; the caller must hold its permission tenant-wide (TN367 otherwise, the same '
  'answer as for an unknown id); TN366 once decided, timed out or cancelled. Queues the step again (its approved or '
  'rejected branch follows).';

create or replace function public.pending_workflow_approvals(p_tenant_id uuid)
returns table (id uuid, run_id uuid, step_id text, workflow_id uuid, workflow_name text, message text,
               expires_at timestamptz, created_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select a.id, a.run_id, a.step_id, r.workflow_id, w.name, a.message, a.expires_at, a.created_at
  from public.workflow_approvals a
  join public.workflow_runs r on r.tenant_id = a.tenant_id and r.id = a.run_id
  join public.workflows w on w.tenant_id = r.tenant_id and w.id = r.workflow_id
  where a.tenant_id = p_tenant_id and a.decision is null and r.status = 'waiting'
    and auth.uid() in (select h from private.permission_holders(p_tenant_id, array[a.permission]) h)
    and p_tenant_id not in (select private.mfa_blocked_tenant_ids())
  order by a.created_at
$$;

comment on function public.pending_workflow_approvals(uuid) is
  'The approvals the caller may decide in the tenant (holding each one''s permission), oldest first: approvers who '
  'do not manage workflows see what waits for them. Security definer: they cannot read the runs.';

-- ---------------------------------------------------------------------------------------------
-- The owner's step actions (called by the engine in a transaction under the owner's claims)
-- ---------------------------------------------------------------------------------------------

create or replace function public.workflow_notify(p_run_id uuid, p_step_id text, p_recipient uuid, p_text text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run public.workflow_runs := private.running_workflow_step(p_run_id, p_step_id);
begin
  perform private.workflow_recipient(v_run.tenant_id, p_recipient);
  if p_text is null or char_length(btrim(p_text)) not between 1 and 1000 then
    raise exception 'a message is 1 to 1000 characters' using errcode = 'TN372';
  end if;
  return private.publish_event(v_run.tenant_id, 'workflow.notification', 'workflow_run', v_run.id::text,
    jsonb_build_object('user_id', p_recipient, 'workflow_id', v_run.workflow_id, 'run_id', v_run.id,
                       'step_id', p_step_id, 'summary', btrim(p_text)));
end
$$;

comment on function public.workflow_notify(uuid, text, uuid, text) is
  'A "send notification" step: publishes workflow.notification for one active member (TN371 otherwise), which the '
  'notifications fan-out delivers under their preferences. Only the workflow''s owner, for its running step (TN370).';

create or replace function public.workflow_send_email(
  p_run_id uuid, p_step_id text, p_recipient uuid, p_subject text, p_text text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run public.workflow_runs := private.running_workflow_step(p_run_id, p_step_id);
  v_address text := private.workflow_recipient(v_run.tenant_id, p_recipient);
  v_id uuid;
begin
  if p_subject is null or char_length(btrim(p_subject)) not between 1 and 200
     or p_text is null or char_length(p_text) not between 1 and 10000 then
    raise exception 'an email has a subject (1–200 characters) and a text (1–10000)' using errcode = 'TN372';
  end if;
  insert into private.email_outbox (to_address, template, subject, body_text, payload)
  values (v_address, 'workflow_email', btrim(p_subject), p_text,
          jsonb_build_object('tenant_id', v_run.tenant_id, 'workflow_id', v_run.workflow_id, 'run_id', v_run.id,
                             'step_id', p_step_id))
  returning id into v_id;
  return v_id;
end
$$;

comment on function public.workflow_send_email(uuid, text, uuid, text, text) is
  'A "send email" step: queues a plain-text email to one active member (TN371 otherwise; never an arbitrary '
  'address) in the email outbox. Only the workflow''s owner, for its running step (TN370).';

-- ---------------------------------------------------------------------------------------------
-- The engine's functions (service_role: the workflows.step and workflows.schedule jobs)
-- ---------------------------------------------------------------------------------------------

-- Marks a step running (one more attempt) and returns what the engine needs: the run, the owner,
-- the step's definition, the outputs of the steps done, the approval if any. Null when the run or
-- step is gone or ended (cancelled, deleted, a duplicate job): the engine completes the job.
create or replace function public.workflow_step_begin(p_run_id uuid, p_step_id text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run public.workflow_runs;
  v_step public.workflow_step_runs;
  v_definition jsonb;
  v_owner uuid;
  v_started boolean;
begin
  select * into v_run from public.workflow_runs r where r.id = p_run_id for update;
  if not found or v_run.status in ('succeeded', 'failed', 'cancelled') then
    return null;
  end if;
  select * into v_step from public.workflow_step_runs s where s.run_id = p_run_id and s.step_id = p_step_id for update;
  if not found or v_step.status in ('succeeded', 'failed', 'cancelled') then
    return null;
  end if;
  select v.definition into v_definition from public.workflow_versions v
  where v.workflow_id = v_run.workflow_id and v.version = v_run.version;
  select w.owner_id into v_owner from public.workflows w where w.id = v_run.workflow_id;
  v_started := v_run.started_at is null;
  update public.workflow_runs r set status = 'running', started_at = coalesce(r.started_at, now())
  where r.id = v_run.id returning * into v_run;
  update public.workflow_step_runs s
  set status = 'running', attempts = s.attempts + 1, started_at = coalesce(s.started_at, now())
  where s.id = v_step.id returning * into v_step;
  if v_started then
    perform private.publish_event(v_run.tenant_id, 'workflow.run_started', 'workflow_run', v_run.id::text,
      jsonb_build_object('workflow_id', v_run.workflow_id, 'run_id', v_run.id, 'version', v_run.version,
                         'trigger_kind', v_run.trigger_kind));
  end if;
  return jsonb_build_object(
    'run', to_jsonb(v_run), 'owner_id', v_owner,
    'tenant', (select jsonb_build_object('id', t.id, 'slug', t.slug, 'timezone', t.timezone)
               from public.tenants t where t.id = v_run.tenant_id),
    'step', (select s from jsonb_array_elements(v_definition -> 'steps') s where s ->> 'id' = p_step_id),
    'step_run', to_jsonb(v_step),
    'outputs', (select coalesce(jsonb_object_agg(s.step_id, s.output), '{}') from public.workflow_step_runs s
                where s.run_id = v_run.id and s.status = 'succeeded'),
    'approval', (select to_jsonb(a) from public.workflow_approvals a where a.run_id = v_run.id and a.step_id = p_step_id));
end
$$;

comment on function public.workflow_step_begin(uuid, text) is
  'The engine takes a step: marks it and its run running (publishing workflow.run_started the first time) and returns '
  'the run, owner, tenant, step definition, outputs so far and approval; null when there is nothing to do.';

-- Ends a step the engine ran: succeeded (its next steps queued), waiting (queued again at
-- p_wait_until) or failed (the run fails). A run with nothing left queued, running or waiting has
-- succeeded (its output: every step's output).
create or replace function public.workflow_step_finish(
  p_run_id uuid, p_step_id text, p_status text, p_output jsonb, p_error text, p_next text[], p_wait_until timestamptz)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run public.workflow_runs;
  v_step public.workflow_step_runs;
  v_next text;
  v_left boolean;
begin
  select * into v_run from public.workflow_runs r where r.id = p_run_id for update;
  select * into v_step from public.workflow_step_runs s where s.run_id = p_run_id and s.step_id = p_step_id for update;
  if v_run.id is null or v_step.id is null or v_run.status in ('succeeded', 'failed', 'cancelled')
     or v_step.status <> 'running' then
    return coalesce(v_run.status, 'gone');
  end if;
  if p_status = 'waiting' then
    update public.workflow_step_runs s set status = 'waiting', wait_until = p_wait_until, output = p_output
    where s.id = v_step.id;
    if p_wait_until is not null then
      perform private.enqueue_workflow_step(v_run, p_step_id, p_wait_until,
                                            'workflow_step:' || v_run.id || ':' || p_step_id || ':' || p_wait_until);
    end if;
    update public.workflow_runs r set status = 'waiting' where r.id = v_run.id
      and not exists (select 1 from public.workflow_step_runs s where s.run_id = r.id and s.status in ('queued', 'running'));
    return 'waiting';
  end if;
  update public.workflow_step_runs s
  set status = p_status, output = p_output, error = coalesce(left(p_error, 2000), s.error), ended_at = now(),
      duration_ms = greatest(0, (extract(epoch from now() - s.started_at) * 1000)::integer)
  where s.id = v_step.id;
  if p_status = 'failed' then
    update public.workflow_runs r set status = 'failed', ended_at = now(), error = left(p_error, 2000)
    where r.id = v_run.id;
    update public.workflow_step_runs s set status = 'cancelled', ended_at = now()
    where s.run_id = v_run.id and s.status in ('queued', 'waiting');
    perform private.publish_event(v_run.tenant_id, 'workflow.run_failed', 'workflow_run', v_run.id::text,
      jsonb_build_object('workflow_id', v_run.workflow_id, 'run_id', v_run.id, 'step_id', p_step_id,
                         'name', (select w.name from public.workflows w where w.id = v_run.workflow_id),
                         'summary', left(p_error, 500)));
    return 'failed';
  end if;
  foreach v_next in array coalesce(p_next, '{}') loop
    perform private.enqueue_workflow_step(v_run, v_next);
  end loop;
  select exists (select 1 from public.workflow_step_runs s
                 where s.run_id = v_run.id and s.status in ('queued', 'running', 'waiting')) into v_left;
  if v_left then
    update public.workflow_runs r set status = case when exists (select 1 from public.workflow_step_runs s
      where s.run_id = r.id and s.status in ('queued', 'running')) then 'running' else 'waiting' end
    where r.id = v_run.id;
    return 'running';
  end if;
  update public.workflow_runs r
  set status = 'succeeded', ended_at = now(),
      output = (select coalesce(jsonb_object_agg(s.step_id, s.output), '{}') from public.workflow_step_runs s
                where s.run_id = r.id and s.status = 'succeeded')
  where r.id = v_run.id;
  perform private.publish_event(v_run.tenant_id, 'workflow.run_succeeded', 'workflow_run', v_run.id::text,
    jsonb_build_object('workflow_id', v_run.workflow_id, 'run_id', v_run.id, 'version', v_run.version));
  return 'succeeded';
end
$$;

comment on function public.workflow_step_finish(uuid, text, text, jsonb, text, text[], timestamptz) is
  'The engine ends a step: succeeded (next steps queued; the run succeeds when nothing is left, publishing '
  'workflow.run_succeeded), waiting (queued again at p_wait_until) or failed (the run fails: workflow.run_failed). '
  'Returns the run''s state; nothing changes for a run that ended.';

-- A failed attempt that will be retried (the queue's backoff): the error is kept, the step queued.
create or replace function public.workflow_step_retrying(p_run_id uuid, p_step_id text, p_error text)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  update public.workflow_step_runs s set status = 'queued', error = left(p_error, 2000)
  where s.run_id = p_run_id and s.step_id = p_step_id and s.status = 'running'
$$;

comment on function public.workflow_step_retrying(uuid, text, text) is
  'The engine records a failed attempt to be retried: the step is queued again with its error.';

-- An approval step's request: the row, one workflow.approval_requested event per member who may
-- decide (their notification), and the step waits until it expires (its timeout job).
create or replace function public.workflow_request_approval(
  p_run_id uuid, p_step_id text, p_permission text, p_message text, p_expires_at timestamptz)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run public.workflow_runs;
  v_id uuid;
  v_approver uuid;
begin
  select * into v_run from public.workflow_runs r where r.id = p_run_id;
  if not exists (select 1 from public.permissions p where p.code = p_permission) then
    raise exception 'unknown permission %', p_permission using errcode = 'TN362';
  end if;
  insert into public.workflow_approvals (tenant_id, run_id, step_id, permission, message, expires_at)
  values (v_run.tenant_id, v_run.id, p_step_id, p_permission, left(coalesce(p_message, ''), 1000), p_expires_at)
  on conflict (run_id, step_id) do nothing
  returning id into v_id;
  if v_id is null then
    return (select a.id from public.workflow_approvals a where a.run_id = v_run.id and a.step_id = p_step_id);
  end if;
  for v_approver in select h from private.permission_holders(v_run.tenant_id, array[p_permission]) h limit 50 loop
    perform private.publish_event(v_run.tenant_id, 'workflow.approval_requested', 'workflow_run', v_run.id::text,
      jsonb_build_object('user_id', v_approver, 'approval_id', v_id, 'workflow_id', v_run.workflow_id,
                         'run_id', v_run.id, 'step_id', p_step_id, 'permission', p_permission,
                         'expires_at', private.event_time(p_expires_at),
                         'summary', coalesce(nullif(btrim(p_message), ''), 'A workflow run waits for a decision.')));
  end loop;
  return v_id;
end
$$;

comment on function public.workflow_request_approval(uuid, text, text, text, timestamptz) is
  'The engine opens an approval (idempotent per run and step) and tells each member holding the permission (one '
  'workflow.approval_requested event each, at most 50). Returns the approval.';

create or replace function public.workflow_approval_timed_out(p_approval_id uuid)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with d as (
    update public.workflow_approvals a set decision = 'timed_out', decided_at = now()
    where a.id = p_approval_id and a.decision is null and a.expires_at <= now()
    returning 1)
  select exists (select 1 from d)
$$;

comment on function public.workflow_approval_timed_out(uuid) is
  'The engine records an approval that expired undecided; false when it was decided first.';

-- Schedules: the due workflows (their tick, cron and tenant time zone), and a tick's run.
create or replace function public.workflow_schedules_due(p_limit integer)
returns table (workflow_id uuid, schedule_cron text, timezone text, next_run_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select w.id, w.schedule_cron, t.timezone, w.next_run_at
  from public.workflows w join public.tenants t on t.id = w.tenant_id
  where w.enabled and w.trigger_type = 'schedule' and w.owner_id is not null
    and (w.next_run_at is null or w.next_run_at <= now()) and t.status = 'active'
  order by w.next_run_at nulls first
  limit p_limit
$$;

comment on function public.workflow_schedules_due(integer) is
  'Enabled scheduled workflows of active tenants whose tick is due (or not computed yet), for workflows.schedule.';

-- Starts the run of a tick (when p_tick is the workflow's due tick; none for a first computation)
-- and stores the next tick. Idempotent: a tick has one run (trigger key schedule:<tick>).
create or replace function public.workflow_schedule_tick(p_workflow_id uuid, p_tick timestamptz, p_next timestamptz)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_workflow public.workflows;
  v_run uuid;
begin
  select * into v_workflow from public.workflows w where w.id = p_workflow_id for update;
  if not found or not v_workflow.enabled or v_workflow.next_run_at is distinct from p_tick then
    return null;
  end if;
  if p_tick is not null then
    v_run := private.start_workflow_run(v_workflow, 'schedule', 'schedule:' || private.event_time(p_tick),
                                        jsonb_build_object('scheduled_at', private.event_time(p_tick)));
  end if;
  update public.workflows w set next_run_at = p_next where w.id = v_workflow.id;
  return v_run;
end
$$;

comment on function public.workflow_schedule_tick(uuid, timestamptz, timestamptz) is
  'Runs a due schedule tick (once: trigger key schedule:<tick>) and sets the next one; nothing when the tick is not '
  'the workflow''s current one (another scheduler took it).';

revoke all on function
  private.check_workflow_definition(jsonb), private.managed_workflow(uuid), private.managed_workflow_run(uuid),
  private.enqueue_workflow_step(public.workflow_runs, text, timestamptz, text),
  private.start_workflow_run(public.workflows, text, text, jsonb, uuid, uuid),
  private.running_workflow_step(uuid, text), private.workflow_recipient(uuid, uuid),
  private.check_workflow_text(text, text), private.workflows_owner_left(),
  public.create_workflow(uuid, uuid, text, text, jsonb), public.update_workflow(uuid, text, text, jsonb),
  public.set_workflow_enabled(uuid, boolean), public.delete_workflow(uuid),
  public.start_workflow_run(uuid, jsonb), public.rerun_workflow_run(uuid), public.cancel_workflow_run(uuid),
  public.decide_workflow_approval(uuid, boolean, text), public.pending_workflow_approvals(uuid),
  public.workflow_notify(uuid, text, uuid, text), public.workflow_send_email(uuid, text, uuid, text, text),
  public.workflow_step_begin(uuid, text),
  public.workflow_step_finish(uuid, text, text, jsonb, text, text[], timestamptz),
  public.workflow_step_retrying(uuid, text, text),
  public.workflow_request_approval(uuid, text, text, text, timestamptz),
  public.workflow_approval_timed_out(uuid), public.workflow_schedules_due(integer),
  public.workflow_schedule_tick(uuid, timestamptz, timestamptz)
from public, anon, authenticated;
grant execute on function
  public.create_workflow(uuid, uuid, text, text, jsonb), public.update_workflow(uuid, text, text, jsonb),
  public.set_workflow_enabled(uuid, boolean), public.delete_workflow(uuid),
  public.start_workflow_run(uuid, jsonb), public.rerun_workflow_run(uuid), public.cancel_workflow_run(uuid),
  public.decide_workflow_approval(uuid, boolean, text), public.pending_workflow_approvals(uuid),
  public.workflow_notify(uuid, text, uuid, text), public.workflow_send_email(uuid, text, uuid, text, text)
to authenticated;
grant execute on function
  public.workflow_step_begin(uuid, text),
  public.workflow_step_finish(uuid, text, text, jsonb, text, text[], timestamptz),
  public.workflow_step_retrying(uuid, text, text),
  public.workflow_request_approval(uuid, text, text, text, timestamptz),
  public.workflow_approval_timed_out(uuid), public.workflow_schedules_due(integer),
  public.workflow_schedule_tick(uuid, timestamptz, timestamptz)
to service_role;
