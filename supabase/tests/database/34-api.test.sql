-- The REST API's idempotency records (20261201000200_api.sql): each caller — a user, or an API key
-- named by the claims' api_key_id — sees and replays only its own; a record is written only in a
-- tenant the caller belongs to; its identity columns never change; nobody but the purge job
-- deletes; and the meter's allowance function is the service role's alone.
begin;
select plan(14);
select tests.seed_fixture();

select is(tests.do_as('alice', format(
  $$insert into public.api_idempotency (key, tenant_id, request_hash) values ('k-1', %L, repeat('a', 64))$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'a member records a POST of hers');
select is((select principal from public.api_idempotency where key = 'k-1'), tests.user_id('alice')::text,
  'the record belongs to the caller (private.api_principal), whatever the insert says');
select is(tests.try_as('alice', $$select 1 from public.api_idempotency where key = 'k-1'$$), 'rows:1', 'she sees it');
select is(tests.try_as('bob', $$select 1 from public.api_idempotency$$), 'rows:0',
  'a colleague in the same tenant does not');
select is(tests.try_as('bob', $$update public.api_idempotency set status = 201, body = '{}' where key = 'k-1'$$), 'ok:0',
  'nor may he write its response');
select is(tests.try_as('frank', format(
  $$insert into public.api_idempotency (key, tenant_id, request_hash) values ('k-2', %L, repeat('b', 64))$$,
  tests.tenant_id('test-acme'))), 'error:42501', 'an outsider cannot record a request in the tenant');
select is(tests.try_as('alice', format(
  $$insert into public.api_idempotency (principal, key, tenant_id, request_hash) values (%L, 'k-3', %L, repeat('c', 64))$$,
  tests.user_id('bob'), tests.tenant_id('test-acme'))), 'error:42501', 'nor can she file one under someone else');
select is(tests.try_as('alice', $$update public.api_idempotency set status = 201, body = '{}' where key = 'k-1'$$), 'ok:1',
  'she may write its response');
select is(tests.try_as('alice', format($$update public.api_idempotency set tenant_id = %L where key = 'k-1'$$,
  tests.tenant_id('test-globex'))), 'error:42501', 'but not move it to another tenant');
select is(tests.try_as('alice', $$delete from public.api_idempotency$$), 'error:42501', 'nor delete it');

-- A key's requests are the key's: the same user's session does not see them.
select tests.authenticate_as('alice');
select set_config('request.jwt.claims',
  (current_setting('request.jwt.claims')::jsonb || '{"api_key_id": "key-1"}')::text, true);
insert into public.api_idempotency (key, tenant_id, request_hash) values ('k-1', tests.tenant_id('test-acme'), repeat('d', 64));
select is((select array_agg(principal order by principal) from public.api_idempotency), array['key-1'],
  'under an API key the caller is the key: the same Idempotency-Key is a new record, and the user''s is hidden');
select tests.clear_authentication();
select is(tests.try_as('alice', format(
  $$insert into public.api_idempotency (key, tenant_id, request_hash) values ('k-4', %L, repeat('e', 64))$$,
  tests.tenant_id('test-globex'))), 'error:42501', 'not even in a tenant she does not belong to');

select is(tests.try_as('alice', $$select * from private.api_call_allowance(array[gen_random_uuid()])$$), 'error:42501',
  'only the meter (service_role) reads every tenant''s allowance');
select is(tests.try_as('alice', $$select private.purge_api_idempotency()$$), 'error:42501',
  'only the purge job deletes records');

select * from finish();
rollback;
