-- Profiles: the public face of an auth.users row (email, name, avatar, status, last login), 1:1
-- and kept in step by a trigger on auth.users. The trigger's function lives in `private` because
-- hosted Supabase forbids objects in `auth`; it works the same on GoTrue's writes and on the
-- embedded auth, which both write auth.users.
--
-- Owns: type profile_status; table profiles; private.sync_profile_from_auth_user and its triggers.
--
-- Who sees whom: yourself, people who share an active tenant with you, and platform staff.
-- Co-member and staff visibility are policies of the tenancy module, where memberships exist.

-- ---------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------

create type public.profile_status as enum ('active', 'disabled');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email extensions.citext not null,
  full_name text check (char_length(full_name) <= 200),
  avatar_url text check (avatar_url ~ '^https://' and char_length(avatar_url) <= 2048),
  status public.profile_status not null default 'active',
  last_login_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.profiles enable row level security;
comment on table public.profiles is
  'One row per auth.users row, synced by trigger. Users edit their own name and avatar; email, status and last login come from auth.';
create index profiles_email_idx on public.profiles (email);

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

-- Runs as the owner: on Supabase the writer of auth.users is GoTrue's own role, which has no
-- rights on public.profiles.
create or replace function private.sync_profile_from_auth_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_status public.profile_status :=
    case when new.deleted_at is not null or new.banned_until > now() then 'disabled' else 'active' end;
begin
  if tg_op = 'INSERT' then
    insert into public.profiles (id, email, full_name, avatar_url, status, last_login_at)
    values (
      new.id,
      coalesce(new.email, ''),
      left(coalesce(new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'name'), 200),
      case when new.raw_user_meta_data ->> 'avatar_url' ~ '^https://'
           then left(new.raw_user_meta_data ->> 'avatar_url', 2048) end,
      v_status,
      new.last_sign_in_at)
    on conflict (id) do update
      set email = excluded.email, status = excluded.status, last_login_at = excluded.last_login_at;
  else
    update public.profiles p
       set email = coalesce(new.email, p.email),
           status = v_status,
           last_login_at = new.last_sign_in_at
     where p.id = new.id
       and (p.email is distinct from coalesce(new.email, p.email)
            or p.status is distinct from v_status
            or p.last_login_at is distinct from new.last_sign_in_at);
  end if;
  return null;
end
$$;

comment on function private.sync_profile_from_auth_user() is
  'AFTER INSERT/UPDATE trigger on auth.users: keeps public.profiles in step. Security definer because '
  'GoTrue writes auth.users as a role without rights on public.profiles.';

create trigger profiles_set_updated_at before update on public.profiles
  for each row execute function private.set_updated_at();
create trigger profiles_immutable_columns before update on public.profiles
  for each row execute function private.forbid_column_changes('id', 'created_at');
create trigger profiles_rpc_only_columns before update on public.profiles
  for each row execute function private.restrict_column_changes_to_rpc('email', 'last_login_at');

create trigger tenantry_sync_profile_on_insert after insert on auth.users
  for each row execute function private.sync_profile_from_auth_user();
create trigger tenantry_sync_profile_on_update after update of email, last_sign_in_at, banned_until, deleted_at on auth.users
  for each row execute function private.sync_profile_from_auth_user();

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

-- Rows come and go with auth.users only.
revoke all on public.profiles from anon, authenticated, service_role;
grant select on public.profiles to authenticated, service_role;
grant update (full_name, avatar_url) on public.profiles to authenticated;
grant update (full_name, avatar_url, status) on public.profiles to service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy profiles_select_self on public.profiles
  for select to authenticated
  using (id = (select auth.uid()));

create policy profiles_update_self on public.profiles
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));
