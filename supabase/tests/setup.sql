-- Shared pgTAP helpers, applied once to the database every test file starts from.
-- Idempotent: `create or replace` and `if not exists` throughout.
--
-- Personas are named users (tests.user_id('alice') is stable across runs). A test either switches
-- to a persona for a few statements (tests.authenticate_as … tests.clear_authentication) or probes
-- one statement as a persona with tests.try_as(), which always rolls the statement back and
-- returns 'rows:N', 'ok:N' (rows affected) or 'error:SQLSTATE'.
--
-- Every file passes on an empty database and on one that holds supabase/seed.sql's demo data (what
-- `supabase db reset` then `supabase test db` gives). So fixtures never collide with the seed: a
-- fixture tenant's slug starts with `test-` and a fixture user's email ends in `example.test`, which
-- the seed never uses; and an assertion about "every row" of a table compares with the table's own
-- count or is scoped to tests.fixture_tenant_ids() / tests.fixture_user_ids().

create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

create or replace function tests.user_id(p_name text)
returns uuid
language sql
immutable
as $$
  select md5('tenantry-test-user:' || p_name)::uuid
$$;

create or replace function tests.create_user(p_name text, p_email text default null, p_confirmed boolean default true)
returns uuid
language plpgsql
as $$
begin
  insert into auth.users (id, aud, role, email, email_confirmed_at, raw_user_meta_data, created_at, updated_at)
  values (tests.user_id(p_name), 'authenticated', 'authenticated', coalesce(p_email, p_name || '@example.test'),
          case when p_confirmed then now() end, jsonb_build_object('full_name', initcap(p_name)), now(), now())
  on conflict (id) do nothing;
  return tests.user_id(p_name);
end
$$;

create or replace function tests.authenticate_as(p_name text, p_aal text default 'aal1')
returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', jsonb_build_object(
    'sub', tests.user_id(p_name), 'role', 'authenticated', 'aal', p_aal,
    'email', (select u.email from auth.users u where u.id = tests.user_id(p_name)))::text, true);
  perform set_config('role', 'authenticated', true);
end
$$;

create or replace function tests.authenticate_as_anon()
returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', '{"role":"anon"}', true);
  perform set_config('role', 'anon', true);
end
$$;

create or replace function tests.authenticate_as_service_role(p_job text default 'tests')
returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', jsonb_build_object('role', 'service_role', 'job', p_job)::text, true);
  perform set_config('role', 'service_role', true);
end
$$;

create or replace function tests.clear_authentication()
returns void
language plpgsql
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
end
$$;

-- The rows a query returns, each fetched whole. Not `select count(*) from (<query>)`: the planner
-- drops a subquery's unused select-list columns, so a stable function there would never run and a
-- refusal it raises would go unseen. Runs as the current role.
create or replace function tests.row_count(p_sql text)
returns bigint
language plpgsql
as $$
declare
  v_count bigint := 0;
  v_row record;
begin
  for v_row in execute p_sql loop
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;

-- Runs one statement as a persona ('anon', 'service_role' or a user name) and undoes it.
create or replace function tests.try_as(p_persona text, p_sql text, p_aal text default 'aal1')
returns text
language plpgsql
as $$
declare
  v_count bigint;
  v_result text;
begin
  begin
    if p_persona = 'anon' then
      perform tests.authenticate_as_anon();
    elsif p_persona = 'service_role' then
      perform tests.authenticate_as_service_role();
    else
      perform tests.authenticate_as(p_persona, p_aal);
    end if;
    if p_sql ~* '^\s*select\M' then
      v_count := tests.row_count(p_sql);
      v_result := 'rows:' || v_count;
    else
      execute p_sql;
      get diagnostics v_count = row_count;
      v_result := 'ok:' || v_count;
    end if;
    raise exception using errcode = 'TT000', message = v_result;
  exception
    when sqlstate 'TT000' then
      return sqlerrm;
    when others then
      return 'error:' || sqlstate;
  end;
end
$$;

-- The persona matrix: one assertion per cell of personas × tables × operations. The calling file
-- fills two temp tables — matrix_cases (tbl, op, stmt): the statement each operation on a table
-- runs; matrix_expected (tbl, persona, select_result, insert_result, update_result,
-- delete_result): what each persona gets, in try_as's words — and selects from this function,
-- which runs every cell with tests.try_as() and yields its TAP lines, ordered by table, persona
-- and operation. Used by 02-tenancy-personas and 14-billing-personas.
create or replace function tests.persona_matrix()
returns setof text
language plpgsql
as $$
begin
  return query
  select is(tests.try_as(e.persona, c.stmt),
            case c.op when 'select' then e.select_result when 'insert' then e.insert_result
                      when 'update' then e.update_result else e.delete_result end,
            format('%s: %s on %s', e.persona, c.op, c.tbl))
  from matrix_expected e
  join matrix_cases c on c.tbl = e.tbl
  order by e.tbl, e.persona, array_position(array['select', 'insert', 'update', 'delete'], c.op);
