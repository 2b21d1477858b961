/**
 * The AI module's reads and writes for the pages and the API, each in the caller's transaction
 * (RLS decides: ai.use reads, ai.manage writes; the registry is staff's). Money is kept as the
 * database's numeric text, never a float.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';
import type { SecretsConfig } from '../secrets/envelope';
import { addSecretVersion, createSecret } from '../secrets/service';

export interface ModelRow {
	id: string;
	providerKey: string;
	providerName: string;
	key: string;
	name: string;
	kind: 'chat' | 'embedding';
	contextTokens: number;
	dimensions: number | null;
	inputUsdPerMtok: string;
	outputUsdPerMtok: string;
	active: boolean;
	/** The tenant may call it (access to its provider, or an in-process model). */
	usable: boolean;
}

/** The models offered (staff: all), with whether `tenantId` may call each. */
export async function listModels(
	trx: Transaction<DB>,
	tenantId: string | null
): Promise<ModelRow[]> {
	const { rows } = await sql<ModelRow>`
		select m.id, p.key as "providerKey", p.name as "providerName", m.key, m.name, m.kind,
			m.context_tokens as "contextTokens", m.dimensions, m.input_usd_per_mtok::text as "inputUsdPerMtok",
			m.output_usd_per_mtok::text as "outputUsdPerMtok", m.active and p.active as active,
			(p.api_style = 'local' or exists (select 1 from public.tenant_model_providers a
				where a.tenant_id = ${tenantId} and a.provider_id = p.id and a.enabled)) as usable
		from public.llm_models m join public.model_providers p on p.id = m.provider_id
		order by p.name, m.kind, m.name`.execute(trx);
	return rows;
}

export interface ProviderAccess {
	providerId: string;
	providerKey: string;
	providerName: string;
	apiStyle: string;
	platformEndpoint: string | null;
	accessId: string | null;
	access: 'platform' | 'own_key' | null;
	baseUrl: string | null;
	hasKey: boolean;
	enabled: boolean;
}

/** Every provider that takes access (not in-process ones) and the tenant's access to it, if any. */
export async function listProviderAccess(
	trx: Transaction<DB>,
	tenantId: string
): Promise<ProviderAccess[]> {
	const { rows } = await sql<ProviderAccess>`
		select p.id as "providerId", p.key as "providerKey", p.name as "providerName", p.api_style as "apiStyle",
			p.base_url as "platformEndpoint", a.id as "accessId", a.access, a.base_url as "baseUrl",
			a.secret_id is not null as "hasKey", coalesce(a.enabled, false) as enabled
		from public.model_providers p
		left join public.tenant_model_providers a on a.provider_id = p.id and a.tenant_id = ${tenantId}
		where p.api_style <> 'local' and p.active
		order by p.name`.execute(trx);
	return rows;
}

/**
 * Gives the tenant access to a provider, or changes it: the platform's key, or its own (a new
 * version of the access's owned secret when it has one) and, for an OpenAI-compatible endpoint, its
 * URL. SQL refuses what does not fit (TN555) and who may not (ai.manage).
 */
export async function setProviderAccess(
	trx: Transaction<DB>,
	config: SecretsConfig,
	input: {
		tenantId: string;
		providerId: string;
		access: 'platform' | 'own_key';
		baseUrl?: string | null;
		apiKey?: string | null;
		enabled?: boolean;
	}
): Promise<string> {
	const baseUrl = input.access === 'platform' ? null : (input.baseUrl ?? null);
	const {
		rows: [row]
	} = await sql<{ id: string; secret_id: string | null }>`
		insert into public.tenant_model_providers (tenant_id, provider_id, access, base_url, enabled)
		values (${input.tenantId}, ${input.providerId}, ${input.access}, ${baseUrl}, ${input.enabled ?? true})
		on conflict (tenant_id, provider_id) do update
			set access = excluded.access, base_url = excluded.base_url, enabled = excluded.enabled,
				secret_id = case when excluded.access = 'platform' then null else public.tenant_model_providers.secret_id end
		returning id, secret_id`.execute(trx);
	const id = row!.id;
	if (input.access === 'own_key' && input.apiKey) {
		if (row!.secret_id) {
			await addSecretVersion(trx, config, {
				tenantId: input.tenantId,
				secretId: row!.secret_id,
				value: input.apiKey
			});
		} else {
			const { secretId } = await createSecret(trx, config, {
				tenantId: input.tenantId,
				name: 'api_key',
				format: 'opaque',
				value: input.apiKey,
				owner: { type: 'model_provider', id }
			});
			await sql`update public.tenant_model_providers set secret_id = ${secretId} where id = ${id}`.execute(
				trx
			);
		}
	}
	return id;
}

