-- User preferences: a person reads and writes only their own row; anon nothing; bad values are
-- refused with TN240–TN243. Own fixtures, prefixed t41-, so the file runs on an empty database and
-- on the seeded demo one.
begin;
select plan(17);

select tests.create_user('t41-ada', 't41-ada@example.test');
select tests.create_user('t41-bob', 't41-bob@example.test');

-- Own row: insert, read back, change.
select is(tests.do_as('t41-ada', format(
    $$insert into public.user_preferences (user_id, theme, time_zone, date_format, language)
      values (%L, 'dark', 'Europe/Paris', 'iso', 'fr')$$, tests.user_id('t41-ada'))),
  'ok:1', 'a person saves their own preferences');
select is(tests.try_as('t41-ada', $$select * from public.user_preferences$$), 'rows:1',
  'a person reads their own row, and only it');
select is(tests.try_as('t41-ada', $$update public.user_preferences set theme = 'light', time_zone = null$$), 'ok:1',
  'a person changes their own row (a null time zone means each organisation''s own)');
select is(
  (select updated_at > '2000-01-01' from public.user_preferences where user_id = tests.user_id('t41-ada')),
  true, 'updated_at is stamped');

-- Another's row: invisible and untouchable.
select is(tests.try_as('t41-bob', $$select * from public.user_preferences$$), 'rows:0',
  'another person does not see the row');
select is(tests.try_as('t41-bob', $$update public.user_preferences set theme = 'light'$$), 'ok:0',
  'another person cannot change the row (RLS hides it)');
select is(tests.try_as('t41-bob', $$delete from public.user_preferences$$), 'ok:0',
  'another person cannot delete the row');
select is(tests.try_as('t41-bob', format(
    $$insert into public.user_preferences (user_id, theme) values (%L, 'dark')$$, tests.user_id('t41-ada'))),
  'error:42501', 'nobody writes a row in another person''s name');
select is(tests.try_as('t41-ada', format(
    $$update public.user_preferences set user_id = %L$$, tests.user_id('t41-bob'))),
  'error:42501', 'a row cannot be moved to another person (no grant on user_id)');

-- Anon: nothing.
select is(tests.try_as('anon', $$select * from public.user_preferences$$), 'error:42501',
  'anon cannot read preferences');
select is(tests.try_as('anon', format(
    $$insert into public.user_preferences (user_id) values (%L)$$, tests.user_id('t41-bob'))),
  'error:42501', 'anon cannot write preferences');

-- Bad values, each with its own code.
select is(tests.try_as('t41-bob', format(
    $$insert into public.user_preferences (user_id, theme) values (%L, 'purple')$$, tests.user_id('t41-bob'))),
  'error:TN240', 'an unknown theme is refused (TN240)');
select is(tests.try_as('t41-ada', $$update public.user_preferences set time_zone = 'Mars/Olympus_Mons'$$),
  'error:TN241', 'an unknown time zone is refused (TN241)');
select is(tests.try_as('t41-ada', $$update public.user_preferences set time_zone = 'America/New_York'$$),
  'ok:1', 'a time zone Postgres knows is accepted');
select is(tests.try_as('t41-ada', $$update public.user_preferences set date_format = 'roman'$$),
  'error:TN242', 'an unknown date format is refused (TN242)');
select is(tests.try_as('t41-ada', $$update public.user_preferences set language = 'tlh'$$),
  'error:TN243', 'an unsupported language is refused (TN243)');
select is(tests.try_as('t41-ada', $$update public.user_preferences set theme = null$$),
  'error:TN240', 'a missing theme is refused (TN240), not left to the not-null constraint');

select * from finish();
rollback;
