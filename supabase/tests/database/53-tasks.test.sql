-- Tasks (20261203000700_tasks.sql): the persona matrix of the six tables (tasks.read reads,
-- tasks.write works on tasks, tasks.manage owns columns and labels and deletes; another tenant,
-- support staff and anon nothing); the board's columns for every team; references that cannot
-- leave their tenant or board; moves between neighbours' keys; the input rules and their codes;
-- the events published; the activity read from the audit log; the plan's tasks limit.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor and
-- project editor of web; globex: frank owner, gina developer; erin in no tenant; sue support staff).
begin;
select plan(336);

select tests.seed_fixture();

create function pg_temp.team(p_tenant text) returns uuid language sql as $$
  select t.id from public.teams t where t.tenant_id = tests.tenant_id(p_tenant) and t.name in ('platform', 'ops')
$$;
create function pg_temp.col(p_tenant text, p_name text) returns uuid language sql as $$
  select c.id from public.task_columns c where c.team_id = pg_temp.team(p_tenant) and c.name = p_name
$$;
create function pg_temp.task(p_title text) returns uuid language sql as $$
  select t.id from public.tasks t where t.title = p_title
$$;
create function pg_temp.pos(p_title text) returns text language sql as $$
  select t.position from public.tasks t where t.title = p_title
$$;

-- ---------------------------------------------------------------------------------------------
-- Boards: four columns for every team, existing and new
-- ---------------------------------------------------------------------------------------------

select results_eq(
  format($$select name, is_done from public.task_columns where team_id = %L order by sort_order$$, pg_temp.team('test-acme')),
  $$values ('To do', false), ('In progress', false), ('Review', false), ('Done', true)$$,
  'a new team''s board has To do, In progress, Review and Done, left to right');
select is((select count(*)::int from public.teams t where not exists (select 1 from public.task_columns c where c.team_id = t.id)),
  0, 'every team has its board (the seed''s teams too)');

