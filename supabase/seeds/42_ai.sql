-- AI demo data (docs/ai.md), after supabase/seed.sql: Acme uses OpenAI and Anthropic with the
-- platform's keys (set AI_OPENAI_API_KEY / AI_ANTHROPIC_API_KEY to call them), a monthly budget of
-- 25 USD, a ticket-summary template in two versions, and two weeks of runs for the runs page (cost
-- from the models' prices, each run's tokens metered into ai_tokens). Globex has no access yet.
-- Idempotent: fixed ids and `on conflict do nothing`; template versions by `where not exists`
-- (their number is a trigger's).

insert into public.tenant_model_providers (id, tenant_id, provider_id, access, created_by)
select v.id, 'b0000000-0000-4000-8000-000000000001', p.id, 'platform', 'a0000000-0000-4000-8000-000000000011'
from (values ('f5000000-0000-4000-8000-000000000001'::uuid, 'openai'), ('f5000000-0000-4000-8000-000000000002'::uuid, 'anthropic'))
  as v (id, provider)
join public.model_providers p on p.key = v.provider
on conflict do nothing;

insert into public.tenant_ai_settings (tenant_id, monthly_budget_usd, updated_by)
values ('b0000000-0000-4000-8000-000000000001', 25.00, 'a0000000-0000-4000-8000-000000000011')
on conflict do nothing;

insert into public.prompt_templates (id, tenant_id, key, name, description, created_by)
values ('f5000000-0000-4000-8000-000000000011', 'b0000000-0000-4000-8000-000000000001', 'support.summarise',
        'Summarise a ticket', 'One sentence for the support queue.', 'a0000000-0000-4000-8000-000000000011')
on conflict do nothing;

insert into public.prompt_template_versions (tenant_id, template_id, instructions, body, variables, model_id, max_tokens, note, created_by)
select 'b0000000-0000-4000-8000-000000000001', 'f5000000-0000-4000-8000-000000000011', v.instructions, v.body,
       v.variables::jsonb, m.id, v.max_tokens, v.note, 'a0000000-0000-4000-8000-000000000011'
from (values
  (1, 'Summarise the support ticket in one sentence for the support queue.', 'Ticket:
{{ticket}}', '[{"name": "ticket", "type": "string", "max_length": 8000}]', 120, 'First version'),
  (2, 'Summarise the support ticket in one sentence for the support queue. Name the product area first. Never repeat personal data.',
   'Priority: {{priority}}
Ticket:
{{ticket}}', '[{"name": "ticket", "type": "string", "max_length": 8000}, {"name": "priority", "type": "enum", "values": ["low", "medium", "high", "urgent"]}]',
   150, 'Names the area; takes the priority')
) as v (version, instructions, body, variables, max_tokens, note)
join public.llm_models m on m.key = 'gpt-4o-mini'
where not exists (select 1 from public.prompt_template_versions x
                  where x.template_id = 'f5000000-0000-4000-8000-000000000011' and x.version = v.version)
order by v.version;

-- Two weeks of runs: at the models' prices, with the arithmetic the table checks.
with runs as (
  select ('f5100000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid as id, n,
         (array['gpt-4o-mini', 'gpt-4o', 'claude-3-5-haiku-latest', 'text-embedding-3-small'])[1 + n % 4] as model_key,
         now() - make_interval(days => n % 14, hours => n % 7) as at
  from generate_series(1, 40) n
)
insert into public.prompt_runs (id, tenant_id, operation, template_id, template_version, model_id, provider_key, model_key,
  input_tokens, output_tokens, input_usd_per_mtok, output_usd_per_mtok, cost_usd, latency_ms, status, error, finish_reason,
  created_by, created_at)
select r.id, 'b0000000-0000-4000-8000-000000000001',
       case when m.kind = 'embedding' then 'embedding' when r.n % 3 = 0 then 'template' else 'chat' end,
       case when m.kind = 'chat' and r.n % 3 = 0 then 'f5000000-0000-4000-8000-000000000011'::uuid end,
       case when m.kind = 'chat' and r.n % 3 = 0 then 1 + r.n % 2 end,
       m.id, p.key, m.key, t.input_tokens, t.output_tokens, m.input_usd_per_mtok, m.output_usd_per_mtok,
       round(t.input_tokens * m.input_usd_per_mtok / 1000000 + t.output_tokens * m.output_usd_per_mtok / 1000000, 10),
       300 + (r.n * 137) % 2400,
       case when r.n % 13 = 0 then 'failed' else 'succeeded' end,
       case when r.n % 13 = 0 then 'OpenAI answered 503: The server is overloaded.' end,
       case when r.n % 13 = 0 then null when m.kind = 'embedding' then null else 'stop' end,
       'a0000000-0000-4000-8000-000000000013', r.at
from runs r
join public.llm_models m on m.key = r.model_key
join public.model_providers p on p.id = m.provider_id
cross join lateral (select case when r.n % 13 = 0 then 0 else 200 + (r.n * 211) % 3000 end as input_tokens,
                           case when r.n % 13 = 0 or m.kind = 'embedding' then 0 else 40 + (r.n * 53) % 600 end as output_tokens) t
on conflict do nothing;

-- This month's seeded runs, metered (the older ones belong to last month's usage, which a seed leaves alone).
insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, occurred_at, properties)
select r.tenant_id, 'ai_tokens', r.input_tokens + r.output_tokens, 'prompt_run:' || r.id, r.created_at,
       jsonb_build_object('run_id', r.id, 'model', r.provider_key || '/' || r.model_key)
from public.prompt_runs r
where r.id::text like 'f5100000-%' and r.input_tokens + r.output_tokens > 0
  and r.created_at >= date_trunc('month', now() at time zone 'utc') at time zone 'utc'
on conflict do nothing;

-- The daily rollup sees them now, as 24_billing's did for its own events (a second load finds the same rows).
select private.rollup_usage_daily((now() at time zone 'UTC')::date - 31, null);
