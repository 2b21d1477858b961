-- Notifications demo data (docs/notifications.md), after supabase/seed.sql: a few notifications
-- for owner@acme.test — three unread, so a newcomer sees the bell's count, and one read security
-- notice — written as the fan-out would (the events through private.publish_event, the inbox
-- rows beside them) and taken off the fan-out's queue, so the first start emails nobody.
-- Idempotent: nothing is written when the owner already has notifications.
--
-- The events the other seed files published (the demo's history, by the modules' triggers) are
-- taken off the queue too: seeded history is not news, and the first start emails nobody.

delete from private.notification_queue;

do $$
declare
  v_owner constant uuid := 'a0000000-0000-4000-8000-000000000011';
  v_acme constant uuid := 'b0000000-0000-4000-8000-000000000001';
  v_event uuid;
  v_item record;
begin
  if exists (select 1 from public.notifications where user_id = v_owner) then
    return;
  end if;
  for v_item in
    select * from (values
      ('invoice.paid', 'invoice', 'INV-2026-0012', '{"summary": "Invoice INV-2026-0012 (49.00 USD) was paid by card."}'::jsonb,
       'Invoice paid', 'Invoice INV-2026-0012 (49.00 USD) was paid by card.', '/t/acme/billing', interval '3 days', true),
      ('member.added', 'member', 'a0000000-0000-4000-8000-000000000013',
       '{"user_id": "a0000000-0000-4000-8000-000000000013", "email": "dev@acme.test"}'::jsonb,
       'Someone joined', 'dev@acme.test joined Acme Inc as a Developer.', '/t/acme/members', interval '2 hours', false),
      ('usage.soft_limit', 'usage_metric', 'api_calls', '{"metric": "api_calls"}'::jsonb,
       'Usage passed its soft limit', 'API calls passed 80% of the plan''s monthly limit.', '/t/acme/usage', interval '40 minutes', false),
      ('api_key.created', 'api_key', 'd0000000-0000-4000-8000-000000000001', '{"name": "Demo integration"}'::jsonb,
       'API key created', 'The API key "Demo integration" was created.', '/t/acme/settings/api-keys', interval '5 minutes', false)
    ) v (type, subject_type, subject_id, payload, title, body, link, age, read)
  loop
    v_event := private.publish_event(v_acme, v_item.type, v_item.subject_type, v_item.subject_id, v_item.payload);
    delete from private.notification_queue where event_id = v_event;
    insert into public.notifications (user_id, tenant_id, event_id, kind, title, body, link, created_at, read_at)
    values (v_owner, v_acme, v_event, v_item.type, v_item.title, v_item.body, v_item.link, now() - v_item.age,
            case when v_item.read then now() - v_item.age end);
  end loop;
  insert into public.notifications (user_id, kind, title, body, link, created_at, read_at)
  values (v_owner, 'security.new_sign_in', 'New sign-in from a new device or address',
          'Your account was signed in to from a device or address not seen before: Firefox on Linux, from 192.0.2.44.',
          '/account/security', now() - interval '1 day', now() - interval '1 day');
end
$$;
