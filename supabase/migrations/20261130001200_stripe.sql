-- Stripe: the event ledger and public.apply_stripe_event(event jsonb), which the stripe-webhook edge
-- function calls (as service_role, job `stripe.webhook`) after verifying the signature.
--
-- Owns: table private.stripe_events; private.stripe_time, stripe_customer_tenant,
-- stripe_subscription_status, apply_stripe_subscription, apply_stripe_invoice,
-- link_stripe_customer_from_metadata; public.apply_stripe_event.
--
-- One call = one transaction: the event is recorded in private.stripe_events (keyed by event.id)
-- and its effect applied together, so a delivery either leaves both or neither. Outcomes:
--   'duplicate'  the event id is already in the ledger: nothing changes
--   'applied'    the effect was applied
--   'stale'      the event is older (event.created) than the state it would change: nothing changes
--   'ignored'    a type Tenantry does not handle, or an object it cannot place (unknown customer);
--                recorded all the same, answered 2xx so Stripe stops retrying
-- Ordering: subscriptions, invoices and payment methods carry stripe_event_created, the created
-- time of the newest event applied to them; an event older than it is stale. Billing periods are
-- read from the subscription's first item (items.data[0].current_period_start/end, Stripe's API
-- since 2025-03-31), falling back to the subscription's own fields.
--
-- Stripe does not promise the order of events: customer.subscription.created (or an invoice) can
-- arrive before checkout.session.completed. Our checkout sessions put the tenant in the
-- subscription's metadata (`subscription_data.metadata.tenant_id`), which Stripe copies onto the
-- subscription and onto its invoices (`parent.subscription_details.metadata`). When the ledger
-- records an event carrying it, a trigger links the event's customer to that tenant first — unless
-- the tenant already has another customer or the customer another tenant: the signed checkout
-- completion stays the authority, this only fills the gap before it.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table private.stripe_events (
  id text primary key check (id ~ '^evt_[A-Za-z0-9_]+$'),
  type text not null,
  created timestamptz not null,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  outcome text not null default 'received' check (outcome in ('received', 'applied', 'ignored', 'stale')),
  tenant_id uuid references public.tenants (id) on delete set null
);
alter table private.stripe_events enable row level security;
comment on table private.stripe_events is
  'Ledger of every Stripe event received, keyed by event id, written in the transaction that applies it: a '
  'redelivered event is a no-op. service_role only.';
create index stripe_events_created_idx on private.stripe_events (created);
create index stripe_events_tenant_idx on private.stripe_events (tenant_id, created);

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

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

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

