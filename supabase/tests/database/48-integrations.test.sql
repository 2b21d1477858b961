-- Integrations (20261203000200_integrations.sql): who reads and writes each table (the persona
-- matrix), who may call each RPC, the input rules and their codes, the status and its events, an
-- inbound event recorded once and queued, processed into integration.event_received once, replayed,
-- refused once disconnected; the integration's secrets unreadable and gone with it; another
-- tenant's events invisible; composite keys across tenants.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer; globex: frank owner,
-- gina developer) and devon, a developer of acme (integrations.read and .manage), added here.
begin;
select plan(299);

select tests.seed_fixture();
select tests.create_user('devon');
insert into public.memberships (tenant_id, user_id) values (tests.tenant_id('test-acme'), tests.user_id('devon'));
insert into public.role_assignments (tenant_id, user_id, role_id)
values (tests.tenant_id('test-acme'), tests.user_id('devon'), tests.role_id('developer'));

-- The fixture's integrations, secrets (metadata rows: values are the secrets module's), events and caches.
create temp table ids (name text primary key, id uuid not null);
grant select, insert on ids to public;
create function pg_temp.id(p_name text) returns uuid language sql as $$ select id from ids where name = p_name $$;

insert into ids values ('acme-slack', gen_random_uuid()), ('acme-github', gen_random_uuid()), ('globex-hook', gen_random_uuid());
insert into public.integrations (id, tenant_id, type, name, config, status) values
  (pg_temp.id('acme-slack'), tests.tenant_id('test-acme'), 'slack', 'Acme Slack', '{"default_channel": "C0001"}', 'connected'),
  (pg_temp.id('acme-github'), tests.tenant_id('test-acme'), 'github', 'Acme GitHub', '{}', 'connected'),
  (pg_temp.id('globex-hook'), tests.tenant_id('test-globex'), 'generic_webhook', 'Globex hook', '{}', 'connected');
create function pg_temp.secret(p_integration text, p_name text) returns uuid language plpgsql as $$
declare
  v_id uuid := gen_random_uuid();
begin
  insert into public.secrets (id, tenant_id, name, format, owner_type, owner_id)
  select v_id, i.tenant_id, p_name, 'opaque', 'integration', i.id from public.integrations i where i.id = pg_temp.id(p_integration);
  insert into ids values (p_integration || ':' || p_name, v_id);
  return v_id;
end $$;
insert into public.integration_secrets (tenant_id, integration_id, name, secret_id)
select i.tenant_id, i.id, s.name, pg_temp.secret(s.integration, s.name)
from (values ('acme-slack', 'bot_token'), ('acme-slack', 'signing_secret'), ('acme-github', 'token'),
             ('globex-hook', 'signing_secret')) s (integration, name)
join public.integrations i on i.id = pg_temp.id(s.integration);
insert into public.integration_events (tenant_id, integration_id, delivery_id, provider_event, body) values
  (tests.tenant_id('test-acme'), pg_temp.id('acme-slack'), 'Ev0001', 'message', '{}'),
  (tests.tenant_id('test-globex'), pg_temp.id('globex-hook'), 'msg_0001', 'order.paid', '{}');
insert into public.github_repos (tenant_id, integration_id, repo_id, full_name)
values (tests.tenant_id('test-acme'), pg_temp.id('acme-github'), 1, 'acme/api');
insert into public.slack_workspaces (tenant_id, integration_id, team_id, team_name)
values (tests.tenant_id('test-acme'), pg_temp.id('acme-slack'), 'T0001', 'Acme');
insert into public.slack_channels (tenant_id, integration_id, channel_id, name)
values (tests.tenant_id('test-acme'), pg_temp.id('acme-slack'), 'C0001', 'general');

