-- AI (20261205000500_ai.sql): who reads and writes the registry, a tenant's provider access,
-- settings, templates and runs; costs and tokens written by no tenant (nor an API role: only
-- private.record_model_call, as the gateway's system job), its arithmetic pinned by a check; the
-- gateway's pre-call refusals (TN550–TN554) against the budget and the plan's ai_tokens; template
-- rules (TN556–TN558), versions numbered and never changed; access rules (TN555); the events.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor;
-- globex: frank owner, gina developer; erin in no tenant; sam super_admin, sue support staff).
begin;
select plan(66);

select tests.seed_fixture();

create function pg_temp.model(p_key text) returns uuid language sql as $$
  select m.id from public.llm_models m where m.key = p_key
$$;
create function pg_temp.provider(p_key text) returns uuid language sql as $$
  select p.id from public.model_providers p where p.key = p_key
$$;

-- ---------------------------------------------------------------------------------------------
-- The registry
-- ---------------------------------------------------------------------------------------------

select is((select count(*)::int from public.model_providers where key in ('openai', 'anthropic', 'deepseek', 'openai_compatible', 'local')),
  5, 'the providers of spec 001 are seeded: OpenAI, Anthropic, DeepSeek, any OpenAI-compatible endpoint (and in-process)');
select results_eq($$select input_usd_per_mtok::text, output_usd_per_mtok::text, context_tokens from public.llm_models where key = 'gpt-4o-mini'$$,
  $$values ('0.150000', '0.600000', 128000)$$, 'models carry their prices per million tokens and context size');
select is(tests.try_as('erin', 'select id from public.llm_models'), 'rows:' || (select count(*) from public.llm_models where active),
  'anyone signed in reads the offered models');
select is(tests.try_as('anon', 'select id from public.llm_models'), 'error:42501', 'anon reads none');
select is(tests.try_as('alice', 'update public.llm_models set input_usd_per_mtok = 0'), 'ok:0', 'a tenant owner cannot change a price');
select is(tests.try_as('sue', 'update public.llm_models set input_usd_per_mtok = 0'), 'ok:0', 'nor can support staff');
select is(tests.do_as('sam', 'update public.llm_models set input_usd_per_mtok = 0.2 where key = ''gpt-4o-mini'''), 'ok:1', 'super_admin staff can (gpt-4o-mini''s input now 0.2)');
select is(tests.try_as('sam', 'update public.llm_models set kind = ''embedding'' where key = ''gpt-4o-mini'''), 'error:42501',
  'a model''s kind is not changed');
select is(tests.try_as('sam', format('insert into public.llm_models (provider_id, key, name, kind, context_tokens, dimensions) values (%L, ''x-chat'', ''X'', ''chat'', 100, 10)',
  pg_temp.provider('openai'))), 'error:TN561', 'TN561: a chat model has no vector size');
select is(tests.try_as('alice', format('insert into public.model_providers (key, name, api_style) values (''evil'', ''Evil'', ''openai'')')),
  'error:42501', 'a tenant owner cannot add a provider');
select is(tests.try_as('sam', 'update public.model_providers set base_url = ''https://proxy.example.com/v1'' where key = ''openai'''), 'ok:1',
  'super_admin staff change a provider''s base URL');

-- ---------------------------------------------------------------------------------------------
-- A tenant's access and settings
-- ---------------------------------------------------------------------------------------------

select is(tests.do_as('alice', format('insert into public.tenant_model_providers (tenant_id, provider_id, access) values (%L, %L, ''platform'')',
  tests.tenant_id('test-acme'), pg_temp.provider('openai'))), 'ok:1', 'alice (ai.manage) gives acme platform access to OpenAI');
select is(tests.try_as('carol', format('insert into public.tenant_model_providers (tenant_id, provider_id, access) values (%L, %L, ''platform'')',
  tests.tenant_id('test-acme'), pg_temp.provider('anthropic'))), 'error:42501', 'carol (viewer) cannot');
select is(tests.try_as('gina', format('insert into public.tenant_model_providers (tenant_id, provider_id, access) values (%L, %L, ''platform'')',
  tests.tenant_id('test-globex'), pg_temp.provider('anthropic'))), 'error:42501', 'gina (developer: ai.use, not ai.manage) cannot');
select is(tests.try_as('frank', format('insert into public.tenant_model_providers (tenant_id, provider_id, access) values (%L, %L, ''platform'')',
  tests.tenant_id('test-acme'), pg_temp.provider('anthropic'))), 'error:42501', 'frank cannot give acme access');
select is(tests.try_as('alice', format('insert into public.tenant_model_providers (tenant_id, provider_id, access) values (%L, %L, ''platform'')',
  tests.tenant_id('test-acme'), pg_temp.provider('openai_compatible'))), 'error:TN555',
  'TN555: an OpenAI-compatible endpoint has no platform access');
