/**
 * The database of this process: opened, migrated, seeded and (embedded) served once, shared by
 * the start script and the SvelteKit server through a global, so both use the same PGlite.
 */
import { error } from '@sveltejs/kit';
import { sql, type Transaction } from 'kysely';
import type { Config } from './config';
import { DB_ERROR_MESSAGES } from './errors';
import type { DB } from './database';
import { redactUrl, type Engine } from './engine';
import { openEmbedded, MEMORY, type EmbeddedEngine } from './embedded';
import { migrate, migrationVersions, prepare, seed, type CompatMode } from './migrate';
import { signOutEndedSession } from '../auth/ended-session';
import { installApiKeySecret } from '../api-keys/hashing';
import {
	currentRequestContext,
	isSessionEnded,
	runAsServiceRole,
	runWithClaims,
	type ApiKeyClaims,
	type Claims,
	type Principal,
	type RequestContext,
	type SystemJob
} from './rls';
import { openServer, type ServerEngine } from './server';
import { serveWire, type WireServer } from './wire';
import { startMailCatcher, type MailCatcher } from '../email/catcher';
import { AUTH_TEMPLATES, EmailSender } from '../email/sender';
import { every, registeredJobs } from './scheduler';

export type { ApiKeyClaims, Claims, Principal, RequestContext, SystemJob };

export interface Runtime {
	engine: Engine;
	config: Config;
	/** The embedded engine's wire server, when it is being served. */
	wire: WireServer | null;
	/** The local mail catcher (MAIL_CATCHER), when it runs. */
	mail: MailCatcher | null;
	/** The role migrations and seeds run as (null on Supabase, where the connection's own role does). */
	owner: string | null;
	/** Stops the background jobs, the mail catcher, the wire server and the database, in that order. */
	shutdown(): Promise<void>;
}

export function openEngine(config: Config): Promise<EmbeddedEngine | ServerEngine> | ServerEngine {
	return config.DB_ENGINE === 'server'
		? openServer(config.DATABASE_URL!, config.DB_POOL_MAX)
		: openEmbedded(config.DATA_DIR === 'memory://' ? MEMORY : config.DATA_DIR);
}

export async function bootstrap(
	config: Config,
	log: (line: string) => void = () => {}
): Promise<Runtime> {
	const engine = await openEngine(config);
	let wire: WireServer | null = null;
	let mail: MailCatcher | null = null;
	try {
		const compat = config.SUPABASE_COMPAT as CompatMode;
		const owner = config.MIGRATE_ON_START
			? (await migrate(engine, { dir: config.MIGRATIONS_DIR, compat, log })).owner
			: await engine.session((s) => prepare(s, compat));
		if (config.API_KEY_SECRET && (await installApiKeySecret(engine, config.API_KEY_SECRET))) {
			log(
				'api keys: API_KEY_SECRET installed (keys hashed under the previous secret stop working)'
			);
		}
		if (config.SEED_ON_FIRST_START && config.DB_ENGINE === 'embedded') {
			const result = await seed(engine, { file: config.SEED_FILE, owner });
			if (result.seeded) log(`seeded demo data from ${config.SEED_FILE}`);
		}
		if (engine.kind === 'embedded' && config.DB_SERVE) {
			wire = await serveWire({
				pglite: engine.pglite,
				lock: engine.lock,
				host: config.DB_SERVE_HOST,
				port: config.DB_SERVE_PORT,
				maxConnections: config.DB_SERVE_MAX_CONNECTIONS
			});
		}
		if (config.MAIL_CATCHER) {
			mail = await startMailCatcher({
				host: config.MAIL_CATCHER_HOST,
				port: config.MAIL_CATCHER_PORT,
				smtpPort: config.MAIL_CATCHER_SMTP_PORT
			});
			log(`mail: ${mail.url}`);
		}
		// SMTP_URL, or else the catcher's SMTP server.
		const smtpUrl = config.SMTP_URL ?? mail?.smtpUrl;
		if (!smtpUrl) log('mail: not sent (set SMTP_URL): it waits in private.email_outbox');
		else if (!mail || config.SMTP_URL) log(`mail: sent through ${redactUrl(smtpUrl)}`);
		const sender =
			smtpUrl && config.EMAIL_SEND_INTERVAL_MS > 0
				? new EmailSender(
						engine.db,
						{
							smtpUrl,
							from: config.EMAIL_FROM,
							publicUrl: config.PUBLIC_URL,
							maxAttempts: config.EMAIL_MAX_ATTEMPTS,
							retryBaseMs: config.EMAIL_RETRY_BASE_MS,
							// Supabase Auth sends its own confirmation and reset mail.
							excludeTemplates: config.AUTH_PROVIDER === 'supabase' ? AUTH_TEMPLATES : []
						},
						log
					)
				: null;
		const jobs = [
			...registeredJobs().map(
				(job) =>
					job.intervalMs(config) > 0 &&
					every(job.name, job.intervalMs(config), () => job.run(engine.db, config), log)
			),
			sender !== null &&
				every('email.send', config.EMAIL_SEND_INTERVAL_MS, () => sender.drain(), log)
		].filter((job) => job !== false);
		return {
			engine,
			config,
			wire,
			mail,
			owner,
			async shutdown() {
				await Promise.all(jobs.map((stop) => stop()));
				for (const job of registeredJobs()) {
					await job
						.onShutdown?.(engine.db)
						.catch((e: Error) => log(`${job.name} failed: ${e.message}`));
				}
				sender?.close();
				await mail?.stop();
				await wire?.stop();
				await engine.close();
			}
		};
	} catch (error) {
		await mail?.stop();
		await wire?.stop();
		await engine.close();
		throw error;
	}
}

