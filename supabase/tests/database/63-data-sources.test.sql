-- Data sources (20261206000200_data_sources.sql): the persona matrix (data_sources.manage writes,
-- dashboards.read reads names, kinds and where a source points, another tenant, staff and anon
-- nothing); the credential, an owned secret, seen by data_sources.manage only and never by
-- dashboards.read; the configuration rules and their codes; a saved query over a source of its
-- own tenant only, deleted with it; the events and the audit trail.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor and
-- project editor of web; globex: frank owner, gina developer; erin in no tenant; sue support staff).
begin;
select plan(99);

select tests.seed_fixture();

create function pg_temp.source(p_name text) returns uuid language sql as $$
  select s.id from public.data_sources s where s.name = p_name
$$;
create function pg_temp.pg_config(p_host text default 'db.example.com') returns text language sql as $$
  select jsonb_build_object('host', p_host, 'port', 5432, 'database', 'shop', 'user', 'reader', 'ssl', 'require')::text
$$;
-- Sealed material in the envelope's form (SQL checks the form; only the app opens it).
create function pg_temp.create_secret(p_tenant text, p_source text, p_name text) returns text language sql as $$
  select format('select * from public.create_secret(%L, null, %L, ''opaque'', '''', ''data_source'', %L, %L, %L, %L, %L, %L, ''{}''::jsonb)',
                tests.tenant_id(p_tenant), p_name, pg_temp.source(p_source),
                md5('secret:' || p_name)::uuid, md5('version:' || p_name)::uuid, md5('key:' || p_name)::uuid,
                'v1.0a1b2c3d.' || md5(p_name || 'iv') || '.' || md5(p_name) || md5(p_name || '!'),
                'v1.' || md5(p_name || 'value-iv') || '.' || md5(p_name || 'value') || md5(p_name || 'value!'))
$$;

-- ---------------------------------------------------------------------------------------------
-- The fixture's sources: acme's Postgres (with its password) and HTTP JSON, globex's Postgres
-- ---------------------------------------------------------------------------------------------

select is(tests.do_as('alice', format($$insert into public.data_sources (tenant_id, name, kind, config) values (%L, 'Shop', 'postgres', %L)$$,
  tests.tenant_id('test-acme'), pg_temp.pg_config())), 'ok:1', 'alice (owner) adds a Postgres source');
select is(tests.do_as('alice', pg_temp.create_secret('test-acme', 'Shop', 'password')), 'ok:1', 'and its password as the source''s owned secret');
select is(tests.do_as('alice', format($$update public.data_sources set secret_id = %L where id = %L$$,
  md5('secret:password')::uuid, pg_temp.source('Shop'))), 'ok:1', 'which becomes the source''s credential');
select is(tests.do_as('bob', format($$insert into public.data_sources (tenant_id, name, kind, config) values (%L, 'Status', 'http_json', %L)$$,
  tests.tenant_id('test-acme'), '{"url": "https://status.example.com/api/v1/checks", "records_path": "$.data.items"}')),
  'ok:1', 'bob (admin) adds an HTTP JSON source');
select is(tests.do_as('gina', format($$insert into public.data_sources (tenant_id, name, kind, config) values (%L, 'Warehouse', 'postgres', %L)$$,
  tests.tenant_id('test-globex'), pg_temp.pg_config('wh.example.com'))), 'ok:1', 'gina (developer: data_sources.manage) adds one to globex');

-- ---------------------------------------------------------------------------------------------
-- The persona matrix (fixture tenants only)
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases
select c.tbl, c.op, replace(replace(replace(c.stmt,
  ':fixture', quote_literal(tests.fixture_tenant_ids()::text)),
  ':acme', quote_literal(tests.tenant_id('test-acme'))),
  ':config', quote_literal(pg_temp.pg_config()))
from (values
  ('data_sources', 'select', 'select id from public.data_sources where tenant_id = any (:fixture::uuid[])'),
  ('data_sources', 'insert', 'insert into public.data_sources (tenant_id, name, kind, config) values (:acme, ''Probe'', ''postgres'', :config::jsonb)'),
  ('data_sources', 'update', 'update public.data_sources set timeout_ms = 6000 where tenant_id = any (:fixture::uuid[])'),
  ('data_sources', 'delete', 'delete from public.data_sources where tenant_id = any (:fixture::uuid[])')
) as c (tbl, op, stmt);

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected values
  ('data_sources', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('data_sources', 'alice',        'rows:2', 'ok:1', 'ok:2', 'ok:2'),
  ('data_sources', 'bob',          'rows:2', 'ok:1', 'ok:2', 'ok:2'),
  ('data_sources', 'carol',        'rows:2', 'error:42501', 'ok:0', 'ok:0'),
  ('data_sources', 'dave',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('data_sources', 'erin',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('data_sources', 'frank',        'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('data_sources', 'gina',         'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('data_sources', 'sue',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('data_sources', 'service_role', 'rows:3', 'ok:1', 'ok:3', 'ok:3');

select * from tests.persona_matrix();

-- ---------------------------------------------------------------------------------------------
-- The credential: data_sources.manage sees its metadata; dashboards.read never; nobody its value
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', format('select id from public.secrets where id = %L', md5('secret:password')::uuid)), 'rows:1',
  'alice (data_sources.manage) sees the password''s metadata');
select is(tests.try_as('carol', format('select id from public.secrets where id = %L', md5('secret:password')::uuid)), 'rows:0',
  'carol (dashboards.read) does not see the password at all');
select is(tests.try_as('frank', format('select id from public.secrets where id = %L', md5('secret:password')::uuid)), 'rows:0',
  'nor does another tenant''s owner');
select is(tests.try_as('alice', format('select ciphertext from public.secret_versions where secret_id = %L', md5('secret:password')::uuid)), 'error:42501',
  'no API role reads the sealed value');
select is(tests.try_as('carol', format('select * from public.use_secret(%L)', md5('secret:password')::uuid)), 'error:TN310',
  'carol cannot use the password (TN310: she does not see it)');
select is(tests.try_as('carol', format($$select id from public.data_sources where config::text ~* 'password|secret' and tenant_id = %L$$,
  tests.tenant_id('test-acme'))), 'rows:0', 'what carol reads of a source holds no credential');
select ok((select array_agg(column_name::text order by column_name) from information_schema.columns
           where table_schema = 'public' and table_name = 'data_sources' and column_name ~ 'password|token|ciphertext') is null,
  'the table has no credential column: the credential is the owned secret');
select is(tests.try_as('carol', format('select * from public.create_secret(%L, null, ''x'', ''opaque'', '''', ''data_source'', %L, %L, %L, %L, %L, %L, ''{}''::jsonb)',
  tests.tenant_id('test-acme'), pg_temp.source('Status'), md5('secret:x')::uuid, md5('version:x')::uuid, md5('key:x')::uuid,
  'v1.0a1b2c3d.' || md5('xiv') || '.' || md5('x') || md5('x!'), 'v1.' || md5('xvalue-iv') || '.' || md5('xvalue') || md5('xvalue!'))),
  'error:TN002', 'carol cannot give a source a credential');

