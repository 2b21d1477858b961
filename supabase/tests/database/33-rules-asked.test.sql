-- Issue 10 §3 and §5: the rules the app asks SQL instead of copying them (what the caller may
-- grant, staff, MFA, an invitation's state, a live subscription), and the constraint
-- failures raised as TN codes (tenancy, platform, teams, projects and billing migrations). Own
-- fixtures, prefixed t33-, so the file runs on an empty database and on the seeded demo one.
begin;
select plan(32);

set constraints all immediate;

select tests.create_user('t33-owner', 't33-owner@example.test');
select tests.create_user('t33-admin', 't33-admin@example.test');
select tests.create_user('t33-viewer', 't33-viewer@example.test');
select tests.create_user('t33-staff', 't33-staff@example.test');
select tests.create_tenant('t33-acme', 't33-owner');
select tests.create_tenant('t33-globex', 't33-owner');
insert into public.memberships (tenant_id, user_id)
select tests.tenant_id('t33-acme'), tests.user_id(p) from unnest(array['t33-admin', 't33-viewer']) p;
insert into public.role_assignments (tenant_id, user_id, role_id)
select tests.tenant_id('t33-acme'), tests.user_id('t33-admin'), r.id from public.roles r where r.key = 'admin' and r.tenant_id is null
union all
select tests.tenant_id('t33-acme'), tests.user_id('t33-viewer'), r.id from public.roles r where r.key = 'viewer' and r.tenant_id is null;
insert into public.platform_staff (user_id, role) values (tests.user_id('t33-staff'), 'support');
insert into public.projects (tenant_id, slug, name) values (tests.tenant_id('t33-acme'), 't33-web', 'Web');

create temp table t33 as select slug, id from public.tenants where slug like 't33-%';
grant select on t33 to authenticated;

-- What the caller may grant: SQL's answer, the rule of TN030 / TN033.
select tests.clear_authentication();
select tests.authenticate_as('t33-owner');
select ok((select bool_or(key = 'owner') from public.grantable_roles((select id from t33 where slug = 't33-acme'))),
  'grantable roles: an owner may give every tenant role, the owner role included');
select tests.clear_authentication();
select tests.authenticate_as('t33-admin');
select ok((select not bool_or(key = 'owner') and bool_or(key = 'viewer') and not bool_or(key = 'billing_admin')
           from public.grantable_roles((select id from t33 where slug = 't33-acme'))),
  'grantable roles: an admin may give roles within their permissions, never owner nor billing_admin');
select tests.clear_authentication();
select tests.authenticate_as('t33-viewer');
select is((select count(*) from public.grantable_roles((select id from t33 where slug = 't33-acme'))), 0::bigint,
  'grantable roles: a viewer, who may neither invite nor manage members, may give none');
select tests.clear_authentication();
select tests.authenticate_as('t33-admin');
select is((select count(*) from public.grantable_roles((select id from t33 where slug = 't33-globex'))), 0::bigint,
  'grantable roles: nothing in a tenant the caller is not a member of');

-- Whether the caller is staff, and with which role.
select tests.clear_authentication();
select tests.authenticate_as('t33-staff');
select ok(public.has_staff_role('support'), 'staff gate: support staff hold the support role');
select ok(not public.has_staff_role('billing_admin'), 'staff gate: support staff do not hold billing_admin');
select tests.clear_authentication();
select tests.authenticate_as('t33-owner');
select ok(not public.has_staff_role('support'), 'staff gate: a tenant owner is not staff');
select tests.clear_authentication();

-- Whether the tenant's two-factor rule blocks this session.
update public.tenants set require_mfa = true where id = (select id from t33 where slug = 't33-acme');
select tests.clear_authentication();
select tests.authenticate_as('t33-owner', 'aal1');
select ok(public.tenant_mfa_blocked((select id from t33 where slug = 't33-acme')), 'mfa: an aal1 session is blocked where the tenant requires it');
select ok(not public.tenant_mfa_blocked((select id from t33 where slug = 't33-globex')), 'mfa: not blocked where the tenant does not');
select tests.clear_authentication();
select tests.authenticate_as('t33-owner', 'aal2');
select ok(not public.tenant_mfa_blocked((select id from t33 where slug = 't33-acme')), 'mfa: an aal2 session is not blocked');
select tests.clear_authentication();
update public.tenants set require_mfa = false where id = (select id from t33 where slug = 't33-acme');

-- Tenant settings written as a plain update: TN codes, not constraint names.
select is(tests.try_as('t33-owner', $$update public.tenants set slug = 't33-globex' where slug = 't33-acme'$$), 'error:TN011',
  'settings: renaming to another tenant''s address is TN011, though RLS hides that tenant');
select is(tests.try_as('t33-owner', $$update public.tenants set slug = 'settings' where slug = 't33-acme'$$), 'error:TN015',
  'settings: a reserved address is TN015');
select is(tests.try_as('t33-owner', $$update public.tenants set slug = 't33--bad' where slug = 't33-acme'$$), 'error:TN010',
  'settings: a malformed address is TN010');
select is(tests.try_as('t33-owner', $$update public.tenants set timezone = 'Mars/Olympus' where slug = 't33-acme'$$), 'error:TN012',
  'settings: an unknown time zone is TN012');
select is(tests.try_as('t33-owner', $$update public.tenants set branding = '{"primary_color": "red"}' where slug = 't33-acme'$$), 'error:TN016',
  'settings: invalid branding is TN016');

-- Names unique whatever their case.
insert into public.teams (tenant_id, name) values ((select id from t33 where slug = 't33-acme'), 'Ops');
select is(tests.try_as('t33-owner', format($$insert into public.teams (tenant_id, name) values (%L, 'OPS')$$, (select id from t33 where slug = 't33-acme'))),
  'error:TN080', 'team name taken: "OPS" beside "Ops" is TN080');
select is(tests.try_as('t33-owner', format($$insert into public.environments (tenant_id, project_id, kind, name) values (%L, %L, 'production', 'PRODUCTION')$$,
    (select id from t33 where slug = 't33-acme'), tests.project_id('t33-acme', 't33-web'))),
  'error:TN081', 'environment name taken: "PRODUCTION" beside "Production" is TN081');
select is(tests.try_as('t33-owner', format($$insert into public.projects (tenant_id, slug, name) values (%L, 't33-web', 'Web again')$$, (select id from t33 where slug = 't33-acme'))),
  'error:TN082', 'project address taken: a second t33-web is TN082');
select is(tests.try_as('t33-owner', format($$insert into public.roles (tenant_id, key, name) values (%L, 't33_viewer', 'VIEWER')$$, (select id from t33 where slug = 't33-acme'))),
  'error:TN084', 'role name taken: a custom role named like a system role is TN084');
select is(tests.try_as('t33-owner', format($$with r as (insert into public.roles (tenant_id, key, name) values (%L, 't33_odd', 'Odd') returning id, tenant_id)
    insert into public.role_permissions (role_id, permission_code, tenant_id) select id, 't33.nothing', tenant_id from r$$, (select id from t33 where slug = 't33-acme'))),
  'error:TN085', 'unknown permission: a role permission naming no permission is TN085');

-- A staff rejection says why.
insert into public.payments (tenant_id, plan_id, billing_interval, provider, amount, currency, status, proof_path)
select (select id from t33 where slug = 't33-acme'), p.id, 'month', 'manual', 2900, 'usd', 'pending', 't33/proof.pdf'
from public.plans p where p.code = 'pro';
select throws_ok($$update public.payments set status = 'failed', verified_by = tests.user_id('t33-owner'), note = ' '
    where proof_path = 't33/proof.pdf'$$, 'TN083', null,
  'rejection note: a staff rejection with a blank note is TN083');
select lives_ok($$update public.payments set status = 'failed', verified_by = tests.user_id('t33-owner'), note = 'Never arrived.'
    where proof_path = 't33/proof.pdf'$$, 'rejection note: with a note it is accepted');

-- An invitation's state: the members page asks SQL instead of comparing expires_at itself.
select is(private.invitation_state(null, null, now() + interval '1 day'), 'pending', 'invitation state: pending before it expires');
select is(private.invitation_state(null, null, now()), 'expired', 'invitation state: expired from the moment expires_at is reached');
select is(private.invitation_state(now(), null, now() - interval '1 day'), 'accepted', 'invitation state: accepted, even once past its expiry');
select is(private.invitation_state(null, now(), now() + interval '1 day'), 'revoked', 'invitation state: revoked');
select ok(has_function_privilege('authenticated', 'private.invitation_state(timestamptz, timestamptz, timestamptz)', 'execute')
          and not has_function_privilege('anon', 'private.invitation_state(timestamptz, timestamptz, timestamptz)', 'execute'),
  'invitation state: asked by signed-in callers, not anon');

-- A live subscription: the billing page and the console ask SQL instead of listing the statuses.
select is((select array_agg(s::text order by s) from unnest(enum_range(null::public.subscription_status)) s
           where private.is_live_subscription(s)),
  array['trialing', 'active', 'past_due', 'pending_verification'],
  'live subscription: trialing, active, past_due and pending_verification are live; cancelled and expired are not');
select ok(has_function_privilege('authenticated', 'private.is_live_subscription(public.subscription_status)', 'execute')
          and not has_function_privilege('anon', 'private.is_live_subscription(public.subscription_status)', 'execute'),
  'live subscription: asked by signed-in callers, not anon');
insert into public.subscriptions (tenant_id, plan_id, billing_interval, status, created_at)
select (select id from t33 where slug = 't33-globex'), p.id, 'month', 'cancelled', now() - interval '1 day'
from public.plans p where p.code = 'pro';
select tests.clear_authentication();
select tests.authenticate_as('t33-owner');
select is(public.billing_overview((select id from t33 where slug = 't33-globex')) #>> '{subscription,live}', 'false',
  'billing overview: an ended subscription is shown as not live');
select tests.clear_authentication();
insert into public.subscriptions (tenant_id, plan_id, billing_interval, status, created_at)
select (select id from t33 where slug = 't33-globex'), p.id, 'month', 'active', now() - interval '2 days'
from public.plans p where p.code = 'pro';
select tests.authenticate_as('t33-owner');
select is(public.billing_overview((select id from t33 where slug = 't33-globex')) #>> '{subscription,live}', 'true',
  'billing overview: the live subscription is shown before a newer ended one, as live');
select is((select count(*) from public.subscriptions s where s.tenant_id = (select id from t33 where slug = 't33-globex')
           and private.is_live_subscription(s.status)), 1::bigint,
  'live subscription: the owner counts one live subscription of two');
select tests.clear_authentication();

select * from finish();
rollback;
