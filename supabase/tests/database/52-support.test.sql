-- Support desk (20261203000600_support.sql): who reads and writes tickets, messages and macros
-- (the persona matrix); internal notes invisible to every tenant role, owner and API keys
-- included, in selects, searches, events and the attachment check; staff see all; a tenant cannot
-- set the assignee, the SLA times, the breach flags or a merge; numbers per tenant; the input
-- rules and their codes; the SLA clocks; status changes on each side; assignment; merging; events.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor; globex:
-- frank owner, gina developer; staff sam super_admin, sue support, bill billing_admin), and API keys
-- of acme with and without tickets.read.
begin;
select plan(254);

select tests.seed_fixture();

create temp table ids (name text primary key, id uuid not null);
grant select, insert on ids to public;
create function pg_temp.id(p_name text) returns uuid language sql as $$ select id from ids where name = p_name $$;
-- Runs one statement as a persona and keeps it; the value it returns is kept under p_name.
create function pg_temp.keep(p_persona text, p_name text, p_sql text) returns uuid language plpgsql as $$
declare
  v_id uuid;
begin
  perform tests.authenticate_as(p_persona);
  execute p_sql into v_id;
  perform tests.clear_authentication();
  insert into ids values (p_name, v_id);
  return v_id;
end $$;
create function pg_temp.create_sql(p_tenant text, p_subject text, p_priority text default 'medium',
  p_category text default 'general', p_project uuid default null, p_description text default 'It does not work.')
returns text language sql as $$
  select format('select public.create_support_ticket(%L, %L, %L, %L, %L, %L)', tests.tenant_id(p_tenant), p_subject,
                p_description, p_priority, p_category, p_project)
$$;

-- API keys of acme: one holding tickets.read and tickets.manage, one holding projects.read only.
select tests.authenticate_as('alice');
insert into ids values
  ('key:tickets', public.create_api_key(tests.tenant_id('test-acme'), 'tickets', 'tnt_test_' || substr(md5('tickets') || md5('tickets!'), 1, 38),
                                        '{tickets.read,tickets.manage}')),
  ('key:reader', public.create_api_key(tests.tenant_id('test-acme'), 'reader', 'tnt_test_' || substr(md5('reader') || md5('reader!'), 1, 38),
                                       '{projects.read}'));
select tests.clear_authentication();

-- One statement as a key, undone: 'rows:N', 'ok:N' or 'error:SQLSTATE' (like tests.try_as).
create function pg_temp.try_key(p_name text, p_sql text) returns text language plpgsql as $$
declare
  v_count bigint;
  v_result text;
begin
  begin
    perform set_config('request.jwt.claims', jsonb_build_object('role', 'authenticated',
                       'api_key_id', pg_temp.id('key:' || p_name))::text, true);
    perform set_config('role', 'authenticated', true);
    if p_sql ~* '^\s*select' then
      v_count := tests.row_count(p_sql);
      v_result := 'rows:' || v_count;
    else
      execute p_sql;
      get diagnostics v_count = row_count;
      v_result := 'ok:' || v_count;
    end if;
    raise exception using errcode = 'TNTST', message = v_result;
  exception when others then
    v_result := case when sqlstate = 'TNTST' then sqlerrm else 'error:' || sqlstate end;
  end;
  perform tests.clear_authentication();
  return v_result;
end $$;

-- ---------------------------------------------------------------------------------------------
-- The data: a ticket in each tenant, a staff reply and an internal note on acme's, a customer reply
-- ---------------------------------------------------------------------------------------------

select isnt(pg_temp.keep('alice', 'acme1', pg_temp.create_sql('test-acme', 'Login broken', 'urgent', 'technical',
                                                              tests.project_id('test-acme', 'web'))),
  null, 'the owner opens a ticket');
select isnt(pg_temp.keep('frank', 'globex1', pg_temp.create_sql('test-globex', 'Invoice question', 'low', 'billing')),
  null, 'another tenant''s owner opens one in theirs');
select isnt(pg_temp.keep('sue', 'note', format('select public.staff_reply_support_ticket(%L, %L, true)', pg_temp.id('acme1'),
                                               'Customer is on the legacy zebracode cluster; do not promise a date.')),
  null, 'support staff write an internal note');
