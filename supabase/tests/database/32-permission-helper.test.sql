-- The one permission helper: private.admitted_tenant_ids (20261205000900_rls_mfa.sql) is the only
-- place the "caller holds X in tenant T" join is written; policies ask it as it is (MFA-blocked
-- tenants left out), permitted_tenant_ids asks it with the MFA test off for the RPCs;
-- holds_permission is its point form, tenants_with_permission its set form, and the older names
-- (user_has_permission, user_tenant_ids, user_permissions, can_manage_billing, can_read_billing)
-- answer through it.
--
-- Fixture (own tenants, slugs test-t32-…): t32-a owned by t32owner, where t32dev holds a custom
-- role granting projects.read, t32plain is a member without roles and t32gone a suspended member
-- holding the same role; t32-b owned by t32other; t32-mfa requires MFA, owned by t32owner, with
-- t32dev holding its projects.read role; t32-paid was suspended by billing, owned by t32owner.
begin;
select plan(66);

select tests.create_tenant('test-t32-a', 't32owner');
select tests.create_tenant('test-t32-b', 't32other');
select tests.create_tenant('test-t32-mfa', 't32owner');
select tests.create_tenant('test-t32-paid', 't32owner');
select tests.create_user('t32dev');
select tests.create_user('t32plain');
select tests.create_user('t32gone');
insert into public.memberships (tenant_id, user_id, status) values
  (tests.tenant_id('test-t32-a'), tests.user_id('t32dev'), 'active'),
  (tests.tenant_id('test-t32-a'), tests.user_id('t32plain'), 'active'),
  (tests.tenant_id('test-t32-a'), tests.user_id('t32gone'), 'suspended'),
  (tests.tenant_id('test-t32-mfa'), tests.user_id('t32dev'), 'active');
insert into public.roles (tenant_id, key, name, scope) values
  (tests.tenant_id('test-t32-a'), 'reader', 'Reader', 'tenant'),
  (tests.tenant_id('test-t32-mfa'), 'reader', 'Reader', 'tenant');
insert into public.role_permissions (role_id, permission_code, tenant_id)
select tests.role_id('reader', s), 'projects.read', tests.tenant_id(s) from unnest(array['test-t32-a', 'test-t32-mfa']) s;
insert into public.role_assignments (tenant_id, user_id, role_id) values
  (tests.tenant_id('test-t32-a'), tests.user_id('t32dev'), tests.role_id('reader', 'test-t32-a')),
  (tests.tenant_id('test-t32-a'), tests.user_id('t32gone'), tests.role_id('reader', 'test-t32-a')),
  (tests.tenant_id('test-t32-mfa'), tests.user_id('t32dev'), tests.role_id('reader', 'test-t32-mfa'));
insert into public.projects (tenant_id, slug, name) values
  (tests.tenant_id('test-t32-a'), 'app', 'App'), (tests.tenant_id('test-t32-mfa'), 'app', 'App');
update public.tenants set require_mfa = true where slug = 'test-t32-mfa';
update public.tenants set status = 'suspended', status_reason = private.billing_suspension_reason() where slug = 'test-t32-paid';

-- Asks as a persona, in this transaction, what the helper answers (the row-level answer the
-- policies get comes from the same call).
create function pg_temp.holds(p_persona text, p_code text, p_slug text, p_aal text default 'aal1', p_billing boolean default false)
returns boolean language plpgsql as $$
declare
  v_tenant uuid := tests.tenant_id(p_slug);
  v boolean;
begin
  perform tests.authenticate_as(p_persona, p_aal);
  v := private.holds_permission(p_code, v_tenant, p_billing);
  perform tests.clear_authentication();
  return v;
end $$;
-- The functions only the RPCs call (not granted to API roles): asked with the persona's claims
-- but the test's own role, as a security definer RPC would.
create function pg_temp.as_claims(p_persona text, p_aal text default 'aal1') returns void language sql as $$
  select set_config('request.jwt.claims', jsonb_build_object('sub', tests.user_id(p_persona), 'role', 'authenticated',
    'aal', p_aal)::text, true)
$$;