-- ---------------------------------------------------------------------------------------------
-- The persona matrix
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases values
  ('integration_types', 'select', 'select type from public.integration_types'),
  ('integration_types', 'insert', 'insert into public.integration_types (type, name, description) values (''probe'', ''P'', ''P'')'),
  ('integration_types', 'update', 'update public.integration_types set name = ''x'''),
  ('integration_types', 'delete', 'delete from public.integration_types'),
  ('integrations', 'select', 'select id from public.integrations where ' || tests.fixture_rows('tenant_id')),
  ('integrations', 'insert', format('insert into public.integrations (tenant_id, type, name) values (%L, ''odoo'', ''probe'')', tests.tenant_id('test-acme'))),
  ('integrations', 'update', 'update public.integrations set status = ''connected'' where ' || tests.fixture_rows('tenant_id')),
  ('integrations', 'delete', 'delete from public.integrations where ' || tests.fixture_rows('tenant_id')),
  ('integration_secrets', 'select', 'select secret_id from public.integration_secrets where ' || tests.fixture_rows('tenant_id')),
  ('integration_secrets', 'insert', format('insert into public.integration_secrets (tenant_id, integration_id, name, secret_id) values (%L, %L, ''token'', %L)',
                                           tests.tenant_id('test-acme'), pg_temp.id('acme-slack'), pg_temp.id('acme-github:token'))),
  ('integration_secrets', 'update', 'update public.integration_secrets set secret_id = secret_id where ' || tests.fixture_rows('tenant_id')),
  ('integration_secrets', 'delete', 'delete from public.integration_secrets where ' || tests.fixture_rows('tenant_id')),
  ('integration_events', 'select', 'select id from public.integration_events where ' || tests.fixture_rows('tenant_id')),
  ('integration_events', 'insert', format('insert into public.integration_events (tenant_id, integration_id, delivery_id, provider_event, body) values (%L, %L, ''probe'', ''x'', ''{}'')',
                                          tests.tenant_id('test-acme'), pg_temp.id('acme-slack'))),
  ('integration_events', 'update', 'update public.integration_events set status = ''processed'' where ' || tests.fixture_rows('tenant_id')),
  ('integration_events', 'delete', 'delete from public.integration_events where ' || tests.fixture_rows('tenant_id')),
  ('github_repos', 'select', 'select repo_id from public.github_repos where ' || tests.fixture_rows('tenant_id')),
  ('github_repos', 'insert', format('insert into public.github_repos (tenant_id, integration_id, repo_id, full_name) values (%L, %L, 2, ''acme/web'')',
                                    tests.tenant_id('test-acme'), pg_temp.id('acme-github'))),
  ('github_repos', 'update', 'update public.github_repos set archived = true where ' || tests.fixture_rows('tenant_id')),
  ('github_repos', 'delete', 'delete from public.github_repos where ' || tests.fixture_rows('tenant_id')),
  ('slack_workspaces', 'select', 'select team_id from public.slack_workspaces where ' || tests.fixture_rows('tenant_id')),
  ('slack_workspaces', 'insert', format('insert into public.slack_workspaces (tenant_id, integration_id, team_id, team_name) values (%L, %L, ''T2'', ''Other'')',
                                        tests.tenant_id('test-acme'), pg_temp.id('acme-github'))),
  ('slack_workspaces', 'update', 'update public.slack_workspaces set team_name = ''x'' where ' || tests.fixture_rows('tenant_id')),
  ('slack_workspaces', 'delete', 'delete from public.slack_workspaces where ' || tests.fixture_rows('tenant_id')),
  ('slack_channels', 'select', 'select channel_id from public.slack_channels where ' || tests.fixture_rows('tenant_id')),
  ('slack_channels', 'insert', format('insert into public.slack_channels (tenant_id, integration_id, channel_id, name) values (%L, %L, ''C2'', ''random'')',
                                      tests.tenant_id('test-acme'), pg_temp.id('acme-slack'))),
  ('slack_channels', 'update', 'update public.slack_channels set name = ''x'' where ' || tests.fixture_rows('tenant_id')),
  ('slack_channels', 'delete', 'delete from public.slack_channels where ' || tests.fixture_rows('tenant_id'));

