-- Member pages: what the invitation link shows before it is accepted.
--
-- The person opening /invite/<token> is usually not a member yet, so RLS shows them nothing of the
-- tenant. invitation_preview() answers for exactly one invitation, found by the sha256 of the token
-- in the link (never by id or email), so it reveals nothing to anyone without a live token: an
-- unknown token answers no row, the same as no call at all. The invited address is masked unless
-- it is the caller's own confirmed address, so a forwarded link does not leak who was invited.

create or replace function public.invitation_preview(p_token text)
returns table (tenant_name text, email text, role_key text, expires_at timestamptz, state text)
language sql
stable
security definer
set search_path = ''
as $$
  select t.name,
         case when lower(i.email::text) = lower(coalesce(private.current_user_confirmed_email()::text, ''))
              then i.email::text
              else left(i.email::text, 1) || '•••@' || split_part(i.email::text, '@', 2) end,
         r.key,
         i.expires_at,
         case when i.accepted_at is not null then 'accepted'
              when i.revoked_at is not null then 'revoked'
              when i.expires_at <= now() then 'expired'
              else 'pending' end
  from public.invitations i
  join public.tenants t on t.id = i.tenant_id
  left join public.roles r on r.id = i.role_id
  where i.token_hash = sha256(convert_to(coalesce(p_token, ''), 'UTF8'))
    and (select auth.uid()) is not null
$$;
comment on function public.invitation_preview(text) is
  'What an invitation link offers (tenant name, masked email unless it is the caller''s, role key, expiry, state), '
  'found only by the sha256 of its token; signed-in callers only. No row for an unknown token.';

revoke all on function public.invitation_preview(text) from public, anon, authenticated, service_role;
grant execute on function public.invitation_preview(text) to authenticated;
