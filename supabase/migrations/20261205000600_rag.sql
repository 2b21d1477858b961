-- RAG and OCR (issue 19 §3–4): a tenant's documents (an upload — PDF, Markdown, text, HTML —, a
-- URL fetched through the SSRF guard, or pasted text), cut by structure into overlapping chunks,
-- embedded and searched by vector similarity (HNSW, cosine, pgvector 0.8's iterative scans) and
-- Postgres full-text together (reciprocal rank fusion), only ever inside the caller's tenant; and
-- OCR jobs on the shared job queue (tesseract.js with @tesseract.js-data/eng is the engine; its
-- recogniser is not written yet: docs/rag.md).
--
-- Owns: tables rag_documents, rag_chunks, ocr_jobs, ocr_pages; job queues rag.ingest and
-- ocr.recognize; owner types rag_document and ocr_job of storage (bucket rag-files); the RPCs
-- search_documents, reindex_document, cancel_ocr_job. TN570–TN579 (TN580–TN589 kept for it).
--
-- Who (docs/rag.md): holders of ai.use read documents, chunks and OCR results and search;
-- documents.manage adds, renames and deletes documents and runs OCR jobs. Status, chunks, text
-- and confidence are written only by the jobs (service_role): a tenant cannot forge them.
--
-- Index layout (docs/decisions/0014-rag-index-layout.md, from `npm run bench -- rag`): one HNSW
-- index per supported dimension over every tenant's chunks (partial on `dimensions`, over the
-- embedding cast to that dimension); search_documents scans a small tenant (fewer chunks than
-- setting rag.exact_scan_below_chunks) exactly, and a larger one through the index with
-- hnsw.iterative_scan = relaxed_order, so a tenant in the shared index still gets k results.

-- ---------------------------------------------------------------------------------------------
-- Reference data
-- ---------------------------------------------------------------------------------------------

insert into public.system_settings (key, value, category, description, is_public) values
  ('rag.exact_scan_below_chunks', '20000', 'rag',
   'A tenant with fewer chunks (of one dimension) than this is searched by an exact scan; a larger one through the '
   'shared HNSW index with iterative scans (docs/decisions/0014-rag-index-layout.md).', false),
  ('rag.ef_search', '100', 'rag', 'hnsw.ef_search for document search (candidates the index keeps per step).', false)
on conflict (key) do nothing;

select private.register_job_queue('rag.ingest',
  'Extracts a document''s text, cuts it into chunks, embeds and indexes them', 3, '[5, 30, 120]');
select private.register_job_queue('ocr.recognize',
  'Recognises the text of an image or scanned PDF (tesseract.js) page by page', 3, '[5, 30, 120]');

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) values
  ('rag-files', 'rag-files', false, 20971520,
   array['application/pdf', 'text/plain', 'text/markdown', 'image/png', 'image/jpeg'])
