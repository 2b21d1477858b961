-- Storage (20261203000400_storage.sql): who reads, adds and deletes files and their storage
-- objects — the owner module decides through private.may_read_<type> / may_write_<type>, plugged in
-- here by a test owner type as an owner module's migration would; a member of another tenant gets
-- nothing even with a guessed path; anon nothing; support staff only where the owner allows it
-- (the test type does, payment proofs do not). Then the input rules and their codes, the storage
-- meter and its quota, the events, and the removal of an owner's files (no orphan objects).
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor; globex:
-- frank owner; erin stranger; staff sam super_admin, sue support, bill billing_admin). The test
-- owner type `test_note` (bucket task-attachments): read with projects.read or by support staff,
-- written with projects.update.
begin;
select plan(133);

select tests.seed_fixture();

insert into public.attachment_owners (owner_type, bucket, module, description)
values ('test_note', 'task-attachments', 'tests', 'A note the storage tests attach files to.');
create function private.may_read_test_note(p_tenant_id uuid, p_owner_id uuid) returns boolean
language sql stable set search_path = '' as $$
  select private.holds_permission('projects.read', p_tenant_id) or private.is_platform_staff('support')
$$;
create function private.may_write_test_note(p_tenant_id uuid, p_owner_id uuid) returns boolean
language sql stable set search_path = '' as $$
  select private.holds_permission('projects.update', p_tenant_id)
$$;