/** Removes the tenant's access to a provider (its key goes with it); false when RLS hid it. */
export async function removeProviderAccess(
	trx: Transaction<DB>,
	tenantId: string,
	accessId: string
): Promise<boolean> {
	const { numAffectedRows } = await sql`delete from public.tenant_model_providers
		where tenant_id = ${tenantId} and id = ${accessId}`.execute(trx);
	return (numAffectedRows ?? 0n) > 0n;
}

export interface Spend {
	monthStart: string;
	spentUsd: string;
	budgetUsd: string | null;
	tokens: number;
	softLimit: number | null;
	hardLimit: number | null;
}

/** This month's spend, the budget, the tokens and the plan's limits (public.ai_spend: ai.use). */
export async function aiSpend(trx: Transaction<DB>, tenantId: string): Promise<Spend> {
	const {
		rows: [row]
	} = await sql<{
		month_start: string;
		spent_usd: string;
		budget_usd: string | null;
		tokens: string;
		soft_limit: string | null;
		hard_limit: string | null;
	}>`select month_start::text, spent_usd::text, budget_usd::text, tokens::text, soft_limit::text, hard_limit::text
		from public.ai_spend(${tenantId})`.execute(trx);
	return {
		monthStart: row!.month_start,
		spentUsd: row!.spent_usd,
		budgetUsd: row!.budget_usd,
		tokens: Number(row!.tokens),
		softLimit: row!.soft_limit === null ? null : Number(row!.soft_limit),
		hardLimit: row!.hard_limit === null ? null : Number(row!.hard_limit)
	};
}

/** Sets (or clears, null) the tenant's monthly budget in USD (ai.manage; TN560). */
export async function setBudget(
	trx: Transaction<DB>,
	tenantId: string,
	budgetUsd: string | null
): Promise<void> {
	await sql`insert into public.tenant_ai_settings (tenant_id, monthly_budget_usd) values (${tenantId}, ${budgetUsd}::numeric)
		on conflict (tenant_id) do update set monthly_budget_usd = excluded.monthly_budget_usd`.execute(
		trx
	);
}

export interface RunRow {
	id: string;
	operation: 'chat' | 'embedding' | 'template';
	templateId: string | null;
	templateKey: string | null;
	templateVersion: number | null;
	model: string;
	inputTokens: number;
	outputTokens: number;
	costUsd: string;
	latencyMs: number;
	status: 'succeeded' | 'failed';
	error: string | null;
	finishReason: string | null;
	createdBy: string | null;
	createdAt: Date;
}

export interface RunFilters {
	status?: 'succeeded' | 'failed';
	operation?: 'chat' | 'embedding' | 'template';
	/** provider/model, e.g. openai/gpt-4o-mini. */
	model?: string;
	template?: string;
	days?: number;
}

/** The tenant's runs, newest first, filtered (ai.use). */
export async function listRuns(
	trx: Transaction<DB>,
	tenantId: string,
	filters: RunFilters = {},
	limit = 500
): Promise<RunRow[]> {
	const { rows } = await sql<RunRow>`
		select r.id, r.operation, r.template_id as "templateId", t.key as "templateKey",
			r.template_version as "templateVersion", r.provider_key || '/' || r.model_key as model,
			r.input_tokens as "inputTokens", r.output_tokens as "outputTokens", r.cost_usd::text as "costUsd",
			r.latency_ms as "latencyMs", r.status, r.error, r.finish_reason as "finishReason",
			r.created_by as "createdBy", r.created_at as "createdAt"
		from public.prompt_runs r
		left join public.prompt_templates t on t.tenant_id = r.tenant_id and t.id = r.template_id
		where r.tenant_id = ${tenantId}
			and (${filters.status ?? null}::text is null or r.status = ${filters.status ?? null})
			and (${filters.operation ?? null}::text is null or r.operation = ${filters.operation ?? null})
			and (${filters.model ?? null}::text is null or r.provider_key || '/' || r.model_key = ${filters.model ?? null})
			and (${filters.template ?? null}::text is null or t.key = ${filters.template ?? null})
			and r.created_at >= now() - make_interval(days => ${filters.days ?? 30})
		order by r.created_at desc, r.id
		limit ${limit}`.execute(trx);
	return rows;
}

