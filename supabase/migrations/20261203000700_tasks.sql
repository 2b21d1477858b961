-- Tasks on a Kanban board (issue 16 §3, spec 003): every team has a board of ordered, renameable
-- columns (To do, In progress, Review, Done to begin with); a task belongs to a team (and
-- optionally a project), sits in one of its columns at a fractional-index position, and has
-- assignees, labels, a due date, a priority and comments (threaded one level, @mentions notify).
-- The activity of a task is its audit rows read as sentences (public.task_activity), not a
-- second log.
--
-- Owns: tables task_columns, tasks, task_assignees, task_labels, task_label_links,
-- task_comments; permission tasks.write; usage metric tasks (counted, never resets: a plan's
-- limit on tasks is real when a plan sets one); event types task.created, task.updated,
-- task.moved, task.assigned, task.commented, task.mentioned and their notification kinds;
-- private.fractional_key_between, private.task_position_after_last, the attachments' owner type
-- task (private.may_read_task, may_write_task); the RPCs move_task,
-- move_task_column, task_activity. TN420–TN434 (TN435–TN439 kept for this module).
--
-- Who (docs/tasks.md): every holder of tasks.read in the tenant reads its boards; tasks.write
-- creates, edits, assigns, labels, moves and comments; tasks.manage also renames, adds, orders and
-- deletes columns and labels and deletes tasks. Permissions are tenant-wide (project roles do not
-- reach tasks yet).
--
-- Ordering: `position` is a base-62 fractional key (digits 0-9A-Za-z, compared bytewise, never
-- ending in 0) — a card goes between two others by taking a key between theirs, so one move
-- writes one row. move_task computes the key in SQL under a lock of the target column, from the
-- neighbours as they are at that moment, so two people moving cards at once never get the same
-- key or an order neither asked for (tests/integration/tasks-concurrency.test.ts, Postgres 15).

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.permissions (code, module, group_name, label, description, project_scoped) values
  ('tasks.write', 'tasks', 'Support and work', 'Work on tasks',
   'Create, edit, assign, label, move and comment on tasks.', true);
update public.permissions set description = 'Rename, add, order and delete board columns and labels; delete tasks.'
where code = 'tasks.manage';
insert into public.role_permissions (role_id, permission_code)
select r.id, 'tasks.write' from public.roles r
where r.tenant_id is null and r.key in ('admin', 'developer', 'project_owner', 'project_editor');

insert into public.usage_metrics (key, name, unit, kind, reset, description) values
  ('tasks', 'Tasks', 'tasks', 'counted', 'never', 'Tasks on the tenant''s boards.');

insert into public.event_types (type, module, description) values
  ('task.created', 'tasks', 'A task was created on a team''s board.'),
  ('task.updated', 'tasks', 'A task''s title, description, priority, due date or project changed.'),
  ('task.moved', 'tasks', 'A task moved to another column, or to another place in its column.'),
  ('task.assigned', 'tasks', 'Someone was assigned to a task.'),
  ('task.commented', 'tasks', 'Someone commented on a task (or replied to a comment).'),
  ('task.mentioned', 'tasks', 'Someone was @mentioned in a comment on a task.');

insert into public.notification_kinds
  (kind, category, label, recipients, recipient_permissions, notify_subject, link_path, locked, digestible,
   default_in_app, default_email) values
  ('task.assigned', 'teams', 'You were assigned a task', 'The person assigned', '{}', true,
   '/t/{slug}/tasks/mine', false, true, true, false),
  ('task.mentioned', 'teams', 'You were mentioned on a task', 'The person mentioned', '{}', true,
   '/t/{slug}/tasks/mine', false, true, true, true);

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.task_columns (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  team_id uuid not null,
  name text not null check (char_length(btrim(name)) between 1 and 50),
  -- Left to right; ties (never made by the RPC) fall back to the name.
  sort_order integer not null default 0 check (sort_order between 0 and 1000),
  -- A card here counts as done (the list's status filter, "my tasks" leaving it out by default).
  is_done boolean not null default false,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, team_id) references public.teams (tenant_id, id) on delete cascade
);
alter table public.task_columns enable row level security;
comment on table public.task_columns is
  'A column of a team''s board (To do, In progress, Review, Done to begin with): renameable, ordered left to right.';
create index task_columns_team_idx on public.task_columns (tenant_id, team_id, sort_order);
create unique index task_columns_name_ci_key on public.task_columns (team_id, lower(name));