create or replace function private.stripe_time(p_value jsonb)
returns timestamptz
language sql
immutable
set search_path = ''
as $$
  select case when jsonb_typeof(p_value) = 'number' then to_timestamp((p_value #>> '{}')::double precision) end
$$;

comment on function private.stripe_time(jsonb) is 'A Stripe unix timestamp (seconds) as timestamptz; null for null or absent.';

create or replace function private.stripe_subscription_status(p_status text)
returns public.subscription_status
language sql
immutable
set search_path = ''
as $$
  select case p_status
    when 'trialing' then 'trialing'
    when 'active' then 'active'
    when 'past_due' then 'past_due'
    when 'unpaid' then 'past_due'
    when 'incomplete' then 'past_due'
    when 'paused' then 'past_due'
    when 'canceled' then 'cancelled'
    when 'incomplete_expired' then 'expired'
  end::public.subscription_status
$$;

comment on function private.stripe_subscription_status(text) is
  'Stripe subscription status → Tenantry''s (unpaid, incomplete, paused → past_due; canceled → cancelled).';

create or replace function private.stripe_customer_tenant(p_customer text)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select b.tenant_id from public.billing_accounts b where b.stripe_customer_id = p_customer
$$;

comment on function private.stripe_customer_tenant(text) is 'The tenant of a Stripe customer id (billing_accounts).';

-- customer.subscription.* — returns the outcome.
create or replace function private.apply_stripe_subscription(p_type text, p_created timestamptz, p_object jsonb, p_tenant_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_existing public.subscriptions;
  v_item jsonb := p_object #> '{items,data,0}';
  v_price text := coalesce(v_item #>> '{price,id}', v_item #>> '{plan,id}');
  v_plan public.plans;
  v_status public.subscription_status;
  v_start timestamptz := coalesce(private.stripe_time(v_item -> 'current_period_start'), private.stripe_time(p_object -> 'current_period_start'));
  v_end timestamptz := coalesce(private.stripe_time(v_item -> 'current_period_end'), private.stripe_time(p_object -> 'current_period_end'));
  v_interval public.billing_interval;
  v_row public.subscriptions;
begin
  select * into v_existing from public.subscriptions s where s.stripe_subscription_id = p_object ->> 'id' for update;
  if found and v_existing.stripe_event_created > p_created then
    return 'stale';
  end if;
  if p_type = 'customer.subscription.trial_will_end' then
    if v_existing.id is null then
      return 'ignored';
    end if;
    perform private.notify_tenant(v_existing.tenant_id, 'billing.trial_will_end', 'Your trial ends soon',
      jsonb_build_object('trial_end', private.stripe_time(p_object -> 'trial_end')));
    perform private.audit_event(v_existing.tenant_id, 'stripe.trial_will_end', 'subscriptions', v_existing.id::text, null,
      jsonb_build_object('trial_end', private.stripe_time(p_object -> 'trial_end')));
    return 'applied';
  end if;

  v_status := case when p_type = 'customer.subscription.deleted' then 'cancelled'
                   else private.stripe_subscription_status(p_object ->> 'status') end;
  select * into v_plan from public.plans p where v_price is not null and (p.stripe_price_monthly = v_price or p.stripe_price_yearly = v_price);
  v_interval := case when v_plan.stripe_price_yearly = v_price or v_item #>> '{price,recurring,interval}' = 'year'
                     then 'year' else 'month' end;
  if v_status is null or (v_existing.id is null and (v_plan.id is null or p_tenant_id is null)) then
    return 'ignored';
  end if;

  if v_existing.id is null then
    -- A new Stripe subscription replaces whatever live subscription the tenant had (free, manual).
    update public.subscriptions s set status = 'cancelled', ended_at = p_created
    where s.tenant_id = p_tenant_id and s.status in ('trialing', 'active', 'past_due', 'pending_verification');
    insert into public.subscriptions (tenant_id, plan_id, billing_interval, status, current_period_start, current_period_end,
      trial_end, cancel_at_period_end, past_due_since, cancelled_at, ended_at, stripe_subscription_id, stripe_event_created)
    values (p_tenant_id, v_plan.id, v_interval, v_status, v_start, v_end, private.stripe_time(p_object -> 'trial_end'),
      coalesce((p_object ->> 'cancel_at_period_end')::boolean, false),
      case when v_status = 'past_due' then p_created end, private.stripe_time(p_object -> 'canceled_at'),
      case when v_status in ('cancelled', 'expired') then coalesce(private.stripe_time(p_object -> 'ended_at'), p_created) end,
      p_object ->> 'id', p_created)
    returning * into v_row;
  else
    update public.subscriptions s set
      plan_id = coalesce(v_plan.id, s.plan_id),
      billing_interval = case when v_plan.id is null then s.billing_interval else v_interval end,
      status = v_status,
      current_period_start = coalesce(v_start, s.current_period_start),
      current_period_end = coalesce(v_end, s.current_period_end),
      trial_end = private.stripe_time(p_object -> 'trial_end'),
      cancel_at_period_end = coalesce((p_object ->> 'cancel_at_period_end')::boolean, s.cancel_at_period_end),
      past_due_since = case when v_status = 'past_due' then coalesce(s.past_due_since, p_created) end,
      cancelled_at = coalesce(private.stripe_time(p_object -> 'canceled_at'), s.cancelled_at),
      ended_at = case when v_status in ('cancelled', 'expired')
                      then coalesce(private.stripe_time(p_object -> 'ended_at'), s.ended_at, p_created) end,
      stripe_event_created = p_created
    where s.id = v_existing.id
    returning * into v_row;
  end if;
  if v_existing.status is distinct from v_row.status then
    perform private.billing_transition(v_row.tenant_id, v_row.id, 'stripe.subscription_status', v_existing.status, v_row.status,
      case v_row.status when 'cancelled' then 'Your subscription was cancelled'
                        when 'past_due' then 'Your subscription payment is overdue' end,
      jsonb_build_object('plan', (select p.code from public.plans p where p.id = v_row.plan_id)));
  end if;
  if v_row.status in ('active', 'trialing') then
    perform private.reactivate_after_payment(v_row.tenant_id);
  end if;
  return 'applied';
end
$$;

comment on function private.apply_stripe_subscription(text, timestamptz, jsonb, uuid) is
  'customer.subscription.created|updated|deleted|trial_will_end for apply_stripe_event.';

-- invoice.finalized|paid|payment_failed — returns the outcome.
create or replace function private.apply_stripe_invoice(p_type text, p_created timestamptz, p_object jsonb, p_tenant_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_existing public.invoices;
  v_invoice public.invoices;
  v_subscription public.subscriptions;
  v_stripe_sub text := coalesce(p_object ->> 'subscription', p_object #>> '{parent,subscription_details,subscription}');
  v_line jsonb := p_object #> '{lines,data,0,period}';
  v_status public.invoice_status;
begin
  select * into v_existing from public.invoices i where i.stripe_invoice_id = p_object ->> 'id' for update;
  if found and v_existing.stripe_event_created > p_created then
    return 'stale';
  end if;
  if p_tenant_id is null then
    return 'ignored';
  end if;
  select * into v_subscription from public.subscriptions s where s.stripe_subscription_id = v_stripe_sub and s.tenant_id = p_tenant_id for update;
  v_status := case p_type when 'invoice.paid' then 'paid'
    else coalesce(nullif(p_object ->> 'status', '')::public.invoice_status, 'open') end;
  if v_existing.status = 'paid' and v_status <> 'paid' then
    v_status := 'paid'; -- a paid invoice stays paid
  end if;

  insert into public.invoices as i (tenant_id, subscription_id, number, status, currency, subtotal, tax, total, amount_due,
    amount_paid, period_start, period_end, issued_at, due_at, paid_at, hosted_invoice_url, pdf_url, stripe_invoice_id,
    stripe_event_created)
  values (p_tenant_id, v_subscription.id, p_object ->> 'number', v_status, lower(coalesce(p_object ->> 'currency', 'usd')),
    coalesce((p_object ->> 'subtotal')::bigint, 0), coalesce((p_object ->> 'tax')::bigint, 0),
    coalesce((p_object ->> 'total')::bigint, 0), coalesce((p_object ->> 'amount_due')::bigint, 0),
    coalesce((p_object ->> 'amount_paid')::bigint, 0),
    coalesce(private.stripe_time(v_line -> 'start'), private.stripe_time(p_object -> 'period_start')),
    coalesce(private.stripe_time(v_line -> 'end'), private.stripe_time(p_object -> 'period_end')),
    coalesce(private.stripe_time(p_object #> '{status_transitions,finalized_at}'), private.stripe_time(p_object -> 'created')),
    private.stripe_time(p_object -> 'due_date'),
    case when v_status = 'paid' then coalesce(private.stripe_time(p_object #> '{status_transitions,paid_at}'), p_created) end,
    nullif(p_object ->> 'hosted_invoice_url', ''), nullif(p_object ->> 'invoice_pdf', ''), p_object ->> 'id', p_created)
  on conflict (stripe_invoice_id) do update set
    number = coalesce(excluded.number, i.number), status = excluded.status, subscription_id = coalesce(excluded.subscription_id, i.subscription_id),
    subtotal = excluded.subtotal, tax = excluded.tax, total = excluded.total, amount_due = excluded.amount_due,
    amount_paid = excluded.amount_paid, period_start = coalesce(excluded.period_start, i.period_start),
    period_end = coalesce(excluded.period_end, i.period_end), due_at = coalesce(excluded.due_at, i.due_at),
    paid_at = coalesce(i.paid_at, excluded.paid_at), hosted_invoice_url = coalesce(excluded.hosted_invoice_url, i.hosted_invoice_url),
    pdf_url = coalesce(excluded.pdf_url, i.pdf_url), stripe_event_created = excluded.stripe_event_created
  returning * into v_invoice;

  if v_existing.id is null and jsonb_typeof(p_object #> '{lines,data}') = 'array' then
    insert into public.invoice_lines (tenant_id, invoice_id, description, quantity, unit_amount, amount, period_start, period_end)
    select p_tenant_id, v_invoice.id, left(coalesce(l ->> 'description', 'Subscription'), 500),
           coalesce((l ->> 'quantity')::numeric, 1),
           coalesce((l #>> '{price,unit_amount}')::bigint, (l #>> '{pricing,unit_amount_decimal}')::numeric::bigint),
           coalesce((l ->> 'amount')::bigint, 0),
           private.stripe_time(l #> '{period,start}'), private.stripe_time(l #> '{period,end}')
    from jsonb_array_elements(p_object #> '{lines,data}') l;
  end if;

  if p_type = 'invoice.paid' then
    insert into public.payments (tenant_id, subscription_id, invoice_id, plan_id, billing_interval, provider, amount, currency,
      status, period_start, period_end, stripe_invoice_id, stripe_payment_intent_id)
    values (p_tenant_id, v_subscription.id, v_invoice.id, v_subscription.plan_id, v_subscription.billing_interval, 'stripe',
      v_invoice.amount_paid, v_invoice.currency, 'succeeded', v_invoice.period_start, v_invoice.period_end, v_invoice.stripe_invoice_id,
      p_object ->> 'payment_intent')
    on conflict (stripe_invoice_id, status) do nothing;
    if v_subscription.status = 'past_due' and coalesce(v_subscription.stripe_event_created, '-infinity') <= p_created then
      update public.subscriptions s set status = 'active', past_due_since = null, stripe_event_created = p_created
      where s.id = v_subscription.id;
      perform private.billing_transition(p_tenant_id, v_subscription.id, 'stripe.invoice_paid', 'past_due', 'active',
        'Your payment was received', jsonb_build_object('invoice', v_invoice.number));
    end if;
    perform private.reactivate_after_payment(p_tenant_id);
  elsif p_type = 'invoice.payment_failed' then
    insert into public.payments (tenant_id, subscription_id, invoice_id, plan_id, billing_interval, provider, amount, currency,
      status, failure_reason, stripe_invoice_id, stripe_payment_intent_id)
    values (p_tenant_id, v_subscription.id, v_invoice.id, v_subscription.plan_id, v_subscription.billing_interval, 'stripe',
      v_invoice.amount_due, v_invoice.currency, 'failed', left(p_object #>> '{last_finalization_error,message}', 500),
      v_invoice.stripe_invoice_id, p_object ->> 'payment_intent')
    on conflict (stripe_invoice_id, status) do nothing;
    if v_subscription.status in ('active', 'trialing') and coalesce(v_subscription.stripe_event_created, '-infinity') <= p_created then
      update public.subscriptions s set status = 'past_due', past_due_since = coalesce(s.past_due_since, p_created),
        stripe_event_created = p_created
      where s.id = v_subscription.id;
      perform private.billing_transition(p_tenant_id, v_subscription.id, 'stripe.payment_failed', v_subscription.status, 'past_due',
        null, '{}');
    end if;
    perform private.notify_tenant(p_tenant_id, 'billing.payment_failed', 'A payment failed',
      jsonb_build_object('invoice', v_invoice.number, 'amount_due', v_invoice.amount_due, 'currency', v_invoice.currency,
                         'attempt_count', p_object -> 'attempt_count', 'next_payment_attempt', private.stripe_time(p_object -> 'next_payment_attempt')));
  end if;
  return 'applied';
end
$$;

comment on function private.apply_stripe_invoice(text, timestamptz, jsonb, uuid) is
  'invoice.finalized|paid|payment_failed for apply_stripe_event: the invoice and its lines, a payment row, and '
  'past_due ⇄ active on the subscription.';

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on private.stripe_events from public, anon, authenticated, service_role;
grant select on private.stripe_events to service_role;

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

create or replace function public.apply_stripe_event(p_event jsonb)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id text := p_event ->> 'id';
  v_type text := p_event ->> 'type';
  v_created timestamptz := private.stripe_time(p_event -> 'created');
  v_object jsonb := p_event #> '{data,object}';
  v_customer text;
  v_tenant_id uuid;
  v_outcome text;
  v_method public.payment_methods;
  v_inserted boolean;
begin
  if not (private.is_service_role() or private.is_operator()) then
    raise exception 'Stripe events are applied by the stripe.webhook job only' using errcode = 'TN061';
  end if;
  if v_id is null or v_type is null or v_created is null or jsonb_typeof(v_object) <> 'object' then
    raise exception 'not a Stripe event (id, type, created and data.object are required)' using errcode = 'TN078';
  end if;
  insert into private.stripe_events (id, type, created, payload) values (v_id, v_type, v_created, p_event)
  on conflict (id) do nothing;
  get diagnostics v_inserted = row_count;
  if not v_inserted then
    return 'duplicate';
  end if;

  v_customer := case when jsonb_typeof(v_object -> 'customer') = 'object' then v_object #>> '{customer,id}'
                     else v_object ->> 'customer' end;
  if v_type = 'customer.deleted' then
    v_customer := v_object ->> 'id';
  end if;
  v_tenant_id := private.stripe_customer_tenant(v_customer);

  case
    when v_type = 'checkout.session.completed' then
      v_tenant_id := coalesce(private.try_uuid(v_object ->> 'client_reference_id'), v_tenant_id);
      if v_tenant_id is null or v_customer is null or not exists (select 1 from public.tenants t where t.id = v_tenant_id) then
        v_outcome := 'ignored';
      else
        insert into public.billing_accounts as b (tenant_id, stripe_customer_id, billing_email)
        values (v_tenant_id, v_customer, nullif(v_object #>> '{customer_details,email}', ''))
        on conflict (tenant_id) do update set stripe_customer_id = excluded.stripe_customer_id,
          billing_email = coalesce(b.billing_email, excluded.billing_email);
        perform private.audit_event(v_tenant_id, 'stripe.checkout_completed', 'billing_accounts', v_tenant_id::text, null,
          jsonb_build_object('customer', v_customer, 'subscription', v_object ->> 'subscription', 'session', v_object ->> 'id'));
        v_outcome := 'applied';
      end if;
    when v_type in ('customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted',
                    'customer.subscription.trial_will_end') then
      v_tenant_id := coalesce(v_tenant_id, (select s.tenant_id from public.subscriptions s where s.stripe_subscription_id = v_object ->> 'id'));
      v_outcome := private.apply_stripe_subscription(v_type, v_created, v_object, v_tenant_id);
    when v_type in ('invoice.finalized', 'invoice.paid', 'invoice.payment_failed') then
      v_outcome := private.apply_stripe_invoice(v_type, v_created, v_object, v_tenant_id);
    when v_type = 'payment_method.attached' then
      select * into v_method from public.payment_methods m where m.stripe_payment_method_id = v_object ->> 'id' for update;
      if v_method.stripe_event_created > v_created then
        v_outcome := 'stale';
      elsif v_tenant_id is null or v_object -> 'card' is null then
        v_outcome := 'ignored';
      else
        insert into public.payment_methods as m (tenant_id, stripe_payment_method_id, brand, last4, exp_month, exp_year, is_default,
                                                 stripe_event_created)
        values (v_tenant_id, v_object ->> 'id', coalesce(v_object #>> '{card,brand}', 'unknown'), v_object #>> '{card,last4}',
                (v_object #>> '{card,exp_month}')::smallint, (v_object #>> '{card,exp_year}')::smallint,
                not exists (select 1 from public.payment_methods x where x.tenant_id = v_tenant_id), v_created)
        on conflict (stripe_payment_method_id) do update set brand = excluded.brand, last4 = excluded.last4,
          exp_month = excluded.exp_month, exp_year = excluded.exp_year, stripe_event_created = excluded.stripe_event_created;
        v_outcome := 'applied';
      end if;
    when v_type = 'payment_method.detached' then
      -- A detached method no longer names its customer; the row knows its tenant.
      select * into v_method from public.payment_methods m where m.stripe_payment_method_id = v_object ->> 'id' for update;
      if v_method.id is null then
        v_outcome := 'ignored';
      elsif v_method.stripe_event_created > v_created then
        v_outcome := 'stale';
      else
        v_tenant_id := v_method.tenant_id;
        delete from public.payment_methods m where m.id = v_method.id;
        v_outcome := 'applied';
      end if;
    when v_type = 'customer.deleted' then
      if v_tenant_id is null then
        v_outcome := 'ignored';
      else
        update public.subscriptions s set status = 'cancelled', ended_at = v_created, stripe_event_created = v_created
        where s.tenant_id = v_tenant_id and s.stripe_subscription_id is not null
          and s.status in ('trialing', 'active', 'past_due', 'pending_verification');
        delete from public.payment_methods m where m.tenant_id = v_tenant_id;
        update public.billing_accounts b set stripe_customer_id = null where b.tenant_id = v_tenant_id;
        perform private.audit_event(v_tenant_id, 'stripe.customer_deleted', 'billing_accounts', v_tenant_id::text,
          jsonb_build_object('customer', v_customer), null);
        v_outcome := 'applied';
      end if;
    else
      v_outcome := 'ignored';
  end case;

  update private.stripe_events e set outcome = v_outcome, tenant_id = v_tenant_id where e.id = v_id;
  return v_outcome;
end
$$;

comment on function public.apply_stripe_event(jsonb) is
  'Records a verified Stripe event in private.stripe_events and applies it in the same transaction. Returns '
  'duplicate | applied | stale | ignored. Security definer: writes billing state no API role may write. '
  'Executable by service_role only (the stripe.webhook job).';

grant execute on function public.apply_stripe_event(jsonb) to service_role;