on conflict (id) do nothing;

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.rag_documents (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  title text not null check (char_length(btrim(title)) between 1 and 200),
  -- upload: the file is the document's attachment (bucket rag-files); url: fetched by the job;
  -- text: the body below (pasted, or an OCR job's result).
  source text not null check (source in ('upload', 'url', 'text')),
  source_url text check (source_url is null or (source_url ~* '^https?://' and char_length(source_url) <= 2000)),
  body text check (body is null or char_length(body) <= 2000000),
  status text not null default 'queued' check (status in ('queued', 'extracting', 'embedding', 'ready', 'failed')),
  failure_reason text check (failure_reason is null or char_length(failure_reason) <= 1000),
  -- The embedding model: the in-process one (src/lib/server/rag/embedder.ts) by default.
  embedder text not null default 'local/lexical-hash-384' check (char_length(embedder) between 1 and 200),
  dimensions integer not null default 384 check (dimensions in (384, 1536)),
  content_type text check (content_type is null or char_length(content_type) <= 100),
  char_count integer check (char_count >= 0),
  page_count integer check (page_count >= 0),
  chunk_count integer not null default 0 check (chunk_count >= 0),
  indexed_at timestamptz,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  constraint rag_documents_source_fields check (
    (source = 'url') = (source_url is not null) and (source = 'text') = (body is not null))
);
alter table public.rag_documents enable row level security;
comment on table public.rag_documents is
  'A document of the tenant''s knowledge base (upload, URL or text): its status through ingestion (queued, '
  'extracting, embedding, ready, failed with a reason), the embedding model and the number of chunks.';
create index rag_documents_tenant_created_idx on public.rag_documents (tenant_id, created_at desc);

create table public.rag_chunks (
  tenant_id uuid not null,
  document_id uuid not null,
  -- Position in the document (0 first): the citation is (document, seq, page, heading).
  seq integer not null check (seq between 0 and 100000),
  heading text not null default '' check (char_length(heading) <= 500),
  content text not null check (char_length(content) between 1 and 8000),
  page integer check (page >= 1),
  char_start integer not null check (char_start >= 0),
  char_end integer not null,
  dimensions integer not null check (dimensions in (384, 1536)),
  embedding extensions.vector not null,
  search tsvector generated always as (
    setweight(to_tsvector('english', heading), 'A') || setweight(to_tsvector('english', content), 'B')) stored,
  created_at timestamptz not null default now(),
  primary key (tenant_id, document_id, seq),
  foreign key (tenant_id, document_id) references public.rag_documents (tenant_id, id) on delete cascade,
  check (char_end > char_start),
  check (extensions.vector_dims(embedding) = dimensions)
);
alter table public.rag_chunks enable row level security;
comment on table public.rag_chunks is
  'A chunk of a document: its text, heading and place (sequence, page, characters), its embedding (vector of the '
  'document''s dimension) and full-text vector. Written only by the rag.ingest job.';
-- One HNSW index per supported dimension, shared by every tenant (the layout decision above).
create index rag_chunks_embedding_384_idx on public.rag_chunks
  using hnsw ((embedding::extensions.vector(384)) extensions.vector_cosine_ops) where dimensions = 384;
create index rag_chunks_embedding_1536_idx on public.rag_chunks
  using hnsw ((embedding::extensions.vector(1536)) extensions.vector_cosine_ops) where dimensions = 1536;
create index rag_chunks_search_idx on public.rag_chunks using gin (search);

create table public.ocr_jobs (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  title text not null check (char_length(btrim(title)) between 1 and 200),
  -- tesseract (tesseract.js in-process, English); other engines are documented in docs/rag.md.
  engine text not null default 'tesseract' check (engine in ('tesseract')),
  language text not null default 'eng' check (language in ('eng')),
  -- When set, the recognised text becomes a document of the knowledge base (source text).
  feed_rag boolean not null default false,
  status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  page_count integer check (page_count >= 0),
  pages_done integer not null default 0 check (pages_done >= 0),
  confidence numeric(5, 2) check (confidence between 0 and 100),
  error text check (error is null or char_length(error) <= 1000),
  document_id uuid,
  job_id uuid,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  unique (tenant_id, id),
  foreign key (tenant_id, document_id) references public.rag_documents (tenant_id, id) on delete set null (document_id)
);
alter table public.ocr_jobs enable row level security;
comment on table public.ocr_jobs is
  'An OCR job of an image or scanned PDF (its attachment): engine, language, status and progress (pages done of '
  'pages), mean confidence, error, and the document its text became when feed_rag.';
create index ocr_jobs_tenant_created_idx on public.ocr_jobs (tenant_id, created_at desc);

create table public.ocr_pages (
  tenant_id uuid not null,
  ocr_job_id uuid not null,
  page integer not null check (page >= 1),
  text text not null check (char_length(text) <= 200000),
  confidence numeric(5, 2) not null check (confidence between 0 and 100),
  created_at timestamptz not null default now(),
  primary key (tenant_id, ocr_job_id, page),
  foreign key (tenant_id, ocr_job_id) references public.ocr_jobs (tenant_id, id) on delete cascade
);
alter table public.ocr_pages enable row level security;
comment on table public.ocr_pages is 'The text an OCR job recognised on one page, with tesseract''s mean confidence.';

-- ---------------------------------------------------------------------------------------------
-- Rules and the queue
-- ---------------------------------------------------------------------------------------------

-- TN573: the source's own field (a URL for url, a body for text, neither for upload).
create or replace function private.rag_document_source_ok()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (new.source = 'url') <> (new.source_url is not null) or (new.source = 'text') <> (new.body is not null) then
    raise exception 'A document from a URL needs an http(s) URL, one from text its text, an upload neither'
      using errcode = 'TN573';
  end if;
  return new;
end
$$;

create trigger rag_documents_source_ok before insert on public.rag_documents
  for each row execute function private.rag_document_source_ok();

-- A new document is queued for ingestion in its own transaction (the job exists iff it commits).
create or replace function private.rag_document_queue()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.enqueue_job('rag.ingest', jsonb_build_object('document_id', new.id), p_tenant_id => new.tenant_id);
  return null;
end
$$;

create trigger rag_documents_queue after insert on public.rag_documents
  for each row execute function private.rag_document_queue();

create or replace function private.ocr_job_queue()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.job_id := private.enqueue_job('ocr.recognize', jsonb_build_object('ocr_job_id', new.id), p_tenant_id => new.tenant_id);
  return new;
end
$$;

create trigger ocr_jobs_queue before insert on public.ocr_jobs
  for each row execute function private.ocr_job_queue();

comment on function private.rag_document_source_ok() is 'BEFORE INSERT on rag_documents: TN573 unless the source has its own field.';
comment on function private.rag_document_queue() is 'AFTER INSERT on rag_documents: queues its rag.ingest job.';
comment on function private.ocr_job_queue() is 'BEFORE INSERT on ocr_jobs: queues its ocr.recognize job and keeps its id (the job exists iff the row commits).';

create trigger rag_documents_immutable_columns before update on public.rag_documents
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'source', 'source_url', 'body',
    'created_by', 'created_at');
