import { z } from 'zod';
import { parseProxyEntry } from './web/client-address';

/**
 * Every setting Tenantry reads from the environment, validated once at startup.
 * `.env.example` lists the same variables with their defaults; keep the two in step.
 */
const booleanFlag = z
	.enum(['true', 'false', '1', '0', 'yes', 'no'], {
		error: 'expected one of true, false, 1, 0, yes, no'
	})
	.transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = (fallback: number) =>
	z.coerce
		.number({ error: 'expected a port number' })
		.int({ error: 'expected a whole port number' })
		.min(1, { error: 'expected a port between 1 and 65535' })
		.max(65535, { error: 'expected a port between 1 and 65535' })
		.default(fallback);

const postgresUrl = z
	.string()
	.refine((value) => /^postgres(ql)?:\/\/[^\s]+$/.test(value) && URL.canParse(value), {
		error: 'expected a URL like postgresql://user:password@host:5432/postgres'
	});

const publicUrl = z
	.string()
	.refine((value) => /^https?:\/\/[^\s]+$/.test(value) && URL.canParse(value), {
		error: 'expected an http(s) URL like https://app.example.com'
	});

const secretsKey = z.string().refine((value) => /^[A-Za-z0-9+/_-]{43}=?$/.test(value.trim()), {
	error: 'expected 32 bytes in base64 (openssl rand -base64 32)'
});