-- Member, owner, inactive member, other tenant, anon
select ok(pg_temp.holds('t32dev', 'projects.read', 'test-t32-a'), 'a member holds what their role grants');
select ok(not pg_temp.holds('t32dev', 'projects.update', 'test-t32-a'), 'and nothing their role does not grant');
select ok(not pg_temp.holds('t32plain', 'projects.read', 'test-t32-a'), 'a member without a role holds nothing');
select ok(pg_temp.holds('t32owner', 'billing.manage', 'test-t32-a'), 'the owner holds every code in the catalog');
select ok(not pg_temp.holds('t32owner', 'no.such', 'test-t32-a'), 'but not a code outside it');
select ok(not pg_temp.holds('t32gone', 'projects.read', 'test-t32-a'), 'a suspended member holds nothing, whatever their roles');
select ok(not pg_temp.holds('t32dev', 'projects.read', 'test-t32-b'), 'a member of one tenant holds nothing in another');
select ok(not pg_temp.holds('t32owner', 'projects.read', 'test-t32-b'), 'nor does an owner of one tenant in another');
select ok(not pg_temp.holds('t32owner', null, 'test-t32-a'), 'no code: nothing is held');
select is(tests.try_as('anon', format($$select * from private.holds_permission('projects.read', %L)$$, tests.tenant_id('test-t32-a'))),
  'error:42501', 'anon cannot even ask');
select is(tests.try_as('anon', $$select * from private.permitted_tenant_ids('projects.read')$$), 'error:42501',
  'anon cannot call the join');
select is(tests.try_as('anon', $$select * from private.admitted_tenant_ids('projects.read')$$), 'error:42501',
  'nor its policy form');

-- The policy comparison: private.tenant_in(tenant_id, (select private.admitted_tenant_ids(code)))
select ok(private.tenant_in(tests.tenant_id('test-t32-a'), array[tests.tenant_id('test-t32-b'), tests.tenant_id('test-t32-a')]),
  'tenant_in: a tenant of the set is in');
select ok(not private.tenant_in(tests.tenant_id('test-t32-a'), array[tests.tenant_id('test-t32-b')]),
  'tenant_in: another tenant is not');
select ok(not private.tenant_in(tests.tenant_id('test-t32-a'), '{}') and not private.tenant_in(tests.tenant_id('test-t32-a'), null),
  'tenant_in: nothing is in an empty or missing set (false, not null)');
select ok(not private.tenant_in(null, array[tests.tenant_id('test-t32-a')]), 'tenant_in: a missing tenant is in no set');
select is(
  (select array_agg(tablename || '.' || policyname) from pg_policies
   where schemaname = 'public'
     and (coalesce(qual, '') || ' ' || coalesce(with_check, ''))
         ~ 'tenant_in\((?![a-z_]+, \( SELECT private\.admitted_tenant_ids\((''[a-z_.]+''::text(, true)?)?\) AS admitted_tenant_ids\)\))'),
  null, 'every tenant_in in a policy compares a column with the statement''s one call of the join, MFA honoured (no third argument)');
select is(
  (select array_agg(tablename || '.' || policyname) from pg_policies
   where schemaname = 'public'
     and (coalesce(qual, '') || ' ' || coalesce(with_check, ''))
         ~ 'tenant_not_in\((?![a-z_]+, \( SELECT private\.(mfa_refused_tenant_ids\(\) AS mfa_refused_tenant_ids|staff_refused_tenant_ids\((''[a-z_]+''::text)?\) AS staff_refused_tenant_ids)\)\))'),
  null, 'every tenant_not_in in a policy compares a column with mfa_refused_tenant_ids() or staff_refused_tenant_ids(role)');

-- tenant_not_in is `not in` over an array, null tenant included
select ok(private.tenant_not_in(tests.tenant_id('test-t32-a'), array[tests.tenant_id('test-t32-b')]),
  'tenant_not_in: a tenant outside the set passes');
select ok(not private.tenant_not_in(tests.tenant_id('test-t32-a'), array[tests.tenant_id('test-t32-a')]),
  'tenant_not_in: a tenant of the set does not');