-- ---------------------------------------------------------------------------------------------
-- Rules and their codes
-- ---------------------------------------------------------------------------------------------

create function pg_temp.add(p_name text, p_kind text, p_config text) returns text language sql as $$
  select tests.try_as('alice', format('insert into public.data_sources (tenant_id, name, kind, config) values (%L, %L, %L, %L)',
                                      tests.tenant_id('test-acme'), p_name, p_kind, p_config))
$$;
select is(pg_temp.add('  ', 'postgres', pg_temp.pg_config()), 'error:TN543', 'a blank name is refused (TN543)');
select is(pg_temp.add('SHOP', 'postgres', pg_temp.pg_config()), 'error:TN543', 'a taken name, in any case, is refused (TN543)');
select is(tests.try_as('frank', format($$insert into public.data_sources (tenant_id, name, kind, config) values (%L, 'Shop', 'postgres', %L)$$,
  tests.tenant_id('test-globex'), pg_temp.pg_config())), 'ok:1', 'another tenant may use the same name');
select is(pg_temp.add('X', 'mysql', pg_temp.pg_config()), 'error:TN544', 'a kind that is not postgres or http_json is refused (TN544)');
select is(pg_temp.add('X', 'postgres', '{"host": "db.example.com", "port": 5432, "database": "shop", "user": "reader", "ssl": "require", "password": "hunter2"}'),
  'error:TN544', 'a password in the configuration is refused (TN544): it goes in the secret');
select is(pg_temp.add('X', 'postgres', '{"host": "db example", "port": 5432, "database": "shop", "user": "reader", "ssl": "require"}'),
  'error:TN544', 'a host with a space is refused');