-- Reads: integrations.read in the tenant (alice owner, bob admin, devon developer of acme; frank
-- owner of globex; not carol the viewer). No API role writes but service_role the caches.
create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected
select t.tbl, p.persona,
       case when p.persona = 'anon' then 'error:42501' else 'rows:' || (t.rows ->> p.persona) end,
       case when t.cache and p.persona = 'service_role' then 'ok:1' else 'error:42501' end,
       case when t.cache and p.persona = 'service_role' then 'ok:1' else 'error:42501' end,
       case when t.cache and p.persona = 'service_role' then 'ok:1' else 'error:42501' end
from (values
  ('integration_types', false, '{"alice": 5, "bob": 5, "carol": 5, "devon": 5, "frank": 5, "service_role": 5}'::jsonb),
  ('integrations', false, '{"alice": 2, "bob": 2, "carol": 0, "devon": 2, "frank": 1, "service_role": 3}'),
  ('integration_secrets', false, '{"alice": 3, "bob": 3, "carol": 0, "devon": 3, "frank": 1, "service_role": 4}'),
  ('integration_events', false, '{"alice": 1, "bob": 1, "carol": 0, "devon": 1, "frank": 1, "service_role": 2}'),
  ('github_repos', true, '{"alice": 1, "bob": 1, "carol": 0, "devon": 1, "frank": 0, "service_role": 1}'),
  ('slack_workspaces', true, '{"alice": 1, "bob": 1, "carol": 0, "devon": 1, "frank": 0, "service_role": 1}'),
  ('slack_channels', true, '{"alice": 1, "bob": 1, "carol": 0, "devon": 1, "frank": 0, "service_role": 1}')
) t (tbl, cache, rows)
cross join (values ('anon'), ('alice'), ('bob'), ('carol'), ('devon'), ('frank'), ('service_role')) p (persona);

select * from tests.persona_matrix();

-- ---------------------------------------------------------------------------------------------
-- Secrets: only ids here; the values stay out of reach
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('carol', format('select id from public.secrets where owner_id = %L', pg_temp.id('acme-slack'))), 'rows:0',
          'a viewer sees none of an integration''s secrets');
select is(tests.try_as('frank', format('select id from public.secrets where owner_id = %L', pg_temp.id('acme-slack'))), 'rows:0',
          'another tenant''s owner sees none of them');
select is(tests.try_as('alice', 'select ciphertext from public.secret_versions'), 'error:42501',
          'no API role reads a secret''s ciphertext');
select is(tests.try_as('frank', format('select id from public.integration_events where integration_id = %L', pg_temp.id('acme-slack'))),
          'rows:0', 'another tenant''s inbound events are invisible');

-- ---------------------------------------------------------------------------------------------
-- create / update
-- ---------------------------------------------------------------------------------------------

create function pg_temp.create_sql(p_tenant text, p_type text, p_name text, p_config text default '{}',
  p_project text default 'null', p_env text default 'null')
returns text language sql as $$
  select format('select public.create_integration(%L, %L, %L, %L::jsonb, %s, %s)', tests.tenant_id(p_tenant), p_type, p_name, p_config,
                p_project, p_env)
$$;

