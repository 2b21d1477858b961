-- AI (issue 19 §1–2, spec 001's AI module): the registry of model providers and their models with
-- context size and prices (global, edited by platform staff), a tenant's access to a provider
-- (the platform's key, or its own key held as an owned secret), a tenant's monthly budget in USD,
-- versioned prompt templates with typed variables, and prompt_runs — every call the gateway makes
-- (chat, embedding, template), with tokens, cost from the model's prices at run time, latency,
-- status and error — metered into the ai_tokens usage metric.
--
-- Owns: tables model_providers, llm_models, tenant_model_providers, tenant_ai_settings,
-- prompt_templates, prompt_template_versions, prompt_runs; usage metric ai_tokens and its plan
-- limits; event types prompt_template.versioned, prompt_run.failed; the RPCs ai_prepare_call,
-- ai_spend; the system function private.record_model_call (service_role: tokens and costs are
-- never written by a tenant); private.ai_month_spend. TN550–TN561 (TN562–TN569 kept for this module).
--
-- Who (docs/ai.md): every signed-in person reads the registry (active rows; staff all of it);
-- super_admin staff edit it. In a tenant, ai.use reads its provider access, settings, templates
-- and runs and calls the gateway; ai.manage also writes access, settings and templates. Nobody
-- but the gateway's system job (ai.gateway) writes a run, a token count or a cost.
--
-- The gateway (src/lib/server/ai/gateway.ts) asks ai_prepare_call before a call (permission,
-- model, access, the budget and the plan's tokens, against the call's worst case), makes the call
-- in the app, and records it with private.record_model_call as the system job, which computes the
-- cost in SQL from the model's prices of that moment (numeric, exact; a check constraint holds
-- the row to its own arithmetic).

-- ---------------------------------------------------------------------------------------------
-- Reference data (part 1: what the tables below do not need)
-- ---------------------------------------------------------------------------------------------

insert into public.usage_metrics (key, name, unit, kind, reset, description) values
  ('ai_tokens', 'AI tokens', 'tokens', 'metered', 'month',
   'Input and output tokens of model calls (chat, embeddings, prompt templates), per calendar month (UTC).');

insert into public.plan_limits (plan_id, metric, soft_limit, hard_limit)
select p.id, 'ai_tokens', l.soft_limit, l.hard_limit
from (values ('free', 80000, 100000), ('pro', 8000000, 10000000), ('business', 80000000, null))
  l(plan_code, soft_limit, hard_limit)
join public.plans p on p.code = l.plan_code;

insert into public.event_types (type, module, description) values
  ('prompt_template.versioned', 'ai', 'A prompt template got a new version (its first included).'),
  ('prompt_run.failed', 'ai', 'A model call failed (the provider refused or could not be reached).');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table public.model_providers (
  id uuid primary key default gen_random_uuid(),
  key text not null unique check (key ~ '^[a-z][a-z0-9_-]{1,39}$'),
  name text not null check (char_length(btrim(name)) between 1 and 100),
  -- The wire format the gateway speaks: openai (chat completions, embeddings), anthropic
  -- (messages), local (an in-process model registered by the app, src/lib/server/ai/local.ts).
  api_style text not null check (api_style in ('openai', 'anthropic', 'local')),
  -- The API's base, version path included (https://api.openai.com/v1). Null: the tenant's access
  -- gives it (any OpenAI-compatible endpoint), or none is needed (local).
  base_url text check (base_url ~ '^https?://[^\s]+$' and char_length(base_url) <= 500),
  description text not null default '' check (char_length(description) <= 500),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (api_style <> 'local' or base_url is null)
);
alter table public.model_providers enable row level security;
comment on table public.model_providers is
  'The model providers (OpenAI, Anthropic, DeepSeek, any OpenAI-compatible endpoint, local in-process models): the '
  'wire format the gateway speaks and the base URL. Global, edited by super_admin staff.';

create table public.llm_models (
  id uuid primary key default gen_random_uuid(),
  provider_id uuid not null references public.model_providers (id) on delete cascade,
  -- The provider's name of the model, sent as `model` (gpt-4o-mini).
  key text not null check (key ~ '^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,99}$'),
  name text not null check (char_length(btrim(name)) between 1 and 100),
  kind text not null check (kind in ('chat', 'embedding')),
  context_tokens integer not null check (context_tokens between 1 and 10000000),
  -- An embedding model's vector size (null for chat models).
  dimensions integer check (dimensions between 1 and 16000),
  -- USD per million tokens, exact (numeric).
  input_usd_per_mtok numeric(12, 6) not null default 0 check (input_usd_per_mtok >= 0),
  output_usd_per_mtok numeric(12, 6) not null default 0 check (output_usd_per_mtok >= 0),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (provider_id, key),
  check ((kind = 'embedding') = (dimensions is not null))
);
alter table public.llm_models enable row level security;
comment on table public.llm_models is
  'The models of each provider: chat or embedding, context size, vector size (embeddings), input and output price in '
  'USD per million tokens. Global, edited by super_admin staff; a run copies the prices it was charged at.';
create index llm_models_provider_idx on public.llm_models (provider_id, kind);

create table public.tenant_model_providers (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  provider_id uuid not null references public.model_providers (id) on delete cascade,
  -- platform: the platform's key and endpoint (the provider row's); own_key: the tenant's key, an
  -- owned secret (owner type model_provider), and for an OpenAI-compatible endpoint its base URL.
  access text not null check (access in ('platform', 'own_key')),
  base_url text check (base_url ~ '^https?://[^\s]+$' and char_length(base_url) <= 500),
  secret_id uuid,
  enabled boolean not null default true,
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, provider_id),
  foreign key (tenant_id, secret_id) references public.secrets (tenant_id, id) on delete set null (secret_id)
);
alter table public.tenant_model_providers enable row level security;
comment on table public.tenant_model_providers is
  'A tenant''s access to a provider: the platform''s (key and endpoint of the platform) or its own key (an owned '
  'secret) and, for an OpenAI-compatible endpoint, its base URL (checked by the SSRF guard on every call).';