select is(tests.try_as('alice', format('insert into public.tenant_model_providers (tenant_id, provider_id, access) values (%L, %L, ''own_key'')',
  tests.tenant_id('test-acme'), pg_temp.provider('openai_compatible'))), 'error:TN555', 'TN555: nor an own key without its URL');
select is(tests.try_as('alice', format('insert into public.tenant_model_providers (tenant_id, provider_id, access, base_url) values (%L, %L, ''platform'', ''https://x.example.com/v1'')',
  tests.tenant_id('test-acme'), pg_temp.provider('anthropic'))), 'error:TN555', 'TN555: platform access takes no URL of the tenant''s');
select is(tests.try_as('alice', format('insert into public.tenant_model_providers (tenant_id, provider_id, access) values (%L, %L, ''platform'')',
  tests.tenant_id('test-acme'), pg_temp.provider('local'))), 'error:TN555', 'TN555: in-process models need no access');
select is(tests.try_as('carol', 'select id from public.tenant_model_providers'), 'rows:0', 'carol (no ai.use) does not see the access');
select is(tests.try_as('frank', 'select id from public.tenant_model_providers'), 'rows:0', 'nor does another tenant');
select is(tests.try_as('alice', format('insert into public.tenant_ai_settings (tenant_id, monthly_budget_usd) values (%L, -1)',
  tests.tenant_id('test-acme'))), 'error:TN560', 'TN560: a budget is not negative');
select is(tests.try_as('gina', format('insert into public.tenant_ai_settings (tenant_id, monthly_budget_usd) values (%L, 1000)',
  tests.tenant_id('test-globex'))), 'error:42501', 'a developer does not set the budget');

-- ---------------------------------------------------------------------------------------------
-- Runs: costs and tokens written by no tenant and no API role
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', format($$insert into public.prompt_runs (tenant_id, operation, provider_key, model_key, input_usd_per_mtok,
  output_usd_per_mtok, cost_usd, latency_ms, status) values (%L, 'chat', 'openai', 'gpt-4o-mini', 0, 0, 0, 1, 'succeeded')$$,
  tests.tenant_id('test-acme'))), 'error:42501', 'an owner cannot write a run');
select is(tests.try_as('service_role', format($$insert into public.prompt_runs (tenant_id, operation, provider_key, model_key, input_usd_per_mtok,
  output_usd_per_mtok, cost_usd, latency_ms, status) values (%L, 'chat', 'openai', 'gpt-4o-mini', 0, 0, 0, 1, 'succeeded')$$,
  tests.tenant_id('test-acme'))), 'error:42501', 'nor can the service role directly');
select is(tests.try_as('alice', format('select private.record_model_call(%L, null, %L, ''chat'', null, null, 1, 1, 1, null, null)',
  tests.tenant_id('test-acme'), pg_temp.model('gpt-4o-mini'))), 'error:42501', 'an owner cannot call the recorder');