select is(tests.try_as('carol', pg_temp.create_sql('test-acme', 'slack', 'X')), 'error:TN002', 'a viewer may not connect an integration');
select is(tests.try_as('frank', pg_temp.create_sql('test-acme', 'slack', 'X')), 'error:TN002', 'nor another tenant''s owner');
select is(tests.try_as('anon', pg_temp.create_sql('test-acme', 'slack', 'X')), 'error:42501', 'nor anon');
select is(tests.try_as('devon', pg_temp.create_sql('test-acme', 'nope', 'X')), 'error:TN331', 'an unknown type is TN331');
select is(tests.try_as('devon', pg_temp.create_sql('test-acme', 'slack', ' ')), 'error:TN332', 'an empty name is TN332');
select is(tests.try_as('devon', pg_temp.create_sql('test-acme', 'slack', repeat('x', 101))), 'error:TN332', 'a long name is TN332');
select is(tests.try_as('devon', pg_temp.create_sql('test-acme', 'slack', 'X', '[]')), 'error:TN333', 'a configuration that is no object is TN333');
select is(tests.try_as('devon', pg_temp.create_sql('test-acme', 'slack', 'X', '{"token": "x"}')), 'error:TN333', 'a field the type lacks is TN333');
select is(tests.try_as('devon', pg_temp.create_sql('test-acme', 'odoo', 'X', '{"base_url": "https://o.example"}')), 'error:TN333',
          'a required field missing is TN333');
select is(tests.try_as('devon', pg_temp.create_sql('test-acme', 'slack', 'X', '{"default_channel": 5}')), 'error:TN333',
          'a setting that is not text is TN333');
select is(tests.try_as('devon', pg_temp.create_sql('test-acme', 'slack', 'Acme Slack')), 'error:TN342', 'a name taken is TN342');
select is(tests.try_as('devon', pg_temp.create_sql('test-acme', 'slack', 'X', p_project => quote_literal(gen_random_uuid()) || '::uuid')),
          'error:TN334', 'a project of no one is TN334');
select is(tests.try_as('devon', pg_temp.create_sql('test-acme', 'slack', 'X',
            p_project => quote_literal((select id from public.projects where tenant_id = tests.tenant_id('test-acme') limit 1)) || '::uuid',
            p_env => quote_literal((select id from public.environments where tenant_id = tests.tenant_id('test-globex') limit 1)) || '::uuid')),
          'error:TN334', 'another tenant''s environment is TN334');
select is(tests.do_as('devon', 'insert into ids select ''devon-slack'', ' || substr(pg_temp.create_sql('test-acme', 'slack', 'Devon Slack',
            '{"default_channel": "C0002"}'), 8)), 'ok:1', 'a developer connects a Slack integration');
select is((select status from public.integrations where id = pg_temp.id('devon-slack')), 'disconnected',
          'a new integration is not connected until its first check');
select is((select created_by from public.integrations where id = pg_temp.id('devon-slack')), tests.user_id('devon'), 'created_by is the caller');

select is(tests.try_as('frank', format('select public.update_integration(%L, ''X'', ''{}'')', pg_temp.id('devon-slack'))), 'error:TN330',
          'another tenant''s owner may not change it, and learns nothing: TN330');
select is(tests.try_as('carol', format('select public.update_integration(%L, ''X'', ''{}'')', pg_temp.id('devon-slack'))), 'error:TN330',
          'nor a viewer');
select is(tests.try_as('devon', format('select public.update_integration(%L, ''X'', ''{}'')', gen_random_uuid())), 'error:TN330',
          'an unknown id is the same TN330');
select is(tests.try_as('bob', format('select public.update_integration(%L, ''Acme Slack'', ''{}'')', pg_temp.id('devon-slack'))), 'error:TN342',
          'renaming onto a taken name is TN342');
select is(tests.do_as('bob', format('select public.update_integration(%L, ''Ops Slack'', ''{"default_channel": "C0003"}'')', pg_temp.id('devon-slack'))),
          'ok:1', 'an admin renames and reconfigures it');
select is((select name || ' ' || (config ->> 'default_channel') from public.integrations where id = pg_temp.id('devon-slack')), 'Ops Slack C0003',
          'the new name and configuration are stored');
select throws_ok(format('update public.integrations set type = ''github'' where id = %L', pg_temp.id('devon-slack')), 'TN040', null,
                 'an integration''s type never changes');

-- ---------------------------------------------------------------------------------------------
-- Secrets of an integration
-- ---------------------------------------------------------------------------------------------


