-- Billing helpers answer about any tenant (its plan, its limits, whether the caller may pay for
-- it), so no API role may call them: they run inside the security definer triggers and RPCs, as the
-- owner, where no grant is needed. (20261122002100 granted them to authenticated and service_role.)

revoke execute on function private.tenant_plan_id(uuid), private.tenant_limit(uuid, text),
  private.can_manage_billing(uuid), private.billing_suspension_reason()
from authenticated, service_role;