const schema = z
	.object({
		NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
		HOST: z.string().min(1).default('127.0.0.1'),
		PORT: port(3000),
		DB_ENGINE: z
			.enum(['embedded', 'server'], { error: 'expected "embedded" or "server"' })
			.optional(),
		DATABASE_URL: postgresUrl.optional(),
		DB_POOL_MAX: z.coerce
			.number({ error: 'expected a number of connections' })
			.int()
			.min(1, { error: 'expected at least 1 connection' })
			.max(500, { error: 'expected at most 500 connections' })
			.default(10),
		DATA_DIR: z.string().min(1).default('.data/pglite'),
		DB_SERVE: booleanFlag.default(true),
		DB_SERVE_HOST: z.string().min(1).default('127.0.0.1'),
		DB_SERVE_PORT: port(54322),
		DB_SERVE_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1000).default(100),
		SUPABASE_COMPAT: z
			.enum(['auto', 'on', 'off'], { error: 'expected "auto", "on" or "off"' })
			.default('auto'),
		MIGRATE_ON_START: booleanFlag.default(true),
		SEED_ON_FIRST_START: booleanFlag.default(true),
		/** Unset: on, except on the seeded demo database (src/routes/(admin)/admin/guard.server.ts). */
		ADMIN_REQUIRE_MFA: booleanFlag.optional(),
		AUDIT_SEAL_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 (off) or more milliseconds' })
			.default(5000),
		AUTH_JWT_SECRET: z
			.string()
			.min(32, { error: 'expected at least 32 characters (openssl rand -base64 48)' })
			.optional(),
		/**
		 * The HMAC key of API keys (api_keys.key_hash), installed into the database at start-up so the
		 * PostgREST pre-request verifies with it too. Unset outside production: the random one the
		 * migration made is kept. Changing it invalidates every key.
		 */
		API_KEY_SECRET: z
			.string()
			.min(32, { error: 'expected at least 32 characters (openssl rand -base64 48)' })
			.optional(),
		/**
		 * The key-encryption key (AES-256, 32 bytes in base64) that wraps the data keys of secrets
		 * (docs/secrets.md): it never rests in the database. Unset outside production: derived from
		 * the auth secret. The edge functions get the same (npm start passes it on). To change it, set
		 * the old one as SECRETS_ENCRYPTION_KEY_PREVIOUS and run npm run secrets:rotate-key.
		 */
		SECRETS_ENCRYPTION_KEY: secretsKey.optional(),
		/** The issue's name for SECRETS_ENCRYPTION_KEY, also read (docs/decisions/0011). */
		SECRETS_KEY: secretsKey.optional(),
		/**
		 * The key-encryption key before a rotation: data keys it wrapped still open until
		 * npm run secrets:rotate-key has re-wrapped them under SECRETS_ENCRYPTION_KEY.
		 */
		SECRETS_ENCRYPTION_KEY_PREVIOUS: secretsKey.optional(),
		/**
		 * Lets webhook endpoints point at loopback receivers (127.0.0.0/8, ::1, localhost) and use
		 * plain http. Off by default: then https is required and the SSRF guard refuses loopback like
		 * every private range. Only tests and the local demo turn it on (docs/webhooks.md).
		 */
		WEBHOOK_ALLOW_LOOPBACK: booleanFlag.default(false),
		/**
		 * The platform's keys for the model providers a tenant uses with platform access
		 * (docs/ai.md); unset: platform access to that provider fails with a sentence. A tenant's
		 * own key is an owned secret instead.
		 */
		AI_OPENAI_API_KEY: z.string().min(1).optional(),
		AI_ANTHROPIC_API_KEY: z.string().min(1).optional(),
		AI_DEEPSEEK_API_KEY: z.string().min(1).optional(),
		/** How long the AI gateway waits for a provider's answer (each attempt). */
		AI_REQUEST_TIMEOUT_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(100, { error: 'expected at least 100 milliseconds' })
			.max(600_000, { error: 'expected at most 600000 milliseconds' })
			.default(60_000),
		/** Retries of a call answered 429 or 5xx (or not answered), with backoff. */
		AI_MAX_RETRIES: z.coerce
			.number({ error: 'expected a number of retries' })
			.int()
			.min(0, { error: 'expected 0 or more retries' })
			.max(10, { error: 'expected at most 10 retries' })
			.default(3),
		/** The first retry's wait when the provider names none (doubling, with jitter). */
		AI_RETRY_BASE_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 or more milliseconds' })
			.max(60_000, { error: 'expected at most 60000 milliseconds' })
			.default(500),
		/**
		 * Lets SSO providers' metadata URLs, OIDC issuers and SAML SSO URLs be loopback hosts over
		 * plain http (the tests' identity providers). Off by default: https and the SSRF guard
		 * (docs/sso.md).
		 */
		SSO_ALLOW_LOOPBACK: booleanFlag.default(false),
		PUBLIC_URL: publicUrl.optional(),
		/** The earlier name of PUBLIC_URL, still read. */
		PUBLIC_APP_URL: publicUrl.optional(),
		SMTP_URL: z
			.string()
			.refine((value) => /^smtps?:\/\/[^\s/]+\/?(\?\S*)?$/.test(value) && URL.canParse(value), {
				error:
					'expected an SMTP URL like smtp://user:password@smtp.example.com:587 (smtps:// for TLS)'
			})
			.optional(),
		EMAIL_FROM: z
			.string()
			.regex(/^[^\r\n]{0,200}<?[^\s@<>]+@[^\s@<>]+>?$/, {
				error: 'expected a sender like "Tenantry <no-reply@example.com>" or no-reply@example.com'
			})
			.optional(),
		EMAIL_SEND_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 (off) or more milliseconds' })
			.default(1000),
		EMAIL_MAX_ATTEMPTS: z.coerce
			.number({ error: 'expected a number of attempts' })
			.int()
			.min(1, { error: 'expected at least 1 attempt' })
			.max(100, { error: 'expected at most 100 attempts' })
			.default(8),
		EMAIL_RETRY_BASE_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 or more milliseconds' })
			.max(3_600_000, { error: 'expected at most 3600000 milliseconds (one hour)' })
			.default(30_000),
		MAIL_CATCHER: z
			.enum(['auto', 'on', 'off'], { error: 'expected "auto", "on" or "off"' })
			.default('auto'),
		MAIL_CATCHER_HOST: z.string().min(1).default('127.0.0.1'),
		MAIL_CATCHER_PORT: port(54324),
		MAIL_CATCHER_SMTP_PORT: port(54325),
		AUTH_PROVIDER: z
			.enum(['embedded', 'supabase'], { error: 'expected "embedded" or "supabase"' })
			.default('embedded'),
		SUPABASE_URL: z
			.string()
			.refine((value) => /^https?:\/\/[^\s]+$/.test(value) && URL.canParse(value), {
				error: 'expected the project URL like https://<project-ref>.supabase.co'
			})
			.optional(),
		SUPABASE_ANON_KEY: z
			.string()
			.min(20, { error: "expected the project's anon (publishable) key" })
			.optional(),
		/**
		 * Where uploaded files' bytes live (docs/storage.md): embedded (files under the data
		 * directory, served by the app's signed URLs) or supabase (Supabase Storage at SUPABASE_URL,
		 * with SUPABASE_SERVICE_ROLE_KEY).
		 */
		STORAGE_BACKEND: z
			.enum(['embedded', 'supabase'], { error: 'expected "embedded" or "supabase"' })
			.default('embedded'),
		/** The project's service-role key, for Supabase Storage (STORAGE_BACKEND=supabase). */
		SUPABASE_SERVICE_ROLE_KEY: z
			.string()
			.min(20, { error: "expected the project's service_role (secret) key" })
			.optional(),
		/** How often the storage.sweep job removes the bytes of deleted and orphaned files. */
		STORAGE_SWEEP_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 (off) or more milliseconds' })
			.default(60_000),
		BILLING_LIFECYCLE_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 (off) or more milliseconds' })
			.default(60_000),
		USAGE_ROLLUP_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 (off) or more milliseconds' })
			.default(300_000),
		/** The bi.alerts scheduler tick (queues the alerts due): docs/bi-alerts.md. */
		ALERTS_TICK_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 (off) or more milliseconds' })
			.default(60_000),
		/** The notifications.fan_out job (events → inboxes and mail): docs/notifications.md. */
		NOTIFICATIONS_FAN_OUT_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 (off) or more milliseconds' })
			.default(1_000),
		/** How often the notifications.digest job looks for people due their daily digest. */
		NOTIFICATIONS_DIGEST_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 (off) or more milliseconds' })
			.default(600_000),
		API_METER_FLUSH_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 (off) or more milliseconds' })
			.default(5_000),
		/** Runs the edge functions in Deno beside the app (auto: the embedded engine, outside tests). */
		FUNCTIONS_SERVE: z
			.enum(['auto', 'on', 'off'], { error: 'expected "auto", "on" or "off"' })
			.default('auto'),
		FUNCTIONS_HOST: z.string().min(1).default('127.0.0.1'),
		FUNCTIONS_PORT: port(54321),
		/** How often the app checks for due webhook deliveries besides LISTEN and its timer. */
		WEBHOOK_WAKE_POLL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(100, { error: 'expected 100 or more milliseconds' })
			.default(1_000),
		/** GitHub's REST API, for integrations (tests point it at a local fake). */
		GITHUB_API_URL: publicUrl.default('https://api.github.com'),
		/** Slack's Web API, for integrations and Slack notifications (tests point it at a local fake). */
		SLACK_API_URL: publicUrl.default('https://slack.com/api'),
		/** How often connected GitHub and Slack integrations' caches are refreshed (0: never). */
		INTEGRATIONS_SYNC_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 (off) or more milliseconds' })
			.default(900_000),
		/** How often the job queue's worker looks for due jobs besides LISTEN jobs and its timer (docs/queue.md). */
		QUEUE_POLL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(100, { error: 'expected 100 or more milliseconds' })
			.default(1_000),
		/** How long shutdown waits for running jobs before aborting them (their leases then pass). */
		QUEUE_SHUTDOWN_GRACE_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 or more milliseconds' })
			.default(10_000),
		/** How often due workflow schedules are looked for (docs/workflows.md); 0 turns schedules off. */
		WORKFLOWS_SCHEDULE_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 or more milliseconds' })
			.default(30_000),
		/**
		 * How often the governance.schedule job looks whether today's retention and maintenance runs
		 * are queued (once per UTC day; docs/governance.md); 0 turns the daily runs off.
		 */
		GOVERNANCE_SCHEDULE_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 or more milliseconds' })
			.default(3_600_000),
		/** npm run bench -- api only: the JSON file /api/bench-floor answers with (unset: 404). */
		BENCH_FLOOR_FILE: z.string().min(1).optional(),
		API_PERSON_RATE_LIMIT: z.coerce
			.number({ error: 'expected requests per minute' })
			.int()
			.min(1, { error: 'expected at least 1 request per minute' })
			.default(600),
		STRIPE_SECRET_KEY: z
			.string()
			.regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, {
				error: 'expected a Stripe secret key like sk_test_…'
			})
			.optional(),
		STRIPE_WEBHOOK_SIGNING_SECRET: z
			.string()
			.regex(/^whsec_[A-Za-z0-9]+$/, { error: 'expected a webhook signing secret like whsec_…' })
			.optional(),
		STRIPE_WEBHOOK_FORWARD_URL: z
			.string()
			.refine((value) => /^https?:\/\/[^\s]+$/.test(value) && URL.canParse(value), {
				error:
					'expected the URL of the stripe-webhook function, like http://127.0.0.1:54321/functions/v1/stripe-webhook'
			})
			.optional(),
		/** How often domains.dns_check checks every custom domain's records; 0 turns it off. */
		DOMAIN_DNS_CHECK_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 or more milliseconds' })
			.default(21_600_000),
		/** How often domains.certificates looks for expiring certificates (idempotent); 0: off. */
		DOMAIN_CERTIFICATE_INTERVAL_MS: z.coerce
			.number({ error: 'expected milliseconds' })
			.int()
			.min(0, { error: 'expected 0 or more milliseconds' })
			.default(3_600_000),
		DOMAIN_DNS_SERVERS: z
			.string()
			.regex(/^[\w.:[\]-]+(,[\w.:[\]-]+)*$/, {
				error: 'expected comma-separated DNS servers like 1.1.1.1,8.8.8.8:53'
			})
			.optional(),
		ALLOWED_HOSTS: z
			.string()
			.regex(/^\.?[\w.-]+(,\.?[\w.-]+)*$/, {
				error: 'expected comma-separated host names like portal.example.com,.example.org'
			})
			.optional(),
		TRUSTED_PROXIES: z
			.string()
			.transform((value) =>
				value
					.split(',')
					.map((entry) => entry.trim())
					.filter(Boolean)
			)
			.refine((entries) => entries.every((entry) => parseProxyEntry(entry) !== null), {
				error: 'expected comma-separated proxy addresses or CIDR blocks like 10.0.0.0/8,::1'
			})
			.default([]),
		/**
		 * The bearer token Prometheus scrapes /metrics with (docs/operations.md); unset: /metrics is
		 * not served (404).
		 */
		METRICS_TOKEN: z
			.string()
			.regex(/^[\x21-\x7e]{24,256}$/, {
				error: 'expected 24 to 256 printable characters without spaces (openssl rand -hex 24)'
			})
			.optional(),
		/**
		 * Unexpected server errors go to Sentry (observability/sentry.ts, docs/operations.md) when set:
		 * the project's DSN, `https://<key>@<host>/<project>`. Unset: nothing is loaded or sent.
		 */
		SENTRY_DSN: z
			.url({ protocol: /^https?$/, error: 'expected a Sentry DSN: https://<key>@<host>/<project>' })
			.optional(),
		/** The environment Sentry files the errors under (production, staging …). */
		SENTRY_ENVIRONMENT: z.string().min(1).max(64).default('production'),
		/** The bearer token of GET /api/backup (embedded snapshots, docs/operations.md); unset: 404. */
		BACKUP_TOKEN: z
			.string()
			.regex(/^[\x21-\x7e]{24,256}$/, {
				error: 'expected 24 to 256 printable characters without spaces (openssl rand -hex 24)'
			})
			.optional(),
		MIGRATIONS_DIR: z.string().min(1).default('supabase/migrations'),
		SEED_FILE: z.string().min(1).default('supabase/seed.sql')
	})
	.transform((env, ctx) => {
		const engine = env.DB_ENGINE ?? (env.DATABASE_URL ? 'server' : 'embedded');
		if (engine === 'server' && !env.DATABASE_URL) {
			ctx.addIssue({
				code: 'custom',
				path: ['DATABASE_URL'],
				message: 'is required when DB_ENGINE=server'
			});
		}
		if (env.NODE_ENV === 'production' && !env.AUTH_JWT_SECRET) {
			ctx.addIssue({
				code: 'custom',
				path: ['AUTH_JWT_SECRET'],
				message: 'is required in production (at least 32 characters: openssl rand -base64 48)'
			});
		}
		if (env.NODE_ENV === 'production' && !env.API_KEY_SECRET) {
			ctx.addIssue({
				code: 'custom',
				path: ['API_KEY_SECRET'],
				message: 'is required in production (at least 32 characters: openssl rand -base64 48)'
			});
		}
		if (
			env.SECRETS_ENCRYPTION_KEY &&
			env.SECRETS_KEY &&
			env.SECRETS_ENCRYPTION_KEY.trim() !== env.SECRETS_KEY.trim()
		) {
			ctx.addIssue({
				code: 'custom',
				path: ['SECRETS_KEY'],
				message:
					'differs from SECRETS_ENCRYPTION_KEY (SECRETS_KEY is another name for it): set only SECRETS_ENCRYPTION_KEY'
			});
		}
		if (env.NODE_ENV === 'production' && !env.SECRETS_ENCRYPTION_KEY && !env.SECRETS_KEY) {
			ctx.addIssue({
				code: 'custom',
				path: ['SECRETS_ENCRYPTION_KEY'],
				message: 'is required in production (32 bytes in base64: openssl rand -base64 32)'
			});
		}
		if (env.STRIPE_WEBHOOK_FORWARD_URL && !env.STRIPE_WEBHOOK_SIGNING_SECRET) {
			ctx.addIssue({
				code: 'custom',
				path: ['STRIPE_WEBHOOK_SIGNING_SECRET'],
				message: 'is required with STRIPE_WEBHOOK_FORWARD_URL (the function verifies every event)'
			});
		}
		if (env.AUTH_PROVIDER === 'supabase') {
			for (const key of ['SUPABASE_URL', 'SUPABASE_ANON_KEY'] as const) {
				if (!env[key]) {
					ctx.addIssue({
						code: 'custom',
						path: [key],
						message: 'is required when AUTH_PROVIDER=supabase (Project Settings → API)'
					});
				}
			}
		}
		if (env.STORAGE_BACKEND === 'supabase') {
			for (const key of ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'] as const) {
				if (!env[key]) {
					ctx.addIssue({
						code: 'custom',
						path: [key],
						message: 'is required when STORAGE_BACKEND=supabase (Project Settings → API)'
					});
				}
			}
		}
		const trim = (url: string | undefined) => url?.replace(/\/+$/, '');
		if (env.PUBLIC_URL && env.PUBLIC_APP_URL && trim(env.PUBLIC_URL) !== trim(env.PUBLIC_APP_URL)) {
			ctx.addIssue({
				code: 'custom',
				path: ['PUBLIC_APP_URL'],
				message: 'differs from PUBLIC_URL (PUBLIC_APP_URL is its earlier name): set only PUBLIC_URL'
			});
		}
		const appUrl = trim(env.PUBLIC_URL ?? env.PUBLIC_APP_URL) ?? `http://localhost:${env.PORT}`;
		const supabaseUrl = trim(env.SUPABASE_URL);
		// The embedded profile catches its own mail unless it is told where to send it; the catcher's
		// SMTP server is then where mail goes (bootstrap knows its address once it listens).
		const catcher =
			env.MAIL_CATCHER === 'on' ||
			(env.MAIL_CATCHER === 'auto' && engine === 'embedded' && !env.SMTP_URL);
		return {
			...env,
			...(env.SECRETS_KEY && !env.SECRETS_ENCRYPTION_KEY
				? { SECRETS_ENCRYPTION_KEY: env.SECRETS_KEY }
				: {}),
			DB_ENGINE: engine,
			PUBLIC_URL: appUrl,
			PUBLIC_APP_URL: appUrl,
			SUPABASE_URL: supabaseUrl,
			EMAIL_FROM: env.EMAIL_FROM ?? `Tenantry <no-reply@${new URL(appUrl).hostname}>`,
			MAIL_CATCHER: catcher
		};
	});

