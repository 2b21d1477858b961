/**
 * The one way Tenantry calls a model (docs/ai.md). Each call, in the caller's transaction:
 *
 * 1. `public.ai_prepare_call` as the caller (in a savepoint, so a refusal leaves the transaction
 *    usable): ai.use, the model offered, the tenant's access to its provider, and the call's worst
 *    case (input bytes as tokens — a byte-level tokenizer never makes more tokens than bytes — plus
 *    the maximum output) within the monthly budget (TN552) and the plan's ai_tokens (TN553).
 * 2. The key: the platform's (AI_<PROVIDER>_API_KEY) or the tenant's owned secret, used as the
 *    `ai.gateway` system job; a tenant's own base URL passes the SSRF guard first.
 * 3. The call, with timeouts and retries (http.ts), streamed when `onDelta` is given.
 * 4. `private.record_model_call` as the `ai.gateway` job: the run, its cost from the model's prices
 *    now, the tokens metered into ai_tokens; a failure is recorded too, then thrown as an AiError
 *    with its run id.
 */
import { sql, type Transaction } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import type { SecretsConfig } from '../secrets/envelope';
import { useSecret } from '../secrets/service';
import { destinationProblem } from '../webhooks/destination';
import { AiError } from './errors';
import { localChatModel, localEmbedder } from './local';
import { asSystemJobWithin } from './system';
import { renderTemplate, variableSpecs, variablesSchema } from './template';
import {
	anthropicChat,
	openAiChat,
	openAiEmbed,
	type ChatMessage,
	type ChatResult,
	type Endpoint
} from './wire';

export type { ChatMessage } from './wire';
export { AiError } from './errors';

export type AiConfig = SecretsConfig &
	Pick<
		Config,
		| 'AI_OPENAI_API_KEY'
		| 'AI_ANTHROPIC_API_KEY'
		| 'AI_DEEPSEEK_API_KEY'
		| 'AI_REQUEST_TIMEOUT_MS'
		| 'AI_MAX_RETRIES'
		| 'AI_RETRY_BASE_MS'
		| 'WEBHOOK_ALLOW_LOOPBACK'
	>;

const GATEWAY_JOB = 'ai.gateway';
/** The output a chat call may produce when the caller sets no maximum. */
export const DEFAULT_MAX_TOKENS = 1024;

interface Prepared {
	model_key: string;
	model_kind: 'chat' | 'embedding';
	dimensions: number | null;
	context_tokens: number;
	provider_key: string;
	api_style: 'openai' | 'anthropic' | 'local';
	base_url: string | null;
	tenant_base_url: boolean;
	access: 'platform' | 'own_key' | null;
	secret_id: string | null;
}

/** The most tokens `texts` can be for a byte-level tokenizer, plus a few per message. */
export function worstCaseTokens(texts: string[]): number {
	return texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8') + 8, 8);
}

async function prepare(
	trx: Transaction<DB>,
	tenantId: string,
	modelId: string,
	inputTokens: number,
	maxOutput: number
): Promise<Prepared> {
	await sql`savepoint ai_prepare`.execute(trx);
	try {
		const { rows } =
			await sql<Prepared>`select * from public.ai_prepare_call(${tenantId}, ${modelId},
			${inputTokens}, ${maxOutput})`.execute(trx);
		await sql`release savepoint ai_prepare`.execute(trx);
		return rows[0]!;
	} catch (error) {
		await sql`rollback to savepoint ai_prepare`.execute(trx);
		throw error;
	}
}

function platformKey(config: AiConfig, provider: string): string | undefined {
	return (
		{
			openai: config.AI_OPENAI_API_KEY,
			anthropic: config.AI_ANTHROPIC_API_KEY,
			deepseek: config.AI_DEEPSEEK_API_KEY
		} as Record<string, string | undefined>
	)[provider];
}

async function endpointFor(
	trx: Transaction<DB>,
	config: AiConfig,
	tenantId: string,
	prepared: Prepared
): Promise<Endpoint> {
	const provider = prepared.provider_key;
	if (!prepared.base_url)
		throw new AiError(`${provider} has no endpoint to call.`, false, 'no_endpoint');
	if (prepared.tenant_base_url) {
		const problem = await destinationProblem(prepared.base_url, config.WEBHOOK_ALLOW_LOOPBACK);
		if (problem) throw new AiError(`The endpoint is refused: ${problem}`, false, 'ssrf');
	}
	let apiKey: string | null;
	if (prepared.access === 'own_key') {
		const secretId = prepared.secret_id!;
		apiKey = await asSystemJobWithin(trx, GATEWAY_JOB, () =>
			useSecret(trx, config, { tenantId, secretId })
		);
	} else {
		apiKey = platformKey(config, provider) ?? null;
		if (!apiKey)
			throw new AiError(
				`The platform has no key for ${provider} (AI_${provider.toUpperCase()}_API_KEY); use your own key.`,
				false,
				'no_platform_key'
			);
	}
	return {
		provider,
		baseUrl: prepared.base_url,
		apiKey,
		policy: {
			timeoutMs: config.AI_REQUEST_TIMEOUT_MS,
			maxRetries: config.AI_MAX_RETRIES,
			baseMs: config.AI_RETRY_BASE_MS
		}
	};
}

