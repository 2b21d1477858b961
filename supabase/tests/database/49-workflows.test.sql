-- Workflows (20261203000300_workflows.sql): who reads the five tables (the persona matrix: nobody
-- writes them but the RPCs and the engine); who may create, save, turn on, delete and run a
-- workflow (a member without workflows.manage cannot read, edit or start one); the definition's
-- rules and their codes; the saver becomes the owner and a changed definition a new version; the
-- owner leaving turns a workflow off; the owner's step actions only for the owner's running step;
-- the engine's functions for service_role only.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor; globex:
-- frank owner, gina developer; sue support staff). A workflow of acme with one run, step and
-- approval is written directly (as the engine would) for the matrix.
begin;
select plan(271);

select tests.seed_fixture();

create temp table ids (name text primary key, id uuid not null);
grant select, insert on ids to public;
create function pg_temp.id(p_name text) returns uuid language sql as $$ select id from ids where name = p_name $$;

create function pg_temp.manual_definition(p_steps jsonb default null) returns jsonb language sql as $$
  select jsonb_build_object('trigger', jsonb_build_object('type', 'manual'),
    'steps', coalesce(p_steps, '[{"id": "hello", "kind": "notify", "to": "{{input.user_id}}", "text": "Hello"}]'::jsonb))
$$;

-- The matrix's workflow, run, step and approval, as create_workflow and the engine write them.
select tests.authenticate_as('alice');
insert into ids values ('matrix', public.create_workflow(tests.tenant_id('test-acme'), null, 'Matrix', '',
                                                         pg_temp.manual_definition()));
select tests.clear_authentication();
insert into public.workflow_runs (tenant_id, workflow_id, version, trigger_kind, trigger_key, input, status)
values (tests.tenant_id('test-acme'), pg_temp.id('matrix'), 1, 'manual', 'manual:matrix', '{}', 'waiting');
insert into ids select 'matrix_run', id from public.workflow_runs where trigger_key = 'manual:matrix';
insert into public.workflow_step_runs (tenant_id, run_id, step_id, kind, status)
values (tests.tenant_id('test-acme'), pg_temp.id('matrix_run'), 'hello', 'approval', 'waiting');
insert into public.workflow_approvals (tenant_id, run_id, step_id, permission, expires_at)
values (tests.tenant_id('test-acme'), pg_temp.id('matrix_run'), 'hello', 'projects.update', now() + interval '1 hour');

-- ---------------------------------------------------------------------------------------------
-- The persona matrix: holders of workflows.manage read; nobody writes through the API
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases
select t.tbl, o.op, case o.op
  when 'select' then format('select id from public.%I where tenant_id = %L', t.tbl, tests.tenant_id('test-acme'))
  when 'insert' then format('insert into public.%I (tenant_id) values (%L)', t.tbl, tests.tenant_id('test-acme'))
  when 'update' then format('update public.%I set %I = %I where tenant_id = %L', t.tbl, t.col, t.col, tests.tenant_id('test-acme'))
  else format('delete from public.%I where tenant_id = %L', t.tbl, tests.tenant_id('test-acme')) end
from (values ('workflows', 'name'), ('workflow_versions', 'definition'), ('workflow_runs', 'status'),
             ('workflow_step_runs', 'status'), ('workflow_approvals', 'decision')) t(tbl, col),
     (values ('select'), ('insert'), ('update'), ('delete')) o(op);

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected
select t.tbl, p.persona, p.reads, 'error:42501', 'error:42501', 'error:42501'
from (values ('workflows'), ('workflow_versions'), ('workflow_runs'), ('workflow_step_runs'), ('workflow_approvals')) t(tbl),
     (values ('anon', 'error:42501'), ('alice', 'rows:1'), ('bob', 'rows:1'), ('carol', 'rows:0'), ('dave', 'rows:0'),
             ('frank', 'rows:0'), ('gina', 'rows:0'), ('sue', 'rows:0'), ('service_role', 'rows:1')) p(persona, reads);

select * from tests.persona_matrix();

-- ---------------------------------------------------------------------------------------------
-- Definitions: who may create, save, turn on, delete
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('carol', format('select public.create_workflow(%L, null, %L, %L, %L)',
            tests.tenant_id('test-acme'), 'Nope', '', pg_temp.manual_definition())),
          'error:TN002', 'a viewer (no workflows.manage) cannot create a workflow');
