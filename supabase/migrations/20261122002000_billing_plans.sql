-- Billing catalogue: the plans a tenant can subscribe to (spec 001 plans, spec 002 plans with
-- Stripe prices), the usage metrics Tenantry meters or counts (spec 000 UsageMetric), and each
-- plan's soft and hard limit per metric. Platform-level data, no tenant_id: the public catalogue is
-- readable by anyone (anon included, for the pricing page); billing_admin staff edit it.
--
-- Limits live in plan_limits, one row per (plan, metric): members, projects, storage_bytes,
-- api_calls, compute_minutes. A null hard_limit is unlimited; the soft limit only flags (see
-- docs/billing.md). Prices are in minor units (cents) of the plan's currency.

create type public.billing_interval as enum ('month', 'year');
create type public.usage_metric_kind as enum ('metered', 'counted');
create type public.usage_reset as enum ('month', 'never');

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

create trigger plans_set_updated_at before update on public.plans
  for each row execute function private.set_updated_at();
create trigger plans_immutable_columns before update on public.plans
  for each row execute function private.forbid_column_changes('id', 'code', 'created_by', 'created_at');
create trigger plan_limits_immutable_columns before update on public.plan_limits
  for each row execute function private.forbid_column_changes('plan_id', 'metric');

insert into public.system_settings (key, value, category, description, is_public) values
  ('billing.default_plan', '"free"', 'billing',
   'The plan a tenant created through create_tenant starts on, and whose limits apply once a tenant''s subscription has ended.', true),
  ('billing.grace_days', '7', 'billing',
   'Days a subscription stays past_due (unpaid) before it expires and the tenant is suspended.', true);

insert into public.usage_metrics (key, name, unit, kind, reset, description) values
  ('members', 'Members', 'members', 'counted', 'never', 'People in the tenant (memberships of any status; pending invitations reserve a seat).'),
  ('projects', 'Projects', 'projects', 'counted', 'never', 'Projects (workspaces) of the tenant.'),
  ('storage_bytes', 'Storage', 'bytes', 'metered', 'never', 'Bytes stored: a running total of positive and negative deltas.'),
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

-- The catalogue above is migration data (reviewed in version control); edits from now on are audited.
select private.enable_audit('public.plans', '', '{id}');
select private.enable_audit('public.plan_limits', '', '{plan_id,metric}');

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
