-- Notifications: who reads and writes the inbox, the preferences and the organisation's settings;
-- the fan-out (recipients per kind, the organisation's settings, the person's preferences, the
-- actor left out, idempotent across retries); the rules that cannot be turned off; the security
-- notices from auth; the mail and digest claims. Own fixtures, prefixed t45-, so the file runs on
-- an empty database and on the seeded demo one.
begin;
select plan(73);

-- Acme: Ada owns it, Alan is an admin (notifications.manage, members.manage), Vi a viewer; Eve is
-- in no organisation of theirs.
select tests.create_tenant('t45-acme', 't45-ada');
select tests.create_user('t45-alan');
select tests.create_user('t45-vi');
select tests.create_user('t45-eve');
insert into public.memberships (tenant_id, user_id) values
  (tests.tenant_id('t45-acme'), tests.user_id('t45-alan')), (tests.tenant_id('t45-acme'), tests.user_id('t45-vi'));
insert into public.role_assignments (tenant_id, user_id, role_id) values
  (tests.tenant_id('t45-acme'), tests.user_id('t45-alan'), tests.role_id('admin')),
  (tests.tenant_id('t45-acme'), tests.user_id('t45-vi'), tests.role_id('viewer'));
-- The fixture's memberships published member.added: not this file's news.
delete from private.notification_queue where tenant_id = tests.tenant_id('t45-acme');

create temporary table fan (user_id uuid, notifications integer) on commit drop;
grant all on fan to service_role;
create or replace function pg_temp.fan_out() returns integer language plpgsql as $$
declare v integer;
begin
  perform tests.authenticate_as_service_role('notifications.fan_out');
  delete from fan;
  insert into fan select * from private.fan_out_notifications(100);
  perform tests.clear_authentication();
  select coalesce(sum(notifications), 0) into v from fan;
  return v;
end $$;
create or replace function pg_temp.inbox(p_name text, p_kind text default null) returns integer language sql as $$
  select count(*)::integer from public.notifications
   where user_id = tests.user_id(p_name) and (p_kind is null or kind = p_kind)
$$;
create or replace function pg_temp.mail(p_name text, p_kind text default null) returns integer language sql as $$
  select count(*)::integer from private.notification_mail
   where user_id = tests.user_id(p_name) and (p_kind is null or kind = p_kind)
$$;

-- The catalogue: readable when signed in, not by anon.
select is(tests.try_as('t45-vi', $$select * from public.notification_kinds where locked$$), 'rows:4',
  'a person reads the catalogue: four locked security kinds (sign-in, MFA removed, password changed, data export ready)');
select is(tests.try_as('anon', $$select * from public.notification_kinds$$), 'error:42501',
  'anon cannot read the catalogue');

-- An event is queued in the transaction that publishes it; webhook.test is no notification.
select private.publish_event(tests.tenant_id('t45-acme'), 'member.role_changed', 'member', tests.user_id('t45-vi')::text,
  jsonb_build_object('user_id', tests.user_id('t45-vi'), 'membership_id', gen_random_uuid(), 'owner', false,
                     'roles', jsonb_build_array('viewer'), 'previous', null));
select private.publish_event(tests.tenant_id('t45-acme'), 'webhook.test', 'webhook_endpoint', 'x', '{}');
select is((select count(*)::integer from private.notification_queue where tenant_id = tests.tenant_id('t45-acme')), 1,
  'the event with a notification kind is queued with it; webhook.test is not');

-- Fan-out: the holders of members.manage (owner, admin) and the member concerned; not the outsider.
select is(pg_temp.fan_out(), 3, 'the fan-out writes three inbox rows');
select is(pg_temp.inbox('t45-ada'), 1, 'the owner (members.manage) is told');
select is(pg_temp.inbox('t45-alan'), 1, 'the admin (members.manage) is told');
select is(pg_temp.inbox('t45-vi'), 1, 'the member whose role changed is told');
select is(pg_temp.inbox('t45-eve'), 0, 'nobody else is told');
select is((select array[title, body, link] from public.notifications where user_id = tests.user_id('t45-vi')),
  array['A member''s role changed', 'T45-Vi is now Viewer.', '/t/t45-acme/members'],
  'the row says what happened and links to the members page');
select is(pg_temp.mail('t45-vi'), 1, 'member.role_changed is emailed by default');
select is((select count(*)::integer from private.notification_queue where tenant_id = tests.tenant_id('t45-acme')), 0,
  'the claimed event left the queue');

