-- Members pages demo data (docs/members.md), after supabase/seed.sql (which already has Acme's
-- teams Platform and Design, Globex's Operations, and the invitation of newhire@acme.test with the
-- token `demo-invite-acme`). Added here:
--   Acme:   an invitation of contractor@acme.test with the custom role Auditor, sent by Alan Admin
--           (token `demo-invite-acme-auditor`); one of late@acme.test that has expired; the team
--           Security (Ada Owner, Barbara Auditor)
--   Globex: the team Research (Hank Scorpio, Frank Member)
insert into public.invitations (tenant_id, email, role_id, token_hash, expires_at, invited_by, created_at)
values
  ('b0000000-0000-4000-8000-000000000001', 'contractor@acme.test', 'c0000000-0000-4000-8000-000000000001',
   sha256(convert_to('demo-invite-acme-auditor', 'UTF8')), now() + interval '6 days',
   'a0000000-0000-4000-8000-000000000012', now() - interval '1 day'),
  ('b0000000-0000-4000-8000-000000000001', 'late@acme.test', (select r.id from public.roles r where r.tenant_id is null and r.key = 'viewer'),
   sha256(convert_to('demo-invite-acme-expired', 'UTF8')), now() - interval '2 days',
   'a0000000-0000-4000-8000-000000000011', now() - interval '9 days')
on conflict do nothing;

insert into public.teams (id, tenant_id, name, description, created_by) values
  ('d0000000-0000-4000-8000-000000002001', 'b0000000-0000-4000-8000-000000000001', 'Security', 'Reviews access and the audit log', 'a0000000-0000-4000-8000-000000000011'),
  ('d0000000-0000-4000-8000-000000002002', 'b0000000-0000-4000-8000-000000000002', 'Research', 'Long-term projects', 'a0000000-0000-4000-8000-000000000021')
on conflict (id) do nothing;
insert into public.team_members (tenant_id, team_id, user_id) values
  ('b0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000002001', 'a0000000-0000-4000-8000-000000000011'),
  ('b0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000002001', 'a0000000-0000-4000-8000-000000000015'),
  ('b0000000-0000-4000-8000-000000000002', 'd0000000-0000-4000-8000-000000002002', 'a0000000-0000-4000-8000-000000000021'),
  ('b0000000-0000-4000-8000-000000000002', 'd0000000-0000-4000-8000-000000002002', 'a0000000-0000-4000-8000-000000000024')
on conflict do nothing;
