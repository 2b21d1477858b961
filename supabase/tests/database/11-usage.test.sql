-- Usage and quotas: counted limits (members, invitations, projects; TN070), metered limits (TN071 past
-- the hard limit, a flag and a notification past the soft one), idempotent recording, append-only
-- events (TN072), who reads usage, and the daily rollup.
--
-- Free plan: 3 members, 2 projects, api_calls soft 8,000 / hard 10,000 a month.
-- The fixture's acme has 4 members, 1 pending invitation and 2 projects; globex 2 members, 1 project.
begin;
select plan(45);
select tests.seed_fixture();
select tests.create_user('hal');
select tests.create_user('ida');

-- An unbilled tenant (never subscribed) has no limits.
select is(private.tenant_plan_id(tests.tenant_id('test-acme')), null, 'a tenant that never subscribed has no plan');
select is(tests.try_as('alice', format($$insert into public.projects (tenant_id, slug, name) values (%L, 'third', 'Third')$$, tests.tenant_id('test-acme'))), 'ok:1', 'and no limits');

-- Counted quotas.
select tests.subscribe('test-acme', 'free');
select tests.subscribe('test-globex', 'free');
select is(tests.try_as('alice', format($$insert into public.projects (tenant_id, slug, name) values (%L, 'third', 'Third')$$, tests.tenant_id('test-acme'))), 'error:TN070', 'a project past the plan''s limit is refused');
select is(tests.try_as('alice', format($$select public.invite_member(%L, 'hal@example.test')$$, tests.tenant_id('test-acme'))), 'error:TN070', 'an invitation past the member limit is refused');
select is(tests.try_as('newbie', $$select public.accept_invitation('acme-newbie-token')$$), 'error:TN070', 'accepting past the limit is refused (a downgraded tenant keeps who it has, adds nobody)');
select is(tests.try_as('service_role', format($$insert into public.projects (tenant_id, slug, name) values (%L, 'third', 'Third')$$, tests.tenant_id('test-acme'))), 'error:TN070', 'the service role is held to the plan too');
select throws_ok(format($$insert into public.memberships (tenant_id, user_id) values (%L, %L)$$, tests.tenant_id('test-acme'), tests.user_id('erin')),
  'TN070', null, 'and so is a direct insert by the operator');

select is(tests.do_as('frank', format($$insert into public.projects (tenant_id, slug, name) values (%L, 'second', 'Second')$$, tests.tenant_id('test-globex'))), 'ok:1', 'globex reaches its project limit');
select is(tests.try_as('frank', format($$insert into public.projects (tenant_id, slug, name) values (%L, 'third', 'Third')$$, tests.tenant_id('test-globex'))), 'error:TN070', 'and stops there');
select is(tests.do_as('frank', format($$delete from public.projects where tenant_id = %L and slug = 'second'$$, tests.tenant_id('test-globex'))), 'ok:1', 'deleting a project frees its slot');
select is(tests.try_as('frank', format($$insert into public.projects (tenant_id, slug, name) values (%L, 'again', 'Again')$$, tests.tenant_id('test-globex'))), 'ok:1', 'so one can be created again');

