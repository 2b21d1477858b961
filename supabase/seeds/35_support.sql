-- Support desk demo data (docs/support.md), after supabase/seed.sql and 23_admin.sql: a few tickets
-- per demo tenant in different states and priorities, one assigned to support@tenantry.test, with
-- replies and an internal note (staff see it in /admin/support; the tenant never does), the counters
-- that number the next ticket, and one macro. Idempotent: fixed ids, nothing written twice.

insert into public.support_tickets (id, tenant_id, number, subject, description, priority, category, status, requester_id,
                                    assignee_id, first_response_due_at, resolution_due_at, first_responded_at, resolved_at,
                                    closed_at, first_response_breached, resolution_breached, created_at, updated_at)
select t.id::uuid, t.tenant_id::uuid, t.number, t.subject, t.description, t.priority::public.support_priority, t.category,
       t.status::public.support_status, t.requester_id::uuid, t.assignee_id::uuid,
       now() - t.age + sla.first_response, now() - t.age + sla.resolution,
       case when t.responded then now() - t.age + interval '40 minutes' end,
       case when t.status in ('resolved', 'closed') then now() - t.age + interval '1 day' end,
       case when t.status = 'closed' then now() - t.age + interval '1 day' end,
       false, false, now() - t.age, now() - t.age + interval '1 hour'
from (values
  ('d5000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 1, 'Cannot export the audit log to CSV',
   'The export button on the audit page spins forever for the last 90 days.', 'high', 'technical', 'in_progress',
   'a0000000-0000-4000-8000-000000000011', 'a0000000-0000-4000-8000-000000002301', interval '2 days', true),
  ('d5000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001', 2, 'Invoice address is wrong',
   'Our March invoice shows the old office address.', 'medium', 'billing', 'resolved',
   'a0000000-0000-4000-8000-000000000012', null, interval '6 days', true),
  ('d5000000-0000-4000-8000-000000000003', 'b0000000-0000-4000-8000-000000000001', 3, 'Dark mode for the dashboards',
   'Would love a dark theme for the dashboard widgets.', 'low', 'feature_request', 'open',
   'a0000000-0000-4000-8000-000000000013', null, interval '3 hours', false),
  ('d5000000-0000-4000-8000-000000000011', 'b0000000-0000-4000-8000-000000000002', 1, 'API returns 429 during the nightly import',
   'Our importer is throttled every night around 02:00 UTC.', 'urgent', 'technical', 'pending',
   'a0000000-0000-4000-8000-000000000021', 'a0000000-0000-4000-8000-000000002301', interval '1 day', true),
  ('d5000000-0000-4000-8000-000000000012', 'b0000000-0000-4000-8000-000000000002', 2, 'How do I add a billing contact?',
   'Mindy should receive the invoices too.', 'medium', 'account', 'closed',
   'a0000000-0000-4000-8000-000000000022', null, interval '9 days', true)
) t(id, tenant_id, number, subject, description, priority, category, status, requester_id, assignee_id, age, responded)
cross join lateral (
  select make_interval(mins => (private.setting('support.sla') -> t.priority ->> 'first_response_minutes')::integer) as first_response,
         make_interval(mins => (private.setting('support.sla') -> t.priority ->> 'resolution_minutes')::integer) as resolution
) sla
on conflict (id) do nothing;

insert into public.support_messages (id, tenant_id, ticket_id, author_id, author_side, kind, body, created_at)
select m.id::uuid, tk.tenant_id, tk.id, m.author_id::uuid, m.side, m.kind::public.support_message_kind, m.body,
       tk.created_at + m.after
from (values
  ('d5100000-0000-4000-8000-000000000001', 'd5000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000002301', 'staff',
   'internal_note', 'Reproduced on the 90-day range: the query sorts the whole tenant. Engineering ticket filed.', interval '30 minutes'),
  ('d5100000-0000-4000-8000-000000000002', 'd5000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000002301', 'staff',
   'reply', 'Thanks for the report: we can reproduce it and are working on a fix. Shorter ranges export fine meanwhile.', interval '40 minutes'),
  ('d5100000-0000-4000-8000-000000000003', 'd5000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000011', 'customer',
   'reply', 'Good to know, the 30-day export works for now.', interval '2 hours'),
  ('d5100000-0000-4000-8000-000000000004', 'd5000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000002301', 'staff',
   'reply', 'The billing address comes from the billing account: update it under Billing and the next invoice follows.', interval '40 minutes'),
  ('d5100000-0000-4000-8000-000000000011', 'd5000000-0000-4000-8000-000000000011', 'a0000000-0000-4000-8000-000000002301', 'staff',
   'reply', 'The import exceeds the plan''s rate limit. Could you send us the importer''s request rate?', interval '40 minutes'),
  ('d5100000-0000-4000-8000-000000000012', 'd5000000-0000-4000-8000-000000000011', 'a0000000-0000-4000-8000-000000002301', 'staff',
   'internal_note', 'Globex is on the Pro plan; offer a temporary limit raise if they ask.', interval '45 minutes'),
  ('d5100000-0000-4000-8000-000000000013', 'd5000000-0000-4000-8000-000000000012', 'a0000000-0000-4000-8000-000000002301', 'staff',
   'reply', 'Add her as a member with the Billing Admin role: invoices go to billing admins.', interval '40 minutes')
) m(id, ticket_id, author_id, side, kind, body, after)
join public.support_tickets tk on tk.id = m.ticket_id::uuid
on conflict (id) do nothing;

insert into private.support_ticket_counters (tenant_id, last_number)
select t.tenant_id, max(t.number) from public.support_tickets t
where t.tenant_id in ('b0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002')
group by t.tenant_id
on conflict (tenant_id) do update set last_number = greatest(private.support_ticket_counters.last_number, excluded.last_number);

insert into public.support_macros (id, title, body, created_by) values
  ('d5200000-0000-4000-8000-000000000001', 'Thanks, looking into it',
   'Thanks for getting in touch: we are looking into it and will write again as soon as we know more.',
   'a0000000-0000-4000-8000-000000002301')
on conflict (id) do nothing;

-- The seeded history is not news: its events come off the fan-out's queue, as in
-- 29_notifications.sql (the first start emails nobody).
delete from private.notification_queue;
