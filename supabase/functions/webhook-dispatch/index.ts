/**
 * webhook-dispatch: delivers outbound webhooks. A POST wakes it; it claims due deliveries
 * (public.claim_webhook_deliveries: FOR UPDATE SKIP LOCKED, a lease, each endpoint's rate limit),
 * POSTs each one signed the Standard Webhooks way, and records every attempt
 * (public.record_webhook_attempt, which decides the retry, Retry-After, 410 and disabling), until
 * nothing is due or its time budget is spent. At least once: a dispatcher that dies mid-batch
 * loses nothing, its leases pass and another takes the deliveries again, with the same webhook-id.
 *
 * Every attempt checks the destination again (_shared/ssrf.ts, over Deno.resolveDns: DNS may have
 * changed) and connects to the address that was checked, not to whatever the name resolves to a
 * moment later: the request goes through an HTTP client whose only transport is a TCP connection
 * to that address (`proxy: { transport: 'tcp' }`), while the URL, Host header and TLS server name
 * stay the endpoint's. Redirects are not followed (a 3xx is a failure).
 *
 * Signing secrets come sealed with the claim: each a version of the endpoint's owned secret on the
 * secrets store (envelope encryption: its data key unwrapped by the key-encryption key, then the
 * value opened), or, for a row the webhooks.move_secrets job has not moved yet, the old direct seal.
 *
 * Environment: SUPABASE_DB_URL, SECRETS_ENCRYPTION_KEY (base64 of 32 bytes: opens the signing
 * secrets), SECRETS_ENCRYPTION_KEY_PREVIOUS (during a key rotation: data keys still wrapped by the
 * old key open too), WEBHOOK_ALLOW_LOOPBACK (true only in tests and the demo: loopback receivers, http),
 * WEBHOOK_DNS_SERVER (host:port of the resolver to ask; the system's by default),
 * WEBHOOK_TIMEOUT_MS (15000), WEBHOOK_DISPATCHERS (claim loops, 1), WEBHOOK_BATCH (deliveries per
 * claim, sent at once, 16), WEBHOOK_DRAIN_BUDGET_MS (50000: stop claiming after it).
 */
import { asSystemJob, type TransactionSql } from '../_shared/db.ts';
import { json } from '../_shared/http.ts';
import { decodeKey, openVersion, openWithKeys, type SealedVersion } from '../_shared/secret-box.ts';
import { checkDestination } from '../_shared/ssrf.ts';
import { signatureHeader } from '../_shared/standard-webhooks.ts';

export interface Claimed {
	delivery_id: string;
	attempt: number;
	url: string;
	body: string;
	webhook_id: string;
	/** The live signing secrets, current first: a sealed version, or the old form (`sealed`). */
	secrets: ({ id: string; version: SealedVersion } | { id: string; sealed: string })[];
}

interface Outcome {
	status: number | null;
	error: string | null;
	responseHeaders: Record<string, string> | null;
	responseBody: string | null;
	retryAfter: string | null;
}

export interface DrainStats {
	claimed: number;
	succeeded: number;
	retrying: number;
	failed: number;
	lost: number;
}

const USER_AGENT = 'Tenantry-Webhooks/1.0 (+https://www.standardwebhooks.com)';
const FIRST_KB = 1024;

function setting(name: string, fallback: number): number {
	const value = Number(Deno.env.get(name) ?? fallback);
	if (!Number.isFinite(value) || value <= 0) {
		throw new Error(`${name} must be a positive number; it is "${Deno.env.get(name)}".`);
	}
	return value;
}

function options() {
	const timeoutMs = setting('WEBHOOK_TIMEOUT_MS', 15_000);
	return {
		timeoutMs,
		// The lease covers the attempt and its record, with room to spare.
		leaseSeconds: Math.ceil(timeoutMs / 1000) + 30,
		dispatchers: setting('WEBHOOK_DISPATCHERS', 1),
		batch: setting('WEBHOOK_BATCH', 16),
		budgetMs: setting('WEBHOOK_DRAIN_BUDGET_MS', 50_000),
		allowLoopback: Deno.env.get('WEBHOOK_ALLOW_LOOPBACK') === 'true',
	};
}