-- Idempotent: running again, or the same event queued again (a retry), writes nothing twice.
select is(pg_temp.fan_out(), 0, 'a second run finds nothing to do');
insert into private.notification_queue (event_id, tenant_id)
select id, tenant_id from public.events where tenant_id = tests.tenant_id('t45-acme') and type = 'member.role_changed';
select is(pg_temp.fan_out(), 0, 'the same event fanned out again writes no new row');
select is(pg_temp.inbox('t45-vi') + pg_temp.inbox('t45-ada') + pg_temp.inbox('t45-alan'), 3,
  'still one notification per person for the event');
select is(pg_temp.mail('t45-vi'), 1, 'and one email');
select throws_ok(
  format($$insert into public.notifications (user_id, tenant_id, event_id, kind, title)
           select %L, tenant_id, id, type, 'again' from public.events
            where tenant_id = %L and type = 'member.role_changed'$$, tests.user_id('t45-vi'), tests.tenant_id('t45-acme')),
  '23505', null, 'the database refuses a second notification of one event for one person');

-- The inbox: one's own rows, read and archive only.
select is(tests.try_as('t45-vi', $$select * from public.notifications$$), 'rows:1', 'a person reads their own notifications');
select is(tests.try_as('t45-eve', $$select * from public.notifications$$), 'rows:0', 'another person reads none of them');
select is(tests.try_as('anon', $$select * from public.notifications$$), 'error:42501', 'anon cannot read notifications');
select is(tests.do_as('t45-vi', $$update public.notifications set read_at = '2000-01-01'$$), 'ok:1',
  'a person marks their notification read');
select is((select read_at > now() - interval '1 minute' from public.notifications where user_id = tests.user_id('t45-vi')), true,
  'read_at is the time of the mark, whatever the caller wrote');
select is(tests.try_as('t45-eve', $$update public.notifications set archived_at = now()$$), 'ok:0',
  'another person cannot mark it (RLS hides it)');
select is(tests.try_as('t45-vi', $$update public.notifications set title = 'changed'$$), 'error:42501',
  'the text of a notification cannot be changed');
select is(tests.try_as('t45-vi', $$update public.notifications set user_id = null$$), 'error:42501',
  'a notification cannot be given to someone else');
select is(tests.try_as('t45-vi', format($$insert into public.notifications (user_id, kind, title)
    values (%L, 'security.new_sign_in', 'fake')$$, tests.user_id('t45-vi'))), 'error:42501',
  'nobody inserts a notification through the API, not even for themselves');
select is(tests.try_as('t45-vi', $$delete from public.notifications$$), 'error:42501', 'notifications are archived, not deleted');
select is(tests.try_as('service_role', $$update public.notifications set read_at = now()$$), 'error:42501',
  'service_role cannot mark a person''s notifications');
select is(tests.do_as('t45-vi', $$update public.notifications set archived_at = now()$$), 'ok:1',
  'a person archives their notification');

-- Preferences: one's own, with the rules.
select is(tests.do_as('t45-vi', format($$insert into public.notification_preferences (user_id, kind, channel, enabled)
    values (%L, 'member.role_changed', 'in_app', false), (%L, 'member.role_changed', 'email', false)$$,
    tests.user_id('t45-vi'), tests.user_id('t45-vi'))), 'ok:2', 'a person turns a kind off in the app and by email');
select is(tests.try_as('t45-eve', $$select * from public.notification_preferences$$), 'rows:0',
  'another person does not see them');
select is(tests.try_as('t45-eve', $$update public.notification_preferences set enabled = true$$), 'ok:0',
  'another person cannot change them');
select is(tests.try_as('t45-eve', format($$insert into public.notification_preferences (user_id, kind, channel, enabled)
    values (%L, 'member.added', 'in_app', false)$$, tests.user_id('t45-vi'))), 'error:42501',
  'nobody writes a preference in another person''s name');
select is(tests.try_as('anon', $$select * from public.notification_preferences$$), 'error:42501', 'anon reads no preferences');
select is(tests.try_as('t45-vi', format($$insert into public.notification_preferences (user_id, kind, channel, enabled)
    values (%L, 'security.new_sign_in', 'email', false)$$, tests.user_id('t45-vi'))), 'error:TN290',
  'a security notice cannot be turned off by email (TN290)');