select is(private.tenant_not_in(null, '{}'), true, 'tenant_not_in: a missing tenant passes an empty set, as `not in` does');
select is(private.tenant_not_in(null, array[tests.tenant_id('test-t32-a')]), null::boolean,
  'and is null (refused) against a set with members, as `not in` is');
select is(private.tenant_not_in(tests.tenant_id('test-t32-a'), null), null::boolean, 'tenant_not_in: a missing set admits nothing');

-- What a policy's init plan holds (20261203000800_rls_cost.sql): the caller's set with a 4-byte
-- header (24 bytes of array header, 16 per uuid), which `= any` compares in place on every row; a
-- 1-byte header (21 + 16 × n) would be copied again for each row the scan returns.
select tests.authenticate_as('t32dev');
select is(pg_column_size((select private.permitted_tenant_ids())) - 16 * cardinality(private.permitted_tenant_ids()), 24,
  'the membership set reaches the policy as a flat array with a 4-byte header (not re-copied per row)');
select is(pg_column_size((select private.permitted_tenant_ids('projects.read'))) - 16 * cardinality(private.permitted_tenant_ids('projects.read')), 24,
  'and so does the set for a code');
select is(pg_column_size((select private.admitted_tenant_ids('projects.read'))) - 16 * cardinality(private.admitted_tenant_ids('projects.read')), 24,
  'and the policies'' set, MFA-blocked tenants left out');
select tests.clear_authentication();
create function pg_temp.plan_text(p_sql text) returns text language plpgsql as $$
declare
  v_line text;
  v_plan text := '';
begin
  for v_line in execute 'explain (verbose, costs off) ' || p_sql loop
    v_plan := v_plan || v_line || E'\n';
  end loop;
  return v_plan;
end $$;
select doesnt_match(pg_temp.plan_text('select private.request_is_api_key()'), 'request_is_api_key',
  'request_is_api_key inlines (no SET clause, not security definer): the join''s branch test is planned once a session');
select matches(pg_temp.plan_text('select private.request_is_api_key()'), 'current_setting\(''request\.jwt\.claims''',
  'and reads the claims in place');

-- Tenant status: active only, billing-suspended only for billing and only when asked
select ok(not pg_temp.holds('t32owner', 'billing.manage', 'test-t32-paid'), 'a suspended tenant grants nothing');
select ok(pg_temp.holds('t32owner', 'billing.manage', 'test-t32-paid', 'aal1', true),
  'except billing, while billing suspended it (so its owner can pay)');
select ok(not pg_temp.holds('t32owner', 'projects.read', 'test-t32-b', 'aal1', true), 'which opens no other tenant');
update public.tenants set status_reason = 'terms of service' where slug = 'test-t32-paid';
select ok(not pg_temp.holds('t32owner', 'billing.manage', 'test-t32-paid', 'aal1', true),
  'a tenant suspended for another reason stays closed to billing too');
update public.tenants set status_reason = private.billing_suspension_reason() where slug = 'test-t32-paid';

-- The billing pair is the one helper
select pg_temp.as_claims('t32owner');
select ok(private.can_manage_billing(tests.tenant_id('test-t32-paid')), 'can_manage_billing: the owner of a billing-suspended tenant');
select ok(private.can_read_billing(tests.tenant_id('test-t32-paid')), 'can_read_billing: likewise');
select pg_temp.as_claims('t32dev');
select ok(not private.can_manage_billing(tests.tenant_id('test-t32-a')), 'can_manage_billing: not a member without billing.manage');
select ok(not private.can_read_billing(tests.tenant_id('test-t32-a')), 'can_read_billing: nor billing.read');
select tests.clear_authentication();

-- aal1 in a tenant that requires MFA: the permission is held, its rows and billing are not given
select ok(pg_temp.holds('t32dev', 'projects.read', 'test-t32-mfa'), 'MFA does not change what is held');
select is(tests.try_as('t32dev', format('select id from public.projects where tenant_id = %L', tests.tenant_id('test-t32-mfa'))),
  'rows:0', 'aal1 in a tenant that requires MFA: the projects policy gives nothing');
select is(tests.try_as('t32dev', format('select id from public.projects where tenant_id = %L', tests.tenant_id('test-t32-mfa')), 'aal2'),
  'rows:1', 'aal2: the project');
