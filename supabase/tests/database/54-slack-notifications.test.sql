-- Slack as a notification channel: who may choose a kind's Slack channel (notifications.manage),
-- the channel must be a Slack integration of the same organisation (TN295, the composite key),
-- the channel goes with its integration, and an event of a kind posted to Slack queues one
-- notifications.slack job in its own transaction, which private.slack_notification answers with
-- the sentence. Own fixtures, prefixed t54-, so the file runs on an empty and a seeded database.
begin;
select plan(18);

-- Acme: Ada owns it, Alan is an admin (notifications.manage), Vi a viewer. Globex: Gus owns it.
select tests.create_tenant('t54-acme', 't54-ada');
select tests.create_tenant('t54-globex', 't54-gus');
select tests.create_user('t54-alan');
select tests.create_user('t54-vi');
insert into public.memberships (tenant_id, user_id) values
  (tests.tenant_id('t54-acme'), tests.user_id('t54-alan')), (tests.tenant_id('t54-acme'), tests.user_id('t54-vi'));
insert into public.role_assignments (tenant_id, user_id, role_id) values
  (tests.tenant_id('t54-acme'), tests.user_id('t54-alan'), tests.role_id('admin')),
  (tests.tenant_id('t54-acme'), tests.user_id('t54-vi'), tests.role_id('viewer'));

create temporary table ids (name text primary key, id uuid not null) on commit drop;
grant select on ids to public;
create function pg_temp.id(p_name text) returns uuid language sql as $$ select id from ids where name = p_name $$;
insert into ids values ('acme-slack', gen_random_uuid()), ('acme-github', gen_random_uuid()),
  ('globex-slack', gen_random_uuid());
insert into public.integrations (id, tenant_id, type, name, config, status) values
  (pg_temp.id('acme-slack'), tests.tenant_id('t54-acme'), 'slack', 'Acme Slack', '{"default_channel": "C0001"}', 'connected'),
  (pg_temp.id('acme-github'), tests.tenant_id('t54-acme'), 'github', 'Acme GitHub', '{}', 'connected'),
  (pg_temp.id('globex-slack'), tests.tenant_id('t54-globex'), 'slack', 'Globex Slack', '{}', 'connected');

create function pg_temp.route(p_kind text, p_integration uuid, p_channel text, p_tenant text default 't54-acme')
returns text language sql as $$
  select format($q$insert into public.tenant_notification_settings (tenant_id, kind, slack_integration_id, slack_channel)
                   values (%L, %L, %L, %L)
                   on conflict (tenant_id, kind) do update
                   set slack_integration_id = excluded.slack_integration_id, slack_channel = excluded.slack_channel$q$,
                tests.tenant_id(p_tenant), p_kind, p_integration, p_channel)
$$;
create function pg_temp.slack_jobs(p_tenant text) returns integer language sql as $$
  select count(*)::integer from public.jobs where queue = 'notifications.slack' and tenant_id = tests.tenant_id(p_tenant)
$$;

-- Who may choose: notifications.manage only.
select is(tests.try_as('t54-vi', pg_temp.route('member.removed', pg_temp.id('acme-slack'), 'C0ALERTS')), 'error:42501',
  'a viewer cannot send a kind to Slack');
select is(tests.try_as('t54-gus', pg_temp.route('member.removed', pg_temp.id('acme-slack'), 'C0ALERTS')), 'error:42501',
  'an owner of another organisation cannot either');
select is(tests.do_as('t54-alan', pg_temp.route('member.removed', pg_temp.id('acme-slack'), 'C0ALERTS')), 'ok:1',
  'a holder of notifications.manage sends member.removed to a channel of the organisation''s Slack');
select is((select slack_channel from public.tenant_notification_settings
            where tenant_id = tests.tenant_id('t54-acme') and kind = 'member.removed'), 'C0ALERTS', 'the channel is kept');
select is(tests.do_as('t54-alan', format($$update public.tenant_notification_settings set slack_channel = '#ops'
    where tenant_id = %L and kind = 'member.removed'$$, tests.tenant_id('t54-acme'))), 'ok:1',
  'and changes it to a channel by name');