/** The key-encryption keys: the current one first, then the previous one during a rotation. */
function encryptionKeys(): Uint8Array<ArrayBuffer>[] {
	const text = Deno.env.get('SECRETS_ENCRYPTION_KEY');
	if (!text) {
		throw new Error('SECRETS_ENCRYPTION_KEY is not set: the signing secrets cannot be opened.');
	}
	const previous = Deno.env.get('SECRETS_ENCRYPTION_KEY_PREVIOUS');
	return previous ? [decodeKey(text), decodeKey(previous)] : [decodeKey(text)];
}

/** Opens one claimed signing secret with the key-encryption keys (the current one first). */
function openSigningSecret(
	secret: Claimed['secrets'][number],
	keys: readonly Uint8Array<ArrayBuffer>[],
): Promise<string> {
	if ('version' in secret) return openVersion(secret.version, keys);
	return openWithKeys(secret.sealed, keys, `webhook_endpoint_secrets:${secret.id}`);
}

/** The resolver WEBHOOK_DNS_SERVER names (host:port), else the system's. */
function resolverOptions(): Deno.ResolveDnsOptions | undefined {
	const server = Deno.env.get('WEBHOOK_DNS_SERVER');
	if (!server) return undefined;
	const match = /^(.+):(\d+)$/.exec(server);
	if (!match) throw new Error(`WEBHOOK_DNS_SERVER must be host:port; it is "${server}".`);
	return { nameServer: { ipAddr: match[1]!, port: Number(match[2]) } };
}

/** A and AAAA records of `host` (an empty list when it has neither). */
async function resolve(host: string): Promise<string[]> {
	const options = resolverOptions();
	const answers = await Promise.allSettled([
		Deno.resolveDns(host, 'A', options),
		Deno.resolveDns(host, 'AAAA', options),
	]);
	return answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : []));
}

function describe(error: unknown): string {
	const e = error as Error & { cause?: unknown };
	const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
	return `${e.message}${cause}`.slice(0, 1000);
}

async function firstKb(body: ReadableStream<Uint8Array> | null): Promise<string> {
	if (!body) return '';
	const reader = body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		while (size < FIRST_KB) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
			size += value.length;
		}
	} finally {
		await reader.cancel().catch(() => {});
	}
	const bytes = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, offset);
		offset += chunk.length;
	}
	return new TextDecoder().decode(bytes).slice(0, FIRST_KB);
}

/**
 * HTTP clients whose only transport is a TCP connection to one checked address and port, kept for
 * one drain (a name that resolves elsewhere on the next attempt gets another client). No idle
 * connections are kept: on a reused one the client would silently send a request again when the
 * receiver dropped it, and one attempt must be one request, recorded as it went.
 */
export class PinnedClients {
	#clients = new Map<string, Deno.HttpClient>();

	for(address: string, port: number): Deno.HttpClient {
		const key = `${address}|${port}`;
		let client = this.#clients.get(key);
		if (!client) {
			client = Deno.createHttpClient({
				proxy: { transport: 'tcp', hostname: address, port },
				poolMaxIdlePerHost: 0,
			});
			this.#clients.set(key, client);
		}
		return client;
	}

