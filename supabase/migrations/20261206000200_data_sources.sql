-- Data sources (issue 18 §4; spec 001's `data_sources`): the external databases and HTTP JSON
-- endpoints a tenant's saved queries (and so its widgets) may read, beside the built-in source
-- (the tenant's own analytics views, 20261206000000_bi.sql), which has no row.
--
-- Owns: table data_sources; saved_queries.data_source_id (null: the built-in source) with its
-- composite foreign key; private.check_data_source, private.data_sources_delete_secrets; events
-- data_source.created and data_source.deleted; TN543–TN545 (TN546–TN549 are the app's:
-- src/lib/server/bi/sources/).
--
-- Who (docs/data-sources.md): data_sources.manage creates, edits, tests and deletes sources;
-- dashboards.read sees their names, kinds and where they point — never a credential, which is
-- the source's owned secret (owner type data_source: secrets.read cannot see it, only
-- data_sources.manage, 20261203000100_secrets.sql). Another tenant sees nothing.
--
-- The connection itself is the app's (src/lib/server/bi/sources/): every host through the SSRF
-- guard and connected at the address it checked, read-only (Postgres: default_transaction_read_only
-- and BEGIN READ ONLY), with a connect timeout, a statement timeout and a row limit.

-- ---------------------------------------------------------------------------------------------
-- Catalogue
-- ---------------------------------------------------------------------------------------------

insert into public.event_types (type, module, description) values
  ('data_source.created', 'bi', 'A data source (external Postgres or HTTP JSON) was added.'),
  ('data_source.deleted', 'bi', 'A data source was deleted (its saved queries and their widgets with it).');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.data_sources (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 100),
  kind text not null check (kind in ('postgres', 'http_json')),
  -- Where and how to connect, never a credential (private.check_data_source keeps to the kind's keys):
  -- postgres {host, port, database, user, ssl: disable | require}; http_json {url, records_path,
  -- auth_header (the header the secret is sent in, or null)}.
  config jsonb not null check (jsonb_typeof(config) = 'object'),
  -- The source's owned secret (owner type data_source): the Postgres password, the HTTP header's value.
  secret_id uuid,
  row_limit integer not null default 1000 check (row_limit between 1 and 10000),
  timeout_ms integer not null default 5000 check (timeout_ms between 100 and 30000),
  -- The last "test connection": when, whether it worked, and the sentence it gave.
  last_checked_at timestamptz,
  last_check_ok boolean,
  last_check_message text check (char_length(last_check_message) <= 500),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  foreign key (tenant_id, secret_id) references public.secrets (tenant_id, id) on delete set null (secret_id)
);
alter table public.data_sources enable row level security;
comment on table public.data_sources is
  'An external source a tenant''s saved queries read: a Postgres database or an HTTP JSON endpoint. Its credential is '
  'its owned secret; the app connects read-only, through the SSRF guard, with timeouts and a row limit.';
create unique index data_sources_name_ci_key on public.data_sources (tenant_id, lower(name));
create index data_sources_secret_idx on public.data_sources (tenant_id, secret_id) where secret_id is not null;

-- A saved query reads the built-in source (null) or one data source; deleting the source deletes
-- its queries (and, by their cascade, their widgets). Set when the query is written, never changed.
alter table public.saved_queries add column data_source_id uuid;
alter table public.saved_queries add constraint saved_queries_data_source_fkey
  foreign key (tenant_id, data_source_id) references public.data_sources (tenant_id, id) on delete cascade;
create index saved_queries_data_source_idx on public.saved_queries (tenant_id, data_source_id)
  where data_source_id is not null;
comment on column public.saved_queries.data_source_id is
  'The data source the query reads; null: the built-in analytics views (20261206000000_bi.sql).';

-- ---------------------------------------------------------------------------------------------
-- Rules
-- ---------------------------------------------------------------------------------------------

-- A source's rules in words: TN543 its name, TN544 its configuration, TN545 its secret.
create or replace function private.check_data_source()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_allowed text[] := case new.kind when 'postgres' then array['host', 'port', 'database', 'user', 'ssl']
                                    else array['url', 'records_path', 'auth_header'] end;
  v_url text := new.config ->> 'url';
begin
  if new.kind is null or new.kind not in ('postgres', 'http_json') then
    raise exception 'a data source is postgres or http_json' using errcode = 'TN544';
  end if;
  if new.name is null or char_length(btrim(new.name)) not between 1 and 100 then
    raise exception 'a data source name is 1 to 100 characters' using errcode = 'TN543';
  end if;
  new.name := btrim(new.name);
  if exists (select 1 from public.data_sources s
             where s.tenant_id = new.tenant_id and lower(s.name) = lower(new.name) and s.id <> new.id) then
    raise exception 'there is already a data source named %', new.name using errcode = 'TN543';
  end if;
  if exists (select 1 from jsonb_object_keys(new.config) k where k <> all (v_allowed)) then
    raise exception 'a % source is configured by % only', new.kind, array_to_string(v_allowed, ', ')
      using errcode = 'TN544';
  end if;
  if new.kind = 'postgres' then
    if coalesce(new.config ->> 'host', '') !~ '^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$|^\[[0-9A-Fa-f:.]{2,45}\]$' then
      raise exception 'the host is a name or an address, like db.example.com' using errcode = 'TN544';
    end if;
    if jsonb_typeof(new.config -> 'port') is distinct from 'number'
       or (new.config ->> 'port')::numeric not between 1 and 65535
       or (new.config ->> 'port')::numeric <> trunc((new.config ->> 'port')::numeric) then
      raise exception 'the port is a number from 1 to 65535' using errcode = 'TN544';
    end if;
    if coalesce(new.config ->> 'database', '') !~ '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$'
       or coalesce(new.config ->> 'user', '') !~ '^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}$' then
      raise exception 'the database and the user are names of up to 63 letters, digits and _ . -' using errcode = 'TN544';
    end if;
    if coalesce(new.config ->> 'ssl', '') not in ('disable', 'require') then
      raise exception 'TLS is disable or require' using errcode = 'TN544';
    end if;
  else
    -- No user info, query or fragment: a key goes in the secret, parameters in the query string.
    if coalesce(v_url, '') !~ '^https?://[^/?#@\s]+(/[^?#@\s]*)?$' or char_length(v_url) > 500 then
      raise exception 'the URL is http(s)://host/path, without a user, a query or a fragment' using errcode = 'TN544';
    end if;
    if coalesce(new.config ->> 'records_path', '$') !~ '^\$(\.[A-Za-z_][A-Za-z0-9_]{0,62}|\[[0-9]{1,6}\]){0,10}$' then
      raise exception 'the records path is like $.data.items' using errcode = 'TN544';
    end if;
    if new.config ->> 'auth_header' is not null and new.config ->> 'auth_header' !~ '^[A-Za-z][A-Za-z0-9-]{0,62}$' then
      raise exception 'the header name is letters, digits and -' using errcode = 'TN544';
    end if;
  end if;
  if new.secret_id is not null and not exists (
       select 1 from public.secrets s
       where s.id = new.secret_id and s.tenant_id = new.tenant_id
         and s.owner_type = 'data_source' and s.owner_id = new.id) then
    raise exception 'the credential must be this data source''s own secret' using errcode = 'TN545';
  end if;
  return new;
end
$$;

comment on function private.check_data_source() is
  'BEFORE INSERT/UPDATE on data_sources: TN543 a name empty, too long or taken; TN544 a kind that is not one, a '
  'configuration that is not its kind''s (keys, host, port, names, TLS; a URL with user info, a query or a fragment; a records path); TN545 a '
  'secret that is not the source''s owned secret. Security definer: reads the secret''s owner whatever the caller sees.';

create trigger data_sources_check before insert or update on public.data_sources
  for each row execute function private.check_data_source();

-- Deleting a source deletes its credential.
create or replace function private.data_sources_delete_secrets()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.delete_owned_secrets('data_source', old.id);
  return old;
end
$$;

comment on function private.data_sources_delete_secrets() is
  'AFTER DELETE on data_sources: its owned secret (the credential) goes with it.';

create trigger data_sources_delete_secrets after delete on public.data_sources
  for each row execute function private.data_sources_delete_secrets();

create trigger data_sources_set_updated_at before update on public.data_sources
  for each row execute function private.set_updated_at();
create trigger data_sources_immutable_columns before update on public.data_sources
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'kind', 'created_by', 'created_at');
create trigger data_sources_publish after insert or delete on public.data_sources
  for each row execute function private.publish_change_event('data_source', 'name,kind', 'name,kind');

select private.enable_audit('public.data_sources', 'tenant_id', '{id}', '{updated_at}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.data_sources from anon, authenticated, service_role;
grant select, delete on public.data_sources to authenticated, service_role;
grant insert (id, tenant_id, name, kind, config, row_limit, timeout_ms) on public.data_sources to authenticated, service_role;
grant update (name, config, secret_id, row_limit, timeout_ms, last_checked_at, last_check_ok, last_check_message)
  on public.data_sources to authenticated, service_role;
grant insert (data_source_id) on public.saved_queries to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

-- dashboards.read sees the sources (to run the queries over them); data_sources.manage writes.
create policy data_sources_select_permitted on public.data_sources
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('dashboards.read')))
         or private.tenant_in(tenant_id, (select private.admitted_tenant_ids('data_sources.manage'))));
create policy data_sources_insert_permitted on public.data_sources
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('data_sources.manage'))));
create policy data_sources_update_permitted on public.data_sources
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('data_sources.manage'))))
  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('data_sources.manage'))));
create policy data_sources_delete_permitted on public.data_sources
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('data_sources.manage'))));
