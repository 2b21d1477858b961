-- Billing: the catalogue, per-tenant billing, its lifecycle, its pages and its email.
--
-- Owns: types billing_interval, usage_metric_kind, usage_reset, subscription_status,
-- invoice_status, payment_provider, payment_status; tables plans, usage_metrics, plan_limits
-- (with the catalogue's rows), billing_accounts, subscriptions, invoices, invoice_lines, payments,
-- payment_methods, private.notifications_outbox; the billing.* system settings; the lifecycle
-- (private.run_billing_lifecycle, billing_transition, subscription_status_by_dates); the billing
-- helpers (is_live_subscription, can_read_billing, can_manage_billing, tenant_plan_id, tenant_limit, notify_tenant,
-- email_tenant_notification, check_rejection_note (TN083), …); public.submit_payment_proof, verify_payment,
-- cancel_subscription, billing_overview, billing_invoice.
--
-- The catalogue: the plans a tenant can subscribe to (spec 001 plans, spec 002 plans with Stripe
-- prices), the usage metrics Tenantry meters or counts (spec 000 UsageMetric), and each plan's soft
-- and hard limit per metric. Platform-level data, no tenant_id: the public catalogue is readable by
-- anyone (anon included, for the pricing page); billing_admin staff edit it. Limits live in
-- plan_limits, one row per (plan, metric): members, projects, storage_bytes, api_calls,
-- compute_minutes. A null hard_limit is unlimited; the soft limit only flags (see docs/billing.md).
-- Prices are in minor units (cents) of the plan's currency.
--
-- Per tenant: the billing account (spec 000 BillingAccount, Stripe customer), the subscription to
-- a plan and its lifecycle (spec 003), invoices and their lines (spec 001), payments by Stripe or
-- by a manual transfer with a proof that platform billing staff verify (spec 003), and saved
-- payment methods (spec 002; brand, last 4 digits and expiry only).
--
-- Who may do what:
--   read        members holding billing.read (owners, admins, billing_admin role); platform
--               billing_admin and super_admin staff read every tenant's billing.
--   write       the billing account's details by holders of billing.manage; everything else only
--               through the RPCs here (submit_payment_proof, verify_payment, cancel_subscription),
--               the lifecycle job and the Stripe event ledger (the stripe module).
-- Every change is audited; every state change the tenant should know about is written to
-- private.notifications_outbox in the same transaction, and notices for the billing contacts or
-- the owners are also queued in private.email_outbox, to the billing account's invoice email and
-- every active owner (staff notices, a proof waiting for verification, stay in the admin
-- console's queue). Notices carry the path of the tenant's billing page in payload.path; the
-- sender turns it into a link on PUBLIC_URL.
--
-- Subscription status: trialing → active → past_due → expired, cancelled at any point, and
-- pending_verification while a manual payment waits for staff. One live subscription (trialing,
-- active, past_due, pending_verification) per tenant. stripe_event_created is the version of the
-- state Stripe last set: an older event never moves it backwards.
--
-- Manual payments: payments.expected_amount / expected_currency are fixed from the plan's price
-- for the interval when a manual payment is inserted (trigger, whoever inserts) and never change;
-- verify_payment approves a payment whose declared amount differs only with p_accept_amount and a
-- reason (TN079 otherwise, TN131 without the reason), kept in payments.amount_override_reason and
-- audited; at most billing.proof_max_rejections (3) rejected proofs per tenant in
-- billing.proof_rejection_window_days (30) (TN073); a rejection says why (payments_rejection_note)
-- and leaves a subscription where its dates and price put it: a free plan stays active.
--
-- The lifecycle: the time-driven transitions of subscriptions, run by the `billing.lifecycle`
-- system job (pg_cron on Supabase, a timer in the embedded profile; docs/billing.md):
--
--   trial ended              trialing → past_due (grace starts), or → expired if set to cancel
--   period ended, renewable  active → next period (free plans; manual plans already paid ahead)
--   period ended, unpaid     active → past_due (grace starts) — manual paid plans
--   period ended, cancelling trialing/active/past_due → cancelled
--   grace over               past_due → expired, and the tenant is suspended
--   paid again               a billing-suspended tenant with a live active subscription → reactivated
--   proof pending too long   after billing.proof_grace_days (7), back where its dates put it
--
-- Stripe-managed subscriptions (stripe_subscription_id set) take their status and periods from
-- Stripe's events; the job only expires them when a past_due grace runs out without an event.
-- A run repeats its pass until nothing moves, so one run brings every subscription to the state
-- p_now implies. Idempotent: each transition's condition is false once it has run, so a second run
-- at the same p_now changes nothing. Every transition is audited (actor: the system job, from the
-- claims) and notified (private.notifications_outbox).
--
-- The billing pages (src/routes/(app)/t/[slug]/billing): billing must stay visible to a tenant that
-- billing itself suspended, so its owners can see what is owed and pay to get back in. The table
-- policies use private.tenants_with_permission(), which answers for active tenants only, so the
-- page reads through billing_overview() and billing_invoice(), security definer functions that
-- answer the same people the policies do (billing.read or billing.manage, owners included, MFA
-- honoured), and additionally while the tenant is suspended for billing; anyone else gets TN002, a
-- tenant or invoice they cannot see TN003.

-- ---------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------

create type public.billing_interval as enum ('month', 'year');
create type public.usage_metric_kind as enum ('metered', 'counted');
create type public.usage_reset as enum ('month', 'never');

create type public.subscription_status as enum
  ('trialing', 'active', 'past_due', 'pending_verification', 'cancelled', 'expired');
create type public.invoice_status as enum ('draft', 'open', 'paid', 'void', 'uncollectible');
create type public.payment_provider as enum ('stripe', 'manual');
create type public.payment_status as enum ('pending', 'succeeded', 'failed', 'refunded');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.plans (
  id uuid primary key default gen_random_uuid(),
  code text not null unique check (code ~ '^[a-z][a-z0-9_-]{1,39}$'),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  description text not null default '' check (char_length(description) <= 1000),
  currency text not null default 'usd' check (currency ~ '^[a-z]{3}$'),
  price_monthly bigint not null default 0 check (price_monthly >= 0),
  price_yearly bigint not null default 0 check (price_yearly >= 0),
  trial_days integer not null default 0 check (trial_days between 0 and 365),
  features jsonb not null default '{}' check (jsonb_typeof(features) = 'object'),
  stripe_price_monthly text unique check (stripe_price_monthly ~ '^price_[A-Za-z0-9_]+$'),
  stripe_price_yearly text unique check (stripe_price_yearly ~ '^price_[A-Za-z0-9_]+$'),
  is_active boolean not null default true,
  sort_order integer not null default 0,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.plans enable row level security;
comment on table public.plans is
  'The plan catalogue: monthly and yearly price (minor units), currency, trial length, feature flags and '
  'Stripe price ids. Limits per metric are in plan_limits. Active plans are public (pricing page).';

create table public.usage_metrics (
  key text primary key check (key ~ '^[a-z][a-z0-9_]{1,39}$'),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  unit text not null check (char_length(btrim(unit)) between 1 and 20),
  kind public.usage_metric_kind not null,
  reset public.usage_reset not null default 'month',
  description text not null default ''
);
alter table public.usage_metrics enable row level security;
comment on table public.usage_metrics is
  'What Tenantry measures. metered: recorded as usage_events and summed per period (api_calls, compute '
  'minutes, storage); counted: rows counted where they live (members, projects). reset: month or never.';

create table public.plan_limits (
  plan_id uuid not null references public.plans (id) on delete cascade,
  metric text not null references public.usage_metrics (key),
  soft_limit bigint check (soft_limit >= 0),
  hard_limit bigint check (hard_limit >= 0),
  primary key (plan_id, metric),
  check (soft_limit is null or hard_limit is null or soft_limit <= hard_limit)
);
alter table public.plan_limits enable row level security;
comment on table public.plan_limits is
  'A plan''s limit for one metric: past hard_limit the write is refused (TN070/TN071), past soft_limit it is '
  'flagged and the tenant notified. Null is unlimited.';
create index plan_limits_metric_idx on public.plan_limits (metric);

create table public.billing_accounts (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null unique references public.tenants (id) on delete cascade,
  billing_email text check (billing_email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and char_length(billing_email) <= 320),
  company_name text check (char_length(company_name) <= 200),
  currency text not null default 'usd' check (currency ~ '^[a-z]{3}$'),
  tax_id text check (char_length(tax_id) <= 50),
  address jsonb not null default '{}' check (jsonb_typeof(address) = 'object' and octet_length(address::text) <= 2048),
  stripe_customer_id text unique check (stripe_customer_id ~ '^cus_[A-Za-z0-9]+$'),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id)
);
alter table public.billing_accounts enable row level security;
comment on table public.billing_accounts is
  'A tenant''s billing details (currency, tax id, address, invoice email) and its Stripe customer. One per tenant.';
create index billing_accounts_tenant_created_idx on public.billing_accounts (tenant_id, created_at);

create table public.subscriptions (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  plan_id uuid not null references public.plans (id),
  billing_interval public.billing_interval not null default 'month',
  status public.subscription_status not null,
  current_period_start timestamptz,
  current_period_end timestamptz,
  trial_end timestamptz,
  cancel_at_period_end boolean not null default false,
  past_due_since timestamptz,
  cancelled_at timestamptz,
  ended_at timestamptz,
  stripe_subscription_id text unique check (stripe_subscription_id ~ '^sub_[A-Za-z0-9]+$'),
  stripe_event_created timestamptz,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  check (current_period_end is null or current_period_start is null or current_period_end > current_period_start)
);
alter table public.subscriptions enable row level security;
comment on table public.subscriptions is
  'A tenant''s subscription to a plan: status (trialing, active, past_due, pending_verification, cancelled, '
  'expired), current period, trial end, cancel at period end, Stripe id and the version (stripe_event_created) '
  'of the state Stripe last set. Written only by the billing RPCs, the lifecycle job and apply_stripe_event.';
comment on column public.subscriptions.stripe_event_created is
  'created time of the newest Stripe event applied to this row; older events are stale and change nothing.';
comment on column public.subscriptions.past_due_since is 'Start of the grace period (billing.grace_days) before expiry.';
create unique index subscriptions_one_live_idx on public.subscriptions (tenant_id)
  where status in ('trialing', 'active', 'past_due', 'pending_verification');
create index subscriptions_tenant_created_idx on public.subscriptions (tenant_id, created_at);
create index subscriptions_status_idx on public.subscriptions (status, current_period_end);
create index subscriptions_plan_idx on public.subscriptions (plan_id);

create table public.invoices (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  subscription_id uuid,
  number text check (char_length(number) <= 100),
  status public.invoice_status not null default 'draft',
  currency text not null check (currency ~ '^[a-z]{3}$'),
  subtotal bigint not null default 0,
  tax bigint not null default 0,
  total bigint not null default 0,
  amount_due bigint not null default 0,
  amount_paid bigint not null default 0,
  period_start timestamptz,
  period_end timestamptz,
  issued_at timestamptz,
  due_at timestamptz,
  paid_at timestamptz,
  hosted_invoice_url text check (hosted_invoice_url ~ '^https://'),
  pdf_url text check (pdf_url ~ '^https://'),
  stripe_invoice_id text unique check (stripe_invoice_id ~ '^in_[A-Za-z0-9]+$'),
  stripe_event_created timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, subscription_id) references public.subscriptions (tenant_id, id) on delete set null (subscription_id)
);
alter table public.invoices enable row level security;
comment on table public.invoices is
  'An invoice (amounts in minor units): from Stripe (stripe_invoice_id) or for a verified manual payment.';
create index invoices_tenant_created_idx on public.invoices (tenant_id, created_at);
create index invoices_subscription_idx on public.invoices (tenant_id, subscription_id);

create table public.invoice_lines (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  invoice_id uuid not null,
  description text not null check (char_length(description) <= 500),
  metric text references public.usage_metrics (key),
  quantity numeric not null default 1,
  unit_amount bigint,
  amount bigint not null,
  period_start timestamptz,
  period_end timestamptz,
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, invoice_id) references public.invoices (tenant_id, id) on delete cascade
);
alter table public.invoice_lines enable row level security;
comment on table public.invoice_lines is 'A line of an invoice: a plan period or a metered usage charge.';
create index invoice_lines_tenant_invoice_idx on public.invoice_lines (tenant_id, invoice_id);
create index invoice_lines_metric_idx on public.invoice_lines (metric) where metric is not null;