-- The channel must belong to a Slack integration of the same organisation.
select is(tests.try_as('t54-alan', pg_temp.route('member.added', pg_temp.id('globex-slack'), 'C0ALERTS')), 'error:TN295',
  'another organisation''s Slack integration is refused (TN295)');
select is(tests.try_as('t54-alan', pg_temp.route('member.added', pg_temp.id('acme-github'), 'C0ALERTS')), 'error:TN295',
  'an integration that is not Slack is refused (TN295)');
select is(tests.try_as('t54-alan', pg_temp.route('member.added', pg_temp.id('acme-slack'), null)), 'error:23514',
  'an integration without a channel is refused');
select is(tests.try_as('t54-alan', pg_temp.route('member.added', pg_temp.id('acme-slack'), 'not a channel!')), 'error:23514',
  'a channel that is no Slack id or name is refused');
select is(tests.try_as('t54-alan', pg_temp.route('security.new_sign_in', pg_temp.id('acme-slack'), 'C0ALERTS')), 'error:TN293',
  'the security notices are never the organisation''s to send (TN293)');
select is((select count(*)::integer from public.audit_logs where tenant_id = tests.tenant_id('t54-acme')
            and target_type = 'tenant_notification_settings'), 2, 'the choice and its change are in the audit log');

-- An event of the kind queues one job in its own transaction; one of another kind does not.
select private.publish_event(tests.tenant_id('t54-acme'), 'member.removed', 'member', tests.user_id('t54-vi')::text,
  jsonb_build_object('user_id', tests.user_id('t54-vi'), 'email', 't54-vi@example.test'));
select private.publish_event(tests.tenant_id('t54-acme'), 'api_key.created', 'api_key', 'k1', '{"name": "CI"}');
select is(pg_temp.slack_jobs('t54-acme'), 1, 'member.removed queues one notifications.slack job; api_key.created none');
select is((select payload ->> 'event_id' from public.jobs where queue = 'notifications.slack'
            and tenant_id = tests.tenant_id('t54-acme')),
          (select id::text from public.events where tenant_id = tests.tenant_id('t54-acme') and type = 'member.removed'),
          'the job names the event (its dedupe key too)');

-- What the job posts: the organisation's channel and the notification's sentence; service_role only.
select is(tests.try_as('t54-ada', format($$select * from private.slack_notification(%L)$$,
    (select id from public.events where tenant_id = tests.tenant_id('t54-acme') and type = 'member.removed'))),
  'error:42501', 'a person cannot call the job''s function');
select tests.authenticate_as_service_role('notifications.slack');
select results_eq(
  format($$select integration_id, channel, title from private.slack_notification(%L)$$,
    (select id from public.events where tenant_id = tests.tenant_id('t54-acme') and type = 'member.removed')),
  format($$values (%L::uuid, '#ops', 'Someone left or was removed')$$, pg_temp.id('acme-slack')),
  'the job reads the integration, the channel and the kind''s label');
select matches(
  (select body from private.slack_notification(
    (select id from public.events where tenant_id = tests.tenant_id('t54-acme') and type = 'member.removed'))),
  '^' || (select coalesce(nullif(full_name, ''), email::text) from public.profiles where id = tests.user_id('t54-vi')) || ' ',
  'and the notification''s sentence, naming the person');
select tests.clear_authentication();

-- The integration goes: so does the channel, the rest of the kind's setting stays.
delete from public.integrations where id = pg_temp.id('acme-slack');
select is((select row(slack_integration_id, slack_channel, in_app, email)::text from public.tenant_notification_settings
            where tenant_id = tests.tenant_id('t54-acme') and kind = 'member.removed'), '(,,t,t)',
  'deleting the integration clears the kind''s Slack channel and keeps its other settings');
select private.publish_event(tests.tenant_id('t54-acme'), 'member.removed', 'member', tests.user_id('t54-alan')::text,
  jsonb_build_object('user_id', tests.user_id('t54-alan')));
select is(pg_temp.slack_jobs('t54-acme'), 1, 'a later event queues no Slack job');

select * from finish();
rollback;