interface RunRecord {
	tenantId: string;
	modelId: string;
	operation: 'chat' | 'embedding' | 'template';
	template?: { id: string; version: number };
	inputTokens: number;
	outputTokens: number;
	latencyMs: number;
	error?: string;
	finishReason?: string;
}

async function record(
	trx: Transaction<DB>,
	run: RunRecord
): Promise<{ runId: string; costUsd: string }> {
	const {
		rows: [me]
	} = await sql<{ uid: string | null }>`select auth.uid() as uid`.execute(trx);
	return asSystemJobWithin(trx, GATEWAY_JOB, async () => {
		const { rows } = await sql<{ run_id: string; cost_usd: string }>`
			select * from private.record_model_call(${run.tenantId}, ${me?.uid ?? null}, ${run.modelId},
				${run.operation}, ${run.template?.id ?? null}, ${run.template?.version ?? null}, ${run.inputTokens},
				${run.outputTokens}, ${Math.round(run.latencyMs)}, ${run.error ?? null}, ${run.finishReason ?? null})`.execute(
			trx
		);
		return { runId: rows[0]!.run_id, costUsd: String(rows[0]!.cost_usd) };
	});
}

/** Runs `call`, recording it as a run whether it answers or fails; a failure is thrown with its run id. */
async function recorded<
	T extends { usage: { inputTokens: number; outputTokens?: number }; finishReason?: string }
>(
	trx: Transaction<DB>,
	base: Omit<RunRecord, 'inputTokens' | 'outputTokens' | 'latencyMs'>,
	call: () => Promise<T>
): Promise<T & { runId: string; costUsd: string }> {
	const started = performance.now();
	let result: T;
	try {
		result = await call();
	} catch (error) {
		if (!(error instanceof AiError)) throw error;
		const { runId } = await record(trx, {
			...base,
			inputTokens: 0,
			outputTokens: 0,
			latencyMs: performance.now() - started,
			error: error.message
		});
		throw error.withRun(runId);
	}
	const run = await record(trx, {
		...base,
		inputTokens: result.usage.inputTokens,
		outputTokens: result.usage.outputTokens ?? 0,
		latencyMs: performance.now() - started,
		finishReason: result.finishReason
	});
	return { ...result, ...run };
}

export interface EmbedInput {
	tenantId: string;
	modelId: string;
	input: string[];
	signal?: AbortSignal;
}

/** Embeds `input` with an embedding model: one vector per text, in order, of the model's size. */
export async function embedTexts(
	trx: Transaction<DB>,
	config: AiConfig,
	{ tenantId, modelId, input, signal }: EmbedInput
): Promise<{
	vectors: number[][];
	dimensions: number;
	usage: { inputTokens: number };
	runId: string;
	costUsd: string;
}> {
	if (input.length === 0) throw new AiError('There is nothing to embed.', false, 'empty');
	const prepared = await prepare(trx, tenantId, modelId, worstCaseTokens(input), 0);
	if (prepared.model_kind !== 'embedding' || !prepared.dimensions)
		throw new AiError(`${prepared.model_key} is not an embedding model.`, false, 'wrong_kind');
	const dimensions = prepared.dimensions;
	const result = await recorded(trx, { tenantId, modelId, operation: 'embedding' }, async () => {
		let vectors: number[][];
		let inputTokens: number;
		if (prepared.api_style === 'local') {
			const embedder = localEmbedder(prepared.model_key);
			if (!embedder)
				throw new AiError(
					`The in-process model ${prepared.model_key} is not loaded in this server.`,
					false,
					'not_loaded'
				);
			({ vectors, inputTokens } = await embedder.embed(input, signal));
		} else if (prepared.api_style === 'openai') {
			const endpoint = await endpointFor(trx, config, tenantId, prepared);
			({ vectors, inputTokens } = await openAiEmbed(endpoint, prepared.model_key, input, signal));
		} else {
			throw new AiError(`${prepared.provider_key} offers no embeddings.`, false, 'wrong_kind');
		}
		if (vectors.length !== input.length || vectors.some((v) => v.length !== dimensions))
			throw new AiError(
				`${prepared.provider_key} gave vectors of another size than ${prepared.model_key}'s ${dimensions}.`,
				false,
				'malformed'
			);
		return { vectors, usage: { inputTokens } };
	});
	return {
		vectors: result.vectors,
		dimensions,
		usage: { inputTokens: result.usage.inputTokens },
		runId: result.runId,
		costUsd: result.costUsd
	};
}

export interface ChatInput {
	tenantId: string;
	modelId: string;
	messages: ChatMessage[];
	temperature?: number;
	maxTokens?: number;
	signal?: AbortSignal;
	onDelta?: (text: string) => void;
}

