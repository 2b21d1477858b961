-- Privacy (20261205000200_privacy.sql): the persona matrix of gdpr_requests, consent_purposes and
-- consents; the consent ledger's rules and derived state; a request's states and who moves them;
-- reminders; and erasure: the person's name, email and IP found nowhere afterwards (every column of
-- every table searched, and the export), the audit chains still verifying, the history reading
-- "a deleted member", billing records kept, the last owner refused until ownership moves.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor;
-- globex: frank owner, gina developer; erin in no tenant; sue support staff) and zelda, the person
-- erased at the end.
begin;
select plan(297);

select tests.seed_fixture();

-- Every row of every table (the tests' own temp tables aside) whose text contains the term.
create function pg_temp.found_anywhere(p_term text) returns text[] language plpgsql as $$
declare
  v_table regclass;
  v_count bigint;
  v_found text[] := '{}';
begin
  for v_table in select c.oid::regclass from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
                   and n.nspname !~ '^pg_temp' loop
    execute format('select count(*) from %s t where strpos(lower(t::text), lower($1)) > 0', v_table) into v_count using p_term;
    if v_count > 0 then
      v_found := v_found || (v_table::text || ':' || v_count);
    end if;
  end loop;
  return v_found;
end
$$;

create function pg_temp.as_zelda() returns void language plpgsql as $$
begin
  perform set_config('tenantry.client_ip', '198.51.100.23', true);
  perform set_config('request.headers', '{"user-agent":"ZeldaBrowser/1.0"}', true);
end
$$;
create function pg_temp.as_nobody_in_particular() returns void language plpgsql as $$
begin
  perform set_config('tenantry.client_ip', '', true);
  perform set_config('request.headers', '', true);
end
$$;
create function pg_temp.request(p_subject text, p_kind text) returns uuid language sql as $$
  select g.id from public.gdpr_requests g where g.subject_user_id = tests.user_id(p_subject) and g.kind = p_kind
  order by g.received_at desc limit 1
$$;

-- ---------------------------------------------------------------------------------------------
-- The fixture's privacy data
-- ---------------------------------------------------------------------------------------------

select is(tests.do_as('alice', format($$insert into public.consent_purposes (tenant_id, key, name, description) values
  (%L, 'newsletter', 'Newsletter', 'Monthly product news.'), (%L, 'analytics', 'Analytics', 'Usage analytics.')$$,
  tests.tenant_id('test-acme'), tests.tenant_id('test-acme'))), 'ok:2', 'alice defines two purposes for acme');
select is(tests.do_as('frank', format($$insert into public.consent_purposes (tenant_id, key, name) values (%L, 'newsletter', 'News')$$,
  tests.tenant_id('test-globex'))), 'ok:1', 'frank defines one for globex (keys are per tenant)');
create function pg_temp.purpose(p_tenant text, p_key text) returns uuid language sql as $$
  select p.id from public.consent_purposes p where p.tenant_id = tests.tenant_id(p_tenant) and p.key = p_key
$$;
select is(tests.do_as('carol', format($$insert into public.consents (tenant_id, purpose_id, subject_id, granted, text_version, source)
  values (%L, %L, %L, true, 1, 'page')$$, tests.tenant_id('test-acme'), pg_temp.purpose('test-acme', 'newsletter'),
  tests.user_id('carol'))), 'ok:1', 'carol consents to acme''s newsletter from the page');
select is(tests.do_as('frank', format($$insert into public.consents (tenant_id, purpose_id, subject_type, subject_id, granted, text_version, source)
  values (%L, %L, 'end_user', 'cust-42', true, 1, 'api')$$, tests.tenant_id('test-globex'), pg_temp.purpose('test-globex', 'newsletter'))),
  'ok:1', 'frank records an end user''s consent for globex, as the API does');
select ok((select r.request_id is not null from tests.authenticate_as('carol') a, public.create_gdpr_request(tests.tenant_id('test-acme'), 'access', 'All my data please') r),
  'carol asks acme for her data');
select tests.clear_authentication();
select ok((select r.request_id is not null from tests.authenticate_as('frank') a, public.create_gdpr_request(tests.tenant_id('test-globex'), 'rectification', 'Her name is misspelt', tests.user_id('gina')) r),
  'frank raises a rectification request for gina');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- The persona matrix (fixture tenants only)
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases
select c.tbl, c.op, replace(replace(replace(replace(c.stmt,
  ':fixture', quote_literal(tests.fixture_tenant_ids()::text)),
  ':acme', quote_literal(tests.tenant_id('test-acme'))),
  ':purpose', quote_literal(pg_temp.purpose('test-acme', 'analytics'))),
  ':carol', quote_literal(tests.user_id('carol')))
from (values
  ('gdpr_requests', 'select', 'select id from public.gdpr_requests where tenant_id = any (:fixture::uuid[])'),
  ('gdpr_requests', 'insert', 'insert into public.gdpr_requests (tenant_id, subject_user_id, kind) values (:acme, :carol, ''erasure'')'),
  ('gdpr_requests', 'update', 'update public.gdpr_requests set state = ''completed'' where tenant_id = any (:fixture::uuid[])'),
  ('gdpr_requests', 'delete', 'delete from public.gdpr_requests where tenant_id = any (:fixture::uuid[])'),
  ('consent_purposes', 'select', 'select id from public.consent_purposes where tenant_id = any (:fixture::uuid[])'),
  ('consent_purposes', 'insert', 'insert into public.consent_purposes (tenant_id, key, name) values (:acme, ''probe'', ''Probe'')'),
  ('consent_purposes', 'update', 'update public.consent_purposes set name = name || ''!'' where tenant_id = any (:fixture::uuid[])'),
  ('consent_purposes', 'delete', 'delete from public.consent_purposes where key = ''analytics'' and tenant_id = any (:fixture::uuid[])'),
  ('consents', 'select', 'select id from public.consents where tenant_id = any (:fixture::uuid[])'),
  ('consents', 'insert', 'insert into public.consents (tenant_id, purpose_id, subject_id, granted, text_version, source) values (:acme, :purpose, :carol, true, 1, ''page'')'),
  ('consents', 'update', 'update public.consents set granted = not granted where tenant_id = any (:fixture::uuid[])'),
  ('consents', 'delete', 'delete from public.consents where tenant_id = any (:fixture::uuid[])')
) as c (tbl, op, stmt);

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected values
  ('gdpr_requests', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_requests', 'alice',        'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_requests', 'bob',          'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_requests', 'carol',        'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_requests', 'dave',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_requests', 'erin',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_requests', 'frank',        'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_requests', 'gina',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_requests', 'sue',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_requests', 'service_role', 'rows:2', 'error:42501', 'error:42501', 'error:42501'),
  ('consent_purposes', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('consent_purposes', 'alice',        'rows:2', 'ok:1', 'ok:2', 'ok:1'),
  ('consent_purposes', 'bob',          'rows:2', 'ok:1', 'ok:2', 'ok:1'),
  ('consent_purposes', 'carol',        'rows:2', 'error:42501', 'ok:0', 'ok:0'),
  ('consent_purposes', 'dave',         'rows:2', 'error:42501', 'ok:0', 'ok:0'),
  ('consent_purposes', 'erin',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('consent_purposes', 'frank',        'rows:1', 'error:42501', 'ok:1', 'ok:0'),
  ('consent_purposes', 'gina',         'rows:1', 'error:42501', 'ok:0', 'ok:0'),
  ('consent_purposes', 'sue',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('consent_purposes', 'service_role', 'rows:3', 'ok:1', 'ok:3', 'ok:1'),
  ('consents', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('consents', 'alice',        'rows:1', 'ok:1', 'error:42501', 'error:42501'),
  ('consents', 'bob',          'rows:1', 'ok:1', 'error:42501', 'error:42501'),
  ('consents', 'carol',        'rows:1', 'ok:1', 'error:42501', 'error:42501'),
  ('consents', 'dave',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('consents', 'erin',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('consents', 'frank',        'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('consents', 'gina',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('consents', 'sue',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('consents', 'service_role', 'rows:2', 'ok:1', 'error:42501', 'error:42501');

select * from tests.persona_matrix();

-- ---------------------------------------------------------------------------------------------
-- Consents: the ledger's rules and the current state
-- ---------------------------------------------------------------------------------------------

select throws_ok(format($$update public.consents set granted = false where tenant_id = %L$$, tests.tenant_id('test-acme')),
  'TN480', null, 'the ledger refuses an update even to its owner');
select throws_ok(format($$delete from public.consents where tenant_id = %L$$, tests.tenant_id('test-acme')),
  'TN480', null, 'and a delete');
select is(tests.do_as('carol', format($$insert into public.consents (tenant_id, purpose_id, subject_id, granted, text_version, source)
  values (%L, %L, %L, false, 1, 'page')$$, tests.tenant_id('test-acme'), pg_temp.purpose('test-acme', 'newsletter'),
  tests.user_id('carol'))), 'ok:1', 'carol withdraws her newsletter consent');
select results_eq(format($$select granted, text_version, source from public.consent_states where subject_id = %L and purpose_key = 'newsletter'$$,
  tests.user_id('carol')), $$values (false, 1, 'page')$$, 'the current state is the latest entry: withdrawn');
select is((select count(*)::int from public.consents where subject_id = tests.user_id('carol')::text), 2, 'and the ledger keeps both entries');
select is(tests.try_as('carol', format($$insert into public.consents (tenant_id, purpose_id, subject_id, granted, text_version, source)
  values (%L, %L, %L, true, 1, 'page')$$, tests.tenant_id('test-acme'), pg_temp.purpose('test-acme', 'newsletter'), tests.user_id('bob'))),
  'error:42501', 'carol cannot record bob''s consent');
select is(tests.try_as('carol', format($$insert into public.consents (tenant_id, purpose_id, subject_id, granted, text_version, source)
  values (%L, %L, %L, true, 1, 'api')$$, tests.tenant_id('test-acme'), pg_temp.purpose('test-acme', 'newsletter'), tests.user_id('carol'))),
  'error:42501', 'nor say her own came through the API');
select is(tests.try_as('alice', format($$insert into public.consents (tenant_id, purpose_id, subject_id, granted, text_version, source)
  values (%L, %L, %L, true, 2, 'page')$$, tests.tenant_id('test-acme'), pg_temp.purpose('test-acme', 'newsletter'), tests.user_id('carol'))),
  'error:TN488', 'a consent to a version of the text never shown is refused (TN488)');
select is(tests.try_as('alice', format($$insert into public.consents (tenant_id, purpose_id, subject_id, granted, text_version, source)
  values (%L, %L, 'not-a-user', true, 1, 'import')$$, tests.tenant_id('test-acme'), pg_temp.purpose('test-acme', 'newsletter'))),
  'error:TN489', 'a member''s consent names a user id (TN489)');
select is(tests.do_as('alice', format($$update public.consent_purposes set active = false, version = 2 where id = %L$$,
  pg_temp.purpose('test-acme', 'analytics'))), 'ok:1', 'alice retires analytics');
select is(tests.try_as('alice', format($$insert into public.consents (tenant_id, purpose_id, subject_id, granted, text_version, source)
  values (%L, %L, %L, true, 1, 'import')$$, tests.tenant_id('test-acme'), pg_temp.purpose('test-acme', 'analytics'), tests.user_id('carol'))),
  'error:TN487', 'a consent to an inactive purpose is refused (TN487)');
select is(tests.try_as('alice', format($$insert into public.consent_purposes (tenant_id, key, name) values (%L, 'newsletter', 'Again')$$,
  tests.tenant_id('test-acme'))), 'error:TN490', 'a purpose key is unique in its tenant (TN490)');
select is(tests.try_as('alice', format($$insert into public.consent_purposes (tenant_id, key, name) values (%L, 'Bad Key', 'Bad')$$,
  tests.tenant_id('test-acme'))), 'error:23514', 'a purpose key is lower-case letters, digits and . _ -');
select is((select count(*)::int from public.events where type = 'consent.recorded' and tenant_id = tests.tenant_id('test-acme')), 2,
  'each consent entry publishes consent.recorded');
select is((select payload ->> 'purpose_key' from public.events where type = 'consent.recorded' and tenant_id = tests.tenant_id('test-globex')),
  'newsletter', 'with its purpose key');
select is((select count(*)::int from public.audit_logs where action = 'consents.insert' and tenant_id = tests.tenant_id('test-acme')), 2,
  'and is audited');

-- ---------------------------------------------------------------------------------------------
-- Requests: states, who moves them, deadline and reminders
-- ---------------------------------------------------------------------------------------------

select is((select due_at from public.gdpr_requests where id = pg_temp.request('carol', 'access')),
  (select received_at + interval '1 month' from public.gdpr_requests where id = pg_temp.request('carol', 'access')),
  'a request is due one month after it was received');
select is((select state from public.gdpr_requests where id = pg_temp.request('carol', 'access')), 'received', 'and starts received');
select is(tests.try_as('carol', format($$select public.create_gdpr_request(%L, 'access')$$, tests.tenant_id('test-acme'))),
  'error:TN492', 'a second open request of the same kind is refused (TN492)');
select is(tests.try_as('carol', format($$select public.create_gdpr_request(%L, 'forget-me')$$, tests.tenant_id('test-acme'))),
  'error:TN491', 'an unknown kind is refused (TN491)');
select is(tests.try_as('carol', format($$select public.create_gdpr_request(%L, 'erasure', '', %L)$$, tests.tenant_id('test-acme'), tests.user_id('bob'))),
  'error:TN002', 'carol cannot raise a request for bob');
select is(tests.try_as('bob', format($$select public.create_gdpr_request(%L, 'erasure', '', %L)$$, tests.tenant_id('test-acme'), tests.user_id('gina'))),
  'error:TN486', 'bob cannot raise one for someone outside acme (TN486)');
select is(tests.try_as('erin', $$select public.create_gdpr_request(null, 'access', '', '$$ || tests.user_id('carol') || $$')$$),
  'error:TN002', 'only support staff raise platform requests for someone else');
select is(tests.try_as('carol', format($$select public.advance_gdpr_request(%L, 'in_progress')$$, pg_temp.request('carol', 'access'))),
  'error:TN481', 'carol cannot move her own request on (TN481)');
select is(tests.try_as('bob', format($$select public.advance_gdpr_request(%L, 'in_progress')$$, pg_temp.request('carol', 'access'))),
  'error:TN482', 'an unverified request cannot start (TN482)');

-- Verification by the emailed token: only the person, only once.
create temp table tokens (who text, token text);
grant all on tokens to authenticated;
select tests.authenticate_as('erin');
insert into tokens select 'erin', r.verification_token from public.create_gdpr_request(null, 'access', 'platform copy') r;
select tests.clear_authentication();
select is((select count(*)::int from public.gdpr_requests where tenant_id is null and subject_user_id = tests.user_id('erin')), 1,
  'erin, in no tenant, asks the platform for her data');
select is((select count(*)::int from private.email_outbox where to_address = 'erin@example.test' and template = 'privacy_confirm'
            and payload ->> 'path' = '/account/privacy/confirm/' || (select token from tokens where who = 'erin')), 1,
  'and is emailed the confirmation link');
select is((select verification_token from tests.authenticate_as('frank') a,
           public.create_gdpr_request(tests.tenant_id('test-globex'), 'objection', '', tests.user_id('gina'))), null,
  'a handler raising a request for someone never sees its token');
select tests.clear_authentication();
select is(tests.try_as('bob', format($$select public.verify_gdpr_request(%L)$$, (select token from tokens where who = 'erin'))),
  'error:TN484', 'someone else cannot confirm her request with her token (TN484)');
select is(tests.do_as('erin', format($$select public.verify_gdpr_request(%L)$$, (select token from tokens where who = 'erin'))),
  'ok:1', 'erin confirms it');
select is(tests.try_as('erin', format($$select public.verify_gdpr_request(%L)$$, (select token from tokens where who = 'erin'))),
  'error:TN484', 'and the token works once');
select is((select state from public.gdpr_requests where subject_user_id = tests.user_id('erin')), 'verified', 'the request is verified');
select is(tests.try_as('bob', format($$select public.advance_gdpr_request(%L, 'in_progress')$$, pg_temp.request('erin', 'access'))),
  'error:TN481', 'a tenant admin cannot handle a platform request');
select is(tests.do_as('sue', format($$select public.advance_gdpr_request(%L, 'in_progress')$$, pg_temp.request('erin', 'access'))),
  'ok:1', 'support staff start it');
select is(tests.do_as('sue', format($$select public.advance_gdpr_request(%L, 'completed')$$, pg_temp.request('erin', 'access'))),
  'ok:1', 'and complete it');
select is(tests.try_as('sue', format($$select public.advance_gdpr_request(%L, 'refused', 'late')$$, pg_temp.request('erin', 'access'))),
  'error:TN482', 'a completed request cannot be refused afterwards (TN482)');
select results_eq(format($$select state, started_at is not null, closed_at is not null from public.gdpr_requests where id = %L$$,
  pg_temp.request('erin', 'access')), $$values ('completed', true, true)$$, 'its steps are timed');
select is(tests.try_as('bob', format($$select public.advance_gdpr_request(%L, 'refused', '  ')$$, pg_temp.request('carol', 'access'))),
  'error:TN483', 'a refusal says why (TN483)');
select is(tests.try_as('dave', format($$select public.advance_gdpr_request(%L, 'refused', 'no')$$, pg_temp.request('carol', 'access'))),
  'error:TN481', 'dave (auditor) cannot handle requests');
select is(tests.do_as('frank', format($$select public.advance_gdpr_request(%L, 'refused', 'The name is spelt as on her contract.')$$,
  pg_temp.request('gina', 'rectification'))), 'ok:1', 'frank refuses gina''s rectification with a reason');
select is((select refused_reason from public.gdpr_requests where id = pg_temp.request('gina', 'rectification')),
  'The name is spelt as on her contract.', 'which is kept');
select is((select count(*)::int from public.events where type = 'gdpr_request.created' and tenant_id in (tests.tenant_id('test-acme'), tests.tenant_id('test-globex'))),
  3, 'each tenant request publishes gdpr_request.created once');
select is((select count(*)::int from public.events where type = 'gdpr_request.state_changed' and subject_id = pg_temp.request('gina', 'rectification')::text),
  1, 'and each step gdpr_request.state_changed');
select is((select count(*)::int from public.audit_logs where target_type = 'gdpr_requests' and target_id = pg_temp.request('erin', 'access')::text),
  4, 'every step of a request is audited (received, verified, started, completed)');
select ok((select not (new_values ? 'verification_hash') from public.audit_logs where action = 'gdpr_requests.insert'
           and target_id = pg_temp.request('erin', 'access')::text), 'the confirmation token''s hash is never audited');

update public.gdpr_requests set due_at = now() + interval '3 days' where id = pg_temp.request('carol', 'access');
select is(private.remind_gdpr_requests(), 1, 'the reminder job finds the one request due within a week');
select is(private.remind_gdpr_requests(), 0, 'and reminds once');
select is((select payload ->> 'kind' from public.events where type = 'gdpr_request.due_soon'), 'access', 'gdpr_request.due_soon is published');

-- ---------------------------------------------------------------------------------------------
-- Erasure
-- ---------------------------------------------------------------------------------------------

-- zelda: a member of acme and globex, sole owner of zeta, acme's billing contact; she edits her
-- profile, comments, opens a support ticket, consents and is invited — all from her own address.
select tests.create_user('zelda', 'zelda.quist@example.test');
insert into public.memberships (tenant_id, user_id) values (tests.tenant_id('test-acme'), tests.user_id('zelda')),
  (tests.tenant_id('test-globex'), tests.user_id('zelda'));
select tests.create_tenant('test-zeta', 'zelda');
select pg_temp.as_zelda();
select is(tests.do_as('zelda', format($$update public.profiles set full_name = 'Zelda Quistorp' where id = %L$$, tests.user_id('zelda'))),
  'ok:1', 'zelda sets her full name');
select is(tests.do_as('zelda', format($$insert into public.consents (tenant_id, purpose_id, subject_id, granted, text_version, source)
  values (%L, %L, %L, true, 1, 'page')$$, tests.tenant_id('test-acme'), pg_temp.purpose('test-acme', 'newsletter'),
  tests.user_id('zelda'))), 'ok:1', 'zelda consents to the newsletter');
select is(tests.do_as('zelda', format($$insert into public.teams (tenant_id, name) values (%L, 'zeta crew')$$, tests.tenant_id('test-zeta'))),
  'ok:1', 'zelda adds a team in zeta');
select pg_temp.as_nobody_in_particular();
select is(tests.do_as('alice', format($$insert into public.teams (tenant_id, name, description) values (%L, 'guests', 'Ask Zelda Quistorp (zelda.quist@example.test)')$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'alice names zelda in a team''s description');
insert into public.billing_accounts (tenant_id, billing_email, company_name) values (tests.tenant_id('test-acme'), 'zelda.quist@example.test', 'Acme Ltd')
  on conflict (tenant_id) do update set billing_email = excluded.billing_email;
insert into public.invitations (tenant_id, email, role_id, token_hash, expires_at, invited_by)
values (tests.tenant_id('test-globex'), 'zelda.quist@example.test', tests.role_id('viewer'), sha256(convert_to('zelda-token', 'UTF8')),
        now() + interval '7 days', tests.user_id('frank'));
select ok(cardinality(pg_temp.found_anywhere('zelda.quist@example.test')) >= 4, 'before: her email is in several tables');
select ok(cardinality(pg_temp.found_anywhere('198.51.100.23')) >= 2, 'before: her address too');
select is((private.subject_export(tests.user_id('zelda')) -> 'profile' ->> 'full_name'), 'Zelda Quistorp', 'her export has her profile');
select is(jsonb_array_length(private.subject_export(tests.user_id('zelda')) -> 'consents'), 1, 'and her consents');
select is(jsonb_array_length(private.subject_export(tests.user_id('zelda')) -> 'memberships'), 3, 'and her three memberships');

-- Her request, confirmed; the last owner of zeta cannot be erased until ownership moves.
select tests.authenticate_as('zelda');
insert into tokens select 'zelda', r.verification_token from public.create_gdpr_request(tests.tenant_id('test-acme'), 'erasure', 'Please forget me') r;
select tests.clear_authentication();
select is(tests.do_as('zelda', format($$select public.verify_gdpr_request(%L)$$, (select token from tokens where who = 'zelda'))),
  'ok:1', 'zelda confirms her erasure request');
select is(tests.try_as('bob', format($$select public.advance_gdpr_request(%L, 'in_progress')$$, pg_temp.request('zelda', 'erasure'))),
  'error:TN485', 'bob cannot start it while zelda is zeta''s last owner (TN485)');
select throws_ok(format($$select private.erase_subject(%L)$$, tests.user_id('zelda')), 'TN485', null,
  'nor can the erasure itself run');
insert into public.memberships (tenant_id, user_id, is_owner) values (tests.tenant_id('test-zeta'), tests.user_id('alice'), true);
select is(tests.do_as('bob', format($$select public.advance_gdpr_request(%L, 'in_progress')$$, pg_temp.request('zelda', 'erasure'))),
  'ok:1', 'once alice co-owns zeta, bob starts the erasure');
select is(tests.try_as('bob', format($$select public.advance_gdpr_request(%L, 'completed')$$, pg_temp.request('zelda', 'erasure'))),
  'error:TN482', 'an erasure completes by its job, not by hand');
select is((select count(*)::int from public.jobs where queue = 'privacy.erase' and payload ->> 'request_id' = pg_temp.request('zelda', 'erasure')::text),
  1, 'the privacy.erase job is queued');

-- Sealed before: every chain verifies.
select ok(private.seal_audit_chain() > 0, 'the audit log is sealed');
create temp table invoices_before as select count(*) as n from public.invoices;
select results_eq($$select count(*)::int from public.verify_audit_chain(tests.tenant_id('test-acme')) where problem is null$$,
  $$values (1)$$, 'before: acme''s chain verifies');

select tests.authenticate_as_service_role('privacy.erase');
select ok((private.run_gdpr_erasure(pg_temp.request('zelda', 'erasure')) ->> 'public.audit_logs')::int > 0,
  'the job erases zelda, redacting audit rows');
select tests.clear_authentication();
select is((select state from public.gdpr_requests where id = pg_temp.request('zelda', 'erasure')), 'completed', 'and completes the request');

-- Nowhere: every column of every table, her export, and the chains still verify.
select is(pg_temp.found_anywhere('zelda.quist@example.test'), '{}', 'after: her email is in no table');
select is(pg_temp.found_anywhere('Zelda Quistorp'), '{}', 'after: her name is in no table');
select is(pg_temp.found_anywhere('198.51.100.23'), '{}', 'after: her IP is in no table');
select is(pg_temp.found_anywhere('ZeldaBrowser'), '{}', 'after: nor her user agent');
select is(private.subject_export(tests.user_id('zelda')) -> 'profile', 'null'::jsonb, 'a fresh export has no profile');
select is(jsonb_array_length(private.subject_export(tests.user_id('zelda')) -> 'memberships'), 0, 'and no memberships');
select ok(private.subject_export(tests.user_id('zelda'))::text !~* 'zelda|198\.51\.100\.23', 'nor anything of hers');
select ok(private.seal_audit_chain() > 0, 'the erasure''s own rows are sealed');
select results_eq($$select problem, unsealed_rows from public.verify_audit_chain(tests.tenant_id('test-acme'))$$,
  $$values (null::text, 0::bigint)$$, 'after: acme''s chain verifies');
select results_eq($$select problem, unsealed_rows from public.verify_audit_chain(tests.tenant_id('test-zeta'))$$,
  $$values (null::text, 0::bigint)$$, 'after: zeta''s chain (her team) verifies');
select results_eq($$select problem, unsealed_rows from public.verify_audit_chain(null)$$,
  $$values (null::text, 0::bigint)$$, 'after: the platform chain (her profile) verifies');
select ok((select count(*) from public.audit_logs where actor_id = tests.user_id('zelda') and erased_at is not null) >= 3,
  'her audit rows are still there, erased');
select is((select new_values ->> 'description' from public.audit_logs where action = 'teams.insert' and new_values ->> 'name' = 'guests'),
  'Ask a deleted member (a deleted member)', 'the history reads "a deleted member"');
select is((select new_values ->> 'full_name' from public.audit_logs where action = 'profiles.update' and target_id = tests.user_id('zelda')::text),
  'a deleted member', 'her name change reads "a deleted member"');
select is((select description from public.teams where name = 'guests'), 'Ask a deleted member (a deleted member)',
  'and so does the team''s description');
select is((select count(*)::int from public.invoices), (select n::int from invoices_before), 'billing records are kept');
select is((select billing_email from public.billing_accounts where tenant_id = tests.tenant_id('test-acme')), null,
  'her address as acme''s billing contact is gone');
select is((select company_name from public.billing_accounts where tenant_id = tests.tenant_id('test-acme')), 'Acme Ltd',
  'the rest of the billing account stays');
select is((select count(*)::int from public.memberships where user_id = tests.user_id('zelda')), 0, 'her memberships are gone');
select is((select count(*)::int from public.consents where subject_id = tests.user_id('zelda')::text and ip is null), 1,
  'her consent stays in the ledger, without her address');
select is((select count(*)::int from public.audit_logs where action = 'privacy.erase' and target_id = tests.user_id('zelda')::text), 1,
  'the erasure is audited once');

-- The audit log still admits nothing else.
select throws_ok($$update public.audit_logs set action = 'x' where id = (select max(id) from public.audit_logs)$$, 'TN050', null,
  'an audit row cannot be changed');
select set_config('tenantry.erasure', 'on', true);
select throws_ok($$update public.audit_logs set action = 'x' where id = (select max(id) from public.audit_logs)$$, 'TN050', null,
  'not even under the erasure''s flag, unless it is a redaction');
select throws_ok($$update public.audit_logs set erased_at = now(), content_salt = null, content_commitment = '\x00', old_values = null
  where id = (select max(id) from public.audit_logs where erased_at is null)$$, 'TN050', null,
  'a forged redaction (wrong commitment) is refused');
select throws_ok($$delete from public.audit_logs where id = (select max(id) from public.audit_logs)$$, 'TN050', null,
  'and rows are never deleted');
select throws_ok($$update public.events set type = 'consent.recorded' where id = (select id from public.events where type <> 'consent.recorded' limit 1)$$, 'TN050', null,
  'an event''s type cannot change, even then');
select set_config('tenantry.erasure', 'off', true);
select throws_ok($$update public.events set payload = '{}' where id = (select id from public.events limit 1)$$, 'TN050', null,
  'nor its payload outside an erasure');
select ok(not has_function_privilege('authenticated', 'private.erase_subject(uuid)', 'execute')
          and not has_function_privilege('service_role', 'private.erase_subject(uuid)', 'execute'),
  'erase_subject is no API role''s to call');

-- ---------------------------------------------------------------------------------------------
-- The access request's archive (20261206000500_governance_more.sql)
-- ---------------------------------------------------------------------------------------------

create temp table export_tokens (name text primary key, token text);
grant all on export_tokens to public;
select tests.authenticate_as('dave');
insert into export_tokens select 'verify', r.verification_token
  from public.create_gdpr_request(tests.tenant_id('test-acme'), 'access', 'My data') r;
select tests.clear_authentication();
select is(tests.do_as('dave', format('select public.verify_gdpr_request(%L)', (select token from export_tokens where name = 'verify'))),
  'ok:1', 'dave confirms his access request');
select is(tests.do_as('alice', format($$select public.advance_gdpr_request(%L, 'in_progress')$$, pg_temp.request('dave', 'access'))),
  'ok:1', 'alice starts it');
select results_eq(format($$select queue, payload ->> 'request_id', dedupe_key from public.jobs where queue = 'privacy.export'
  and payload ->> 'request_id' = %L$$, pg_temp.request('dave', 'access')),
  format($$values ('privacy.export', %L, 'privacy.export:' || %L)$$, pg_temp.request('dave', 'access'), pg_temp.request('dave', 'access')),
  'starting an access request queues its privacy.export job, once');
select is(tests.try_as('alice', format($$select private.record_gdpr_export(%L, 'x', 1, repeat('a', 64), 0, repeat('k', 40))$$,
  pg_temp.request('dave', 'access'))), 'error:42501', 'only the job records an archive');
select is(tests.try_as('service_role', format($$select private.record_gdpr_export(%L, %L, 1, repeat('a', 64), 0, repeat('k', 40))$$,
  pg_temp.request('carol', 'access'), pg_temp.request('carol', 'access') || '/' || gen_random_uuid() || '.zip.enc')),
  'error:TN497', 'an archive is recorded only for an access request in progress (TN497)');
select ok((select (private.gdpr_export_source(pg_temp.request('dave', 'access')) -> 'export' -> 'profile' ->> 'id')::uuid = tests.user_id('dave')),
  'the job''s source is the person''s export');
insert into export_tokens values ('request', pg_temp.request('dave', 'access')::text);
select tests.authenticate_as_service_role('privacy.export');
insert into export_tokens select 'download', private.record_gdpr_export((select token::uuid from export_tokens where name = 'request'),
  (select token::uuid from export_tokens where name = 'request') || '/' || gen_random_uuid() || '.zip.enc', 1234, repeat('b', 64), 2, repeat('k', 40));
select throws_ok(format($$select private.record_gdpr_export(%L, %L, 1234, repeat('b', 64), 2, repeat('k', 40))$$,
  (select token from export_tokens where name = 'request'), (select token from export_tokens where name = 'request') || '/' || gen_random_uuid() || '.zip.enc'),
  'TN497', null, 'recording it again (the job run twice) is refused: the request is completed, with one archive');
select tests.clear_authentication();
select is((select state from public.gdpr_requests where id = pg_temp.request('dave', 'access')), 'completed',
  'the archive completes the request');
select is((select outcome from public.gdpr_requests where id = pg_temp.request('dave', 'access')),
  '{"files": 2, "archive_bytes": 1234}'::jsonb, 'with what it holds');
select is((select count(*)::int from private.email_outbox where template = 'privacy_export'
  and payload ->> 'path' = '/account/privacy/export/' || (select token from export_tokens where name = 'download')), 1,
  'the person is emailed the one-time link');
select is((select count(*)::int from public.gdpr_exports where token_hash = sha256(convert_to((select token from export_tokens where name = 'download'), 'UTF8'))),
  1, 'only the token''s hash is stored');
select is((select count(*)::int from public.notifications where user_id = tests.user_id('dave') and kind = 'security.data_export_ready'
  and strpos(body, (select token from export_tokens where name = 'download')) = 0), 1, 'and notified in their inbox, without the token');
select is((select count(*)::int from public.jobs where queue = 'privacy.export_purge'
  and payload ->> 'request_id' = pg_temp.request('dave', 'access')::text
  and run_at = (select expires_at from public.gdpr_exports where request_id = pg_temp.request('dave', 'access'))), 1,
  'the purge is queued for its expiry');
select is((select count(*)::int from public.audit_logs where action = 'gdpr_exports.insert'
  and target_id = pg_temp.request('dave', 'access')::text and not (new_values ? 'token_hash') and not (new_values ? 'wrapped_key')), 1,
  'the archive is audited, without its token hash or key');

delete from matrix_cases;
delete from matrix_expected;
insert into matrix_cases values
  ('gdpr_exports', 'select', 'select request_id from public.gdpr_exports'),
  ('gdpr_exports', 'insert', format($$insert into public.gdpr_exports (request_id, subject_user_id, object_path, byte_size, sha256, token_hash) values (%L, %L, 'p', 1, 'x', '\x00')$$, pg_temp.request('carol', 'access'), tests.user_id('carol'))),
  ('gdpr_exports', 'update', 'update public.gdpr_exports set downloaded_at = now()'),
  ('gdpr_exports', 'delete', 'delete from public.gdpr_exports');
insert into matrix_expected values
  ('gdpr_exports', 'anon',         'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_exports', 'alice',        'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_exports', 'bob',          'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_exports', 'carol',        'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_exports', 'dave',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_exports', 'erin',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_exports', 'frank',        'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_exports', 'gina',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_exports', 'sue',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('gdpr_exports', 'service_role', 'rows:1', 'error:42501', 'error:42501', 'error:42501');
select * from tests.persona_matrix();
select ok(not has_column_privilege('authenticated', 'public.gdpr_exports', 'token_hash', 'select')
          and not has_column_privilege('authenticated', 'public.gdpr_exports', 'wrapped_key', 'select')
          and not has_column_privilege('service_role', 'public.gdpr_exports', 'token_hash', 'select')
          and not has_column_privilege('service_role', 'public.gdpr_exports', 'wrapped_key', 'select'),
  'no API role reads an export''s token hash or wrapped key');

select is(tests.try_as('frank', format('select request_id from public.claim_gdpr_export(%L)', (select token from export_tokens where name = 'download'))),
  'error:TN494', 'another account cannot use the link (TN494)');
select is(tests.try_as('dave', 'select request_id from public.claim_gdpr_export(''nope'')'), 'error:TN494', 'nor a made-up token');
select is(tests.do_as('dave', format('select request_id from public.claim_gdpr_export(%L)', (select token from export_tokens where name = 'download'))),
  'ok:1', 'the person downloads it');
select is(tests.try_as('dave', format('select request_id from public.claim_gdpr_export(%L)', (select token from export_tokens where name = 'download'))),
  'error:TN495', 'once (TN495)');
select is((select count(*)::int from public.jobs where queue = 'privacy.export_purge'
  and dedupe_key = 'privacy.export_purge:downloaded:' || pg_temp.request('dave', 'access')), 1,
  'the download queues the purge');
select is((select count(*)::int from public.audit_logs where action = 'gdpr_exports.update'
  and target_id = pg_temp.request('dave', 'access')::text), 1, 'and is audited');
select throws_ok(format($$update public.gdpr_exports set expires_at = now() + interval '1 year' where request_id = %L$$,
  pg_temp.request('dave', 'access')), null, null, 'an export''s expiry cannot be moved');
select tests.authenticate_as_service_role('privacy.export_purge');
select ok((select private.purge_gdpr_export((select token::uuid from export_tokens where name = 'request')) like '%.zip.enc'),
  'the purge deletes the downloaded archive (its object path returned)');
select is(private.purge_gdpr_export((select token::uuid from export_tokens where name = 'request')), null, 'once');
select tests.clear_authentication();
select is((select wrapped_key is null and deleted_at is not null from public.gdpr_exports where request_id = pg_temp.request('dave', 'access')),
  true, 'and forgets its key');
select is(tests.try_as('dave', format('select request_id from public.claim_gdpr_export(%L)', (select token from export_tokens where name = 'download'))),
  'error:TN495', 'a purged export stays refused');

alter table public.gdpr_exports disable trigger gdpr_exports_immutable_columns;
update public.gdpr_exports set downloaded_at = null, created_at = now() - interval '9 days', expires_at = now() - interval '2 days'
  where request_id = pg_temp.request('dave', 'access');
alter table public.gdpr_exports enable trigger gdpr_exports_immutable_columns;
select is(tests.try_as('dave', format('select request_id from public.claim_gdpr_export(%L)', (select token from export_tokens where name = 'download'))),
  'error:TN496', 'an expired link is refused (TN496)');

-- The deadline's extension and the console's list (20261206000500_governance_more.sql)
select is(tests.try_as('alice', format($$select public.extend_gdpr_request(%L, ' ')$$, pg_temp.request('carol', 'access'))),
  'error:TN499', 'an extension says why (TN499)');
select is(tests.try_as('carol', format($$select public.extend_gdpr_request(%L, 'Busy')$$, pg_temp.request('carol', 'access'))),
  'error:TN481', 'the person cannot extend their own request''s deadline');
create temp table due_before as select due_at from public.gdpr_requests where id = pg_temp.request('carol', 'access');
select is(tests.do_as('alice', format($$select public.extend_gdpr_request(%L, 'Many records across systems')$$, pg_temp.request('carol', 'access'))),
  'ok:1', 'alice extends carol''s request');
select is((select due_at from public.gdpr_requests where id = pg_temp.request('carol', 'access')),
  (select due_at + interval '2 months' from due_before), 'by two months');
select is(tests.try_as('alice', format($$select public.extend_gdpr_request(%L, 'Again')$$, pg_temp.request('carol', 'access'))),
  'error:TN498', 'once (TN498)');
select is((select new_values ->> 'extension_reason' from public.audit_logs where action = 'gdpr_requests.update'
  and target_id = pg_temp.request('carol', 'access')::text order by id desc limit 1), 'Many records across systems',
  'the extension is audited with its reason');
select is(tests.try_as('alice', 'select * from public.admin_gdpr_requests()'), 'error:TN061',
  'the console''s list is for support staff (TN061)');
select ok(tests.try_as('sue', 'select * from public.admin_gdpr_requests()') ~ '^rows:[1-9]',
  'support staff list every tenant''s requests');
select is(tests.try_as('sue', format($$select * from public.admin_gdpr_requests() where id = %L and tenant_slug = 'test-acme' and state = 'completed'$$,
  (select token from export_tokens where name = 'request'))), 'rows:1', 'with their organisation and state');

select * from finish();
rollback;