-- Paths: pa (acme's note, attached), pfree (acme's note, an object without attachment), pg (globex's
-- note, attached), pp (acme's payment proof, attached).
create temp table paths (name text primary key, path text not null);
grant select on paths to public;
insert into paths values
  ('pa', tests.tenant_id('test-acme') || '/test_note/0a000000-0000-4000-8000-0000000000a1/1a000000-0000-4000-8000-000000000001/a.pdf'),
  ('pfree', tests.tenant_id('test-acme') || '/test_note/0a000000-0000-4000-8000-0000000000a1/1a000000-0000-4000-8000-000000000002/free.pdf'),
  ('pnew', tests.tenant_id('test-acme') || '/test_note/0a000000-0000-4000-8000-0000000000a1/1a000000-0000-4000-8000-000000000003/new.pdf'),
  ('pg', tests.tenant_id('test-globex') || '/test_note/0a000000-0000-4000-8000-0000000000b1/1b000000-0000-4000-8000-000000000001/g.pdf'),
  ('pp', tests.tenant_id('test-acme') || '/billing/' || tests.tenant_id('test-acme') || '/1c000000-0000-4000-8000-000000000001/proof.pdf');
create function pg_temp.p(p_name text) returns text language sql as $$ select path from paths where name = p_name $$;

-- An object and its attachment, as whoever is signed in (the way storeUpload writes them).
create function pg_temp.attach(p_path text, p_bucket text default 'task-attachments', p_size bigint default 100,
  p_type text default 'application/pdf', p_with_object boolean default true)
returns uuid language plpgsql as $$
declare
  v_parts text[] := string_to_array(p_path, '/');
  v_id uuid;
begin
  if p_with_object then
    insert into storage.objects (bucket_id, name, owner, metadata)
    values (p_bucket, p_path, auth.uid(), jsonb_build_object('mimetype', p_type, 'size', p_size));
  end if;
  insert into public.attachments (tenant_id, bucket, object_path, owner_type, owner_id, file_name, content_type, byte_size)
  values (v_parts[1]::uuid, p_bucket, p_path, v_parts[2], v_parts[3]::uuid, v_parts[5], p_type, p_size)
  returning id into v_id;
  return v_id;
end $$;

select tests.authenticate_as('alice');
select pg_temp.attach(pg_temp.p('pa'));
select pg_temp.attach(pg_temp.p('pp'), 'payment-proofs', 2048);
insert into storage.objects (bucket_id, name, owner, metadata)
values ('task-attachments', pg_temp.p('pfree'), auth.uid(), '{"mimetype": "application/pdf", "size": 100}');
select tests.clear_authentication();
select tests.authenticate_as('frank');
select pg_temp.attach(pg_temp.p('pg'));
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- The persona matrix: acme's attachment and its object
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases values
  ('attachments', 'select', format('select 1 from public.attachments where object_path = %L', pg_temp.p('pa'))),
  ('attachments', 'insert', format('insert into public.attachments (tenant_id, bucket, object_path, owner_type, owner_id, '
     'file_name, content_type, byte_size) values (%L, ''task-attachments'', %L, ''test_note'', '
     '''0a000000-0000-4000-8000-0000000000a1'', ''free.pdf'', ''application/pdf'', 100)',
     tests.tenant_id('test-acme'), pg_temp.p('pfree'))),
  ('attachments', 'update', format('update public.attachments set file_name = ''x.pdf'' where object_path = %L', pg_temp.p('pa'))),
  ('attachments', 'delete', format('delete from public.attachments where object_path = %L', pg_temp.p('pa'))),
  ('objects', 'select', format('select 1 from storage.objects where name = %L', pg_temp.p('pa'))),
  ('objects', 'insert', format('insert into storage.objects (bucket_id, name) values (''task-attachments'', %L)', pg_temp.p('pnew'))),
  ('objects', 'update', format('update storage.objects set metadata = ''{}'' where name = %L', pg_temp.p('pa'))),
  ('objects', 'delete', format('delete from storage.objects where name = %L', pg_temp.p('pfree')));

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text,
                                   delete_result text);
insert into matrix_expected values
  ('attachments', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('attachments', 'erin',         'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('attachments', 'carol',        'rows:1', 'error:42501', 'error:42501', 'ok:0'),
  ('attachments', 'dave',         'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('attachments', 'bob',          'rows:1', 'ok:1', 'error:42501', 'ok:1'),
  ('attachments', 'alice',        'rows:1', 'ok:1', 'error:42501', 'ok:1'),
  ('attachments', 'frank',        'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('attachments', 'sue',          'rows:1', 'error:42501', 'error:42501', 'ok:0'),
  ('attachments', 'sam',          'rows:1', 'error:42501', 'error:42501', 'ok:0'),
  ('attachments', 'bill',         'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('attachments', 'service_role', 'rows:1', 'ok:1', 'error:42501', 'ok:1'),
  -- storage.objects: Supabase's grants (RLS decides); no update policy; an object an attachment
  -- names is deleted only with its attachment (pfree has none).
  ('objects', 'anon',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('objects', 'erin',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('objects', 'carol',        'rows:1', 'error:42501', 'ok:0', 'ok:0'),
  ('objects', 'dave',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('objects', 'bob',          'rows:1', 'ok:1', 'ok:0', 'ok:1'),
  ('objects', 'alice',        'rows:1', 'ok:1', 'ok:0', 'ok:1'),
  ('objects', 'frank',        'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('objects', 'sue',          'rows:1', 'error:42501', 'ok:0', 'ok:0'),
  ('objects', 'sam',          'rows:1', 'error:42501', 'ok:0', 'ok:0'),
  ('objects', 'bill',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('objects', 'service_role', 'rows:1', 'ok:1', 'ok:1', 'ok:1');

select * from tests.persona_matrix();

select is(tests.try_as('alice', format('delete from storage.objects where name = %L', pg_temp.p('pa'))), 'ok:0',
  'an object an attachment names is not deleted on its own, even by who may delete the attachment');

-- ---------------------------------------------------------------------------------------------
-- Guessed paths and other tenants
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('frank', 'select 1 from storage.objects where name like ' || quote_literal(tests.tenant_id('test-acme') || '/%')),
  'rows:0', 'frank lists none of acme''s objects by prefix');
select is(tests.try_as('frank', 'select 1 from public.attachments where tenant_id = ' || quote_literal(tests.tenant_id('test-acme'))),
  'rows:0', 'frank reads none of acme''s attachments');
select is(tests.try_as('frank', format('insert into storage.objects (bucket_id, name) values (''payment-proofs'', %L)',
    tests.tenant_id('test-acme') || '/billing/' || tests.tenant_id('test-acme') || '/1c000000-0000-4000-8000-000000000009/x.pdf')),
  'error:42501', 'frank cannot write into acme''s payment proofs by guessing the path');
select is(tests.try_as('frank', format('insert into storage.objects (bucket_id, name) values (''task-attachments'', %L)',
    tests.tenant_id('test-globex') || '/test_note/0a000000-0000-4000-8000-0000000000b1/../../' || tests.tenant_id('test-acme') || '/x.pdf')),
  'error:42501', 'a path with .. segments is nobody''s');
select is(tests.try_as('frank', format('insert into storage.objects (bucket_id, name) values (''payment-proofs'', %L)',
    tests.tenant_id('test-globex') || '/test_note/0a000000-0000-4000-8000-0000000000b1/1b000000-0000-4000-8000-000000000002/x.pdf')),
  'error:42501', 'an owner type''s files go to its own bucket only');
select is(tests.try_as('frank', format('insert into storage.objects (bucket_id, name) values (''task-attachments'', %L)',
    tests.tenant_id('test-globex') || '/test_note/0a000000-0000-4000-8000-0000000000b1/1b000000-0000-4000-8000-000000000002/x.pdf')),
  'ok:1', 'frank writes into his own tenant''s path');
select is(tests.try_as('frank', format('insert into storage.objects (bucket_id, name) values (''task-attachments'', %L)',
    tests.tenant_id('test-globex') || '/no_such_type/0a000000-0000-4000-8000-0000000000b1/1b000000-0000-4000-8000-000000000002/x.pdf')),
  'error:42501', 'an owner type nobody registered is nobody''s');
select is(tests.try_as('frank', format('select pg_temp.attach(%L, p_with_object => false)',
    tests.tenant_id('test-globex') || '/test_note/0a000000-0000-4000-8000-0000000000b1/1a000000-0000-4000-8000-000000000001/a.pdf')),
  'error:TN385', 'an attachment names an object that exists');
select is(tests.try_as('frank', format(
    'insert into public.attachments (tenant_id, bucket, object_path, owner_type, owner_id, file_name, content_type, byte_size) '
    'values (%L, ''task-attachments'', %L, ''test_note'', ''0a000000-0000-4000-8000-0000000000b1'', ''a.pdf'', ''application/pdf'', 100)',
    tests.tenant_id('test-globex'), pg_temp.p('pa'))),
  'error:TN381', 'frank cannot attach acme''s object to his own tenant''s note');
select is(tests.try_as('frank', format(
    'insert into public.attachments (tenant_id, bucket, object_path, owner_type, owner_id, file_name, content_type, byte_size) '
    'values (%L, ''task-attachments'', %L, ''test_note'', ''0a000000-0000-4000-8000-0000000000a1'', ''free.pdf'', ''application/pdf'', 100)',
    tests.tenant_id('test-acme'), pg_temp.p('pfree'))),
  'error:42501', 'frank cannot attach acme''s loose object to acme''s note');

-- Payment proofs: billing.read / billing.manage holders and billing staff; not support staff.
select is(tests.try_as('alice', format('select 1 from public.attachments where object_path = %L', pg_temp.p('pp'))), 'rows:1',
  'the owner reads the payment proof');
select is(tests.try_as('bob', format('select 1 from public.attachments where object_path = %L', pg_temp.p('pp'))), 'rows:1',
  'an admin (billing.read) reads the payment proof');
select is(tests.try_as('carol', format('select 1 from public.attachments where object_path = %L', pg_temp.p('pp'))), 'rows:0',
  'a viewer does not read the payment proof');
select is(tests.try_as('bill', format('select 1 from storage.objects where name = %L', pg_temp.p('pp'))), 'rows:1',
  'billing staff read the proof''s object');
select is(tests.try_as('sue', format('select 1 from storage.objects where name = %L', pg_temp.p('pp'))), 'rows:0',
  'support staff do not read payment proofs');
select is(tests.try_as('frank', format('select 1 from storage.objects where name = %L', pg_temp.p('pp'))), 'rows:0',
  'another tenant''s owner does not read the proof''s object');
select is(tests.try_as('bob', format('select pg_temp.attach(%L, ''payment-proofs'')',
    tests.tenant_id('test-acme') || '/billing/' || tests.tenant_id('test-acme') || '/1c000000-0000-4000-8000-000000000002/p.pdf')),
  'error:42501', 'an admin without billing.manage cannot upload a payment proof');
select is(tests.try_as('alice', format('select pg_temp.attach(%L, ''payment-proofs'')',
    tests.tenant_id('test-acme') || '/billing/' || tests.tenant_id('test-globex') || '/1c000000-0000-4000-8000-000000000002/p.pdf')),
  'error:42501', 'a payment proof''s owner is the tenant itself');

-- MFA: a tenant requiring it hides its files from a member who has not passed it.
update public.tenants set require_mfa = true where slug = 'test-acme';
select is(tests.try_as('carol', format('select 1 from public.attachments where object_path = %L', pg_temp.p('pa'))), 'rows:0',
  'a member without MFA reads none of a tenant''s files that requires it');
select is(tests.try_as('carol', format('select 1 from storage.objects where name = %L', pg_temp.p('pa'))), 'rows:0',
  'nor their objects');
select is(tests.try_as('carol', format('select 1 from public.attachments where object_path = %L', pg_temp.p('pa')), 'aal2'), 'rows:1',
  'after MFA they do');
update public.tenants set require_mfa = false where slug = 'test-acme';

-- ---------------------------------------------------------------------------------------------
-- Input rules
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', format('select pg_temp.attach(%L)',
    tests.tenant_id('test-acme') || '/test_note/0a000000-0000-4000-8000-0000000000a1/1a000000-0000-4000-8000-000000000004/six.pdf')),
  'rows:1', 'alice attaches a file to acme''s note');
select is(tests.try_as('alice', format(
    'insert into public.attachments (tenant_id, bucket, object_path, owner_type, owner_id, file_name, content_type, byte_size) '
    'values (%L, ''task-attachments'', %L, ''test_note'', ''0a000000-0000-4000-8000-0000000000a2'', ''free.pdf'', ''application/pdf'', 100)',
    tests.tenant_id('test-acme'), pg_temp.p('pfree'))),
  'error:TN381', 'an attachment''s owner is the one its path names');
select is(tests.try_as('alice', format('select pg_temp.attach(%L, ''payment-proofs'', 6000000)',
    tests.tenant_id('test-acme') || '/billing/' || tests.tenant_id('test-acme') || '/1c000000-0000-4000-8000-000000000003/big.pdf')),
  'error:TN382', 'a file past its bucket''s size limit is refused (TN382)');
select is(tests.try_as('alice', format('select pg_temp.attach(%L, ''payment-proofs'', 100, ''text/plain'')',
    tests.tenant_id('test-acme') || '/billing/' || tests.tenant_id('test-acme') || '/1c000000-0000-4000-8000-000000000004/notes.txt')),
  'error:TN383', 'a type its bucket does not take is refused (TN383)');
select is(tests.try_as('alice', format(
    'insert into public.attachments (tenant_id, bucket, object_path, owner_type, owner_id, file_name, content_type, byte_size) '
    'values (%L, ''task-attachments'', %L, ''test_note'', ''0a000000-0000-4000-8000-0000000000a1'', ''free.pdf'', ''application/pdf'', 99)',
    tests.tenant_id('test-acme'), pg_temp.p('pfree'))),
  'error:TN385', 'the attachment''s size is its object''s');
select is(tests.try_as('alice', format(
    'insert into public.attachments (tenant_id, bucket, object_path, owner_type, owner_id, file_name, content_type, byte_size) '
    'values (%L, ''task-attachments'', %L, ''test_note'', ''0a000000-0000-4000-8000-0000000000a1'', ''../free.pdf'', ''application/pdf'', 100)',
    tests.tenant_id('test-acme'), pg_temp.p('pfree'))),
  'error:23514', 'a file name carries no path separator');
select is(tests.try_as('alice', format('update public.attachments set created_by = null where object_path = %L', pg_temp.p('pa'))),
  'error:42501', 'nobody changes an attachment');

-- ---------------------------------------------------------------------------------------------
-- The storage meter, its quota, the events
-- ---------------------------------------------------------------------------------------------

select is((select quantity from public.usage_counters where tenant_id = tests.tenant_id('test-acme') and metric = 'storage_bytes'),
  2148::bigint, 'acme''s storage_bytes counts its attachments'' bytes (100 + 2048)');
select is((select count(*)::int from public.events e join public.attachments a on a.id::text = e.subject_id
           where e.type = 'attachment.added' and a.object_path = pg_temp.p('pa')
             and e.payload ->> 'owner_type' = 'test_note' and (e.payload ->> 'byte_size')::int = 100
             and e.actor_id = tests.user_id('alice')),
  1, 'attachment.added is published once, with the owner, the size and the actor');

select tests.subscribe('test-globex', 'free');
insert into public.usage_events (tenant_id, metric, quantity, idempotency_key)
select tests.tenant_id('test-globex'), 'storage_bytes', l.hard_limit - 150, 'fill'
from public.plan_limits l join public.plans p on p.id = l.plan_id where p.code = 'free' and l.metric = 'storage_bytes';
select is(tests.try_as('frank', format('select pg_temp.attach(%L)',
    tests.tenant_id('test-globex') || '/test_note/0a000000-0000-4000-8000-0000000000b1/1b000000-0000-4000-8000-000000000003/x.pdf')),
  'error:TN384', 'a file past the plan''s storage limit is refused (TN384)');
select is(tests.try_as('frank', format('select pg_temp.attach(%L, p_size => 40)',
    tests.tenant_id('test-globex') || '/test_note/0a000000-0000-4000-8000-0000000000b1/1b000000-0000-4000-8000-000000000003/x.pdf')),
  'rows:1', 'one that fits is taken');

select tests.authenticate_as('alice');
delete from public.attachments where object_path = pg_temp.p('pp');
select tests.clear_authentication();
select is((select quantity from public.usage_counters where tenant_id = tests.tenant_id('test-acme') and metric = 'storage_bytes'),
  100::bigint, 'a deleted attachment''s bytes are taken off the meter');
select is((select count(*)::int from public.events e where e.type = 'attachment.deleted'
           and e.tenant_id = tests.tenant_id('test-acme') and e.payload ->> 'owner_type' = 'billing'),
  1, 'attachment.deleted is published');
select is((select count(*)::int from private.storage_removals where name = pg_temp.p('pp')), 1,
  'its object is queued for removal');

-- ---------------------------------------------------------------------------------------------
-- Owners' cleanup and the sweep: no orphans
-- ---------------------------------------------------------------------------------------------

select is(private.delete_owner_attachments('test_note', tests.tenant_id('test-acme'), '0a000000-0000-4000-8000-0000000000a1'), 1,
  'delete_owner_attachments deletes the owner''s attachments');
select is((select count(*)::int from public.attachments where tenant_id = tests.tenant_id('test-acme')), 0,
  'acme has no attachment left');

select tests.authenticate_as_service_role('storage.sweep');
create temp table claimed as select * from private.claim_storage_removals(100, interval '0');
select tests.clear_authentication();
select is((select count(*)::int from claimed where name in (pg_temp.p('pa'), pg_temp.p('pp'), pg_temp.p('pfree'))), 3,
  'the sweep claims the deleted attachments'' objects and the object nothing names');
select is((select count(*)::int from claimed where name = pg_temp.p('pg')), 0, 'but not an object an attachment still names');
select is(tests.try_as('service_role', 'select private.claim_storage_removals(100, interval ''0'')'), 'rows:0',
  'claimed removals are leased');
select tests.authenticate_as_service_role('storage.sweep');
select private.finish_storage_removal(id) from claimed;
select tests.clear_authentication();
select is((select count(*)::int from storage.objects o
           where o.name like tests.tenant_id('test-acme') || '/%'
             and not exists (select 1 from public.attachments a where a.bucket = o.bucket_id and a.object_path = o.name)),
  0, 'no object of acme is left that no attachment names');
select is((select count(*)::int from private.storage_removals r join claimed c on c.id = r.id), 0, 'the queue is empty');

-- The functions the sweep uses are the service role's only.
select ok(not has_function_privilege('authenticated', 'private.claim_storage_removals(integer, interval)', 'execute'),
  'authenticated cannot claim removals');
select ok(not has_function_privilege('authenticated', 'private.delete_owner_attachments(text, uuid, uuid)', 'execute'),
  'authenticated cannot call delete_owner_attachments');

select * from finish();
rollback;