create trigger rag_chunks_immutable_columns before update on public.rag_chunks
  for each row execute function private.forbid_column_changes('tenant_id', 'document_id', 'seq', 'created_at');
create trigger ocr_jobs_immutable_columns before update on public.ocr_jobs
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'engine', 'language', 'feed_rag',
    'created_by', 'created_at');
create trigger ocr_pages_immutable_columns before update on public.ocr_pages
  for each row execute function private.forbid_column_changes('tenant_id', 'ocr_job_id', 'page', 'created_at');

-- Documents and OCR jobs are audited (a pasted body is content, kept out of the chained rows);
-- chunks and pages are derived from them by the jobs.
select private.enable_audit('public.rag_documents', 'tenant_id', '{id}', '{updated_at,body}');
select private.enable_audit('public.ocr_jobs', 'tenant_id', '{id}', '{updated_at,pages_done}');

-- ---------------------------------------------------------------------------------------------
-- Grants and policies
-- ---------------------------------------------------------------------------------------------

revoke all on public.rag_documents, public.rag_chunks, public.ocr_jobs, public.ocr_pages
  from anon, authenticated, service_role;
grant select, delete on public.rag_documents, public.ocr_jobs to authenticated, service_role;
grant select on public.rag_chunks, public.ocr_pages to authenticated, service_role;
grant insert (tenant_id, title, source, source_url, body, embedder, dimensions) on public.rag_documents
  to authenticated, service_role;
grant update (title) on public.rag_documents to authenticated;
grant update (title, status, failure_reason, content_type, char_count, page_count, chunk_count, indexed_at, updated_at)
  on public.rag_documents to service_role;
grant insert, delete on public.rag_chunks, public.ocr_pages to service_role;
grant insert (tenant_id, title, engine, language, feed_rag) on public.ocr_jobs to authenticated, service_role;
grant update (status, page_count, pages_done, confidence, error, document_id, job_id, updated_at, finished_at)
  on public.ocr_jobs to service_role;

create policy rag_documents_select_permitted on public.rag_documents
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.use')))
         or private.tenant_in(tenant_id, (select private.permitted_tenant_ids('documents.manage'))));
create policy rag_documents_insert_permitted on public.rag_documents
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('documents.manage'))));
create policy rag_documents_update_permitted on public.rag_documents
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('documents.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('documents.manage'))));
create policy rag_documents_delete_permitted on public.rag_documents
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('documents.manage'))));
create policy rag_chunks_select_permitted on public.rag_chunks
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.use')))
         or private.tenant_in(tenant_id, (select private.permitted_tenant_ids('documents.manage'))));
create policy ocr_jobs_select_permitted on public.ocr_jobs
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.use')))
         or private.tenant_in(tenant_id, (select private.permitted_tenant_ids('documents.manage'))));