create table public.tasks (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  team_id uuid not null,
  project_id uuid,
  column_id uuid not null,
  -- A base-62 fractional key, bytewise order ("C"), never ending in 0 (private.fractional_key_between).
  position text collate "C" not null check (position ~ '^[0-9A-Za-z]*[1-9A-Za-z]$' and char_length(position) <= 500),
  title text not null check (char_length(btrim(title)) between 1 and 200),
  -- Markdown, rendered safely by the app (src/lib/server/tasks/markdown.ts).
  description text not null default '' check (char_length(description) <= 20000),
  priority text not null default 'none' check (priority in ('none', 'low', 'medium', 'high', 'urgent')),
  due_on date,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, team_id) references public.teams (tenant_id, id) on delete cascade,
  foreign key (tenant_id, project_id) references public.projects (tenant_id, id) on delete set null (project_id),
  -- Cascade only for a team being deleted: a column with tasks refuses its own deletion (TN428).
  foreign key (tenant_id, column_id) references public.task_columns (tenant_id, id) on delete cascade
);
alter table public.tasks enable row level security;
comment on table public.tasks is
  'A card on a team''s board: title, Markdown description, column and position (fractional key), priority, due '
  'date, optional project.';
create index tasks_tenant_created_idx on public.tasks (tenant_id, created_at);
create unique index tasks_column_position_key on public.tasks (column_id, position);
create index tasks_team_idx on public.tasks (tenant_id, team_id, column_id, position);
create index tasks_project_idx on public.tasks (project_id) where project_id is not null;
create index tasks_due_idx on public.tasks (tenant_id, due_on) where due_on is not null;

create table public.task_assignees (
  tenant_id uuid not null,
  task_id uuid not null,
  user_id uuid not null,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  primary key (task_id, user_id),
  foreign key (tenant_id, task_id) references public.tasks (tenant_id, id) on delete cascade,
  foreign key (tenant_id, user_id) references public.memberships (tenant_id, user_id) on delete cascade
);
alter table public.task_assignees enable row level security;
comment on table public.task_assignees is 'Who works on a task: members of the task''s organisation.';
create index task_assignees_user_idx on public.task_assignees (tenant_id, user_id);

create table public.task_labels (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  -- Null: a label of the whole organisation, usable on every board.
  team_id uuid,
  name text not null check (char_length(btrim(name)) between 1 and 50),
  color text not null default 'gray' check (color in ('gray', 'red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink')),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, team_id) references public.teams (tenant_id, id) on delete cascade
);
alter table public.task_labels enable row level security;
comment on table public.task_labels is 'A label for tasks, of one team''s board or (team null) of the whole organisation.';
create index task_labels_tenant_created_idx on public.task_labels (tenant_id, created_at);
create unique index task_labels_name_ci_key on public.task_labels
  (tenant_id, coalesce(team_id, '00000000-0000-0000-0000-000000000000'), lower(name));

create table public.task_label_links (
  tenant_id uuid not null,
  task_id uuid not null,
  label_id uuid not null,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  primary key (task_id, label_id),
  foreign key (tenant_id, task_id) references public.tasks (tenant_id, id) on delete cascade,
  foreign key (tenant_id, label_id) references public.task_labels (tenant_id, id) on delete cascade
);
alter table public.task_label_links enable row level security;
comment on table public.task_label_links is 'A label put on a task (the task''s team''s labels or the organisation''s).';
create index task_label_links_label_idx on public.task_label_links (tenant_id, label_id);

create table public.task_comments (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  task_id uuid not null,
  -- A reply to a top-level comment of the same task (one level: TN426).
  parent_id uuid,
  -- Markdown; "@<email>" of a member mentions them (task.mentioned).
  body text not null check (char_length(btrim(body)) between 1 and 10000),
  author_id uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, task_id) references public.tasks (tenant_id, id) on delete cascade,
  foreign key (tenant_id, parent_id) references public.task_comments (tenant_id, id) on delete cascade
);
alter table public.task_comments enable row level security;
comment on table public.task_comments is 'A comment on a task, or a reply to one (threaded one level); Markdown.';
create index task_comments_task_idx on public.task_comments (tenant_id, task_id, created_at);
create index task_comments_parent_idx on public.task_comments (parent_id) where parent_id is not null;