create index tenant_model_providers_provider_idx on public.tenant_model_providers (provider_id);
create index tenant_model_providers_secret_idx on public.tenant_model_providers (tenant_id, secret_id) where secret_id is not null;

create table public.tenant_ai_settings (
  tenant_id uuid primary key references public.tenants (id) on delete cascade,
  -- The most the tenant spends on model calls in a calendar month (UTC), in USD; null: no budget
  -- (the plan's ai_tokens limit still applies).
  monthly_budget_usd numeric(12, 2) check (monthly_budget_usd >= 0),
  updated_by uuid default auth.uid(),
  updated_at timestamptz not null default now()
);
alter table public.tenant_ai_settings enable row level security;
comment on table public.tenant_ai_settings is
  'A tenant''s AI settings: its monthly budget in USD (a call whose worst case would pass it is refused, TN552).';

create table public.prompt_templates (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  -- What code and the API call it by (support.summarise).
  key text not null check (key ~ '^[a-z][a-z0-9_.-]{1,63}$'),
  name text not null check (char_length(btrim(name)) between 1 and 100),
  description text not null default '' check (char_length(description) <= 500),
  -- The newest version (0 until the first is added); set by the versions' trigger.
  latest_version integer not null default 0 check (latest_version >= 0),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, key)
);
alter table public.prompt_templates enable row level security;
comment on table public.prompt_templates is
  'A tenant''s prompt template: key, name, description, its newest version. The text lives in its versions.';
create index prompt_templates_tenant_created_idx on public.prompt_templates (tenant_id, created_at);

create table public.prompt_template_versions (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  template_id uuid not null,
  version integer not null check (version >= 1),
  -- The system message: instructions only, never a placeholder (TN557), so no variable reaches it.
  instructions text not null check (char_length(instructions) between 1 and 20000),
  -- The user message: text with {{name}} placeholders, each a declared variable (TN558).
  body text not null check (char_length(body) between 1 and 20000),
  -- The variables: [{name, type (string|number|integer|boolean|enum), required, max_length, values,
  -- description}]; validated by zod in src/lib/ai/template.ts and their shape here (TN558).
  variables jsonb not null default '[]' check (jsonb_typeof(variables) = 'array' and pg_column_size(variables) <= 16384),
  model_id uuid references public.llm_models (id) on delete set null,
  temperature numeric(3, 2) check (temperature between 0 and 2),
  max_tokens integer check (max_tokens between 1 and 100000),
  note text not null default '' check (char_length(note) <= 500),
  created_by uuid default auth.uid(),
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  unique (tenant_id, template_id, version),
  foreign key (tenant_id, template_id) references public.prompt_templates (tenant_id, id) on delete cascade
);
alter table public.prompt_template_versions enable row level security;
comment on table public.prompt_template_versions is
  'A version of a prompt template, never changed once written: instructions (system message, no placeholders), body '
  '(user message with {{variable}} placeholders), typed variables, default model, temperature and max tokens.';
create index prompt_template_versions_model_idx on public.prompt_template_versions (model_id) where model_id is not null;

create table public.prompt_runs (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  -- chat and embedding: a direct gateway call; template: runPrompt of a template version.
  operation text not null check (operation in ('chat', 'embedding', 'template')),
  template_id uuid,
  template_version integer,
  model_id uuid references public.llm_models (id) on delete set null,
  -- Kept as they were at run time, whatever becomes of the registry.
  provider_key text not null,
  model_key text not null,
  input_tokens integer not null default 0 check (input_tokens >= 0),
  output_tokens integer not null default 0 check (output_tokens >= 0),
  input_usd_per_mtok numeric(12, 6) not null check (input_usd_per_mtok >= 0),
  output_usd_per_mtok numeric(12, 6) not null check (output_usd_per_mtok >= 0),
  cost_usd numeric(20, 10) not null,
  latency_ms integer not null check (latency_ms >= 0),
  status text not null check (status in ('succeeded', 'failed')),
  error text check (char_length(error) <= 1000),
  finish_reason text check (char_length(finish_reason) <= 50),
  -- false only when another call passed the plan's hard limit first (the tokens are on the run).
  metered boolean not null default true,
  created_by uuid,
  created_at timestamptz not null default now(),
  unique (tenant_id, id),
  -- A template run keeps its version number when its template is deleted (template_id goes null).
  check ((operation = 'template') = (template_version is not null)),
  check ((status = 'failed') = (error is not null)),
  -- The cost is the run's own arithmetic at the prices it copied.
  check (cost_usd = round(input_tokens * input_usd_per_mtok / 1000000 + output_tokens * output_usd_per_mtok / 1000000, 10)),
  foreign key (tenant_id, template_id) references public.prompt_templates (tenant_id, id)
    on delete set null (template_id)
);
alter table public.prompt_runs enable row level security;
comment on table public.prompt_runs is
  'Every model call of a tenant (chat, embedding, template run): template version, model, input and output tokens, '
  'the prices charged and the cost in USD, latency, status, error. Written only by private.record_model_call.';
