-- RAG demo data (docs/rag.md), after supabase/seed.sql: two of Acme's documents as pasted text,
-- queued for ingestion — the runtime's worker extracts, chunks and embeds them, so /t/acme/documents
-- shows them ready and answers "how fast are refunds paid?". Idempotent: fixed ids, `on conflict do
-- nothing` (a skipped row queues no second job).

insert into public.rag_documents (id, tenant_id, title, source, body, created_by) values
  ('f5000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'Refund policy', 'text',
   '# Refunds

Refunds are paid within fourteen days of the returned item reaching the warehouse.

## Exceptions

Gift cards and custom orders are not refunded; they can be exchanged once.

# Shipping

Parcels leave the Leeds warehouse every weekday at 4 pm. Tracking links arrive by email.',
   'a0000000-0000-4000-8000-000000000011'),
  ('f5000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001', 'On-call handbook', 'text',
   '# On call

The on-call engineer answers pages within fifteen minutes, day and night.

## Escalation

After thirty minutes without an answer the page goes to the team lead, then to the head of engineering.',
   'a0000000-0000-4000-8000-000000000011')
on conflict (id) do nothing;