	close(): void {
		for (const client of this.#clients.values()) client.close();
		this.#clients.clear();
	}
}

/** POSTs to `url` over a TCP connection to `address` (the checked one), within `timeoutMs`. */
async function post(
	url: URL,
	address: string,
	headers: Record<string, string>,
	body: string,
	timeoutMs: number,
	clients: PinnedClients,
): Promise<Outcome> {
	const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
	const client = clients.for(address, port);
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(), timeoutMs);
	try {
		const response = await fetch(url, {
			method: 'POST',
			headers,
			body,
			redirect: 'manual',
			signal: controller.signal,
			client,
		});
		const responseBody = await firstKb(response.body);
		const redirect = response.status >= 300 && response.status < 400;
		return {
			status: response.status,
			error: redirect
				? `Redirects are not followed: the endpoint answered ${response.status} (to ${
					response.headers.get('location') ?? 'nowhere'
				}).`
				: null,
			responseHeaders: Object.fromEntries(response.headers),
			responseBody,
			retryAfter: response.headers.get('retry-after'),
		};
	} catch (error) {
		return {
			status: null,
			error: controller.signal.aborted
				? `No response within ${timeoutMs} ms.`
				: `The request failed: ${describe(error)}`,
			responseHeaders: null,
			responseBody: null,
			retryAfter: null,
		};
	} finally {
		clearTimeout(timer);
	}
}

/** One attempt of one claimed delivery: sign, check the destination, POST. Never throws. */
export async function attempt(
	delivery: Claimed,
	opts: {
		keys: readonly Uint8Array<ArrayBuffer>[];
		timeoutMs: number;
		allowLoopback: boolean;
		clients: PinnedClients;
		/** Opened secrets by id and sealed material, for one drain. */
		secrets: Map<string, Promise<string>>;
	},
): Promise<{ headers: Record<string, string>; outcome: Outcome }> {
	const timestamp = Math.floor(Date.now() / 1000);
	const headers: Record<string, string> = {
		'content-type': 'application/json',
		'user-agent': USER_AGENT,
		'webhook-id': delivery.webhook_id,
		'webhook-timestamp': String(timestamp),
	};
	const failed = (error: string): { headers: Record<string, string>; outcome: Outcome } => ({
		headers,
		outcome: { status: null, error, responseHeaders: null, responseBody: null, retryAfter: null },
	});
	if (delivery.secrets.length === 0) return failed('The endpoint has no live signing secret.');
	let secrets: string[];
	try {
		secrets = await Promise.all(delivery.secrets.map((s) => {
			const key = `${s.id}:${'version' in s ? s.version.wrapped_key : s.sealed}`;
			let opened = opts.secrets.get(key);
			if (!opened) {
				opened = openSigningSecret(s, opts.keys);
				opts.secrets.set(key, opened);
			}
			return opened;
		}));
	} catch (error) {
		return failed(`The signing secret could not be opened: ${describe(error)}`);
	}
	headers['webhook-signature'] = await signatureHeader(
		secrets,
		delivery.webhook_id,
		timestamp,
		delivery.body,
	);
	const checked = await checkDestination(delivery.url, {
		resolve,
		allowLoopback: opts.allowLoopback,
		requireHttps: !opts.allowLoopback,
	});
	if (!checked.ok) return failed(`Not sent: ${checked.reason}`);
	const address = checked.addresses[0];
	if (!address) return failed(`Not sent: ${checked.url.hostname} has no address.`);
	return {
		headers,
		outcome: await post(checked.url, address, headers, delivery.body, opts.timeoutMs, opts.clients),
	};
}

/** Claims and delivers until nothing is due or the budget is spent; one claim loop per dispatcher. */
export async function drain(worker = `dispatch-${crypto.randomUUID().slice(0, 8)}`): Promise<
	DrainStats