create index prompt_runs_tenant_created_idx on public.prompt_runs (tenant_id, created_at desc);
create index prompt_runs_template_idx on public.prompt_runs (tenant_id, template_id, created_at desc) where template_id is not null;
create index prompt_runs_model_idx on public.prompt_runs (model_id);

-- ---------------------------------------------------------------------------------------------
-- Reference data (part 2): the registry as spec 001 lists it. Prices are USD per million tokens
-- as the providers published them; staff keep them current in the console.
-- ---------------------------------------------------------------------------------------------

insert into public.model_providers (key, name, api_style, base_url, description) values
  ('openai', 'OpenAI', 'openai', 'https://api.openai.com/v1', 'OpenAI''s chat completions and embeddings.'),
  ('anthropic', 'Anthropic', 'anthropic', 'https://api.anthropic.com/v1', 'Anthropic''s Messages API (Claude).'),
  ('deepseek', 'DeepSeek', 'openai', 'https://api.deepseek.com/v1', 'DeepSeek''s OpenAI-compatible API.'),
  ('openai_compatible', 'OpenAI-compatible endpoint', 'openai', null,
   'Any server speaking OpenAI''s chat completions (vLLM, Ollama, LiteLLM …): the tenant gives its URL and key.'),
  ('local', 'In-process', 'local', null, 'Models that run inside Tenantry itself (no network, no key).');

insert into public.llm_models (provider_id, key, name, kind, context_tokens, dimensions, input_usd_per_mtok, output_usd_per_mtok)
select p.id, m.key, m.name, m.kind, m.context_tokens, m.dimensions, m.input_price, m.output_price
from (values
  ('openai', 'gpt-4o-mini', 'GPT-4o mini', 'chat', 128000, null::integer, 0.15, 0.60),
  ('openai', 'gpt-4o', 'GPT-4o', 'chat', 128000, null, 2.50, 10.00),
  ('openai', 'text-embedding-3-small', 'Embedding 3 small', 'embedding', 8191, 1536, 0.02, 0),
  ('openai', 'text-embedding-3-large', 'Embedding 3 large', 'embedding', 8191, 3072, 0.13, 0),
  ('anthropic', 'claude-3-5-haiku-latest', 'Claude 3.5 Haiku', 'chat', 200000, null, 0.80, 4.00),
  ('anthropic', 'claude-3-7-sonnet-latest', 'Claude 3.7 Sonnet', 'chat', 200000, null, 3.00, 15.00),
  ('deepseek', 'deepseek-chat', 'DeepSeek-V3', 'chat', 64000, null, 0.27, 1.10),
  ('deepseek', 'deepseek-reasoner', 'DeepSeek-R1', 'chat', 64000, null, 0.55, 2.19)
) m(provider, key, name, kind, context_tokens, dimensions, input_price, output_price)
join public.model_providers p on p.key = m.provider;

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------

create trigger model_providers_updated_at before update on public.model_providers
  for each row execute function private.set_updated_at();
create trigger llm_models_updated_at before update on public.llm_models
  for each row execute function private.set_updated_at();
create trigger tenant_model_providers_updated_at before update on public.tenant_model_providers
  for each row execute function private.set_updated_at();
create trigger tenant_ai_settings_updated_at before update on public.tenant_ai_settings
  for each row execute function private.set_updated_at();
create trigger prompt_templates_updated_at before update on public.prompt_templates
  for each row execute function private.set_updated_at();

create trigger model_providers_immutable_columns before update on public.model_providers
  for each row execute function private.forbid_column_changes('id', 'key', 'api_style', 'created_at');
create trigger llm_models_immutable_columns before update on public.llm_models
  for each row execute function private.forbid_column_changes('id', 'provider_id', 'kind', 'created_at');
create trigger tenant_model_providers_immutable_columns before update on public.tenant_model_providers
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'provider_id', 'created_by', 'created_at');
create trigger tenant_ai_settings_immutable_columns before update on public.tenant_ai_settings
  for each row execute function private.forbid_column_changes('tenant_id');
create trigger prompt_templates_immutable_columns before update on public.prompt_templates
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'key', 'created_by', 'created_at');
create trigger prompt_template_versions_immutable_columns before update on public.prompt_template_versions
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'template_id', 'version', 'instructions',
    'body', 'variables', 'model_id', 'temperature', 'max_tokens', 'note', 'created_by', 'created_at');