-- A task's activity reads its audit rows (and its children's, keyed "<task id>:…"), newest first.
create index audit_logs_task_activity_idx on public.audit_logs (tenant_id, (left(target_id, 36)), created_at)
  where target_type in ('tasks', 'task_assignees', 'task_label_links', 'task_comments');

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- The key strictly between a and b (a '' or null: the start; b null: the end), the midpoint
-- algorithm of fractional indexing over base 62 (src/lib/server/tasks/fractional.ts is the same,
-- tested against many random inserts). TN424 when a >= b or a key is malformed.
create or replace function private.fractional_key_between(p_a text, p_b text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_digits constant text := '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  v_a text := coalesce(p_a, '');
  v_b text := p_b;
  v_prefix text := '';
  v_n integer;
  v_da integer;
  v_db integer;
begin
  if (v_a <> '' and v_a !~ '^[0-9A-Za-z]*[1-9A-Za-z]$') or (v_b is not null and v_b !~ '^[0-9A-Za-z]*[1-9A-Za-z]$') then
    raise exception 'a position key is base-62 digits not ending in 0' using errcode = 'TN424';
  end if;
  if v_b is not null and (v_a collate "C") >= (v_b collate "C") then
    raise exception 'position keys out of order: % is not before %', v_a, v_b using errcode = 'TN424';
  end if;
  loop
    if v_b is not null then
      v_n := 0;
      while v_n < char_length(v_b)
            and coalesce(nullif(substr(v_a, v_n + 1, 1), ''), '0') = substr(v_b, v_n + 1, 1) loop
        v_n := v_n + 1;
      end loop;
      v_prefix := v_prefix || substr(v_b, 1, v_n);
      v_a := substr(v_a, v_n + 1);
      v_b := substr(v_b, v_n + 1);
    end if;
    v_da := case when v_a = '' then 0 else strpos(v_digits, substr(v_a, 1, 1)) - 1 end;
    v_db := case when v_b is null then 62 else strpos(v_digits, substr(v_b, 1, 1)) - 1 end;
    if v_db - v_da > 1 then
      return v_prefix || substr(v_digits, round((v_da + v_db) / 2.0)::integer + 1, 1);
    end if;
    if v_b is not null and char_length(v_b) > 1 then
      return v_prefix || substr(v_b, 1, 1);
    end if;
    v_prefix := v_prefix || substr(v_digits, v_da + 1, 1);
    v_a := substr(v_a, 2);
    v_b := null;
  end loop;
end
$$;

comment on function private.fractional_key_between(text, text) is
  'A base-62 fractional key strictly between two (null or empty: the start; null second: the end); TN424 for '
  'keys out of order or malformed. The TypeScript twin is src/lib/server/tasks/fractional.ts.';

-- A key after the last card of a column (the place of a new card). The caller holds the column's lock.
create or replace function private.task_position_after_last(p_column_id uuid)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select private.fractional_key_between(
    (select t.position from public.tasks t where t.column_id = p_column_id order by t.position desc limit 1), null)
$$;

comment on function private.task_position_after_last(uuid) is
  'The key after a column''s last card. Security definer: the column''s whole order, whatever the caller reads.';

-- A team's columns to begin with.
create or replace function private.create_default_task_columns(p_tenant_id uuid, p_team_id uuid)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  insert into public.task_columns (tenant_id, team_id, name, sort_order, is_done, created_by)
  select p_tenant_id, p_team_id, c.name, c.sort_order, c.is_done, null
  from (values ('To do', 0, false), ('In progress', 1, false), ('Review', 2, false), ('Done', 3, true))
    as c (name, sort_order, is_done)
  where not exists (select 1 from public.task_columns x where x.team_id = p_team_id)
$$;

comment on function private.create_default_task_columns(uuid, uuid) is
  'Gives a team without columns the board''s four (To do, In progress, Review, Done). Security definer: the team''s '
  'creator may not hold tasks.manage.';

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create or replace function private.teams_create_task_columns()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.create_default_task_columns(new.tenant_id, new.id);
  return null;
end
$$;

comment on function private.teams_create_task_columns() is 'AFTER INSERT on teams: the new team''s board columns.';

create trigger teams_create_task_columns after insert on public.teams
  for each row execute function private.teams_create_task_columns();

-- The rules of a column in words: its name (TN429) free in its team.
create or replace function private.check_task_column()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.name is null or char_length(btrim(new.name)) not between 1 and 50 then
    raise exception 'a column name is 1 to 50 characters' using errcode = 'TN429';
  end if;
  new.name := btrim(new.name);
  if exists (select 1 from public.task_columns c
             where c.team_id = new.team_id and lower(c.name) = lower(new.name) and c.id <> new.id) then
    raise exception 'this board already has a column named %', new.name using errcode = 'TN429';
  end if;
  return new;
end
$$;

comment on function private.check_task_column() is
  'BEFORE INSERT/UPDATE on task_columns: TN429 for a name empty, too long or taken on the board (the unique index is '
  'the backstop). Security definer: sees every column of the board.';

create trigger task_columns_check before insert or update of name on public.task_columns
  for each row execute function private.check_task_column();

-- A column with cards is not deleted (move them first); the board keeps one column at least.
create or replace function private.check_task_column_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- The team itself is going (its rows cascade): nothing to keep.
  if not exists (select 1 from public.teams t where t.id = old.team_id) then
    return old;
  end if;
  if exists (select 1 from public.tasks t where t.column_id = old.id) then
    raise exception 'the column % still has tasks: move them first', old.name using errcode = 'TN428';
  end if;
  if not exists (select 1 from public.task_columns c where c.team_id = old.team_id and c.id <> old.id) then
    raise exception 'a board keeps at least one column' using errcode = 'TN428';
  end if;
  return old;
end
$$;

comment on function private.check_task_column_delete() is
  'BEFORE DELETE on task_columns: TN428 while the column has tasks or is the board''s last. Security definer: counts '
  'every card of the column.';

create trigger task_columns_check_delete before delete on public.task_columns
  for each row execute function private.check_task_column_delete();

-- A task's rules in words: title (TN421), description (TN422), priority (TN434), its column is
-- one of its team's (TN423); a new task goes to the end of its column (the first column when none
-- is given), under the column's lock; the plan's limit on tasks (TN070).
create or replace function private.check_task()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_limit bigint;
begin
  if new.title is null or char_length(btrim(new.title)) not between 1 and 200 then
    raise exception 'a title is 1 to 200 characters' using errcode = 'TN421';
  end if;
  new.title := btrim(new.title);
  if char_length(coalesce(new.description, '')) > 20000 then
    raise exception 'a description is at most 20000 characters' using errcode = 'TN422';
  end if;
  if new.priority is null or new.priority not in ('none', 'low', 'medium', 'high', 'urgent') then
    raise exception 'the priority is none, low, medium, high or urgent' using errcode = 'TN434';
  end if;
  if tg_op = 'INSERT' then
    if new.column_id is null then
      select c.id into new.column_id from public.task_columns c
      where c.tenant_id = new.tenant_id and c.team_id = new.team_id order by c.sort_order, c.name limit 1;
    end if;
    perform 1 from public.task_columns c
    where c.id = new.column_id and c.tenant_id = new.tenant_id and c.team_id = new.team_id
    for update;
    if not found then
      raise exception 'that column is not on this team''s board' using errcode = 'TN423';
    end if;
    v_limit := (private.tenant_limit(new.tenant_id, 'tasks')).hard_limit;
    if v_limit is not null then
      perform private.lock_quota(new.tenant_id, 'tasks');
      if (select count(*) from public.tasks t where t.tenant_id = new.tenant_id) >= v_limit then
        raise exception 'the plan allows % tasks', v_limit using errcode = 'TN070',
          hint = 'Upgrade the plan to add more.';
      end if;
    end if;
    new.position := private.task_position_after_last(new.column_id);
  elsif new.team_id is distinct from old.team_id then
    raise exception 'a task stays on its team''s board' using errcode = 'TN423';
  end if;
  return new;