select is(pg_temp.add('X', 'postgres', '{"host": "db.example.com", "port": 70000, "database": "shop", "user": "reader", "ssl": "require"}'),
  'error:TN544', 'a port above 65535 is refused');
select is(pg_temp.add('X', 'postgres', '{"host": "db.example.com", "port": "5432", "database": "shop", "user": "reader", "ssl": "require"}'),
  'error:TN544', 'a port that is not a number is refused');
select is(pg_temp.add('X', 'postgres', '{"host": "db.example.com", "port": 5432, "database": "shop; drop", "user": "reader", "ssl": "require"}'),
  'error:TN544', 'a database name with ; is refused');
select is(pg_temp.add('X', 'postgres', '{"host": "db.example.com", "port": 5432, "database": "shop", "user": "reader", "ssl": "prefer"}'),
  'error:TN544', 'TLS other than disable or require is refused');
select is(pg_temp.add('X', 'http_json', '{"url": "https://user:pw@status.example.com/"}'), 'error:TN544', 'a URL with user info is refused');
select is(pg_temp.add('X', 'http_json', '{"url": "https://status.example.com/checks?key=abc"}'), 'error:TN544', 'a URL with a query (a key in it) is refused');
select is(pg_temp.add('X', 'http_json', '{"url": "ftp://status.example.com/"}'), 'error:TN544', 'a URL that is not http(s) is refused');
select is(pg_temp.add('X', 'http_json', '{"url": "https://status.example.com/", "records_path": "data.items"}'), 'error:TN544', 'a records path not from $ is refused');
select is(pg_temp.add('X', 'http_json', '{"url": "https://status.example.com/", "auth_header": "X Key"}'), 'error:TN544', 'a header name with a space is refused');
select is(pg_temp.add('X', 'http_json', '{"url": "https://status.example.com/", "host": "db.example.com"}'), 'error:TN544', 'a key of another kind is refused');
select is(pg_temp.add('X', 'http_json', '{"url": "https://status.example.com/v1", "records_path": "$.items[0].rows", "auth_header": "Authorization"}'),
  'ok:1', 'a URL, a records path and a header name are a source');
select is(tests.try_as('alice', format('update public.data_sources set kind = ''http_json'' where id = %L', pg_temp.source('Shop'))), 'error:42501',
  'the kind is not updatable');
select is(tests.try_as('alice', format('update public.data_sources set secret_id = %L where id = %L', md5('secret:password')::uuid, pg_temp.source('Status'))),
  'error:TN545', 'another source''s secret is refused (TN545)');
select is(tests.do_as('alice', pg_temp.create_secret('test-acme', 'Status', 'token')), 'ok:1', 'the HTTP source gets a token of its own');
select is(tests.try_as('gina', format('update public.data_sources set secret_id = %L where id = %L', md5('secret:token')::uuid, pg_temp.source('Warehouse'))),
  'error:TN545', 'another tenant''s secret is refused (TN545)');
select is(tests.try_as('service_role', format('update public.data_sources set secret_id = %L where id = %L', md5('secret:token')::uuid, pg_temp.source('Warehouse'))),
  'error:TN545', 'even by the service role');
select is(tests.try_as('alice', format('update public.data_sources set row_limit = 0 where id = %L', pg_temp.source('Shop'))), 'error:23514', 'a row limit below 1 is refused');
select is(tests.try_as('alice', format('update public.data_sources set timeout_ms = 60000 where id = %L', pg_temp.source('Shop'))), 'error:23514', 'a timeout above 30 s is refused');
select is(tests.do_as('alice', format($$update public.data_sources set last_checked_at = now(), last_check_ok = true, last_check_message = 'Connected.' where id = %L$$,
  pg_temp.source('Shop'))), 'ok:1', 'a test''s result is recorded by a manager');

-- ---------------------------------------------------------------------------------------------
-- Saved queries over a source
-- ---------------------------------------------------------------------------------------------

select is(tests.do_as('alice', format($$insert into public.saved_queries (tenant_id, name, sql, data_source_id) values (%L, 'Orders', 'select 1 as one', %L)$$,
  tests.tenant_id('test-acme'), pg_temp.source('Shop'))), 'ok:1', 'alice saves a query over the Postgres source');
select is(tests.do_as('alice', format($$insert into public.dashboards (tenant_id, name) values (%L, 'Sales')$$, tests.tenant_id('test-acme'))),
  'ok:1', 'alice makes a dashboard');