create table public.payments (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  subscription_id uuid,
  invoice_id uuid,
  plan_id uuid references public.plans (id),
  billing_interval public.billing_interval,
  provider public.payment_provider not null,
  amount bigint not null check (amount >= 0),
  currency text not null check (currency ~ '^[a-z]{3}$'),
  status public.payment_status not null default 'pending',
  proof_path text check (char_length(proof_path) <= 500),
  note text check (char_length(note) <= 2000),
  failure_reason text check (char_length(failure_reason) <= 500),
  period_start timestamptz,
  period_end timestamptz,
  verified_by uuid,
  verified_at timestamptz,
  stripe_invoice_id text,
  stripe_payment_intent_id text,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (stripe_invoice_id, status),
  check (provider = 'stripe' or proof_path is not null),
  foreign key (tenant_id, subscription_id) references public.subscriptions (tenant_id, id) on delete set null (subscription_id),
  foreign key (tenant_id, invoice_id) references public.invoices (tenant_id, id) on delete set null (invoice_id),
  expected_amount bigint check (expected_amount >= 0),
  expected_currency text check (expected_currency ~ '^[a-z]{3}$'),
  amount_override_reason text check (char_length(amount_override_reason) between 1 and 500),
  constraint payments_manual_expected check (provider <> 'manual' or (expected_amount is not null and expected_currency is not null)),
  -- Staff rejections only (verified_by set): Stripe failures carry no note.
  constraint payments_rejection_note check (
    status <> 'failed' or provider <> 'manual' or verified_by is null
    or char_length(btrim(coalesce(note, ''))) > 0)
);
alter table public.payments enable row level security;
comment on table public.payments is
  'A payment: by Stripe (one row per invoice outcome), or manual (a transfer with a proof file in storage, '
  'pending until billing staff verify it: verified_by, verified_at, note).';