-- The fixture's work: two acme tasks (alice), one globex task (frank), a label, an assignee, a
-- label link and a comment on each side.
select is(tests.do_as('alice', format($$insert into public.tasks (tenant_id, team_id, title) values (%L, %L, 'T1'), (%L, %L, 'T2')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'), tests.tenant_id('test-acme'), pg_temp.team('test-acme'))), 'ok:2', 'alice adds two tasks');
select is(tests.do_as('frank', format($$insert into public.tasks (tenant_id, team_id, title) values (%L, %L, 'G1')$$,
  tests.tenant_id('test-globex'), pg_temp.team('test-globex'))), 'ok:1', 'frank adds one');
select is((select column_id from public.tasks where title = 'T1'), pg_temp.col('test-acme', 'To do'), 'a task without a column starts in the first');
select ok(pg_temp.pos('T1') collate "C" < pg_temp.pos('T2'), 'and each new task goes to the end of its column');
select is(tests.do_as('alice', format($$insert into public.task_labels (tenant_id, team_id, name, color) values (%L, %L, 'Bug', 'red')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'))), 'ok:1', 'alice adds a label to the board');
select is(tests.do_as('frank', format($$insert into public.task_labels (tenant_id, name) values (%L, 'Ops')$$,
  tests.tenant_id('test-globex'))), 'ok:1', 'frank adds an organisation-wide label');
select is(tests.do_as('alice', format($$insert into public.task_assignees (tenant_id, task_id, user_id) values (%L, %L, %L)$$,
  tests.tenant_id('test-acme'), pg_temp.task('T1'), tests.user_id('carol'))), 'ok:1', 'alice assigns carol to T1');
select is(tests.do_as('frank', format($$insert into public.task_assignees (tenant_id, task_id, user_id) values (%L, %L, %L)$$,
  tests.tenant_id('test-globex'), pg_temp.task('G1'), tests.user_id('gina'))), 'ok:1', 'frank assigns gina to G1');
select is(tests.do_as('alice', format($$insert into public.task_label_links (tenant_id, task_id, label_id) select %L, %L, id from public.task_labels where name = 'Bug'$$,
  tests.tenant_id('test-acme'), pg_temp.task('T1'))), 'ok:1', 'alice labels T1');
select is(tests.do_as('frank', format($$insert into public.task_label_links (tenant_id, task_id, label_id) select %L, %L, id from public.task_labels where name = 'Ops'$$,
  tests.tenant_id('test-globex'), pg_temp.task('G1'))), 'ok:1', 'frank labels G1 with the organisation''s label');
select is(tests.do_as('alice', format($$insert into public.task_comments (tenant_id, task_id, body) values (%L, %L, 'Over to you @carol@example.test')$$,
  tests.tenant_id('test-acme'), pg_temp.task('T1'))), 'ok:1', 'alice comments on T1, mentioning carol');
select is(tests.do_as('frank', format($$insert into public.task_comments (tenant_id, task_id, body) values (%L, %L, 'Looking')$$,
  tests.tenant_id('test-globex'), pg_temp.task('G1'))), 'ok:1', 'frank comments on G1');

-- ---------------------------------------------------------------------------------------------
-- The persona matrix (fixture tenants only, so the seed's rows never count)
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases
select c.tbl, c.op, replace(replace(replace(replace(replace(c.stmt,
  ':fixture', quote_literal(tests.fixture_tenant_ids()::text)),
  ':acme', quote_literal(tests.tenant_id('test-acme'))),
  ':team', quote_literal(pg_temp.team('test-acme'))),
  ':t1', quote_literal(pg_temp.task('T1'))),
  ':t2', quote_literal(pg_temp.task('T2')))
from (values
  ('task_columns', 'select', 'select id from public.task_columns where tenant_id = any (:fixture::uuid[])'),
  ('task_columns', 'insert', 'insert into public.task_columns (tenant_id, team_id, name) values (:acme, :team, ''Probe'')'),
  ('task_columns', 'update', 'update public.task_columns set name = name || ''!'' where tenant_id = any (:fixture::uuid[])'),
  ('task_columns', 'delete', 'delete from public.task_columns where name = ''Review'' and tenant_id = any (:fixture::uuid[])'),
  ('tasks', 'select', 'select id from public.tasks where tenant_id = any (:fixture::uuid[])'),
  ('tasks', 'insert', 'insert into public.tasks (tenant_id, team_id, title) values (:acme, :team, ''Probe'')'),
  ('tasks', 'update', 'update public.tasks set title = title || ''!'' where tenant_id = any (:fixture::uuid[])'),
  ('tasks', 'delete', 'delete from public.tasks where tenant_id = any (:fixture::uuid[])'),
  ('task_assignees', 'select', 'select user_id from public.task_assignees where tenant_id = any (:fixture::uuid[])'),
  ('task_assignees', 'insert', 'insert into public.task_assignees (tenant_id, task_id, user_id) select :acme, :t2, id from public.profiles where email = ''bob@example.test'''),
  ('task_assignees', 'update', 'update public.task_assignees set user_id = user_id where tenant_id = any (:fixture::uuid[])'),
  ('task_assignees', 'delete', 'delete from public.task_assignees where tenant_id = any (:fixture::uuid[])'),
  ('task_labels', 'select', 'select id from public.task_labels where tenant_id = any (:fixture::uuid[])'),
  ('task_labels', 'insert', 'insert into public.task_labels (tenant_id, name) values (:acme, ''Probe'')'),
  ('task_labels', 'update', 'update public.task_labels set color = ''blue'' where tenant_id = any (:fixture::uuid[])'),
  ('task_labels', 'delete', 'delete from public.task_labels where tenant_id = any (:fixture::uuid[])'),
  ('task_label_links', 'select', 'select label_id from public.task_label_links where tenant_id = any (:fixture::uuid[])'),
  ('task_label_links', 'insert', 'insert into public.task_label_links (tenant_id, task_id, label_id) select :acme, :t2, id from public.task_labels where name = ''Bug'' and tenant_id = :acme'),
  ('task_label_links', 'update', 'update public.task_label_links set label_id = label_id where tenant_id = any (:fixture::uuid[])'),
  ('task_label_links', 'delete', 'delete from public.task_label_links where tenant_id = any (:fixture::uuid[])'),
  ('task_comments', 'select', 'select id from public.task_comments where tenant_id = any (:fixture::uuid[])'),
  ('task_comments', 'insert', 'insert into public.task_comments (tenant_id, task_id, body) values (:acme, :t1, ''Probe'')'),
  ('task_comments', 'update', 'update public.task_comments set body = body || ''!'' where tenant_id = any (:fixture::uuid[])'),
  ('task_comments', 'delete', 'delete from public.task_comments where tenant_id = any (:fixture::uuid[])')
) as c (tbl, op, stmt);

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected values
  ('task_columns', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('task_columns', 'alice',        'rows:4', 'ok:1', 'ok:4', 'ok:1'),
  ('task_columns', 'bob',          'rows:4', 'ok:1', 'ok:4', 'ok:1'),
  ('task_columns', 'carol',        'rows:4', 'error:42501', 'ok:0', 'ok:0'),
  ('task_columns', 'dave',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('task_columns', 'erin',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('task_columns', 'frank',        'rows:4', 'error:42501', 'ok:4', 'ok:1'),
  ('task_columns', 'gina',         'rows:4', 'error:42501', 'ok:4', 'ok:1'),
  ('task_columns', 'sue',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('task_columns', 'service_role', 'rows:8', 'ok:1', 'ok:8', 'ok:2'),
  ('tasks', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('tasks', 'alice',        'rows:2', 'ok:1', 'ok:2', 'ok:2'),
  ('tasks', 'bob',          'rows:2', 'ok:1', 'ok:2', 'ok:2'),
  ('tasks', 'carol',        'rows:2', 'error:42501', 'ok:0', 'ok:0'),
  ('tasks', 'dave',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('tasks', 'erin',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('tasks', 'frank',        'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('tasks', 'gina',         'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('tasks', 'sue',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('tasks', 'service_role', 'rows:3', 'ok:1', 'ok:3', 'ok:3'),
  ('task_assignees', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('task_assignees', 'alice',        'rows:1', 'ok:1', 'error:42501', 'ok:1'),
  ('task_assignees', 'bob',          'rows:1', 'ok:1', 'error:42501', 'ok:1'),
  ('task_assignees', 'carol',        'rows:1', 'error:42501', 'error:42501', 'ok:0'),
  ('task_assignees', 'dave',         'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('task_assignees', 'erin',         'rows:0', 'ok:0', 'error:42501', 'ok:0'),
  ('task_assignees', 'frank',        'rows:1', 'ok:0', 'error:42501', 'ok:1'),
  ('task_assignees', 'gina',         'rows:1', 'ok:0', 'error:42501', 'ok:1'),
  ('task_assignees', 'sue',          'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('task_assignees', 'service_role', 'rows:2', 'ok:1', 'error:42501', 'ok:2'),
  ('task_labels', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('task_labels', 'alice',        'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('task_labels', 'bob',          'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('task_labels', 'carol',        'rows:1', 'error:42501', 'ok:0', 'ok:0'),
  ('task_labels', 'dave',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('task_labels', 'erin',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('task_labels', 'frank',        'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('task_labels', 'gina',         'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('task_labels', 'sue',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('task_labels', 'service_role', 'rows:2', 'ok:1', 'ok:2', 'ok:2'),
  ('task_label_links', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('task_label_links', 'alice',        'rows:1', 'ok:1', 'error:42501', 'ok:1'),
  ('task_label_links', 'bob',          'rows:1', 'ok:1', 'error:42501', 'ok:1'),
  ('task_label_links', 'carol',        'rows:1', 'error:42501', 'error:42501', 'ok:0'),
  ('task_label_links', 'dave',         'rows:0', 'ok:0', 'error:42501', 'ok:0'),
  ('task_label_links', 'erin',         'rows:0', 'ok:0', 'error:42501', 'ok:0'),
  ('task_label_links', 'frank',        'rows:1', 'ok:0', 'error:42501', 'ok:1'),
  ('task_label_links', 'gina',         'rows:1', 'ok:0', 'error:42501', 'ok:1'),
  ('task_label_links', 'sue',          'rows:0', 'ok:0', 'error:42501', 'ok:0'),
  ('task_label_links', 'service_role', 'rows:2', 'ok:1', 'error:42501', 'ok:2'),
  ('task_comments', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('task_comments', 'alice',        'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('task_comments', 'bob',          'rows:1', 'ok:1', 'ok:0', 'ok:1'),
  ('task_comments', 'carol',        'rows:1', 'error:42501', 'ok:0', 'ok:0'),
  ('task_comments', 'dave',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('task_comments', 'erin',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('task_comments', 'frank',        'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('task_comments', 'gina',         'rows:1', 'error:42501', 'ok:0', 'ok:1'),
  ('task_comments', 'sue',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('task_comments', 'service_role', 'rows:2', 'ok:1', 'ok:2', 'ok:2');

select * from tests.persona_matrix();

-- ---------------------------------------------------------------------------------------------
-- References stay inside their tenant and board
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', format($$insert into public.tasks (tenant_id, team_id, title) values (%L, %L, 'X')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-globex'))), 'error:TN423', 'a task cannot sit on another tenant''s team (it has no board there)');
select is(tests.try_as('alice', format($$insert into public.tasks (tenant_id, team_id, project_id, title) values (%L, %L, %L, 'X')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'), tests.project_id('test-globex', 'data'))), 'error:23503',
  'nor point at another tenant''s project');
select is(tests.try_as('alice', format($$insert into public.tasks (tenant_id, team_id, project_id, title) values (%L, %L, %L, 'X')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'), tests.project_id('test-acme', 'web'))), 'ok:1',
  'its own tenant''s project is fine');
select is(tests.try_as('alice', format($$insert into public.tasks (tenant_id, team_id, column_id, title) values (%L, %L, %L, 'X')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'), pg_temp.col('test-globex', 'To do'))), 'error:TN423',
  'nor start in another tenant''s column');
select is(tests.do_as('alice', format($$insert into public.teams (tenant_id, name) values (%L, 'second')$$, tests.tenant_id('test-acme'))),
  'ok:1', 'a second acme team');
select is(tests.try_as('alice', format($$insert into public.tasks (tenant_id, team_id, column_id, title) values (%L, %L, %L, 'X')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'),
  (select c.id from public.task_columns c join public.teams t on t.id = c.team_id where t.name = 'second' and c.name = 'Done'))),
  'error:TN423', 'nor in another board''s column of its own tenant');
select is(tests.try_as('alice', format($$select public.move_task(%L, %L, null, null)$$, pg_temp.task('T1'),
  (select c.id from public.task_columns c join public.teams t on t.id = c.team_id where t.name = 'second' and c.name = 'Done'))),
  'error:TN423', 'a move stays on the task''s board');
select is(tests.try_as('alice', format($$insert into public.task_assignees (tenant_id, task_id, user_id) values (%L, %L, %L)$$,
  tests.tenant_id('test-acme'), pg_temp.task('T2'), tests.user_id('frank'))), 'error:TN432', 'only a member can be assigned');
select is(tests.try_as('frank', format($$insert into public.task_assignees (tenant_id, task_id, user_id) values (%L, %L, %L)$$,
  tests.tenant_id('test-globex'), pg_temp.task('T2'), tests.user_id('gina'))), 'error:23503', 'an assignment cannot reach another tenant''s task');
select is(tests.do_as('alice', format($$insert into public.task_labels (tenant_id, team_id, name) values (%L, (select id from public.teams where name = 'second'), 'Other board')$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'a label of the second board');
select is(tests.try_as('alice', format($$insert into public.task_label_links (tenant_id, task_id, label_id) select %L, %L, id from public.task_labels where name = 'Other board'$$,
  tests.tenant_id('test-acme'), pg_temp.task('T2'))), 'error:TN425', 'a label of another board does not go on a task');
select is(tests.try_as('frank', format($$insert into public.task_label_links (tenant_id, task_id, label_id) select %L, %L, id from public.task_labels where name = 'Ops'$$,
  tests.tenant_id('test-globex'), pg_temp.task('T2'))), 'error:TN425', 'nor a label of another tenant');
select is(tests.try_as('alice', format($$update public.tasks set tenant_id = %L where title = 'T1'$$, tests.tenant_id('test-globex'))),
  'error:42501', 'a task''s tenant is not the caller''s to change');
select is(tests.try_as('alice', format($$update public.tasks set column_id = %L where title = 'T1'$$, pg_temp.col('test-acme', 'Done'))),
  'error:42501', 'a column changes only through move_task');
select throws_ok($$update public.tasks set team_id = (select id from public.teams where name = 'second') where title = 'T1'$$,
  'TN423', null, 'a task stays on its team''s board, whoever writes');

-- ---------------------------------------------------------------------------------------------
-- Input rules
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', format($$insert into public.tasks (tenant_id, team_id, title) values (%L, %L, '   ')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'))), 'error:TN421', 'a title is not blank');
select is(tests.try_as('alice', format($$insert into public.tasks (tenant_id, team_id, title, description) values (%L, %L, 'X', repeat('x', 20001))$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'))), 'error:TN422', 'a description has a limit');
select is(tests.try_as('alice', format($$insert into public.tasks (tenant_id, team_id, title, priority) values (%L, %L, 'X', 'asap')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'))), 'error:TN434', 'a priority is one of the five');
select is(tests.try_as('alice', format($$insert into public.task_columns (tenant_id, team_id, name) values (%L, %L, 'to DO')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'))), 'error:TN429', 'a column name is free on its board, whatever its case');
select is(tests.try_as('alice', format($$insert into public.task_labels (tenant_id, team_id, name) values (%L, %L, 'BUG')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'))), 'error:TN430', 'a label name is free on its board');
select is(tests.try_as('alice', format($$insert into public.task_comments (tenant_id, task_id, body) values (%L, %L, ' ')$$,
  tests.tenant_id('test-acme'), pg_temp.task('T1'))), 'error:TN427', 'a comment is not blank');
select is(tests.do_as('bob', format($$insert into public.task_comments (tenant_id, task_id, parent_id, body) select %L, %L, id, 'A reply' from public.task_comments where task_id = %L$$,
  tests.tenant_id('test-acme'), pg_temp.task('T1'), pg_temp.task('T1'))), 'ok:1', 'bob replies to alice''s comment');
select is(tests.try_as('alice', format($$insert into public.task_comments (tenant_id, task_id, parent_id, body) select %L, %L, id, 'Deeper' from public.task_comments where body = 'A reply'$$,
  tests.tenant_id('test-acme'), pg_temp.task('T1'))), 'error:TN426', 'replies go one level deep');
select is(tests.try_as('alice', format($$insert into public.task_comments (tenant_id, task_id, parent_id, body) select %L, %L, id, 'Elsewhere' from public.task_comments where task_id = %L and parent_id is null$$,
  tests.tenant_id('test-acme'), pg_temp.task('T2'), pg_temp.task('T1'))), 'error:TN426', 'a reply answers a comment of the same task');
select is(tests.try_as('alice', format($$delete from public.task_columns where id = %L$$, pg_temp.col('test-acme', 'To do'))),
  'error:TN428', 'a column with tasks is not deleted');

-- ---------------------------------------------------------------------------------------------
-- Moves
-- ---------------------------------------------------------------------------------------------

select is(private.fractional_key_between(null, null), 'V', 'the first key is the middle digit');
select is(private.fractional_key_between('V', null), 'l', 'a key after');
select is(private.fractional_key_between(null, 'V'), 'G', 'a key before');
select is(private.fractional_key_between('V', 'W'), 'VV', 'between neighbours, one digit longer');
select is(private.fractional_key_between('Vz', 'W'), 'Vz' || 'V', 'past the last digit');
select is(private.fractional_key_between('a1', 'a2'), 'a1V', 'a common prefix is kept');
select throws_ok($$select private.fractional_key_between('W', 'V')$$, 'TN424', null, 'keys out of order are refused');
select throws_ok($$select private.fractional_key_between('V0', null)$$, 'TN424', null, 'a key ending in 0 is refused');

select is(tests.try_as('carol', format($$select public.move_task(%L, %L, null, null)$$, pg_temp.task('T1'), pg_temp.col('test-acme', 'Done'))),
  'error:TN002', 'a viewer does not move tasks');
select is(tests.try_as('erin', format($$select public.move_task(%L, %L, null, null)$$, pg_temp.task('T1'), pg_temp.col('test-acme', 'Done'))),
  'error:TN420', 'an outsider is told no such task');
select is(tests.try_as('frank', format($$select public.move_task(%L, %L, null, null)$$, pg_temp.task('T1'), pg_temp.col('test-globex', 'Done'))),
  'error:TN420', 'so is another tenant''s owner');
select is(tests.do_as('bob', format($$select public.move_task(%L, %L, null, %L)$$, pg_temp.task('T2'), pg_temp.col('test-acme', 'To do'), pg_temp.pos('T1'))),
  'ok:1', 'bob moves T2 above T1');
select ok(pg_temp.pos('T2') collate "C" < pg_temp.pos('T1'), 'T2 is now first');
select is(tests.do_as('bob', format($$select public.move_task(%L, %L, null, null)$$, pg_temp.task('T1'), pg_temp.col('test-acme', 'Review'))),
  'ok:1', 'bob moves T1 to Review');
select is((select c.name from public.tasks t join public.task_columns c on c.id = t.column_id where t.title = 'T1'), 'Review', 'T1 is in Review');
select is(tests.do_as('alice', format($$insert into public.tasks (tenant_id, team_id, column_id, title) values (%L, %L, %L, 'T3'), (%L, %L, %L, 'T4')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'), pg_temp.col('test-acme', 'Review'),
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'), pg_temp.col('test-acme', 'Review'))), 'ok:2', 'two more cards in Review: T1, T3, T4');
-- A stale view: the mover saw T1 then T4 (T3 arrived since). The card goes right after T1, before T3.
select is(tests.do_as('bob', format($$select public.move_task(%L, %L, %L, %L)$$, pg_temp.task('T2'), pg_temp.col('test-acme', 'Review'),
  pg_temp.pos('T1'), pg_temp.pos('T4'))), 'ok:1', 'a move between neighbours that are no longer neighbours');
select results_eq(format($$select title from public.tasks where column_id = %L order by position$$, pg_temp.col('test-acme', 'Review')),
  $$values ('T1'), ('T2'), ('T3'), ('T4')$$, 'lands right after the card above, never on a taken key');
select tests.authenticate_as('bob');
select is(public.move_task(pg_temp.task('T2'), pg_temp.col('test-acme', 'Review'), pg_temp.pos('T1'), pg_temp.pos('T3')),
  pg_temp.pos('T2'), 'a move to where the card already is changes nothing');
select tests.clear_authentication();
select is(tests.do_as('alice', format($$select public.move_task_column(%L, 0)$$, pg_temp.col('test-acme', 'Done'))), 'ok:1', 'alice puts Done first');
select results_eq(format($$select name from public.task_columns where team_id = %L order by sort_order$$, pg_temp.team('test-acme')),
  $$values ('Done'), ('To do'), ('In progress'), ('Review')$$, 'the other columns keep their order after it');
select is(tests.try_as('bob', format($$select public.move_task_column(%L, 9)$$, pg_temp.col('test-acme', 'Done'))), 'rows:1', 'an index past the end is the end');
select is(tests.try_as('carol', format($$select public.move_task_column(%L, 1)$$, pg_temp.col('test-acme', 'Done'))), 'error:TN002', 'a viewer does not order columns');
select is(tests.try_as('frank', format($$select public.move_task_column(%L, 1)$$, pg_temp.col('test-acme', 'Done'))), 'error:TN433', 'another tenant sees no column');

-- ---------------------------------------------------------------------------------------------
-- Events
-- ---------------------------------------------------------------------------------------------

select is((select count(*)::int from public.events where type = 'task.created' and tenant_id = tests.tenant_id('test-acme')), 4,
  'one task.created per acme task');
select is((select payload ->> 'title' from public.events where type = 'task.created' and subject_id = pg_temp.task('T1')::text), 'T1',
  'with the task''s title');
select is((select count(*)::int from public.events where type = 'task.moved' and subject_id = pg_temp.task('T2')::text), 2,
  'one task.moved per move of T2 (none for the move that changed nothing)');
select is((select payload ->> 'to_column_id' from public.events where type = 'task.moved' and subject_id = pg_temp.task('T1')::text),
  pg_temp.col('test-acme', 'Review')::text, 'task.moved names the column it went to');
select is((select payload ->> 'user_id' from public.events where type = 'task.assigned' and subject_id = pg_temp.task('T1')::text),
  tests.user_id('carol')::text, 'task.assigned names the person assigned');
select is((select count(*)::int from public.events where type = 'task.commented' and subject_id = pg_temp.task('T1')::text), 2,
  'task.commented for the comment and the reply');
select is((select array_agg(payload ->> 'user_id') from public.events where type = 'task.mentioned' and subject_id = pg_temp.task('T1')::text),
  array[tests.user_id('carol')::text], 'the @mention of carol''s address tells carol, once');
select is(tests.do_as('alice', format($$update public.tasks set priority = 'high', due_on = '2027-01-31' where id = %L$$, pg_temp.task('T1'))),
  'ok:1', 'alice sets T1''s priority and due date');
select is((select payload -> 'previous' from public.events where type = 'task.updated' and subject_id = pg_temp.task('T1')::text),
  '{"priority": "none", "due_on": null}'::jsonb, 'task.updated says what it was');
select is(tests.do_as('alice', format($$update public.tasks set priority = 'high' where id = %L$$, pg_temp.task('T1'))), 'ok:1', 'the same priority again');
select is((select count(*)::int from public.events where type = 'task.updated' and subject_id = pg_temp.task('T1')::text), 1,
  'publishes nothing');
select is(tests.try_as('alice', format($$insert into public.tasks (tenant_id, team_id, title) values (%L, %L, '')$$,
  tests.tenant_id('test-acme'), pg_temp.team('test-acme'))), 'error:TN421', 'a refused task');
select is((select count(*)::int from public.events where type = 'task.created' and tenant_id = tests.tenant_id('test-acme')), 4,
  'publishes nothing');

-- ---------------------------------------------------------------------------------------------
-- Activity, from the audit log
-- ---------------------------------------------------------------------------------------------

select tests.authenticate_as('carol');
select results_eq(format($$select action from public.task_activity(%L) order by id$$, pg_temp.task('T1')),
  $$values ('tasks.insert'), ('task_assignees.insert'), ('task_label_links.insert'), ('task_comments.insert'),
           ('task_comments.insert'), ('tasks.update'), ('tasks.update')$$,
  'a reader of the task reads its activity: created, assigned, labelled, commented, replied, moved, changed');
select is((select subject_name from public.task_activity(pg_temp.task('T1')) where action = 'task_assignees.insert'),
  'Carol', 'with the name of the person assigned');
select is((select subject_name from public.task_activity(pg_temp.task('T1')) where action = 'task_label_links.insert'),
  'Bug', 'and of the label');
select is((select from_column || ' → ' || to_column from public.task_activity(pg_temp.task('T1')) where action = 'tasks.update' and new_values ? 'column_id'),
  'To do → Review', 'and the columns of a move');
select is((select actor_name from public.task_activity(pg_temp.task('T1')) where action = 'tasks.insert'),
  'Alice', 'and who did it');
select tests.clear_authentication();
select is(tests.try_as('dave', format($$select * from public.task_activity(%L)$$, pg_temp.task('T1'))), 'error:TN420',
  'someone without tasks.read reads no activity');
select is(tests.try_as('frank', format($$select * from public.task_activity(%L)$$, pg_temp.task('T1'))), 'error:TN420',
  'nor does another tenant');

-- ---------------------------------------------------------------------------------------------
-- Attachments: a task's files follow the task's permissions and go with it
-- ---------------------------------------------------------------------------------------------

-- An object and its attachment, as whoever is signed in (the way storeUpload writes them).
create function pg_temp.attach(p_task uuid, p_name text) returns text language plpgsql as $$
declare
  v_tenant uuid := (select tenant_id from public.tasks where id = p_task);
  v_path text := v_tenant || '/task/' || p_task || '/' || gen_random_uuid() || '/' || p_name;
begin
  insert into storage.objects (bucket_id, name, owner, metadata)
  values ('task-attachments', v_path, auth.uid(), '{"mimetype": "application/pdf", "size": 100}');
  insert into public.attachments (tenant_id, bucket, object_path, owner_type, owner_id, file_name, content_type, byte_size)
  values (v_tenant, 'task-attachments', v_path, 'task', p_task, p_name, 'application/pdf', 100);
  return v_path;
end $$;
grant execute on function pg_temp.attach(uuid, text) to public;

select is(tests.do_as('bob', format($$select pg_temp.attach(%L, 'spec.pdf')$$, pg_temp.task('T1'))), 'ok:1',
  'bob (tasks.write) attaches a file to T1');
select is(tests.try_as('carol', format($$select id from public.attachments where owner_type = 'task' and owner_id = %L$$, pg_temp.task('T1'))),
  'rows:1', 'a viewer reads the task''s files');
select is(tests.try_as('carol', format($$select pg_temp.attach(%L, 'mine.pdf')$$, pg_temp.task('T1'))), 'error:42501',
  'but attaches none');
select is(tests.try_as('dave', format($$select id from public.attachments where owner_type = 'task' and owner_id = %L$$, pg_temp.task('T1'))),
  'rows:0', 'a member without tasks.read reads none');
select is(tests.try_as('frank', format($$select id from public.attachments where owner_type = 'task' and owner_id = %L$$, pg_temp.task('T1'))),
  'rows:0', 'nor does another tenant');
select is(tests.try_as('frank', format($$select pg_temp.attach(%L, 'x.pdf')$$, pg_temp.task('T1'))), 'error:42501',
  'who cannot attach to it either');
select is(tests.do_as('alice', format($$delete from public.tasks where id = %L$$, pg_temp.task('T4'))), 'ok:1', 'alice deletes T4');
select is(tests.do_as('bob', format($$select pg_temp.attach(%L, 'gone.pdf')$$, pg_temp.task('T3'))), 'ok:1', 'a file on T3');
select is(tests.do_as('alice', format($$delete from public.tasks where id = %L$$, pg_temp.task('T3'))), 'ok:1', 'alice deletes T3');
select is((select count(*)::int from public.attachments where file_name = 'gone.pdf'), 0, 'its file goes with it');

-- ---------------------------------------------------------------------------------------------
-- The plan's limit
-- ---------------------------------------------------------------------------------------------

select tests.subscribe('test-globex', 'free');
insert into public.plan_limits (plan_id, metric, hard_limit) select id, 'tasks', 2 from public.plans where code = 'free';
select is(tests.do_as('frank', format($$insert into public.tasks (tenant_id, team_id, title) values (%L, %L, 'G2')$$,
  tests.tenant_id('test-globex'), pg_temp.team('test-globex'))), 'ok:1', 'globex reaches its plan''s 2 tasks');
select is(tests.try_as('frank', format($$insert into public.tasks (tenant_id, team_id, title) values (%L, %L, 'G3')$$,
  tests.tenant_id('test-globex'), pg_temp.team('test-globex'))), 'error:TN070', 'and stops there');
select is(tests.try_as('service_role', format($$insert into public.tasks (tenant_id, team_id, title) values (%L, %L, 'G3')$$,
  tests.tenant_id('test-globex'), pg_temp.team('test-globex'))), 'error:TN070', 'the service role too');

select * from finish();
rollback;
