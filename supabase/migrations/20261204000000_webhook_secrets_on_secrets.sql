-- Webhook signing secrets on the secrets store (issue 14 §1, last line; docs/webhooks.md,
-- docs/secrets.md): each endpoint's signing secrets are the versions of one owned secret
-- (owner webhook_endpoint, name signing_secret, format opaque), sealed with envelope encryption,
-- so `npm run secrets:rotate-key` re-wraps them with every other secret. webhook_endpoint_secrets
-- keeps the rotation overlap: one row per signing version (its id is the version's id), current
-- (expires_at null) or still signing until expires_at.
--
-- Rows written before this migration hold `sealed` (the old direct seal with the key-encryption
-- key). SQL cannot open or seal, so the app's webhooks.move_secrets system job moves each live
-- one onto the secrets store (public.legacy_webhook_secrets, public.move_webhook_secret) at start
-- and now and then; until it has, the dispatcher and the reveal open the old form as before.
--
-- Owns: column webhook_endpoint_secrets.secret_version_id; private.store_webhook_signing_secret,
-- private.webhook_signing_version, private.webhook_endpoints_delete_secrets; replaces
-- create_webhook_endpoint, rotate_webhook_secret (sealed versions instead of a sealed text),
-- reveal_webhook_secret (returns the sealed version) and claim_webhook_deliveries (each secret
-- as its sealed version, or the old form); for service_role legacy_webhook_secrets and
-- move_webhook_secret. No new TN codes (TN265 as before for malformed sealed material).

-- ---------------------------------------------------------------------------------------------
-- The table: a row names its secret version; the old sealed text stays only until moved
-- ---------------------------------------------------------------------------------------------

alter table public.webhook_endpoint_secrets alter column sealed drop not null;
alter table public.webhook_endpoint_secrets add column secret_version_id uuid;
alter table public.webhook_endpoint_secrets
  add constraint webhook_endpoint_secrets_version_fk foreign key (tenant_id, secret_version_id)
    references public.secret_versions (tenant_id, id) on delete cascade,
  add constraint webhook_endpoint_secrets_one_form check ((sealed is null) <> (secret_version_id is null)),
  add constraint webhook_endpoint_secrets_version_is_id check (secret_version_id is null or secret_version_id = id);
create index webhook_endpoint_secrets_version_idx on public.webhook_endpoint_secrets (tenant_id, secret_version_id)
  where secret_version_id is not null;
comment on column public.webhook_endpoint_secrets.secret_version_id is
  'The signing secret''s version in secret_versions (the row''s own id; owner webhook_endpoint). Null only for a '
  'row written before the secrets store, whose `sealed` the webhooks.move_secrets job moves there.';
comment on column public.webhook_endpoint_secrets.sealed is
  'Rows written before the secrets store only: the old direct seal (secret-box.ts seal, bound to the row id), '
  'moved onto the secrets store by the webhooks.move_secrets job.';
comment on table public.webhook_endpoint_secrets is
  'An endpoint''s signing secrets, as versions of its owned secret (envelope-sealed in secret_versions). One current '
  '(expires_at null); after a rotation the previous one signs too until it expires.';

drop trigger webhook_endpoint_secrets_immutable_columns on public.webhook_endpoint_secrets;
create trigger webhook_endpoint_secrets_immutable_columns before update on public.webhook_endpoint_secrets
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'endpoint_id', 'sealed', 'secret_version_id', 'created_at');

-- An endpoint's owned secrets go with it (their versions take its secret rows with them).
create or replace function private.webhook_endpoints_delete_secrets()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.delete_owned_secrets('webhook_endpoint', old.id);
  return old;
end
$$;

comment on function private.webhook_endpoints_delete_secrets() is
  'Deletes the owned secrets of a webhook endpoint being deleted (private.delete_owned_secrets).';
revoke all on function private.webhook_endpoints_delete_secrets() from public, anon, authenticated;

create trigger webhook_endpoints_delete_secrets before delete on public.webhook_endpoints
  for each row execute function private.webhook_endpoints_delete_secrets();

-- ---------------------------------------------------------------------------------------------
-- Storing a signing version
-- ---------------------------------------------------------------------------------------------