select is(tests.try_as('gina', format('select public.create_workflow(%L, null, %L, %L, %L)',
            tests.tenant_id('test-acme'), 'Nope', '', pg_temp.manual_definition())),
          'error:TN002', 'a developer of another organisation cannot create one in acme');

select tests.authenticate_as('bob');
insert into ids values ('bobs', public.create_workflow(tests.tenant_id('test-acme'), null, '  Welcome  ', 'Says hello',
                                                       pg_temp.manual_definition()));
select tests.clear_authentication();
select results_eq(
  format('select name, owner_id, enabled, version, trigger_type, created_by from public.workflows where id = %L', pg_temp.id('bobs')),
  format('values (%L::text, %L::uuid, false, 1, %L::text, %L::uuid)', 'Welcome', tests.user_id('bob'), 'manual', tests.user_id('bob')),
  'an admin creates a workflow: trimmed, off, version 1, owned by its creator');
select is((select count(*)::int from public.workflow_versions where workflow_id = pg_temp.id('bobs')), 1,
  'version 1 is kept');

select is(tests.try_as('carol', format('select public.update_workflow(%L, %L, %L, %L)', pg_temp.id('bobs'), 'X', '',
            pg_temp.manual_definition())), 'error:TN360', 'a viewer cannot save a workflow (TN360, as for no workflow)');
select is(tests.try_as('frank', format('select public.update_workflow(%L, %L, %L, %L)', pg_temp.id('bobs'), 'X', '',
            pg_temp.manual_definition())), 'error:TN360', 'another organisation''s owner cannot save it');
select is(tests.try_as('alice', format('select public.update_workflow(%L, %L, %L, %L)', gen_random_uuid(), 'X', '',
            pg_temp.manual_definition())), 'error:TN360', 'an unknown workflow: TN360');
select is(tests.try_as('carol', format('select public.set_workflow_enabled(%L, true)', pg_temp.id('bobs'))),
  'error:TN360', 'a viewer cannot turn a workflow on');
select is(tests.try_as('carol', format('select public.delete_workflow(%L)', pg_temp.id('bobs'))),
  'error:TN360', 'a viewer cannot delete a workflow');
select is(tests.try_as('carol', format('select public.start_workflow_run(%L, %L)', pg_temp.id('bobs'), '{}')),
  'error:TN360', 'a viewer cannot start a run');
select is(tests.try_as('frank', format('select public.start_workflow_run(%L, %L)', pg_temp.id('bobs'), '{}')),
  'error:TN360', 'another organisation''s owner cannot start a run');

-- Saving: the saver becomes the owner; a changed definition is a new version.
select is(tests.do_as('alice', format('select public.update_workflow(%L, %L, %L, %L)', pg_temp.id('bobs'), 'Welcome', 'Says hi',
            pg_temp.manual_definition('[{"id": "hi", "kind": "notify", "to": "{{input.user_id}}", "text": "Hi"}]'))),
  'ok:1', 'the owner of the organisation saves bob''s workflow');
select results_eq(
  format('select owner_id, version, description from public.workflows where id = %L', pg_temp.id('bobs')),
  format('values (%L::uuid, 2, %L::text)', tests.user_id('alice'), 'Says hi'),
  'the saver is now the owner (the steps run with her rights) and the definition is version 2');
select is(tests.do_as('alice', format('select public.update_workflow(%L, %L, %L, %L)', pg_temp.id('bobs'), 'Welcome!', 'Says hi',
            pg_temp.manual_definition('[{"id": "hi", "kind": "notify", "to": "{{input.user_id}}", "text": "Hi"}]'))),
  'ok:1', 'a rename by the same owner …');
select is((select max(version) from public.workflow_versions where workflow_id = pg_temp.id('bobs')), 2,
  '… keeps the version');

select is(tests.do_as('bob', format('select public.set_workflow_enabled(%L, true)', pg_temp.id('bobs'))), 'ok:1',
  'an admin turns it on');
