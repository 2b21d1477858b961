-- Integrations demo data (docs/integrations.md), after supabase/seed.sql: Acme has a GitHub
-- integration, disconnected (it holds no token: a secret is sealed by the app under its own key,
-- which SQL does not have), with the repositories its last sync cached and two inbound events of
-- the past days (one processed, one failed, to replay once reconnected). Nothing here calls a
-- provider. Enter a token on its page and test the connection to connect it.
-- Idempotent: fixed ids, nothing written twice.

insert into public.integrations (id, tenant_id, type, name, config, status, last_checked_at, created_by, created_at)
values ('f1000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'github', 'Acme GitHub',
        '{"organisation": "acme-inc"}', 'disconnected', now() - interval '1 day',
        'a0000000-0000-4000-8000-000000000011', now() - interval '5 days')
on conflict (id) do nothing;

insert into public.github_repos (tenant_id, integration_id, repo_id, full_name, private, default_branch, html_url, pushed_at,
                                 synced_at)
select 'b0000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000001', r.id, r.name, r.private, 'main',
       'https://github.com/' || r.name, now() - r.age, now() - interval '1 day'
from (values (101, 'acme-inc/api', true, interval '2 days'), (102, 'acme-inc/web', false, interval '3 days'),
             (103, 'acme-inc/infra', true, interval '6 days')) r(id, name, private, age)
on conflict (integration_id, repo_id) do nothing;

insert into public.integration_events (id, tenant_id, integration_id, delivery_id, provider_event, headers, body, status,
                                       attempts, error, summary, received_at, processed_at)
values
  ('f2000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000001',
   '6a1c5b00-0000-4000-8000-000000000001', 'push', '{"x-github-event": "push", "user-agent": "GitHub-Hookshot/demo"}',
   '{"ref": "refs/heads/main", "commits": [{"id": "1"}, {"id": "2"}], "pusher": {"name": "ada"}, "repository": {"id": 101, "full_name": "acme-inc/api"}}',
   'processed', 1, null, 'ada pushed 2 commits to acme-inc/api (main).', now() - interval '2 days', now() - interval '2 days'),
  ('f2000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001', 'f1000000-0000-4000-8000-000000000001',
   '6a1c5b00-0000-4000-8000-000000000002', 'pull_request.opened', '{"x-github-event": "pull_request", "user-agent": "GitHub-Hookshot/demo"}',
   '{"action": "opened", "number": 7, "pull_request": {"number": 7, "title": "Faster builds"}, "repository": {"id": 102, "full_name": "acme-inc/web"}}',
   'failed', 5, 'GitHub could not be reached (ECONNREFUSED).', null, now() - interval '1 day', null)
on conflict (id) do nothing;
