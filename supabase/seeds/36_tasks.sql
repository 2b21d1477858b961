-- Tasks demo data (docs/tasks.md), after supabase/seed.sql: Acme's Platform board with cards in
-- every column (in this order within each), two labels, assignees and a short thread; Globex's
-- Operations board with one card. Idempotent: fixed ids, `on conflict do nothing`, and labels
-- by `where not exists` (their name check is a trigger, which runs before the conflict).

insert into public.task_labels (id, tenant_id, team_id, name, color)
select v.id, v.tenant_id, v.team_id, v.name, v.color
from (values
  ('f1000000-0000-4000-8000-000000000001'::uuid, 'b0000000-0000-4000-8000-000000000001'::uuid, 'd0000000-0000-4000-8000-000000000001'::uuid, 'Bug', 'red'),
  ('f1000000-0000-4000-8000-000000000002'::uuid, 'b0000000-0000-4000-8000-000000000001'::uuid, null::uuid, 'Customer', 'blue')
) as v (id, tenant_id, team_id, name, color)
where not exists (select 1 from public.task_labels l where l.id = v.id);

-- Each card takes the key after its column's last (tasks_check), so the rows' order is the board's.
insert into public.tasks (id, tenant_id, team_id, column_id, title, description, priority, due_on, created_by)
select v.id, 'b0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000001', c.id, v.title,
       v.description, v.priority, v.due_on, 'a0000000-0000-4000-8000-000000000011'
from (values
  ('f2000000-0000-4000-8000-000000000001'::uuid, 'To do', 'Rotate the staging database password',
   'Follow the **runbook**; tell #ops when done.', 'high', date '2026-12-15', 1),
  ('f2000000-0000-4000-8000-000000000002'::uuid, 'To do', 'Write the release notes for 2.4', '', 'medium', null::date, 2),
  ('f2000000-0000-4000-8000-000000000003'::uuid, 'To do', 'Archive the old status page', '', 'low', null::date, 3),
  ('f2000000-0000-4000-8000-000000000004'::uuid, 'In progress', 'Fix the login redirect loop',
   'Users on Safari land back on `/auth/sign-in` after MFA.

- reproduce with a fresh profile
- check the `redirectTo` cookie', 'urgent', date '2026-12-05', 4),
  ('f2000000-0000-4000-8000-000000000005'::uuid, 'Review', 'Add CSV export to the audit log', '', 'medium', null::date, 5),
  ('f2000000-0000-4000-8000-000000000006'::uuid, 'Done', 'Upgrade Postgres to 15.8', '', 'none', null::date, 6)
) as v (id, column_name, title, description, priority, due_on, n)
join public.task_columns c on c.team_id = 'd0000000-0000-4000-8000-000000000001' and c.name = v.column_name
where not exists (select 1 from public.tasks t where t.id = v.id)
order by v.n;

insert into public.tasks (id, tenant_id, team_id, title, priority, created_by)
values ('f2000000-0000-4000-8000-000000000101', 'b0000000-0000-4000-8000-000000000002', 'd0000000-0000-4000-8000-000000000003',
        'Renew the TLS certificates', 'high', 'a0000000-0000-4000-8000-000000000021')
on conflict (id) do nothing;

insert into public.task_assignees (tenant_id, task_id, user_id) values
  ('b0000000-0000-4000-8000-000000000001', 'f2000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000012'),
  ('b0000000-0000-4000-8000-000000000001', 'f2000000-0000-4000-8000-000000000004', 'a0000000-0000-4000-8000-000000000013'),
  ('b0000000-0000-4000-8000-000000000001', 'f2000000-0000-4000-8000-000000000005', 'a0000000-0000-4000-8000-000000000011'),
  ('b0000000-0000-4000-8000-000000000002', 'f2000000-0000-4000-8000-000000000101', 'a0000000-0000-4000-8000-000000000024')
on conflict do nothing;

insert into public.task_label_links (tenant_id, task_id, label_id) values
  ('b0000000-0000-4000-8000-000000000001', 'f2000000-0000-4000-8000-000000000004', 'f1000000-0000-4000-8000-000000000001'),
  ('b0000000-0000-4000-8000-000000000001', 'f2000000-0000-4000-8000-000000000004', 'f1000000-0000-4000-8000-000000000002')
on conflict do nothing;

insert into public.task_comments (id, tenant_id, task_id, parent_id, body, author_id) values
  ('f3000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'f2000000-0000-4000-8000-000000000004', null,
   'I can reproduce it on Safari 18. @dev@acme.test can you look at the cookie path?', 'a0000000-0000-4000-8000-000000000011'),
  ('f3000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001', 'f2000000-0000-4000-8000-000000000004',
   'f3000000-0000-4000-8000-000000000001', 'On it: the cookie is set for `/auth` only.', 'a0000000-0000-4000-8000-000000000013')
on conflict (id) do nothing;

-- The seeded history is not news: its events come off the fan-out's queue, as in
-- 29_notifications.sql (the first start emails nobody).
delete from private.notification_queue;