select ok((select enabled from public.workflows where id = pg_temp.id('bobs')), 'it is on');
select is(tests.try_as('bob', format('select public.set_workflow_enabled(%L, null)', pg_temp.id('bobs'))), 'error:TN361',
  'on or off must be said (TN361)');

-- The definition's rules.
create function pg_temp.create_with(p_definition jsonb, p_name text default 'Probe') returns text language sql as $$
  select tests.try_as('bob', format('select public.create_workflow(%L, null, %L, %L, %L)', tests.tenant_id('test-acme'),
                                    p_name, '', p_definition))
$$;
select is(pg_temp.create_with(pg_temp.manual_definition(), ''), 'error:TN361', 'an empty name: TN361');
select is(pg_temp.create_with(pg_temp.manual_definition(), repeat('x', 101)), 'error:TN361', 'a name over 100: TN361');
select is(pg_temp.create_with('{"steps": [{"id": "a", "kind": "notify"}]}'), 'error:TN362', 'no trigger: TN362');
select is(pg_temp.create_with('{"trigger": {"type": "sometimes"}, "steps": [{"id": "a", "kind": "notify"}]}'),
  'error:TN362', 'an unknown trigger type: TN362');
select is(pg_temp.create_with(pg_temp.manual_definition('[]')), 'error:TN362', 'no steps: TN362');
select is(pg_temp.create_with(pg_temp.manual_definition('[{"id": "a", "kind": "teleport"}]')), 'error:TN362',
  'an unknown step kind: TN362');
select is(pg_temp.create_with(pg_temp.manual_definition('[{"id": "a", "kind": "notify", "next": "b"}]')), 'error:TN362',
  'an edge to no step: TN362');
select is(pg_temp.create_with(pg_temp.manual_definition('[{"id": "a", "kind": "notify"}, {"id": "a", "kind": "wait"}]')),
  'error:TN362', 'two steps with one id: TN362');
select is(pg_temp.create_with('{"trigger": {"type": "schedule", "cron": "every day"}, "steps": [{"id": "a", "kind": "notify"}]}'),
  'error:TN362', 'a schedule that is not five fields: TN362');
select is(pg_temp.create_with('{"trigger": {"type": "event", "event": "no.such_type"}, "steps": [{"id": "a", "kind": "notify"}]}'),
  'error:TN363', 'an event type the catalogue does not have: TN363');
select is(pg_temp.create_with('{"trigger": {"type": "event", "event": "workflow.run_failed"}, "steps": [{"id": "a", "kind": "notify"}]}'),
  'error:TN363', 'a workflow cannot start on workflow events (it could start itself): TN363');
select is(pg_temp.create_with('{"trigger": {"type": "event", "event": "project.created", "filter": {"name": "Web"}}, "steps": [{"id": "a", "kind": "notify"}]}'),
  'rows:1', 'an event trigger with a filter is accepted');
select is(pg_temp.create_with('{"trigger": {"type": "schedule", "cron": "0 9 * * 1-5"}, "steps": [{"id": "a", "kind": "notify"}]}'),
  'rows:1', 'a schedule is accepted');

-- An API key cannot own a workflow (the steps run with a person's rights).
select tests.authenticate_as('alice');
insert into ids values ('key', public.create_api_key(tests.tenant_id('test-acme'), 'flows',
  'tnt_test_' || substr(md5('flows') || md5('flows!'), 1, 38), '{workflows.manage}'));
select tests.clear_authentication();
create function pg_temp.as_key(p_sql text) returns text language plpgsql as $$
begin
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims', jsonb_build_object('role', 'authenticated', 'api_key_id', pg_temp.id('key'))::text, true);
  begin
    execute p_sql;
  exception when others then
    perform set_config('role', 'postgres', true);
    perform set_config('request.jwt.claims', '', true);
    return 'error:' || sqlstate;
  end;
  perform set_config('role', 'postgres', true);
  perform set_config('request.jwt.claims', '', true);
  return 'ok';
end $$;
select is(pg_temp.as_key(format('select public.create_workflow(%L, null, %L, %L, %L)', tests.tenant_id('test-acme'), 'K', '',
            pg_temp.manual_definition())), 'error:TN364', 'an API key cannot create (own) a workflow: TN364');

-- ---------------------------------------------------------------------------------------------
-- Runs and approvals: who may start, cancel, decide
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('bob', format('select public.start_workflow_run(%L, %L)', pg_temp.id('bobs'), '[1]')),
  'error:TN372', 'a run''s input is an object (TN372)');