create trigger prompt_runs_immutable_columns before update on public.prompt_runs
  for each row execute function private.forbid_column_changes('id', 'tenant_id', 'operation', 'template_id', 'template_version',
    'model_id', 'provider_key', 'model_key', 'input_tokens', 'output_tokens', 'input_usd_per_mtok', 'output_usd_per_mtok',
    'cost_usd', 'latency_ms', 'status', 'error', 'finish_reason', 'metered', 'created_by', 'created_at');

-- A model's rules in words (TN561): the vector size belongs to embedding models, the key to its provider.
create or replace function private.check_llm_model()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (new.kind = 'embedding') <> (new.dimensions is not null) then
    raise exception 'an embedding model has a vector size and a chat model none' using errcode = 'TN561';
  end if;
  if new.key is null or new.key !~ '^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,99}$' then
    raise exception 'a model key is the provider''s model name (letters, digits, . _ : / @ -)' using errcode = 'TN561';
  end if;
  return new;
end
$$;

comment on function private.check_llm_model() is
  'BEFORE INSERT/UPDATE on llm_models: TN561 for a vector size on a chat model (or none on an embedding model) or a '
  'malformed key.';

create trigger llm_models_check before insert or update on public.llm_models
  for each row execute function private.check_llm_model();

-- Access rules in words (TN555): a provider without a platform endpoint (OpenAI-compatible) needs
-- the tenant's own base URL and key; platform access takes no URL or key of the tenant's; the
-- secret is this access's owned secret; local models need no access row.
create or replace function private.check_tenant_model_provider()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_provider public.model_providers;
begin
  select * into v_provider from public.model_providers p where p.id = new.provider_id;
  if v_provider.api_style = 'local' then
    raise exception 'in-process models need no provider access' using errcode = 'TN555';
  end if;
  if new.access = 'platform' then
    if v_provider.base_url is null then
      raise exception '% has no platform endpoint: use your own URL and key', v_provider.name using errcode = 'TN555';
    end if;
    if new.base_url is not null or new.secret_id is not null then
      raise exception 'platform access uses the platform''s endpoint and key' using errcode = 'TN555';
    end if;
  elsif v_provider.base_url is null and new.base_url is null then
    raise exception '% needs the base URL of your endpoint', v_provider.name using errcode = 'TN555';
  end if;
  if new.secret_id is not null and not exists (
       select 1 from public.secrets s
       where s.id = new.secret_id and s.tenant_id = new.tenant_id
         and s.owner_type = 'model_provider' and s.owner_id = new.id) then
    raise exception 'the key must be this provider access''s own secret' using errcode = 'TN555';
  end if;
  return new;
end
$$;

comment on function private.check_tenant_model_provider() is
  'BEFORE INSERT/UPDATE on tenant_model_providers: TN555 for platform access to a provider without a platform endpoint, '
  'a URL or key on platform access, an OpenAI-compatible endpoint without its URL, a key that is not this access''s '
  'owned secret, or access to local models. Security definer: reads the secret''s owner whatever the caller sees.';

create trigger tenant_model_providers_check before insert or update on public.tenant_model_providers
  for each row execute function private.check_tenant_model_provider();

-- Deleting an access deletes its key.
create or replace function private.tenant_model_providers_delete_secrets()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.delete_owned_secrets('model_provider', old.id);
  return old;
end
$$;

comment on function private.tenant_model_providers_delete_secrets() is
  'AFTER DELETE on tenant_model_providers: its owned secrets (the key) go with it.';

create trigger tenant_model_providers_delete_secrets after delete on public.tenant_model_providers
  for each row execute function private.tenant_model_providers_delete_secrets();

-- A template's key in words (TN556).
create or replace function private.check_prompt_template()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.key is null or new.key !~ '^[a-z][a-z0-9_.-]{1,63}$' then
    raise exception 'a template key is 2–64 lower-case letters, digits, . _ -, starting with a letter' using errcode = 'TN556';
  end if;
  if exists (select 1 from public.prompt_templates t where t.tenant_id = new.tenant_id and t.key = new.key and t.id <> new.id) then
    raise exception 'another template has the key %', new.key using errcode = 'TN556';
  end if;
  if new.name is null or char_length(btrim(new.name)) not between 1 and 100 then
    raise exception 'a template name is 1 to 100 characters' using errcode = 'TN559';
  end if;
  new.name := btrim(new.name);
  return new;
end
$$;

comment on function private.check_prompt_template() is
  'BEFORE INSERT/UPDATE on prompt_templates: TN556 for a malformed or taken key, TN559 for a name empty or too long. '
  'Security definer: sees every template of the tenant.';

create trigger prompt_templates_check before insert or update on public.prompt_templates
  for each row execute function private.check_prompt_template();

-- A version's rules in words: no placeholder in the instructions (TN557); variables well formed
-- and every placeholder declared (TN558); the model a chat model (TN550). It takes the next
-- number under the template's lock and becomes the template's latest.
create or replace function private.check_prompt_template_version()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_names text[];
  v_used text[];
  v_bad text;
