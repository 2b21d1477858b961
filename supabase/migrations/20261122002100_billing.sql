-- Billing: per tenant, the billing account (spec 000 BillingAccount, Stripe customer), the
-- subscription to a plan and its lifecycle (spec 003), invoices and their lines (spec 001),
-- payments by Stripe or by a manual transfer with a proof that platform billing staff verify
-- (spec 003), and saved payment methods (spec 002; brand, last 4 digits and expiry only).
--
-- Who may do what:
--   read        members holding billing.read (owners, admins, billing_admin role); platform
--               billing_admin and super_admin staff read every tenant's billing.
--   write       the billing account's details by holders of billing.manage; everything else only
--               through the RPCs here (submit_payment_proof, verify_payment, cancel_subscription,
--               resume_subscription), the lifecycle job and the Stripe event ledger (later migrations).
-- Every change is audited; every state change the tenant should know about is written to
-- private.notifications_outbox in the same transaction.
--
-- Subscription status: trialing → active → past_due → expired, cancelled at any point, and
-- pending_verification while a manual payment waits for staff. One live subscription (trialing,
-- active, past_due, pending_verification) per tenant. stripe_event_created is the version of the
-- state Stripe last set: an older event never moves it backwards.

create type public.subscription_status as enum
  ('trialing', 'active', 'past_due', 'pending_verification', 'cancelled', 'expired');
create type public.invoice_status as enum ('draft', 'open', 'paid', 'void', 'uncollectible');
create type public.payment_provider as enum ('stripe', 'manual');
create type public.payment_status as enum ('pending', 'succeeded', 'failed', 'refunded');

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
  foreign key (tenant_id, invoice_id) references public.invoices (tenant_id, id) on delete set null (invoice_id)
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

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

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

select private.enable_audit('public.billing_accounts', 'tenant_id', '{id}');
select private.enable_audit('public.subscriptions', 'tenant_id', '{id}');
select private.enable_audit('public.invoices', 'tenant_id', '{id}');
select private.enable_audit('public.invoice_lines', 'tenant_id', '{id}');
select private.enable_audit('public.payments', 'tenant_id', '{id}');
select private.enable_audit('public.payment_methods', 'tenant_id', '{id}');

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
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.memberships m
    join public.tenants t on t.id = m.tenant_id
    where m.tenant_id = p_tenant_id and m.user_id = (select auth.uid()) and m.status = 'active'
      and (t.status = 'active' or (t.status = 'suspended' and t.status_reason = private.billing_suspension_reason()))
      and (m.is_owner or exists (
        select 1 from public.role_assignments ra
        join public.role_permissions rp on rp.role_id = ra.role_id
        where ra.tenant_id = m.tenant_id and ra.user_id = m.user_id and ra.project_id is null
          and rp.permission_code = 'billing.manage')))
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

create trigger tenants_start_subscription after insert on public.tenants
  for each row execute function private.start_default_subscription();

-- These helpers answer about any tenant (its plan, its limits, whether the caller may pay for it),
-- so no API role may call them: they run inside the security definer triggers and RPCs, as the owner.

-- ---------------------------------------------------------------------------------------------
-- Grants and policies
-- ---------------------------------------------------------------------------------------------

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

create policy billing_accounts_select_permitted on public.billing_accounts
  for select to authenticated
  using (tenant_id in (select private.tenants_with_permission('billing.read')));
create policy billing_accounts_select_staff on public.billing_accounts
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy billing_accounts_insert_permitted on public.billing_accounts
  for insert to authenticated
  with check (tenant_id in (select private.tenants_with_permission('billing.manage')));
create policy billing_accounts_update_permitted on public.billing_accounts
  for update to authenticated
  using (tenant_id in (select private.tenants_with_permission('billing.manage')))
  with check (tenant_id in (select private.tenants_with_permission('billing.manage')));
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
  using (tenant_id in (select private.tenants_with_permission('billing.read')));
create policy subscriptions_select_staff on public.subscriptions
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy subscriptions_select_mfa on public.subscriptions
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy invoices_select_permitted on public.invoices
  for select to authenticated
  using (tenant_id in (select private.tenants_with_permission('billing.read')));
create policy invoices_select_staff on public.invoices
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy invoices_select_mfa on public.invoices
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy invoice_lines_select_permitted on public.invoice_lines
  for select to authenticated
  using (tenant_id in (select private.tenants_with_permission('billing.read')));
create policy invoice_lines_select_staff on public.invoice_lines
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy invoice_lines_select_mfa on public.invoice_lines
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy payments_select_permitted on public.payments
  for select to authenticated
  using (tenant_id in (select private.tenants_with_permission('billing.read')));
create policy payments_select_staff on public.payments
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy payments_select_mfa on public.payments
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

create policy payment_methods_select_permitted on public.payment_methods
  for select to authenticated
  using (tenant_id in (select private.tenants_with_permission('billing.read')));