end
$$;

comment on function private.check_task() is
  'BEFORE INSERT/UPDATE on tasks: TN421 title, TN422 description, TN434 priority, TN423 a column of another board; '
  'a new task takes the key after its column''s last card (the first column when none is given) under the column''s '
  'lock, within the plan''s tasks limit (TN070). Security definer: sees the whole column.';

create trigger tasks_check before insert or update on public.tasks
  for each row execute function private.check_task();

-- An assignee is an active member (TN432); a label is the task's team's or the organisation's (TN425).
create or replace function private.check_task_link()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'task_assignees' then
    if not exists (select 1 from public.memberships m
                   where m.tenant_id = new.tenant_id and m.user_id = new.user_id and m.status = 'active') then
      raise exception 'only members of the organisation can be assigned' using errcode = 'TN432';
    end if;
  elsif not exists (select 1 from public.task_labels l join public.tasks t on t.id = new.task_id
                    where l.id = new.label_id and l.tenant_id = new.tenant_id and t.tenant_id = new.tenant_id
                      and (l.team_id is null or l.team_id = t.team_id)) then
    raise exception 'that label belongs to another board' using errcode = 'TN425';
  end if;
  return new;
end
$$;

comment on function private.check_task_link() is
  'BEFORE INSERT on task_assignees (TN432: an active member) and task_label_links (TN425: the task''s team''s or the '
  'organisation''s label). Security definer: reads memberships and labels the caller may not.';

create trigger task_assignees_check before insert on public.task_assignees
  for each row execute function private.check_task_link();
create trigger task_label_links_check before insert on public.task_label_links
  for each row execute function private.check_task_link();

create or replace function private.check_task_label()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.name is null or char_length(btrim(new.name)) not between 1 and 50 then
    raise exception 'a label is 1 to 50 characters' using errcode = 'TN430';
  end if;
  new.name := btrim(new.name);
  if exists (select 1 from public.task_labels l
             where l.tenant_id = new.tenant_id and l.team_id is not distinct from new.team_id
               and lower(l.name) = lower(new.name) and l.id <> new.id) then
    raise exception 'there is already a label named %', new.name using errcode = 'TN430';
  end if;
  return new;
end
$$;

comment on function private.check_task_label() is
  'BEFORE INSERT/UPDATE on task_labels: TN430 for a name empty, too long or taken (the unique index is the backstop).';

create trigger task_labels_check before insert or update of name on public.task_labels
  for each row execute function private.check_task_label();

-- A comment's body (TN427); a reply answers a top-level comment of the same task (TN426).
create or replace function private.check_task_comment()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.body is null or char_length(btrim(new.body)) not between 1 and 10000 then
    raise exception 'a comment is 1 to 10000 characters' using errcode = 'TN427';
  end if;
  if tg_op = 'INSERT' and new.parent_id is not null
     and not exists (select 1 from public.task_comments c
                     where c.id = new.parent_id and c.tenant_id = new.tenant_id and c.task_id = new.task_id
                       and c.parent_id is null) then
    raise exception 'a reply answers a comment of the same task, one level deep' using errcode = 'TN426';
  end if;
  return new;
end
$$;

comment on function private.check_task_comment() is
  'BEFORE INSERT/UPDATE on task_comments: TN427 body, TN426 a reply to a reply or to another task''s comment.';

