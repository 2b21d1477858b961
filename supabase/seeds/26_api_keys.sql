-- API keys demo data (docs/api-keys.md), after supabase/seed.sql. DEMO ONLY — these values are
-- public (README.md); never use them outside the demo database:
--   Acme Inc:  tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1   tenant-wide: projects.read, members.read,
--              audit.read, usage.read, usage.record, billing.read; created by owner@acme.test
--   Globex:    tnt_test_DemoGlobexKeyNotForProduction0012vPKt7   tenant-wide: projects.read, usage.read,
--              usage.record; created by owner@globex.test
-- Only their HMAC is stored, computed here under the database's secret (the app installs
-- API_KEY_SECRET before seeding), so they work in the embedded demo as they are.

insert into public.api_keys (id, tenant_id, name, mode, scope, permissions, prefix, last_four, key_hash, created_by)
select k.id::uuid, k.tenant_id::uuid, k.name, 'test', 'tenant', k.permissions, left(k.raw, 17), right(k.raw, 4),
       private.api_key_hash(k.raw), k.created_by::uuid
from (values
  ('d0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'Demo integration',
   'tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1',
   array['audit.read', 'billing.read', 'members.read', 'projects.read', 'usage.read', 'usage.record'],
   'a0000000-0000-4000-8000-000000000011'),
  ('d0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000002', 'Demo integration',
   'tnt_test_DemoGlobexKeyNotForProduction0012vPKt7',
   array['projects.read', 'usage.read', 'usage.record'],
   'a0000000-0000-4000-8000-000000000021')
) k(id, tenant_id, name, raw, permissions, created_by)
on conflict (id) do nothing;