select isnt(pg_temp.keep('sue', 'staff_reply', format('select public.staff_reply_support_ticket(%L, %L, false, %L)', pg_temp.id('acme1'),
                                                      'We are looking into it.', 'in_progress')),
  null, 'and a reply, moving the ticket to in progress');
select isnt(pg_temp.keep('bob', 'bob_reply', format('select public.reply_support_ticket(%L, %L)', pg_temp.id('acme1'), 'Thanks, still broken.')),
  null, 'an admin of the tenant replies');
select isnt(pg_temp.keep('sam', 'globex_reply', format('select public.staff_reply_support_ticket(%L, %L)', pg_temp.id('globex1'), 'Answered by email.')),
  null, 'a super admin replies in the other tenant');
insert into public.support_macros (title, body) values ('Test greeting', 'Hello, thanks for writing.');

-- ---------------------------------------------------------------------------------------------
-- The persona matrix
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases values
  ('support_tickets', 'select', 'select id from public.support_tickets where ' || tests.fixture_rows('tenant_id')),
  ('support_tickets', 'insert', format('insert into public.support_tickets (tenant_id, number, subject, description, first_response_due_at, resolution_due_at) values (%L, 99, ''x'', ''x'', now(), now())', tests.tenant_id('test-acme'))),
  ('support_tickets', 'update', format('update public.support_tickets set assignee_id = %L where ', tests.user_id('sue')) || tests.fixture_rows('tenant_id')),
  ('support_tickets', 'delete', 'delete from public.support_tickets where ' || tests.fixture_rows('tenant_id')),
  ('support_messages', 'select', 'select id from public.support_messages where ' || tests.fixture_rows('tenant_id')),
  ('support_messages', 'insert', format('insert into public.support_messages (tenant_id, ticket_id, author_side, kind, body) values (%L, %L, ''staff'', ''internal_note'', ''x'')', tests.tenant_id('test-acme'), pg_temp.id('acme1'))),
  ('support_messages', 'update', 'update public.support_messages set kind = ''reply'' where ' || tests.fixture_rows('tenant_id')),
  ('support_messages', 'delete', 'delete from public.support_messages where ' || tests.fixture_rows('tenant_id')),
  ('support_macros', 'select', 'select id from public.support_macros where title like ''Test %'''),
  ('support_macros', 'insert', 'insert into public.support_macros (title, body) values (''Test probe'', ''x'')'),
  ('support_macros', 'update', 'update public.support_macros set body = ''Changed.'' where title like ''Test %'''),
  ('support_macros', 'delete', 'delete from public.support_macros where title like ''Test %''');

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected values
  ('support_macros',    'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('support_macros',    'erin',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('support_macros',    'carol',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('support_macros',    'dave',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('support_macros',    'bob',           'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('support_macros',    'alice',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('support_macros',    'gina',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('support_macros',    'sam',           'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('support_macros',    'sue',           'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('support_macros',    'bill',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('support_macros',    'service_role',  'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('support_messages',  'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('support_messages',  'erin',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('support_messages',  'carol',         'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('support_messages',  'dave',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('support_messages',  'bob',           'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('support_messages',  'alice',         'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('support_messages',  'gina',          'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('support_messages',  'sam',           'rows:4', 'error:42501', 'error:42501', 'error:42501'),
  ('support_messages',  'sue',           'rows:4', 'error:42501', 'error:42501', 'error:42501'),
  ('support_messages',  'bill',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('support_messages',  'service_role',  'rows:4', 'error:42501', 'error:42501', 'error:42501'),
  ('support_tickets',   'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('support_tickets',   'erin',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('support_tickets',   'carol',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('support_tickets',   'dave',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('support_tickets',   'bob',           'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('support_tickets',   'alice',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('support_tickets',   'gina',          'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('support_tickets',   'sam',           'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('support_tickets',   'sue',           'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('support_tickets',   'bill',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('support_tickets',   'service_role',  'rows:2', 'error:42501', 'error:42501', 'error:42501');

select * from tests.persona_matrix();

-- ---------------------------------------------------------------------------------------------
-- Internal notes: never a tenant's, in any form
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as(p, format('select 1 from public.support_messages where id = %L', pg_temp.id('note'))), 'rows:0',
          format('%s (a tenant role) cannot read the internal note by its id', p))
from unnest(array['alice', 'bob', 'carol']) p;
select is(tests.try_as(p, format('select 1 from public.support_messages where kind = ''internal_note'' and ticket_id = %L', pg_temp.id('acme1'))),
          'rows:0', format('%s sees no internal note on the ticket', p))
from unnest(array['alice', 'bob', 'carol', 'frank', 'gina', 'bill']) p;
select is(pg_temp.try_key('tickets', format('select 1 from public.support_messages where ticket_id = %L', pg_temp.id('acme1'))), 'rows:2',
  'an API key holding tickets.read reads the two replies');
select is(pg_temp.try_key('tickets', format('select 1 from public.support_messages where id = %L', pg_temp.id('note'))), 'rows:0',
  'but not the internal note');
select is(pg_temp.try_key('reader', format('select 1 from public.support_messages where ticket_id = %L', pg_temp.id('acme1'))), 'rows:0',
  'a key without tickets.read reads no message at all');
select is(tests.try_as('sue', format('select 1 from public.support_messages where id = %L and kind = ''internal_note''', pg_temp.id('note'))), 'rows:1',
  'support staff read the note');
select is(tests.try_as('sam', format('select 1 from public.support_messages where id = %L', pg_temp.id('note'))), 'rows:1',
  'and so does a super admin');

-- The search a page runs: subject and description, or a message the caller may read.
create function pg_temp.search_sql(p_query text) returns text language sql as $$
  select format('select t.id from public.support_tickets t where t.search @@ websearch_to_tsquery(''english'', %L) '
                'or exists (select 1 from public.support_messages m where m.tenant_id = t.tenant_id and m.ticket_id = t.id '
                'and m.search @@ websearch_to_tsquery(''english'', %L))', p_query, p_query)
$$;
select is(tests.try_as('alice', pg_temp.search_sql('zebracode')), 'rows:0', 'a tenant''s search never matches an internal note''s text');
select is(pg_temp.try_key('tickets', pg_temp.search_sql('zebracode')), 'rows:0', 'nor an API key''s');
select is(tests.try_as('sue', pg_temp.search_sql('zebracode')), 'rows:1', 'staff''s search does');
select is(tests.try_as('alice', pg_temp.search_sql('"still broken"')), 'rows:1', 'a tenant''s search matches a reply');
select is(tests.try_as('alice', pg_temp.search_sql('login')), 'rows:1', 'and the subject (stemmed: login, logins)');
select is(tests.try_as('frank', pg_temp.search_sql('login')), 'rows:0', 'another tenant''s search finds nothing of acme''s');

select is((select count(*)::int from public.events where tenant_id = tests.tenant_id('test-acme') and payload::text like '%zebracode%'), 0,
  'no event carries the internal note''s text');
select is((select count(*)::int from public.events where type = 'ticket.replied' and payload ->> 'message_id' = pg_temp.id('note')::text), 0,
  'an internal note publishes no ticket.replied');
select is((select row(tenant_id, new_values ? 'body', new_values ->> 'kind')::text from public.audit_logs
           where target_type = 'support_messages' and target_id = pg_temp.id('note')::text),
  row(null::uuid, false, 'internal_note')::text,
  'the note is audited in the platform''s log (staff only), without its text');
select is(tests.try_as('alice', format('select 1 from public.audit_logs where tenant_id = %L and (new_values::text like ''%%zebracode%%'' or target_id like ''%%%s%%'')',
                                       tests.tenant_id('test-acme'), pg_temp.id('note'))), 'rows:0',
  'the owner (audit.read) finds no trace of the note in the tenant''s audit log');

select is(tests.try_as('alice', format('select 1 where private.may_read_owner(''support_message'', %L, %L)', tests.tenant_id('test-acme'), pg_temp.id('note'))),
  'rows:0', 'a note''s files are not the owner''s to read');
select is(tests.try_as('alice', format('select 1 where private.may_read_owner(''support_message'', %L, %L)', tests.tenant_id('test-acme'), pg_temp.id('bob_reply'))),
  'rows:1', 'a reply''s files are');
select is(tests.try_as('sue', format('select 1 where private.may_read_owner(''support_message'', %L, %L)', tests.tenant_id('test-acme'), pg_temp.id('note'))),
  'rows:1', 'staff read a note''s files');
select is(tests.try_as('frank', format('select 1 where private.may_read_owner(''support_ticket'', %L, %L)', tests.tenant_id('test-acme'), pg_temp.id('acme1'))),
  'rows:0', 'another tenant cannot read a ticket''s files');
select is(tests.try_as('carol', format('select 1 where private.may_read_owner(''support_ticket'', %L, %L)', tests.tenant_id('test-acme'), pg_temp.id('acme1'))),
  'rows:1', 'a viewer of the tenant can');
select is(tests.try_as('frank', format('select 1 where private.may_read_owner(''support_ticket'', %L, %L)', tests.tenant_id('test-globex'), pg_temp.id('acme1'))),
  'rows:0', 'and naming one''s own tenant with another''s ticket id gains nothing');

-- Files: a note's attachment is staff's only; who may add files to what.
create function pg_temp.attach(p_persona text, p_message text, p_name text) returns text language plpgsql as $$
declare
  v_path text := format('%s/support_message/%s/%s/%s', tests.tenant_id('test-acme'), pg_temp.id(p_message),
                        md5(p_name)::uuid, p_name);
begin
  return tests.try_as(p_persona, format(
    'with o as (insert into storage.objects (bucket_id, name, owner, metadata) values (''support-attachments'', %L, auth.uid(), '
    '''{"mimetype": "text/plain", "size": 3}'') returning 1) '
    'insert into public.attachments (tenant_id, bucket, object_path, owner_type, owner_id, file_name, content_type, byte_size) '
    'select %L, ''support-attachments'', %L, ''support_message'', %L, %L, ''text/plain'', 3 from o',
    v_path, tests.tenant_id('test-acme'), v_path, pg_temp.id(p_message), p_name));
end $$;
select is(pg_temp.attach('alice', 'note', 'x.txt'), 'error:42501', 'the owner cannot attach a file to the internal note');
select is(pg_temp.attach('alice', 'staff_reply', 'x.txt'), 'error:42501', 'nor to a staff reply');
select is(pg_temp.attach('carol', 'bob_reply', 'x.txt'), 'error:42501', 'a viewer cannot attach to a customer reply');
select is(pg_temp.attach('alice', 'bob_reply', 'x.txt'), 'ok:1', 'the owner attaches to a customer reply of the tenant');
select is(pg_temp.attach('frank', 'bob_reply', 'x.txt'), 'error:42501', 'another tenant''s owner cannot');
select is(pg_temp.attach('sue', 'note', 'x.txt'), 'ok:1', 'support staff attach to their note');
insert into storage.objects (bucket_id, name, metadata)
values ('support-attachments', format('%s/support_message/%s/%s/n.txt', tests.tenant_id('test-acme'), pg_temp.id('note'), md5('n')::uuid),
        '{"mimetype": "text/plain", "size": 3}');
insert into public.attachments (tenant_id, bucket, object_path, owner_type, owner_id, file_name, content_type, byte_size)
values (tests.tenant_id('test-acme'), 'support-attachments',
        format('%s/support_message/%s/%s/n.txt', tests.tenant_id('test-acme'), pg_temp.id('note'), md5('n')::uuid),
        'support_message', pg_temp.id('note'), 'n.txt', 'text/plain', 3);
select is(tests.try_as(p, format('select 1 from public.attachments where owner_id = %L', pg_temp.id('note'))), 'rows:0',
          format('%s cannot read the note''s attachment row', p))
from unnest(array['alice', 'bob', 'carol']) p;
select is(tests.try_as(p, format('select 1 from storage.objects where name like %L', '%' || pg_temp.id('note') || '%')), 'rows:0',
          format('%s cannot read the note''s stored object, even by its path', p))
from unnest(array['alice', 'bob']) p;
select is(tests.try_as('sue', format('select 1 from public.attachments where owner_id = %L', pg_temp.id('note'))), 'rows:1',
  'support staff read it');

-- ---------------------------------------------------------------------------------------------
-- What a tenant cannot set: assignee, SLA, breach flags, merges, internal notes, staff replies
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', format('update public.support_tickets set %s where id = %L', c, pg_temp.id('acme1'))), 'error:42501',
          format('the owner cannot set %s', c))
from unnest(array['assignee_id = null', 'first_response_due_at = now() + interval ''1 year''', 'resolution_breached = false',
                  'merged_into_id = null', 'status = ''resolved''', 'priority = ''low''']) c;
select is(tests.try_as('alice', format('select public.staff_reply_support_ticket(%L, ''note'', true)', pg_temp.id('acme1'))), 'error:TN061',
  'the owner cannot write an internal note');
select is(tests.try_as('alice', format('select public.staff_reply_support_ticket(%L, ''reply'')', pg_temp.id('acme1'))), 'error:TN061',
  'nor a staff reply');
select is(tests.try_as('alice', format('select public.assign_support_ticket(%L, %L)', pg_temp.id('acme1'), tests.user_id('sue'))), 'error:TN061',
  'nor assign');
select is(tests.try_as('alice', format('select public.staff_update_support_ticket(%L, null, ''low'')', pg_temp.id('acme1'))), 'error:TN061',
  'nor change the priority (and so the SLA)');
select is(tests.try_as('alice', format('select public.merge_support_ticket(%L, %L)', pg_temp.id('acme1'), pg_temp.id('acme1'))), 'error:TN061',
  'nor merge');
select is(pg_temp.try_key('tickets', format('select public.staff_reply_support_ticket(%L, ''note'', true)', pg_temp.id('acme1'))), 'error:TN061',
  'nor can an API key');
select is(tests.try_as('bill', format('select public.staff_reply_support_ticket(%L, ''x'')', pg_temp.id('acme1'))), 'error:TN061',
  'a billing admin is not support staff');
select is(tests.try_as('alice', 'select id from public.support_staff()'), 'rows:0', 'the staff list is staff''s');
select is(tests.try_as('sue', 'select id from public.support_staff() where id in (' || quote_literal(tests.user_id('sue')) || ', '
                              || quote_literal(tests.user_id('sam')) || ', ' || quote_literal(tests.user_id('bill')) || ')'),
  'rows:2', 'it lists support staff and super admins, not billing admins');

-- ---------------------------------------------------------------------------------------------
-- Who may open, reply, close, reopen
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('carol', pg_temp.create_sql('test-acme', 'x')), 'error:TN002', 'a viewer cannot open a ticket');
select is(tests.try_as('frank', pg_temp.create_sql('test-acme', 'x')), 'error:TN002', 'nor another tenant''s owner');
select is(tests.try_as('sue', pg_temp.create_sql('test-acme', 'x')), 'error:TN002', 'nor support staff (tickets come from the tenant)');
select is(tests.try_as('anon', pg_temp.create_sql('test-acme', 'x')), 'error:42501', 'nor anon');
select is(pg_temp.try_key('tickets', pg_temp.create_sql('test-acme', 'x') || ' as id'), 'rows:1', 'an API key with tickets.manage can');
select is(pg_temp.try_key('reader', pg_temp.create_sql('test-acme', 'x')), 'error:TN002', 'a key without it cannot');
select is(tests.try_as('carol', format('select public.reply_support_ticket(%L, ''x'')', pg_temp.id('acme1'))), 'error:TN400',
  'a viewer cannot reply');
select is(tests.try_as('frank', format('select public.reply_support_ticket(%L, ''x'')', pg_temp.id('acme1'))), 'error:TN400',
  'nor another tenant''s owner: no such ticket');
select is(tests.try_as('frank', format('select public.set_support_ticket_status(%L, ''closed'')', pg_temp.id('acme1'))), 'error:TN400',
  'who cannot close it either');
select is(tests.try_as('alice', format('select public.reply_support_ticket(%L, ''x'')', gen_random_uuid())), 'error:TN400',
  'an unknown ticket is the same answer');

-- ---------------------------------------------------------------------------------------------
-- Input rules
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', pg_temp.create_sql('test-acme', '  ')), 'error:TN401', 'a subject is required');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', repeat('s', 201))), 'error:TN401', 'of at most 200 characters');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', p_description => '')), 'error:TN402', 'a description is required');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', 'critical')), 'error:TN403', 'priorities are low to urgent');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', p_category => 'gossip')), 'error:TN404', 'categories are the listed ones');
select is(tests.try_as('alice', pg_temp.create_sql('test-acme', 'x', p_project => tests.project_id('test-globex', 'data'))), 'error:TN405',
  'a project of another tenant cannot be linked');
select is(tests.try_as('bob', format('select public.reply_support_ticket(%L, ''   '')', pg_temp.id('acme1'))), 'error:TN406',
  'an empty reply is refused');
select is(tests.try_as('sue', format('select public.staff_reply_support_ticket(%L, ''x'', false, ''done'')', pg_temp.id('acme1'))), 'error:TN408',
  'an unknown status is refused');
select is(tests.try_as('sue', format('select public.assign_support_ticket(%L, %L)', pg_temp.id('acme1'), tests.user_id('alice'))), 'error:TN409',
  'tickets are assigned to support staff only');
select is(tests.try_as('sue', format('select public.assign_support_ticket(%L, %L)', pg_temp.id('acme1'), tests.user_id('bill'))), 'error:TN409',
  'not to a billing admin');

-- ---------------------------------------------------------------------------------------------
-- Numbers, SLA, status, assignment, merge, events
-- ---------------------------------------------------------------------------------------------

select isnt(pg_temp.keep('bob', 'acme2', pg_temp.create_sql('test-acme', 'Login broken again')), null, 'a second acme ticket');
select is((select array_agg(number order by number) from public.support_tickets where tenant_id = tests.tenant_id('test-acme')), array[1, 2],
  'acme''s tickets are numbered 1 and 2 (the refused and rolled-back creations took no number)');
select is((select number from public.support_tickets where id = pg_temp.id('globex1')), 1, 'globex counts on its own');
select is((select first_response_due_at - created_at from public.support_tickets where id = pg_temp.id('acme1')), interval '60 minutes',
  'an urgent ticket is due a first response in an hour (support.sla)');
select is((select resolution_due_at - created_at from public.support_tickets where id = pg_temp.id('acme1')), interval '480 minutes',
  'and a resolution in eight');
select is((select row(status, first_responded_at is not null, first_response_breached)::text from public.support_tickets where id = pg_temp.id('acme1')),
  row('in_progress'::public.support_status, true, false)::text,
  'the staff reply stopped the first-response clock in time; the note before it did not count');
select is((select first_responded_at from public.support_tickets where id = pg_temp.id('acme2')), null, 'a ticket without a staff reply has no first response');

-- A late response: the clock is moved back so it falls due before the reply.
update public.support_tickets set first_response_due_at = now() - interval '1 minute' where id = pg_temp.id('acme2');
select lives_ok(format('select tests.do_as(''sue'', %L)', format('select public.staff_reply_support_ticket(%L, ''Sorry for the wait.'')', pg_temp.id('acme2'))),
  'staff answer the second ticket late');
select is((select first_response_breached from public.support_tickets where id = pg_temp.id('acme2')), true, 'its first-response breach flag is set');

select lives_ok(format('select tests.do_as(''sue'', %L)', format('select public.staff_update_support_ticket(%L, null, ''low'')', pg_temp.id('acme1'))),
  'staff lower the priority');
select is((select row(priority, (extract(epoch from resolution_due_at - created_at) / 60)::int)::text from public.support_tickets where id = pg_temp.id('acme1')),
  row('low'::public.support_priority, 10080)::text, 'and the resolution is due in a week from the opening');

select is(tests.do_as('sue', format('select public.staff_update_support_ticket(%L, ''resolved'')', pg_temp.id('acme1'))), 'ok:1', 'staff resolve it');
select is((select row(status, resolved_at is not null, resolution_breached)::text from public.support_tickets where id = pg_temp.id('acme1')),
  row('resolved'::public.support_status, true, false)::text, 'resolved in time: the clock stopped');
select is(tests.try_as('alice', format('select public.set_support_ticket_status(%L, ''resolved'')', pg_temp.id('acme2'))), 'error:TN408',
  'a tenant does not resolve; it closes or reopens');
select is(tests.try_as('alice', format('select public.set_support_ticket_status(%L, ''open'')', pg_temp.id('acme2'))), 'error:TN408',
  'nor reopens a ticket that is not resolved or closed');
select is(tests.do_as('alice', format('select public.set_support_ticket_status(%L, ''open'')', pg_temp.id('acme1'))), 'ok:1', 'the owner reopens the resolved ticket');
select is((select row(status, resolved_at)::text from public.support_tickets where id = pg_temp.id('acme1')),
  row('open'::public.support_status, null::timestamptz)::text, 'it is open and its resolution clock runs again');
select is(tests.do_as('bob', format('select public.set_support_ticket_status(%L, ''closed'')', pg_temp.id('acme1'))), 'ok:1', 'an admin closes it');
select is(tests.try_as('bob', format('select public.reply_support_ticket(%L, ''x'')', pg_temp.id('acme1'))), 'error:TN407',
  'a closed ticket takes no reply until reopened');
select is(tests.do_as('bob', format('select public.set_support_ticket_status(%L, ''open'')', pg_temp.id('acme1'))), 'ok:1', 'and reopens it');
select is((select array_agg(payload ->> 'to' order by payload ->> 'to') from public.events
           where type = 'ticket.status_changed' and subject_id = pg_temp.id('acme1')::text),
  array['closed', 'in_progress', 'open', 'open', 'resolved'],
  'every status change (in progress, resolved, open, closed, open) is one ticket.status_changed event');
select is((select payload ->> 'user_id' from public.events where type = 'ticket.status_changed' and subject_id = pg_temp.id('acme1')::text limit 1),
  tests.user_id('alice')::text, 'told to the requester');

select is(tests.do_as('sue', format('select public.assign_support_ticket(%L, %L)', pg_temp.id('acme1'), tests.user_id('sue'))), 'ok:1', 'sue takes the ticket');
select is((select assignee_id from public.support_tickets where id = pg_temp.id('acme1')), tests.user_id('sue'), 'she is its assignee');
select is((select payload ->> 'user_id' from public.events where type = 'ticket.assigned' and subject_id = pg_temp.id('acme1')::text),
  tests.user_id('sue')::text, 'ticket.assigned tells the assignee');
select isnt(pg_temp.keep('bob', 'bob_again', format('select public.reply_support_ticket(%L, ''Any news?'')', pg_temp.id('acme1'))),
  null, 'the customer replies again');
select is((select payload ->> 'user_id' from public.events where type = 'ticket.replied' and payload ->> 'message_id' = pg_temp.id('bob_again')::text),
  tests.user_id('sue')::text, 'a customer reply tells the assignee');
select is((select payload ->> 'user_id' from public.events where type = 'ticket.replied' and payload ->> 'message_id' = pg_temp.id('staff_reply')::text),
  tests.user_id('alice')::text, 'a staff reply tells the requester');
select is((select count(*)::int from public.events where type = 'ticket.created' and subject_id = pg_temp.id('acme1')::text
           and payload ->> 'number' = '1' and actor_id = tests.user_id('alice')), 1, 'ticket.created was published once, by the requester');

select is(tests.try_as('sue', format('select public.merge_support_ticket(%L, %L)', pg_temp.id('acme2'), pg_temp.id('globex1'))), 'error:TN410',
  'a ticket cannot merge into another tenant''s');
select is(tests.try_as('sue', format('select public.merge_support_ticket(%L, %L)', pg_temp.id('acme2'), pg_temp.id('acme2'))), 'error:TN410',
  'nor into itself');
select is(tests.do_as('sue', format('select public.merge_support_ticket(%L, %L)', pg_temp.id('acme2'), pg_temp.id('acme1'))), 'ok:1',
  'staff merge the duplicate into the first');
select is((select row(merged_into_id, status)::text from public.support_tickets where id = pg_temp.id('acme2')),
  row(pg_temp.id('acme1'), 'closed'::public.support_status)::text, 'the duplicate is closed and points at it');
select is(tests.try_as('bob', format('select public.set_support_ticket_status(%L, ''open'')', pg_temp.id('acme2'))), 'error:TN408',
  'a merged ticket is not reopened');
select is(tests.try_as('sue', format('select public.merge_support_ticket(%L, %L)', pg_temp.id('acme1'), pg_temp.id('acme2'))), 'error:TN410',
  'and nothing merges into a merged ticket');

select is((select count(*)::int from public.audit_logs where target_type = 'support_tickets' and target_id = pg_temp.id('acme1')::text
           and action like '%update%'), (select count(*)::int from public.audit_logs where target_type = 'support_tickets'
           and target_id = pg_temp.id('acme1')::text and action like '%update%' and new_values is not null),
  'every change of a ticket is in the audit log with its new values');
select cmp_ok((select count(*)::int from public.audit_logs where target_type = 'support_tickets' and target_id = pg_temp.id('acme1')::text), '>=', 8,
  'the ticket''s creation and its changes are audited');

-- Macros: titles are unique, in words.
select is(tests.try_as('sue', 'insert into public.support_macros (title, body) values (''test GREETING'', ''Hi'')'), 'error:TN411',
  'a macro''s title is unique, whatever the case');
select is(tests.try_as('sue', 'insert into public.support_macros (title, body) values (''Test empty'', ''  '')'), 'error:TN412',
  'and it has a text');

select * from finish();
rollback;