create trigger task_comments_check before insert or update of body on public.task_comments
  for each row execute function private.check_task_comment();

create trigger task_columns_set_updated_at before update on public.task_columns
  for each row execute function private.set_updated_at();
create trigger task_columns_immutable_columns before update on public.task_columns
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'team_id', 'created_by', 'created_at');
create trigger tasks_set_updated_at before update on public.tasks
  for each row execute function private.set_updated_at();
create trigger tasks_immutable_columns before update on public.tasks
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'team_id', 'created_by', 'created_at');
create trigger task_assignees_immutable_columns before update on public.task_assignees
  for each row execute function private.forbid_column_changes('tenant_id', 'task_id', 'user_id', 'created_by', 'created_at');
create trigger task_labels_set_updated_at before update on public.task_labels
  for each row execute function private.set_updated_at();
create trigger task_labels_immutable_columns before update on public.task_labels
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'team_id', 'created_by', 'created_at');
create trigger task_label_links_immutable_columns before update on public.task_label_links
  for each row execute function private.forbid_column_changes('tenant_id', 'task_id', 'label_id', 'created_by', 'created_at');
create trigger task_comments_set_updated_at before update on public.task_comments
  for each row execute function private.set_updated_at();
create trigger task_comments_immutable_columns before update on public.task_comments
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'task_id', 'parent_id', 'author_id', 'created_at');

-- Children are keyed "<task id>:…" so a task's activity is one index range (audit_logs_task_activity_idx).
select private.enable_audit('public.task_columns', 'tenant_id', '{id}', '{updated_at}');
select private.enable_audit('public.tasks', 'tenant_id', '{id}', '{updated_at}');
select private.enable_audit('public.task_assignees', 'tenant_id', '{task_id,user_id}');
select private.enable_audit('public.task_labels', 'tenant_id', '{id}', '{updated_at}');
select private.enable_audit('public.task_label_links', 'tenant_id', '{task_id,label_id}');
select private.enable_audit('public.task_comments', 'tenant_id', '{task_id,id}', '{updated_at}');

-- Events: task.created, task.updated (title, description, priority, due date, project), task.moved
-- (column or position), task.assigned, task.commented and one task.mentioned per member
-- @mentioned by email in a new comment (never the author).
create or replace function private.publish_task_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_task public.tasks;
  v_previous jsonb;
  v_user uuid;
begin
  if tg_table_name = 'tasks' then
    if tg_op = 'INSERT' then
      perform private.publish_event(new.tenant_id, 'task.created', 'task', new.id::text,
        jsonb_build_object('task_id', new.id, 'team_id', new.team_id, 'project_id', new.project_id,
                           'column_id', new.column_id, 'title', new.title, 'priority', new.priority));
      return null;
    end if;
    v_previous := private.event_previous(to_jsonb(old), to_jsonb(new),
                                         '{title,description,priority,due_on,project_id}');
    if v_previous <> '{}' then
      perform private.publish_event(new.tenant_id, 'task.updated', 'task', new.id::text,
        jsonb_build_object('task_id', new.id, 'team_id', new.team_id, 'title', new.title, 'priority', new.priority,
                           'due_on', new.due_on, 'project_id', new.project_id, 'previous', v_previous));
    end if;
    if new.column_id is distinct from old.column_id or new.position is distinct from old.position then
      perform private.publish_event(new.tenant_id, 'task.moved', 'task', new.id::text,
        jsonb_build_object('task_id', new.id, 'team_id', new.team_id, 'title', new.title,
                           'from_column_id', old.column_id, 'to_column_id', new.column_id, 'position', new.position));
    end if;
    return null;
  end if;
  select * into v_task from public.tasks t where t.id = new.task_id;
  if tg_table_name = 'task_assignees' then
    perform private.publish_event(new.tenant_id, 'task.assigned', 'task', new.task_id::text,
      jsonb_build_object('task_id', new.task_id, 'team_id', v_task.team_id, 'user_id', new.user_id,
                         'title', v_task.title, 'summary', v_task.title));
    return null;
  end if;
  perform private.publish_event(new.tenant_id, 'task.commented', 'task', new.task_id::text,
    jsonb_build_object('task_id', new.task_id, 'team_id', v_task.team_id, 'comment_id', new.id,
                       'parent_id', new.parent_id, 'author_id', new.author_id, 'title', v_task.title));
  for v_user in
    select distinct m.user_id from public.memberships m
    join public.profiles p on p.id = m.user_id
    where m.tenant_id = new.tenant_id and m.status = 'active' and m.user_id is distinct from new.author_id
      and lower(p.email::text) in (
        select lower(x[1]) from regexp_matches(new.body, '@([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})', 'g') x)
    order by m.user_id
  loop
    perform private.publish_event(new.tenant_id, 'task.mentioned', 'task', new.task_id::text,
      jsonb_build_object('task_id', new.task_id, 'team_id', v_task.team_id, 'comment_id', new.id,
                         'user_id', v_user, 'author_id', new.author_id, 'title', v_task.title,
                         'summary', v_task.title));
  end loop;
  return null;