select pg_temp.secret('devon-slack', 'bot_token');
select pg_temp.secret('devon-slack', 'signing_secret');
create function pg_temp.link_sql(p_integration text, p_name text, p_secret text)
returns text language sql as $$
  select format('select public.set_integration_secret(%L, %L, %L)', pg_temp.id(p_integration), p_name, pg_temp.id(p_secret))
$$;

select is(tests.try_as('carol', pg_temp.link_sql('devon-slack', 'bot_token', 'devon-slack:bot_token')), 'error:TN330',
          'a viewer may not set an integration''s secret');
select is(tests.try_as('devon', pg_temp.link_sql('devon-slack', 'token', 'devon-slack:bot_token')), 'error:TN335',
          'a name the type has no secret for is TN335');
select is(tests.try_as('devon', pg_temp.link_sql('devon-slack', 'bot_token', 'acme-slack:bot_token')), 'error:TN335',
          'another integration''s secret is TN335');
select is(tests.try_as('devon', pg_temp.link_sql('devon-slack', 'bot_token', 'globex-hook:signing_secret')), 'error:TN335',
          'another tenant''s secret is TN335');
select is(tests.do_as('devon', pg_temp.link_sql('devon-slack', 'bot_token', 'devon-slack:bot_token')), 'ok:1', 'its own secret links');
select is(tests.do_as('devon', pg_temp.link_sql('devon-slack', 'signing_secret', 'devon-slack:signing_secret')), 'ok:1', 'and the second');
select pg_temp.secret('devon-slack', 'bot_token_2');
select is(tests.do_as('devon', pg_temp.link_sql('devon-slack', 'bot_token', 'devon-slack:bot_token_2')), 'ok:1',
          'linking another secret under a name replaces it');
select is((select count(*)::int from public.secrets where id = pg_temp.id('devon-slack:bot_token')), 0,
          'the replaced secret is deleted');
select is((select secret_id from public.integration_secrets where integration_id = pg_temp.id('devon-slack') and name = 'bot_token'),
          pg_temp.id('devon-slack:bot_token_2'), 'the name points at the new one');

-- ---------------------------------------------------------------------------------------------
-- Checks, status and their events
-- ---------------------------------------------------------------------------------------------

create function pg_temp.events(p_type text, p_integration text) returns bigint language sql as $$
  select count(*) from public.events where type = p_type and subject_id = pg_temp.id(p_integration)::text
$$;
select is(tests.try_as('devon', format('select public.record_integration_check(%L, false)', pg_temp.id('devon-slack'))), 'error:TN341',
          'a failed check without its error is TN341');
select is(tests.try_as('carol', format('select public.record_integration_check(%L, true)', pg_temp.id('devon-slack'))), 'error:TN330',
          'a viewer may not record a check');
select is(tests.do_as('devon', format('select public.record_integration_check(%L, true)', pg_temp.id('devon-slack'))), 'ok:1',
          'a passing check is recorded');
select is((select status || ':' || coalesce(last_error, '-') || ':' || (last_checked_at is not null) from public.integrations
           where id = pg_temp.id('devon-slack')), 'connected:-:true', 'the integration is connected');
select is(pg_temp.events('integration.connected', 'devon-slack'), 1::bigint, 'integration.connected is published');
select is((select payload from public.events where type = 'integration.connected' and subject_id = pg_temp.id('devon-slack')::text),
          jsonb_build_object('integration_id', pg_temp.id('devon-slack'), 'integration_type', 'slack', 'name', 'Ops Slack'),
          'with the integration''s id, type and name');
select is((select actor_id from public.events where type = 'integration.connected' and subject_id = pg_temp.id('devon-slack')::text),
          tests.user_id('devon'), 'and the person as its actor');
select is((select count(*)::int from public.jobs where queue = 'integrations.sync' and payload ->> 'integration_id' = pg_temp.id('devon-slack')::text),
          1, 'a passing check of a Slack integration queues a sync');
