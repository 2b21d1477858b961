/**
 * Starting the app as `npm start` does (the production server; tests build it once first, in
 * tests/support/build-once.ts), for tests and benchmarks: on free ports, with an
 * in-memory database unless told otherwise — or, under the test runners, a copy of the migrated
 * and seeded data directory the global setup made once (`DATA_TEMPLATE_ENV`), so no app of a test
 * file spends its start migrating and seeding again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The environment variable naming the template data directory (set by tests/support/build-once.ts). */
export const DATA_TEMPLATE_ENV = 'TENANTRY_TEST_DATA_TEMPLATE';

/** Settings that change what a migrated, seeded database holds: an app given one starts from scratch. */
const OWN_DATABASE = [
	'DATA_DIR',
	'DB_ENGINE',
	'SEED_ON_FIRST_START',
	'SUPABASE_COMPAT',
	'MIGRATIONS_DIR',
	'SEED_FILE'
];

/** A private root holding a copy of the template data directory for one app, or null to use memory. */
function copyOfTemplate(env: Record<string, string>): string | null {
	const template = process.env[DATA_TEMPLATE_ENV];
	if (!template || OWN_DATABASE.some((name) => name in env)) return null;
	// The app keeps its files beside the data directory (storage/), so both live in one root.
	const root = mkdtempSync(join(tmpdir(), 'tenantry-app-'));
	cpSync(template, join(root, 'pglite'), { recursive: true });
	return root;
}

export async function freePort(): Promise<number> {
	return new Promise((resolve) => {
		const server = createServer().listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
		});
	});
}

export interface App {
	url: string;
	/** The embedded database as served on the wire, for a test's own setup (a platform setting …). */
	databaseUrl: string;
	/** The mail catcher's inbox (src/lib/server/email/catcher.ts): GET /api/messages?to=… */
	mailUrl: string;
	/** What the process printed so far. */
	output(): string;
	stop(): Promise<void>;
}

/** `dev` starts `npm run dev` (Vite, hot reload) instead, for comparisons. */
export async function startApp(
	env: Record<string, string> = {},
	{ dev = false }: { dev?: boolean } = {}
): Promise<App> {
	const port = env.PORT ? Number(env.PORT) : await freePort();
	const dbPort = await freePort();
	const mailPort = env.MAIL_CATCHER_PORT ? Number(env.MAIL_CATCHER_PORT) : await freePort();
	const smtpPort = await freePort();
	const args = dev ? ['--import', 'tsx', 'scripts/dev.ts'] : ['scripts/start.js'];
	const appRoot = copyOfTemplate(env);
	const child: ChildProcess = spawn(process.execPath, args, {
		env: {
			...process.env,
			PORT: String(port),
			DB_SERVE_PORT: String(dbPort),
			MAIL_CATCHER_PORT: String(mailPort),
			MAIL_CATCHER_SMTP_PORT: String(smtpPort),
			DATA_DIR: appRoot ? join(appRoot, 'pglite') : 'memory://',
			...env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout!.on('data', (d) => (output += d));
	child.stderr!.on('data', (d) => (output += d));
	const deadline = Date.now() + 240_000;
	while (!/ready in \d+ ms/.test(output)) {
		if (child.exitCode !== null || Date.now() > deadline) {
			child.kill('SIGKILL');
			if (appRoot) rmSync(appRoot, { recursive: true, force: true });
			throw new Error(`the app did not start:\n${output}`);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	return {
		url: `http://localhost:${port}`,
		databaseUrl: `postgresql://postgres:postgres@127.0.0.1:${dbPort}/postgres`,
		mailUrl: `http://127.0.0.1:${mailPort}`,
		output: () => output,
		async stop() {
			const exited = new Promise((r) => child.once('exit', r));
			child.kill('SIGTERM');
			await exited;
			if (appRoot) rmSync(appRoot, { recursive: true, force: true });
		}
	};
}

/** Signs in through the app's form (no JavaScript) and returns the session's cookies. */
export async function signInCookies(app: App, email: string, password: string): Promise<string> {
	const res = await fetch(`${app.url}/auth/sign-in`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			accept: 'text/html',
			origin: app.url
		},
		body: new URLSearchParams({ email, password })
	});
	if (res.status !== 303) throw new Error(`signing in ${email}: ${res.status}, not 303`);
	return res.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
}