select is(tests.try_as('t45-vi', format($$insert into public.notification_preferences (user_id, kind, channel, enabled)
    values (%L, 'security.password_changed', 'in_app', false)$$, tests.user_id('t45-vi'))), 'error:TN290',
  'nor in the app (TN290)');
select is(tests.do_as('t45-vi', format($$insert into public.notification_preferences (user_id, kind, channel, enabled)
    values (%L, 'security.mfa_removed', 'email', true)$$, tests.user_id('t45-vi'))), 'ok:1',
  'a security notice may be stored as on');
select is(tests.try_as('t45-vi', $$update public.notification_preferences set enabled = false where kind = 'security.mfa_removed'$$),
  'error:TN290', 'and not switched off later (TN290)');
select is(tests.try_as('t45-vi', format($$insert into public.notification_preferences (user_id, kind, channel, enabled, digest)
    values (%L, 'member.added', 'in_app', true, 'daily')$$, tests.user_id('t45-vi'))), 'error:TN291',
  'a digest is for email only (TN291)');
select is(tests.try_as('t45-vi', format($$insert into public.notification_preferences (user_id, kind, channel, enabled, digest)
    values (%L, 'member.removed', 'email', true, 'daily')$$, tests.user_id('t45-vi'))), 'error:TN292',
  'a kind without a digest cannot be digested (TN292)');
select is(tests.try_as('t45-vi', format($$insert into public.notification_preferences (user_id, kind, channel, enabled)
    values (%L, 'member.nonsense', 'email', true)$$, tests.user_id('t45-vi'))), 'error:TN294',
  'an unknown kind is refused (TN294)');

-- Preferences honoured: Vi turned member.role_changed off; Ada is told again.
select private.publish_event(tests.tenant_id('t45-acme'), 'member.role_changed', 'member', tests.user_id('t45-vi')::text,
  jsonb_build_object('user_id', tests.user_id('t45-vi'), 'role', 'Developer'));
select is(pg_temp.fan_out(), 2, 'the second role change reaches two inboxes');
select is(pg_temp.inbox('t45-vi'), 1, 'not the member who turned the kind off in the app');
select is(pg_temp.mail('t45-vi'), 1, 'nor by email');
select is(pg_temp.inbox('t45-ada'), 2, 'the owner is told');

-- The actor is not told of what they did.
select set_config('request.jwt.claims', jsonb_build_object('sub', tests.user_id('t45-ada'), 'role', 'authenticated')::text, true);
select private.publish_event(tests.tenant_id('t45-acme'), 'api_key.created', 'api_key', 'k1', '{"name": "CI"}');
select set_config('request.jwt.claims', '', true);
select is(pg_temp.fan_out(), 1, 'an API key Ada created is told to one person');
select is(pg_temp.inbox('t45-alan', 'api_key.created') + pg_temp.inbox('t45-ada', 'api_key.created'), 1,
  'to Alan (api_keys.manage), not to Ada who created it');

-- The organisation's settings: notifications.manage only; admins' copies follow them, the person concerned is told anyway.
select is(tests.try_as('t45-vi', format($$insert into public.tenant_notification_settings (tenant_id, kind, in_app, email)
    values (%L, 'member.added', false, false)$$, tests.tenant_id('t45-acme'))), 'error:42501',
  'a viewer cannot change what the organisation sends');
select is(tests.try_as('t45-vi', $$select * from public.tenant_notification_settings$$), 'rows:0',
  'nor read it');
select is(tests.do_as('t45-alan', format($$insert into public.tenant_notification_settings (tenant_id, kind, in_app, email)
    values (%L, 'member.added', false, false)$$, tests.tenant_id('t45-acme'))), 'ok:1',
  'a holder of notifications.manage turns member.added off for the admins');
select is(tests.try_as('t45-alan', format($$insert into public.tenant_notification_settings (tenant_id, kind)
    values (%L, 'security.new_sign_in')$$, tests.tenant_id('t45-acme'))), 'error:TN293',
  'the organisation has no say over security notices (TN293)');
select is(tests.try_as('t45-eve', format($$insert into public.tenant_notification_settings (tenant_id, kind, in_app)
    values (%L, 'member.removed', false)$$, tests.tenant_id('t45-acme'))), 'error:42501',
  'an outsider cannot change another organisation''s settings');
select is((select count(*)::integer from public.audit_logs where tenant_id = tests.tenant_id('t45-acme')
            and target_type = 'tenant_notification_settings'), 1, 'the change is in the audit log');