begin
  if new.instructions ~ '\{\{|\}\}' then
    raise exception 'instructions take no {{placeholders}}: variables go in the message' using errcode = 'TN557';
  end if;
  if exists (select 1 from jsonb_array_elements(new.variables) v
             where jsonb_typeof(v) <> 'object'
                or coalesce(v ->> 'name', '') !~ '^[a-z][a-z0-9_]{0,39}$'
                or coalesce(v ->> 'type', '') not in ('string', 'number', 'integer', 'boolean', 'enum')
                or (v ->> 'type' = 'enum' and jsonb_typeof(v -> 'values') is distinct from 'array')) then
    raise exception 'each variable has a name (a-z, 0-9, _) and a type: string, number, integer, boolean or enum with values'
      using errcode = 'TN558';
  end if;
  select array_agg(v ->> 'name') into v_names from jsonb_array_elements(new.variables) v;
  if (select count(distinct n) from unnest(v_names) n) <> coalesce(cardinality(v_names), 0) then
    raise exception 'two variables have the same name' using errcode = 'TN558';
  end if;
  select array_agg(distinct m[1]) into v_used from regexp_matches(new.body, '\{\{\s*([^{}]*?)\s*\}\}', 'g') m;
  select u into v_bad from unnest(v_used) u where u <> all (coalesce(v_names, '{}')) limit 1;
  if v_bad is not null then
    raise exception 'the message uses {{%}}, which is not a declared variable', v_bad using errcode = 'TN558';
  end if;
  if new.model_id is not null and not exists (select 1 from public.llm_models m where m.id = new.model_id and m.kind = 'chat') then
    raise exception 'a template''s model is a chat model' using errcode = 'TN550';
  end if;
  perform 1 from public.prompt_templates t where t.id = new.template_id and t.tenant_id = new.tenant_id for update;
  new.version := coalesce((select max(v.version) from public.prompt_template_versions v where v.template_id = new.template_id), 0) + 1;
  return new;
end
$$;

comment on function private.check_prompt_template_version() is
  'BEFORE INSERT on prompt_template_versions: TN557 for a placeholder in the instructions, TN558 for malformed or '
  'duplicate variables or an undeclared placeholder, TN550 for a model that is not a chat model; numbers the version '
  'under the template''s lock. Security definer: sees every version of the template.';

create trigger prompt_template_versions_check before insert on public.prompt_template_versions
  for each row execute function private.check_prompt_template_version();

create or replace function private.prompt_template_versioned()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.prompt_templates set latest_version = new.version where id = new.template_id;
  perform private.publish_event(new.tenant_id, 'prompt_template.versioned', 'prompt_template', new.template_id::text,
    jsonb_build_object('template_id', new.template_id, 'version', new.version, 'version_id', new.id));
  return null;
end
$$;

comment on function private.prompt_template_versioned() is
  'AFTER INSERT on prompt_template_versions: the template''s latest_version, and prompt_template.versioned. Security '
  'definer: latest_version is not writable by API roles.';

create trigger prompt_template_versions_versioned after insert on public.prompt_template_versions
  for each row execute function private.prompt_template_versioned();

-- A budget in words (TN560).
create or replace function private.check_tenant_ai_settings()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.monthly_budget_usd is not null and new.monthly_budget_usd < 0 then
    raise exception 'a budget is zero or more US dollars' using errcode = 'TN560';
  end if;
  return new;
end
$$;

comment on function private.check_tenant_ai_settings() is 'BEFORE INSERT/UPDATE on tenant_ai_settings: TN560 for a negative budget.';

create trigger tenant_ai_settings_check before insert or update on public.tenant_ai_settings
  for each row execute function private.check_tenant_ai_settings();

select private.enable_audit('public.model_providers', '', '{id}', '{updated_at}');
select private.enable_audit('public.llm_models', '', '{id}', '{updated_at}');
select private.enable_audit('public.tenant_model_providers', 'tenant_id', '{id}', '{updated_at}');
select private.enable_audit('public.tenant_ai_settings', 'tenant_id', '{tenant_id}', '{updated_at}');
select private.enable_audit('public.prompt_templates', 'tenant_id', '{id}', '{updated_at,latest_version}');
select private.enable_audit('public.prompt_template_versions', 'tenant_id', '{template_id,id}');

-- ---------------------------------------------------------------------------------------------
-- The gateway's functions
-- ---------------------------------------------------------------------------------------------

-- What a tenant spent on model calls this calendar month (UTC).
create or replace function private.ai_month_spend(p_tenant_id uuid)
returns numeric
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(sum(r.cost_usd), 0) from public.prompt_runs r
  where r.tenant_id = p_tenant_id and r.created_at >= date_trunc('month', now() at time zone 'utc') at time zone 'utc'
$$;

comment on function private.ai_month_spend(uuid) is
  'The USD a tenant''s model calls cost this calendar month (UTC). Security definer: the sum whatever runs the caller reads.';

