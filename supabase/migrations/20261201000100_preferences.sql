-- User preferences (spec 003 `UserPreference`): how the app shows things to one person — theme,
-- time zone, date format and language. The language drives number and date formatting only (the
-- interface text stays English). One row per person, written on their first save; no row means
-- the defaults (system theme, each organisation's time zone, medium dates, English).
--
-- Owns: table user_preferences; private.check_user_preference_values and its trigger.
--
-- Who: a person reads and writes only their own row (RLS, `user_id = auth.uid()`); anon nothing.
-- Refusals: TN240 theme, TN241 time zone (a name in pg_timezone_names, or null for each
-- organisation's own), TN242 date format, TN243 language. The check constraints are the backstop.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.user_preferences (
  user_id uuid primary key references auth.users (id) on delete cascade,
  theme text not null default 'system'
    constraint user_preferences_theme_valid check (theme in ('light', 'dark', 'system')),
  time_zone text
    constraint user_preferences_time_zone_valid check (time_zone is null or private.is_valid_timezone(time_zone)),
  date_format text not null default 'medium'
    constraint user_preferences_date_format_valid check (date_format in ('medium', 'iso', 'us', 'eu')),
  language text not null default 'en'
    constraint user_preferences_language_valid check (language in (
      'en', 'en-GB', 'en-US', 'de', 'fr', 'es', 'it', 'nl', 'pt-BR', 'sv', 'da', 'nb', 'fi', 'pl', 'ja')),
  updated_at timestamptz not null default now()
);
alter table public.user_preferences enable row level security;
comment on table public.user_preferences is
  'One person''s display preferences: theme, time zone (null: each organisation''s own), date format '
  '(medium 1 Dec 2026 | iso 2026-12-01 | us 12/01/2026 | eu 01.12.2026) and the language that formats numbers and dates.';

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create or replace function private.check_user_preference_values()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.theme is null or new.theme not in ('light', 'dark', 'system') then
    raise exception 'unknown theme' using errcode = 'TN240';
  end if;
  if new.time_zone is not null
     and not exists (select 1 from pg_catalog.pg_timezone_names z where z.name = new.time_zone) then
    raise exception 'unknown time zone' using errcode = 'TN241';
  end if;
  if new.date_format is null or new.date_format not in ('medium', 'iso', 'us', 'eu') then
    raise exception 'unknown date format' using errcode = 'TN242';
  end if;
  if new.language is null or new.language not in (
      'en', 'en-GB', 'en-US', 'de', 'fr', 'es', 'it', 'nl', 'pt-BR', 'sv', 'da', 'nb', 'fi', 'pl', 'ja') then
    raise exception 'unsupported language' using errcode = 'TN243';
  end if;
  return new;
end
$$;
comment on function private.check_user_preference_values() is
  'BEFORE INSERT/UPDATE trigger on user_preferences: raises TN240 (theme), TN241 (time zone not in '
  'pg_timezone_names), TN242 (date format), TN243 (language) before the check constraints would.';

create trigger user_preferences_check_values before insert or update on public.user_preferences
  for each row execute function private.check_user_preference_values();
create trigger user_preferences_set_updated_at before update on public.user_preferences
  for each row execute function private.set_updated_at();
create trigger user_preferences_immutable_columns before update on public.user_preferences
  for each row execute function private.forbid_column_changes('user_id');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.user_preferences from anon, authenticated, service_role;
grant select, delete on public.user_preferences to authenticated;
grant insert (user_id, theme, time_zone, date_format, language) on public.user_preferences to authenticated;
grant update (theme, time_zone, date_format, language) on public.user_preferences to authenticated;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy user_preferences_select_self on public.user_preferences
  for select to authenticated
  using (user_id = (select auth.uid()));

create policy user_preferences_insert_self on public.user_preferences
  for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy user_preferences_update_self on public.user_preferences
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy user_preferences_delete_self on public.user_preferences
  for delete to authenticated
  using (user_id = (select auth.uid()));
