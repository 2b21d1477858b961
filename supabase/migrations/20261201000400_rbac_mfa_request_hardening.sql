-- Closes four holes found from outside (issue 9, attacks 3.4, 3.7, 3.8 and 3.10):
--
--   roles      "Never act on someone who holds more than you" held for members but not for the
--              roles they hold: an admin removed billing.manage from a custom role of someone they
--              could not remove, then removed them. Editing a role (its permissions, its name,
--              deleting it) now needs every permission the role has (TN030) and no holder of it who
--              outranks the editor (TN034); set_project_role checks the role it takes away as it
--              checks the one it gives.
--   MFA        Tenants that require MFA leaked at aal1 through verify_audit_chain (head hash, row
--              counts) and through co-members' profiles; both now refuse an aal1 session.
--   request    request_ip() believed the left-most X-Forwarded-For entry, which the client writes.
--              It now reads the address the app computed from its trusted proxies
--              (`tenantry.client_ip`), else, as behind PostgREST, the right-most hop (the address
--              the proxy in front of the database API saw).
--   domains    A domain verified by one tenant can no longer be claimed by another (TN150), nor
--              verified a second time (TN150 instead of a bare unique violation).

-- ---------------------------------------------------------------------------------------------
-- Roles: editing a role needs everything it grants, and nobody holding it may outrank the editor
-- ---------------------------------------------------------------------------------------------

create or replace function private.assert_can_edit_role(p_role_id uuid)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_role public.roles;
  v_lacking text;
begin
  select * into v_role from public.roles r where r.id = p_role_id;
  -- System roles are read-only by policy; a role managed elsewhere is RLS's to refuse.
  if not found or v_role.tenant_id is null
     or v_role.tenant_id not in (select private.tenants_with_permission('roles.manage'))
     or private.is_tenant_owner(v_role.tenant_id) then
    return;
  end if;
  select rp.permission_code into v_lacking from public.role_permissions rp
  where rp.role_id = p_role_id and rp.permission_code not in (select private.user_permissions(v_role.tenant_id))
  order by rp.permission_code
  limit 1;
  if v_lacking is not null then
    raise exception 'role % grants %, which you do not hold', v_role.key, v_lacking using errcode = 'TN030';
  end if;
  -- One set-based pass over the role's other holders and everything they hold.
  with holders as (
    select ra.tenant_id, ra.user_id from public.role_assignments ra
    where ra.role_id = p_role_id and ra.user_id <> (select auth.uid()))
  select coalesce(
    (select 'ownership' from holders h
     join public.memberships m on m.tenant_id = h.tenant_id and m.user_id = h.user_id
     where m.is_owner limit 1),
    (select rp.permission_code from holders h
     join public.role_assignments other on other.tenant_id = h.tenant_id and other.user_id = h.user_id
     join public.role_permissions rp on rp.role_id = other.role_id
     where rp.permission_code not in (select private.user_permissions(v_role.tenant_id))
     limit 1))
  into v_lacking;
  if v_lacking is not null then
    raise exception 'a member holding role % holds %, which you do not', v_role.key, v_lacking using errcode = 'TN034';
  end if;
end
$$;
comment on function private.assert_can_edit_role(uuid) is
  'Raises TN030 when the caller lacks a permission of the custom role, TN034 when a holder of it outranks them '
  '(owners exempt). Security definer: reads holders'' permissions, which the caller may not see.';

-- BEFORE trigger on roles (update, delete) and role_permissions (insert, delete), for people:
-- the role as it was must be within the editor's permissions; what is added must be too, which
-- the insert policy on role_permissions already demands. Runs as the caller, so a cascade from a
-- deleted role (run as the table owner) and system jobs are not checked twice.
create or replace function private.guard_role_edit()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.is_privileged_context() or private.is_service_role() then
    null;
  elsif tg_table_name = 'roles' then
    perform private.assert_can_edit_role(old.id);
  elsif tg_op = 'DELETE' then
    perform private.assert_can_edit_role(old.role_id);
  else
    perform private.assert_can_edit_role(new.role_id);
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end
$$;
comment on function private.guard_role_edit() is
  'BEFORE trigger: a person edits a role only when they hold all it grants and no holder outranks them (TN030, TN034).';

create trigger roles_guard_edit before update or delete on public.roles
  for each row execute function private.guard_role_edit();
create trigger role_permissions_guard_edit before insert or delete on public.role_permissions
  for each row execute function private.guard_role_edit();

grant execute on function private.assert_can_edit_role(uuid) to authenticated;