select is(tests.do_as('frank', format($$select public.invite_member(%L, 'hal@example.test')$$, tests.tenant_id('test-globex'))), 'ok:1', 'an invitation takes the third seat');
select is(tests.try_as('frank', format($$select public.invite_member(%L, 'ida@example.test')$$, tests.tenant_id('test-globex'))), 'error:TN070', 'a pending invitation holds its seat');
select is(tests.try_as('frank', format($$select public.invite_member(%L, 'hal@example.test')$$, tests.tenant_id('test-globex'))), 'rows:1', 'inviting the same person again replaces the invitation');
-- (invite_member's token is random: swap the invitation for one with a known token)
update public.invitations set revoked_at = now() where tenant_id = tests.tenant_id('test-globex') and revoked_at is null;
insert into public.invitations (tenant_id, email, role_id, token_hash, expires_at, invited_by)
values (tests.tenant_id('test-globex'), 'hal@example.test', tests.role_id('viewer'), sha256(convert_to('globex-hal', 'UTF8')),
        now() + interval '1 day', tests.user_id('frank'));
select is(tests.do_as('hal', $$select public.accept_invitation('globex-hal')$$), 'ok:1', 'accepting uses the invitation''s own seat');
select is((select count(*)::int from public.memberships where tenant_id = tests.tenant_id('test-globex')), 3, 'globex has exactly its limit of members');

update public.subscriptions set status = 'cancelled' where tenant_id = tests.tenant_id('test-acme');
select tests.subscribe('test-acme', 'pro');
select is(tests.try_as('alice', format($$insert into public.projects (tenant_id, slug, name) values (%L, 'third', 'Third')$$, tests.tenant_id('test-acme'))), 'ok:1', 'an upgrade lifts the limit');
select is(tests.try_as('newbie', $$select public.accept_invitation('acme-newbie-token')$$), 'rows:1', 'and lets the invitee in');

-- Metered usage through record_usage.
select is(tests.try_as('erin', format($$select public.record_usage(%L, 'api_calls', 1, 'k0')$$, tests.tenant_id('test-globex'))), 'error:TN002', 'a stranger records no usage');
select is(tests.try_as('anon', format($$select public.record_usage(%L, 'api_calls', 1, 'k0')$$, tests.tenant_id('test-globex'))), 'error:42501', 'nor does anon');
select is(tests.try_as('gina', format($$select public.record_usage(%L, 'members', 1, 'k0')$$, tests.tenant_id('test-globex'))), 'error:TN076', 'counted metrics have no events');
select tests.authenticate_as('gina');
select is((select row(recorded, quantity, over_soft_limit)::text from public.record_usage(tests.tenant_id('test-globex'), 'api_calls', 100, 'req-1')),
  '(t,100,f)', 'a member records 100 API calls');
select is((select row(recorded, quantity, over_soft_limit)::text from public.record_usage(tests.tenant_id('test-globex'), 'api_calls', 100, 'req-1')),
  '(f,100,f)', 'the same idempotency key counts once');
select is((select row(recorded, quantity, over_soft_limit)::text from public.record_usage(tests.tenant_id('test-globex'), 'api_calls', 7950, 'req-2')),
  '(t,8050,t)', 'past the soft limit the write is accepted and flagged');
select tests.clear_authentication();
select isnt((select soft_limit_reached_at from public.usage_counters where tenant_id = tests.tenant_id('test-globex') and metric = 'api_calls'), null, 'the counter is flagged');
select is((select count(*)::int from private.notifications_outbox where tenant_id = tests.tenant_id('test-globex') and kind = 'usage.soft_limit_reached'), 1, 'the tenant is notified once');
select is(tests.do_as('gina', format($$select public.record_usage(%L, 'api_calls', 1950, 'req-3')$$, tests.tenant_id('test-globex'))), 'ok:1', 'usage up to the hard limit is accepted');
select is((select count(*)::int from private.notifications_outbox where tenant_id = tests.tenant_id('test-globex') and kind = 'usage.soft_limit_reached'), 1, 'without a second notification');
select is(tests.do_as('gina', format($$select public.record_usage(%L, 'api_calls', 1, 'req-4')$$, tests.tenant_id('test-globex'))), 'error:TN071', 'one call past the hard limit is refused');
select is((select quantity from public.usage_counters where tenant_id = tests.tenant_id('test-globex') and metric = 'api_calls'), 10000::bigint, 'and not counted');
select is((select count(*)::int from public.usage_events where tenant_id = tests.tenant_id('test-globex')), 3, 'nor recorded');
select is(tests.try_as('service_role', format($$insert into public.usage_events (tenant_id, metric, quantity, idempotency_key) values (%L, 'api_calls', 5, 'batch-1'), (%L, 'storage_bytes', 1000, 'batch-2')$$, tests.tenant_id('test-globex'), tests.tenant_id('test-globex'))), 'error:TN071', 'a batch that passes a hard limit is refused whole');
select is(tests.try_as('service_role', format($$insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, occurred_at) values (%L, 'api_calls', 5, 'next-month', now() + interval '40 days')$$, tests.tenant_id('test-globex'))), 'ok:1', 'a new month starts a new counter');

-- Append-only, and who reads.
select is(tests.try_as('gina', 'update public.usage_events set quantity = 1'), 'error:42501', 'members cannot edit usage');
select is(tests.try_as('service_role', 'delete from public.usage_events'), 'error:42501', 'nor can the service role delete it');
select throws_ok('update public.usage_events set quantity = 1', 'TN072', null, 'usage events are append-only, even for the owner');
select throws_ok('delete from public.usage_events', 'TN072', null, 'they are never deleted');
select throws_ok('truncate public.usage_events', 'TN072', null, 'nor truncated');
select is(tests.try_as('alice', format($$insert into public.usage_events (tenant_id, metric, quantity, idempotency_key) values (%L, 'api_calls', 1, 'x')$$, tests.tenant_id('test-acme'))), 'error:42501', 'users record usage only through record_usage');
select is(tests.try_as('gina', 'select tenant_id from public.usage_counters'), 'rows:1', 'a developer (usage.read) reads the counters');
select is(tests.try_as('dave', 'select tenant_id from public.usage_events'), 'rows:0', 'the auditor role (no usage.read) does not');
select is(tests.try_as('bill', 'select tenant_id from public.usage_events'), tests.rows('select tenant_id from public.usage_events'), 'billing staff read usage');

-- Daily rollup.
select is(tests.try_as('alice', 'select private.rollup_usage_daily()'), 'error:42501', 'the rollup is a system job');
select tests.authenticate_as_service_role('usage.rollup');
select is(private.rollup_usage_daily(), 1::bigint, 'the rollup writes one row per tenant, metric and day');
select is(private.rollup_usage_daily(), 0::bigint, 'and nothing when run again');
select tests.clear_authentication();

select * from finish();
rollback;
