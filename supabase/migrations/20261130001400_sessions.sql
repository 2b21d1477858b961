-- Sessions: a revoked session stops working on its next request. Access tokens are stateless for
-- an hour, so without this a session ended by signing out, a password change or refresh-token
-- reuse would keep passing RLS until its token expired. The app's request transaction
-- (runWithClaims) starts with private.assert_session_active(): the session the JWT's `session_id`
-- names must still exist, be the token's user's, not be past its not_after, still hold a refresh
-- token that is not revoked (what is left of a session after GoTrue's reuse detection), and its
-- user must be neither deleted nor banned. Otherwise TN006, which the app answers by clearing the
-- cookies and sending the person to sign in.
--
-- Owns: private.assert_session_active.
--
-- `auth.sessions` is GoTrue's own table on Supabase and the compat layer's elsewhere (same
-- columns), so the check is the same for both auth providers.

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- No exception block (a subtransaction on every request): the claims are JSON the app wrote, and
-- the ids are matched against the uuid pattern before they are cast.
create or replace function private.assert_session_active()
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
  v_session_id text := v_claims ->> 'session_id';
  v_user_id text := v_claims ->> 'sub';
  v_uuid constant text := '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$';
begin
  if coalesce(v_session_id ~ v_uuid and v_user_id ~ v_uuid, false) then
    if exists (
      select 1
        from auth.sessions s
        join auth.users u on u.id = s.user_id
       where s.id = v_session_id::uuid
         and s.user_id = v_user_id::uuid
         and (s.not_after is null or s.not_after > now())
         and u.deleted_at is null
         and (u.banned_until is null or u.banned_until <= now())
         -- GoTrue answers refresh-token reuse by revoking the session's tokens, not its row.
         and exists (select 1 from auth.refresh_tokens rt
                      where rt.session_id = s.id and rt.revoked is false)
    ) then
      return;
    end if;
  end if;
  raise exception 'the session of this access token has ended'
    using errcode = 'TN006', hint = 'Sign in again.';
end
$$;

comment on function private.assert_session_active() is
  'Raises TN006 unless the session named by the request''s JWT (session_id, sub) is still live. Security definer: authenticated cannot read auth.sessions.';

revoke all on function private.assert_session_active() from public, anon;
grant execute on function private.assert_session_active() to authenticated;