/** The AI page's runs list: sorted, searched and paged in the URL (platform/list.ts). */
export const RUN_LIST = defineList({
	sorts: {
		created: { column: 'createdAt', type: 'timestamptz' },
		model: { column: 'model', type: 'text' },
		cost: { column: 'costUsd', type: 'numeric' },
		tokens: { column: 'tokens', type: 'integer' },
		latency: { column: 'latencyMs', type: 'integer' },
		status: { column: 'status', type: 'text' }
	},
	defaultSort: 'created',
	defaultDir: 'desc',
	search: ['model', 'operation', 'templateKey', 'error'],
	id: { column: 'id', type: 'uuid' }
});

export interface RunPageFilters extends Omit<RunFilters, 'days'> {
	/** First day (UTC, inclusive), `YYYY-MM-DD`. */
	from?: string;
	/** Last day (UTC, inclusive), `YYYY-MM-DD`. */
	to?: string;
}

export type RunListRow = Omit<RunRow, 'createdAt' | 'createdBy' | 'templateId'> & {
	createdAt: string;
	tokens: number;
};

/** A page of the tenant's runs, filtered by status, kind, model, template and days (ai.use). */
export async function pageRuns(
	trx: Transaction<DB>,
	tenantId: string,
	filters: RunPageFilters,
	params: ListParams
): Promise<ListPage<RunListRow>> {
	let query = trx
		.selectFrom('prompt_runs as r')
		.leftJoin('prompt_templates as t', (join) =>
			join.onRef('t.tenant_id', '=', 'r.tenant_id').onRef('t.id', '=', 'r.template_id')
		)
		.where('r.tenant_id', '=', tenantId)
		.select([
			'r.id',
			sql<RunRow['operation']>`r.operation`.as('operation'),
			't.key as templateKey',
			'r.template_version as templateVersion',
			sql<string>`r.provider_key || '/' || r.model_key`.as('model'),
			'r.input_tokens as inputTokens',
			'r.output_tokens as outputTokens',
			sql<number>`r.input_tokens + r.output_tokens`.as('tokens'),
			sql<string>`r.cost_usd::text`.as('costUsd'),
			'r.latency_ms as latencyMs',
			sql<RunRow['status']>`r.status`.as('status'),
			'r.error',
			'r.finish_reason as finishReason',
			sql<string>`r.created_at`.as('createdAt')
		]);
	if (filters.status) query = query.where('r.status', '=', filters.status);
	if (filters.operation) query = query.where('r.operation', '=', filters.operation);
	if (filters.model)
		query = query.where(sql<boolean>`r.provider_key || '/' || r.model_key = ${filters.model}`);
	if (filters.template) query = query.where('t.key', '=', filters.template);
	if (filters.from)
		query = query.where(sql<boolean>`r.created_at >= (${filters.from}::date at time zone 'utc')`);
	if (filters.to)
		query = query.where(
			sql<boolean>`r.created_at < ((${filters.to}::date + 1) at time zone 'utc')`
		);
	return listPage(trx, query, RUN_LIST, params) as Promise<ListPage<RunListRow>>;
}

export interface DailyCost {
	day: string;
	costUsd: string;
	tokens: number;
	runs: number;
}

/** Cost, tokens and runs per UTC day over the last `days` days (ai.use), every day present. */
export async function dailyCosts(
	trx: Transaction<DB>,
	tenantId: string,
	days = 30
): Promise<DailyCost[]> {
	const { rows } = await sql<{ day: string; cost_usd: string; tokens: string; runs: number }>`
		select d::date::text as day, coalesce(sum(r.cost_usd), 0)::text as cost_usd,
			coalesce(sum(r.input_tokens + r.output_tokens), 0)::text as tokens, count(r.id)::int as runs
		from generate_series((now() at time zone 'utc')::date - (${days} - 1), (now() at time zone 'utc')::date, interval '1 day') d
		left join public.prompt_runs r on r.tenant_id = ${tenantId}
			and (r.created_at at time zone 'utc')::date = d::date
		group by d order by d`.execute(trx);
	return rows.map((r) => ({
		day: r.day,
		costUsd: r.cost_usd,
		tokens: Number(r.tokens),
		runs: r.runs
	}));
}