-- Before a call: may the caller (ai.use) call this model for this tenant, through which access,
-- and does the call's worst case (p_input_tokens in, p_max_output_tokens out) fit the budget
-- (TN552) and the plan's ai_tokens (TN553)? Returns what the gateway needs to make the call.
create or replace function public.ai_prepare_call(p_tenant_id uuid, p_model_id uuid, p_input_tokens bigint,
  p_max_output_tokens bigint)
returns table (model_key text, model_kind text, dimensions integer, context_tokens integer, provider_key text,
  api_style text, base_url text, tenant_base_url boolean, access text, secret_id uuid,
  input_usd_per_mtok numeric, output_usd_per_mtok numeric)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_model public.llm_models;
  v_provider public.model_providers;
  v_access public.tenant_model_providers;
  v_budget numeric;
  v_worst numeric;
  v_limit bigint;
  v_used bigint;
begin
  if p_tenant_id is null or not private.holds_permission('ai.use', p_tenant_id) then
    raise exception 'calling models needs ai.use in this organisation' using errcode = 'TN554';
  end if;
  select * into v_model from public.llm_models m where m.id = p_model_id and m.active;
  select * into v_provider from public.model_providers p where p.id = v_model.provider_id and p.active;
  if v_model.id is null or v_provider.id is null then
    raise exception 'no such model, or it is not offered now' using errcode = 'TN550';
  end if;
  if coalesce(p_input_tokens, -1) < 0 or coalesce(p_max_output_tokens, -1) < 0 then
    raise exception 'a call''s token estimate is zero or more' using errcode = 'TN550';
  end if;
  if v_provider.api_style <> 'local' then
    select * into v_access from public.tenant_model_providers a
    where a.tenant_id = p_tenant_id and a.provider_id = v_provider.id and a.enabled;
    if v_access.id is null then
      raise exception 'this organisation has no access to % (set it up under AI → Providers)', v_provider.name
        using errcode = 'TN551';
    end if;
    if v_access.access = 'own_key' and v_access.secret_id is null then
      raise exception 'the key for % is missing', v_provider.name using errcode = 'TN551';
    end if;
  end if;
  v_worst := round(p_input_tokens * v_model.input_usd_per_mtok / 1000000
                   + p_max_output_tokens * v_model.output_usd_per_mtok / 1000000, 10);
  select s.monthly_budget_usd into v_budget from public.tenant_ai_settings s where s.tenant_id = p_tenant_id;
  if v_budget is not null and private.ai_month_spend(p_tenant_id) + v_worst > v_budget then
    raise exception 'this call could cost up to % USD, past the monthly AI budget of % USD (% USD spent)',
      v_worst, v_budget, round(private.ai_month_spend(p_tenant_id), 4) using errcode = 'TN552';
  end if;
  v_limit := (private.tenant_limit(p_tenant_id, 'ai_tokens')).hard_limit;
  if v_limit is not null then
    select coalesce(sum(c.quantity), 0) into v_used from public.usage_counters c
    where c.tenant_id = p_tenant_id and c.metric = 'ai_tokens'
      and c.period_start = date_trunc('month', now() at time zone 'utc')::date;
    if v_used + p_input_tokens + p_max_output_tokens > v_limit then
      raise exception 'this call could use up to % tokens; % of the plan''s % AI tokens this month are used',
        p_input_tokens + p_max_output_tokens, v_used, v_limit using errcode = 'TN553',
        hint = 'Upgrade the plan, or wait for the next month.';
    end if;
  end if;
  return query select v_model.key, v_model.kind, v_model.dimensions, v_model.context_tokens, v_provider.key,
    v_provider.api_style, coalesce(v_access.base_url, v_provider.base_url), v_access.base_url is not null,
    v_access.access, v_access.secret_id, v_model.input_usd_per_mtok, v_model.output_usd_per_mtok;
end
$$;

comment on function public.ai_prepare_call(uuid, uuid, bigint, bigint) is
  'Before a model call: TN554 without ai.use, TN550 for a model not offered, TN551 without access to its provider (or '
  'its key), TN552 when the call''s worst case (input tokens and max output at the model''s prices) would pass the '
  'monthly budget, TN553 when it would pass the plan''s ai_tokens. Returns the model, the provider''s wire format, '
  'the base URL (the tenant''s own when tenant_base_url), the access and its secret. Security definer: the budget and '
  'counters whatever the caller reads.';

-- After a call, as the gateway's system job: the run with its cost computed here from the
-- model's prices of this moment, metered into ai_tokens (once per run), a failure published.
create or replace function private.record_model_call(
  p_tenant_id uuid, p_actor uuid, p_model_id uuid, p_operation text, p_template_id uuid, p_template_version integer,
  p_input_tokens integer, p_output_tokens integer, p_latency_ms integer, p_error text, p_finish_reason text,
  out run_id uuid, out cost_usd numeric)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_model public.llm_models;
  v_provider_key text;
  v_metered boolean := true;
  v_tokens bigint := coalesce(p_input_tokens, 0)::bigint + coalesce(p_output_tokens, 0);