comment on column public.payments.proof_path is 'Storage path of the payment proof, under the tenant''s folder: <tenant_id>/…';
create unique index payments_one_pending_manual_idx on public.payments (tenant_id) where provider = 'manual' and status = 'pending';
create index payments_tenant_created_idx on public.payments (tenant_id, created_at);
create index payments_pending_idx on public.payments (created_at) where status = 'pending';
create index payments_subscription_idx on public.payments (tenant_id, subscription_id);
create index payments_invoice_idx on public.payments (tenant_id, invoice_id);
create index payments_plan_idx on public.payments (plan_id);

create table public.payment_methods (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  stripe_payment_method_id text not null unique check (stripe_payment_method_id ~ '^(pm|card|src)_[A-Za-z0-9]+$'),
  brand text not null default 'unknown' check (char_length(brand) <= 30),
  last4 text not null check (last4 ~ '^[0-9]{4}$'),
  exp_month smallint not null check (exp_month between 1 and 12),
  exp_year smallint not null check (exp_year between 2000 and 2200),
  is_default boolean not null default false,
  stripe_event_created timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id)
);
alter table public.payment_methods enable row level security;
comment on table public.payment_methods is
  'A saved card, as Stripe describes it: brand, last 4 digits and expiry. Never a full number (there is no column for one).';
create index payment_methods_tenant_created_idx on public.payment_methods (tenant_id, created_at);

-- Tenant notifications (billing alerts now; any module later), written in the same transaction as the
-- change they announce. A sender fans them out (email_outbox, in-app) and stamps sent_at.
create table private.notifications_outbox (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid references public.tenants (id) on delete cascade,
  kind text not null check (kind ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  audience text not null default 'billing' check (audience in ('billing', 'owners', 'members', 'staff')),
  subject text not null check (char_length(subject) between 1 and 300),
  payload jsonb not null default '{}',
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
alter table private.notifications_outbox enable row level security;
comment on table private.notifications_outbox is
  'Notifications for a tenant (audience: billing contacts, owners, members, or platform staff), written in the '
  'transaction of what they announce. service_role only; a sender stamps sent_at.';
create index notifications_outbox_tenant_created_idx on private.notifications_outbox (tenant_id, created_at);
create index notifications_outbox_unsent_idx on private.notifications_outbox (created_at) where sent_at is null;

comment on column public.payments.expected_amount is
  'Manual payments: the plan''s price for the interval when the payment was recorded (minor units), beside the '
  'declared amount. Fixed by trigger; never changes.';
comment on column public.payments.expected_currency is 'Manual payments: the plan''s currency when the payment was recorded.';
comment on column public.payments.amount_override_reason is
  'Why billing staff approved a manual payment whose declared amount differs from the expected one.';

comment on constraint payments_rejection_note on public.payments is
  'A manual payment rejected by staff carries a note for the tenant (verify_payment with an empty note is refused).';

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.system_settings (key, value, category, description, is_public) values
  ('billing.default_plan', '"free"', 'billing',
   'The plan a tenant created through create_tenant starts on, and whose limits apply once a tenant''s subscription has ended.', true),
  ('billing.grace_days', '7', 'billing',
   'Days a subscription stays past_due (unpaid) before it expires and the tenant is suspended.', true);

insert into public.usage_metrics (key, name, unit, kind, reset, description) values
  ('members', 'Members', 'members', 'counted', 'never', 'People in the tenant (memberships of any status; pending invitations reserve a seat).'),
  ('projects', 'Projects', 'projects', 'counted', 'never', 'Projects (workspaces) of the tenant.'),
  ('storage_bytes', 'Storage', 'bytes', 'metered', 'never', 'Bytes stored: a running total; files removed are recorded as corrections (admin_correct_usage).'),
  ('api_calls', 'API calls', 'calls', 'metered', 'month', 'Calls to the REST API, per calendar month (UTC).'),
  ('compute_minutes', 'Compute', 'minutes', 'metered', 'month', 'Compute minutes of jobs, per calendar month (UTC).');

insert into public.plans (code, name, description, currency, price_monthly, price_yearly, trial_days, features,
                          stripe_price_monthly, stripe_price_yearly, sort_order) values
  ('free', 'Free', 'For trying Tenantry with a small team.', 'usd', 0, 0, 0,
   '{"sso": false, "scim": false, "audit_export": false, "custom_roles": false, "support": "community"}', null, null, 0),
  ('pro', 'Pro', 'For growing teams: more seats, projects and API calls.', 'usd', 2900, 29000, 14,
   '{"sso": false, "scim": false, "audit_export": true, "custom_roles": true, "support": "email"}',
   'price_tenantry_pro_monthly', 'price_tenantry_pro_yearly', 1),
  ('business', 'Business', 'For organisations: SSO, SCIM and high limits.', 'usd', 9900, 99000, 14,
   '{"sso": true, "scim": true, "audit_export": true, "custom_roles": true, "support": "priority"}',
   'price_tenantry_business_monthly', 'price_tenantry_business_yearly', 2);

insert into public.plan_limits (plan_id, metric, soft_limit, hard_limit)
select p.id, l.metric, l.soft_limit, l.hard_limit
from (values
  ('free', 'members', null, 3), ('free', 'projects', null, 2),
  ('free', 'storage_bytes', 858993459, 1073741824), ('free', 'api_calls', 8000, 10000), ('free', 'compute_minutes', 80, 100),
  ('pro', 'members', null, 20), ('pro', 'projects', null, 20),
  ('pro', 'storage_bytes', 42949672960, 53687091200), ('pro', 'api_calls', 800000, 1000000), ('pro', 'compute_minutes', 8000, 10000),
  ('business', 'members', 200, 250), ('business', 'projects', null, 200),
  ('business', 'storage_bytes', 429496729600, 536870912000), ('business', 'api_calls', 8000000, 10000000),
  ('business', 'compute_minutes', 80000, null)
) l(plan_code, metric, soft_limit, hard_limit)
join public.plans p on p.code = l.plan_code;

insert into public.system_settings (key, value, category, description, is_public) values
  ('billing.proof_grace_days', '7', 'billing',
   'Days a manual payment proof may wait for verification while the subscription''s lifecycle waits; after that, the '
   'lifecycle proceeds as if no proof had been sent (the proof can still be approved).', true),
  ('billing.proof_max_rejections', '3', 'billing',
   'Rejected payment proofs a tenant may have within billing.proof_rejection_window_days before another is refused.', true),
  ('billing.proof_rejection_window_days', '30', 'billing',
   'The window, in days, over which rejected payment proofs are counted (billing.proof_max_rejections).', true)
on conflict (key) do nothing;

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

-- Tenants created by a signed-in user (create_tenant) start on the default plan. Operator inserts
-- (seed, imports, tests' fixtures) have no caller and stay unbilled until given a subscription.
create or replace function private.start_default_subscription()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_plan uuid;
begin
  if auth.uid() is null then
    return null;
  end if;
  select p.id into v_plan from public.plans p where p.code = private.setting('billing.default_plan') #>> '{}';
  if v_plan is not null then
    insert into public.subscriptions (tenant_id, plan_id, status, current_period_start)
    values (new.id, v_plan, 'active', now());
  end if;
  return null;
end
$$;

comment on function private.start_default_subscription() is
  'AFTER INSERT trigger on tenants: a tenant created by a user starts on billing.default_plan. Security definer: '
  'subscriptions are written only by trusted code.';

-- Billing notices by email: every tenant notification for the billing contacts or the owners is
-- also queued in private.email_outbox, to the billing account's invoice email and every active
-- owner; payload.path is the tenant's billing page, resolved on PUBLIC_URL by the sender.

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
         n.payload || jsonb_build_object('tenant_id', n.tenant_id, 'notification_id', n.id,
                                         'path', '/t/' || t.slug || '/billing')
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
  'Statement-level AFTER INSERT trigger on notifications_outbox: queues an email per billing contact and owner, '
  'with payload.path the tenant''s billing page (the sender links it on PUBLIC_URL). '
  'Security definer: email_outbox is service_role only.';

create or replace function private.fix_expected_payment()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.provider = 'manual' then
    select case new.billing_interval when 'year' then p.price_yearly else p.price_monthly end, p.currency
      into new.expected_amount, new.expected_currency
    from public.plans p where p.id = new.plan_id;
  end if;
  return new;
end
$$;

comment on function private.fix_expected_payment() is
  'BEFORE INSERT trigger on payments: a manual payment''s expected amount and currency are the plan''s price for its '
  'interval, whatever the writer passed. Security definer: reads inactive plans too.';

create or replace function private.check_rejection_note()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = 'failed' and new.provider = 'manual' and new.verified_by is not null
     and char_length(btrim(coalesce(new.note, ''))) = 0 then
    raise exception 'a rejected payment says why' using errcode = 'TN083';
  end if;
  return new;
end
$$;
comment on function private.check_rejection_note() is
  'Raises TN083 where payments_rejection_note would refuse: a staff rejection without a note.';

create trigger plans_set_updated_at before update on public.plans
  for each row execute function private.set_updated_at();
create trigger plans_immutable_columns before update on public.plans
  for each row execute function private.forbid_column_changes('id', 'code', 'created_by', 'created_at');
create trigger plan_limits_immutable_columns before update on public.plan_limits
  for each row execute function private.forbid_column_changes('plan_id', 'metric');

create trigger billing_accounts_set_updated_at before update on public.billing_accounts
  for each row execute function private.set_updated_at();
create trigger billing_accounts_immutable_columns before update on public.billing_accounts
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_by', 'created_at');
create trigger billing_accounts_rpc_only_columns before update on public.billing_accounts
  for each row execute function private.restrict_column_changes_to_rpc('stripe_customer_id');

create trigger subscriptions_set_updated_at before update on public.subscriptions
  for each row execute function private.set_updated_at();
create trigger subscriptions_immutable_columns before update on public.subscriptions
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_by', 'created_at');
create trigger subscriptions_rpc_only_columns before update on public.subscriptions
  for each row execute function private.restrict_column_changes_to_rpc(
    'plan_id', 'billing_interval', 'status', 'current_period_start', 'current_period_end', 'trial_end',
    'cancel_at_period_end', 'past_due_since', 'cancelled_at', 'ended_at', 'stripe_subscription_id', 'stripe_event_created');

create trigger invoices_set_updated_at before update on public.invoices
  for each row execute function private.set_updated_at();
create trigger invoices_immutable_columns before update on public.invoices
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'created_at');
create trigger invoice_lines_immutable_columns before update on public.invoice_lines
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'invoice_id', 'created_at');

create trigger payments_set_updated_at before update on public.payments
  for each row execute function private.set_updated_at();
create trigger payments_immutable_columns before update on public.payments
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'provider', 'amount', 'currency', 'proof_path', 'created_by', 'created_at');
create trigger payments_rpc_only_columns before update on public.payments
  for each row execute function private.restrict_column_changes_to_rpc('status', 'verified_by', 'verified_at', 'note');