create policy payment_methods_select_staff on public.payment_methods
  for select to authenticated
  using ((select private.is_platform_staff('billing_admin')));
create policy payment_methods_select_mfa on public.payment_methods
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- RPCs: manual payment verification (spec 003), cancel and resume
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
  v_payment_id uuid;
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
  returning id into v_payment_id;

  perform private.audit_event(p_tenant_id, 'payment.submit', 'payments', v_payment_id::text, null,
    jsonb_build_object('plan', v_plan.code, 'interval', p_interval, 'amount', p_amount, 'currency', v_plan.currency,
                       'subscription_status', jsonb_build_array(v_subscription.status, 'pending_verification')));
  perform private.notify_tenant(null, 'billing.payment_submitted', 'A payment proof waits for verification',
    jsonb_build_object('tenant_id', p_tenant_id, 'payment_id', v_payment_id, 'amount', p_amount), 'staff');
  return v_payment_id;
end
$$;
comment on function public.submit_payment_proof(uuid, text, public.billing_interval, bigint, text) is
  'Manual payment (spec 003): records a pending payment with its proof file (a storage path under <tenant_id>/) '
  'and puts the subscription in pending_verification. Needs billing.manage (also while billing suspended the tenant).';

create or replace function public.verify_payment(p_payment_id uuid, p_approve boolean, p_note text default null)
returns public.subscription_status
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_payment public.payments;
  v_subscription public.subscriptions;
  v_plan public.plans;
  v_step interval;
  v_status public.subscription_status;
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
  select * into v_subscription from public.subscriptions s where s.id = v_payment.subscription_id for update;
  select * into v_plan from public.plans p where p.id = v_payment.plan_id;
  v_step := case v_payment.billing_interval when 'year' then interval '1 year' else interval '1 month' end;

  if p_approve then
    -- Paying for the plan already running extends it; anything else starts a period now.
    if v_subscription.plan_id = v_plan.id and v_subscription.current_period_end > now()
       and v_subscription.billing_interval = v_payment.billing_interval then
      update public.subscriptions s set status = 'active', current_period_end = s.current_period_end + v_step,
        trial_end = null, past_due_since = null, cancel_at_period_end = false
      where s.id = v_subscription.id returning * into v_subscription;
    else
      update public.subscriptions s set status = 'active', plan_id = v_plan.id, billing_interval = v_payment.billing_interval,
        current_period_start = now(), current_period_end = now() + v_step, trial_end = null, past_due_since = null,
        cancel_at_period_end = false
      where s.id = v_subscription.id returning * into v_subscription;
    end if;
    update public.payments p set status = 'succeeded', verified_by = auth.uid(), verified_at = now(), note = p_note,
      period_start = v_subscription.current_period_end - v_step, period_end = v_subscription.current_period_end
    where p.id = p_payment_id;
    v_status := 'active';
    perform private.reactivate_after_payment(v_payment.tenant_id);
    perform private.notify_tenant(v_payment.tenant_id, 'billing.payment_approved', 'Your payment was verified',
      jsonb_build_object('payment_id', p_payment_id, 'plan', v_plan.code, 'period_end', v_subscription.current_period_end,
                         'note', p_note));
  else
    v_status := case
      when v_subscription.trial_end > now() then 'trialing'
      when v_subscription.current_period_end > now() then 'active'
      else 'past_due' end;
    update public.subscriptions s set status = v_status,
      past_due_since = case when v_status = 'past_due' then coalesce(s.past_due_since, now()) end
    where s.id = v_subscription.id;
    update public.payments p set status = 'failed', verified_by = auth.uid(), verified_at = now(), note = p_note,
      failure_reason = 'rejected by billing staff'
    where p.id = p_payment_id;
    perform private.notify_tenant(v_payment.tenant_id, 'billing.payment_rejected', 'Your payment could not be verified',
      jsonb_build_object('payment_id', p_payment_id, 'note', p_note, 'subscription_status', v_status));
  end if;
  perform private.audit_event(v_payment.tenant_id, case when p_approve then 'payment.approve' else 'payment.reject' end,
    'payments', p_payment_id::text, jsonb_build_object('status', 'pending', 'subscription_status', 'pending_verification'),
    jsonb_build_object('status', case when p_approve then 'succeeded' else 'failed' end, 'subscription_status', v_status,
                       'note', p_note));
  return v_status;
end
$$;
comment on function public.verify_payment(uuid, boolean, text) is
  'Billing staff (billing_admin, super_admin) approve a pending manual payment (subscription active for the paid '
  'period, a billing-suspended tenant reactivated) or reject it (payment failed; subscription back to what its '
  'dates allow). Audited; the tenant is notified.';

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

grant execute on function
  public.submit_payment_proof(uuid, text, public.billing_interval, bigint, text),
  public.verify_payment(uuid, boolean, text),
  public.cancel_subscription(uuid, boolean)
to authenticated;
grant execute on function public.verify_payment(uuid, boolean, text) to service_role;