export interface TemplateRow {
	id: string;
	key: string;
	name: string;
	description: string;
	latestVersion: number;
	updatedAt: Date;
}

export async function listTemplates(
	trx: Transaction<DB>,
	tenantId: string
): Promise<TemplateRow[]> {
	const { rows } = await sql<TemplateRow>`
		select id, key, name, description, latest_version as "latestVersion", updated_at as "updatedAt"
		from public.prompt_templates where tenant_id = ${tenantId} order by key`.execute(trx);
	return rows;
}

export interface TemplateVersionRow {
	id: string;
	version: number;
	instructions: string;
	body: string;
	variables: unknown;
	modelId: string | null;
	temperature: string | null;
	maxTokens: number | null;
	note: string;
	createdAt: Date;
}

export async function templateVersions(
	trx: Transaction<DB>,
	tenantId: string,
	templateKey: string
): Promise<{ template: TemplateRow; versions: TemplateVersionRow[] } | null> {
	const {
		rows: [template]
	} = await sql<TemplateRow>`
		select id, key, name, description, latest_version as "latestVersion", updated_at as "updatedAt"
		from public.prompt_templates where tenant_id = ${tenantId} and key = ${templateKey}`.execute(trx);
	if (!template) return null;
	const { rows: versions } = await sql<TemplateVersionRow>`
		select id, version, instructions, body, variables, model_id as "modelId", temperature::text as temperature,
			max_tokens as "maxTokens", note, created_at as "createdAt"
		from public.prompt_template_versions where tenant_id = ${tenantId} and template_id = ${template.id}
		order by version desc`.execute(trx);
	return { template, versions };
}

export async function createTemplate(
	trx: Transaction<DB>,
	input: { tenantId: string; key: string; name: string; description?: string }
): Promise<string> {
	const {
		rows: [row]
	} = await sql<{
		id: string;
	}>`insert into public.prompt_templates (tenant_id, key, name, description)
		values (${input.tenantId}, ${input.key}, ${input.name}, ${input.description ?? ''}) returning id`.execute(
		trx
	);
	return row!.id;
}

/** Adds the next version of a template (ai.manage; TN557, TN558, TN550). */
export async function addTemplateVersion(
	trx: Transaction<DB>,
	input: {
		tenantId: string;
		templateId: string;
		instructions: string;
		body: string;
		variables: unknown[];
		modelId?: string | null;
		temperature?: number | null;
		maxTokens?: number | null;
		note?: string;
	}
): Promise<number> {
	const {
		rows: [row]
	} = await sql<{ version: number }>`insert into public.prompt_template_versions
		(tenant_id, template_id, instructions, body, variables, model_id, temperature, max_tokens, note)
		values (${input.tenantId}, ${input.templateId}, ${input.instructions}, ${input.body},
			${JSON.stringify(input.variables)}::jsonb, ${input.modelId ?? null}, ${input.temperature ?? null},
			${input.maxTokens ?? null}, ${input.note ?? ''}) returning version`.execute(trx);
	return row!.version;
}

/** Staff's change of a model (super_admin; RLS hides the row from anyone else: false). */
export async function updateModel(
	trx: Transaction<DB>,
	input: {
		modelId: string;
		inputUsdPerMtok: string;
		outputUsdPerMtok: string;
		contextTokens: number;
		active: boolean;
	}
): Promise<boolean> {
	const { numAffectedRows } = await sql`update public.llm_models
		set input_usd_per_mtok = ${input.inputUsdPerMtok}::numeric, output_usd_per_mtok = ${input.outputUsdPerMtok}::numeric,
			context_tokens = ${input.contextTokens}, active = ${input.active}
		where id = ${input.modelId}`.execute(trx);
	return (numAffectedRows ?? 0n) > 0n;
}