async function chat(
	trx: Transaction<DB>,
	config: AiConfig,
	input: ChatInput,
	operation: 'chat' | 'template',
	template?: { id: string; version: number }
): Promise<ChatResult & { runId: string; costUsd: string }> {
	if (input.messages.length === 0) throw new AiError('A chat needs a message.', false, 'empty');
	const maxTokens = input.maxTokens ?? DEFAULT_MAX_TOKENS;
	const prepared = await prepare(
		trx,
		input.tenantId,
		input.modelId,
		worstCaseTokens(input.messages.map((m) => m.content)),
		maxTokens
	);
	if (prepared.model_kind !== 'chat')
		throw new AiError(`${prepared.model_key} is not a chat model.`, false, 'wrong_kind');
	const request = {
		model: prepared.model_key,
		messages: input.messages,
		temperature: input.temperature,
		maxTokens: Math.min(maxTokens, prepared.context_tokens),
		signal: input.signal,
		onDelta: input.onDelta
	};
	return recorded(
		trx,
		{ tenantId: input.tenantId, modelId: input.modelId, operation, template },
		async () => {
			if (prepared.api_style === 'local') {
				const model = localChatModel(prepared.model_key);
				if (!model)
					throw new AiError(
						`The in-process model ${prepared.model_key} is not loaded in this server.`,
						false,
						'not_loaded'
					);
				const out = await model.complete(input.messages, request);
				return {
					text: out.text,
					usage: { inputTokens: out.inputTokens, outputTokens: out.outputTokens },
					finishReason: out.finishReason,
					attempts: 1
				};
			}
			const endpoint = await endpointFor(trx, config, input.tenantId, prepared);
			return prepared.api_style === 'anthropic'
				? anthropicChat(endpoint, request)
				: openAiChat(endpoint, request);
		}
	);
}

/** One chat completion (streamed through `onDelta` when given), recorded as a run. */
export async function chatComplete(
	trx: Transaction<DB>,
	config: AiConfig,
	input: ChatInput
): Promise<{
	text: string;
	usage: { inputTokens: number; outputTokens: number };
	finishReason: string;
	runId: string;
	costUsd: string;
}> {
	const out = await chat(trx, config, input, 'chat');
	return {
		text: out.text,
		usage: out.usage,
		finishReason: out.finishReason,
		runId: out.runId,
		costUsd: out.costUsd
	};
}

/** Variables that do not fit the template version's types: a sentence per variable. */
export class TemplateVariablesError extends Error {
	constructor(readonly issues: Record<string, string>) {
		super(Object.values(issues).join(' '));
		this.name = 'TemplateVariablesError';
	}
}

export interface RunPromptInput {
	tenantId: string;
	templateKey: string;
	variables: Record<string, unknown>;
	/** A version number; default the latest. */
	version?: number;
	modelId?: string;
	signal?: AbortSignal;
	onDelta?: (text: string) => void;
}

/** Runs a prompt template's version (the latest by default) with typed variables, recorded as a run. */
export async function runPrompt(
	trx: Transaction<DB>,
	config: AiConfig,
	input: RunPromptInput
): Promise<{
	runId: string;
	text: string;
	costUsd: string;
	usage: { inputTokens: number; outputTokens: number };
	finishReason: string;
	version: number;
}> {
	const { rows } = await sql<{
		template_id: string;
		version: number;
		instructions: string;
		body: string;
		variables: unknown;
		model_id: string | null;
		temperature: string | null;
		max_tokens: number | null;
	}>`select v.template_id, v.version, v.instructions, v.body, v.variables, v.model_id, v.temperature, v.max_tokens
		from public.prompt_templates t
		join public.prompt_template_versions v on v.tenant_id = t.tenant_id and v.template_id = t.id
		where t.tenant_id = ${input.tenantId} and t.key = ${input.templateKey}
			and v.version = coalesce(${input.version ?? null}::integer, t.latest_version)`.execute(trx);
	const found = rows[0];
	if (!found)
		throw new AiError(
			`No prompt template ${input.templateKey}${input.version ? ` version ${input.version}` : ''}, or you may not use it (ai.use).`,
			false,
			'no_template'
		);
	const specs = variableSpecs.parse(found.variables);
	const parsed = variablesSchema(specs).safeParse(input.variables);
	if (!parsed.success) {
		const issues: Record<string, string> = {};
		for (const issue of parsed.error.issues)
			issues[String(issue.path[0] ?? 'variables')] ??= issue.message;
		throw new TemplateVariablesError(issues);
	}
	const modelId = input.modelId ?? found.model_id;
	if (!modelId) throw new AiError('Choose a model: the template names none.', false, 'no_model');
	const messages = renderTemplate(
		{ instructions: found.instructions, body: found.body, variables: specs },
		parsed.data
	);
	const out = await chat(
		trx,
		config,
		{
			tenantId: input.tenantId,
			modelId,
			messages,
			temperature: found.temperature === null ? undefined : Number(found.temperature),
			maxTokens: found.max_tokens ?? undefined,
			signal: input.signal,
			onDelta: input.onDelta
		},
		'template',
		{ id: found.template_id, version: found.version }
	);
	return {
		runId: out.runId,
		text: out.text,
		costUsd: out.costUsd,
		usage: out.usage,
		finishReason: out.finishReason,
		version: found.version
	};
}
