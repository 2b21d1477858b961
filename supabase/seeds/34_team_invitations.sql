-- Team invitations demo data (docs/members.md), after 20_members.sql: designer@acme.test is
-- invited into Acme as a Viewer and into its team Security (token `demo-invite-acme-team`, sent by
-- Ada Owner); accepting the link as that address puts them in the team. Idempotent: the
-- invitation is found by its token's hash, nothing is written twice.
insert into public.invitations (tenant_id, email, role_id, token_hash, expires_at, invited_by, created_at)
select 'b0000000-0000-4000-8000-000000000001', 'designer@acme.test', r.id,
       sha256(convert_to('demo-invite-acme-team', 'UTF8')), now() + interval '30 days',
       'a0000000-0000-4000-8000-000000000011', now() - interval '2 hours'
from public.roles r where r.tenant_id is null and r.key = 'viewer'
on conflict do nothing;

insert into public.invitation_teams (tenant_id, invitation_id, team_id, added_by)
select i.tenant_id, i.id, 'd0000000-0000-4000-8000-000000002001', 'a0000000-0000-4000-8000-000000000011'
from public.invitations i
where i.token_hash = sha256(convert_to('demo-invite-acme-team', 'UTF8'))
on conflict do nothing;
