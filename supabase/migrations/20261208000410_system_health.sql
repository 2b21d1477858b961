-- The console's system health page (issue 17 §6; docs/admin.md, docs/operations.md#system-health):
-- beside /metrics' own figures (read by the app from the same source, observability/metrics.ts),
-- what only the database knows: storage use per bucket, failed payments, and the recent security
-- events the platform records — failed sign-ins and blocked addresses (auth.sign_in_attempts, the
-- embedded auth's), second-factor challenges never verified (auth.mfa_challenges), SCIM calls the
-- endpoint refused (scim_operations), and requests the IP allowlists or plans refused are not
-- recorded (a refusal writes nothing). super_admin only (TN061).
--
-- Owns: public.admin_system_health(integer).

create or replace function public.admin_system_health(p_hours integer default 24)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_since timestamptz;
  v_sign_ins jsonb := null;
  v_events jsonb := '[]';
  v_result jsonb;
begin
  perform private.require_staff('super_admin');
  if p_hours is null or p_hours not between 1 and 720 then
    raise exception 'the window is 1 to 720 hours' using errcode = 'TN626';
  end if;
  v_since := now() - make_interval(hours => p_hours);

  -- The embedded auth's counters (absent on Supabase, whose GoTrue keeps its own audit log).
  if to_regclass('auth.sign_in_attempts') is not null then
    execute $q$
      select jsonb_build_object(
        'failures', coalesce(sum(a.failures) filter (where a.scope = 'account'), 0),
        'accounts', count(*) filter (where a.scope = 'account' and a.failures > 0),
        'blocked_addresses', count(*) filter (where a.scope in ('address', 'account_address') and a.blocked_until > now()))
        from auth.sign_in_attempts a
       where a.window_started_at > $1 or a.blocked_until > now()$q$
      into v_sign_ins using v_since;
    execute $q$
      select coalesce(jsonb_agg(e order by e ->> 'at' desc), '[]') from (
        select jsonb_build_object('at', greatest(a.window_started_at, a.blocked_until), 'kind',
                 case when a.blocked_until > now() then 'sign_in_blocked' else 'sign_in_failed' end,
                 'tenant', null, 'subject', nullif(a.email, ''), 'address', nullif(a.ip, ''),
                 'detail', a.failures || ' failed attempt(s)' ||
                   case when a.blocked_until > now() then ', blocked until ' || to_char(a.blocked_until at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') else '' end) e
          from auth.sign_in_attempts a
         where a.scope in ('account_address', 'address') and (a.failures > 0 or a.blocked_until > now())
           and (a.window_started_at > $1 or a.blocked_until > now())
         order by greatest(a.window_started_at, a.blocked_until) desc limit 50) x$q$
      into v_events using v_since;
  end if;

  v_events := v_events || coalesce((
    select jsonb_agg(jsonb_build_object('at', c.created_at, 'kind', 'mfa_unverified', 'tenant', null,
             'subject', u.email, 'address', host(c.ip_address), 'detail', 'Second-factor challenge never verified') order by c.created_at desc)
      from (select * from auth.mfa_challenges c
             where c.verified_at is null and c.created_at > v_since and c.created_at < now() - interval '5 minutes'
             order by c.created_at desc limit 50) c
      join auth.mfa_factors f on f.id = c.factor_id
      join auth.users u on u.id = f.user_id), '[]');

  v_events := v_events || coalesce((
    select jsonb_agg(jsonb_build_object('at', o.created_at, 'kind', 'scim_refused', 'tenant', t.name,
             'subject', o.method || ' ' || o.path, 'address', null,
             'detail', o.status || coalesce(': ' || o.detail, '')) order by o.created_at desc)
      from (select * from public.scim_operations o where o.status >= 400 and o.created_at > v_since
             order by o.created_at desc limit 50) o
      join public.tenants t on t.id = o.tenant_id), '[]');

  select jsonb_build_object(
    'hours', p_hours,
    'storage', coalesce((
      select jsonb_agg(jsonb_build_object('bucket', b.id, 'objects', s.objects, 'bytes', s.bytes) order by s.bytes desc, b.id)
        from storage.buckets b
        cross join lateral (select count(o.id) as objects, coalesce(sum((o.metadata ->> 'size')::bigint), 0) as bytes
                              from storage.objects o where o.bucket_id = b.id) s), '[]'),
    'failed_payments', jsonb_build_object(
      'count', (select count(*) from public.payments p where p.status = 'failed' and p.created_at > v_since),
      'by_currency', coalesce((
        select jsonb_agg(jsonb_build_object('currency', x.currency, 'count', x.n, 'amount', x.amount) order by x.currency)
          from (select p.currency, count(*) as n, sum(p.amount) as amount from public.payments p
                 where p.status = 'failed' and p.created_at > v_since group by p.currency) x), '[]'),
      'latest', coalesce((
        select jsonb_agg(jsonb_build_object('at', x.created_at, 'tenant', x.name, 'amount', x.amount,
                 'currency', x.currency, 'provider', x.provider, 'reason', x.failure_reason) order by x.created_at desc)
          from (select p.created_at, t.name, p.amount, p.currency, p.provider::text as provider, p.failure_reason
                  from public.payments p join public.tenants t on t.id = p.tenant_id
                 where p.status = 'failed' and p.created_at > v_since order by p.created_at desc limit 20) x), '[]')),
    'sign_ins', v_sign_ins,
    'mfa_unverified', (select count(*) from auth.mfa_challenges c
                        where c.verified_at is null and c.created_at > v_since and c.created_at < now() - interval '5 minutes'),
    'scim_refused', (select count(*) from public.scim_operations o where o.status >= 400 and o.created_at > v_since),
    'events', coalesce((select jsonb_agg(e order by e ->> 'at' desc) from jsonb_array_elements(v_events) e), '[]')
  ) into v_result;
  return v_result;
end
$$;
comment on function public.admin_system_health(integer) is
  'The system health page''s database figures over the last p_hours (1–720; TN626): storage per bucket, failed '
  'payments, failed sign-ins and blocked addresses (embedded auth), unverified second-factor challenges, refused SCIM '
  'calls, and those events as a list. super_admin only (TN061).';
revoke all on function public.admin_system_health(integer) from public, anon;
grant execute on function public.admin_system_health(integer) to authenticated;