begin
  select * into v_model from public.llm_models m where m.id = p_model_id;
  if v_model.id is null then
    raise exception 'no such model' using errcode = 'TN550';
  end if;
  select p.key into v_provider_key from public.model_providers p where p.id = v_model.provider_id;
  run_id := gen_random_uuid();
  cost_usd := round(coalesce(p_input_tokens, 0) * v_model.input_usd_per_mtok / 1000000
                    + coalesce(p_output_tokens, 0) * v_model.output_usd_per_mtok / 1000000, 10);
  if v_tokens > 0 then
    begin
      insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, properties)
      values (p_tenant_id, 'ai_tokens', v_tokens, 'prompt_run:' || run_id,
              jsonb_build_object('run_id', run_id, 'model', v_provider_key || '/' || v_model.key));
    exception when sqlstate 'TN071' then
      v_metered := false;
    end;
  end if;
  insert into public.prompt_runs (id, tenant_id, operation, template_id, template_version, model_id, provider_key,
    model_key, input_tokens, output_tokens, input_usd_per_mtok, output_usd_per_mtok, cost_usd, latency_ms, status,
    error, finish_reason, metered, created_by)
  values (run_id, p_tenant_id, p_operation, p_template_id, p_template_version, v_model.id, v_provider_key,
    v_model.key, coalesce(p_input_tokens, 0), coalesce(p_output_tokens, 0), v_model.input_usd_per_mtok,
    v_model.output_usd_per_mtok, cost_usd, greatest(coalesce(p_latency_ms, 0), 0),
    case when p_error is null then 'succeeded' else 'failed' end, left(p_error, 1000), left(p_finish_reason, 50),
    v_metered, p_actor);
  if p_error is not null then
    perform private.publish_event(p_tenant_id, 'prompt_run.failed', 'prompt_run', run_id::text,
      jsonb_build_object('run_id', run_id, 'operation', p_operation, 'model', v_provider_key || '/' || v_model.key,
                         'template_id', p_template_id, 'error', left(p_error, 1000)));
  end if;
end
$$;

comment on function private.record_model_call(uuid, uuid, uuid, text, uuid, integer, integer, integer, integer, text, text) is
  'The gateway''s record of a call (system job ai.gateway, service_role only): the run, its cost from the model''s '
  'prices now, the tokens metered into ai_tokens (metered false when another call passed the hard limit first), '
  'prompt_run.failed for a failure.';

-- The runs page's and the playground's numbers: this month's spend, the budget, the tokens and
-- their limits.
create or replace function public.ai_spend(p_tenant_id uuid)
returns table (month_start date, spent_usd numeric, budget_usd numeric, tokens bigint, soft_limit bigint,
  hard_limit bigint)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_tenant_id is null or not private.holds_permission('ai.use', p_tenant_id) then
    raise exception 'the AI spend needs ai.use in this organisation' using errcode = 'TN554';
  end if;
  return query
  select date_trunc('month', now() at time zone 'utc')::date, private.ai_month_spend(p_tenant_id),
    (select s.monthly_budget_usd from public.tenant_ai_settings s where s.tenant_id = p_tenant_id),
    coalesce((select c.quantity from public.usage_counters c where c.tenant_id = p_tenant_id and c.metric = 'ai_tokens'
              and c.period_start = date_trunc('month', now() at time zone 'utc')::date), 0)::bigint,
    l.soft_limit, l.hard_limit
  from private.tenant_limit(p_tenant_id, 'ai_tokens') l;
end
$$;

comment on function public.ai_spend(uuid) is
  'This month''s AI spend (USD), the budget, the ai_tokens used and the plan''s limits (ai.use, TN554).';

-- ---------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------

revoke all on public.model_providers, public.llm_models, public.tenant_model_providers, public.tenant_ai_settings,
  public.prompt_templates, public.prompt_template_versions, public.prompt_runs from anon, authenticated, service_role;
grant select on public.model_providers, public.llm_models, public.tenant_model_providers, public.tenant_ai_settings,
  public.prompt_templates, public.prompt_template_versions, public.prompt_runs to authenticated, service_role;
grant insert (key, name, api_style, base_url, description, active) on public.model_providers to authenticated;
grant update (name, base_url, description, active) on public.model_providers to authenticated;
grant delete on public.model_providers to authenticated;
grant insert (provider_id, key, name, kind, context_tokens, dimensions, input_usd_per_mtok, output_usd_per_mtok, active)
  on public.llm_models to authenticated, service_role;
grant update (key, name, context_tokens, dimensions, input_usd_per_mtok, output_usd_per_mtok, active)
  on public.llm_models to authenticated;
grant delete on public.llm_models to authenticated;
grant insert (id, tenant_id, provider_id, access, base_url, secret_id, enabled) on public.tenant_model_providers to authenticated;
grant update (access, base_url, secret_id, enabled) on public.tenant_model_providers to authenticated;
grant delete on public.tenant_model_providers to authenticated;
grant insert (tenant_id, monthly_budget_usd) on public.tenant_ai_settings to authenticated;
grant update (monthly_budget_usd) on public.tenant_ai_settings to authenticated;
grant insert (tenant_id, key, name, description) on public.prompt_templates to authenticated;
grant update (name, description) on public.prompt_templates to authenticated;
grant delete on public.prompt_templates to authenticated;
grant insert (tenant_id, template_id, instructions, body, variables, model_id, temperature, max_tokens, note)
  on public.prompt_template_versions to authenticated;

