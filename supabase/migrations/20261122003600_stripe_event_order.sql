-- Stripe does not promise the order of events: customer.subscription.created (or an invoice) can
-- arrive before checkout.session.completed, and apply_stripe_event would ignore it for want of a
-- known customer. Our checkout sessions put the tenant in the subscription's metadata
-- (`subscription_data.metadata.tenant_id`, src/lib/server/billing/stripe.ts), which Stripe copies
-- onto the subscription and onto its invoices (`parent.subscription_details.metadata`). When the
-- event ledger records an event carrying it, this trigger links the event's customer to that
-- tenant first — unless the tenant already has another customer or the customer another tenant:
-- the signed checkout completion stays the authority, this only fills the gap before it.

create or replace function private.link_stripe_customer_from_metadata()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_object jsonb := new.payload #> '{data,object}';
  v_customer text;
  v_tenant_id uuid;
begin
  v_customer := case when jsonb_typeof(v_object -> 'customer') = 'object' then v_object #>> '{customer,id}'
                     else v_object ->> 'customer' end;
  v_tenant_id := private.try_uuid(coalesce(
    v_object #>> '{metadata,tenant_id}',
    v_object #>> '{parent,subscription_details,metadata,tenant_id}',
    v_object #>> '{subscription_details,metadata,tenant_id}'));
  if v_customer is null or v_customer !~ '^cus_[A-Za-z0-9]+$' or v_tenant_id is null
     or not exists (select 1 from public.tenants t where t.id = v_tenant_id)
     or exists (select 1 from public.billing_accounts b where b.stripe_customer_id = v_customer) then
    return new;
  end if;
  insert into public.billing_accounts as b (tenant_id, stripe_customer_id)
  values (v_tenant_id, v_customer)
  on conflict (tenant_id) do update set stripe_customer_id = excluded.stripe_customer_id
    where b.stripe_customer_id is null;
  return new;
end
$$;
comment on function private.link_stripe_customer_from_metadata() is
  'BEFORE INSERT on private.stripe_events: links an event''s customer to the tenant named in its subscription '
  'metadata when neither is linked yet, so events arriving before checkout.session.completed are applied.';

create trigger stripe_events_link_customer before insert on private.stripe_events
  for each row execute function private.link_stripe_customer_from_metadata();