select is(tests.do_as('devon', format('select public.record_integration_check(%L, true)', pg_temp.id('devon-slack'))), 'ok:1',
          'a second passing check');
select is(pg_temp.events('integration.connected', 'devon-slack'), 1::bigint, 'publishes nothing more');
select is(tests.do_as('devon', format('select public.record_integration_check(%L, false, ''Bot token: invalid_auth'')', pg_temp.id('devon-slack'))),
          'ok:1', 'a failing check is recorded');
select is((select status || ':' || last_error from public.integrations where id = pg_temp.id('devon-slack')), 'error:Bot token: invalid_auth',
          'with its error');
select is((select payload ->> 'error' from public.events where type = 'integration.failed' and subject_id = pg_temp.id('devon-slack')::text),
          'Bot token: invalid_auth', 'integration.failed carries the error');
select is(tests.try_as('alice', format('select public.record_integration_sync(%L, true)', pg_temp.id('devon-slack'))), 'error:42501',
          'only the sync job records a sync');
select is(tests.do_as('service_role', format('select public.record_integration_sync(%L, true)', pg_temp.id('devon-slack'))), 'ok:1',
          'the sync job records one');
select is((select status || ':' || (last_synced_at is not null) from public.integrations where id = pg_temp.id('devon-slack')),
          'connected:true', 'a passing sync reconnects and stamps last_synced_at');

-- ---------------------------------------------------------------------------------------------
-- Inbound events: recorded once, queued, processed once, replayed
-- ---------------------------------------------------------------------------------------------

create function pg_temp.receive_sql(p_integration text, p_delivery text, p_id uuid default null)
returns text language sql as $$
  select format('select event_id, duplicate from public.receive_integration_event(%L, %L, ''message'', ''{"user-agent": "Slackbot"}'', ''{"event_id": "%s"}'')',
                coalesce(p_id, pg_temp.id(p_integration)), p_delivery, p_delivery)
$$;
select is(tests.try_as('alice', pg_temp.receive_sql('devon-slack', 'Ev1')), 'error:42501', 'a person cannot record an inbound event');
select is(tests.try_as('anon', pg_temp.receive_sql('devon-slack', 'Ev1')), 'error:42501', 'nor anon');
select is(tests.try_as('service_role', pg_temp.receive_sql('x', 'Ev1', gen_random_uuid())), 'error:TN330', 'an unknown integration is TN330');
select is(tests.do_as('service_role', 'insert into ids select ''ev1'', event_id from (' || pg_temp.receive_sql('devon-slack', 'Ev1') || ') r where not duplicate'),
          'ok:1', 'the endpoint records an event');
select is((select status || ':' || attempts || ':' || provider_event from public.integration_events where id = pg_temp.id('ev1')), 'queued:0:message',
          'queued, not yet attempted');
select is((select count(*)::int from public.jobs where queue = 'integrations.inbound' and payload ->> 'integration_event_id' = pg_temp.id('ev1')::text),
          1, 'and its processing is on the queue');
select is(tests.do_as('service_role', 'insert into ids select ''ev1-again'', event_id from (' || pg_temp.receive_sql('devon-slack', 'Ev1') || ') r where duplicate'),
          'ok:1', 'the same delivery id again is a duplicate');
select is(pg_temp.id('ev1-again'), pg_temp.id('ev1'), 'naming the first event');
select is((select count(*)::int from public.integration_events where integration_id = pg_temp.id('devon-slack')), 1, 'recorded once');
select is((select count(*)::int from public.jobs where queue = 'integrations.inbound' and payload ->> 'integration_event_id' = pg_temp.id('ev1')::text),
          1, 'queued once');
select is(tests.try_as('service_role', format('select public.receive_integration_event(%L, ''x'', ''x'', ''{}'', ''{}'')', pg_temp.id('acme-github'))::text),
          'rows:1', 'a GitHub integration takes inbound events');
