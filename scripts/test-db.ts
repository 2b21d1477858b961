/**
 * npm run test:db [filter] [--dir <dir>] — runs every supabase/tests/**\/*.test.sql against a migrated database and exits
 * non-zero on any failed assertion, plan mismatch or SQL error. `supabase/tests/setup.sql` (shared
 * helpers such as personas) is applied first, once, to the database every file starts from.
 *
 * Embedded (default): each file runs on its own in-memory copy of one migrated database, so no file
 * can see another's leftovers. With DATABASE_URL: the database is migrated, then each file runs on a
 * connection of its own and is rolled back afterwards if it left a transaction open.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../src/lib/server/config';
import { openEmbedded, MEMORY } from '../src/lib/server/db/embedded';
import type { Engine } from '../src/lib/server/db/engine';
import { migrate } from '../src/lib/server/db/migrate';
import {
	findTestFiles,
	formatResult,
	INSTALL_PGTAP,
	runTestFile,
	type FileResult
} from '../src/lib/server/db/pgtap';
import { openServer } from '../src/lib/server/db/server';

const dirFlag = process.argv.indexOf('--dir');
const TEST_DIR = dirFlag > -1 ? process.argv[dirFlag + 1]! : 'supabase/tests';
/** Shared test helpers (personas, fixtures), installed once into the database every file starts from. */
const SETUP_FILE = 'supabase/tests/setup.sql';
const filter = process.argv
	.slice(2)
	.find((arg, i, all) => !arg.startsWith('--') && all[i - 1] !== '--dir');

async function main(): Promise<number> {
	const config = loadConfig({ ...process.env, DATA_DIR: 'memory://', DB_SERVE: 'false' });
	const files = findTestFiles(TEST_DIR).filter((f) => !filter || f.includes(filter));
	if (files.length === 0) {
		console.error(`No test files matched in ${TEST_DIR}${filter ? ` (filter "${filter}")` : ''}.`);
		return 1;
	}
	const engine: Engine =
		config.DB_ENGINE === 'server'
			? openServer(config.DATABASE_URL!, 2)
			: await openEmbedded(MEMORY);
	console.log(`pgTAP on the ${engine.kind} engine (${engine.location})`);
	const results: FileResult[] = [];
	try {
		await migrate(engine, { dir: config.MIGRATIONS_DIR, compat: config.SUPABASE_COMPAT });
		await engine.session(async (s) => {
			await s.exec(INSTALL_PGTAP);
			if (existsSync(SETUP_FILE))
				await s.transaction(() => s.exec(readFileSync(SETUP_FILE, 'utf8')));
		});
		for (const file of files) {
			const result =
				engine.kind === 'embedded' && 'clone' in engine
					? await runIsolated(engine as Awaited<ReturnType<typeof openEmbedded>>, file)
					: await engine.session((s) => runTestFile(s, file, TEST_DIR));
			results.push(result);
			console.log(formatResult(result));
		}
	} finally {
		await engine.close();
	}
	const failedFiles = results.filter((r) => !r.report.ok || r.error).length;
	const passed = results.reduce((n, r) => n + r.report.passed, 0);
	const planned = results.reduce((n, r) => n + (r.report.planned ?? 0), 0);
	console.log(
		`\n${failedFiles === 0 ? 'PASS' : 'FAIL'}: ${results.length - failedFiles}/${results.length} files, ` +
			`${passed}/${planned} assertions passed`
	);
	return failedFiles === 0 ? 0 : 1;
}

async function runIsolated(
	engine: Awaited<ReturnType<typeof openEmbedded>>,
	file: string
): Promise<FileResult> {
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