select is(tests.try_as('carol', format('select public.cancel_workflow_run(%L)', pg_temp.id('matrix_run'))),
  'error:TN365', 'a viewer cannot cancel a run (TN365, as for no run)');
select is(tests.try_as('frank', format('select public.rerun_workflow_run(%L)', pg_temp.id('matrix_run'))),
  'error:TN365', 'another organisation''s owner cannot re-run it');
select is(tests.try_as('carol', format('select public.decide_workflow_approval(%L, true, null)',
            (select id from public.workflow_approvals where run_id = pg_temp.id('matrix_run')))),
  'error:TN367', 'a member without the approval''s permission cannot decide it (TN367)');
select is(tests.try_as('gina', format('select public.decide_workflow_approval(%L, true, null)',
            (select id from public.workflow_approvals where run_id = pg_temp.id('matrix_run')))),
  'error:TN367', 'nor can another organisation''s developer');
select is(tests.try_as('bob', format('select public.decide_workflow_approval(%L, true, null)', gen_random_uuid())),
  'error:TN367', 'an unknown approval: TN367');
select is(tests.try_as('bob', format('select public.decide_workflow_approval(%L, null, null)',
            (select id from public.workflow_approvals where run_id = pg_temp.id('matrix_run')))),
  'error:TN368', 'a decision is approve or reject (TN368)');

select tests.authenticate_as('bob');
select is((select count(*)::int from public.pending_workflow_approvals(tests.tenant_id('test-acme'))), 1,
  'a holder of the permission sees the approval waiting for them');
select tests.clear_authentication();
select tests.authenticate_as('carol');
select is((select count(*)::int from public.pending_workflow_approvals(tests.tenant_id('test-acme'))), 0,
  'a viewer sees none');
select tests.clear_authentication();

-- The owner's step actions: only the workflow's owner, for its running step.
select is(tests.try_as('bob', format('select public.workflow_notify(%L, %L, %L, %L)', pg_temp.id('matrix_run'), 'hello',
            tests.user_id('carol'), 'Hi')), 'error:TN370', 'a manager who is not the owner cannot act for a run''s step');
select is(tests.try_as('alice', format('select public.workflow_notify(%L, %L, %L, %L)', pg_temp.id('matrix_run'), 'hello',
            tests.user_id('carol'), 'Hi')), 'error:TN370', 'nor the owner for a step that is not running');
update public.workflow_runs set status = 'running' where id = pg_temp.id('matrix_run');
update public.workflow_step_runs set status = 'running' where run_id = pg_temp.id('matrix_run');
select is(tests.try_as('alice', format('select public.workflow_notify(%L, %L, %L, %L)', pg_temp.id('matrix_run'), 'hello',
            tests.user_id('frank'), 'Hi')), 'error:TN371', 'a notification goes only to a member of the organisation (TN371)');
select is(tests.try_as('alice', format('select public.workflow_send_email(%L, %L, %L, %L, %L)', pg_temp.id('matrix_run'),
            'hello', tests.user_id('gina'), 'Hi', 'Text')), 'error:TN371', 'so does an email');
select is(tests.do_as('alice', format('select public.workflow_notify(%L, %L, %L, %L)', pg_temp.id('matrix_run'), 'hello',
            tests.user_id('carol'), 'Your project is ready')), 'ok:1', 'the owner notifies a member for the running step');
select results_eq(
  format('select type, payload ->> ''user_id'', payload ->> ''summary'' from public.events where subject_id = %L::text',
         pg_temp.id('matrix_run')),
  format('values (%L::text, %L::text, %L::text)', 'workflow.notification', tests.user_id('carol'), 'Your project is ready'),
  'as a workflow.notification event about the member (the fan-out delivers it under their preferences)');
select is(tests.do_as('alice', format('select public.workflow_send_email(%L, %L, %L, %L, %L)', pg_temp.id('matrix_run'),
            'hello', tests.user_id('carol'), 'Ready', 'Your project is ready.')), 'ok:1', 'the owner emails a member');