select pg_temp.as_claims('t32owner', 'aal1');
select ok(not private.can_read_billing(tests.tenant_id('test-t32-mfa')), 'can_read_billing refuses aal1 where MFA is required');
select pg_temp.as_claims('t32owner', 'aal2');
select ok(private.can_read_billing(tests.tenant_id('test-t32-mfa')), 'and answers at aal2');
select tests.clear_authentication();
select is(tests.try_as('t32owner', format($$select * from public.invite_member(%L, 't32new@example.test')$$, tests.tenant_id('test-t32-mfa'))),
  'error:TN004', 'the RPCs (through authorize()) refuse an aal1 owner where MFA is required');
select is(tests.try_as('t32owner', format($$select * from public.billing_overview(%L)$$, tests.tenant_id('test-t32-mfa'))),
  'error:TN002', 'and billing_overview (through can_read_billing) refuses them too');

-- The policies' set (20261205000900_rls_mfa.sql): the join, less the tenants that require MFA at aal1
create function pg_temp.admitted(p_persona text, p_code text, p_aal text) returns uuid[] language plpgsql as $$
declare
  v uuid[];
begin
  perform tests.authenticate_as(p_persona, p_aal);
  v := private.admitted_tenant_ids(p_code);
  perform tests.clear_authentication();
  return v;
end $$;
select is(pg_temp.admitted('t32dev', 'projects.read', 'aal1'), array[tests.tenant_id('test-t32-a')],
  'admitted_tenant_ids at aal1: the tenant that requires MFA is left out');
select is(pg_temp.admitted('t32dev', 'projects.read', 'aal2'),
  array(select t.id from public.tenants t where t.slug in ('test-t32-a', 'test-t32-mfa') order by t.id),
  'at aal2: it is in');
select is(pg_temp.admitted('t32dev', null, 'aal1'), array[tests.tenant_id('test-t32-a')],
  'membership alone at aal1: likewise');
select tests.authenticate_as('t32dev');
select is(array(select unnest(private.permitted_tenant_ids('projects.read')) order by 1),
  array(select t.id from public.tenants t where t.slug in ('test-t32-a', 'test-t32-mfa') order by t.id),
  'permitted_tenant_ids, what the RPCs ask, still answers what is held at aal1');
select is(private.mfa_refused_tenant_ids(), array[tests.tenant_id('test-t32-mfa')], 'mfa_refused_tenant_ids at aal1: the tenant requiring MFA');
select is(private.staff_refused_tenant_ids('support'), null::uuid[], 'staff_refused_tenant_ids: null (nothing) for someone who is not staff');
select tests.clear_authentication();
select tests.authenticate_as('t32dev', 'aal2');
select is(private.mfa_refused_tenant_ids(), '{}'::uuid[], 'and nothing at aal2');
select tests.clear_authentication();

-- A staff member who is also an aal1 member of a tenant requiring MFA: their staff policy refuses that
-- tenant's rows, as the restrictive policy did.
insert into public.platform_staff (user_id, role) values (tests.user_id('t32dev'), 'support');
select tests.authenticate_as('t32dev');
select is(private.staff_refused_tenant_ids('support'), array[tests.tenant_id('test-t32-mfa')],
  'staff_refused_tenant_ids for staff: their own MFA-blocked tenants');
select tests.clear_authentication();
select is(tests.try_as('t32dev', format('select id from public.teams where tenant_id = %L', tests.tenant_id('test-t32-b'))), 'rows:0',
  'staff read through the staff policy (no team in t32-b yet: the query runs)');
insert into public.teams (tenant_id, name) values (tests.tenant_id('test-t32-b'), 'B team'), (tests.tenant_id('test-t32-mfa'), 'MFA team');
select is(tests.try_as('t32dev', format('select id from public.teams where tenant_id = %L', tests.tenant_id('test-t32-b'))), 'rows:1',
  'staff see another tenant''s team through the staff policy');
select is(tests.try_as('t32dev', format('select id from public.teams where tenant_id = %L', tests.tenant_id('test-t32-mfa'))), 'rows:0',
  'but not, at aal1, the team of a tenant they belong to that requires MFA');