insert into ids values ('acme-odoo', gen_random_uuid());
insert into public.integrations (id, tenant_id, type, name, config, status)
values (pg_temp.id('acme-odoo'), tests.tenant_id('test-acme'), 'odoo', 'Acme Odoo',
        '{"base_url": "https://o.example", "database": "d", "username": "u"}', 'connected');
select is(tests.try_as('service_role', pg_temp.receive_sql('acme-odoo', 'x')), 'error:TN340', 'an Odoo integration takes none: TN340');

select is(tests.try_as('alice', format('select public.finish_integration_event(%L, true, ''hi'')', pg_temp.id('ev1'))), 'error:42501',
          'a person cannot finish processing');
select is(tests.do_as('service_role', format('select public.finish_integration_event(%L, false, null, ''Slack answered 500'', false)', pg_temp.id('ev1'))),
          'ok:1', 'a failed attempt is recorded');
select is((select status || ':' || attempts || ':' || error from public.integration_events where id = pg_temp.id('ev1')),
          'queued:1:Slack answered 500', 'still queued (the queue retries), the attempt counted, the error kept');
select is(pg_temp.events('integration.event_received', 'devon-slack'), 0::bigint, 'nothing is published for a failed attempt');
select is(tests.do_as('service_role', format('select public.finish_integration_event(%L, true, ''Slack message in C1: hi'')', pg_temp.id('ev1'))),
          'ok:1', 'a successful attempt is recorded');
select is((select status || ':' || attempts || ':' || coalesce(error, '-') || ':' || summary || ':' || (processed_at is not null)
           from public.integration_events where id = pg_temp.id('ev1')),
          'processed:2:-:Slack message in C1: hi:true', 'processed, with its summary');
select is((select payload from public.events where type = 'integration.event_received' and subject_id = pg_temp.id('devon-slack')::text),
          jsonb_build_object('integration_id', pg_temp.id('devon-slack'), 'integration_type', 'slack', 'provider_event', 'message',
                             'delivery_id', 'Ev1', 'summary', 'Slack message in C1: hi'),
          'integration.event_received carries the contract''s payload');
select is((select actor_type::text || ':' || actor_job from public.events where type = 'integration.event_received'
           and subject_id = pg_temp.id('devon-slack')::text), 'system:tests', 'published by the system job');
select is(tests.do_as('service_role', format('select public.finish_integration_event(%L, true, ''again'')', pg_temp.id('ev1'))), 'ok:1',
          'finishing a processed event again');
select is(pg_temp.events('integration.event_received', 'devon-slack'), 1::bigint, 'publishes it once only');

select is(tests.try_as('carol', format('select public.replay_integration_event(%L)', pg_temp.id('ev1'))), 'error:TN337',
          'a viewer may not replay an event');
select is(tests.try_as('frank', format('select public.replay_integration_event(%L)', pg_temp.id('ev1'))), 'error:TN337',
          'nor another tenant''s owner');
select is(tests.try_as('devon', format('select public.replay_integration_event(%L)', gen_random_uuid())), 'error:TN337',
          'an unknown event is TN337');
select is(tests.do_as('bob', format('select public.replay_integration_event(%L)', pg_temp.id('ev1'))), 'ok:1', 'an admin replays it');
select is((select status || ':' || replays || ':' || coalesce(error, '-') from public.integration_events where id = pg_temp.id('ev1')),
          'queued:1:-', 'queued again, the replay counted');
select is((select count(*)::int from public.jobs where queue = 'integrations.inbound' and payload ->> 'integration_event_id' = pg_temp.id('ev1')::text),
          2, 'a new job is on the queue');
select is((select count(*)::int from public.audit_logs where action = 'integration.event_replay' and target_id = pg_temp.id('ev1')::text),
          1, 'the replay is audited');
select is(tests.try_as('bob', format('select public.replay_integration_event(%L)', pg_temp.id('ev1'))), 'error:TN338',
          'replaying a queued event is TN338');

