-- Tenants, profiles and the tenant lifecycle: create_tenant, slug and settings validation, the
-- approval setting, approve/suspend/reactivate/archive by staff, what members see in each state.
begin;
select plan(34);
select tests.seed_fixture();

-- Profiles follow auth.users.
select is((select email::text from public.profiles where id = tests.user_id('erin')), 'erin@example.test',
  'a profile is created with the auth user');
select is((select full_name from public.profiles where id = tests.user_id('erin')), 'Erin', 'with the name from the sign-up metadata');
update auth.users set email = 'erin@new.example.test', last_sign_in_at = now() where id = tests.user_id('erin');
select is((select email::text from public.profiles where id = tests.user_id('erin')), 'erin@new.example.test', 'an email change reaches the profile');
select isnt((select last_login_at from public.profiles where id = tests.user_id('erin')), null, 'so does the last sign-in');
update auth.users set banned_until = now() + interval '1 day' where id = tests.user_id('erin');
select is((select status::text from public.profiles where id = tests.user_id('erin')), 'disabled', 'a banned user''s profile is disabled');
select is(tests.try_as('erin', format('update public.profiles set full_name = ''E.'' where id = %L', tests.user_id('erin'))), 'ok:1',
  'users rename themselves');
select is(tests.try_as('erin', format('update public.profiles set full_name = ''E.'' where id = %L', tests.user_id('alice'))), 'ok:0',
  'not anyone else');

-- create_tenant
select is(tests.try_as('anon', $$select public.create_tenant('test-anon-co', 'Anon')$$), 'error:42501', 'anon cannot create tenants');
select is(tests.do_as('erin', $$select public.create_tenant('test-erin-co', 'Erin Co', 'Europe/Paris', 'eu')$$), 'ok:1', 'a signed-in user creates a tenant');
select is((select status::text from public.tenants where slug = 'test-erin-co'), 'active', 'active at once when approval is off');
select ok((select is_owner from public.memberships where tenant_id = tests.tenant_id('test-erin-co') and user_id = tests.user_id('erin')),
  'the creator is its owner');
select is((select created_by from public.tenants where slug = 'test-erin-co'), tests.user_id('erin'), 'created_by is the creator');
select is(tests.try_as('erin', format('select 1 where private.user_has_permission(''billing.manage'', %L)', tests.tenant_id('test-erin-co'))), 'rows:1',
  'owners hold every permission');
select is(tests.try_as('erin', $$select public.create_tenant('test-erin-co', 'Again')$$), 'error:TN011', 'slugs are unique');
select is(tests.try_as('erin', $$select public.create_tenant('Bad Slug!', 'X')$$), 'error:TN010', 'slug format: lower-case letters, digits, hyphens');
select is(tests.try_as('erin', $$select public.create_tenant('admin', 'X')$$), 'error:TN015', 'reserved slugs are refused as reserved');
select is(tests.try_as('erin', $$select public.create_tenant('-edge', 'X')$$), 'error:TN010', 'no leading hyphen');
select is(tests.try_as('erin', $$select public.create_tenant('test-tz-co', 'X', 'Mars/Olympus')$$), 'error:TN012', 'the timezone must exist');
select is(tests.try_as('erin', $$select public.create_tenant('test-region-co', 'X', 'UTC', 'moon')$$), 'error:TN014', 'the data region must be known');
select is(tests.try_as('erin', $$select public.create_tenant('test-name-co', '   ')$$), 'error:TN013', 'the name cannot be blank');

-- Settings
select is(tests.try_as('bob', $$update public.tenants set branding = '{"primary_color": "#112233", "logo_url": "https://acme.test/logo.png"}' where slug = 'test-acme'$$),
  'ok:1', 'an admin sets valid branding');
select is(tests.try_as('bob', $$update public.tenants set branding = '{"primary_color": "red"}' where slug = 'test-acme'$$),
  'error:TN016', 'branding colours are #rrggbb');
select is(tests.try_as('bob', $$update public.tenants set branding = '{"logo_url": "javascript:alert(1)"}' where slug = 'test-acme'$$),
  'error:TN016', 'branding URLs are https');
select is(tests.try_as('carol', $$update public.tenants set name = 'Mine' where slug = 'test-acme'$$), 'ok:0', 'a viewer cannot edit settings');

-- Approval
update public.system_settings set value = 'true' where key = 'tenants.require_approval';
select is(tests.do_as('erin', $$select public.create_tenant('test-waiting-co', 'Waiting')$$), 'ok:1', 'with approval on, creation still works');
select is((select status::text from public.tenants where slug = 'test-waiting-co'), 'pending', '… and the tenant waits');
select is(tests.try_as('erin', format('select id from public.projects where tenant_id = %L', tests.tenant_id('test-waiting-co'))), 'rows:0',
  'a pending tenant grants nothing yet');
select is(tests.try_as('erin', format('select public.approve_tenant(%L)', tests.tenant_id('test-waiting-co'))), 'error:TN061', 'owners cannot approve themselves');
select is(tests.try_as('sue', format('select public.approve_tenant(%L)', tests.tenant_id('test-waiting-co'))), 'error:TN061', 'support cannot approve');
select is(tests.do_as('sam', format('select public.approve_tenant(%L)', tests.tenant_id('test-waiting-co'))), 'ok:1', 'a super_admin approves');
select is((select status::text from public.tenants where slug = 'test-waiting-co'), 'active', '… and it is active');

-- Suspension
select is(tests.do_as('bill', format('select public.suspend_tenant(%L, ''unpaid invoice'')', tests.tenant_id('test-acme'))), 'ok:1', 'billing staff suspend a tenant');
select is(tests.try_as('carol', 'select id from public.teams'), 'rows:0', 'members of a suspended tenant lose access to its data');
select is(tests.try_as('carol', 'select id, status from public.tenants'), 'rows:1', 'but still see the tenant and its status');

select * from finish();
rollback;