end
$$;

comment on function private.publish_task_event() is
  'AFTER triggers on tasks, task_assignees and task_comments: publishes task.created / task.updated / task.moved, '
  'task.assigned, task.commented and task.mentioned (per member mentioned by @email) in the change''s transaction.';

create trigger tasks_publish after insert or update of title, description, priority, due_on, project_id, column_id, position
  on public.tasks for each row execute function private.publish_task_event();
create trigger task_assignees_publish after insert on public.task_assignees
  for each row execute function private.publish_task_event();
create trigger task_comments_publish after insert on public.task_comments
  for each row execute function private.publish_task_event();

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

-- Column and position change only through move_task; a column's order through move_task_column.
revoke all on public.task_columns, public.tasks, public.task_assignees, public.task_labels,
  public.task_label_links, public.task_comments from anon, authenticated, service_role;
grant select, delete on public.task_columns, public.tasks, public.task_assignees, public.task_labels,
  public.task_label_links, public.task_comments to authenticated, service_role;
grant insert (tenant_id, team_id, name, is_done) on public.task_columns to authenticated, service_role;
grant update (name, is_done) on public.task_columns to authenticated, service_role;
grant insert (tenant_id, team_id, project_id, column_id, title, description, priority, due_on)
  on public.tasks to authenticated, service_role;
grant update (title, description, priority, due_on, project_id) on public.tasks to authenticated, service_role;
grant insert (tenant_id, task_id, user_id) on public.task_assignees to authenticated, service_role;
grant insert (tenant_id, team_id, name, color) on public.task_labels to authenticated, service_role;
grant update (name, color) on public.task_labels to authenticated, service_role;
grant insert (tenant_id, task_id, label_id) on public.task_label_links to authenticated, service_role;
grant insert (tenant_id, task_id, parent_id, body) on public.task_comments to authenticated, service_role;
grant update (body) on public.task_comments to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

-- Columns and labels: tasks.read reads, tasks.manage writes.
create policy task_columns_select_permitted on public.task_columns
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.read'))));
create policy task_columns_insert_permitted on public.task_columns
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.manage'))));
create policy task_columns_update_permitted on public.task_columns
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.manage'))));
create policy task_columns_delete_permitted on public.task_columns
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.manage'))));
create policy task_labels_select_permitted on public.task_labels
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.read'))));
create policy task_labels_insert_permitted on public.task_labels
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.manage'))));
create policy task_labels_update_permitted on public.task_labels
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.manage'))));
create policy task_labels_delete_permitted on public.task_labels
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.manage'))));

-- Tasks: tasks.read reads, tasks.write creates and edits, tasks.manage deletes.
create policy tasks_select_permitted on public.tasks
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.read'))));
create policy tasks_insert_permitted on public.tasks
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.write'))));
create policy tasks_update_permitted on public.tasks
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.write'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.write'))));
create policy tasks_delete_permitted on public.tasks
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.manage'))));

-- Assignees and label links: tasks.read reads, tasks.write adds and removes.
create policy task_assignees_select_permitted on public.task_assignees
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.read'))));
create policy task_assignees_insert_permitted on public.task_assignees
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.write'))));
create policy task_assignees_delete_permitted on public.task_assignees
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.write'))));
create policy task_label_links_select_permitted on public.task_label_links
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.read'))));
create policy task_label_links_insert_permitted on public.task_label_links
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.write'))));
create policy task_label_links_delete_permitted on public.task_label_links
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.write'))));