select throws_ok(format('insert into public.integration_events (tenant_id, integration_id, delivery_id, provider_event, body) values (%L, %L, ''x'', ''x'', ''{}'')',
                        tests.tenant_id('test-globex'), pg_temp.id('acme-slack')), '23503', null,
                 'an event cannot point at another tenant''s integration');
select pg_temp.secret('globex-hook', 'spare');
select throws_ok(format('insert into public.integration_secrets (tenant_id, integration_id, name, secret_id) values (%L, %L, ''webhook_secret'', %L)',
                        tests.tenant_id('test-acme'), pg_temp.id('acme-github'), pg_temp.id('globex-hook:spare')), '23503', null,
                 'nor a secret link at another tenant''s secret');
select throws_ok(format('update public.integration_events set body = ''{"x": 1}'' where id = %L', pg_temp.id('ev1')), 'TN040', null,
                 'a recorded event''s body never changes');

-- ---------------------------------------------------------------------------------------------
-- Disconnect and delete
-- ---------------------------------------------------------------------------------------------

insert into public.slack_channels (tenant_id, integration_id, channel_id, name)
values (tests.tenant_id('test-acme'), pg_temp.id('devon-slack'), 'C0002', 'ops');
select is(tests.try_as('carol', format('select public.disconnect_integration(%L)', pg_temp.id('devon-slack'))), 'error:TN330',
          'a viewer may not disconnect');
select is(tests.do_as('devon', format('select public.disconnect_integration(%L)', pg_temp.id('devon-slack'))), 'ok:1', 'a developer disconnects');
select is((select status from public.integrations where id = pg_temp.id('devon-slack')), 'disconnected', 'it is disconnected');
select is((select count(*)::int from public.secrets where owner_id = pg_temp.id('devon-slack')), 0, 'its secrets are gone');
select is((select count(*)::int from public.integration_secrets where integration_id = pg_temp.id('devon-slack')), 0, 'and their links');
select is((select count(*)::int from public.slack_channels where integration_id = pg_temp.id('devon-slack')), 0, 'and its caches');
select is((select count(*)::int from public.integration_events where integration_id = pg_temp.id('devon-slack')), 1, 'its history is kept');
select is(pg_temp.events('integration.disconnected', 'devon-slack'), 1::bigint, 'integration.disconnected is published');
select is(tests.try_as('service_role', pg_temp.receive_sql('devon-slack', 'Ev2')), 'error:TN336', 'inbound events are refused: TN336');
update public.integration_events set status = 'failed' where id = pg_temp.id('ev1');
select is(tests.try_as('devon', format('select public.replay_integration_event(%L)', pg_temp.id('ev1'))), 'error:TN336',
          'nothing is replayed: TN336');

select is(tests.try_as('frank', format('select public.delete_integration(%L)', pg_temp.id('acme-slack'))), 'error:TN330',
          'another tenant''s owner may not delete an integration');
select is(tests.do_as('alice', format('select public.delete_integration(%L)', pg_temp.id('acme-slack'))), 'ok:1', 'the owner deletes one');
select is((select count(*)::int from public.integrations where id = pg_temp.id('acme-slack')), 0, 'it is gone');
select is((select count(*)::int from public.secrets where owner_id = pg_temp.id('acme-slack')), 0, 'with its secrets');
select is((select count(*)::int from public.integration_events where integration_id = pg_temp.id('acme-slack')), 0, 'its events');
select is((select count(*)::int from public.slack_channels where integration_id = pg_temp.id('acme-slack')), 0, 'and its caches');
select is(pg_temp.events('integration.disconnected', 'acme-slack'), 1::bigint, 'a connected one''s deletion publishes integration.disconnected');
select is((select count(*)::int from public.integrations where id = pg_temp.id('globex-hook')), 1, 'another tenant''s integration is untouched');

select * from finish();
rollback;