select is(tests.do_as('alice', format($$insert into public.dashboard_widgets (tenant_id, dashboard_id, kind, title, source, saved_query_id)
  select %L, d.id, 'table', 'Orders', 'query', q.id from public.dashboards d, public.saved_queries q
  where d.tenant_id = %L and d.name = 'Sales' and q.name = 'Orders'$$, tests.tenant_id('test-acme'), tests.tenant_id('test-acme'))),
  'ok:1', 'and a widget shows the query');
select is(tests.try_as('frank', format($$insert into public.saved_queries (tenant_id, name, sql, data_source_id) values (%L, 'Steal', 'select 1 as one', %L)$$,
  tests.tenant_id('test-globex'), pg_temp.source('Shop'))), 'error:23503', 'a query of globex cannot read acme''s source (the key includes the tenant)');
select is(tests.try_as('alice', format('update public.saved_queries set data_source_id = null where name = ''Orders''')), 'error:42501',
  'a query''s source is not changed after it is written');
select is(tests.try_as('carol', format('select id from public.saved_queries where data_source_id = %L', pg_temp.source('Shop'))), 'rows:1',
  'carol (dashboards.read) sees the query over the source (to run it)');
select is((select count(*)::int from public.saved_queries where data_source_id is null and tenant_id = any (tests.fixture_tenant_ids())),
  (select count(*)::int from public.saved_queries where name <> 'Orders' and tenant_id = any (tests.fixture_tenant_ids())),
  'every other query of the fixture is over the built-in source (null)');

-- ---------------------------------------------------------------------------------------------
-- Deleting: the credential, the queries and their widgets go with the source
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('carol', format('delete from public.data_sources where id = %L', pg_temp.source('Shop'))), 'ok:0', 'carol cannot delete a source');
select is(tests.do_as('alice', format('delete from public.data_sources where id = %L', pg_temp.source('Shop'))), 'ok:1', 'alice deletes the Postgres source');
select is((select count(*)::int from public.secrets where id = md5('secret:password')::uuid), 0, 'its password is gone');
select is((select count(*)::int from public.secret_versions where secret_id = md5('secret:password')::uuid), 0, 'with its versions');
select is((select count(*)::int from public.saved_queries where name = 'Orders' and tenant_id = tests.tenant_id('test-acme')), 0, 'its saved query is gone');
select is((select count(*)::int from public.dashboard_widgets where title = 'Orders' and tenant_id = tests.tenant_id('test-acme')), 0, 'and the widget over it');
select is((select count(*)::int from public.secrets where id = md5('secret:token')::uuid), 1, 'another source''s secret stays');

-- ---------------------------------------------------------------------------------------------
-- Events and audit
-- ---------------------------------------------------------------------------------------------

select is((select count(*)::int from public.event_types where type in ('data_source.created', 'data_source.deleted') and module = 'bi'), 2,
  'the catalogue has data_source.created and data_source.deleted');
select is((select payload from public.events where type = 'data_source.created' and subject_id = (select id::text from public.data_sources where name = 'Status')),
  '{"name": "Status", "kind": "http_json"}'::jsonb, 'data_source.created names the source and its kind, nothing of its configuration');
select is((select count(*)::int from public.events e where e.type = 'data_source.created' and e.tenant_id = tests.tenant_id('test-acme')), 2,
  'each of acme''s two sources was published as created');
select is((select payload from public.events where type = 'data_source.deleted' and tenant_id = tests.tenant_id('test-acme')),
  '{"name": "Shop", "kind": "postgres"}'::jsonb, 'data_source.deleted names the deleted source');
select is((select actor_id from public.events where type = 'data_source.deleted' and tenant_id = tests.tenant_id('test-acme')),
  tests.user_id('alice'), 'and who deleted it');
select ok(exists (select 1 from public.audit_logs a where a.tenant_id = tests.tenant_id('test-acme') and a.target_type = 'data_sources'
                  and a.action = 'data_sources.delete'), 'the deletion is in the audit log');
select ok(exists (select 1 from public.audit_logs a where a.tenant_id = tests.tenant_id('test-acme') and a.target_type = 'data_sources'
                  and a.action = 'data_sources.update' and a.new_values ->> 'last_check_message' = 'Connected.'), 'and the recorded test');

select * from finish();
rollback;