> {
	const opts = options();
	const keys = encryptionKeys();
	const stats: DrainStats = { claimed: 0, succeeded: 0, retrying: 0, failed: 0, lost: 0 };
	const deadline = Date.now() + opts.budgetMs;
	const clients = new PinnedClients();
	const secrets = new Map<string, Promise<string>>();

	interface Tried {
		delivery: Claimed;
		startedAt: Date;
		duration: number;
		headers: Record<string, string>;
		outcome: Outcome;
	}

	async function tryOne(delivery: Claimed): Promise<Tried> {
		const startedAt = new Date();
		const started = performance.now();
		const { headers, outcome } = await attempt(delivery, { ...opts, keys, clients, secrets });
		return {
			delivery,
			startedAt,
			duration: Math.round(performance.now() - started),
			headers,
			outcome,
		};
	}

	function recordOne(trx: TransactionSql, t: Tried, name: string) {
		return trx<{ status: 'pending' | 'succeeded' | 'failed' }[]>`
			select status from public.record_webhook_attempt(
				${t.delivery.delivery_id}, ${name}, ${t.startedAt}, ${t.duration}, ${t.outcome.status},
				${t.outcome.error}, ${trx.json(t.headers)},
				${t.outcome.responseHeaders ? trx.json(t.outcome.responseHeaders) : null},
				${t.outcome.responseBody}, ${t.outcome.retryAfter})`;
	}

	function count(status: string | undefined) {
		if (status === 'succeeded') stats.succeeded++;
		else if (status === 'failed') stats.failed++;
		else stats.retrying++;
	}

	/**
	 * Records a batch's attempts in one transaction (pipelined); if one is refused (TN281: its lease
	 * passed and another dispatcher holds the delivery now, whose attempt counts), each is recorded
	 * on its own so the others still are.
	 */
	async function record(tried: Tried[], name: string): Promise<void> {
		try {
			const rows = await asSystemJob(
				'webhook.dispatch',
				(trx) => Promise.all(tried.map((t) => recordOne(trx, t, name))),
			);
			for (const [row] of rows) count(row?.status);
		} catch {
			for (const t of tried) {
				try {
					const [row] = await asSystemJob('webhook.dispatch', (trx) => recordOne(trx, t, name));
					count(row?.status);
				} catch (error) {
					stats.lost++;
					console.error(`webhook-dispatch: ${t.delivery.delivery_id}: ${describe(error)}`);
				}
			}
		}
	}

	async function loop(name: string): Promise<void> {
		while (Date.now() < deadline) {
			const batch = await asSystemJob('webhook.dispatch', (trx) =>
				trx<Claimed[]>`
					select delivery_id, attempt, url, body, webhook_id, secrets
					from public.claim_webhook_deliveries(${name}, ${opts.batch}, ${opts.leaseSeconds})`);
			if (batch.length === 0) return;
			stats.claimed += batch.length;
			await record(await Promise.all(batch.map(tryOne)), name);
		}
	}

	try {
		await Promise.all(Array.from({ length: opts.dispatchers }, (_, i) => loop(`${worker}-${i}`)));
	} finally {
		clients.close();
	}
	return stats;
}

let running: Promise<DrainStats> | null = null;
let again = false;

/**
 * One drain at a time per process; a wake during one makes it look again when it ends (within the
 * time budget: the next wake, or the next cron run on Supabase, goes on).
 */
async function drainWhileWoken(): Promise<DrainStats> {
	const total: DrainStats = { claimed: 0, succeeded: 0, retrying: 0, failed: 0, lost: 0 };
	const deadline = Date.now() + options().budgetMs;
	do {
		again = false;
		const stats = await drain();
		for (const k of Object.keys(total) as (keyof DrainStats)[]) total[k] += stats[k];
	} while (again && Date.now() < deadline);
	return total;
}

export async function handler(req: Request): Promise<Response> {
	if (req.method !== 'POST') return json(405, { error: 'Use POST to wake the dispatcher.' });
	await req.body?.cancel();
	if (running) {
		again = true;
		return json(202, { running: true });
	}
	running = drainWhileWoken();
	try {
		return json(200, await running);
	} catch (error) {
		console.error(`webhook-dispatch: ${describe(error)}`);
		return json(500, { error: describe(error) });
	} finally {
		running = null;
	}
}

if (import.meta.main) Deno.serve(handler);