select is((select to_address from private.email_outbox where payload ->> 'run_id' = pg_temp.id('matrix_run')::text),
  'carol@example.test', 'to the member''s address, in the outbox');

-- The engine's functions are service_role's only.
select is(
  (select array_agg(f order by f) from unnest(array[
     'public.workflow_step_begin(uuid, text)', 'public.workflow_step_finish(uuid, text, text, jsonb, text, text[], timestamptz)',
     'public.workflow_step_retrying(uuid, text, text)', 'public.workflow_request_approval(uuid, text, text, text, timestamptz)',
     'public.workflow_approval_timed_out(uuid)', 'public.workflow_schedules_due(integer)',
     'public.workflow_schedule_tick(uuid, timestamptz, timestamptz)']) f
   where has_function_privilege('authenticated', f, 'execute') or has_function_privilege('anon', f, 'execute')
      or not has_function_privilege('service_role', f, 'execute')),
  null, 'the engine''s functions are executable by service_role only');

-- ---------------------------------------------------------------------------------------------
-- Runs start from events, in the event's transaction, once per event per workflow
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as('alice');
insert into ids values ('on_project', public.create_workflow(tests.tenant_id('test-acme'), null, 'New projects', '',
  '{"trigger": {"type": "event", "event": "project.created", "filter": {"name": "Apollo"}},
    "steps": [{"id": "a", "kind": "notify", "to": "{{input.user_id}}", "text": "A", "next": "b"},
              {"id": "b", "kind": "approval", "permission": "projects.update", "timeout_seconds": 60, "approved": "c"},
              {"id": "c", "kind": "notify", "to": "{{input.user_id}}", "text": "C"}]}'));
insert into ids values ('off', public.create_workflow(tests.tenant_id('test-acme'), null, 'Off', '',
  '{"trigger": {"type": "event", "event": "project.created"}, "steps": [{"id": "a", "kind": "notify"}]}'));
select public.set_workflow_enabled(pg_temp.id('on_project'), true);
insert into public.projects (tenant_id, slug, name) values (tests.tenant_id('test-acme'), 'apollo', 'Apollo'),
                                                            (tests.tenant_id('test-acme'), 'zeus', 'Zeus');
select tests.clear_authentication();
insert into ids select 'apollo_event', id from public.events where type = 'project.created' and payload ->> 'name' = 'Apollo'
  and tenant_id = tests.tenant_id('test-acme');
insert into ids select 'run', id from public.workflow_runs where workflow_id = pg_temp.id('on_project');

select results_eq(
  format('select trigger_kind, trigger_key, event_id, status, input #>> ''{event,type}'', input #>> ''{event,payload,name}'' from public.workflow_runs where workflow_id = %L', pg_temp.id('on_project')),
  format('values (%L::text, %L::text, %L::uuid, %L::text, %L::text, %L::text)', 'event', 'event:' || pg_temp.id('apollo_event'),
         pg_temp.id('apollo_event'), 'queued', 'project.created', 'Apollo'),
  'a project.created event matching the filter started ONE run, in its transaction, with the event as input');
select results_eq(
  format('select queue, tenant_id, payload, dedupe_key, status from public.jobs where id = (select job_id from public.workflow_step_runs where run_id = %L and step_id = %L)', pg_temp.id('run'), 'a'),
  format('values (%L::text, %L::uuid, %L::jsonb, %L::text, %L::text)', 'workflows.step', tests.tenant_id('test-acme'),
         jsonb_build_object('run_id', pg_temp.id('run'), 'step_id', 'a'),
         'workflow:' || pg_temp.id('on_project') || ':event:' || pg_temp.id('apollo_event'), 'pending'),
  'its first step is a job of the one queue, deduplicated by workflow and event');
select is((select count(*)::int from public.workflow_runs where workflow_id = pg_temp.id('off')), 0,
  'a workflow that is off starts nothing');
select is((select private.start_workflow_run(w, 'event', 'event:' || pg_temp.id('apollo_event'), '{}')
           from public.workflows w where w.id = pg_temp.id('on_project')), null,
  'the same event again starts no second run …');
select is((select count(*)::int from public.workflow_runs where workflow_id = pg_temp.id('on_project')), 1, '… one run');
select is((select count(*)::int from public.jobs where queue = 'workflows.step' and payload ->> 'run_id' = pg_temp.id('run')::text), 1,
  '… and one job');

-- The engine (service_role) advances the run.
select tests.authenticate_as_service_role('workflows.step');
select is((select (public.workflow_step_begin(pg_temp.id('run'), 'a')) #>> '{step,kind}'), 'notify',
  'the engine takes a step: its definition …');
select is((select status from public.workflow_runs where id = pg_temp.id('run')), 'running', '… the run is running');
select is((select public.workflow_step_finish(pg_temp.id('run'), 'a', 'succeeded', '{"sent": true}', null, '{b}', null)),
  'running', 'a step succeeds and its next step is queued');
select is((select status from public.workflow_step_runs where run_id = pg_temp.id('run') and step_id = 'b'), 'queued',
  'step b is queued');
select ok((select public.workflow_step_begin(pg_temp.id('run'), 'b')) is not null, 'the approval step is taken');
select isnt((select public.workflow_request_approval(pg_temp.id('run'), 'b', 'projects.update', 'Ship it?', now() + interval '1 minute')),
  null, 'the approval is requested');
select is((select public.workflow_step_finish(pg_temp.id('run'), 'b', 'waiting', null, null, null, now() + interval '1 minute')),
  'waiting', 'the step waits (its timeout is a job due when it expires)');
select tests.clear_authentication();
select is((select status from public.workflow_runs where id = pg_temp.id('run')), 'waiting', 'the run waits');
select is((select array_agg(payload ->> 'user_id' order by payload ->> 'user_id') from public.events
           where type = 'workflow.approval_requested' and subject_id = pg_temp.id('run')::text),
  (select array_agg(u::text order by u::text) from unnest(array[tests.user_id('alice'), tests.user_id('bob')]) u),
  'each member holding the permission is asked (one event each: their notification)');
select is(tests.try_as('carol', format('select public.decide_workflow_approval(%L, true, null)',
            (select id from public.workflow_approvals where run_id = pg_temp.id('run')))),
  'error:TN367', 'a viewer cannot decide');
select is(tests.do_as('bob', format('select public.decide_workflow_approval(%L, true, %L)',
            (select id from public.workflow_approvals where run_id = pg_temp.id('run')), 'Go')),
  'ok:1', 'a holder of projects.update approves');
select results_eq(
  format('select decision, decided_by, comment from public.workflow_approvals where run_id = %L', pg_temp.id('run')),
  format('values (%L::text, %L::uuid, %L::text)', 'approved', tests.user_id('bob'), 'Go'),
  'the decision, who and why are recorded');
select is((select count(*)::int from public.jobs where dedupe_key = 'workflow_step:' || pg_temp.id('run') || ':b:decided'), 1,
  'the step is queued again to follow its approved branch');
select is(tests.try_as('alice', format('select public.decide_workflow_approval(%L, false, null)',
            (select id from public.workflow_approvals where run_id = pg_temp.id('run')))),
  'error:TN366', 'a decided approval cannot be decided again (TN366)');
select tests.authenticate_as_service_role('workflows.step');
select ok((select public.workflow_approval_timed_out(id) from public.workflow_approvals where run_id = pg_temp.id('run')) = false,
  'a decided approval does not time out');
select ok((select public.workflow_step_begin(pg_temp.id('run'), 'b') #>> '{approval,decision}') = 'approved',
  'the engine sees the decision');
select is((select public.workflow_step_finish(pg_temp.id('run'), 'b', 'succeeded', '{"decision": "approved"}', null, '{c}', null)),
  'running', 'the approved branch is queued');
select ok((select public.workflow_step_begin(pg_temp.id('run'), 'c')) is not null, 'the last step is taken');
select is((select public.workflow_step_finish(pg_temp.id('run'), 'c', 'succeeded', '{"sent": true}', null, '{}', null)),
  'succeeded', 'with nothing left the run succeeds');
select tests.clear_authentication();
select results_eq(
  format('select status, output from public.workflow_runs where id = %L', pg_temp.id('run')),
  $$values ('succeeded'::text, '{"a": {"sent": true}, "b": {"decision": "approved"}, "c": {"sent": true}}'::jsonb)$$,
  'its output is every step''s');
select is((select array_agg(type order by occurred_at, type) from public.events where subject_id = pg_temp.id('run')::text
           and type in ('workflow.run_started', 'workflow.run_succeeded')),
  array['workflow.run_started', 'workflow.run_succeeded'], 'workflow.run_started and workflow.run_succeeded are published');
select tests.authenticate_as_service_role('workflows.step');
select is((select public.workflow_step_begin(pg_temp.id('run'), 'c')), null, 'a step of an ended run is not taken again');
select tests.clear_authentication();

-- Cancelling and failing.
select tests.authenticate_as('alice');
insert into ids values ('manual_run', public.start_workflow_run(pg_temp.id('on_project'), '{"user_id": "x"}'));
select tests.clear_authentication();
select is((select status from public.jobs where dedupe_key like 'workflow:' || pg_temp.id('on_project') || ':manual:%'), 'pending',
  'a manual run queues its first step');
select is(tests.do_as('bob', format('select public.cancel_workflow_run(%L)', pg_temp.id('manual_run'))), 'ok:1',
  'a manager cancels the run');
select results_eq(
  format('select r.status, s.status, j.status from public.workflow_runs r join public.workflow_step_runs s on s.run_id = r.id join public.jobs j on j.id = s.job_id where r.id = %L', pg_temp.id('manual_run')),
  $$values ('cancelled'::text, 'cancelled'::text, 'cancelled'::text)$$, 'the run, its step and the step''s job are cancelled');
select is(tests.try_as('bob', format('select public.cancel_workflow_run(%L)', pg_temp.id('manual_run'))), 'error:TN366',
  'an ended run cannot be cancelled (TN366)');
select tests.authenticate_as_service_role('workflows.step');
select is((select public.workflow_step_begin(pg_temp.id('manual_run'), 'a')), null, 'the engine does not take a cancelled run''s step');
select tests.clear_authentication();

select tests.authenticate_as('alice');
insert into ids values ('failing_run', public.rerun_workflow_run(pg_temp.id('run')));
select tests.clear_authentication();
select is((select rerun_of from public.workflow_runs where id = pg_temp.id('failing_run')), pg_temp.id('run'),
  'a re-run is a new run of the same input, pointing at the first');
select tests.authenticate_as_service_role('workflows.step');
select ok((select public.workflow_step_begin(pg_temp.id('failing_run'), 'a')) is not null, 'its step is taken');
select is((select public.workflow_step_finish(pg_temp.id('failing_run'), 'a', 'failed', null, 'the owner may not do that', null, null)),
  'failed', 'a step that gave up …');
select tests.clear_authentication();
select results_eq(
  format('select status, error from public.workflow_runs where id = %L', pg_temp.id('failing_run')),
  $$values ('failed'::text, 'the owner may not do that'::text)$$, '… fails the run with its error');
select is((select payload ->> 'summary' from public.events where type = 'workflow.run_failed' and subject_id = pg_temp.id('failing_run')::text),
  'the owner may not do that', 'workflow.run_failed is published (the managers'' notification)');

-- The owner leaving turns the workflow off.
select tests.authenticate_as('bob');
insert into ids values ('bob_owned', public.create_workflow(tests.tenant_id('test-acme'), null, 'Bob''s', '', pg_temp.manual_definition()));
select public.set_workflow_enabled(pg_temp.id('bob_owned'), true);
select tests.clear_authentication();
delete from public.memberships where tenant_id = tests.tenant_id('test-acme') and user_id = tests.user_id('bob');
select results_eq(format('select owner_id, enabled from public.workflows where id = %L', pg_temp.id('bob_owned')),
  $$values (null::uuid, false)$$, 'a workflow whose owner left has no owner and is off');
select is(tests.try_as('alice', format('select public.set_workflow_enabled(%L, true)', pg_temp.id('bob_owned'))),
  'error:TN374', 'it cannot be turned on before someone saves it (TN374)');
select is(tests.try_as('alice', format('select public.start_workflow_run(%L, %L)', pg_temp.id('bob_owned'), '{}')),
  'error:TN374', 'nor run');

select * from finish();
rollback;