end
$$;

-- Like try_as, but a statement that succeeds is kept (for multi-step scenarios).
create or replace function tests.do_as(p_persona text, p_sql text, p_aal text default 'aal1')
returns text
language plpgsql
as $$
declare
  v_count bigint;
begin
  begin
    if p_persona = 'anon' then
      perform tests.authenticate_as_anon();
    elsif p_persona = 'service_role' then
      perform tests.authenticate_as_service_role();
    else
      perform tests.authenticate_as(p_persona, p_aal);
    end if;
    execute p_sql;
    get diagnostics v_count = row_count;
    perform tests.clear_authentication();
    return 'ok:' || v_count;
  exception when others then
    return 'error:' || sqlstate;
  end;
end
$$;

create or replace function tests.tenant_id(p_slug text)
returns uuid
language sql
stable
as $$
  select t.id from public.tenants t where t.slug = p_slug
$$;

-- The tenants and users the fixtures created (see the header: seed data is never among them).
create or replace function tests.fixture_tenant_ids()
returns uuid[]
language sql
stable
as $$
  select coalesce(array_agg(t.id order by t.id), '{}') from public.tenants t where t.slug like 'test-%'
$$;

create or replace function tests.fixture_user_ids()
returns uuid[]
language sql
stable
as $$
  select coalesce(array_agg(u.id order by u.id), '{}') from auth.users u where u.email like '%example.test'
$$;

-- A condition that keeps a statement to the fixtures' rows, for assertions about "every row":
-- 'tenant' (p_column is a fixture tenant), 'tenant or shared' (… or null: the shared catalog),
-- 'user' (a fixture user), 'audit' (an audit row written after tests.seed_fixture() began).
create or replace function tests.fixture_rows(p_column text, p_kind text default 'tenant')
returns text
language sql
stable
as $$
  select case p_kind
    when 'tenant' then format('%I = any (%L::uuid[])', p_column, tests.fixture_tenant_ids())
    when 'tenant or shared' then
      format('(%I = any (%L::uuid[]) or %I is null)', p_column, tests.fixture_tenant_ids(), p_column)
    when 'user' then format('%I = any (%L::uuid[])', p_column, tests.fixture_user_ids())
    when 'audit' then format('%I > %s', p_column, coalesce(nullif(current_setting('tests.audit_before', true), ''), '0'))
  end
$$;

-- 'rows:N' for every row a query returns, read as the test's own role (no RLS): what a persona
-- who may read "every row" must see, on an empty database and on a seeded one alike.
create or replace function tests.rows(p_sql text)
returns text
language plpgsql
as $$
declare
begin
  return 'rows:' || tests.row_count(p_sql);
end
$$;

create or replace function tests.role_id(p_key text, p_tenant_slug text default null)
returns uuid
language sql
stable
as $$
  select r.id from public.roles r
  where r.key = p_key and r.tenant_id is not distinct from tests.tenant_id(p_tenant_slug)
$$;

create or replace function tests.project_id(p_tenant_slug text, p_project_slug text)
returns uuid
language sql
stable
as $$
  select p.id from public.projects p where p.tenant_id = tests.tenant_id(p_tenant_slug) and p.slug = p_project_slug
$$;

-- Two active tenants and a pending one, every persona the suites use (slugs test-acme,
-- test-globex, test-initech; the names below drop the prefix):
--   acme:    alice owner · bob admin · carol viewer (in team "platform") · dave custom role
--            "auditor" (audit.read, members.read) and project_editor on project "web"
--            projects "web" and "api"; a pending invitation for newbie@example.test (token
--            'acme-newbie-token')
--   globex:  frank owner · gina developer (team "ops"); project "data"
--   initech: pending, ivan owner
--   erin:    signed up, member of nothing (the stranger)
--   staff:   sam super_admin · sue support · bill billing_admin
create or replace function tests.seed_fixture()
returns void
language plpgsql
as $$
declare
  v_acme uuid;
  v_globex uuid;
  v_initech uuid;
  v_auditor uuid;