-- Stores a signing secret the app sealed as version p_version_id of the endpoint's owned secret
-- p_secret_id (made here the first time: no secret.created event, as a signing secret is the
-- endpoint's, announced by nothing before either), and its row in webhook_endpoint_secrets.
create or replace function private.store_webhook_signing_secret(
  p_endpoint public.webhook_endpoints, p_secret_id uuid, p_version_id uuid, p_data_key_id uuid,
  p_wrapped_key text, p_ciphertext text, p_created_at timestamptz default now(),
  p_expires_at timestamptz default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret public.secrets;
begin
  if p_secret_id is null or p_version_id is null or p_data_key_id is null
     or coalesce(p_wrapped_key, '') !~ '^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
     or char_length(p_wrapped_key) > 200
     or coalesce(p_ciphertext, '') !~ '^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' or char_length(p_ciphertext) > 1000 then
    raise exception 'a signing secret is sealed by the app (a wrapped data key and v1.<iv>.<ciphertext>)'
      using errcode = 'TN265';
  end if;
  if exists (select 1 from public.webhook_endpoint_secrets s where s.id = p_version_id) then
    raise exception 'that secret id is taken; generate a new secret' using errcode = 'TN265';
  end if;
  select * into v_secret from public.secrets s
  where s.tenant_id = p_endpoint.tenant_id and s.owner_type = 'webhook_endpoint' and s.owner_id = p_endpoint.id
  for update;
  if not found then
    if exists (select 1 from public.secrets s where s.id = p_secret_id) then
      raise exception 'that secret id is taken; generate a new secret' using errcode = 'TN265';
    end if;
    insert into public.secrets (id, tenant_id, name, format, description, owner_type, owner_id, created_by)
    values (p_secret_id, p_endpoint.tenant_id, 'signing_secret', 'opaque', 'Signs the endpoint''s webhook deliveries.',
            'webhook_endpoint', p_endpoint.id, auth.uid())
    returning * into v_secret;
  elsif v_secret.id <> p_secret_id then
    raise exception 'seal the signing secret for the endpoint''s secret %', v_secret.id using errcode = 'TN265';
  end if;
  perform private.insert_secret_version(v_secret, p_version_id, p_data_key_id, p_wrapped_key, p_ciphertext, '{}');
  insert into public.webhook_endpoint_secrets (id, tenant_id, endpoint_id, secret_version_id, created_at, expires_at)
  values (p_version_id, p_endpoint.tenant_id, p_endpoint.id, p_version_id, p_created_at, p_expires_at);
end
$$;

comment on function private.store_webhook_signing_secret(public.webhook_endpoints, uuid, uuid, uuid, text, text,
  timestamptz, timestamptz) is
  'Stores a signing secret sealed by the app as a new version of the endpoint''s owned secret (made the first time) '
  'and its row; TN265 for malformed sealed material, a taken id or another secret''s id.';

-- What the dispatcher and the reveal open: a row's sealed version (secret-box.ts SealedVersion),
-- or null for a row still in the old form.
create or replace function private.webhook_signing_version(p_row public.webhook_endpoint_secrets)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object('tenant_id', v.tenant_id, 'secret_id', v.secret_id, 'version_id', v.id,
                            'data_key_id', k.id, 'wrapped_key', k.wrapped_key, 'ciphertext', v.ciphertext)
  from public.secret_versions v
  join public.secret_data_keys k on k.tenant_id = v.tenant_id and k.id = v.data_key_id
  where v.tenant_id = p_row.tenant_id and v.id = p_row.secret_version_id
$$;

comment on function private.webhook_signing_version(public.webhook_endpoint_secrets) is
  'A signing row''s sealed version (tenant, secret, version and data key ids, wrapped key, ciphertext) as jsonb; null '
  'for a row in the old form. Security definer: the sealed columns are read by no API role.';

-- ---------------------------------------------------------------------------------------------
-- The RPCs, taking and giving sealed versions
-- ---------------------------------------------------------------------------------------------

drop function public.create_webhook_endpoint(uuid, text, text, text[], integer, uuid, text);
drop function public.rotate_webhook_secret(uuid, uuid, text, integer);
drop function public.reveal_webhook_secret(uuid);
drop function private.insert_webhook_secret(public.webhook_endpoints, uuid, text);

create or replace function public.create_webhook_endpoint(
  p_tenant_id uuid, p_url text, p_description text, p_event_types text[], p_rate_limit_per_second integer,
  p_secret_id uuid, p_version_id uuid, p_data_key_id uuid, p_wrapped_key text, p_ciphertext text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_types text[];
  v_endpoint public.webhook_endpoints;
begin
  perform private.authorize('webhooks.manage', p_tenant_id);
  v_types := private.check_webhook_endpoint(p_url, p_description, p_event_types, p_rate_limit_per_second);
  -- One creation at a time per tenant, so the cap holds (no key update: other tables' foreign keys still pass).
  perform 1 from public.tenants t where t.id = p_tenant_id for no key update;
  if (select count(*) from public.webhook_endpoints e where e.tenant_id = p_tenant_id) >= 50 then
    raise exception 'an organisation has at most 50 webhook endpoints' using errcode = 'TN266';
  end if;
  insert into public.webhook_endpoints (tenant_id, url, description, event_types, rate_limit_per_second, created_by)
  values (p_tenant_id, p_url, btrim(coalesce(p_description, '')), v_types, p_rate_limit_per_second, auth.uid())
  returning * into v_endpoint;
  perform private.store_webhook_signing_secret(v_endpoint, p_secret_id, p_version_id, p_data_key_id, p_wrapped_key,
                                               p_ciphertext);
  return v_endpoint.id;
end
$$;

comment on function public.create_webhook_endpoint(uuid, text, text, text[], integer, uuid, uuid, uuid, text, text) is
  'Creates an endpoint (enabled) with its first signing secret: version p_version_id of its owned secret p_secret_id, '
  'sealed by the app (src/lib/server/webhooks/secrets.ts). Needs webhooks.manage (TN002); TN261–TN266 for bad input. '
  'Returns its id. Security definer: writes the tables the API only reads.';

create or replace function public.rotate_webhook_secret(
  p_endpoint_id uuid, p_secret_id uuid, p_version_id uuid, p_data_key_id uuid, p_wrapped_key text, p_ciphertext text,
  p_overlap_seconds integer)
returns timestamptz
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints := private.managed_webhook_endpoint(p_endpoint_id);
  v_expires timestamptz;
begin
  if p_overlap_seconds is null or p_overlap_seconds not between 0 and 604800 then
    raise exception 'the overlap is 0 seconds to 7 days' using errcode = 'TN268';
  end if;
  v_expires := now() + make_interval(secs => p_overlap_seconds);
  -- At most two live secrets: one still expiring from an earlier rotation stops now.
  update public.webhook_endpoint_secrets s set expires_at = now()
  where s.tenant_id = v_endpoint.tenant_id and s.endpoint_id = v_endpoint.id
    and s.expires_at is not null and s.expires_at > now();
  update public.webhook_endpoint_secrets s set expires_at = v_expires
  where s.tenant_id = v_endpoint.tenant_id and s.endpoint_id = v_endpoint.id and s.expires_at is null;
  perform private.store_webhook_signing_secret(v_endpoint, p_secret_id, p_version_id, p_data_key_id, p_wrapped_key,
                                               p_ciphertext);
  return v_expires;
end
$$;

comment on function public.rotate_webhook_secret(uuid, uuid, uuid, uuid, text, text, integer) is
  'Makes a new current secret (a new version of the endpoint''s owned secret p_secret_id, sealed by the app); the old '
  'one still signs for the overlap (0–7 days, TN268; 0: it stops at once) and any older one stops now. Returns when '
  'the old one expires. Needs webhooks.manage (TN260 otherwise).';

create or replace function public.reveal_webhook_secret(p_endpoint_id uuid,
  out secret_id uuid, out version jsonb, out sealed text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints := private.managed_webhook_endpoint(p_endpoint_id);
  v_row public.webhook_endpoint_secrets;
begin
  select * into v_row from public.webhook_endpoint_secrets s
  where s.tenant_id = v_endpoint.tenant_id and s.endpoint_id = v_endpoint.id and s.expires_at is null;
  if not found then
    raise exception 'this endpoint has no current secret: rotate it to make one' using errcode = 'TN272';
  end if;
  secret_id := v_row.id;
  version := private.webhook_signing_version(v_row);
  sealed := v_row.sealed;
  perform private.audit_event(v_endpoint.tenant_id, 'webhook.secret_reveal', 'webhook_endpoints',
                              v_endpoint.id::text, null, jsonb_build_object('secret_id', secret_id));
end
$$;

comment on function public.reveal_webhook_secret(uuid) is
  'The endpoint''s current signing secret for the app to open: its row id and sealed version (or, for a row not yet '
  'moved onto the secrets store, the old sealed text), recorded in the audit log as webhook.secret_reveal; TN272 '
  'when it has none (the demo seed''s endpoint: rotate to make one). Needs webhooks.manage (TN260 otherwise). '
  'Security definer: nobody reads the secrets tables.';

revoke all on function
  private.store_webhook_signing_secret(public.webhook_endpoints, uuid, uuid, uuid, text, text, timestamptz,
                                       timestamptz),
  private.webhook_signing_version(public.webhook_endpoint_secrets)
from public, anon, authenticated;
revoke all on function
  public.create_webhook_endpoint(uuid, text, text, text[], integer, uuid, uuid, uuid, text, text),
  public.rotate_webhook_secret(uuid, uuid, uuid, uuid, text, text, integer), public.reveal_webhook_secret(uuid)
from public, anon;
grant execute on function
  public.create_webhook_endpoint(uuid, text, text, text[], integer, uuid, uuid, uuid, text, text),
  public.rotate_webhook_secret(uuid, uuid, uuid, uuid, text, text, integer), public.reveal_webhook_secret(uuid)
to authenticated;

-- ---------------------------------------------------------------------------------------------
-- The dispatcher's claim: each live secret as its sealed version (or the old form)
-- ---------------------------------------------------------------------------------------------

create or replace function public.claim_webhook_deliveries(
  p_worker text, p_max integer default 50, p_lease_seconds integer default 60)
returns table (
  delivery_id uuid, attempt integer, url text, body text, webhook_id text, secrets jsonb,
  claimed_until timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_worker is null or char_length(p_worker) not between 1 and 200
     or p_max is null or p_max not between 1 and 1000
     or p_lease_seconds is null or p_lease_seconds not between 1 and 3600 then
    raise exception 'claim_webhook_deliveries needs a worker name (1–200 characters), a batch of 1–1000 and a lease of 1–3600 s'
      using errcode = 'TN280';
  end if;
  return query
  -- What each rate-limited endpoint may still take this second (attempts of the last second and
  -- deliveries in flight count); endpoints with nothing left are skipped, so they never crowd
  -- others out of a batch.
  with budget as (
    select e.id as endpoint_id,
           e.rate_limit_per_second
             - (select count(*) from public.webhook_attempts a
                 where a.tenant_id = e.tenant_id and a.endpoint_id = e.id
                   and a.started_at > now() - interval '1 second')
             - (select count(*) from public.webhook_deliveries h
                 where h.endpoint_id = e.id and h.status = 'pending' and h.claimed_until >= now())
             as left_this_second
    from public.webhook_endpoints e
    where e.enabled and e.rate_limit_per_second is not null
  ),
  locked as (
    select d.id, d.endpoint_id, d.next_attempt_at
    from public.webhook_deliveries d
    join public.webhook_endpoints e on e.id = d.endpoint_id and e.enabled
    where d.status = 'pending' and d.next_attempt_at <= now()
      and (d.claimed_until is null or d.claimed_until < now())
      and d.endpoint_id not in (select b.endpoint_id from budget b where b.left_this_second <= 0)
    order by d.next_attempt_at, d.id
    limit p_max
    for update of d skip locked
  ),
  chosen as (
    select r.id
    from (select l.id, l.endpoint_id,
                 row_number() over (partition by l.endpoint_id order by l.next_attempt_at, l.id) as rn
          from locked l) r
    left join budget b on b.endpoint_id = r.endpoint_id
    where b.endpoint_id is null or r.rn <= b.left_this_second
  ),
  claimed as (
    update public.webhook_deliveries d
       set claimed_by = p_worker, claimed_until = now() + make_interval(secs => p_lease_seconds)
      from chosen c
     where d.id = c.id
    returning d.id, d.attempts, d.endpoint_id, d.body, d.event_id, d.claimed_until
  )
  select c.id, c.attempts + 1, e.url, c.body, 'msg_' || replace(c.event_id::text, '-', ''),
         coalesce((select jsonb_agg(case when s.secret_version_id is null
                                         then jsonb_build_object('id', s.id, 'sealed', s.sealed)
                                         else jsonb_build_object('id', s.id, 'version', private.webhook_signing_version(s))
                                    end order by s.created_at desc)
                   from public.webhook_endpoint_secrets s
                   where s.endpoint_id = c.endpoint_id and (s.expires_at is null or s.expires_at > now())),
                  '[]'::jsonb),
         c.claimed_until
  from claimed c join public.webhook_endpoints e on e.id = c.endpoint_id;
end
$$;

comment on function public.claim_webhook_deliveries(text, integer, integer) is
  'Leases up to p_max due deliveries of enabled endpoints to p_worker for p_lease_seconds (FOR UPDATE SKIP LOCKED; '
  'within each endpoint''s rate_limit_per_second) and returns what a dispatcher sends: attempt number, URL, body, '
  'webhook-id and the live secrets (current first), each {id, version} with its sealed version, or {id, sealed} for '
  'a row not yet moved onto the secrets store. TN280 for bad arguments. service_role only.';

-- ---------------------------------------------------------------------------------------------
-- Moving the old rows (the webhooks.move_secrets job, src/lib/server/webhooks/move-job.ts)
-- ---------------------------------------------------------------------------------------------

create or replace function public.legacy_webhook_secrets(p_limit integer)
returns table (id uuid, tenant_id uuid, endpoint_id uuid, sealed text, secret_id uuid)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  -- An expired one never signs again: it goes rather than being moved.
  delete from public.webhook_endpoint_secrets s
  where s.secret_version_id is null and s.expires_at is not null and s.expires_at <= now();
  return query
  select s.id, s.tenant_id, s.endpoint_id, s.sealed,
         (select o.id from public.secrets o
           where o.tenant_id = s.tenant_id and o.owner_type = 'webhook_endpoint' and o.owner_id = s.endpoint_id)
  from public.webhook_endpoint_secrets s
  where s.secret_version_id is null
  order by s.created_at, s.id
  limit least(greatest(coalesce(p_limit, 100), 1), 1000);
end
$$;

comment on function public.legacy_webhook_secrets(integer) is
  'Rows still in the old sealed form, oldest first (at most 1000), with the endpoint''s owned secret if it has one; '
  'deletes the expired ones first. For the webhooks.move_secrets job; service_role only.';

-- Replaces old row p_id (if it still holds p_sealed) by the same signing secret sealed by the app
-- as version p_id of the endpoint's owned secret: same id, created_at and expires_at.
create or replace function public.move_webhook_secret(
  p_id uuid, p_sealed text, p_secret_id uuid, p_data_key_id uuid, p_wrapped_key text, p_ciphertext text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.webhook_endpoint_secrets;
  v_endpoint public.webhook_endpoints;
begin
  select * into v_row from public.webhook_endpoint_secrets s where s.id = p_id and s.sealed = p_sealed for update;
  if not found then
    return false;
  end if;
  select * into v_endpoint from public.webhook_endpoints e where e.id = v_row.endpoint_id;
  delete from public.webhook_endpoint_secrets s where s.id = p_id;
  perform private.store_webhook_signing_secret(v_endpoint, p_secret_id, p_id, p_data_key_id, p_wrapped_key,
                                               p_ciphertext, v_row.created_at, v_row.expires_at);
  -- Moved oldest first, but a rotation may have come in between: the current version is the current row's.
  update public.secrets o set current_version_id = w.secret_version_id
  from public.webhook_endpoint_secrets w
  where o.id = p_secret_id and w.tenant_id = o.tenant_id and w.endpoint_id = v_endpoint.id
    and w.expires_at is null and w.secret_version_id is not null
    and o.current_version_id is distinct from w.secret_version_id;
  return true;
end
$$;

comment on function public.move_webhook_secret(uuid, text, uuid, uuid, text, text) is
  'Moves an old-form signing secret onto the secrets store (version p_id of the endpoint''s owned secret, sealed by '
  'the app), keeping its id, creation and expiry; false when the row is gone or changed. For the '
  'webhooks.move_secrets job; service_role only.';

revoke all on function
  public.legacy_webhook_secrets(integer), public.move_webhook_secret(uuid, text, uuid, uuid, text, text)
from public, anon, authenticated;
grant execute on function
  public.legacy_webhook_secrets(integer), public.move_webhook_secret(uuid, text, uuid, uuid, text, text)
to service_role;
