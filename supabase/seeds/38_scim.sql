-- SCIM demo data (docs/scim.md), after supabase/seed.sql: Acme provisions from "Okta (demo)",
-- whose token is `tnt_scim_demo-acme-okta-0000000000000000000000000000` (a demo credential, like
-- the demo passwords: only its sha256 is stored); viewer@acme.test is a provisioned User, in the
-- "Security" group, which is the Security team; and a few logged requests. Idempotent: fixed
-- ids, `on conflict do nothing`, and the log only when Acme has none.

insert into public.scim_tokens (id, tenant_id, name, prefix, token_hash, created_by, created_at, last_used_at)
values ('f5000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'Okta (demo)',
        'tnt_scim_dem', extensions.digest('tnt_scim_demo-acme-okta-0000000000000000000000000000', 'sha256'),
        'a0000000-0000-4000-8000-000000000011', now() - interval '20 days', now() - interval '2 hours')
on conflict (id) do nothing;

insert into public.scim_users (id, tenant_id, user_name, external_id, active, email, user_id, resource, created_at)
values ('f5000000-0000-4000-8000-000000000011', 'b0000000-0000-4000-8000-000000000001', 'viewer@acme.test',
        '00u1demo0viewer', true, 'viewer@acme.test', 'a0000000-0000-4000-8000-000000000014',
        '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "name": {"givenName": "Vint", "familyName": "Viewer"},
          "displayName": "Vint Viewer", "emails": [{"value": "viewer@acme.test", "type": "work", "primary": true}]}',
        now() - interval '20 days')
on conflict (id) do nothing;

insert into public.scim_groups (id, tenant_id, display_name, external_id, resource, team_id, synced_user_ids, created_at)
values ('f5000000-0000-4000-8000-000000000021', 'b0000000-0000-4000-8000-000000000001', 'Security', '00g1demo0security',
        '{"members": [{"value": "f5000000-0000-4000-8000-000000000011", "display": "Vint Viewer"}]}',
        'd0000000-0000-4000-8000-000000002001', '{a0000000-0000-4000-8000-000000000014}', now() - interval '20 days')
on conflict (id) do nothing;
insert into public.team_members (tenant_id, team_id, user_id)
values ('b0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000002001', 'a0000000-0000-4000-8000-000000000014')
on conflict do nothing;

insert into public.scim_operations (tenant_id, token_id, method, path, status, resource_type, resource_id, detail, created_at)
select 'b0000000-0000-4000-8000-000000000001', 'f5000000-0000-4000-8000-000000000001', v.method, v.path, v.status,
       v.resource_type, v.resource_id, v.detail, now() - v.ago
from (values
  ('POST', '/v2/Users', 201, 'User', 'f5000000-0000-4000-8000-000000000011', null, interval '20 days'),
  ('POST', '/v2/Groups', 201, 'Group', 'f5000000-0000-4000-8000-000000000021', null, interval '20 days'),
  ('POST', '/v2/Users', 409, 'User', null, 'a User with userName viewer@acme.test already exists', interval '3 hours'),
  ('GET', '/v2/Users', 200, 'User', null, null, interval '2 hours')
) as v (method, path, status, resource_type, resource_id, detail, ago)
where not exists (select 1 from public.scim_operations o where o.tenant_id = 'b0000000-0000-4000-8000-000000000001');

-- The seeded history is not news: its events come off the fan-out's queue, as in
-- 29_notifications.sql (the first start emails nobody).
delete from private.notification_queue;
