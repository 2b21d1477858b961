-- One durable job queue for the codebase: public.jobs holds every job of every module's queue
-- (integration events, workflow steps, OCR, exports …); private.enqueue_job adds one in the
-- caller's transaction (so a job exists if and only if the change that asked for it committed);
-- workers claim due jobs with FOR UPDATE SKIP LOCKED under a lease, complete or fail them, and
-- the retry schedule, the dead letter (failed after max_attempts) and the recovery of a lease a
-- killed worker left behind live here, in SQL, so every worker follows the same rules.
-- docs/queue.md says how a module adds a queue; docs/decisions/0010-one-job-queue.md why webhook
-- delivery and the email outbox keep their tables.
--
-- Owns: table private.job_queues (the queues modules register, with their max attempts and
-- optional schedule), table public.jobs; settings jobs.retry_schedule_seconds, jobs.max_attempts,
-- jobs.retention_days; private.register_job_queue, private.enqueue_job, private.retry_delay (the
-- retry schedule step with jitter, which private.webhook_retry_delay now uses too),
-- private.job_retry_delay;
-- public.claim_jobs, public.complete_job, public.fail_job, public.extend_job_lease,
-- public.jobs_next_due, public.purge_jobs (service_role only); public.cancel_job, public.retry_job
-- (service_role and super_admin, audited), public.admin_job_queues, public.admin_jobs (super_admin:
-- the console's Jobs page); the channel jobs (pg_notify with the queue's name after each enqueue). TN350–TN356.

-- ---------------------------------------------------------------------------------------------
-- Settings
-- ---------------------------------------------------------------------------------------------

insert into public.system_settings (key, value, category, description, is_public) values
  ('jobs.retry_schedule_seconds', '[5, 30, 120, 600, 1800, 3600, 10800, 21600, 43200, 86400]', 'jobs',
   'Seconds between a failed job attempt and the next (5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h, '
   'then 24 h for every later attempt), each with ±10 % jitter, for queues without a schedule of their own.', false),
  ('jobs.max_attempts', '5', 'jobs',
   'Attempts a job gets before it is a dead letter (failed), for queues without a number of their own.', false),
  ('jobs.retention_days', '7', 'jobs',
   'Days a succeeded or cancelled job is kept (its dedupe key with it) before public.purge_jobs deletes it.', false)