select private.publish_event(tests.tenant_id('t45-acme'), 'member.added', 'member', tests.user_id('t45-vi')::text,
  jsonb_build_object('user_id', tests.user_id('t45-vi')));
select is(pg_temp.fan_out(), 1, 'member.added, off for admins, reaches one inbox');
select is(pg_temp.inbox('t45-vi', 'member.added'), 1, 'the member concerned is told anyway');

-- Security notices: from auth, personal, whatever the preferences.
update auth.users set encrypted_password = 'changed' where id = tests.user_id('t45-vi');
select is(pg_temp.inbox('t45-vi', 'security.password_changed'), 1, 'a password change leaves a notice in the inbox');
select is(pg_temp.mail('t45-vi', 'security.password_changed'), 1, 'and an email');
select is(tests.try_as('t45-vi', $$select * from public.notifications where kind like 'security.%' and tenant_id is null$$), 'rows:1',
  'the person reads it (no organisation)');
select is(tests.try_as('t45-vi', format($$select private.notice_sign_in(%L, 'Firefox', '192.0.2.1')$$, tests.user_id('t45-vi'))),
  'error:42501', 'a person cannot write a security notice');
select tests.authenticate_as_service_role('notifications.security');
select private.notice_mfa_removed(tests.user_id('t45-vi'), 'Phone');
select is(private.notice_sign_in(tests.user_id('t45-vi'), 'Firefox', '192.0.2.1'), false, 'a first sign-in ever is no news');
select is(private.notice_sign_in(tests.user_id('t45-vi'), 'Firefox', '192.0.2.1'), false, 'nor another from the same device and address');
select is(private.notice_sign_in(tests.user_id('t45-vi'), 'Firefox', '198.51.100.7'), true, 'a sign-in from a new address is a notice');
select tests.clear_authentication();
select is(pg_temp.inbox('t45-vi', 'security.mfa_removed'), 1, 'removing a factor leaves a notice');
select is(pg_temp.inbox('t45-vi', 'security.new_sign_in'), 1, 'the new sign-in leaves one notice');
select is((select body ~ '198\.51\.100\.7' from public.notifications where user_id = tests.user_id('t45-vi') and kind = 'security.new_sign_in'),
  true, 'naming the address');

-- Mail: service_role claims each email once; nobody else may.
select is(tests.try_as('t45-vi', $$select * from private.claim_notification_mail(10)$$), 'error:42501',
  'a person cannot claim notification mail');
select tests.authenticate_as_service_role('notifications.fan_out');
select is((select count(*)::integer from private.claim_notification_mail(100) where to_address = 't45-vi@example.test'), 4,
  'service_role claims Vi''s four emails (role change, password, MFA, sign-in) with the address');
select is((select count(*)::integer from private.claim_notification_mail(100)), 0, 'a second claim finds none');
select tests.clear_authentication();

-- Digest: a daily email instead of one each.
select tests.do_as('t45-ada', format($$insert into public.notification_preferences (user_id, kind, channel, enabled, digest)
    values (%L, 'invitation.created', 'email', true, 'daily')$$, tests.user_id('t45-ada')));
select private.publish_event(tests.tenant_id('t45-acme'), 'invitation.created', 'invitation', 'i1', '{"email": "new@example.test"}');
select pg_temp.fan_out();
select tests.authenticate_as_service_role('notifications.digest');
select is((select count(*)::integer from private.claim_notification_mail(100)), 0, 'a digest item is not sent at once');
select is((select count(*)::integer from private.claim_notification_digests(now()) where to_address = 't45-ada@example.test'), 1,
  'the daily digest takes the item of the person who asked for one');
select is((select count(*)::integer from private.claim_notification_digests(now())), 0, 'nothing is left to digest');
select tests.clear_authentication();
select private.publish_event(tests.tenant_id('t45-acme'), 'invitation.created', 'invitation', 'i2', '{"email": "two@example.test"}');
select pg_temp.fan_out();
select tests.authenticate_as_service_role('notifications.digest');
select is((select count(*)::integer from private.claim_notification_digests(now())), 0,
  'the next item waits: one digest a day');
select is((select count(*)::integer from private.claim_notification_digests(now() + interval '25 hours')), 1,
  'and goes with the next day''s digest');
select tests.clear_authentication();

select * from finish();
rollback;
