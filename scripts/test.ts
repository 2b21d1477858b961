/**
 * npm test — every check: lint and format, type check, the edge functions' checks, pgTAP on the
 * embedded engine, migrations and pgTAP on a real Postgres server when TEST_DATABASE_URL is set,
 * then vitest (whose integration tests also cover the server when TEST_DATABASE_URL is set).
 *
 * The checks before vitest are independent and mostly single-threaded, so two lanes take them from
 * one queue, longest first (lint and the embedded pgTAP run start together; whichever lane frees
 * first takes the next). Each step's output is kept and printed whole when it ends, so two steps
 * never interleave. vitest runs last, alone. Runs every step, prints a summary, and exits non-zero
 * if any step failed.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

interface Step {
	name: string;
	command: string[];
	env?: Record<string, string | undefined>;
}

interface Result {
	name: string;
	ok: boolean;
	seconds: number;
}

const serverUrl = process.env.TEST_DATABASE_URL;
const embeddedEnv = { DATABASE_URL: undefined, DB_ENGINE: undefined };

function environment(step: Step) {
	const env = { ...process.env, ...step.env };
	for (const [key, value] of Object.entries(step.env ?? {}))
		if (value === undefined) delete env[key];
	return env;
}

/** Runs a step with its output streamed (`live`) or kept and printed whole when it ends. */
function run(step: Step, live = false): Promise<Result> {
	const started = performance.now();
	console.log(live ? `\n━━ ${step.name}` : `\n━━ started: ${step.name}`);
	return new Promise((resolve) => {
		const child = spawn(step.command[0]!, step.command.slice(1), {
			stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'],
			env: environment(step)
		});
		const output: Buffer[] = [];
		child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
		child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
		const finish = (ok: boolean, note = '') => {
			const seconds = (performance.now() - started) / 1000;
			if (!live) {
				console.log(`\n━━ ${step.name}  (${seconds.toFixed(1)} s)`);
				process.stdout.write(Buffer.concat(output));
				if (note) console.log(note);
			}
			resolve({ name: step.name, ok, seconds });
		};
		child.on('error', (error) =>
			finish(false, `could not start ${step.command[0]}: ${error.message}`)
		);
		child.on('close', (code) => finish(code === 0));
	});
}

/** Runs the steps in `lanes` lanes; each lane takes the queue's next step when its last ends. */
async function inLanes(queue: Step[], lanes: number): Promise<Result[]> {
	const results: Result[] = [];
	const pending = [...queue];
	const lane = async () => {
		for (let step = pending.shift(); step; step = pending.shift()) results.push(await run(step));
	};
	await Promise.all(Array.from({ length: lanes }, lane));
	return results;
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
	const lint: Step = { name: 'lint and format', command: ['npm', 'run', '--silent', 'lint'] };
	const checks: Step[] = [
		{ name: 'type check (svelte-check)', command: ['npm', 'run', '--silent', 'check'] },
		{
			name: 'edge functions: deno fmt, lint and check',
			command: [
				'bash',
				'-c',
				'shopt -s globstar && cd supabase/functions && deno fmt --check && deno lint && deno check **/*.ts'
			],
			env: { PATH: `${process.cwd()}/node_modules/.bin:${process.env.PATH}` }
		}
	];
	const embedded: Step = {
		name: 'pgTAP, embedded engine (empty and seeded database)',
		command: [...tsx, 'scripts/test-db.ts'],
		env: embeddedEnv
	};

	let database: string | undefined;
	if (serverUrl) {
		database = `tenantry_pgtap_${randomBytes(4).toString('hex')}`;
		const url = new URL(serverUrl);
		url.pathname = `/${database}`;
		await admin(`create database ${database}`);
		checks.unshift({
			name: `migrations and pgTAP (empty, then seeded and run by psql), Postgres server (${url.host}, fresh database ${database})`,
			command: [...tsx, 'scripts/test-db.ts'],
			env: { DATABASE_URL: url.toString(), DB_ENGINE: 'server' }
		});
	} else {
		console.log(
			'\n━━ server profile NOT exercised: set TEST_DATABASE_URL to a Postgres ≥ 15 superuser URL to run migrations, pgTAP and integration tests on it'
		);
	}

	// Longest first (seconds in CI, stop 25): lint 425, embedded pgTAP 339–511, server pgTAP 196–261,
	// svelte-check 82–107, Deno 4.
	const queue = [lint, embedded, ...checks];
	console.log(`\n━━ running ${queue.length} checks in two lanes; each prints when it ends`);
	let results: Result[];
	try {
		results = await inLanes(queue, 2);
	} finally {
		if (database) await admin(`drop database if exists ${database} with (force)`);
	}
	results.push(
		await run(
			{
				name: 'vitest (unit and integration)',
				command: ['npx', 'vitest', 'run'],
				env: embeddedEnv
			},
			true
		)
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
