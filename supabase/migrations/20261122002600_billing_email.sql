-- Billing notifications by email: every tenant notification written to private.notifications_outbox
-- for the billing contacts or the owners is also queued in private.email_outbox (20261122001000),
-- in the same transaction, to the billing account's invoice email and every active owner. Staff
-- notifications (a proof waiting for verification) stay in the admin console's queue.

create or replace function private.email_tenant_notification()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.email_outbox (to_address, template, subject, body_text, payload)
  select r.address, replace(n.kind, '.', '_'), n.subject,
         n.subject || E'\n\n' || t.name || E'\n' || jsonb_pretty(n.payload),
         n.payload || jsonb_build_object('tenant_id', n.tenant_id, 'notification_id', n.id)
  from new_rows n
  join public.tenants t on t.id = n.tenant_id
  cross join lateral (
    select b.billing_email as address from public.billing_accounts b
    where b.tenant_id = n.tenant_id and b.billing_email is not null and n.audience = 'billing'
    union
    select p.email::text from public.memberships m join public.profiles p on p.id = m.user_id
    where m.tenant_id = n.tenant_id and m.is_owner and m.status = 'active' and p.email is not null
  ) r
  where n.audience in ('billing', 'owners');
  return null;
end
$$;
comment on function private.email_tenant_notification() is
  'Statement-level AFTER INSERT trigger on notifications_outbox: queues an email per billing contact and owner. '
  'Security definer: email_outbox is service_role only.';

create trigger notifications_outbox_email after insert on private.notifications_outbox
  referencing new table as new_rows
  for each statement execute function private.email_tenant_notification();
