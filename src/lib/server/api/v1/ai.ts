/**
 * AI (docs/ai.md): the models a tenant may call, this month's spend, the runs, prompt templates and
 * their versions (ai.manage writes), and running a template (ai.use) through the gateway.
 */
import { z } from 'zod';
import { AiError, TemplateVariablesError, runPrompt } from '../../ai/gateway';
import {
	addTemplateVersion,
	aiSpend,
	createTemplate,
	listModels,
	listRuns,
	listTemplates,
	templateVersions
} from '../../ai/queries';
import { variableSpecs } from '../../ai/template';
import { ensureRuntime } from '../../platform/runtime';
import { endpoint } from '../endpoint';
import { pageOf, pageQuery, paginate } from '../paging';
import { ApiProblem } from '../problem';
import { iso, notFound, timestamp } from './shared';

const money = z
	.string()
	.regex(/^-?\d+(\.\d+)?$/)
	.meta({ description: 'USD, exact (a decimal string).' });
const templateKey = z
	.string()
	.regex(/^[a-z][a-z0-9_.-]{1,63}$/, {
		error: 'A template key is 2–64 of a-z 0-9 . _ -, starting with a letter.'
	})
	.meta({ description: 'The template’s key, e.g. support.summarise.' });

export const aiModelSchema = z
	.object({
		id: z.uuid(),
		provider: z.string(),
		key: z.string(),
		name: z.string(),
		kind: z.enum(['chat', 'embedding']),
		context_tokens: z.int(),
		dimensions: z.int().nullable(),
		input_usd_per_mtok: money,
		output_usd_per_mtok: money,
		usable: z.boolean().meta({ description: 'The organisation has access to its provider.' })
	})
	.meta({ id: 'AiModel' });

export const aiSpendSchema = z
	.object({
		month_start: z.iso.date(),
		spent_usd: money,
		budget_usd: money.nullable(),
		tokens: z.int(),
		soft_limit: z.int().nullable(),
		hard_limit: z.int().nullable()
	})
	.meta({ id: 'AiSpend' });

export const promptRunSchema = z
	.object({
		id: z.uuid(),
		operation: z.enum(['chat', 'embedding', 'template']),
		template: z.string().nullable(),
		template_version: z.int().nullable(),
		model: z.string().meta({ description: 'provider/model' }),
		input_tokens: z.int(),
		output_tokens: z.int(),
		cost_usd: money,
		latency_ms: z.int(),
		status: z.enum(['succeeded', 'failed']),
		error: z.string().nullable(),
		finish_reason: z.string().nullable(),
		created_at: timestamp
	})
	.meta({ id: 'PromptRun' });

const variableSchema = z
	.object({
		name: z.string(),
		type: z.enum(['string', 'number', 'integer', 'boolean', 'enum']),
		required: z.boolean().optional(),
		max_length: z.int().optional(),
		values: z.array(z.string()).optional(),
		description: z.string().optional()
	})
	.meta({ id: 'PromptVariable' });

export const promptTemplateSchema = z
	.object({
		key: z.string(),
		name: z.string(),
		description: z.string(),
		latest_version: z.int(),
		updated_at: timestamp
	})
	.meta({ id: 'PromptTemplate' });

const versionInput = z
	.object({
		instructions: z
			.string()
			.min(1)
			.max(20000)
			.meta({ description: 'The system message: no {{placeholders}}.' }),
		body: z
			.string()
			.min(1)
			.max(20000)
			.meta({ description: 'The user message, with {{variable}} placeholders.' }),
		variables: z.array(variableSchema).max(30),
		model_id: z.uuid().nullable().optional(),
		temperature: z.number().min(0).max(2).nullable().optional(),
		max_tokens: z.int().min(1).max(100000).nullable().optional(),
		note: z.string().max(500).optional()
	})
	.strict();

export const listAiModels = endpoint(
	{
		method: 'GET',
		path: '/ai/models',
		operationId: 'listAiModels',
		summary: 'The models offered, their prices, and whether this organisation may call each',
		tag: 'AI',
		response: z.object({ items: z.array(aiModelSchema) }).meta({ id: 'AiModelList' })
	},
	async ({ trx, tenant }) => ({
		items: (await listModels(trx, tenant.id))
			.filter((m) => m.active)
			.map((m) => ({
				id: m.id,
				provider: m.providerKey,
				key: m.key,
				name: m.name,
				kind: m.kind,
				context_tokens: m.contextTokens,
				dimensions: m.dimensions,
				input_usd_per_mtok: m.inputUsdPerMtok,
				output_usd_per_mtok: m.outputUsdPerMtok,
				usable: m.usable
			}))
	})
);

export const getAiSpend = endpoint(
	{
		method: 'GET',
		path: '/ai/spend',
		operationId: 'getAiSpend',
		summary: 'This month’s AI spend, the budget and the plan’s AI tokens (ai.use)',
		tag: 'AI',
		response: aiSpendSchema
	},
	async ({ trx, tenant }) => {
		const s = await aiSpend(trx, tenant.id);
		return {
			month_start: s.monthStart,
			spent_usd: s.spentUsd,
			budget_usd: s.budgetUsd,
			tokens: s.tokens,
			soft_limit: s.softLimit,
			hard_limit: s.hardLimit
		};
	}
);