select is(tests.try_as('t32dev', format('select id from public.teams where tenant_id = %L', tests.tenant_id('test-t32-mfa')), 'aal2'), 'rows:1',
  'which aal2 shows');
delete from public.platform_staff where user_id = tests.user_id('t32dev');

-- One helper call a statement on a folded table, and no sub-plan per row
select tests.authenticate_as('t32dev');
select is((select count(*)::int from regexp_matches(pg_temp.plan_text(format('select id from public.tasks where tenant_id = %L',
            tests.tenant_id('test-t32-a'))), '(^|\n) *InitPlan', 'g')), 1,
  'a tenant table whose policies all fold (tasks) calls one helper a statement');
select doesnt_match(pg_temp.plan_text(format('select id from public.tasks where tenant_id = %L', tests.tenant_id('test-t32-a'))),
  'SubPlan|mfa', 'and tests no sub-plan and no MFA helper per row');
select tests.clear_authentication();

-- The set form, the point form and the older names agree, for every fixture persona and tenant
create function pg_temp.disagreements() returns text[] language plpgsql as $$
declare
  v_out text[] := '{}';
  v_persona text;
  v_code text;
  v_tenant record;
  v_held boolean;
begin
  foreach v_persona in array array['t32owner', 't32other', 't32dev', 't32plain', 't32gone'] loop
    for v_tenant in select t.id, t.slug from public.tenants t where t.slug like 'test-t32-%' loop
      perform tests.authenticate_as(v_persona);
      foreach v_code in array array['projects.read', 'billing.manage', 'members.read'] loop
        v_held := private.holds_permission(v_code, v_tenant.id);
        if v_held is distinct from (v_tenant.id in (select private.tenants_with_permission(v_code)))
           or v_held is distinct from private.user_has_permission(v_code, v_tenant.id)
           or v_held is distinct from (v_code in (select private.user_permissions(v_tenant.id))) then
          v_out := v_out || (v_persona || ' ' || v_code || ' ' || v_tenant.slug);
        end if;
      end loop;
      perform tests.clear_authentication();
    end loop;
  end loop;
  return v_out;
end $$;
select is(pg_temp.disagreements(), '{}'::text[],
  'holds_permission, tenants_with_permission, user_has_permission and user_permissions give one answer');
select tests.authenticate_as('t32owner');
select is((select count(*)::int from private.user_permissions(tests.tenant_id('test-t32-a'))),
  (select count(*)::int from public.permissions), 'user_permissions: an owner holds the whole catalog');
select is(array(select private.user_tenant_ids() order by 1),
  array(select t.id from public.tenants t where t.slug in ('test-t32-a', 'test-t32-mfa') order by 1),
  'user_tenant_ids: the active tenants of the caller, not the suspended one');
select tests.clear_authentication();
select tests.authenticate_as('t32gone');
select is(array(select private.user_tenant_ids()), '{}'::uuid[], 'user_tenant_ids: nothing for a suspended member');
select tests.clear_authentication();

-- Nothing is remembered between statements: claims switched mid-transaction answer for themselves
select tests.authenticate_as('t32dev');
select ok(private.holds_permission('projects.read', tests.tenant_id('test-t32-a')), 'as t32dev: projects.read held');
select is((select count(*)::int from public.projects where tenant_id = tests.tenant_id('test-t32-a')), 1, 'and the project seen');
select set_config('request.jwt.claims', jsonb_build_object('sub', tests.user_id('t32plain'), 'role', 'authenticated')::text, true);
select ok(not private.holds_permission('projects.read', tests.tenant_id('test-t32-a')),
  'attack: claims swapped mid-transaction do not inherit the previous caller''s answer');
select is((select count(*)::int from public.projects where tenant_id = tests.tenant_id('test-t32-a')), 0,
  'nor their rows');
select set_config('request.jwt.claims', '', true);
select ok(not private.holds_permission('billing.manage', tests.tenant_id('test-t32-a')),
  'claims cleared mid-transaction: nothing is held');
select tests.clear_authentication();

select * from finish();
rollback;
