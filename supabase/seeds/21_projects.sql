-- Roles and projects demo data (docs/projects-and-roles.md), after supabase/seed.sql:
--   Acme's custom role "QA" (reads projects, dashboards and tasks; manages tasks), held by nobody yet,
--   a "Preview" environment on Acme's web app and a "QA" one on its mobile app (each project already
--   has development, staging and production from the projects_initialise trigger), and
--   viewer@acme.test as Project Viewer on the web app.

-- One statement: a custom role must grant something when its transaction commits.
with role as (
  insert into public.roles (id, tenant_id, key, name, description, created_by)
  values ('c0000000-0000-4000-8000-000000000021', 'b0000000-0000-4000-8000-000000000001', 'qa', 'QA',
          'Tests releases: reads projects and dashboards, manages tasks', 'a0000000-0000-4000-8000-000000000011')
  on conflict (id) do nothing
  returning id, tenant_id
)
insert into public.role_permissions (role_id, permission_code, tenant_id)
select role.id, code, role.tenant_id
from role, unnest(array['projects.read', 'dashboards.read', 'tasks.read', 'tasks.manage']) code
on conflict do nothing;

-- `where not exists`, not `on conflict`: the name check is a trigger (TN code), which runs first.
insert into public.environments (tenant_id, project_id, kind, name)
select v.tenant_id, v.project_id, v.kind::public.environment_kind, v.name
from (values
  ('b0000000-0000-4000-8000-000000000001'::uuid, 'e0000000-0000-4000-8000-000000000001'::uuid, 'development', 'Preview'),
  ('b0000000-0000-4000-8000-000000000001'::uuid, 'e0000000-0000-4000-8000-000000000002'::uuid, 'staging', 'QA')
) as v (tenant_id, project_id, kind, name)
where not exists (select 1 from public.environments e where e.project_id = v.project_id and e.name = v.name);

insert into public.role_assignments (tenant_id, user_id, role_id, project_id)
select 'b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000014', r.id,
       'e0000000-0000-4000-8000-000000000001'
from public.roles r where r.tenant_id is null and r.key = 'project_viewer'
on conflict do nothing;