select is(tests.try_as('alice', format('select * from public.usage_events where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:0', 'no usage before any run');

-- The gateway's job records a run: cost from the model's prices now (0.2 in, 0.6 out per Mtok).
select tests.authenticate_as_service_role('ai.gateway');
create temp table run1 on commit drop as
  select * from private.record_model_call(tests.tenant_id('test-acme'), tests.user_id('bob'), pg_temp.model('gpt-4o-mini'), 'chat',
    null, null, 1234, 567, 890, null, 'stop');
grant select on run1 to authenticated;
select tests.clear_authentication();
select is((select cost_usd::text from run1), '0.0005870000', 'the cost is 1234 × 0.2 + 567 × 0.6 per million tokens, exactly');
select results_eq(format('select input_tokens, output_tokens, cost_usd::text, input_usd_per_mtok::text, status, metered, created_by from public.prompt_runs where id = %L',
  (select run_id from run1)),
  format($$values (1234, 567, '0.0005870000', '0.200000', 'succeeded', true, %L::uuid)$$, tests.user_id('bob')),
  'the run keeps its tokens, the price it was charged and who ran it');
select is((select quantity::int from public.usage_events where idempotency_key = 'prompt_run:' || (select run_id from run1)), 1801,
  'its input and output tokens are metered into ai_tokens once');
select is(tests.try_as('alice', format('update public.prompt_runs set cost_usd = 0 where id = %L', (select run_id from run1))),
  'error:42501', 'an owner cannot change a run''s cost');
select is(tests.try_as('alice', format('delete from public.prompt_runs where id = %L', (select run_id from run1))),
  'error:42501', 'nor delete a run');
select is(tests.try_as('service_role', format('update public.prompt_runs set input_tokens = 0 where id = %L', (select run_id from run1))),
  'error:42501', 'nor can the service role change its tokens');
select throws_ok(format($$insert into public.prompt_runs (tenant_id, operation, provider_key, model_key, input_tokens, output_tokens,
  input_usd_per_mtok, output_usd_per_mtok, cost_usd, latency_ms, status) values (%L, 'chat', 'openai', 'm', 1000000, 0, 0.15, 0, 0.01, 1, 'succeeded')$$,
  tests.tenant_id('test-acme')), '23514', null, 'even the owner of the table cannot store a cost that is not the run''s arithmetic');
select is(tests.try_as('bob', 'select id from public.prompt_runs'), 'rows:1', 'bob (ai.use) reads acme''s run');
select is(tests.try_as('carol', 'select id from public.prompt_runs'), 'rows:0', 'carol (no ai.use) does not');
select is(tests.try_as('frank', 'select id from public.prompt_runs'), 'rows:0', 'nor does globex''s owner');
select is(tests.try_as('sue', 'select id from public.prompt_runs'), 'rows:0', 'nor does support staff');

-- A failed call is recorded and published.
select tests.authenticate_as_service_role('ai.gateway');
create temp table run2 on commit drop as
  select * from private.record_model_call(tests.tenant_id('test-acme'), tests.user_id('bob'), pg_temp.model('gpt-4o-mini'), 'chat',
    null, null, 0, 0, 12, 'OpenAI answered 500', null);
select tests.clear_authentication();
select results_eq(format('select status, error, cost_usd::text from public.prompt_runs where id = %L', (select run_id from run2)),
  $$values ('failed', 'OpenAI answered 500', '0.0000000000')$$, 'a failed call is a run with its error and no cost');
select is((select count(*)::int from public.events where type = 'prompt_run.failed' and subject_id = (select run_id::text from run2)), 1,
  'and publishes prompt_run.failed once');

-- ---------------------------------------------------------------------------------------------
-- Before a call: permission, model, access, budget, plan
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('carol', format('select * from public.ai_prepare_call(%L, %L, 10, 10)', tests.tenant_id('test-acme'), pg_temp.model('gpt-4o-mini'))),
  'error:TN554', 'TN554: carol (no ai.use) may not call models');
select is(tests.try_as('frank', format('select * from public.ai_prepare_call(%L, %L, 10, 10)', tests.tenant_id('test-acme'), pg_temp.model('gpt-4o-mini'))),
  'error:TN554', 'TN554: nor another tenant''s owner, for acme');
select is(tests.try_as('bob', format('select * from public.ai_prepare_call(%L, %L, 10, 10)', tests.tenant_id('test-acme'), pg_temp.model('gpt-4o-mini'))),
  'rows:1', 'bob may call gpt-4o-mini through acme''s OpenAI access');
select is(tests.try_as('bob', format('select * from public.ai_prepare_call(%L, %L, 10, 10)', tests.tenant_id('test-acme'), pg_temp.model('claude-3-5-haiku-latest'))),
  'error:TN551', 'TN551: but not Claude (no Anthropic access)');
select is(tests.try_as('gina', format('select * from public.ai_prepare_call(%L, %L, 10, 10)', tests.tenant_id('test-globex'), pg_temp.model('gpt-4o-mini'))),
  'error:TN551', 'TN551: globex has no access at all');
select is(tests.try_as('bob', format('select * from public.ai_prepare_call(%L, %L, 10, 10)', tests.tenant_id('test-acme'), gen_random_uuid())),
  'error:TN550', 'TN550: no such model');
select is(tests.do_as('alice', format('insert into public.tenant_ai_settings (tenant_id, monthly_budget_usd) values (%L, 0.01)',
  tests.tenant_id('test-acme'))), 'ok:1', 'alice sets a budget of 0.01 USD a month');
select is(tests.try_as('bob', format('select * from public.ai_prepare_call(%L, %L, 10000, 10000)', tests.tenant_id('test-acme'), pg_temp.model('gpt-4o-mini'))),
  'rows:1', 'a call whose worst case (0.008 USD) fits what is left of it is allowed');
select is(tests.try_as('bob', format('select * from public.ai_prepare_call(%L, %L, 10000, 20000)', tests.tenant_id('test-acme'), pg_temp.model('gpt-4o-mini'))),
  'error:TN552', 'TN552: one whose worst case (0.014 USD) would pass it is refused');
select is(tests.try_as('bob', format('select spent_usd::text, budget_usd::text, tokens from public.ai_spend(%L)', tests.tenant_id('test-acme'))),
  'rows:1', 'ai_spend tells ai.use holders the month''s spend');
select is(private.ai_month_spend(tests.tenant_id('test-acme'))::text, '0.0005870000', 'which is the runs'' cost');
select tests.subscribe('test-acme', 'free');
select is(tests.try_as('bob', format('select * from public.ai_prepare_call(%L, %L, 98000, 1000)', tests.tenant_id('test-acme'), pg_temp.model('gpt-4o-mini'))),
  'error:TN552', 'on the free plan the budget still refuses first');
update public.tenant_ai_settings set monthly_budget_usd = null where tenant_id = tests.tenant_id('test-acme');
select is(tests.try_as('bob', format('select * from public.ai_prepare_call(%L, %L, 98000, 1000)', tests.tenant_id('test-acme'), pg_temp.model('gpt-4o-mini'))),
  'error:TN553', 'TN553: 1801 used + 99000 would pass the free plan''s 100000 AI tokens');
select is(tests.try_as('bob', format('select * from public.ai_prepare_call(%L, %L, 90000, 1000)', tests.tenant_id('test-acme'), pg_temp.model('gpt-4o-mini'))),
  'rows:1', 'while 1801 + 91000 fits');

-- ---------------------------------------------------------------------------------------------
-- Templates
-- ---------------------------------------------------------------------------------------------

select is(tests.do_as('alice', format($$insert into public.prompt_templates (tenant_id, key, name) values (%L, 'support.summarise', 'Summarise')$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'alice adds a template');
select is(tests.try_as('alice', format($$insert into public.prompt_templates (tenant_id, key, name) values (%L, 'support.summarise', 'Again')$$,
  tests.tenant_id('test-acme'))), 'error:TN556', 'TN556: its key is taken');
select is(tests.try_as('alice', format($$insert into public.prompt_templates (tenant_id, key, name) values (%L, 'Bad Key', 'x')$$,
  tests.tenant_id('test-acme'))), 'error:TN556', 'TN556: a key is lower-case letters, digits, . _ -');
select is(tests.try_as('gina', format($$insert into public.prompt_templates (tenant_id, key, name) values (%L, 'ops.x', 'x')$$,
  tests.tenant_id('test-globex'))), 'error:42501', 'a developer (ai.use) does not write templates');
create temp table tpl on commit drop as select id from public.prompt_templates where key = 'support.summarise' and tenant_id = tests.tenant_id('test-acme');
grant select on tpl to authenticated;
select is(tests.try_as('alice', format($$insert into public.prompt_template_versions (tenant_id, template_id, instructions, body, variables)
  values (%L, %L, 'Summarise {{ticket}}', 'x', '[]')$$, tests.tenant_id('test-acme'), (select id from tpl))), 'error:TN557',
  'TN557: the instructions take no placeholder');
select is(tests.try_as('alice', format($$insert into public.prompt_template_versions (tenant_id, template_id, instructions, body, variables)
  values (%L, %L, 'Summarise.', '{{ticket}} {{notes}}', '[{"name": "ticket", "type": "string"}]')$$, tests.tenant_id('test-acme'), (select id from tpl))),
  'error:TN558', 'TN558: every placeholder is a declared variable');
select is(tests.try_as('alice', format($$insert into public.prompt_template_versions (tenant_id, template_id, instructions, body, variables)
  values (%L, %L, 'Summarise.', '{{ticket}}', '[{"name": "ticket", "type": "code"}]')$$, tests.tenant_id('test-acme'), (select id from tpl))),
  'error:TN558', 'TN558: a variable has a known type');
select is(tests.do_as('alice', format($$insert into public.prompt_template_versions (tenant_id, template_id, instructions, body, variables, note)
  values (%L, %L, 'Summarise.', '{{ticket}}', '[{"name": "ticket", "type": "string"}]', 'a'), (%L, %L, 'Summarise briefly.', '{{ticket}}', '[{"name": "ticket", "type": "string"}]', 'b')$$,
  tests.tenant_id('test-acme'), (select id from tpl), tests.tenant_id('test-acme'), (select id from tpl))), 'ok:2', 'alice adds two versions');
select results_eq(format('select version, note from public.prompt_template_versions where template_id = %L order by version', (select id from tpl)),
  $$values (1, 'a'), (2, 'b')$$, 'numbered 1 and 2 in order');
select is((select latest_version from public.prompt_templates where id = (select id from tpl)), 2, 'the template''s latest is 2');
select is(tests.try_as('alice', format('update public.prompt_template_versions set instructions = ''Leak.'' where template_id = %L', (select id from tpl))),
  'error:42501', 'a version is never changed');
select is((select count(*)::int from public.events where type = 'prompt_template.versioned' and subject_id = (select id::text from tpl)), 2,
  'each version publishes prompt_template.versioned');

select * from finish();
rollback;
