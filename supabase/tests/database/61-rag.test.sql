-- RAG and OCR (20261205000600_rag.sql): the persona matrix of the four tables (ai.use reads,
-- documents.manage writes documents and OCR jobs, only the jobs write status, chunks and pages);
-- search_documents sees only the caller's tenant by every path (its tenant argument, a crafted
-- embedding, the exact and the index scan, PostgREST's direct select); the input rules and their
-- codes; ingestion and OCR queued on the shared queue; reindex and cancel.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor and
-- project editor of web; globex: frank owner, gina developer; erin in no tenant; sue support staff).
begin;
select plan(218);

select tests.seed_fixture();

-- A 384-dimension unit-ish vector pointing mostly along axis k.
create function pg_temp.vec(k integer) returns text language sql as $$
  select '[' || string_agg(case when i = k then '1' else '0.01' end, ',' order by i) || ']'
  from generate_series(1, 384) i
$$;
create function pg_temp.doc(p_title text) returns uuid language sql as $$
  select d.id from public.rag_documents d where d.title = p_title
$$;
create function pg_temp.ocr(p_title text) returns uuid language sql as $$
  select o.id from public.ocr_jobs o where o.title = p_title
$$;

-- The fixture's documents: acme A1 (three chunks), globex G1 (one chunk, embedded exactly like
-- acme's first); an OCR job and its page on each side.
select is(tests.do_as('alice', format($$insert into public.rag_documents (tenant_id, title, source, body) values (%L, 'A1', 'text', 'Refund policy')$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'alice adds a text document');
select is(tests.do_as('frank', format($$insert into public.rag_documents (tenant_id, title, source, source_url) values (%L, 'G1', 'url', 'http://127.0.0.1:9/g1')$$,
  tests.tenant_id('test-globex'))), 'ok:1', 'frank adds a document by URL');
select is((select status from public.rag_documents where title = 'A1'), 'queued', 'a new document is queued');
select is((select count(*)::int from public.jobs where queue = 'rag.ingest' and payload ->> 'document_id' in (pg_temp.doc('A1')::text, pg_temp.doc('G1')::text)),
  2, 'and its ingestion job is on the shared queue, one per document');
select is(tests.do_as('service_role', format($$insert into public.rag_chunks (tenant_id, document_id, seq, heading, content, char_start, char_end, dimensions, embedding) values
  (%1$L, %2$L, 0, 'Refunds', 'Refunds are paid within fourteen days of the return.', 0, 52, 384, %3$L),
  (%1$L, %2$L, 1, 'Shipping', 'Parcels ship from the warehouse in Leeds.', 52, 93, 384, %4$L),
  (%1$L, %2$L, 2, 'Contact', 'Write to the helpdesk about anything else.', 93, 136, 384, %5$L)$$,
  tests.tenant_id('test-acme'), pg_temp.doc('A1'), pg_temp.vec(1), pg_temp.vec(2), pg_temp.vec(3))), 'ok:3', 'the job writes A1''s chunks');
select is(tests.do_as('service_role', format($$insert into public.rag_chunks (tenant_id, document_id, seq, content, char_start, char_end, dimensions, embedding) values
  (%L, %L, 0, 'Globex secret: refunds never happen.', 0, 36, 384, %L)$$,
  tests.tenant_id('test-globex'), pg_temp.doc('G1'), pg_temp.vec(1))), 'ok:1', 'and G1''s');
select is(tests.do_as('service_role', $$update public.rag_documents set status = 'ready', chunk_count = case title when 'A1' then 3 else 1 end where title in ('A1', 'G1')$$),
  'ok:2', 'both documents are ready');
select is(tests.do_as('alice', format($$insert into public.ocr_jobs (tenant_id, title, feed_rag) values (%L, 'O1', true)$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'alice starts an OCR job');
select is(tests.do_as('frank', format($$insert into public.ocr_jobs (tenant_id, title) values (%L, 'O2')$$,
  tests.tenant_id('test-globex'))), 'ok:1', 'frank starts one');
select is((select j.queue || ':' || (j.payload ->> 'ocr_job_id') from public.jobs j join public.ocr_jobs o on o.job_id = j.id where o.title = 'O1'),
  'ocr.recognize:' || pg_temp.ocr('O1'), 'an OCR job is queued on ocr.recognize and keeps its queue job''s id');
select is(tests.do_as('service_role', format($$insert into public.ocr_pages (tenant_id, ocr_job_id, page, text, confidence) values (%L, %L, 1, 'Scanned invoice', 91.5), (%L, %L, 1, 'Globex scan', 88)$$,
  tests.tenant_id('test-acme'), pg_temp.ocr('O1'), tests.tenant_id('test-globex'), pg_temp.ocr('O2'))), 'ok:2', 'the OCR job writes its pages');

-- ---------------------------------------------------------------------------------------------
-- The persona matrix (fixture tenants only, so the seed's rows never count)
-- ---------------------------------------------------------------------------------------------

create temp table matrix_cases (tbl text, op text, stmt text);
insert into matrix_cases
select c.tbl, c.op, replace(replace(replace(replace(replace(c.stmt,
  ':fixture', quote_literal(tests.fixture_tenant_ids()::text)),
  ':acme', quote_literal(tests.tenant_id('test-acme'))),
  ':a1', quote_literal(pg_temp.doc('A1'))),
  ':o1', quote_literal(pg_temp.ocr('O1'))),
  ':vec', quote_literal(pg_temp.vec(5)))
from (values
  ('rag_documents', 'select', 'select id from public.rag_documents where tenant_id = any (:fixture::uuid[])'),
  ('rag_documents', 'insert', 'insert into public.rag_documents (tenant_id, title, source, body) values (:acme, ''Probe'', ''text'', ''x'')'),
  ('rag_documents', 'update', 'update public.rag_documents set title = title || ''!'' where tenant_id = any (:fixture::uuid[])'),
  ('rag_documents', 'delete', 'delete from public.rag_documents where tenant_id = any (:fixture::uuid[])'),
  ('rag_chunks', 'select', 'select seq from public.rag_chunks where tenant_id = any (:fixture::uuid[])'),
  ('rag_chunks', 'insert', 'insert into public.rag_chunks (tenant_id, document_id, seq, content, char_start, char_end, dimensions, embedding) values (:acme, :a1, 9, ''x'', 0, 1, 384, :vec)'),
  ('rag_chunks', 'update', 'update public.rag_chunks set content = ''forged'' where tenant_id = any (:fixture::uuid[])'),
  ('rag_chunks', 'delete', 'delete from public.rag_chunks where tenant_id = any (:fixture::uuid[])'),
  ('ocr_jobs', 'select', 'select id from public.ocr_jobs where tenant_id = any (:fixture::uuid[])'),
  ('ocr_jobs', 'insert', 'insert into public.ocr_jobs (tenant_id, title) values (:acme, ''Probe'')'),
  ('ocr_jobs', 'update', 'update public.ocr_jobs set status = ''succeeded'' where tenant_id = any (:fixture::uuid[])'),
  ('ocr_jobs', 'delete', 'delete from public.ocr_jobs where tenant_id = any (:fixture::uuid[])'),
  ('ocr_pages', 'select', 'select page from public.ocr_pages where tenant_id = any (:fixture::uuid[])'),
  ('ocr_pages', 'insert', 'insert into public.ocr_pages (tenant_id, ocr_job_id, page, text, confidence) values (:acme, :o1, 2, ''x'', 50)'),
  ('ocr_pages', 'update', 'update public.ocr_pages set text = ''forged'' where tenant_id = any (:fixture::uuid[])'),
  ('ocr_pages', 'delete', 'delete from public.ocr_pages where tenant_id = any (:fixture::uuid[])')
) as c (tbl, op, stmt);

create temp table matrix_expected (tbl text, persona text, select_result text, insert_result text, update_result text, delete_result text);
insert into matrix_expected values
  ('rag_documents', 'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('rag_documents', 'alice',         'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('rag_documents', 'bob',           'rows:1', 'ok:1', 'ok:1', 'ok:1'),
  ('rag_documents', 'carol',         'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('rag_documents', 'dave',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('rag_documents', 'erin',          'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('rag_documents', 'frank',         'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('rag_documents', 'gina',          'rows:1', 'error:42501', 'ok:1', 'ok:1'),
  ('rag_documents', 'sue',           'rows:0', 'error:42501', 'ok:0', 'ok:0'),
  ('rag_documents', 'service_role',  'rows:2', 'ok:1', 'ok:2', 'ok:2'),
  ('rag_chunks', 'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('rag_chunks', 'alice',         'rows:3', 'error:42501', 'error:42501', 'error:42501'),
  ('rag_chunks', 'bob',           'rows:3', 'error:42501', 'error:42501', 'error:42501'),
  ('rag_chunks', 'carol',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('rag_chunks', 'dave',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('rag_chunks', 'erin',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('rag_chunks', 'frank',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('rag_chunks', 'gina',          'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('rag_chunks', 'sue',           'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('rag_chunks', 'service_role',  'rows:4', 'ok:1', 'error:42501', 'ok:4'),
  ('ocr_jobs', 'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('ocr_jobs', 'alice',         'rows:1', 'ok:1', 'error:42501', 'ok:1'),
  ('ocr_jobs', 'bob',           'rows:1', 'ok:1', 'error:42501', 'ok:1'),
  ('ocr_jobs', 'carol',         'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('ocr_jobs', 'dave',          'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('ocr_jobs', 'erin',          'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('ocr_jobs', 'frank',         'rows:1', 'error:42501', 'error:42501', 'ok:1'),
  ('ocr_jobs', 'gina',          'rows:1', 'error:42501', 'error:42501', 'ok:1'),
  ('ocr_jobs', 'sue',           'rows:0', 'error:42501', 'error:42501', 'ok:0'),
  ('ocr_jobs', 'service_role',  'rows:2', 'ok:1', 'ok:2', 'ok:2'),
  ('ocr_pages', 'anon',          'error:42501', 'error:42501', 'error:42501', 'error:42501'),
  ('ocr_pages', 'alice',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('ocr_pages', 'bob',           'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('ocr_pages', 'carol',         'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('ocr_pages', 'dave',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('ocr_pages', 'erin',          'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('ocr_pages', 'frank',         'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('ocr_pages', 'gina',          'rows:1', 'error:42501', 'error:42501', 'error:42501'),
  ('ocr_pages', 'sue',           'rows:0', 'error:42501', 'error:42501', 'error:42501'),
  ('ocr_pages', 'service_role',  'rows:2', 'ok:1', 'error:42501', 'ok:2');

select * from tests.persona_matrix();

-- ---------------------------------------------------------------------------------------------
-- What only the jobs write: status, counts, chunks, text and confidence
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', $$update public.rag_documents set status = 'ready' where title = 'A1'$$), 'error:42501',
  'a manager cannot set a document''s status');
select is(tests.try_as('alice', $$update public.rag_documents set chunk_count = 1000 where title = 'A1'$$), 'error:42501',
  'nor its chunk count');
select is(tests.try_as('alice', $$update public.ocr_jobs set confidence = 100 where title = 'O1'$$), 'error:42501',
  'nor an OCR job''s confidence');
select is(tests.try_as('alice', $$update public.rag_documents set body = 'swapped' where title = 'A1'$$), 'error:42501',
  'nor a document''s text (only its title)');
select is(tests.try_as('service_role', $$update public.rag_documents set status = 'failed' where title = 'A1'$$), 'ok:1',
  'the job does');

-- ---------------------------------------------------------------------------------------------
-- Search: the caller's tenant only, by every path
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', format($$select * from public.search_documents(%L, 'refunds', %L, 10)$$,
  tests.tenant_id('test-acme'), pg_temp.vec(1))), 'rows:3', 'alice''s search finds her tenant''s three chunks');
select is(tests.try_as('frank', format($$select * from public.search_documents(%L, 'refunds', %L, 10)$$,
  tests.tenant_id('test-acme'), pg_temp.vec(1))), 'error:TN570', 'frank cannot search acme by naming it');
select is(tests.try_as('carol', format($$select * from public.search_documents(%L, 'refunds', %L, 10)$$,
  tests.tenant_id('test-acme'), pg_temp.vec(1))), 'error:TN570', 'nor can carol, a member without ai.use');
select is(tests.try_as('anon', format($$select * from public.search_documents(%L, 'refunds', %L, 10)$$,
  tests.tenant_id('test-acme'), pg_temp.vec(1))), 'error:42501', 'anon cannot call the search at all');
select is(tests.try_as('sue', format($$select * from public.search_documents(%L, 'refunds', %L, 10)$$,
  tests.tenant_id('test-acme'), pg_temp.vec(1))), 'error:TN570', 'nor support staff');

-- The remaining assertions read results as the persona: a helper that runs a search as someone.
create function pg_temp.search_as(p_persona text, p_tenant text, p_query text, p_vec text, p_k integer default 10,
  p_exact_below integer default 20000)
returns table (title text, seq integer, content text, vector_rank integer, text_rank integer)
language plpgsql as $$
begin
  update public.system_settings set value = to_jsonb(p_exact_below) where key = 'rag.exact_scan_below_chunks';
  perform tests.authenticate_as(p_persona);
  return query select s.title, s.seq, s.content, s.vector_rank, s.text_rank
    from public.search_documents(tests.tenant_id(p_tenant), p_query, p_vec::extensions.vector, p_k) s;
  perform tests.clear_authentication();
end
$$;

select results_eq(
  $$select title, seq from pg_temp.search_as('frank', 'test-globex', 'refunds', pg_temp.vec(1))$$,
  $$values ('G1', 0)$$,
  'a crafted embedding equal to acme''s chunk finds only globex''s own chunk (exact scan)');
select results_eq(
  $$select title, seq from pg_temp.search_as('frank', 'test-globex', 'refunds', pg_temp.vec(1), 10, 0)$$,
  $$values ('G1', 0)$$,
  'and the same through the shared HNSW index');
select results_eq(
  $$select seq from pg_temp.search_as('alice', 'test-acme', 'warehouse', pg_temp.vec(1), 10, 0)$$,
  $$values (1), (0), (2)$$,
  'through the index a tenant in the shared index still gets all its chunks (iterative scan), the text match first');
select results_eq(
  $$select seq, vector_rank, text_rank from pg_temp.search_as('alice', 'test-acme', 'warehouse', pg_temp.vec(1))$$,
  $$values (1, 2, 1), (0, 1, null::integer), (2, 3, null)$$,
  'hybrid: the full-text match and the nearest vector fuse by reciprocal rank, each side''s rank cited');
select results_eq(
  $$select seq from pg_temp.search_as('alice', 'test-acme', 'nothing matches this', pg_temp.vec(3), 2)$$,
  $$values (2), (0)$$,
  'k limits the results, nearest first when no text matches');
select is((select count(*)::int from pg_temp.search_as('bob', 'test-acme', 'secret globex', pg_temp.vec(1))
           where content like 'Globex%'), 0, 'no search of acme''s ever returns globex''s text');
select is(tests.try_as('alice', format($$select * from public.search_documents(%L, 'x', '[1,2,3]', 10)$$,
  tests.tenant_id('test-acme'))), 'error:TN571', 'an embedding of an unsupported dimension is refused (TN571)');
select is(tests.try_as('alice', format($$select * from public.search_documents(%L, 'x', %L, 0)$$,
  tests.tenant_id('test-acme'), pg_temp.vec(1))), 'error:TN572', 'k outside 1–50 is refused (TN572)');
select is(tests.try_as('alice', format($$select * from public.search_documents(%L, '', %L, 5)$$,
  tests.tenant_id('test-acme'), pg_temp.vec(1))), 'error:TN572', 'and an empty query');
select is(
  (select tests.do_as('alice', format($$select * from public.search_documents(%L, 'x', %L, 1) where current_setting('hnsw.iterative_scan') = 'relaxed_order'$$,
   tests.tenant_id('test-acme'), pg_temp.vec(1)))),
  'ok:1', 'the search turns pgvector''s iterative scan on for its transaction');
select is(tests.try_as('frank', format($$select seq from public.rag_chunks where tenant_id = %L$$, tests.tenant_id('test-acme'))),
  'rows:0', 'PostgREST''s path (a direct select naming acme) shows frank nothing');

-- ---------------------------------------------------------------------------------------------
-- Input rules, reindex and cancel
-- ---------------------------------------------------------------------------------------------

select is(tests.try_as('alice', format($$insert into public.rag_documents (tenant_id, title, source) values (%L, 'No URL', 'url')$$,
  tests.tenant_id('test-acme'))), 'error:TN573', 'a URL document needs its URL (TN573)');
select is(tests.try_as('alice', format($$insert into public.rag_documents (tenant_id, title, source, body) values (%L, 'Both', 'upload', 'x')$$,
  tests.tenant_id('test-acme'))), 'error:TN573', 'an upload has no body');
select is(tests.try_as('alice', format($$insert into public.rag_documents (tenant_id, title, source, source_url) values (%L, 'FTP', 'url', 'ftp://example.test/x')$$,
  tests.tenant_id('test-acme'))), 'error:23514', 'only http(s) URLs');
select is(tests.try_as('alice', format($$insert into public.rag_documents (tenant_id, title, source, body, dimensions) values (%L, 'Odd', 'text', 'x', 100)$$,
  tests.tenant_id('test-acme'))), 'error:23514', 'only the supported dimensions');
select is(tests.try_as('alice', format($$insert into public.ocr_jobs (tenant_id, title, engine) values (%L, 'Other engine', 'paddle')$$,
  tests.tenant_id('test-acme'))), 'error:23514', 'an OCR job names a supported engine');

select is(tests.try_as('frank', format($$select public.reindex_document(%L)$$, pg_temp.doc('A1'))), 'error:TN574',
  'frank cannot reindex acme''s document (TN574)');
select is(tests.try_as('carol', format($$select public.reindex_document(%L)$$, pg_temp.doc('A1'))), 'error:TN574',
  'nor can carol');
select is(tests.do_as('alice', format($$select public.reindex_document(%L)$$, pg_temp.doc('A1'))), 'ok:1',
  'alice queues her failed document again');
select is((select status from public.rag_documents where title = 'A1'), 'queued', 'it is queued');
select is(tests.try_as('alice', format($$select public.reindex_document(%L)$$, pg_temp.doc('A1'))), 'error:TN575',
  'and cannot be queued twice (TN575)');

select is(tests.try_as('frank', format($$select public.cancel_ocr_job(%L)$$, pg_temp.ocr('O1'))), 'error:TN576',
  'frank cannot cancel acme''s OCR job (TN576)');
select is(tests.do_as('alice', format($$select public.cancel_ocr_job(%L)$$, pg_temp.ocr('O1'))), 'ok:1',
  'alice cancels hers');
select is((select o.status || '/' || j.status from public.ocr_jobs o join public.jobs j on j.id = o.job_id where o.title = 'O1'),
  'cancelled/cancelled', 'the OCR job and its queue job are cancelled');
select is(tests.try_as('alice', format($$select public.cancel_ocr_job(%L)$$, pg_temp.ocr('O1'))), 'error:TN577',
  'a finished OCR job cannot be cancelled again (TN577)');

select is(tests.do_as('alice', $$delete from public.rag_documents where title = 'A1'$$), 'ok:1', 'alice deletes A1');
select is((select count(*)::int from public.rag_chunks where document_id not in (select id from public.rag_documents)),
  0, 'its chunks go with it');

-- Asking (20261206000600_ai_more.sql): prepare_ask creates the tenant's rag.ask template once, for
-- holders of ai.use only, and names no model while the tenant has no chat provider.
select is(tests.try_as('frank', format($$select public.prepare_ask(%L)$$, tests.tenant_id('test-acme'))), 'error:TN563',
  'frank cannot ask about acme''s documents (TN563)');
select is(tests.try_as('carol', format($$select public.prepare_ask(%L)$$, tests.tenant_id('test-acme'))), 'error:TN563',
  'nor can carol, without ai.use');
select is(tests.do_as('alice', format($$select public.prepare_ask(%L)$$, tests.tenant_id('test-acme'))), 'ok:1',
  'alice asks');
select is(tests.do_as('bob', format($$select public.prepare_ask(%L)$$, tests.tenant_id('test-acme'))), 'ok:1',
  'and bob after her');
select is((select count(*)::int || '/' || max(t.latest_version) from public.prompt_templates t
           where t.tenant_id = tests.tenant_id('test-acme') and t.key = 'rag.ask'), '1/1',
  'acme has one rag.ask template, at version 1');
select is((select v.variables @> '[{"name": "sources"}, {"name": "question"}]' and v.instructions !~ '\{\{'
           from public.prompt_template_versions v join public.prompt_templates t on t.id = v.template_id
           where t.tenant_id = tests.tenant_id('test-acme') and t.key = 'rag.ask'), true,
  'its version takes the sources and the question as variables, never in the instructions');
select is((select count(*)::int from public.prompt_templates t
           where t.tenant_id = tests.tenant_id('test-globex') and t.key = 'rag.ask'), 0,
  'globex has none: nobody there asked');
select is(tests.do_as('alice', format($$select 1 / (case when p.model_id is null then 1 else 0 end) from public.prepare_ask(%L) p$$,
  tests.tenant_id('test-acme'))), 'ok:1',
  'without chat provider access, no model is named (the page answers with passages)');

-- ef_search by the tenant's size (20261206000600_ai_more.sql): the floor for a small tenant, the
-- ceiling whatever the size.
select is(tests.do_as('alice', format($$select 1 / (case when p.ef_search = '100' then 1 else 0 end) from private.rag_scan_plan(%L, 384) p$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'a small tenant searches with ef_search rag.ef_search (100)');
update public.system_settings set value = '2' where key = 'rag.ef_search_max';
select is(tests.do_as('alice', format($$select 1 / (case when p.ef_search = '2' then 1 else 0 end) from private.rag_scan_plan(%L, 384) p$$,
  tests.tenant_id('test-acme'))), 'ok:1', 'and never above rag.ef_search_max');
update public.system_settings set value = '400' where key = 'rag.ef_search_max';

select * from finish();
rollback;