create or replace function public.set_project_role(p_project_id uuid, p_user_id uuid, p_role_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_tenant_id uuid;
  v_user_id uuid;
  v_role public.roles;
  v_lacking text;
begin
  select p.tenant_id into v_tenant_id from public.projects p where p.id = p_project_id;
  v_user_id := private.authorize(null, v_tenant_id);
  if v_tenant_id is null or not private.user_has_project_permission('projects.members.manage', p_project_id) then
    raise exception 'permission projects.members.manage needed' using errcode = 'TN002';
  end if;
  if p_user_id = v_user_id then
    raise exception 'you cannot change your own role' using errcode = 'TN032';
  end if;
  if not exists (select 1 from public.memberships m where m.tenant_id = v_tenant_id and m.user_id = p_user_id) then
    raise exception 'no such member' using errcode = 'TN003';
  end if;
  -- The role taken away is held to the same rule as the role given: within what the caller holds here.
  select rp.permission_code into v_lacking
  from public.role_assignments ra join public.role_permissions rp on rp.role_id = ra.role_id
  where ra.project_id = p_project_id and ra.user_id = p_user_id
    and not private.user_has_project_permission(rp.permission_code, p_project_id)
  order by rp.permission_code limit 1;
  if v_lacking is not null then
    raise exception 'this member holds % on this project, which you do not', v_lacking using errcode = 'TN034';
  end if;
  if p_role_id is not null then
    select * into v_role from public.roles r
    where r.id = p_role_id and (r.tenant_id is null or r.tenant_id = v_tenant_id) and r.scope = 'project';
    if not found then
      raise exception 'no project role % in this tenant', p_role_id using errcode = 'TN035';
    end if;
    select rp.permission_code into v_lacking from public.role_permissions rp
    where rp.role_id = v_role.id and not private.user_has_project_permission(rp.permission_code, p_project_id)
    order by rp.permission_code limit 1;
    if v_lacking is not null then
      raise exception 'role % grants %, which you do not hold on this project', v_role.key, v_lacking using errcode = 'TN030';
    end if;
  end if;

  delete from public.role_assignments ra where ra.project_id = p_project_id and ra.user_id = p_user_id;
  if p_role_id is not null then
    insert into public.role_assignments (tenant_id, user_id, role_id, project_id)
    values (v_tenant_id, p_user_id, v_role.id, p_project_id);
  end if;
  perform private.audit_event(v_tenant_id, 'project.role_change', 'projects', p_project_id::text, null,
                              jsonb_build_object('user_id', p_user_id, 'role', v_role.key));
end
$$;
comment on function public.set_project_role(uuid, uuid, uuid) is
  'Gives a member a project role (null removes it). Needs projects.members.manage on the project; never a role '
  'granting more than you hold there (TN030), never taking away one that does (TN034).';

-- ---------------------------------------------------------------------------------------------
-- MFA: nothing of a tenant that requires it reaches an aal1 session
-- ---------------------------------------------------------------------------------------------

create or replace function private.co_member_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select distinct m.user_id from public.memberships m
  where m.tenant_id in (select private.user_tenant_ids())
    and m.tenant_id not in (select private.mfa_blocked_tenant_ids())
$$;
comment on function private.co_member_ids() is
  'Users who share an active tenant with the caller (whose profiles the caller may see), leaving out tenants '
  'that require MFA while the session is aal1.';

create or replace function public.verify_audit_chain(p_tenant_id uuid)
returns table (
  first_broken_log_id bigint,
  first_broken_seq bigint,
  problem text,
  sealed_rows bigint,
  unsealed_rows bigint,
  head_seq bigint,
  head_hash text)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_chain uuid := coalesce(p_tenant_id, '00000000-0000-0000-0000-000000000000'::uuid);
begin
  if p_tenant_id in (select private.mfa_blocked_tenant_ids()) then
    raise exception 'this tenant requires multi-factor authentication' using errcode = 'TN004';
  end if;
  if not (private.is_service_role() or private.is_operator()
          or private.is_platform_staff('support')
          or (p_tenant_id is not null and private.user_has_permission('audit.read', p_tenant_id))) then
    raise exception 'verifying this audit chain needs audit.read' using errcode = 'TN002';
  end if;

  select c.log_id, c.seq, c.problem into first_broken_log_id, first_broken_seq, problem
  from (
    select s.log_id, s.seq,
      case
        when s.found_id is null then 'audit row missing'
        when s.log_tenant_id is distinct from p_tenant_id then 'audit row moved to another tenant'
        when s.seq <> coalesce(s.prev_seq, 0) + 1 then 'seal missing before this row'
        when s.prev_hash <> coalesce(s.expected_prev, '\x'::bytea) then 'chain link broken'
        when s.hash <> sha256(s.prev_hash || s.digest) then 'audit row altered'
      end as problem
    from (
      select z.log_id, z.seq, z.prev_hash, z.hash, l.id as found_id, l.tenant_id as log_tenant_id,
             case when l.id is not null then private.audit_digest(l) end as digest,
             lag(z.hash) over w as expected_prev, lag(z.seq) over w as prev_seq
      from public.audit_log_seals z
      left join public.audit_logs l on l.id = z.log_id
      where z.chain = v_chain
      window w as (order by z.seq)) s) c
  where c.problem is not null
  order by c.seq
  limit 1;

  select count(*), max(z.seq) into sealed_rows, head_seq from public.audit_log_seals z where z.chain = v_chain;
  select encode(z.hash, 'hex') into head_hash from public.audit_log_seals z where z.chain = v_chain and z.seq = head_seq;
  if p_tenant_id is null then
    select count(*) into unsealed_rows from public.audit_logs l
    where l.tenant_id is null and not exists (select 1 from public.audit_log_seals z where z.log_id = l.id);
  else
    select count(*) into unsealed_rows from public.audit_logs l
    where l.tenant_id = p_tenant_id and not exists (select 1 from public.audit_log_seals z where z.log_id = l.id);
  end if;
  return next;
end
$$;
comment on function public.verify_audit_chain(uuid) is
  'Recomputes a tenant''s audit chain (null: the platform chain). Returns one row: the first broken row '
  '(null when intact) and why, how many rows are sealed and unsealed, and the head to anchor elsewhere. '
  'Needs audit.read in the tenant (at aal2 where the tenant requires MFA: TN004), support staff or service_role. '
  'Security definer: reads every seal.';

-- ---------------------------------------------------------------------------------------------
-- Request context: the client address the app vouches for, else the right-most forwarded hop
-- ---------------------------------------------------------------------------------------------

create or replace function private.request_ip()
returns inet
language plpgsql
stable
set search_path = ''
as $$
declare
  v_app text := nullif(btrim(current_setting('tenantry.client_ip', true)), '');
  v_forwarded text[];
begin
  if v_app is not null then
    return v_app::inet;
  end if;
  -- Behind PostgREST: the proxy in front of it appends the address it saw to X-Forwarded-For.
  -- Everything left of that hop was written by the client, so only the right-most entry counts.
  v_forwarded := string_to_array(nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-forwarded-for', ',');
  return nullif(btrim(v_forwarded[cardinality(v_forwarded)]), '')::inet;
exception when others then
  return null;
end
$$;
comment on function private.request_ip() is
  'Client IP: tenantry.client_ip (the app''s, computed from TRUSTED_PROXIES), else the right-most '
  'X-Forwarded-For hop of request.headers (PostgREST); null when absent or not an address.';

-- ---------------------------------------------------------------------------------------------
-- Domains: a name verified by one tenant is not another's to claim or verify
-- ---------------------------------------------------------------------------------------------

create or replace function private.refuse_domain_verified_elsewhere()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.tenant_domains d
             where d.domain = new.domain and d.verified_at is not null and d.tenant_id <> new.tenant_id) then
    raise exception 'domain % is verified by another organisation', new.domain using errcode = 'TN150';
  end if;
  return new;
end
$$;
comment on function private.refuse_domain_verified_elsewhere() is
  'BEFORE INSERT trigger on tenant_domains (TN150). Security definer: sees other tenants'' verified domains, '
  'which are public in DNS and routing anyway.';

create trigger tenant_domains_refuse_verified_elsewhere before insert on public.tenant_domains
  for each row execute function private.refuse_domain_verified_elsewhere();

create or replace function private.mark_domain_checked(p_domain_id uuid, p_verified boolean, p_error text default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_domain public.tenant_domains;
begin
  if not private.is_service_role() then
    raise exception 'only the domains.verify job records DNS checks' using errcode = 'TN061';
  end if;
  select * into v_domain from public.tenant_domains d where d.id = p_domain_id for update;
  if not found then
    raise exception 'no such domain' using errcode = 'TN003';
  end if;
  if p_verified and v_domain.verified_at is null and exists (
    select 1 from public.tenant_domains d
    where d.domain = v_domain.domain and d.verified_at is not null and d.tenant_id <> v_domain.tenant_id) then
    raise exception 'domain % is verified by another organisation', v_domain.domain using errcode = 'TN150';
  end if;
  update public.tenant_domains d
  set last_checked_at = now(),
      last_check_error = case when p_verified then null else left(coalesce(p_error, 'record not found'), 500) end,
      verified_at = case when p_verified then coalesce(d.verified_at, now()) else d.verified_at end
  where d.id = p_domain_id;
  if p_verified and v_domain.verified_at is null then
    perform private.audit_event(v_domain.tenant_id, 'domain.verify', 'tenant_domains', p_domain_id::text,
                                null, jsonb_build_object('domain', v_domain.domain));
  end if;
end
$$;
comment on function private.mark_domain_checked(uuid, boolean, text) is
  'Records a DNS TXT check of a custom domain (service role only: the domains.verify job). A domain verified by '
  'another tenant is refused (TN150; the partial unique index settles a race).';
