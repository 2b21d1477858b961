-- Data sources demo data (docs/data-sources.md): Acme's HTTP JSON source "Status page" at an
-- example URL (never fetched: nothing in the tests or the demo dials it; "Test connection" on it
-- says the host does not resolve) with no credential, and a saved query over it. Idempotent:
-- fixed ids and `on conflict do nothing`.

insert into public.data_sources (id, tenant_id, name, kind, config, row_limit, timeout_ms)
values ('f5000000-0000-4000-8000-000000000201', 'b0000000-0000-4000-8000-000000000001', 'Status page', 'http_json',
        '{"url": "https://status.example.com/api/v1/checks", "records_path": "$.checks", "auth_header": null}',
        500, 5000)
on conflict do nothing;

insert into public.saved_queries (id, tenant_id, name, description, mode, sql, data_source_id, row_limit)
values ('f5000000-0000-4000-8000-000000000202', 'b0000000-0000-4000-8000-000000000001', 'Status checks',
        'The checks of the status page (an HTTP JSON source).', 'sql', '$.checks',
        'f5000000-0000-4000-8000-000000000201', 500)
on conflict do nothing;