revoke all on function private.ai_month_spend(uuid) from public;
revoke all on function public.ai_prepare_call(uuid, uuid, bigint, bigint) from public;
revoke all on function private.record_model_call(uuid, uuid, uuid, text, uuid, integer, integer, integer, integer, text, text) from public;
revoke all on function public.ai_spend(uuid) from public;
grant execute on function public.ai_prepare_call(uuid, uuid, bigint, bigint) to authenticated, service_role;
grant execute on function public.ai_spend(uuid) to authenticated, service_role;
grant execute on function private.record_model_call(uuid, uuid, uuid, text, uuid, integer, integer, integer, integer, text, text)
  to service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------

-- The registry: everyone signed in reads what is offered, staff read and write all of it.
create policy model_providers_select_authenticated on public.model_providers
  for select to authenticated using (active);
create policy model_providers_select_staff on public.model_providers
  for select to authenticated using ((select private.is_platform_staff()));
create policy model_providers_insert_staff on public.model_providers
  for insert to authenticated with check ((select private.is_platform_staff('super_admin')));
create policy model_providers_update_staff on public.model_providers
  for update to authenticated
  using ((select private.is_platform_staff('super_admin'))) with check ((select private.is_platform_staff('super_admin')));
create policy model_providers_delete_staff on public.model_providers
  for delete to authenticated using ((select private.is_platform_staff('super_admin')));
create policy llm_models_select_authenticated on public.llm_models
  for select to authenticated using (active);
create policy llm_models_select_staff on public.llm_models
  for select to authenticated using ((select private.is_platform_staff()));
create policy llm_models_insert_staff on public.llm_models
  for insert to authenticated with check ((select private.is_platform_staff('super_admin')));
create policy llm_models_update_staff on public.llm_models
  for update to authenticated
  using ((select private.is_platform_staff('super_admin'))) with check ((select private.is_platform_staff('super_admin')));
create policy llm_models_delete_staff on public.llm_models
  for delete to authenticated using ((select private.is_platform_staff('super_admin')));

-- A tenant's access and settings: ai.use reads, ai.manage writes.
create policy tenant_model_providers_select_permitted on public.tenant_model_providers
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.use'))));
create policy tenant_model_providers_insert_permitted on public.tenant_model_providers
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))));
create policy tenant_model_providers_update_permitted on public.tenant_model_providers
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))));
create policy tenant_model_providers_delete_permitted on public.tenant_model_providers
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))));
create policy tenant_ai_settings_select_permitted on public.tenant_ai_settings
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.use'))));
create policy tenant_ai_settings_insert_permitted on public.tenant_ai_settings
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))));
create policy tenant_ai_settings_update_permitted on public.tenant_ai_settings
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))));

-- Templates and versions: ai.use reads (and runs), ai.manage writes; versions are only added.
create policy prompt_templates_select_permitted on public.prompt_templates
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.use'))));
create policy prompt_templates_insert_permitted on public.prompt_templates
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))));
create policy prompt_templates_update_permitted on public.prompt_templates
  for update to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))))
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))));
create policy prompt_templates_delete_permitted on public.prompt_templates
  for delete to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))));
create policy prompt_template_versions_select_permitted on public.prompt_template_versions
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.use'))));
create policy prompt_template_versions_insert_permitted on public.prompt_template_versions
  for insert to authenticated
  with check (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.manage'))));

-- Runs: ai.use reads; nobody writes (private.record_model_call does, as its owner).
create policy prompt_runs_select_permitted on public.prompt_runs
  for select to authenticated
  using (private.tenant_in(tenant_id, (select private.permitted_tenant_ids('ai.use'))));

create policy tenant_model_providers_select_mfa on public.tenant_model_providers
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tenant_model_providers_insert_mfa on public.tenant_model_providers
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tenant_model_providers_update_mfa on public.tenant_model_providers
  as restrictive for update to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tenant_model_providers_delete_mfa on public.tenant_model_providers
  as restrictive for delete to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tenant_ai_settings_select_mfa on public.tenant_ai_settings
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tenant_ai_settings_insert_mfa on public.tenant_ai_settings
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy tenant_ai_settings_update_mfa on public.tenant_ai_settings
  as restrictive for update to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy prompt_templates_select_mfa on public.prompt_templates
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy prompt_templates_insert_mfa on public.prompt_templates
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy prompt_templates_update_mfa on public.prompt_templates
  as restrictive for update to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy prompt_templates_delete_mfa on public.prompt_templates
  as restrictive for delete to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy prompt_template_versions_select_mfa on public.prompt_template_versions
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy prompt_template_versions_insert_mfa on public.prompt_template_versions
  as restrictive for insert to authenticated with check (tenant_id not in (select private.mfa_blocked_tenant_ids()));
create policy prompt_runs_select_mfa on public.prompt_runs
  as restrictive for select to authenticated using (tenant_id not in (select private.mfa_blocked_tenant_ids()));