-- Comments: tasks.read reads, tasks.write comments; the author edits their own; the author or a
-- holder of tasks.manage deletes.
create policy task_comments_select_permitted on public.task_comments
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.read'))));
create policy task_comments_insert_permitted on public.task_comments
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.write'))));
create policy task_comments_update_author on public.task_comments
  for update to authenticated
  using (author_id = (select auth.uid())
         and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.write'))))
  with check (author_id = (select auth.uid())
              and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.write'))));
create policy task_comments_delete_permitted on public.task_comments
  for delete to authenticated
  using ((author_id = (select auth.uid())
          and private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.write'))))
         or private.tenant_in(tenant_id, (select private.permitted_tenant_ids('tasks.manage'))));

create policy task_columns_select_mfa on public.task_columns
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_columns_insert_mfa on public.task_columns
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_columns_update_mfa on public.task_columns
  as restrictive for update to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_columns_delete_mfa on public.task_columns
  as restrictive for delete to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tasks_select_mfa on public.tasks
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tasks_insert_mfa on public.tasks
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tasks_update_mfa on public.tasks
  as restrictive for update to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tasks_delete_mfa on public.tasks
  as restrictive for delete to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_assignees_select_mfa on public.task_assignees
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_assignees_insert_mfa on public.task_assignees
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_assignees_delete_mfa on public.task_assignees
  as restrictive for delete to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_labels_select_mfa on public.task_labels
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_labels_insert_mfa on public.task_labels
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_labels_update_mfa on public.task_labels
  as restrictive for update to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_labels_delete_mfa on public.task_labels
  as restrictive for delete to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_label_links_select_mfa on public.task_label_links
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_label_links_insert_mfa on public.task_label_links
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_label_links_delete_mfa on public.task_label_links
  as restrictive for delete to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_comments_select_mfa on public.task_comments
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_comments_insert_mfa on public.task_comments
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_comments_update_mfa on public.task_comments
  as restrictive for update to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy task_comments_delete_mfa on public.task_comments
  as restrictive for delete to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

-- Moves a task into p_column_id of its board, between the cards whose keys the caller saw around
-- the place (p_before_key: the card above, p_after_key: the card below; null: the column's start /
-- end). Under the target column's lock, the key is computed from the neighbours as they are now:
-- after p_before_key and before whatever card follows it at this moment (another move may have
-- put one there); with only p_after_key, before it and after whatever precedes it; with neither,
-- at the end. A neighbour that has left the column since is ignored (the other one, or the end,
-- decides). Returns the new key.
create or replace function public.move_task(p_task_id uuid, p_column_id uuid, p_before_key text, p_after_key text)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_task public.tasks;
  v_before text;
  v_after text;
  v_key text;
begin
  select * into v_task from public.tasks t where t.id = p_task_id;
  if not found then
    raise exception 'no such task' using errcode = 'TN420';
  end if;
  begin
    perform private.authorize('tasks.write', v_task.tenant_id);
  exception when sqlstate 'TN002' or sqlstate 'TN001' then
    if private.holds_permission('tasks.read', v_task.tenant_id) then
      raise;
    end if;
    raise exception 'no such task' using errcode = 'TN420';
  end;
  perform 1 from public.task_columns c
  where c.id = p_column_id and c.tenant_id = v_task.tenant_id and c.team_id = v_task.team_id
  for update;
  if not found then
    raise exception 'that column is not on this task''s board' using errcode = 'TN423';
  end if;
  select * into v_task from public.tasks t where t.id = p_task_id for update;
  select t.position into v_before from public.tasks t
  where t.column_id = p_column_id and t.id <> p_task_id and t.position = p_before_key;
  select t.position into v_after from public.tasks t
  where t.column_id = p_column_id and t.id <> p_task_id and t.position = p_after_key;
  if v_before is not null then
    select t.position into v_after from public.tasks t
    where t.column_id = p_column_id and t.id <> p_task_id and t.position > v_before
    order by t.position limit 1;
  elsif v_after is not null then
    select t.position into v_before from public.tasks t
    where t.column_id = p_column_id and t.id <> p_task_id and t.position < v_after
    order by t.position desc limit 1;
  else
    select t.position into v_before from public.tasks t
    where t.column_id = p_column_id and t.id <> p_task_id
    order by t.position desc limit 1;
  end if;
  -- Already there: nothing moves, nothing is logged.
  if v_task.column_id = p_column_id and v_task.position collate "C" > coalesce(v_before, '')
     and (v_after is null or v_task.position collate "C" < v_after) then
    return v_task.position;
  end if;
  v_key := private.fractional_key_between(v_before, v_after);
  update public.tasks t set column_id = p_column_id, position = v_key where t.id = p_task_id;
  return v_key;
end
$$;

comment on function public.move_task(uuid, uuid, text, text) is
  'Moves a task to a column of its board between two neighbours'' keys (null: start/end), computing the key under '
  'the column''s lock from the neighbours as they are now, so concurrent moves never collide. Needs tasks.write '
  '(TN002; TN420 for a task the caller cannot read); TN423 for a column of another board. Returns the key. '
  'Security definer: sets the column and position no API role may write.';

-- Puts a column at p_index (0-based) of its board, renumbering the others.
create or replace function public.move_task_column(p_column_id uuid, p_index integer)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_column public.task_columns;
  v_index integer;
begin
  select * into v_column from public.task_columns c where c.id = p_column_id;
  if not found then
    raise exception 'no such column' using errcode = 'TN433';
  end if;
  begin
    perform private.authorize('tasks.manage', v_column.tenant_id);
  exception when sqlstate 'TN002' or sqlstate 'TN001' then
    if private.holds_permission('tasks.read', v_column.tenant_id) then
      raise;
    end if;
    raise exception 'no such column' using errcode = 'TN433';
  end;
  perform 1 from public.teams t where t.id = v_column.team_id for no key update;
  select least(greatest(coalesce(p_index, 0), 0), count(*)) into v_index
  from public.task_columns c where c.team_id = v_column.team_id and c.id <> p_column_id;
  update public.task_columns c
  set sort_order = case when c.id = p_column_id then v_index when o.i >= v_index then o.i + 1 else o.i end
  from (select c2.id, (row_number() over (order by c2.sort_order, c2.name, c2.id))::integer - 1 as i
        from public.task_columns c2 where c2.team_id = v_column.team_id and c2.id <> p_column_id
        union all select p_column_id, null) o
  where c.id = o.id;
end
$$;

comment on function public.move_task_column(uuid, integer) is
  'Puts a board column at a place (0: leftmost), renumbering the others. Needs tasks.manage (TN002; TN433 for a '
  'column the caller cannot read). Security definer: writes sort_order, which no API role may.';

-- A task's activity: its audit rows and those of its assignees, labels and comments, newest
-- first, with the names a sentence needs (the actor, the person assigned, the label, the
-- columns of a move). Only for a reader of the task (TN420 otherwise).
create or replace function public.task_activity(p_task_id uuid, p_limit integer default 100)
returns table (
  id bigint, created_at timestamptz, action text, actor_type public.audit_actor_type, actor_id uuid,
  actor_name text, old_values jsonb, new_values jsonb, subject_name text, from_column text, to_column text)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_tenant uuid;
begin
  select t.tenant_id into v_tenant from public.tasks t where t.id = p_task_id;
  if v_tenant is null or not private.holds_permission('tasks.read', v_tenant)
     or v_tenant in (select private.mfa_blocked_tenant_ids()) then
    raise exception 'no such task' using errcode = 'TN420';
  end if;
  return query
  select a.id, a.created_at, a.action, a.actor_type, a.actor_id,
         coalesce(nullif(p.full_name, ''), p.email::text, k.name),
         a.old_values, a.new_values,
         case a.target_type
           when 'task_assignees' then (select coalesce(nullif(u.full_name, ''), u.email::text) from public.profiles u
                                       where u.id = coalesce(a.new_values ->> 'user_id', a.old_values ->> 'user_id')::uuid)
           when 'task_label_links' then (select l.name from public.task_labels l
                                         where l.id = coalesce(a.new_values ->> 'label_id', a.old_values ->> 'label_id')::uuid)
         end,
         (select c.name from public.task_columns c where c.id = (a.old_values ->> 'column_id')::uuid),
         (select c.name from public.task_columns c where c.id = (a.new_values ->> 'column_id')::uuid)
  from public.audit_logs a
  left join public.profiles p on a.actor_type = 'user' and p.id = a.actor_id
  left join public.api_keys k on a.actor_type = 'api_key' and k.id = a.actor_id
  where a.tenant_id = v_tenant and left(a.target_id, 36) = p_task_id::text
    and a.target_type in ('tasks', 'task_assignees', 'task_label_links', 'task_comments')
  order by a.created_at desc, a.id desc
  limit least(greatest(coalesce(p_limit, 100), 1), 500);
end
$$;

comment on function public.task_activity(uuid, integer) is
  'A task''s history from the audit log (the task, its assignees, labels and comments), newest first, with the names '
  'its sentences need. Needs tasks.read (TN420 otherwise). Security definer: the audit log is for audit.read, a '
  'task''s own rows are for its readers.';

revoke all on function
  private.fractional_key_between(text, text), private.task_position_after_last(uuid),
  private.create_default_task_columns(uuid, uuid),
  public.move_task(uuid, uuid, text, text), public.move_task_column(uuid, integer),
  public.task_activity(uuid, integer)
from public, anon;
grant execute on function
  public.move_task(uuid, uuid, text, text), public.move_task_column(uuid, integer),
  public.task_activity(uuid, integer)
to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Attachments (docs/storage.md, "Plugging in an owner module"): a task's files are read by the
-- readers of its tasks and added or deleted by those who work on them; they go with the task.
-- ---------------------------------------------------------------------------------------------

insert into public.attachment_owners (owner_type, bucket, module, description)
values ('task', 'task-attachments', 'tasks', 'A task''s files.');

create or replace function private.may_read_task(p_tenant_id uuid, p_owner_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select private.holds_permission('tasks.read', p_tenant_id)
     and exists (select 1 from public.tasks t where t.tenant_id = p_tenant_id and t.id = p_owner_id)
$$;

create or replace function private.may_write_task(p_tenant_id uuid, p_owner_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select private.holds_permission('tasks.write', p_tenant_id)
     and exists (select 1 from public.tasks t where t.tenant_id = p_tenant_id and t.id = p_owner_id)
$$;

comment on function private.may_read_task(uuid, uuid) is
  'Storage''s question for owner type task: a holder of tasks.read, for a task of that tenant. Security definer: '
  'asked per attachment row by private.may_read_owner.';
comment on function private.may_write_task(uuid, uuid) is
  'Storage''s question for owner type task: a holder of tasks.write adds and deletes a task''s files.';

create or replace function private.task_files_go()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.delete_owner_attachments('task', old.tenant_id, old.id);
  return null;
end
$$;

comment on function private.task_files_go() is 'AFTER DELETE on tasks: the task''s files go with it (no orphans).';

create trigger tasks_files_go after delete on public.tasks
  for each row execute function private.task_files_go();

revoke all on function private.may_read_task(uuid, uuid), private.may_write_task(uuid, uuid), private.task_files_go()
  from public, anon, authenticated, service_role;

-- Every team there is gets its board.
select private.create_default_task_columns(t.tenant_id, t.id) from public.teams t;