create trigger payment_methods_set_updated_at before update on public.payment_methods
  for each row execute function private.set_updated_at();
create trigger payment_methods_immutable_columns before update on public.payment_methods
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'stripe_payment_method_id', 'created_at');

create trigger tenants_start_subscription after insert on public.tenants
  for each row execute function private.start_default_subscription();

create trigger notifications_outbox_email after insert on private.notifications_outbox
  referencing new table as new_rows
  for each statement execute function private.email_tenant_notification();

create trigger payments_fix_expected before insert on public.payments
  for each row execute function private.fix_expected_payment();
create trigger payments_expected_immutable before update on public.payments
  for each row execute function private.forbid_column_changes('expected_amount', 'expected_currency');
create trigger payments_rejection_note_given before insert or update on public.payments
  for each row execute function private.check_rejection_note();

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

create or replace function private.notify_tenant(
  p_tenant_id uuid, p_kind text, p_subject text, p_payload jsonb default '{}', p_audience text default 'billing')
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  insert into private.notifications_outbox (tenant_id, kind, audience, subject, payload)
  values (p_tenant_id, p_kind, p_audience, p_subject, coalesce(p_payload, '{}'))
$$;

comment on function private.notify_tenant(uuid, text, text, jsonb, text) is
  'Queues a notification for a tenant. Security definer: the outbox is service_role only. Not granted to API roles.';

-- A live subscription (at most one per tenant, subscriptions_one_live_idx): what the billing page
-- manages and the console counts as a plan's subscribers. Plain SQL without settings, so it inlines.
create or replace function private.is_live_subscription(p_status public.subscription_status)
returns boolean
language sql
immutable
as $$
  select p_status in ('trialing', 'active', 'past_due', 'pending_verification')
$$;

comment on function private.is_live_subscription(public.subscription_status) is
  'Is a subscription with this status live (trialing, active, past_due, pending_verification) rather than ended '
  '(cancelled, expired)?';

revoke all on function private.is_live_subscription(public.subscription_status) from public, anon;
grant execute on function private.is_live_subscription(public.subscription_status) to authenticated, service_role;

-- The plan whose limits govern a tenant: its live subscription's; once a subscription has ended, the
-- default plan's; a tenant that never had a subscription (created directly by an operator: seeds,
-- imports) is unbilled and unlimited.
create or replace function private.tenant_plan_id(p_tenant_id uuid)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    (select s.plan_id from public.subscriptions s
     where s.tenant_id = p_tenant_id and s.status in ('trialing', 'active', 'past_due', 'pending_verification')),
    (select p.id from public.plans p
     where p.code = private.setting('billing.default_plan') #>> '{}'
       and exists (select 1 from public.subscriptions s where s.tenant_id = p_tenant_id)))
$$;

comment on function private.tenant_plan_id(uuid) is
  'The plan governing a tenant''s limits (live subscription, else the default plan once billed, else none). '
  'Security definer: quotas are enforced whoever writes.';

create or replace function private.tenant_limit(p_tenant_id uuid, p_metric text, out soft_limit bigint, out hard_limit bigint)
language sql
stable
security definer
set search_path = ''
as $$
  select l.soft_limit, l.hard_limit from public.plan_limits l
  where l.plan_id = private.tenant_plan_id(p_tenant_id) and l.metric = p_metric
$$;

