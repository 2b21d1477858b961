-- Workflows demo data (docs/workflows.md), after supabase/seed.sql: two Acme workflows owned by
-- owner@acme.test — "Welcome new projects" (on project.created: describe the project, then tell
-- the viewer; off, so the other modules' demo and tests start no runs until someone turns it on)
-- and "Release sign-off" (manual: an approval by a holder of projects.update, a timeout branch),
-- with one finished run of the second for the run history and its timeline.
-- Idempotent: fixed ids, nothing written twice.

insert into public.workflows (id, tenant_id, name, description, enabled, owner_id, definition, version, trigger_type,
                              trigger_event_type, trigger_filter, created_by, created_at)
values
  ('f1000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'Welcome new projects',
   'Describes every new project and tells the viewer it exists.', false, 'a0000000-0000-4000-8000-000000000011',
   '{"trigger": {"type": "event", "event": "project.created"},
     "steps": [{"id": "describe", "kind": "set_field", "record": "project", "record_id": "{{event.subject.id}}",
                "field": "description", "value": "Created on {{event.occurred_at}}; welcomed by a workflow.", "next": "tell"},
               {"id": "tell", "kind": "notify", "to": "a0000000-0000-4000-8000-000000000014",
                "text": "Project {{event.payload.name}} is ready."}]}',
   1, 'event', 'project.created', '{}', 'a0000000-0000-4000-8000-000000000011', now() - interval '5 days'),
  ('f1000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001', 'Release sign-off',
   'Asks someone who may change projects to approve a release, then tells the team.', true,
   'a0000000-0000-4000-8000-000000000011',
   '{"trigger": {"type": "manual", "fields": [{"name": "release", "label": "Release", "type": "text"}]},
     "steps": [{"id": "ask", "kind": "approval", "permission": "projects.update", "message": "Ship release {{input.release}}?",
                "timeout_seconds": 86400, "approved": "shipped", "rejected": "held", "timeout": "held"},
               {"id": "shipped", "kind": "notify", "to": "a0000000-0000-4000-8000-000000000014",
                "text": "Release {{input.release}} is approved."},
               {"id": "held", "kind": "notify", "to": "a0000000-0000-4000-8000-000000000014",
                "text": "Release {{input.release}} is on hold."}]}',
   1, 'manual', null, '{}', 'a0000000-0000-4000-8000-000000000011', now() - interval '5 days')
on conflict (id) do nothing;

insert into public.workflow_versions (tenant_id, workflow_id, version, definition, owner_id, created_by, created_at)
select w.tenant_id, w.id, 1, w.definition, w.owner_id, w.created_by, w.created_at
from public.workflows w where w.id in ('f1000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000002')
on conflict (tenant_id, workflow_id, version) do nothing;

-- A past run of the sign-off: approved by the admin two days ago.
insert into public.workflow_runs (id, tenant_id, workflow_id, version, trigger_kind, trigger_key, input, output, status,
                                  started_by, created_at, started_at, ended_at)
values ('f2000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001',
        'f1000000-0000-4000-8000-000000000002', 1, 'manual', 'manual:seed-1', '{"release": "2.4"}',
        '{"ask": {"decision": "approved"}, "shipped": {"text": "Release 2.4 is approved.", "to": "a0000000-0000-4000-8000-000000000014"}}',
        'succeeded', 'a0000000-0000-4000-8000-000000000011', now() - interval '2 days 3 hours',
        now() - interval '2 days 3 hours', now() - interval '2 days 1 hour')
on conflict (id) do nothing;

insert into public.workflow_step_runs (tenant_id, run_id, step_id, kind, status, attempts, output, created_at, started_at,
                                       ended_at, duration_ms)
values
  ('b0000000-0000-4000-8000-000000000001', 'f2000000-0000-4000-8000-000000000001', 'ask', 'approval', 'succeeded', 2,
   '{"decision": "approved"}', now() - interval '2 days 3 hours', now() - interval '2 days 3 hours',
   now() - interval '2 days 1 hour', 7200000),
  ('b0000000-0000-4000-8000-000000000001', 'f2000000-0000-4000-8000-000000000001', 'shipped', 'notify', 'succeeded', 1,
   '{"text": "Release 2.4 is approved.", "to": "a0000000-0000-4000-8000-000000000014"}', now() - interval '2 days 1 hour',
   now() - interval '2 days 1 hour', now() - interval '2 days 1 hour', 40)
on conflict (run_id, step_id) do nothing;

insert into public.workflow_approvals (id, tenant_id, run_id, step_id, permission, message, expires_at, decision,
                                       decided_by, decided_at, comment, created_at)
values ('f3000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001',
        'f2000000-0000-4000-8000-000000000001', 'ask', 'projects.update', 'Ship release 2.4?',
        now() - interval '1 day 3 hours', 'approved', 'a0000000-0000-4000-8000-000000000012',
        now() - interval '2 days 1 hour', 'Looks good.', now() - interval '2 days 3 hours')
on conflict (id) do nothing;
