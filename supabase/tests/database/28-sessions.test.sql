-- Attack 3.2 of issue 9: a revoked session kept working until its access token expired.
-- private.assert_session_active(), which the app runs at the start of every user transaction,
-- refuses (TN006) the claims of a session that is gone, past not_after, left with only revoked
-- refresh tokens, or someone else's, and of a banned user. Its own users, so it runs on the seeded
-- database and on an empty one alike.
begin;
select plan(9);

insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        created_at, updated_at)
values ('00000000-0000-0000-0000-000000000000', 'e7000000-0000-4000-8000-000000000001', 'authenticated',
        'authenticated', 'revoked-sessions-a@example.test', '', now(), now(), now()),
       ('00000000-0000-0000-0000-000000000000', 'e7000000-0000-4000-8000-000000000002', 'authenticated',
        'authenticated', 'revoked-sessions-b@example.test', '', now(), now(), now());
insert into auth.sessions (id, user_id, created_at, updated_at, aal, not_after) values
  ('e7000000-0000-4000-8000-0000000000a1', 'e7000000-0000-4000-8000-000000000001', now(), now(), 'aal1', now() + interval '1 day'),
  ('e7000000-0000-4000-8000-0000000000a2', 'e7000000-0000-4000-8000-000000000001', now(), now(), 'aal1', now() + interval '1 day'),
  ('e7000000-0000-4000-8000-0000000000a3', 'e7000000-0000-4000-8000-000000000001', now(), now(), 'aal1', now() - interval '1 second'),
  ('e7000000-0000-4000-8000-0000000000b1', 'e7000000-0000-4000-8000-000000000002', now(), now(), 'aal1', null);
insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, session_id) values
  ('00000000-0000-0000-0000-000000000000', 'revoked-sessions-t1', 'e7000000-0000-4000-8000-000000000001', false, now(), now(), 'e7000000-0000-4000-8000-0000000000a1'),
  ('00000000-0000-0000-0000-000000000000', 'revoked-sessions-t2', 'e7000000-0000-4000-8000-000000000001', true, now(), now(), 'e7000000-0000-4000-8000-0000000000a2'),
  ('00000000-0000-0000-0000-000000000000', 'revoked-sessions-t3', 'e7000000-0000-4000-8000-000000000001', false, now(), now(), 'e7000000-0000-4000-8000-0000000000a3'),
  ('00000000-0000-0000-0000-000000000000', 'revoked-sessions-t4', 'e7000000-0000-4000-8000-000000000002', false, now(), now(), 'e7000000-0000-4000-8000-0000000000b1');

create function pg_temp.check_as(p_user text, p_session text) returns text
language plpgsql as $$
begin
  perform set_config('request.jwt.claims',
    json_build_object('sub', p_user, 'role', 'authenticated', 'session_id', p_session)::text, true);
  set local role authenticated;
  perform private.assert_session_active();
  reset role;
  return 'ok';
exception when others then
  reset role;
  return 'error:' || sqlstate;
end
$$;

select is(pg_temp.check_as('e7000000-0000-4000-8000-000000000001', 'e7000000-0000-4000-8000-0000000000a1'), 'ok',
  'a live session passes');
select is(pg_temp.check_as('e7000000-0000-4000-8000-000000000001', 'e7000000-0000-4000-8000-0000000000a2'), 'error:TN006',
  'a session whose refresh tokens are all revoked (reuse detection) is refused');
select is(pg_temp.check_as('e7000000-0000-4000-8000-000000000001', 'e7000000-0000-4000-8000-0000000000a3'), 'error:TN006',
  'a session past its not_after is refused');
select is(pg_temp.check_as('e7000000-0000-4000-8000-000000000001', 'e7000000-0000-4000-8000-0000000000b1'), 'error:TN006',
  'another user''s session is refused');
select is(pg_temp.check_as('e7000000-0000-4000-8000-000000000001', 'not-a-uuid'), 'error:TN006',
  'a malformed session id is refused, not a cast error');
select is(pg_temp.check_as('e7000000-0000-4000-8000-000000000002', 'e7000000-0000-4000-8000-0000000000b1'), 'ok',
  'a session without not_after passes');

delete from auth.sessions where id = 'e7000000-0000-4000-8000-0000000000a1';
select is(pg_temp.check_as('e7000000-0000-4000-8000-000000000001', 'e7000000-0000-4000-8000-0000000000a1'), 'error:TN006',
  'a signed-out (deleted) session is refused at once');

update auth.users set banned_until = now() + interval '1 day' where id = 'e7000000-0000-4000-8000-000000000002';
select is(pg_temp.check_as('e7000000-0000-4000-8000-000000000002', 'e7000000-0000-4000-8000-0000000000b1'), 'error:TN006',
  'a banned user''s session is refused');

select ok(not has_function_privilege('anon', 'private.assert_session_active()', 'execute'),
  'anon cannot execute the check');

select * from finish();
rollback;