export type Config = z.output<typeof schema>;

/** Variables whose values are never echoed in an error message. */
const SECRET_KEYS = new Set([
	'AUTH_JWT_SECRET',
	'API_KEY_SECRET',
	'SECRETS_ENCRYPTION_KEY',
	'SECRETS_ENCRYPTION_KEY_PREVIOUS',
	'SECRETS_KEY',
	'SMTP_URL',
	'STRIPE_SECRET_KEY',
	'STRIPE_WEBHOOK_SIGNING_SECRET',
	'SUPABASE_SERVICE_ROLE_KEY'
]);

export class ConfigError extends Error {
	constructor(readonly problems: string[]) {
		super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
		this.name = 'ConfigError';
	}
}

/** Parses the environment; throws a ConfigError with one line per bad value. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
	const input = Object.fromEntries(
		Object.entries(env).filter(([, value]) => value !== undefined && value !== '')
	);
	const result = schema.safeParse(input);
	if (result.success) return result.data;
	throw new ConfigError(
		result.error.issues.map((issue) => {
			const key = String(issue.path[0] ?? 'environment');
			const given = !(key in input)
				? ''
				: SECRET_KEYS.has(key)
					? ` (got ${input[key]!.length} characters)`
					: ` (got ${JSON.stringify(input[key])})`;
			return `${key}: ${issue.message}${given}`;
		})
	);
}
