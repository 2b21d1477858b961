/**
 * npm test — every check, in order: lint and format, type check, pgTAP on the embedded engine,
 * migrations and pgTAP on a real Postgres server when TEST_DATABASE_URL is set, then vitest (whose
 * integration tests also cover the server when TEST_DATABASE_URL is set). Runs every step, prints a
 * summary, and exits non-zero if any step failed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

interface Step {
	name: string;
	command: string[];
	env?: Record<string, string | undefined>;
}

const serverUrl = process.env.TEST_DATABASE_URL;
const embeddedEnv = { DATABASE_URL: undefined, DB_ENGINE: undefined };

function run(step: Step): { name: string; ok: boolean; seconds: number } {
	console.log(`\n━━ ${step.name}`);
	const started = performance.now();
	const env = { ...process.env, ...step.env };
	for (const [key, value] of Object.entries(step.env ?? {}))
		if (value === undefined) delete env[key];
	const result = spawnSync(step.command[0]!, step.command.slice(1), { stdio: 'inherit', env });
	const seconds = (performance.now() - started) / 1000;
	return { name: step.name, ok: result.status === 0, seconds };
}

async function admin(statement: string) {
	const client = new pg.Client(serverUrl);
	await client.connect();
	try {
		await client.query(statement);
	} finally {
		await client.end();
	}
}

async function main() {
	const tsx = [process.execPath, '--import', 'tsx'];
	const results = [
		run({ name: 'lint and format', command: ['npm', 'run', '--silent', 'lint'] }),
		run({ name: 'type check (svelte-check)', command: ['npm', 'run', '--silent', 'check'] }),
		run({
			name: 'edge functions: deno fmt, lint and check',
			command: [
				'bash',
				'-c',
				'shopt -s globstar && cd supabase/functions && deno fmt --check && deno lint && deno check **/*.ts'
			],
			env: { PATH: `${process.cwd()}/node_modules/.bin:${process.env.PATH}` }
		}),
		run({
			name: 'pgTAP, embedded engine (empty and seeded database)',
			command: [...tsx, 'scripts/test-db.ts'],
			env: embeddedEnv
		})
	];
	if (serverUrl) {
		const name = `tenantry_pgtap_${randomBytes(4).toString('hex')}`;
		const url = new URL(serverUrl);
		url.pathname = `/${name}`;
		await admin(`create database ${name}`);
		try {
			results.push(
				run({
					name: `migrations and pgTAP (empty, then seeded and run by psql), Postgres server (${url.host}, fresh database ${name})`,
					command: [...tsx, 'scripts/test-db.ts'],
					env: { DATABASE_URL: url.toString(), DB_ENGINE: 'server' }
				})
			);
		} finally {
			await admin(`drop database if exists ${name} with (force)`);
		}
	} else {
		console.log(
			'\n━━ server profile NOT exercised: set TEST_DATABASE_URL to a Postgres ≥ 15 superuser URL to run migrations, pgTAP and integration tests on it'
		);
	}
	results.push(
		run({
			name: 'vitest (unit and integration)',
			command: ['npx', 'vitest', 'run'],
			env: embeddedEnv
		})
	);

	console.log('\n━━ summary');
	for (const r of results)
		console.log(`${r.ok ? '✓' : '✗'} ${r.name}  (${r.seconds.toFixed(1)} s)`);
	if (!serverUrl) console.log('- server profile not exercised (TEST_DATABASE_URL unset)');
	process.exit(results.every((r) => r.ok) ? 0 : 1);
}

main().catch((error: Error) => {
	console.error(error.message);
	process.exit(1);
});