begin
  perform set_config('tests.audit_before', (select coalesce(max(id), 0) from public.audit_logs)::text, true);
  perform tests.create_user(u) from unnest(array['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina',
                                                 'ivan', 'newbie', 'sam', 'sue', 'bill']) u;
  insert into public.platform_staff (user_id, role) values
    (tests.user_id('sam'), 'super_admin'), (tests.user_id('sue'), 'support'), (tests.user_id('bill'), 'billing_admin');

  insert into public.tenants (slug, name, status, created_by) values ('test-acme', 'Acme', 'active', tests.user_id('alice'))
    returning id into v_acme;
  insert into public.tenants (slug, name, status, created_by) values ('test-globex', 'Globex', 'active', tests.user_id('frank'))
    returning id into v_globex;
  insert into public.tenants (slug, name, status, created_by) values ('test-initech', 'Initech', 'pending', tests.user_id('ivan'))
    returning id into v_initech;

  insert into public.memberships (tenant_id, user_id, is_owner) values
    (v_acme, tests.user_id('alice'), true), (v_acme, tests.user_id('bob'), false),
    (v_acme, tests.user_id('carol'), false), (v_acme, tests.user_id('dave'), false),
    (v_globex, tests.user_id('frank'), true), (v_globex, tests.user_id('gina'), false),
    (v_initech, tests.user_id('ivan'), true);

  insert into public.roles (tenant_id, key, name, description) values (v_acme, 'auditor', 'Auditor', 'Reads the audit log')
    returning id into v_auditor;
  insert into public.role_permissions (role_id, permission_code, tenant_id) values
    (v_auditor, 'audit.read', v_acme), (v_auditor, 'members.read', v_acme);

  insert into public.role_assignments (tenant_id, user_id, role_id) values
    (v_acme, tests.user_id('bob'), tests.role_id('admin')),
    (v_acme, tests.user_id('carol'), tests.role_id('viewer')),
    (v_acme, tests.user_id('dave'), v_auditor),
    (v_globex, tests.user_id('gina'), tests.role_id('developer'));

  insert into public.teams (tenant_id, name, created_by) values (v_acme, 'platform', tests.user_id('alice')),
                                                                 (v_globex, 'ops', tests.user_id('frank'));
  insert into public.team_members (tenant_id, team_id, user_id)
  select v_acme, t.id, u from public.teams t, unnest(array[tests.user_id('carol'), tests.user_id('bob')]) u
  where t.tenant_id = v_acme;
  insert into public.team_members (tenant_id, team_id, user_id)
  select v_globex, t.id, tests.user_id('gina') from public.teams t where t.tenant_id = v_globex;

  insert into public.projects (tenant_id, slug, name, created_by) values
    (v_acme, 'web', 'Web', tests.user_id('alice')), (v_acme, 'api', 'API', tests.user_id('alice')),
    (v_globex, 'data', 'Data', tests.user_id('frank'));
  insert into public.role_assignments (tenant_id, user_id, role_id, project_id)
  values (v_acme, tests.user_id('dave'), tests.role_id('project_editor'), tests.project_id('test-acme', 'web'));

  insert into public.invitations (tenant_id, email, role_id, token_hash, expires_at, invited_by)
  values (v_acme, 'newbie@example.test', tests.role_id('viewer'), sha256(convert_to('acme-newbie-token', 'UTF8')),
          now() + interval '7 days', tests.user_id('alice'));
end
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

-- Billing (20261130001000_billing.sql): puts a tenant on a plan directly, as the operator. A tenant the
-- fixture creates has no subscription (unbilled, no limits) until a test gives it one.
create or replace function tests.subscribe(
  p_tenant_slug text, p_plan_code text, p_status public.subscription_status default 'active',
  p_period_end timestamptz default now() + interval '20 days', p_trial_end timestamptz default null)
returns uuid
language sql
as $$
  insert into public.subscriptions (tenant_id, plan_id, status, current_period_start, current_period_end, trial_end,
                                    past_due_since)
  select tests.tenant_id(p_tenant_slug), p.id, p_status, p_period_end - interval '1 month', p_period_end, p_trial_end,
         case when p_status = 'past_due' then p_period_end end
  from public.plans p where p.code = p_plan_code
  returning id
$$;

-- A tenant with one owner, created by the operator (unbilled until subscribed).
create or replace function tests.create_tenant(p_slug text, p_owner text)
returns uuid
language plpgsql
as $$
declare
  v_id uuid;
begin
  perform tests.create_user(p_owner);
  insert into public.tenants (slug, name, status) values (p_slug, initcap(p_slug), 'active') returning id into v_id;
  insert into public.memberships (tenant_id, user_id, is_owner) values (v_id, tests.user_id(p_owner), true);
  return v_id;
end
$$;

grant execute on function tests.subscribe(text, text, public.subscription_status, timestamptz, timestamptz),
  tests.create_tenant(text, text) to anon, authenticated, service_role;