comment on function private.tenant_limit(uuid, text) is 'The soft and hard limit of a metric for a tenant (nulls: unlimited).';

create or replace function private.billing_suspension_reason()
returns text
language sql
immutable
set search_path = ''
as $$
  select 'billing: subscription expired'
$$;

comment on function private.billing_suspension_reason() is
  'tenants.status_reason of a tenant that billing suspended; only such tenants are reactivated by a payment.';

-- Billing management for a tenant that billing itself suspended: its owners and billing.manage
-- holders must still be able to pay to get back in, which private.authorize() (active tenants only)
-- would refuse.
create or replace function private.can_manage_billing(p_tenant_id uuid)
returns boolean
language sql
stable
as $$
  select private.holds_permission('billing.manage', p_tenant_id, true)
$$;

comment on function private.can_manage_billing(uuid) is
  'Does the caller hold billing.manage in this tenant, also while billing has suspended it (so they can pay)?';

-- A payment arrived: a tenant that billing suspended is active again.
create or replace function private.reactivate_after_payment(p_tenant_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.tenants t where t.id = p_tenant_id and t.status = 'suspended'
             and t.status_reason = private.billing_suspension_reason()) then
    perform private.set_tenant_status(p_tenant_id, 'active', null, 'tenant.reactivate');
    perform private.notify_tenant(p_tenant_id, 'billing.tenant_reactivated', 'Your workspace is active again', '{}', 'owners');
  end if;
end
$$;

comment on function private.reactivate_after_payment(uuid) is
  'Reactivates a tenant that billing suspended (not one staff suspended for another reason).';

create or replace function private.run_billing_lifecycle(p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_grace interval := make_interval(days => coalesce((private.setting('billing.grace_days') #>> '{}')::int, 7));
  v_proof_grace interval := private.proof_grace();
  v_sub record;
  v_counts jsonb := '{"trial_ended": 0, "renewed": 0, "past_due": 0, "cancelled": 0, "expired": 0, "suspended": 0, '
                    '"reactivated": 0, "proof_overdue": 0}';
  v_new public.subscription_status;
  v_dates record;
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
      where s.status in ('trialing', 'active', 'past_due', 'pending_verification')
        and ((s.status = 'trialing' and s.trial_end <= p_now and s.stripe_subscription_id is null)
          or (s.status in ('active', 'past_due') and s.current_period_end <= p_now and s.stripe_subscription_id is null
              and (s.status = 'active' or s.cancel_at_period_end))
          or (s.status = 'past_due' and s.past_due_since + v_grace <= p_now)
          or (s.status = 'pending_verification' and not exists (
                select 1 from public.payments pay
                where pay.tenant_id = s.tenant_id and pay.provider = 'manual' and pay.status = 'pending'
                  and pay.created_at + v_proof_grace > p_now)))
      order by s.tenant_id
      for update of s
    loop
      v_moved := v_moved + 1;
      v_step := case v_sub.billing_interval when 'year' then interval '1 year' else interval '1 month' end;
      if v_sub.status = 'pending_verification' then
        -- The proof waited too long: the subscription goes where its dates put it; the next pass
        -- carries on from there (past due, expired, suspended). Staff can still approve the proof.
        select * into v_dates from private.subscription_status_by_dates(v_sub.trial_end, v_sub.current_period_end,
          v_sub.past_due_since, v_sub.price, p_now);
        update public.subscriptions s set status = v_dates.status, past_due_since = v_dates.past_due_since
        where s.id = v_sub.id;
        perform private.billing_transition(v_sub.tenant_id, v_sub.id, 'subscription.proof_overdue', 'pending_verification',
          v_dates.status, 'Your payment proof is still waiting for verification: your subscription continues as if unpaid',
          jsonb_build_object('proof_grace', v_proof_grace::text, 'past_due_since', v_dates.past_due_since));
        v_counts := jsonb_set(v_counts, '{proof_overdue}', to_jsonb((v_counts ->> 'proof_overdue')::int + 1));
      elsif v_sub.status = 'past_due' and v_sub.past_due_since + v_grace <= p_now then
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
  'tenant suspended, reactivation, and a proof pending past billing.proof_grace_days releasing its subscription '
  '(proof_overdue). Repeats until nothing moves; idempotent; returns how many subscriptions each transition moved. '
  'Security definer: moves subscription and tenant status, which only trusted code may. service_role only.';

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

create or replace function private.can_read_billing(p_tenant_id uuid)
returns boolean
language sql
stable
as $$
  select (private.holds_permission('billing.read', p_tenant_id, true)
          or private.holds_permission('billing.manage', p_tenant_id, true))
     and p_tenant_id not in (select private.mfa_blocked_tenant_ids())
$$;

comment on function private.can_read_billing(uuid) is
  'Does the caller hold billing.read or billing.manage in this tenant (owners do), also while billing has '
  'suspended it? Honours the tenant''s MFA requirement. Not granted to API roles.';

-- Where a subscription's own dates and price put it, without a pending payment: a rejected proof, or
-- a proof that waited past billing.proof_grace_days. Grace counts from when it fell due.
create or replace function private.subscription_status_by_dates(
  p_trial_end timestamptz, p_period_end timestamptz, p_past_due_since timestamptz, p_price bigint, p_now timestamptz,
  out status public.subscription_status, out past_due_since timestamptz)
language sql
immutable
set search_path = ''
as $$
  select s.status, case when s.status = 'past_due'
                     then coalesce(p_past_due_since, p_period_end, p_trial_end, p_now) end
  from (select case
    when p_trial_end > p_now then 'trialing'
    when p_price = 0 or p_period_end > p_now then 'active'
    else 'past_due' end::public.subscription_status as status) s
$$;

comment on function private.subscription_status_by_dates(timestamptz, timestamptz, timestamptz, bigint, timestamptz) is
  'trialing while the trial runs, active on a free plan or while the period runs, else past_due (since it fell due).';

create or replace function private.proof_grace()
returns interval
language sql
stable
security definer
set search_path = ''
as $$
  select make_interval(days => coalesce((private.setting('billing.proof_grace_days') #>> '{}')::int, 7))
$$;

comment on function private.proof_grace() is
  'billing.proof_grace_days as an interval: how long a pending proof holds the lifecycle. Security definer: reads a setting.';

grant execute on function private.run_billing_lifecycle(timestamptz) to service_role;

revoke all on function private.can_read_billing(uuid) from public, anon, authenticated, service_role;

revoke all on function private.check_rejection_note() from public, anon, authenticated;

revoke all on function
  private.fix_expected_payment(),
  private.subscription_status_by_dates(timestamptz, timestamptz, timestamptz, bigint, timestamptz),
  private.proof_grace()
from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Audited tables
-- ---------------------------------------------------------------------------------------------

-- The catalogue above is migration data (reviewed in version control); edits from now on are audited.
select private.enable_audit('public.plans', '', '{id}');
select private.enable_audit('public.plan_limits', '', '{plan_id,metric}');

select private.enable_audit('public.billing_accounts', 'tenant_id', '{id}');
select private.enable_audit('public.subscriptions', 'tenant_id', '{id}');
select private.enable_audit('public.invoices', 'tenant_id', '{id}');
select private.enable_audit('public.invoice_lines', 'tenant_id', '{id}');
select private.enable_audit('public.payments', 'tenant_id', '{id}');
select private.enable_audit('public.payment_methods', 'tenant_id', '{id}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.plans, public.usage_metrics, public.plan_limits from anon, authenticated, service_role;

-- The catalogue is public on purpose: the pricing page is shown before sign-in.
grant select on public.plans, public.usage_metrics, public.plan_limits to anon, authenticated, service_role;
grant insert (code, name, description, currency, price_monthly, price_yearly, trial_days, features,
              stripe_price_monthly, stripe_price_yearly, is_active, sort_order) on public.plans to authenticated, service_role;
grant update (name, description, currency, price_monthly, price_yearly, trial_days, features,
              stripe_price_monthly, stripe_price_yearly, is_active, sort_order) on public.plans to authenticated, service_role;
grant insert (plan_id, metric, soft_limit, hard_limit) on public.plan_limits to authenticated, service_role;
grant update (soft_limit, hard_limit) on public.plan_limits to authenticated, service_role;
grant delete on public.plan_limits to authenticated, service_role;

-- These helpers answer about any tenant (its plan, its limits, whether the caller may pay for it),
-- so no API role may call them: they run inside the security definer triggers and RPCs, as the owner.

revoke all on public.billing_accounts, public.subscriptions, public.invoices, public.invoice_lines,
  public.payments, public.payment_methods from anon, authenticated, service_role;
revoke all on private.notifications_outbox from public, anon, authenticated, service_role;

grant select on public.billing_accounts, public.subscriptions, public.invoices, public.invoice_lines,
  public.payments, public.payment_methods to authenticated, service_role;
grant insert (tenant_id, billing_email, company_name, currency, tax_id, address) on public.billing_accounts
  to authenticated, service_role;
grant update (billing_email, company_name, currency, tax_id, address) on public.billing_accounts to authenticated, service_role;
grant select on private.notifications_outbox to service_role;
grant update (sent_at) on private.notifications_outbox to service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy plans_select_public on public.plans
  for select to anon, authenticated
  using (is_active);
create policy plans_select_staff on public.plans
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy plans_insert_staff on public.plans
  for insert to authenticated
  with check ((select private.is_platform_staff('billing_admin')));
create policy plans_update_staff on public.plans
  for update to authenticated
  using ((select private.is_platform_staff('billing_admin')))
  with check ((select private.is_platform_staff('billing_admin')));

create policy usage_metrics_select_public on public.usage_metrics
  for select to anon, authenticated
  using (true);

create policy plan_limits_select_public on public.plan_limits
  for select to anon, authenticated
  using (true);
create policy plan_limits_insert_staff on public.plan_limits
  for insert to authenticated
  with check ((select private.is_platform_staff('billing_admin')));
create policy plan_limits_update_staff on public.plan_limits
  for update to authenticated
  using ((select private.is_platform_staff('billing_admin')))
  with check ((select private.is_platform_staff('billing_admin')));
create policy plan_limits_delete_staff on public.plan_limits
  for delete to authenticated
  using ((select private.is_platform_staff('billing_admin')));

create policy billing_accounts_select_permitted on public.billing_accounts
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('billing.read'))));
create policy billing_accounts_select_staff on public.billing_accounts
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy billing_accounts_insert_permitted on public.billing_accounts
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('billing.manage'))));
create policy billing_accounts_update_permitted on public.billing_accounts
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('billing.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('billing.manage'))));
create policy billing_accounts_select_mfa on public.billing_accounts
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy billing_accounts_insert_mfa on public.billing_accounts
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy billing_accounts_update_mfa on public.billing_accounts
  as restrictive for update to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy subscriptions_select_permitted on public.subscriptions
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('billing.read'))));
create policy subscriptions_select_staff on public.subscriptions
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy subscriptions_select_mfa on public.subscriptions
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy invoices_select_permitted on public.invoices
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('billing.read'))));
create policy invoices_select_staff on public.invoices
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy invoices_select_mfa on public.invoices
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy invoice_lines_select_permitted on public.invoice_lines
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('billing.read'))));
create policy invoice_lines_select_staff on public.invoice_lines
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy invoice_lines_select_mfa on public.invoice_lines
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy payments_select_permitted on public.payments
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('billing.read'))));
create policy payments_select_staff on public.payments
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy payments_select_mfa on public.payments
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy payment_methods_select_permitted on public.payment_methods
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('billing.read'))));
create policy payment_methods_select_staff on public.payment_methods
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy payment_methods_select_mfa on public.payment_methods
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- API functions
-- ---------------------------------------------------------------------------------------------

