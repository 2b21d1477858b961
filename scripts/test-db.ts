/**
 * npm run test:db [filter] [--dir <dir>] [--database empty|seeded|both] — runs every
 * supabase/tests/**\/*.test.sql against a migrated database and exits non-zero on any failed
 * assertion, plan mismatch or SQL error. `supabase/tests/setup.sql` (shared helpers such as
 * personas) is applied first, once, to the database every file starts from.
 *
 * Every file must pass on an empty database and on one seeded with supabase/seed.sql (what
 * `supabase db reset` then `supabase test db` gives), so both run by default.
 *
 * Embedded (default): each file runs on its own in-memory copy of one migrated database (then of
 * the same database seeded), so no file can see another's leftovers. With DATABASE_URL: the
 * database is migrated and each file runs on a connection of its own, rolled back afterwards if it
 * left a transaction open; `seeded` there loads the seed and runs each file with psql, as
 * `supabase test db` does (the database must be one the run may seed: npm test creates one).
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../src/lib/server/platform/config';
import { openEmbedded, MEMORY, type EmbeddedEngine } from '../src/lib/server/platform/embedded';
import type { Engine } from '../src/lib/server/platform/engine';
import { migrate, seed } from '../src/lib/server/platform/migrate';
import {
	findTestFiles,
	formatResult,
	INSTALL_PGTAP,
	runPsql,
	runTestFile,
	runTestFileWithPsql,
	type FileResult
} from '../src/lib/server/platform/pgtap';
import { openServer } from '../src/lib/server/platform/server';

const DATABASES = ['empty', 'seeded'] as const;
type Database = (typeof DATABASES)[number];

function flag(name: string): string | undefined {
	const i = process.argv.indexOf(name);
	return i > -1 ? process.argv[i + 1] : undefined;
}

const TEST_DIR = flag('--dir') ?? 'supabase/tests';
/** Shared test helpers (personas, fixtures), installed once into the database every file starts from. */
const SETUP_FILE = 'supabase/tests/setup.sql';
const filter = process.argv
	.slice(2)
	.find((arg, i, all) => !arg.startsWith('--') && !all[i - 1]?.startsWith('--'));

function databases(): Database[] {
	const value = flag('--database') ?? 'both';
	if (value === 'both') return [...DATABASES];
	if ((DATABASES as readonly string[]).includes(value)) return [value as Database];
	throw new Error(`--database must be empty, seeded or both (got "${value}").`);
}

async function main(): Promise<number> {
	const config = loadConfig({ ...process.env, DATA_DIR: 'memory://', DB_SERVE: 'false' });
	const files = findTestFiles(TEST_DIR).filter((f) => !filter || f.includes(filter));
	if (files.length === 0) {
		console.error(`No test files matched in ${TEST_DIR}${filter ? ` (filter "${filter}")` : ''}.`);
		return 1;
	}
	const wanted = databases();
	const server = config.DB_ENGINE === 'server';
	const engine: Engine = server ? openServer(config.DATABASE_URL!, 2) : await openEmbedded(MEMORY);
	const results: FileResult[] = [];
	try {
		const { owner } = await migrate(engine, {
			dir: config.MIGRATIONS_DIR,
			compat: config.SUPABASE_COMPAT
		});
		const setup = existsSync(SETUP_FILE) ? readFileSync(SETUP_FILE, 'utf8') : null;
		for (const database of wanted) {
			const started = performance.now();
			if (database === 'seeded') {
				const seeded = await seed(engine, { file: config.SEED_FILE, owner, force: true });
				if (!seeded.seeded) throw new Error(`Cannot run on a seeded database: ${seeded.reason}.`);
			}
			const psql = server && database === 'seeded';
			console.log(
				`\npgTAP on the ${engine.kind} engine (${engine.location}), ${database} database` +
					(psql ? ', each file run by psql as `supabase test db` runs it' : '')
			);
			if (psql) {
				await runPsql(config.DATABASE_URL!, [
					'-c',
					INSTALL_PGTAP,
					...(setup ? ['-f', SETUP_FILE] : [])
				]);
			} else {
				await engine.session(async (s) => {
					await s.exec(INSTALL_PGTAP);
					if (setup) await s.transaction(() => s.exec(setup));
				});
			}
			for (const file of files) {
				const result = psql
					? await runTestFileWithPsql(config.DATABASE_URL!, file, TEST_DIR)
					: engine.kind === 'embedded' && 'clone' in engine
						? await runIsolated(engine as EmbeddedEngine, file)
						: await engine.session((s) => runTestFile(s, file, TEST_DIR));
				result.file = `${database}: ${result.file}`;
				results.push(result);
				console.log(formatResult(result));
			}
			console.log(
				`  (${database} database: ${((performance.now() - started) / 1000).toFixed(1)} s)`
			);
		}
	} finally {
		await engine.close();
	}
	const failedFiles = results.filter((r) => !r.report.ok || r.error).length;
	const passed = results.reduce((n, r) => n + r.report.passed, 0);
	const planned = results.reduce((n, r) => n + (r.report.planned ?? 0), 0);
	console.log(
		`\n${failedFiles === 0 ? 'PASS' : 'FAIL'}: ${results.length - failedFiles}/${results.length} file runs ` +
			`(${wanted.join(' and ')} database), ${passed}/${planned} assertions passed`
	);
	return failedFiles === 0 ? 0 : 1;
}

async function runIsolated(engine: EmbeddedEngine, file: string): Promise<FileResult> {
	const copy = await engine.clone();
	try {
		return await copy.session((s) => runTestFile(s, file, TEST_DIR));
	} finally {
		await copy.close();
	}
}

main().then(
	(code) => process.exit(code),
	(error: Error) => {
		console.error(error.message);
		process.exit(1);
	}
);
