-- Admin console (docs/admin.md): the staff lifecycle RPCs record why.
--
-- Suspending and reactivating a tenant both need a reason of 1–500 characters (TN131): it becomes
-- the tenant's status_reason (shown to its members on the suspended screen) and is kept in the
-- audit event. reactivate_tenant gains the p_reason argument, so the old one-argument form goes.
--
-- Everything else the console reads or writes is already covered by the staff policies of earlier
-- migrations: tenants, memberships and profiles for every staff role; roles and the audit trail for
-- support; billing, usage and the full plan catalogue (read and write) for billing_admin; the staff
-- list for every staff role, written by super_admin. super_admin satisfies every role.

create or replace function private.require_status_reason(p_reason text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_reason is null or char_length(btrim(p_reason)) not between 1 and 500 then
    raise exception 'give a reason of 1 to 500 characters' using errcode = 'TN131';
  end if;
  return btrim(p_reason);
end
$$;
comment on function private.require_status_reason(text) is
  'The trimmed reason for a suspension or reactivation; TN131 when it is missing or longer than 500 characters.';

create or replace function public.suspend_tenant(p_tenant_id uuid, p_reason text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.require_staff('billing_admin');
  perform private.set_tenant_status(p_tenant_id, 'suspended', private.require_status_reason(p_reason), 'tenant.suspend');
end
$$;
comment on function public.suspend_tenant(uuid, text) is
  'active → suspended (members lose access) with a reason (TN131). super_admin or billing_admin (TN061).';

drop function public.reactivate_tenant(uuid);
create function public.reactivate_tenant(p_tenant_id uuid, p_reason text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.require_staff('billing_admin');
  perform private.set_tenant_status(p_tenant_id, 'active', private.require_status_reason(p_reason), 'tenant.reactivate');
end
$$;
comment on function public.reactivate_tenant(uuid, text) is
  'suspended → active with a reason (TN131). super_admin or billing_admin (TN061).';

grant execute on function public.reactivate_tenant(uuid, text) to authenticated, service_role;