on conflict (key) do nothing;

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table private.job_queues (
  queue text primary key check (queue ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$' and char_length(queue) <= 100),
  description text not null check (char_length(description) between 1 and 500),
  -- null: the setting jobs.max_attempts.
  max_attempts integer check (max_attempts between 1 and 100),
  -- null: the setting jobs.retry_schedule_seconds (an array of seconds; the last step repeats).
  retry_schedule_seconds jsonb check (
    retry_schedule_seconds is null
    or (jsonb_typeof(retry_schedule_seconds) = 'array' and jsonb_array_length(retry_schedule_seconds) between 1 and 50)),
  created_at timestamptz not null default now()
);
alter table private.job_queues enable row level security;
comment on table private.job_queues is
  'The job queues modules register (private.register_job_queue in their migration): module.name, what it does, '
  'its attempts and retry schedule (null: the jobs.* settings). A job for a queue not listed is refused (TN350).';
revoke all on private.job_queues from public, anon, authenticated, service_role;

create table public.jobs (
  id uuid primary key default gen_random_uuid(),
  queue text not null references private.job_queues (queue),
  -- The tenant the job works for, if any (deleted with it).
  tenant_id uuid references public.tenants (id) on delete cascade,
  payload jsonb not null default '{}' check (jsonb_typeof(payload) = 'object'),
  -- One job per key and queue, forever (until purged): enqueueing it again returns the first.
  dedupe_key text check (char_length(dedupe_key) between 1 and 200),
  -- pending: waits for run_at; running: a worker holds it until claimed_until; succeeded; failed: a
  -- dead letter (the last attempt failed, or a failure that retrying cannot mend); cancelled.
  status text not null default 'pending'
    check (status in ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
  -- Attempts started (counted when claimed, so a job that kills its worker still runs out).
  attempts integer not null default 0 check (attempts >= 0),
  max_attempts integer not null check (max_attempts between 1 and 100),
  run_at timestamptz not null default now(),
  claimed_by text,
  claimed_until timestamptz,
  last_error text,
  result jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz,
  unique (queue, dedupe_key),
  check ((status = 'running') = (claimed_by is not null and claimed_until is not null))
);
alter table public.jobs enable row level security;
comment on table public.jobs is
  'Every job of every queue: its payload, tenant, dedupe key, state, attempts and lease. Written only through '
  'private.enqueue_job and the service_role RPCs (claim_jobs, complete_job, fail_job …); no API role reads it '
  'but service_role.';
-- The claim: due pending jobs of a queue in run_at order, and leases that passed.
create index jobs_pending_due_idx on public.jobs (queue, run_at) where status = 'pending';
create index jobs_running_lease_idx on public.jobs (queue, claimed_until) where status = 'running';
-- Dead letters per queue (the console) and the purge of finished jobs.
create index jobs_failed_idx on public.jobs (queue, completed_at) where status = 'failed';
create index jobs_finished_idx on public.jobs (completed_at) where status in ('succeeded', 'cancelled');
create index jobs_tenant_created_idx on public.jobs (tenant_id, created_at);

create trigger jobs_immutable_columns before update on public.jobs
  for each row execute function private.forbid_column_changes('id', 'queue', 'tenant_id', 'payload', 'dedupe_key', 'created_at');

revoke all on public.jobs from public, anon, authenticated, service_role;
grant select on public.jobs to service_role;

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

create or replace function private.register_job_queue(
  p_queue text, p_description text, p_max_attempts integer default null, p_retry_schedule_seconds jsonb default null)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into private.job_queues (queue, description, max_attempts, retry_schedule_seconds)
  values (p_queue, p_description, p_max_attempts, p_retry_schedule_seconds)
  on conflict (queue) do update
    set description = excluded.description, max_attempts = excluded.max_attempts,
        retry_schedule_seconds = excluded.retry_schedule_seconds
$$;

comment on function private.register_job_queue(text, text, integer, jsonb) is
  'Registers (or updates) a job queue, from its module''s migration: name module.name, description, max attempts '
  'and retry schedule in seconds (null: the jobs.* settings).';
revoke all on function private.register_job_queue(text, text, integer, jsonb) from public;

-- The one retry schedule primitive (jobs and webhook delivery): step p_attempt of a schedule of
-- seconds with ±10 % jitter, so retries of many failures spread out; past the last step, the last
-- step again (p_repeat_last) or null (the schedule ran out).
create or replace function private.retry_delay(p_steps jsonb, p_attempt integer, p_repeat_last boolean default false)
returns interval
language sql
volatile
set search_path = ''
as $$
  select make_interval(secs => (p_steps ->> (least(p_attempt, jsonb_array_length(p_steps)) - 1))::numeric
                               * (0.9 + random() * 0.2))
  where p_attempt >= 1 and (p_repeat_last or p_attempt <= jsonb_array_length(p_steps))
$$;

comment on function private.retry_delay(jsonb, integer, boolean) is
  'Delay after failed attempt n of a schedule (a JSON array of seconds): step n ± 10 %; past the last step the last '
  'step again (p_repeat_last) or null. Shared by the job queue and webhook delivery.';
revoke all on function private.retry_delay(jsonb, integer, boolean) from public;

-- The delay before attempt p_attempt + 1 of a job of p_queue after attempt p_attempt failed: the
-- queue's schedule (or jobs.retry_schedule_seconds), its last step repeated.
create or replace function private.job_retry_delay(p_queue text, p_attempt integer)
returns interval
language sql
volatile
security definer
set search_path = ''
as $$
  select private.retry_delay(
    coalesce((select q.retry_schedule_seconds from private.job_queues q where q.queue = p_queue),
             private.setting('jobs.retry_schedule_seconds'),
             '[5, 30, 120, 600, 1800, 3600, 10800, 21600, 43200, 86400]'),
    greatest(p_attempt, 1), true)
$$;

comment on function private.job_retry_delay(text, integer) is
  'Delay after failed attempt n of a job of the queue: its schedule''s step n (the last step once it runs out) ± 10 %.';
revoke all on function private.job_retry_delay(text, integer) from public;

-- Webhook delivery (20261202000200) keeps its Standard Webhooks schedule and its end after the
-- last step, on the shared primitive.
create or replace function private.webhook_retry_delay(p_attempt integer)
returns interval
language sql
volatile
set search_path = ''
as $$
  select private.retry_delay(
    coalesce(private.setting('webhooks.retry_schedule_seconds'),
             '[5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]'),
    p_attempt, false)
$$;

-- ---------------------------------------------------------------------------------------------
-- Enqueue (callable by the definer functions and triggers of other modules, and service_role)
-- ---------------------------------------------------------------------------------------------

create or replace function private.enqueue_job(
  p_queue text,
  p_payload jsonb,
  p_tenant_id uuid default null,
  p_run_at timestamptz default now(),
  p_dedupe_key text default null,
  p_max_attempts integer default null)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_queue private.job_queues;
  v_id uuid;
begin
  select * into v_queue from private.job_queues q where q.queue = p_queue;
  if v_queue.queue is null then
    raise exception 'No job queue is named %: its module registers it with private.register_job_queue', p_queue
      using errcode = 'TN350';
  end if;
  if p_payload is null or jsonb_typeof(p_payload) <> 'object'
     or (p_max_attempts is not null and p_max_attempts not between 1 and 100)
     or (p_dedupe_key is not null and char_length(p_dedupe_key) not between 1 and 200) then
    raise exception 'A job needs a JSON object as its payload, 1–100 attempts and a dedupe key of 1–200 characters'
      using errcode = 'TN351';
  end if;
  insert into public.jobs (queue, payload, tenant_id, run_at, dedupe_key, max_attempts)
  values (p_queue, p_payload, p_tenant_id, coalesce(p_run_at, now()), p_dedupe_key,
          coalesce(p_max_attempts, v_queue.max_attempts,
                   (private.setting('jobs.max_attempts') #>> '{}')::integer, 5))
  on conflict (queue, dedupe_key) do nothing
  returning id into v_id;
  if v_id is null then
    select j.id into v_id from public.jobs j where j.queue = p_queue and j.dedupe_key = p_dedupe_key;
  else
    perform pg_notify('jobs', p_queue);
  end if;
  return v_id;
end
$$;

comment on function private.enqueue_job(text, jsonb, uuid, timestamptz, text, integer) is
  'Queues a job in the caller''s transaction and returns its id; with a dedupe key the queue already holds, the '
  'existing job''s id (nothing new). Notifies channel jobs with the queue''s name. TN350: unknown queue; TN351: '
  'payload not an object, attempts outside 1–100, dedupe key outside 1–200 characters.';
revoke all on function private.enqueue_job(text, jsonb, uuid, timestamptz, text, integer) from public;
grant execute on function private.enqueue_job(text, jsonb, uuid, timestamptz, text, integer) to service_role;

-- ---------------------------------------------------------------------------------------------
-- Workers (service_role)
-- ---------------------------------------------------------------------------------------------

create or replace function public.claim_jobs(
  p_queues text[], p_worker text, p_max integer default 10, p_lease_seconds integer default 60)
returns setof public.jobs
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_taken integer;
begin
  if p_queues is null or cardinality(p_queues) = 0
     or p_worker is null or char_length(p_worker) not between 1 and 200
     or p_max is null or p_max not between 1 and 1000
     or p_lease_seconds is null or p_lease_seconds not between 1 and 3600 then
    raise exception 'claim_jobs needs queues, a worker name (1–200 characters), a batch of 1–1000 and a lease of 1–3600 s'
      using errcode = 'TN352';
  end if;
  -- A lease that passed on the last attempt: its worker died holding it; the job is a dead letter.
  update public.jobs j
     set status = 'failed', claimed_by = null, claimed_until = null, completed_at = now(), updated_at = now(),
         last_error = coalesce(j.last_error || ' — ', '')
                      || format('The lease of %s passed on attempt %s of %s.', j.claimed_by, j.attempts, j.max_attempts)
   where j.id in (select x.id from public.jobs x
                   where x.status = 'running' and x.queue = any (p_queues) and x.claimed_until < now()
                     and x.attempts >= x.max_attempts
                   for update skip locked);
  -- Leases that passed with attempts left first (their worker died), then due pending jobs, oldest due first.
  return query
  update public.jobs j
     set status = 'running', attempts = j.attempts + 1, claimed_by = p_worker,
         claimed_until = now() + make_interval(secs => p_lease_seconds), updated_at = now()
   where j.id in (select x.id from public.jobs x
                   where x.status = 'running' and x.queue = any (p_queues) and x.claimed_until < now()
                   order by x.claimed_until, x.id
                   limit p_max
                   for update skip locked)
  returning j.*;
  get diagnostics v_taken = row_count;
  if v_taken < p_max then
    return query
    update public.jobs j
       set status = 'running', attempts = j.attempts + 1, claimed_by = p_worker,
           claimed_until = now() + make_interval(secs => p_lease_seconds), updated_at = now()
     where j.id in (select x.id from public.jobs x
                     where x.status = 'pending' and x.queue = any (p_queues) and x.run_at <= now()
                     order by x.run_at, x.id
                     limit p_max - v_taken
                     for update skip locked)
    returning j.*;
  end if;
end
$$;

comment on function public.claim_jobs(text[], text, integer, integer) is
  'Leases up to p_max claimable jobs of the queues to p_worker for p_lease_seconds (FOR UPDATE SKIP LOCKED): '
  'passed leases first, then due pending jobs by run_at; each claim counts an attempt. A passed lease on the '
  'last attempt makes its job a dead letter. TN352 for bad arguments. service_role only.';
revoke all on function public.claim_jobs(text[], text, integer, integer) from public;
grant execute on function public.claim_jobs(text[], text, integer, integer) to service_role;

-- The job p_worker holds, locked; TN353 when it holds none by that id (finished, cancelled, or
-- taken by another worker after the lease passed).
create or replace function private.held_job(p_job_id uuid, p_worker text)
returns public.jobs
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.jobs;
begin
  select * into v_job from public.jobs j where j.id = p_job_id for update;
  if v_job.id is null or v_job.status <> 'running' or v_job.claimed_by is distinct from p_worker then
    raise exception 'Job % is not held by %: it finished, was cancelled, or another worker took it after the lease passed',
      p_job_id, p_worker using errcode = 'TN353';
  end if;
  return v_job;
end
$$;

comment on function private.held_job(uuid, text) is
  'The running job p_worker holds, locked for update; TN353 if it holds no such job.';
revoke all on function private.held_job(uuid, text) from public;

create or replace function public.complete_job(p_job_id uuid, p_worker text, p_result jsonb default null)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.held_job(p_job_id, p_worker);
  update public.jobs j
     set status = 'succeeded', result = p_result, last_error = null, claimed_by = null, claimed_until = null,
         completed_at = now(), updated_at = now()
   where j.id = p_job_id;
end
$$;

comment on function public.complete_job(uuid, text, jsonb) is
  'Marks a job the worker holds succeeded, with its result (TN353 if the worker holds no such job). service_role only.';
revoke all on function public.complete_job(uuid, text, jsonb) from public;
grant execute on function public.complete_job(uuid, text, jsonb) to service_role;

create or replace function public.fail_job(p_job_id uuid, p_worker text, p_error text, p_retryable boolean default true)
returns table (status text, attempts integer, run_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.jobs;
begin
  if p_error is null or btrim(p_error) = '' then
    raise exception 'A failed job needs its error in words' using errcode = 'TN352';
  end if;
  v_job := private.held_job(p_job_id, p_worker);
  if coalesce(p_retryable, true) and v_job.attempts < v_job.max_attempts then
    return query
    update public.jobs j
       set status = 'pending', run_at = now() + private.job_retry_delay(j.queue, j.attempts),
           last_error = left(p_error, 2000), claimed_by = null, claimed_until = null, updated_at = now()
     where j.id = p_job_id
    returning j.status, j.attempts, j.run_at;
  else
    return query
    update public.jobs j
       set status = 'failed', last_error = left(p_error, 2000), claimed_by = null, claimed_until = null,
           completed_at = now(), updated_at = now()
     where j.id = p_job_id
    returning j.status, j.attempts, j.run_at;
  end if;
end
$$;

comment on function public.fail_job(uuid, text, text, boolean) is
  'Records the failed attempt of a job the worker holds (TN353 otherwise; TN352 without an error): pending again '
  'after the queue''s retry step (± 10 %) while attempts remain and the failure is retryable, else failed (a dead '
  'letter). Returns the job''s status, attempts and next run. service_role only.';
revoke all on function public.fail_job(uuid, text, text, boolean) from public;
grant execute on function public.fail_job(uuid, text, text, boolean) to service_role;

create or replace function public.extend_job_lease(p_job_id uuid, p_worker text, p_lease_seconds integer)
returns timestamptz
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_until timestamptz;
begin
  if p_lease_seconds is null or p_lease_seconds not between 1 and 3600 then
    raise exception 'A lease lasts 1–3600 s' using errcode = 'TN352';
  end if;
  perform private.held_job(p_job_id, p_worker);
  update public.jobs j set claimed_until = now() + make_interval(secs => p_lease_seconds), updated_at = now()
   where j.id = p_job_id
  returning j.claimed_until into v_until;
  return v_until;
end
$$;

comment on function public.extend_job_lease(uuid, text, integer) is
  'Extends the lease of a job the worker holds to now + p_lease_seconds (the worker''s heartbeat while a handler '
  'runs); TN353 if it holds no such job. service_role only.';
revoke all on function public.extend_job_lease(uuid, text, integer) from public;
grant execute on function public.extend_job_lease(uuid, text, integer) to service_role;

-- ---------------------------------------------------------------------------------------------
-- Operators: service_role, and super_admin staff from the console (audited)
-- ---------------------------------------------------------------------------------------------

-- The job an operator acts on, locked: TN061 unless service_role or super_admin, TN354 if unknown.
create or replace function private.operated_job(p_job_id uuid)
returns public.jobs
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.jobs;
begin
  perform private.require_staff('super_admin');
  select * into v_job from public.jobs j where j.id = p_job_id for update;
  if v_job.id is null then
    raise exception 'No job has the id %', p_job_id using errcode = 'TN354';
  end if;
  return v_job;
end
$$;

comment on function private.operated_job(uuid) is
  'The job retry_job or cancel_job acts on, locked for update: service_role or super_admin (TN061); TN354 if unknown.';
revoke all on function private.operated_job(uuid) from public;

-- The state change alone, for a module that cancels its own jobs after its own permission check
-- (a workflow run cancelled by a member who manages workflows): no operator check, no audit row.
create or replace function private.cancel_job(p_job_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.jobs j
     set status = 'cancelled', claimed_by = null, claimed_until = null, completed_at = now(), updated_at = now()
   where j.id = p_job_id and j.status not in ('succeeded', 'cancelled');
end
$$;

comment on function private.cancel_job(uuid) is
  'Cancels a job that has not succeeded or been cancelled: the state change of public.cancel_job without its '
  'operator check or audit, for owner modules that checked their own permission first.';
revoke all on function private.cancel_job(uuid) from public;

create or replace function public.cancel_job(p_job_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.jobs;
begin
  v_job := private.operated_job(p_job_id);
  if v_job.status in ('succeeded', 'cancelled') then
    raise exception 'Job % is % and cannot be cancelled', p_job_id, v_job.status using errcode = 'TN355';
  end if;
  perform private.cancel_job(p_job_id);
  perform private.audit_event(v_job.tenant_id, 'job.cancel', 'jobs', v_job.id::text,
    jsonb_build_object('queue', v_job.queue, 'status', v_job.status), jsonb_build_object('status', 'cancelled'));
end
$$;

comment on function public.cancel_job(uuid) is
  'Cancels a pending, running or failed job (a running one''s worker then loses it: TN353 on its completion). '
  'TN354: no such job; TN355: it already succeeded or was cancelled. service_role or super_admin (TN061); audited '
  'as job.cancel.';
revoke all on function public.cancel_job(uuid) from public;
grant execute on function public.cancel_job(uuid) to authenticated, service_role;

create or replace function public.retry_job(p_job_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.jobs;
begin
  v_job := private.operated_job(p_job_id);
  if v_job.status not in ('failed', 'cancelled') then
    raise exception 'Job % is % : only a failed or cancelled job is queued again', p_job_id, v_job.status
      using errcode = 'TN356';
  end if;
  update public.jobs j
     set status = 'pending', attempts = 0, run_at = now(), completed_at = null, updated_at = now()
   where j.id = p_job_id;
  perform private.audit_event(v_job.tenant_id, 'job.retry', 'jobs', v_job.id::text,
    jsonb_build_object('queue', v_job.queue, 'status', v_job.status, 'attempts', v_job.attempts),
    jsonb_build_object('status', 'pending'));
  perform pg_notify('jobs', v_job.queue);
end
$$;

comment on function public.retry_job(uuid) is
  'Queues a failed (dead letter) or cancelled job again, due now with all its attempts (its last error kept). '
  'TN354: no such job; TN356: it is not failed or cancelled. service_role or super_admin (TN061); audited as job.retry.';
revoke all on function public.retry_job(uuid) from public;
grant execute on function public.retry_job(uuid) to authenticated, service_role;

-- When a worker for these queues should next look: the earliest due pending job or passing lease;
-- null when none waits.
create or replace function public.jobs_next_due(p_queues text[])
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  select least(
    (select min(j.run_at) from public.jobs j where j.status = 'pending' and j.queue = any (p_queues)),
    (select min(j.claimed_until) from public.jobs j where j.status = 'running' and j.queue = any (p_queues)))
$$;

comment on function public.jobs_next_due(text[]) is
  'The earliest time a job of the queues becomes claimable (due, or its lease passes); null: none waits. service_role only.';
revoke all on function public.jobs_next_due(text[]) from public;
grant execute on function public.jobs_next_due(text[]) to service_role;

create or replace function public.purge_jobs()
returns integer
language sql
security definer
set search_path = ''
as $$
  with gone as (
    delete from public.jobs j
     where j.status in ('succeeded', 'cancelled')
       and j.completed_at < now() - make_interval(
             days => coalesce((private.setting('jobs.retention_days') #>> '{}')::integer, 7))
    returning 1)
  select count(*)::integer from gone
$$;

comment on function public.purge_jobs() is
  'Deletes succeeded and cancelled jobs older than jobs.retention_days (dead letters stay until retried or '
  'cancelled); returns how many. service_role only.';
revoke all on function public.purge_jobs() from public;
grant execute on function public.purge_jobs() to service_role;

-- ---------------------------------------------------------------------------------------------
-- The console (super_admin): the queues and their jobs, without payloads or results
-- ---------------------------------------------------------------------------------------------

create or replace function public.admin_job_queues()
returns table (
  queue text, description text, max_attempts integer, pending integer, due integer, running integer,
  failed integer, oldest_due timestamptz, succeeded_last_day integer)
language plpgsql
stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  perform private.require_staff('super_admin');
  return query
  select q.queue, q.description,
         coalesce(q.max_attempts, (private.setting('jobs.max_attempts') #>> '{}')::integer, 5),
         (select count(*)::integer from public.jobs j where j.queue = q.queue and j.status = 'pending'),
         (select count(*)::integer from public.jobs j where j.queue = q.queue and j.status = 'pending' and j.run_at <= now()),
         (select count(*)::integer from public.jobs j where j.queue = q.queue and j.status = 'running'),
         (select count(*)::integer from public.jobs j where j.queue = q.queue and j.status = 'failed'),
         (select min(j.run_at) from public.jobs j where j.queue = q.queue and j.status = 'pending'),
         (select count(*)::integer from public.jobs j
           where j.queue = q.queue and j.status = 'succeeded' and j.completed_at > now() - interval '1 day')
    from private.job_queues q
   order by q.queue;
end
$$;

comment on function public.admin_job_queues() is
  'Every registered queue with its jobs pending (and due now), running and failed, the oldest pending job''s due '
  'time and the successes of the last day. super_admin only (TN061).';
revoke all on function public.admin_job_queues() from public;
grant execute on function public.admin_job_queues() to authenticated;

create or replace function public.admin_jobs(p_status text default null)
returns table (
  id uuid, queue text, tenant_id uuid, tenant_name text, status text, attempts integer, max_attempts integer,
  run_at timestamptz, last_error text, created_at timestamptz, completed_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  perform private.require_staff('super_admin');
  return query
  select j.id, j.queue, j.tenant_id, t.name, j.status, j.attempts, j.max_attempts, j.run_at, j.last_error,
         j.created_at, j.completed_at
    from public.jobs j
    left join public.tenants t on t.id = j.tenant_id
   where p_status is null or j.status = p_status;
end
$$;

comment on function public.admin_jobs(text) is
  'The jobs of one status (all when null) with their queue, tenant, attempts, due time and last error — never the '
  'payload or result, which may carry personal data. super_admin only (TN061).';
revoke all on function public.admin_jobs(text) from public;
grant execute on function public.admin_jobs(text) to authenticated;
