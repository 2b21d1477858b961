-- Notifications demo data (docs/notifications.md), after supabase/seed.sql: a few notifications
-- for owner@acme.test — the latest seeded event of four kinds (written by the modules' triggers
-- while the other seed files ran), as the fan-out would write them (private.notification_text),
-- three unread so a newcomer sees the bell's count, and one read security notice.
-- Idempotent: nothing is written when the owner already has notifications.
--
-- Every seeded event is taken off the fan-out's queue: seeded history is not news, and the first
-- start emails nobody.

delete from private.notification_queue;

do $$
declare
  v_owner constant uuid := 'a0000000-0000-4000-8000-000000000011';
  v_acme constant uuid := 'b0000000-0000-4000-8000-000000000001';
begin
  if exists (select 1 from public.notifications where user_id = v_owner) then
    return;
  end if;
  insert into public.notifications (user_id, tenant_id, event_id, kind, title, body, link, created_at, read_at)
  select v_owner, v_acme, e.id, e.type, t.title, t.body, t.link, now() - w.age,
         case when w.read then now() - w.age end
  from (values
    ('invoice.paid', interval '3 days', true),
    ('member.added', interval '2 hours', false),
    ('team.created', interval '40 minutes', false),
    ('api_key.created', interval '5 minutes', false)
  ) as w (type, age, read)
  cross join lateral (
    select * from public.events ev where ev.tenant_id = v_acme and ev.type = w.type
      and ev.payload ->> 'user_id' is distinct from v_owner::text
    order by ev.occurred_at desc, ev.id desc limit 1) e
  join public.notification_kinds k on k.kind = e.type
  cross join lateral private.notification_text(e, k, 'acme') t;
  insert into public.notifications (user_id, kind, title, body, link, created_at, read_at)
  values (v_owner, 'security.new_sign_in', 'New sign-in from a new device or address',
          'Your account was signed in to from a device or address not seen before: Firefox on Linux, from 192.0.2.44.',
          '/account/security', now() - interval '1 day', now() - interval '1 day');
end
$$;
