-- File storage, Supabase-shaped (issue 16 §1): Supabase Storage's buckets and objects
-- (storage.buckets, storage.objects — on Supabase they exist, elsewhere the compat layer,
-- src/lib/server/platform/compat.ts, creates the same columns), their policies written here, and
-- the product's own record of every file, public.attachments, owned by a row of another module.
--
-- Owns: buckets payment-proofs, support-attachments, task-attachments; the storage.objects
-- policies objects_{select,insert,delete}_tenantry; tables attachment_owners, attachments,
-- private.storage_removals; private.may_read_owner / may_write_owner (the owner dispatchers),
-- may_read_object / may_write_object / may_delete_object (a path's owner), delete_owner_attachments (owner modules'
-- cleanup), claim_storage_removals / finish_storage_removal (the storage.sweep job); the owner
-- type `billing` (payment proofs). Events attachment.added, attachment.deleted. TN380–TN389.
--
-- Paths: <tenant_id>/<owner_type>/<owner_id>/<object uuid>/<safe file name>, in the bucket of the
-- owner type. Who (docs/storage.md): the OWNER MODULE decides. An owner type is a row of
-- attachment_owners (its bucket) and two functions of its module's migration,
--   private.may_read_<owner_type>(p_tenant_id uuid, p_owner_id uuid) returns boolean
--   private.may_write_<owner_type>(p_tenant_id uuid, p_owner_id uuid) returns boolean
-- which the dispatchers call by name, as the migration owner, for the caller (auth.uid(), the
-- request's API key): reading an attachment or its object asks may_read, adding or deleting one
-- asks may_write. A type without them is readable and writable by nobody. The dispatchers refuse
-- a tenant that requires MFA the caller has not passed, and anon is given no policy at all.
--
-- Bytes: the app writes them through its adapter (src/lib/server/storage/) — on Supabase, Supabase
-- Storage (which writes the object row); embedded, files under the data directory (the app writes
-- the object row in the caller's transaction, so these policies decide). Deleting an attachment
-- (by hand, with its owner through delete_owner_attachments, or with its tenant) queues its object
-- in private.storage_removals in the same transaction; the storage.sweep job removes the bytes and
-- the row, and also removes objects no attachment names an hour after they were written (an upload
-- whose transaction failed): no orphan bytes.
--
-- Usage: each attachment adds its bytes to the tenant's storage_bytes meter when it is added
-- (past the plan's hard limit the upload is refused, TN384) and takes them off, as a correction,
-- when it goes.

-- ---------------------------------------------------------------------------------------------
-- Buckets
-- ---------------------------------------------------------------------------------------------

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) values
  ('payment-proofs', 'payment-proofs', false, 5242880, array['application/pdf', 'image/png', 'image/jpeg']),
  ('support-attachments', 'support-attachments', false, 10485760,
   array['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/plain', 'text/markdown',
         'text/csv', 'application/zip',
         'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
         'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
         'application/vnd.openxmlformats-officedocument.presentationml.presentation']),
  ('task-attachments', 'task-attachments', false, 10485760,
   array['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/plain', 'text/markdown',
         'text/csv', 'application/zip',
         'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
         'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
         'application/vnd.openxmlformats-officedocument.presentationml.presentation'])
on conflict (id) do nothing;

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.attachment_owners (
  owner_type text primary key check (owner_type ~ '^[a-z][a-z0-9_]{0,39}$'),
  bucket text not null references storage.buckets (id),
  module text not null check (char_length(module) between 1 and 50),
  description text not null check (char_length(description) between 1 and 300)
);
alter table public.attachment_owners enable row level security;
comment on table public.attachment_owners is
  'The kinds of row that own files, one per owner module''s migration: the bucket its files go to. Its module '
  'defines private.may_read_<owner_type>(tenant_id, owner_id) and private.may_write_<owner_type>(tenant_id, '
  'owner_id), which decide who reads and who adds or deletes them (docs/storage.md).';

create table public.attachments (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  bucket text not null references storage.buckets (id),
  object_path text not null check (char_length(object_path) <= 500),
  owner_type text not null references public.attachment_owners (owner_type),
  owner_id uuid not null,
  -- What the person called it (sanitised: no separators, control characters or leading dots).
  file_name text not null check (char_length(file_name) between 1 and 200
                                 and file_name !~ '[/\\[:cntrl:]]' and file_name !~ '^[. ]'),
  -- The type its first bytes proved, never the declared one.
  content_type text not null check (content_type ~ '^[a-z]+/[a-z0-9.+-]+$'),
  byte_size bigint not null check (byte_size > 0),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (bucket, object_path),
  check (starts_with(object_path, tenant_id::text || '/' || owner_type || '/' || owner_id::text || '/'))
);
alter table public.attachments enable row level security;
comment on table public.attachments is
  'A file owned by a row of another module (a ticket, a task, the tenant''s billing): its storage object, the name '
  'it was given, the type its bytes proved and its size. Read, added and deleted as the owner module allows.';
create index attachments_owner_idx on public.attachments (tenant_id, owner_type, owner_id, created_at);

create table private.storage_removals (
  id bigint generated always as identity primary key,
  bucket text not null,
  name text not null,
  queued_at timestamptz not null default now(),
  -- The sweep's lease and its last failure (the next pass tries again).
  claimed_until timestamptz,
  attempts integer not null default 0,
  last_error text,
  unique (bucket, name)
);
alter table private.storage_removals enable row level security;
comment on table private.storage_removals is
  'Storage objects whose bytes must go (their attachment was deleted, or nothing named them): the storage.sweep job '
  'removes the bytes and the object row, then this row.';

-- ---------------------------------------------------------------------------------------------
-- Helpers: who may read and write an owner's files
-- ---------------------------------------------------------------------------------------------

-- Calls private.<prefix><owner_type>(tenant, owner) when the type is registered and its module
-- defined it; false otherwise, and for a tenant whose MFA requirement the caller has not met.
create or replace function private.ask_owner(p_prefix text, p_owner_type text, p_tenant_id uuid, p_owner_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_allowed boolean;
begin
  if p_owner_type is null or p_tenant_id is null or p_owner_id is null
     or not exists (select 1 from public.attachment_owners o where o.owner_type = p_owner_type)
     or to_regprocedure(format('private.%I(uuid, uuid)', p_prefix || p_owner_type)) is null then
    return false;
  end if;
  if p_tenant_id in (select private.mfa_blocked_tenant_ids()) then
    return false;
  end if;
  execute format('select private.%I($1, $2)', p_prefix || p_owner_type) into v_allowed using p_tenant_id, p_owner_id;
  return coalesce(v_allowed, false);
end
$$;

comment on function private.ask_owner(text, text, uuid, uuid) is
  'The dispatch of may_read_owner / may_write_owner: private.<prefix><owner_type>(tenant_id, owner_id) of the owner '
  'module, false for an unknown type, a missing function or an MFA-blocked tenant. Security definer: runs the owner''s '
  'function as the migration owner, for the caller.';

create or replace function private.may_read_owner(p_owner_type text, p_tenant_id uuid, p_owner_id uuid)
returns boolean
language sql
stable
set search_path = ''
as $$
  select private.ask_owner('may_read_', p_owner_type, p_tenant_id, p_owner_id)
$$;

comment on function private.may_read_owner(text, uuid, uuid) is
  'May the caller read the files of this owner? Asks the owner module''s private.may_read_<owner_type>(tenant_id, '
  'owner_id). The read policy of attachments and storage.objects.';

create or replace function private.may_write_owner(p_owner_type text, p_tenant_id uuid, p_owner_id uuid)
returns boolean
language sql
stable
set search_path = ''
as $$
  select private.ask_owner('may_write_', p_owner_type, p_tenant_id, p_owner_id)
$$;

comment on function private.may_write_owner(text, uuid, uuid) is
  'May the caller add files to this owner and delete its files? Asks the owner module''s '
  'private.may_write_<owner_type>(tenant_id, owner_id).';

-- A storage path's parts, when it has Tenantry's shape in the bucket of its owner type: the
-- tenant, the owner type and the owner. Nulls otherwise (another application's bucket or path).
create or replace function private.object_owner(p_bucket text, p_name text,
  out tenant_id uuid, out owner_type text, out owner_id uuid)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_parts text[] := string_to_array(p_name, '/');
  v_uuid constant text := '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
begin
  if cardinality(v_parts) = 5 and v_parts[1] ~ v_uuid and v_parts[3] ~ v_uuid and v_parts[4] ~ v_uuid
     and v_parts[5] ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$'
     and exists (select 1 from public.attachment_owners o where o.owner_type = v_parts[2] and o.bucket = p_bucket) then
    tenant_id := v_parts[1]::uuid;
    owner_type := v_parts[2];
    owner_id := v_parts[3]::uuid;
  end if;
end
$$;

comment on function private.object_owner(text, text) is
  'The tenant, owner type and owner of a storage path <tenant_id>/<owner_type>/<owner_id>/<uuid>/<name> in its owner '
  'type''s bucket; nulls for any other bucket or path.';

create or replace function private.may_read_object(p_bucket text, p_name text)
returns boolean
language sql
stable
set search_path = ''
as $$
  select private.may_read_owner(o.owner_type, o.tenant_id, o.owner_id) from private.object_owner(p_bucket, p_name) o
$$;

comment on function private.may_read_object(text, text) is
  'The read policy of storage.objects: the path''s owner module decides (may_read_owner); false for other paths.';

create or replace function private.may_write_object(p_bucket text, p_name text)
returns boolean
language sql
stable
set search_path = ''
as $$
  select private.may_write_owner(o.owner_type, o.tenant_id, o.owner_id) from private.object_owner(p_bucket, p_name) o
$$;

comment on function private.may_write_object(text, text) is
  'The insert policy of storage.objects: the path''s owner module decides (may_write_owner).';

create or replace function private.may_delete_object(p_bucket text, p_name text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select private.may_write_object(p_bucket, p_name)
     and not exists (select 1 from public.attachments a where a.bucket = p_bucket and a.object_path = p_name)
$$;

comment on function private.may_delete_object(text, text) is
  'The delete policy of storage.objects: as for inserting, and only an object no attachment names (an attachment''s '
  'object goes when the attachment is deleted, through the storage.sweep job). Security definer: reads attachments '
  'whatever the caller may see.';

-- Payment proofs: owned by the tenant's billing (owner_id = the tenant).
insert into public.attachment_owners (owner_type, bucket, module, description) values
  ('billing', 'payment-proofs', 'billing', 'A manual payment''s proof (owner: the tenant itself).');

create or replace function private.may_read_billing(p_tenant_id uuid, p_owner_id uuid)
returns boolean
language sql
stable
set search_path = ''
as $$
  select p_owner_id = p_tenant_id
     and (private.holds_permission('billing.read', p_tenant_id, true) or private.can_manage_billing(p_tenant_id)
          or private.is_platform_staff('billing_admin'))
$$;

comment on function private.may_read_billing(uuid, uuid) is
  'Payment proofs are read by the tenant''s billing.read and billing.manage holders and billing staff.';

create or replace function private.may_write_billing(p_tenant_id uuid, p_owner_id uuid)
returns boolean
language sql
stable
set search_path = ''
as $$
  select p_owner_id = p_tenant_id and private.can_manage_billing(p_tenant_id)
$$;

comment on function private.may_write_billing(uuid, uuid) is
  'Payment proofs are uploaded by the tenant''s billing.manage holders (also while billing suspended it).';

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

-- A new attachment names an object of its owner's bucket that exists, fits the bucket's size limit
-- and types, and that the caller could write; its bytes are added to the storage meter.
create or replace function private.check_attachment()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_bucket storage.buckets;
  v_object storage.objects;
  v_owner record;
begin
  select * into v_owner from private.object_owner(new.bucket, new.object_path);
  if v_owner.tenant_id is distinct from new.tenant_id or v_owner.owner_type is distinct from new.owner_type
     or v_owner.owner_id is distinct from new.owner_id then
    raise exception 'an attachment''s path is <tenant_id>/<owner_type>/<owner_id>/<uuid>/<name> in its owner''s bucket'
      using errcode = 'TN381';
  end if;
  select * into v_bucket from storage.buckets b where b.id = new.bucket;
  if v_bucket.file_size_limit is not null and new.byte_size > v_bucket.file_size_limit then
    raise exception 'the file is % bytes; this bucket takes at most %', new.byte_size, v_bucket.file_size_limit
      using errcode = 'TN382';
  end if;
  if v_bucket.allowed_mime_types is not null and not new.content_type = any (v_bucket.allowed_mime_types) then
    raise exception 'files of type % are not accepted here', new.content_type using errcode = 'TN383';
  end if;
  select * into v_object from storage.objects o where o.bucket_id = new.bucket and o.name = new.object_path;
  if not found then
    raise exception 'no stored object at %', new.object_path using errcode = 'TN385';
  end if;
  if (v_object.metadata ->> 'size') is not null and (v_object.metadata ->> 'size')::bigint <> new.byte_size then
    raise exception 'the attachment says % bytes, the object holds %', new.byte_size, v_object.metadata ->> 'size'
      using errcode = 'TN385';
  end if;
  new.created_by := auth.uid();
  new.created_at := now();
  return new;
end
$$;

comment on function private.check_attachment() is
  'BEFORE INSERT on attachments: the path''s shape and owner (TN381), the bucket''s size limit (TN382) and types '
  '(TN383), the object exists with that size (TN385); stamps created_by and created_at. Security definer: reads '
  'storage.';

create or replace function private.attachment_added()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  begin
    insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, properties)
    values (new.tenant_id, 'storage_bytes', new.byte_size, 'attachment:' || new.id::text || ':added',
            jsonb_build_object('attachment_id', new.id, 'bucket', new.bucket));
  exception when sqlstate 'TN071' then
    raise exception 'this file would take the organisation past its plan''s storage' using errcode = 'TN384',
      hint = 'Delete files or upgrade the plan.';
  end;
  perform private.publish_event(new.tenant_id, 'attachment.added', 'attachment', new.id::text,
    jsonb_build_object('attachment_id', new.id, 'owner_type', new.owner_type, 'owner_id', new.owner_id,
                       'file_name', new.file_name, 'content_type', new.content_type, 'byte_size', new.byte_size));
  return null;
end
$$;

comment on function private.attachment_added() is
  'AFTER INSERT on attachments: adds its bytes to storage_bytes (past the hard limit TN384, nothing written) and '
  'publishes attachment.added. Security definer: writes the meter and the event log.';

create or replace function private.attachment_deleted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.storage_removals (bucket, name) values (old.bucket, old.object_path)
  on conflict (bucket, name) do nothing;
  -- The tenant is being deleted (its rows cascade): its meter goes with it.
  if exists (select 1 from public.tenants t where t.id = old.tenant_id) then
    insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, properties, correction_reason)
    values (old.tenant_id, 'storage_bytes', -old.byte_size, 'attachment:' || old.id::text || ':deleted',
            jsonb_build_object('attachment_id', old.id, 'bucket', old.bucket), 'attachment deleted')
    on conflict (tenant_id, idempotency_key) do nothing;
    perform private.publish_event(old.tenant_id, 'attachment.deleted', 'attachment', old.id::text,
      jsonb_build_object('attachment_id', old.id, 'owner_type', old.owner_type, 'owner_id', old.owner_id,
                         'file_name', old.file_name, 'byte_size', old.byte_size));
  end if;
  return null;
end
$$;

comment on function private.attachment_deleted() is
  'AFTER DELETE on attachments: queues the object''s removal (storage.sweep), takes its bytes off storage_bytes (a '
  'correction) and publishes attachment.deleted — the last two unless its tenant is being deleted.';

create trigger attachments_check before insert on public.attachments
  for each row execute function private.check_attachment();
create trigger attachments_added after insert on public.attachments
  for each row execute function private.attachment_added();
create trigger attachments_deleted after delete on public.attachments
  for each row execute function private.attachment_deleted();
create trigger attachments_immutable_columns before update on public.attachments
  for each row execute function private.forbid_column_changes(
    'id', 'tenant_id', 'bucket', 'object_path', 'owner_type', 'owner_id', 'content_type', 'byte_size', 'created_by',
    'created_at');
select private.enable_audit('public.attachments', 'tenant_id', '{id}');

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.attachment_owners, public.attachments from anon, authenticated, service_role;
revoke all on private.storage_removals from public, anon, authenticated, service_role;
grant select on public.attachment_owners to authenticated, service_role;
grant select (id, tenant_id, bucket, object_path, owner_type, owner_id, file_name, content_type, byte_size, created_by,
              created_at)
  on public.attachments to authenticated, service_role;
grant insert (tenant_id, bucket, object_path, owner_type, owner_id, file_name, content_type, byte_size)
  on public.attachments to authenticated, service_role;
grant delete on public.attachments to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

create policy attachment_owners_select_authenticated on public.attachment_owners
  for select to authenticated using (true);

create policy attachments_select_permitted on public.attachments
  for select to authenticated
  using ((select private.may_read_owner(owner_type, tenant_id, owner_id)));
create policy attachments_select_mfa on public.attachments
  as restrictive for select to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy attachments_insert_permitted on public.attachments
  for insert to authenticated
  with check ((select private.may_write_owner(owner_type, tenant_id, owner_id)));
create policy attachments_insert_mfa on public.attachments
  as restrictive for insert to authenticated
  with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy attachments_delete_permitted on public.attachments
  for delete to authenticated
  using ((select private.may_write_owner(owner_type, tenant_id, owner_id)));
create policy attachments_delete_mfa on public.attachments
  as restrictive for delete to authenticated
  using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- storage.objects: only Tenantry's paths in Tenantry's buckets; another application's buckets on the
-- same Supabase project keep their own policies (these say nothing about them).
create policy objects_select_tenantry on storage.objects
  for select to authenticated
  using ((select private.may_read_object(bucket_id, name)));
create policy objects_insert_tenantry on storage.objects
  for insert to authenticated
  with check ((select private.may_write_object(bucket_id, name)));
create policy objects_delete_tenantry on storage.objects
  for delete to authenticated
  using ((select private.may_delete_object(bucket_id, name)));

-- ---------------------------------------------------------------------------------------------
-- Owner modules' cleanup and the storage.sweep job
-- ---------------------------------------------------------------------------------------------

create or replace function private.delete_owner_attachments(p_owner_type text, p_tenant_id uuid, p_owner_id uuid)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  delete from public.attachments a
  where a.tenant_id = p_tenant_id and a.owner_type = p_owner_type and a.owner_id = p_owner_id;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function private.delete_owner_attachments(text, uuid, uuid) is
  'Deletes an owner''s attachments (their objects queued for the storage.sweep job): for owner modules'' AFTER DELETE '
  'triggers. Returns how many. Not granted to any API role.';

-- The next objects to remove, leased for five minutes: the queue first, then objects of Tenantry's
-- buckets that no attachment names an hour after they were written.
create or replace function private.claim_storage_removals(p_limit integer default 100,
  p_orphan_age interval default interval '1 hour')
returns table (id bigint, bucket text, name text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  insert into private.storage_removals (bucket, name)
  select o.bucket_id, o.name from storage.objects o
  where o.bucket_id in (select ao.bucket from public.attachment_owners ao)
    and o.created_at <= now() - greatest(p_orphan_age, interval '0')
    and not exists (select 1 from public.attachments a where a.bucket = o.bucket_id and a.object_path = o.name)
  order by o.created_at
  limit greatest(p_limit, 1)
  on conflict on constraint storage_removals_bucket_name_key do nothing;
  return query
  update private.storage_removals r set claimed_until = now() + interval '5 minutes', attempts = r.attempts + 1
  where r.id in (select q.id from private.storage_removals q
                 where q.claimed_until is null or q.claimed_until < now()
                 order by q.queued_at limit greatest(p_limit, 1)
                 for update skip locked)
  returning r.id, r.bucket, r.name;
end
$$;

comment on function private.claim_storage_removals(integer, interval) is
  'storage.sweep: leases up to p_limit queued removals (five minutes), first queueing objects of Tenantry''s buckets '
  'that no attachment names p_orphan_age (an hour) after they were written. Service role only.';

create or replace function private.finish_storage_removal(p_id bigint, p_error text default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_removal private.storage_removals;
begin
  if p_error is not null then
    update private.storage_removals r set last_error = left(p_error, 1000), claimed_until = now() + interval '1 minute'
    where r.id = p_id;
    return;
  end if;
  delete from private.storage_removals r where r.id = p_id returning * into v_removal;
  if found then
    delete from storage.objects o where o.bucket_id = v_removal.bucket and o.name = v_removal.name;
  end if;
end
$$;

comment on function private.finish_storage_removal(bigint, text) is
  'storage.sweep: the bytes of a claimed removal are gone (its object row and queue row go too), or why not (tried '
  'again in a minute). Service role only.';

revoke all on function
  private.ask_owner(text, text, uuid, uuid), private.may_read_owner(text, uuid, uuid),
  private.may_write_owner(text, uuid, uuid), private.object_owner(text, text), private.may_read_object(text, text),
  private.may_write_object(text, text), private.may_delete_object(text, text), private.may_read_billing(uuid, uuid), private.may_write_billing(uuid, uuid),
  private.check_attachment(), private.attachment_added(), private.attachment_deleted(),
  private.delete_owner_attachments(text, uuid, uuid), private.claim_storage_removals(integer, interval),
  private.finish_storage_removal(bigint, text)
from public, anon, authenticated, service_role;
grant execute on function
  private.may_read_owner(text, uuid, uuid), private.may_write_owner(text, uuid, uuid),
  private.may_read_object(text, text), private.may_write_object(text, text), private.may_delete_object(text, text),
  private.ask_owner(text, text, uuid, uuid),
  private.object_owner(text, text)
to authenticated, service_role;
grant execute on function private.claim_storage_removals(integer, interval), private.finish_storage_removal(bigint, text)
  to service_role;

-- ---------------------------------------------------------------------------------------------
-- Events
-- ---------------------------------------------------------------------------------------------

insert into public.event_types (type, module, description) values
  ('attachment.added', 'storage', 'A file was attached (to a ticket, a task, a payment proof …).'),
  ('attachment.deleted', 'storage', 'An attached file was deleted (by hand or with what owned it).');