create or replace function public.submit_payment_proof(
  p_tenant_id uuid, p_plan_code text, p_interval public.billing_interval, p_amount bigint, p_proof_path text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := private.authorize(null, p_tenant_id);
  v_plan public.plans;
  v_subscription public.subscriptions;
  v_payment public.payments;
  v_max integer := coalesce((private.setting('billing.proof_max_rejections') #>> '{}')::int, 3);
  v_window interval := make_interval(days => coalesce((private.setting('billing.proof_rejection_window_days') #>> '{}')::int, 30));
  v_rejected integer;
begin
  if not private.can_manage_billing(p_tenant_id) then
    raise exception 'permission billing.manage needed' using errcode = 'TN002';
  end if;
  select * into v_plan from public.plans p where p.code = p_plan_code and p.is_active;
  if not found or (case p_interval when 'year' then v_plan.price_yearly else v_plan.price_monthly end) = 0 then
    raise exception 'no paid plan %', p_plan_code using errcode = 'TN075';
  end if;
  if p_amount is null or p_amount <= 0 then
    raise exception 'the amount must be positive' using errcode = 'TN075';
  end if;
  if p_proof_path is null or char_length(p_proof_path) > 500 or p_proof_path !~ ('^' || p_tenant_id::text || '/[A-Za-z0-9._/-]+$')
     or p_proof_path ~ '(^|/)\.\.?(/|$)' then
    raise exception 'the proof must be a file under the tenant''s folder (%/…)', p_tenant_id using errcode = 'TN075';
  end if;
  if exists (select 1 from public.payments p where p.tenant_id = p_tenant_id and p.provider = 'manual' and p.status = 'pending') then
    raise exception 'a payment is already waiting for verification' using errcode = 'TN074';
  end if;
  select count(*) into v_rejected from public.payments p
  where p.tenant_id = p_tenant_id and p.provider = 'manual' and p.status = 'failed' and p.verified_at > now() - v_window;
  if v_rejected >= v_max then
    raise exception '% payment proofs were rejected in the last %: ask billing support before sending another', v_rejected, v_window
      using errcode = 'TN073';
  end if;

  select * into v_subscription from public.subscriptions s
  where s.tenant_id = p_tenant_id and s.status in ('trialing', 'active', 'past_due', 'pending_verification')
  for update;
  if found then
    update public.subscriptions s set status = 'pending_verification' where s.id = v_subscription.id;
  else
    insert into public.subscriptions (tenant_id, plan_id, billing_interval, status)
    values (p_tenant_id, v_plan.id, p_interval, 'pending_verification')
    returning * into v_subscription;
  end if;

  insert into public.payments (tenant_id, subscription_id, plan_id, billing_interval, provider, amount, currency,
                               status, proof_path)
  values (p_tenant_id, v_subscription.id, v_plan.id, p_interval, 'manual', p_amount, v_plan.currency, 'pending', p_proof_path)
  returning * into v_payment;

  perform private.audit_event(p_tenant_id, 'payment.submit', 'payments', v_payment.id::text, null,
    jsonb_build_object('plan', v_plan.code, 'interval', p_interval, 'amount', p_amount, 'currency', v_plan.currency,
                       'expected_amount', v_payment.expected_amount, 'expected_currency', v_payment.expected_currency,
                       'subscription_status', jsonb_build_array(v_subscription.status, 'pending_verification')));
  perform private.notify_tenant(null, 'billing.payment_submitted', 'A payment proof waits for verification',
    jsonb_build_object('tenant_id', p_tenant_id, 'payment_id', v_payment.id, 'amount', p_amount,
                       'expected_amount', v_payment.expected_amount), 'staff');
  return v_payment.id;
end
$$;

comment on function public.submit_payment_proof(uuid, text, public.billing_interval, bigint, text) is
  'Manual payment (spec 003): records a pending payment with its proof file (a storage path under <tenant_id>/), its '
  'declared amount and the expected one (the plan''s price), and puts the subscription in pending_verification. Needs '
  'billing.manage (also while billing suspended the tenant); one pending at a time (TN074); refused after '
  'billing.proof_max_rejections rejections within billing.proof_rejection_window_days (TN073).';

create function public.verify_payment(
  p_payment_id uuid, p_approve boolean, p_note text default null,
  p_accept_amount boolean default false, p_amount_reason text default null)
returns public.subscription_status
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_payment public.payments;
  v_subscription public.subscriptions;
  v_live public.subscriptions;
  v_plan public.plans;
  v_step interval;
  v_status public.subscription_status;
  v_price bigint;
  v_dates record;
  v_override text;
begin
  perform private.require_staff('billing_admin');
  if p_approve is null then
    raise exception 'approve or reject' using errcode = 'TN075';
  end if;
  select * into v_payment from public.payments p where p.id = p_payment_id for update;
  if not found then
    raise exception 'no such payment' using errcode = 'TN003';
  end if;
  if v_payment.provider <> 'manual' or v_payment.status <> 'pending' then
    raise exception 'this payment is not waiting for verification (%)', v_payment.status using errcode = 'TN074';
  end if;
  if p_approve and (v_payment.amount, v_payment.currency) is distinct from (v_payment.expected_amount, v_payment.expected_currency) then
    if not coalesce(p_accept_amount, false) then
      raise exception 'the declared % % differs from the expected % %: approve a different amount explicitly, with a reason',
        v_payment.amount, v_payment.currency, v_payment.expected_amount, v_payment.expected_currency
        using errcode = 'TN079';
    end if;
    v_override := private.require_status_reason(p_amount_reason);
  end if;
  select * into v_subscription from public.subscriptions s where s.id = v_payment.subscription_id for update;
  -- The lifecycle may have moved on while the proof waited (billing.proof_grace_days): an approval
  -- then pays the tenant's live subscription, or brings the ended one back.
  if v_subscription.status not in ('trialing', 'active', 'past_due', 'pending_verification') then
    select * into v_live from public.subscriptions s
    where s.tenant_id = v_payment.tenant_id and s.status in ('trialing', 'active', 'past_due', 'pending_verification')
    for update;
    if found then
      v_subscription := v_live;
    end if;
  end if;
  select * into v_plan from public.plans p where p.id = v_payment.plan_id;
  v_step := case v_payment.billing_interval when 'year' then interval '1 year' else interval '1 month' end;

  if p_approve then
    -- Paying for the plan already running extends it; anything else starts a period now.
    if v_subscription.plan_id = v_plan.id and v_subscription.current_period_end > now()
       and v_subscription.billing_interval = v_payment.billing_interval
       and v_subscription.status in ('trialing', 'active', 'past_due', 'pending_verification') then
      update public.subscriptions s set status = 'active', current_period_end = s.current_period_end + v_step,
        trial_end = null, past_due_since = null, cancel_at_period_end = false, ended_at = null
      where s.id = v_subscription.id returning * into v_subscription;
    else
      update public.subscriptions s set status = 'active', plan_id = v_plan.id, billing_interval = v_payment.billing_interval,
        current_period_start = now(), current_period_end = now() + v_step, trial_end = null, past_due_since = null,
        cancel_at_period_end = false, ended_at = null
      where s.id = v_subscription.id returning * into v_subscription;
    end if;
    update public.payments p set status = 'succeeded', verified_by = auth.uid(), verified_at = now(), note = p_note,
      amount_override_reason = v_override,
      period_start = v_subscription.current_period_end - v_step, period_end = v_subscription.current_period_end
    where p.id = p_payment_id;
    v_status := 'active';
    perform private.reactivate_after_payment(v_payment.tenant_id);
    perform private.notify_tenant(v_payment.tenant_id, 'billing.payment_approved', 'Your payment was verified',
      jsonb_build_object('payment_id', p_payment_id, 'plan', v_plan.code, 'period_end', v_subscription.current_period_end,
                         'note', p_note));
  else
    if v_subscription.status in ('trialing', 'active', 'past_due', 'pending_verification') then
      select case v_subscription.billing_interval when 'year' then p.price_yearly else p.price_monthly end into v_price
      from public.plans p where p.id = v_subscription.plan_id;
      select * into v_dates from private.subscription_status_by_dates(v_subscription.trial_end,
        v_subscription.current_period_end, v_subscription.past_due_since, v_price, now());
      update public.subscriptions s set status = v_dates.status, past_due_since = v_dates.past_due_since
      where s.id = v_subscription.id;
      v_status := v_dates.status;
    else
      v_status := v_subscription.status;
    end if;
    update public.payments p set status = 'failed', verified_by = auth.uid(), verified_at = now(), note = p_note,
      failure_reason = 'rejected by billing staff'
    where p.id = p_payment_id;
    perform private.notify_tenant(v_payment.tenant_id, 'billing.payment_rejected', 'Your payment could not be verified',
      jsonb_build_object('payment_id', p_payment_id, 'note', p_note, 'subscription_status', v_status));
  end if;
  perform private.audit_event(v_payment.tenant_id, case when p_approve then 'payment.approve' else 'payment.reject' end,
    'payments', p_payment_id::text, jsonb_build_object('status', 'pending', 'subscription_status', v_subscription.status),
    jsonb_build_object('status', case when p_approve then 'succeeded' else 'failed' end, 'subscription_status', v_status,
                       'note', p_note, 'amount', v_payment.amount, 'currency', v_payment.currency,
                       'expected_amount', v_payment.expected_amount, 'expected_currency', v_payment.expected_currency,
                       'amount_override_reason', v_override));
  return v_status;
end
$$;

comment on function public.verify_payment(uuid, boolean, text, boolean, text) is
  'Billing staff (billing_admin, super_admin) approve a pending manual payment (subscription active for the paid '
  'period, a billing-suspended tenant reactivated) or reject it (payment failed; subscription back to what its '
  'dates and price allow: a free plan stays active). A declared amount that differs from the expected one is approved '
  'only with p_accept_amount and a reason (TN079, TN131). Audited; the tenant is notified.';

create or replace function public.cancel_subscription(p_tenant_id uuid, p_cancel boolean default true)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_subscription public.subscriptions;
begin
  perform private.authorize('billing.manage', p_tenant_id);
  select * into v_subscription from public.subscriptions s
  where s.tenant_id = p_tenant_id and s.status in ('trialing', 'active', 'past_due', 'pending_verification')
  for update;
  if not found then
    raise exception 'no live subscription' using errcode = 'TN003';
  end if;
  if v_subscription.stripe_subscription_id is not null then
    raise exception 'this subscription is managed in Stripe: use the customer portal' using errcode = 'TN077';
  end if;
  update public.subscriptions s set cancel_at_period_end = coalesce(p_cancel, true),
    cancelled_at = case when coalesce(p_cancel, true) then now() end
  where s.id = v_subscription.id;
  perform private.audit_event(p_tenant_id, case when coalesce(p_cancel, true) then 'subscription.cancel' else 'subscription.resume' end,
    'subscriptions', v_subscription.id::text, jsonb_build_object('cancel_at_period_end', v_subscription.cancel_at_period_end),
    jsonb_build_object('cancel_at_period_end', coalesce(p_cancel, true)));
end
$$;

comment on function public.cancel_subscription(uuid, boolean) is
  'Cancels the tenant''s subscription at the end of its period (p_cancel false resumes it). Needs billing.manage; '
  'Stripe-managed subscriptions are changed in Stripe (TN077).';

-- The billing page shows what a pending payment is expected to be.
create or replace function public.billing_overview(p_tenant_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  if not private.can_read_billing(p_tenant_id) then
    raise exception 'permission billing.read needed' using errcode = 'TN002';
  end if;
  select jsonb_build_object(
    'can_manage', private.can_manage_billing(p_tenant_id)
                  and p_tenant_id not in (select private.mfa_blocked_tenant_ids()),
    'account', (select jsonb_build_object('billing_email', b.billing_email, 'company_name', b.company_name,
                  'currency', b.currency, 'stripe_customer_id', b.stripe_customer_id)
                from public.billing_accounts b where b.tenant_id = p_tenant_id),
    'subscription', (select jsonb_build_object('id', s.id, 'status', s.status, 'plan_code', p.code, 'plan_name', p.name,
                  'billing_interval', s.billing_interval, 'currency', p.currency,
                  'price', case s.billing_interval when 'year' then p.price_yearly else p.price_monthly end,
                  'stripe_price_id', case s.billing_interval when 'year' then p.stripe_price_yearly else p.stripe_price_monthly end,
                  'current_period_start', s.current_period_start, 'current_period_end', s.current_period_end,
                  'trial_end', s.trial_end, 'cancel_at_period_end', s.cancel_at_period_end,
                  'past_due_since', s.past_due_since, 'stripe_subscription_id', s.stripe_subscription_id,
                  'live', private.is_live_subscription(s.status))
                from public.subscriptions s join public.plans p on p.id = s.plan_id
                where s.tenant_id = p_tenant_id
                order by private.is_live_subscription(s.status) desc, s.created_at desc
                limit 1),
    'invoices', coalesce((select jsonb_agg(i order by i.issued_at desc nulls last) from (
                  select i.id, i.number, i.status, i.currency, i.total, i.amount_due, i.amount_paid, i.period_start,
                         i.period_end, coalesce(i.issued_at, i.created_at) as issued_at, i.paid_at, i.hosted_invoice_url,
                         i.pdf_url
                  from public.invoices i where i.tenant_id = p_tenant_id
                  order by coalesce(i.issued_at, i.created_at) desc limit 24) i), '[]'),
    'payments', coalesce((select jsonb_agg(x order by x.created_at desc) from (
                  select pay.id, pay.provider, pay.amount, pay.currency, pay.expected_amount, pay.expected_currency,
                         pay.status, pay.created_at, pay.note, pay.failure_reason, pay.billing_interval,
                         p.code as plan_code, p.name as plan_name
                  from public.payments pay left join public.plans p on p.id = pay.plan_id
                  where pay.tenant_id = p_tenant_id
                  order by pay.created_at desc limit 10) x), '[]'),
    'payment_methods', coalesce((select jsonb_agg(jsonb_build_object('id', m.id, 'brand', m.brand, 'last4', m.last4,
                  'exp_month', m.exp_month, 'exp_year', m.exp_year, 'is_default', m.is_default) order by m.is_default desc, m.created_at)
                from public.payment_methods m where m.tenant_id = p_tenant_id), '[]'))
  into v_result;
  return v_result;
end
$$;

comment on function public.billing_overview(uuid) is
  'The billing page of a tenant: the caller''s billing.manage, the account, the current (else latest) subscription '
  'with its plan and whether it is live, the last 24 invoices, the last 10 payments (declared and expected amounts) and the saved cards. '
  'billing.read or billing.manage, also while billing suspended the tenant (TN002 otherwise).';

create or replace function public.billing_invoice(p_tenant_id uuid, p_invoice_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  if not private.can_read_billing(p_tenant_id) then
    raise exception 'permission billing.read needed' using errcode = 'TN002';
  end if;
  select jsonb_build_object(
    'invoice', to_jsonb(i) - 'stripe_event_created',
    'tenant_name', t.name,
    'account', (select jsonb_build_object('company_name', b.company_name, 'billing_email', b.billing_email,
                  'tax_id', b.tax_id, 'address', b.address)
                from public.billing_accounts b where b.tenant_id = i.tenant_id),
    'lines', coalesce((select jsonb_agg(jsonb_build_object('description', l.description, 'quantity', l.quantity,
                  'unit_amount', l.unit_amount, 'amount', l.amount, 'period_start', l.period_start, 'period_end', l.period_end)
                  order by l.created_at, l.id)
                from public.invoice_lines l where l.tenant_id = i.tenant_id and l.invoice_id = i.id), '[]'))
  into v_result
  from public.invoices i join public.tenants t on t.id = i.tenant_id
  where i.id = p_invoice_id and i.tenant_id = p_tenant_id;
  if v_result is null then
    raise exception 'no such invoice' using errcode = 'TN003';
  end if;
  return v_result;
end
$$;

comment on function public.billing_invoice(uuid, uuid) is
  'One invoice of a tenant with its lines and the billing details to print on it. billing.read or billing.manage, '
  'also while billing suspended the tenant (TN002 otherwise; TN003 for an invoice of no such tenant).';

revoke all on function public.verify_payment(uuid, boolean, text, boolean, text) from public, anon;
grant execute on function public.verify_payment(uuid, boolean, text, boolean, text) to authenticated, service_role;

grant execute on function
  public.submit_payment_proof(uuid, text, public.billing_interval, bigint, text),
  public.cancel_subscription(uuid, boolean)
to authenticated;

revoke all on function
  public.billing_overview(uuid),
  public.billing_invoice(uuid, uuid)
from public, anon;
grant execute on function
  public.billing_overview(uuid),
  public.billing_invoice(uuid, uuid)
to authenticated;