const RUNTIME = Symbol.for('tenantry.runtime');
type Holder = { [RUNTIME]?: Promise<Runtime> };

/** Installs the process-wide runtime (called once by the start script or the server's init hook). */
export function setRuntime(runtime: Promise<Runtime>): Promise<Runtime> {
	(globalThis as Holder)[RUNTIME] = runtime;
	return runtime;
}

export function getRuntime(): Promise<Runtime> | undefined {
	return (globalThis as Holder)[RUNTIME];
}

async function runtime(): Promise<Runtime> {
	const current = getRuntime();
	if (!current) throw new Error('The database has not been started: call bootstrap() first.');
	return current;
}

/**
 * One request as the caller: a transaction as `authenticated` (or `anon`) with their claims — a
 * person's, or an API key's (api-keys/verify.ts: a refused key throws one of API_KEY_REFUSALS).
 * When the claims' session has ended (signed out, password changed, refresh token reused), the
 * request is signed out and redirected to sign in (auth/ended-session.ts).
 */
export async function withClaims<T>(
	claims: Principal | null,
	fn: (trx: Transaction<DB>) => Promise<T>,
	context?: RequestContext
): Promise<T> {
	const db = (await runtime()).engine.db;
	const slug = (context ?? currentRequestContext())?.tenantSlug;
	const admitted: typeof fn =
		slug && claims && 'sub' in claims
			? async (trx) => {
					await sql`select public.assert_client_admitted(${slug})`.execute(trx);
					return fn(trx);
				}
			: fn;
	try {
		return await runWithClaims(db, claims, admitted, context);
	} catch (e) {
		if (isSessionEnded(e)) await signOutEndedSession(e);
		throw allowlistRefusal(e) ?? e;
	}
}

/**
 * A request from outside an IP allowlist (TN620 a tenant's, TN622 the console's) is a 403 page with
 * the catalogue's sentence, for pages and actions alike (an action's form cannot help).
 */
function allowlistRefusal(e: unknown): unknown {
	const code = (e as { code?: unknown } | null)?.code;
	if (code !== 'TN620' && code !== 'TN622') return null;
	try {
		error(403, DB_ERROR_MESSAGES[code]!.message);
	} catch (refusal) {
		return refusal;
	}
}

/** A named system job as `service_role`. Never used to serve a user's read. */
export async function asServiceRole<T>(
	job: SystemJob,
	fn: (trx: Transaction<DB>) => Promise<T>
): Promise<T> {
	return runAsServiceRole((await runtime()).engine.db, job, fn);
}

/** Was this database seeded from the seed file named `file` (the embedded demo database)? */
export async function wasSeededFrom(file: string): Promise<boolean> {
	const { engine } = await runtime();
	const [row] = await engine.session((s) =>
		s.query<{ seeded: boolean }>(
			`select exists (select 1 from supabase_migrations.seed_files where path = $1) as seeded`,
			[file]
		)
	);
	return row?.seeded === true;
}

export interface MigrationStatus {
	applied: number;
	latest: string | null;
	expected: number;
	expectedLatest: string | null;
}

export async function migrationStatus(engine: Engine, dir: string): Promise<MigrationStatus> {
	const versions = migrationVersions(dir);
	const [row] = await engine.session((s) =>
		s.query<{ applied: number; latest: string | null }>(
			`select count(*)::int as applied, max(version) as latest from supabase_migrations.schema_migrations`
		)
	);
	return {
		applied: row?.applied ?? 0,
		latest: row?.latest ?? null,
		expected: versions.length,
		expectedLatest: versions.at(-1) ?? null
	};
}