create policy ocr_jobs_insert_permitted on public.ocr_jobs
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('documents.manage'))));
create policy ocr_jobs_delete_permitted on public.ocr_jobs
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('documents.manage'))));
create policy ocr_pages_select_permitted on public.ocr_pages
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.use')))
         or private.tenant_in(tenant_id, (select private.permitted_tenant_ids('documents.manage'))));

create policy rag_documents_select_mfa on public.rag_documents
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy rag_documents_insert_mfa on public.rag_documents
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy rag_documents_update_mfa on public.rag_documents
  as restrictive for update to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy rag_documents_delete_mfa on public.rag_documents
  as restrictive for delete to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy rag_chunks_select_mfa on public.rag_chunks
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy ocr_jobs_select_mfa on public.ocr_jobs
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy ocr_jobs_insert_mfa on public.ocr_jobs
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy ocr_jobs_delete_mfa on public.ocr_jobs
  as restrictive for delete to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy ocr_pages_select_mfa on public.ocr_pages
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));

-- ---------------------------------------------------------------------------------------------
-- Search
-- ---------------------------------------------------------------------------------------------

-- How search_documents scans a tenant's chunks of one dimension: exactly when it holds fewer than
-- rag.exact_scan_below_chunks, and the ef_search to use (the settings are not the caller's to read).
create or replace function private.rag_scan_plan(p_tenant_id uuid, p_dims integer, out exact boolean, out ef_search text)
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(sum(d.chunk_count), 0)
           < coalesce((private.setting('rag.exact_scan_below_chunks') #>> '{}')::bigint, 20000),
         coalesce(private.setting('rag.ef_search') #>> '{}', '100')
  from public.rag_documents d
  where d.tenant_id = p_tenant_id and d.dimensions = p_dims
    and (private.holds_permission('ai.use', p_tenant_id) or private.holds_permission('documents.manage', p_tenant_id))
$$;

comment on function private.rag_scan_plan(uuid, integer) is
  'search_documents'' scan of a tenant''s chunks of one dimension: exact below rag.exact_scan_below_chunks chunks, '
  'and hnsw.ef_search (rag.ef_search). Nothing for a tenant the caller may not search.';
revoke all on function private.rag_scan_plan(uuid, integer) from public, anon;
grant execute on function private.rag_scan_plan(uuid, integer) to authenticated, service_role;

-- The caller's tenant's chunks nearest to a query, by vector (cosine) and full-text rank fused by
-- reciprocal rank (1 / (60 + rank) summed; a chunk found by only one side counts that side's).
-- Security invoker: the rag_chunks policies decide what it sees, and the tenant is a filter of
-- both sides besides — no argument (a crafted embedding included) reaches another tenant.
create or replace function public.search_documents(
  p_tenant_id uuid, p_query text, p_embedding extensions.vector, p_k integer default 10)
returns table (
  document_id uuid, title text, seq integer, heading text, page integer, content text,
  score double precision, vector_rank integer, text_rank integer, distance double precision)
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_dims integer;
  v_plan record;
  v_pool integer := greatest(p_k * 4, 40);
  v_distance text;
begin
  if not (private.holds_permission('ai.use', p_tenant_id) or private.holds_permission('documents.manage', p_tenant_id)) then
    raise exception 'You may not search this organisation''s documents' using errcode = 'TN570';
  end if;
  if p_k is null or p_k not between 1 and 50 or p_query is null or char_length(p_query) not between 1 and 2000 then
    raise exception 'A search needs a query of 1–2000 characters and 1–50 results' using errcode = 'TN572';
  end if;
  v_dims := case when p_embedding is null then null else extensions.vector_dims(p_embedding) end;
  if v_dims is null or v_dims not in (384, 1536) then
    raise exception 'The query embedding has % dimensions; documents are embedded in 384 or 1536', coalesce(v_dims, 0)
      using errcode = 'TN571';
  end if;
  select * into v_plan from private.rag_scan_plan(p_tenant_id, v_dims);
  perform set_config('hnsw.iterative_scan', 'relaxed_order', true);
  perform set_config('hnsw.ef_search', v_plan.ef_search, true);
  -- The index is over the embedding cast to its dimension: that expression uses it, the bare
  -- column (exact scan of the tenant's rows, found through the primary key) does not.
  v_distance := case when v_plan.exact then 'c.embedding operator(extensions.<=>) $2'
                     else format('c.embedding::extensions.vector(%s) operator(extensions.<=>) $2::extensions.vector(%s)',
                                 v_dims, v_dims) end;
  return query execute format($q$
    with nearest as materialized (
      select c.document_id, c.seq, %1$s as distance
      from public.rag_chunks c
      where c.tenant_id = $1 and c.dimensions = %2$s
      order by %1$s
      limit $3
    ),
    vector_side as (
      select n.document_id, n.seq, n.distance, row_number() over (order by n.distance)::integer as rank
      from nearest n
    ),
    text_side as (
      select c.document_id, c.seq,
             row_number() over (order by ts_rank_cd(c.search, q.query) desc, c.document_id, c.seq)::integer as rank
      from public.rag_chunks c, websearch_to_tsquery('english', $4) q (query)
      where c.tenant_id = $1 and c.dimensions = %2$s and c.search @@ q.query
      order by ts_rank_cd(c.search, q.query) desc, c.document_id, c.seq
      limit $3
    ),
    fused as (
      select coalesce(v.document_id, t.document_id) as document_id, coalesce(v.seq, t.seq) as seq,
             coalesce(1.0 / (60 + v.rank), 0) + coalesce(1.0 / (60 + t.rank), 0) as score,
             v.rank as vector_rank, t.rank as text_rank, v.distance
      from vector_side v full join text_side t on t.document_id = v.document_id and t.seq = v.seq
    )
    select f.document_id, d.title, f.seq, c.heading, c.page, c.content, f.score::double precision,
           f.vector_rank, f.text_rank, f.distance::double precision
    from fused f
    join public.rag_chunks c on c.tenant_id = $1 and c.document_id = f.document_id and c.seq = f.seq
    join public.rag_documents d on d.tenant_id = $1 and d.id = f.document_id
    order by f.score desc, f.distance nulls last, f.document_id, f.seq
    limit $5
  $q$, v_distance, v_dims)
  using p_tenant_id, p_embedding, v_pool, p_query, p_k;
end
$$;

comment on function public.search_documents(uuid, text, extensions.vector, integer) is
  'Hybrid search of the caller''s tenant''s chunks: vector (cosine; exact for a small tenant, HNSW with iterative '
  'scan otherwise) and full-text, fused by reciprocal rank; each row cites its document, sequence, heading and page. '
  'TN570 without ai.use or documents.manage; TN571 for an embedding of an unsupported dimension; TN572 for a bad '
  'query or k.';

-- Queue a document's ingestion again (a failed one, or a ready one after the embedder changed).
create or replace function public.reindex_document(p_document_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_doc public.rag_documents;
begin
  select * into v_doc from public.rag_documents d where d.id = p_document_id for update;
  if v_doc.id is null or not private.holds_permission('documents.manage', v_doc.tenant_id)
     or v_doc.tenant_id in (select private.mfa_blocked_tenant_ids()) then
    raise exception 'No such document, or you may not manage it' using errcode = 'TN574';
  end if;
  if v_doc.status not in ('ready', 'failed') then
    raise exception 'The document is being indexed already' using errcode = 'TN575';
  end if;
  update public.rag_documents set status = 'queued', failure_reason = null, updated_at = now() where id = v_doc.id;
  perform private.enqueue_job('rag.ingest', jsonb_build_object('document_id', v_doc.id), p_tenant_id => v_doc.tenant_id);
end
$$;

comment on function public.reindex_document(uuid) is
  'Queues a ready or failed document for ingestion again (documents.manage): TN574 unknown or not permitted, TN575 '
  'already queued or being indexed.';

-- Cancel an OCR job that has not finished: its queue job too (the worker's lease is lost, so a
-- running recognition stops at its next page).
create or replace function public.cancel_ocr_job(p_ocr_job_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.ocr_jobs;
begin
  select * into v_job from public.ocr_jobs o where o.id = p_ocr_job_id for update;
  if v_job.id is null or not private.holds_permission('documents.manage', v_job.tenant_id)
     or v_job.tenant_id in (select private.mfa_blocked_tenant_ids()) then
    raise exception 'No such OCR job, or you may not manage it' using errcode = 'TN576';
  end if;
  if v_job.status not in ('queued', 'running') then
    raise exception 'The OCR job has finished already' using errcode = 'TN577';
  end if;
  update public.ocr_jobs set status = 'cancelled', finished_at = now(), updated_at = now() where id = v_job.id;
  if v_job.job_id is not null then
    perform private.cancel_job(v_job.job_id);
  end if;
end
$$;

comment on function public.cancel_ocr_job(uuid) is
  'Cancels a queued or running OCR job and its queue job (documents.manage): TN576 unknown or not permitted, TN577 '
  'finished already.';

revoke all on function public.search_documents(uuid, text, extensions.vector, integer), public.reindex_document(uuid),
  public.cancel_ocr_job(uuid) from public, anon;
grant execute on function public.search_documents(uuid, text, extensions.vector, integer), public.reindex_document(uuid),
  public.cancel_ocr_job(uuid) to authenticated, service_role;
revoke all on function private.rag_document_source_ok(), private.rag_document_queue(), private.ocr_job_queue()
  from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Attachments (docs/storage.md): a document's file and an OCR job's image are read by whoever
-- reads the document or job and added by documents.manage; they go with their owner.
-- ---------------------------------------------------------------------------------------------

insert into public.attachment_owners (owner_type, bucket, module, description) values
  ('rag_document', 'rag-files', 'rag', 'The file a knowledge-base document was made from.'),
  ('ocr_job', 'rag-files', 'rag', 'The image or scanned PDF an OCR job reads.');

create or replace function private.may_read_rag_document(p_tenant_id uuid, p_owner_id uuid)
returns boolean language sql stable security definer set search_path = '' as $$
  select (private.holds_permission('ai.use', p_tenant_id) or private.holds_permission('documents.manage', p_tenant_id))
     and exists (select 1 from public.rag_documents d where d.tenant_id = p_tenant_id and d.id = p_owner_id)
$$;
create or replace function private.may_write_rag_document(p_tenant_id uuid, p_owner_id uuid)
returns boolean language sql stable security definer set search_path = '' as $$
  select private.holds_permission('documents.manage', p_tenant_id)
     and exists (select 1 from public.rag_documents d where d.tenant_id = p_tenant_id and d.id = p_owner_id)
$$;
create or replace function private.may_read_ocr_job(p_tenant_id uuid, p_owner_id uuid)
returns boolean language sql stable security definer set search_path = '' as $$
  select (private.holds_permission('ai.use', p_tenant_id) or private.holds_permission('documents.manage', p_tenant_id))
     and exists (select 1 from public.ocr_jobs o where o.tenant_id = p_tenant_id and o.id = p_owner_id)
$$;
create or replace function private.may_write_ocr_job(p_tenant_id uuid, p_owner_id uuid)
returns boolean language sql stable security definer set search_path = '' as $$
  select private.holds_permission('documents.manage', p_tenant_id)
     and exists (select 1 from public.ocr_jobs o where o.tenant_id = p_tenant_id and o.id = p_owner_id)
$$;
comment on function private.may_read_rag_document(uuid, uuid) is 'Storage''s question for owner type rag_document: ai.use or documents.manage.';
comment on function private.may_write_rag_document(uuid, uuid) is 'Storage''s question for owner type rag_document: documents.manage.';
comment on function private.may_read_ocr_job(uuid, uuid) is 'Storage''s question for owner type ocr_job: ai.use or documents.manage.';
comment on function private.may_write_ocr_job(uuid, uuid) is 'Storage''s question for owner type ocr_job: documents.manage.';

create or replace function private.rag_files_go()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.delete_owner_attachments(tg_argv[0], old.tenant_id, old.id);
  return null;
end
$$;
comment on function private.rag_files_go() is 'AFTER DELETE on rag_documents and ocr_jobs: their files go with them.';

create trigger rag_documents_files_go after delete on public.rag_documents
  for each row execute function private.rag_files_go('rag_document');
create trigger ocr_jobs_files_go after delete on public.ocr_jobs
  for each row execute function private.rag_files_go('ocr_job');

revoke all on function private.may_read_rag_document(uuid, uuid), private.may_write_rag_document(uuid, uuid),
  private.may_read_ocr_job(uuid, uuid), private.may_write_ocr_job(uuid, uuid), private.rag_files_go()
  from public, anon, authenticated, service_role;
