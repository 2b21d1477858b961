-- Billing lifecycle: the time-driven transitions of subscriptions, run by the `billing.lifecycle`
-- system job (pg_cron on Supabase, a timer in the embedded profile; docs/billing.md):
--
--   trial ended              trialing → past_due (grace starts), or → expired if set to cancel
--   period ended, renewable  active → next period (free plans; manual plans already paid ahead)
--   period ended, unpaid     active → past_due (grace starts) — manual paid plans
--   period ended, cancelling trialing/active/past_due → cancelled
--   grace over               past_due → expired, and the tenant is suspended
--   paid again               a billing-suspended tenant with a live active subscription → reactivated
--
-- Stripe-managed subscriptions (stripe_subscription_id set) take their status and periods from
-- Stripe's events; the job only expires them when a past_due grace runs out without an event.
-- pending_verification waits for staff and is never moved by the job.
--
-- A run repeats its pass until nothing moves, so one run brings every subscription to the state
-- p_now implies (a trial that ended long ago goes to past_due and, its grace over, to expired).
-- Idempotent: each transition's condition is false once it has run, so a second run at the same
-- p_now changes nothing. Every transition is audited (actor: the system job, from the claims) and
-- notified (private.notifications_outbox).

create or replace function private.run_billing_lifecycle(p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_grace interval := make_interval(days => coalesce((private.setting('billing.grace_days') #>> '{}')::int, 7));
  v_sub record;
  v_counts jsonb := '{"trial_ended": 0, "renewed": 0, "past_due": 0, "cancelled": 0, "expired": 0, "suspended": 0, "reactivated": 0}';
  v_new public.subscription_status;
  v_step interval;
  v_paid public.payments;
  v_moved integer;
  v_passes integer := 0;
begin
  -- One runner at a time; a concurrent run returns at once.
  if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtextextended('tenantry.billing.lifecycle', 0)) then
    return jsonb_build_object('skipped', 'another run holds the lock');
  end if;

  -- Passes until nothing moves, so one run brings every subscription to where p_now puts it (a
  -- trial that ended long ago goes to past_due and, its grace over, to expired in the same run).
  loop
    v_moved := 0;
    for v_sub in
      select s.*, p.code as plan_code,
             case s.billing_interval when 'year' then p.price_yearly else p.price_monthly end as price
      from public.subscriptions s join public.plans p on p.id = s.plan_id
      where s.status in ('trialing', 'active', 'past_due')
        and ((s.status = 'trialing' and s.trial_end <= p_now and s.stripe_subscription_id is null)
          or (s.status in ('active', 'past_due') and s.current_period_end <= p_now and s.stripe_subscription_id is null
              and (s.status = 'active' or s.cancel_at_period_end))
          or (s.status = 'past_due' and s.past_due_since + v_grace <= p_now))
      order by s.tenant_id
      for update of s
    loop
      v_moved := v_moved + 1;
      v_step := case v_sub.billing_interval when 'year' then interval '1 year' else interval '1 month' end;
      if v_sub.status = 'past_due' and v_sub.past_due_since + v_grace <= p_now then
        update public.subscriptions s set status = 'expired', ended_at = p_now where s.id = v_sub.id;
        perform private.billing_transition(v_sub.tenant_id, v_sub.id, 'subscription.expire', v_sub.status, 'expired',
          'Your subscription expired', jsonb_build_object('past_due_since', v_sub.past_due_since, 'grace', v_grace::text));
        v_counts := jsonb_set(v_counts, '{expired}', to_jsonb((v_counts ->> 'expired')::int + 1));
        if exists (select 1 from public.tenants t where t.id = v_sub.tenant_id and t.status = 'active') then
          perform private.set_tenant_status(v_sub.tenant_id, 'suspended', private.billing_suspension_reason(), 'tenant.suspend');
          perform private.notify_tenant(v_sub.tenant_id, 'billing.tenant_suspended',
            'Your workspace is suspended until a payment arrives', '{}', 'owners');
          v_counts := jsonb_set(v_counts, '{suspended}', to_jsonb((v_counts ->> 'suspended')::int + 1));
        end if;
      elsif v_sub.cancel_at_period_end
            and coalesce(case when v_sub.status = 'trialing' then v_sub.trial_end end, v_sub.current_period_end) <= p_now then
        v_new := case when v_sub.status = 'trialing' then 'expired' else 'cancelled' end;
        update public.subscriptions s set status = v_new, ended_at = p_now where s.id = v_sub.id;
        perform private.billing_transition(v_sub.tenant_id, v_sub.id,
          case v_new when 'expired' then 'subscription.trial_end' else 'subscription.end' end, v_sub.status, v_new,
          case v_new when 'expired' then 'Your trial ended' else 'Your subscription ended' end, '{}');
        v_counts := jsonb_set(v_counts, case v_new when 'expired' then '{trial_ended}'::text[] else '{cancelled}'::text[] end,
          to_jsonb((v_counts ->> case v_new when 'expired' then 'trial_ended' else 'cancelled' end)::int + 1));
      elsif v_sub.status = 'trialing' then
        update public.subscriptions s set status = 'past_due', past_due_since = s.trial_end where s.id = v_sub.id;
        perform private.billing_transition(v_sub.tenant_id, v_sub.id, 'subscription.trial_end', 'trialing', 'past_due',
          'Your trial ended: pay to keep your plan', jsonb_build_object('grace_until', v_sub.trial_end + v_grace));
        v_counts := jsonb_set(v_counts, '{trial_ended}', to_jsonb((v_counts ->> 'trial_ended')::int + 1));
      elsif v_sub.status = 'active' then
        -- A verified payment for the next period, or a free plan, renews; otherwise the period is unpaid.
        select * into v_paid from public.payments p
        where p.subscription_id = v_sub.id and p.status = 'succeeded' and p.period_start >= v_sub.current_period_end
        order by p.period_start limit 1;
        if v_sub.price = 0 or v_paid.id is not null then
          update public.subscriptions s set
            current_period_start = coalesce(v_paid.period_start, s.current_period_end),
            current_period_end = coalesce(v_paid.period_end,
              s.current_period_end + v_step * greatest(1, ceil(extract(epoch from (p_now - s.current_period_end))
                                                            / extract(epoch from v_step)))::int)
          where s.id = v_sub.id;
          perform private.billing_transition(v_sub.tenant_id, v_sub.id, 'subscription.renew', 'active', 'active',
            null, jsonb_build_object('previous_period_end', v_sub.current_period_end));
          v_counts := jsonb_set(v_counts, '{renewed}', to_jsonb((v_counts ->> 'renewed')::int + 1));
        else
          update public.subscriptions s set status = 'past_due', past_due_since = s.current_period_end where s.id = v_sub.id;
          perform private.billing_transition(v_sub.tenant_id, v_sub.id, 'subscription.past_due', 'active', 'past_due',
            'Your subscription renewal is unpaid', jsonb_build_object('grace_until', v_sub.current_period_end + v_grace));
          v_counts := jsonb_set(v_counts, '{past_due}', to_jsonb((v_counts ->> 'past_due')::int + 1));
        end if;
      end if;
    end loop;
    v_passes := v_passes + 1;
    exit when v_moved = 0 or v_passes >= 12;
  end loop;

  -- Catch-up: a billing-suspended tenant whose subscription is active again (paid outside an RPC).
  for v_sub in
    select t.id as tenant_id from public.tenants t
    where t.status = 'suspended' and t.status_reason = private.billing_suspension_reason()
      and exists (select 1 from public.subscriptions s where s.tenant_id = t.id and s.status in ('active', 'trialing'))
    order by t.id
  loop
    perform private.reactivate_after_payment(v_sub.tenant_id);
    v_counts := jsonb_set(v_counts, '{reactivated}', to_jsonb((v_counts ->> 'reactivated')::int + 1));
  end loop;
  return v_counts;
end
$$;
comment on function private.run_billing_lifecycle(timestamptz) is
  'The billing.lifecycle job: trial expiry, renewal, unpaid periods, cancellation at period end, grace → expired → '
  'tenant suspended, reactivation. Repeats until nothing moves; idempotent; returns how many subscriptions each '
  'transition moved. Security definer: moves subscription and tenant status, which only trusted code may. service_role only.';

create or replace function private.billing_transition(
  p_tenant_id uuid, p_subscription_id uuid, p_action text, p_from public.subscription_status,
  p_to public.subscription_status, p_subject text, p_details jsonb)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.audit_event(p_tenant_id, p_action, 'subscriptions', p_subscription_id::text,
    jsonb_build_object('status', p_from), jsonb_build_object('status', p_to) || coalesce(p_details, '{}'));
  if p_subject is not null then
    perform private.notify_tenant(p_tenant_id, 'billing.' || replace(p_action, 'subscription.', 'subscription_'), p_subject,
      jsonb_build_object('subscription_id', p_subscription_id, 'from', p_from, 'to', p_to) || coalesce(p_details, '{}'));
  end if;
end
$$;
comment on function private.billing_transition(uuid, uuid, text, public.subscription_status, public.subscription_status, text, jsonb) is
  'Audits a subscription transition and, with a subject, notifies the tenant. For the billing functions only.';

grant execute on function private.run_billing_lifecycle(timestamptz) to service_role;
