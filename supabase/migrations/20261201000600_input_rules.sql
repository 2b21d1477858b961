-- Input rules (issue 9 §5): bad input the pages let through, refused by the data itself.
--   * A reserved organisation address (admin, api, …) is refused for being reserved: its own
--     constraint, tenants_slug_reserved, and code TN015 from create_tenant — no longer TN010's
--     "use lowercase letters…", which was the wrong reason.
--   * Team names are unique per tenant and environment names per project whatever their case
--     ("Ops" and "ops" were two teams): unique indexes on lower(name).
--   * A custom role grants at least one permission (TN039). Checked when the transaction commits,
--     since a role and its permissions are written by separate statements.
--   * Rejecting a manual payment says why: payments_rejection_note (the tenant is shown the note).
-- The app words each refusal in src/lib/server/platform/errors.ts (docs/error-codes.md).

-- ---------------------------------------------------------------------------------------------
-- Reserved addresses
-- ---------------------------------------------------------------------------------------------

alter table public.tenants drop constraint tenants_slug_format;
alter table public.tenants
  add constraint tenants_slug_format check (slug ~ '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$' and slug !~ '--'),
  add constraint tenants_slug_reserved check (
    slug not in ('admin', 'api', 'app', 'auth', 'www', 'mail', 'static', 'assets', 'status',
                 'support', 'billing', 'login', 'signup', 'settings', 'tenantry'));
comment on constraint tenants_slug_reserved on public.tenants is
  'Addresses the platform keeps for itself (paths and subdomains); refused as TN015 by create_tenant.';

create or replace function public.create_tenant(
  p_slug text, p_name text, p_timezone text default 'UTC', p_data_region text default 'us')
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := auth.uid();
  v_tenant_id uuid;
  v_status public.tenant_status;
  v_constraint text;
begin
  if v_user_id is null or not exists (select 1 from public.profiles p where p.id = v_user_id) then
    raise exception 'sign in first' using errcode = 'TN001';
  end if;
  v_status := case when coalesce((private.setting('tenants.require_approval') #>> '{}')::boolean, false)
                   then 'pending' else 'active' end;
  begin
    insert into public.tenants (slug, name, timezone, data_region, status, created_by)
    values (lower(btrim(p_slug)), btrim(p_name), coalesce(p_timezone, 'UTC'), coalesce(p_data_region, 'us'), v_status, v_user_id)
    returning id into v_tenant_id;
  exception
    when unique_violation then
      raise exception 'the slug % is taken', p_slug using errcode = 'TN011';
    when check_violation or not_null_violation then
      get stacked diagnostics v_constraint = constraint_name;
      raise exception 'invalid tenant: %', coalesce(v_constraint, 'missing value') using errcode = case v_constraint
        when 'tenants_slug_format' then 'TN010'
        when 'tenants_slug_reserved' then 'TN015'
        when 'tenants_timezone_valid' then 'TN012'
        when 'tenants_data_region_check' then 'TN014'
        else 'TN013' end;
  end;
  insert into public.memberships (tenant_id, user_id, is_owner, status) values (v_tenant_id, v_user_id, true, 'active');
  perform private.audit_event(v_tenant_id, 'tenant.create', 'tenants', v_tenant_id::text, null,
                              jsonb_build_object('slug', lower(btrim(p_slug)), 'status', v_status));
  return v_tenant_id;
end
$$;
comment on function public.create_tenant(text, text, text, text) is
  'Creates a tenant with the caller as owner; pending when the tenants.require_approval setting is on. '
  'TN010 slug format, TN015 reserved slug, TN011 slug taken, TN012 timezone, TN013 name, TN014 data region.';

-- ---------------------------------------------------------------------------------------------
-- Names unique whatever their case
-- ---------------------------------------------------------------------------------------------

-- Names that already differ only by case keep the oldest as it is; the others get " (2)", " (3)" …
-- (trimmed to stay within the length checks) so the unique indexes can be built.
with ranked as (
  select id, name, row_number() over (partition by tenant_id, lower(name) order by created_at, id) as n
  from public.teams
)
update public.teams t set name = left(r.name, 90) || ' (' || r.n || ')'
from ranked r where r.id = t.id and r.n > 1;
with ranked as (
  select id, name, row_number() over (partition by project_id, lower(name) order by created_at, id) as n
  from public.environments
)
update public.environments e set name = left(r.name, 50) || ' (' || r.n || ')'
from ranked r where r.id = e.id and r.n > 1;

create unique index teams_name_ci_key on public.teams (tenant_id, lower(name));
comment on index public.teams_name_ci_key is 'A team name is unique within its tenant whatever its case.';
create unique index environments_name_ci_key on public.environments (project_id, lower(name));
comment on index public.environments_name_ci_key is
  'An environment name is unique within its project whatever its case.';

-- ---------------------------------------------------------------------------------------------
-- A custom role grants something
-- ---------------------------------------------------------------------------------------------

create or replace function private.role_grants_something()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_role_id uuid;
begin
  if tg_table_name = 'roles' then
    v_role_id := new.id;
  else
    v_role_id := old.role_id;
  end if;
  -- A role deleted in the same transaction (its permissions go by cascade) needs nothing.
  if exists (select 1 from public.roles r where r.id = v_role_id and r.tenant_id is not null)
     and not exists (select 1 from public.role_permissions rp where rp.role_id = v_role_id) then
    raise exception 'role % grants no permission', v_role_id using errcode = 'TN039';
  end if;
  return null;
end
$$;
comment on function private.role_grants_something() is
  'Deferred constraint trigger on roles and role_permissions: a custom role keeps at least one permission (TN039).';
revoke all on function private.role_grants_something() from public;

create constraint trigger roles_grant_something after insert on public.roles
  deferrable initially deferred for each row execute function private.role_grants_something();
create constraint trigger role_permissions_keep_one after delete on public.role_permissions
  deferrable initially deferred for each row execute function private.role_grants_something();

-- ---------------------------------------------------------------------------------------------
-- A rejected payment says why
-- ---------------------------------------------------------------------------------------------

-- Staff rejections only (verified_by set): Stripe failures carry no note. Existing rows are not
-- re-checked (not valid); every new rejection is.
alter table public.payments add constraint payments_rejection_note check (
  status <> 'failed' or provider <> 'manual' or verified_by is null
  or char_length(btrim(coalesce(note, ''))) > 0) not valid;
comment on constraint payments_rejection_note on public.payments is
  'A manual payment rejected by staff carries a note for the tenant (verify_payment with an empty note is refused).';