export const listPromptRuns = endpoint(
	{
		method: 'GET',
		path: '/ai/runs',
		operationId: 'listPromptRuns',
		summary: 'Model calls, newest first (ai.use)',
		description:
			'Filters: `status`, `operation`, `model` (provider/model), `template` (its key), `days` (1–366, default 30).',
		tag: 'AI',
		query: pageQuery.extend({
			status: z.enum(['succeeded', 'failed']).optional(),
			operation: z.enum(['chat', 'embedding', 'template']).optional(),
			model: z.string().max(200).optional(),
			template: templateKey.optional(),
			days: z.coerce.number().int().min(1).max(366).optional()
		}),
		response: pageOf(promptRunSchema, 'PromptRunPage')
	},
	async ({ trx, tenant, query }) => {
		const { limit, cursor, ...filters } = query;
		const rows = await listRuns(trx, tenant.id, filters, 5000);
		return paginate(
			rows.map((r) => ({
				id: r.id,
				operation: r.operation,
				template: r.templateKey,
				template_version: r.templateVersion,
				model: r.model,
				input_tokens: r.inputTokens,
				output_tokens: r.outputTokens,
				cost_usd: r.costUsd,
				latency_ms: r.latencyMs,
				status: r.status,
				error: r.error,
				finish_reason: r.finishReason,
				created_at: iso(r.createdAt)
			})),
			(r) => r.id,
			{ limit, cursor }
		);
	}
);

export const listPromptTemplates = endpoint(
	{
		method: 'GET',
		path: '/ai/templates',
		operationId: 'listPromptTemplates',
		summary: 'Prompt templates (ai.use)',
		tag: 'AI',
		response: z.object({ items: z.array(promptTemplateSchema) }).meta({ id: 'PromptTemplateList' })
	},
	async ({ trx, tenant }) => ({
		items: (await listTemplates(trx, tenant.id)).map((t) => ({
			key: t.key,
			name: t.name,
			description: t.description,
			latest_version: t.latestVersion,
			updated_at: iso(t.updatedAt)
		}))
	})
);

export const createPromptTemplate = endpoint(
	{
		method: 'POST',
		path: '/ai/templates',
		operationId: 'createPromptTemplate',
		summary: 'Create a prompt template with its first version (ai.manage)',
		tag: 'AI',
		body: versionInput
			.extend({
				key: templateKey,
				name: z.string().trim().min(1).max(100),
				description: z.string().max(500).optional()
			})
			.meta({ id: 'PromptTemplateInput' }),
		response: promptTemplateSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const templateId = await createTemplate(trx, {
			tenantId: tenant.id,
			key: body.key,
			name: body.name,
			description: body.description
		});
		await addTemplateVersion(trx, {
			tenantId: tenant.id,
			templateId,
			instructions: body.instructions,
			body: body.body,
			variables: variableSpecs.parse(body.variables),
			modelId: body.model_id,
			temperature: body.temperature,
			maxTokens: body.max_tokens,
			note: body.note
		});
		const t = (await templateVersions(trx, tenant.id, body.key))!.template;
		return {
			key: t.key,
			name: t.name,
			description: t.description,
			latest_version: t.latestVersion,
			updated_at: iso(t.updatedAt)
		};
	}
);

export const addPromptTemplateVersion = endpoint(
	{
		method: 'POST',
		path: '/ai/templates/{key}/versions',
		operationId: 'addPromptTemplateVersion',
		summary: 'Add the next version of a prompt template (ai.manage); versions never change',
		tag: 'AI',
		params: z.object({ key: templateKey }),
		body: versionInput.meta({ id: 'PromptTemplateVersionInput' }),
		response: z.object({ key: z.string(), version: z.int() }).meta({ id: 'PromptTemplateVersion' }),
		status: 201
	},
	async ({ trx, tenant, params, body }) => {
		const found = await templateVersions(trx, tenant.id, params.key);
		if (!found) notFound('prompt template');
		const version = await addTemplateVersion(trx, {
			tenantId: tenant.id,
			templateId: found.template.id,
			instructions: body.instructions,
			body: body.body,
			variables: variableSpecs.parse(body.variables),
			modelId: body.model_id,
			temperature: body.temperature,
			maxTokens: body.max_tokens,
			note: body.note
		});
		return { key: params.key, version };
	}
);

export const runPromptTemplate = endpoint(
	{
		method: 'POST',
		path: '/ai/templates/{key}/run',
		operationId: 'runPromptTemplate',
		summary: 'Run a prompt template with typed variables (ai.use); recorded as a run and metered',
		tag: 'AI',
		params: z.object({ key: templateKey }),
		body: z
			.object({
				variables: z.record(z.string(), z.unknown()),
				version: z.int().min(1).optional().meta({ description: 'Default: the latest.' }),
				model_id: z.uuid().optional().meta({ description: 'Default: the version’s model.' })
			})
			.strict()
			.meta({ id: 'PromptRunInput' }),
		response: z
			.object({
				run_id: z.uuid(),
				version: z.int(),
				text: z.string(),
				input_tokens: z.int(),
				output_tokens: z.int(),
				cost_usd: money,
				finish_reason: z.string()
			})
			.meta({ id: 'PromptRunResult' })
	},
	async ({ trx, tenant, params, body }) => {
		const config = (await ensureRuntime()).config;
		try {
			const out = await runPrompt(trx, config, {
				tenantId: tenant.id,
				templateKey: params.key,
				variables: body.variables,
				version: body.version,
				modelId: body.model_id
			});
			return {
				run_id: out.runId,
				version: out.version,
				text: out.text,
				input_tokens: out.usage.inputTokens,
				output_tokens: out.usage.outputTokens,
				cost_usd: out.costUsd,
				finish_reason: out.finishReason
			};
		} catch (error) {
			if (error instanceof TemplateVariablesError)
				throw new ApiProblem('TN220', 'The variables do not fit the template.', {
					errors: Object.entries(error.issues).map(([name, message]) => ({
						field: `body.variables.${name}`,
						message
					}))
				});
			if (error instanceof AiError && error.code === 'no_template') notFound('prompt template');
			if (error instanceof AiError) throw new ApiProblem('TN562', error.message);
			throw error;
		}
	}
);
