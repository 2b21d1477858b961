/**
 * npm run db:migrate | db:reset | db:serve | db:types
 *
 *   migrate  apply pending migrations to the configured database (embedded DATA_DIR or DATABASE_URL)
 *   reset    embedded only: delete DATA_DIR, migrate from scratch, load supabase/seed.sql
 *   serve    migrate and seed, then serve the embedded database on DB_SERVE_HOST:DB_SERVE_PORT
 *   types    regenerate src/lib/server/platform/database.ts from a freshly migrated database
 *            (`types --verify` exits 1 when the committed file is stale)
 *   backup <file>   embedded only: a consistent snapshot from the running app (GET /api/backup with
 *            BACKUP_TOKEN, at BACKUP_URL or http://127.0.0.1:$PORT); `--offline` reads DATA_DIR
 *            itself, only while no app has it open
 *   restore <file> [--data-dir DIR] [--force]   fill an empty DATA_DIR (or DIR) from a backup;
 *            a non-empty one only with --force
 */
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../src/lib/server/platform/config';
import '../src/lib/server/modules';
import { bootstrap, openEngine } from '../src/lib/server/platform/db';
import { migrate, seed } from '../src/lib/server/platform/migrate';
import { generateTypes, TYPES_FILE } from './typegen';
import { restoreEmbedded, snapshotEmbedded } from '../src/lib/server/platform/backup';

const log = (line: string) => console.log(`[db] ${line}`);

async function migrateCommand(config: Config) {
	const engine = await openEngine(config);
	try {
		const result = await migrate(engine, {
			dir: config.MIGRATIONS_DIR,
			compat: config.SUPABASE_COMPAT,
			log
		});
		log(
			result.applied.length === 0
				? `up to date: ${result.total} migrations applied (${engine.location})`
				: `applied ${result.applied.length}; ${result.total} migrations in all (${engine.location})`
		);
	} finally {
		await engine.close();
	}
}

async function resetCommand(config: Config) {
	if (config.DB_ENGINE !== 'embedded') {
		throw new Error(
			'db:reset only resets the embedded database. For a Supabase project use `npx supabase db reset`; ' +
				'for another server, drop and recreate the database yourself.'
		);
	}
	if (config.DATA_DIR !== 'memory://') {
		rmSync(resolve(config.DATA_DIR), { recursive: true, force: true });
		log(`removed ${config.DATA_DIR}`);
	}
	const engine = await openEngine(config);
	try {
		const { owner, total } = await migrate(engine, {
			dir: config.MIGRATIONS_DIR,
			compat: config.SUPABASE_COMPAT,
			log
		});
		const seeded = await seed(engine, { file: config.SEED_FILE, owner, force: true });
		log(`reset ${config.DATA_DIR}: ${total} migrations, seed ${seeded.reason}`);
	} finally {
		await engine.close();
	}
}

async function serveCommand(config: Config) {
	if (config.DB_ENGINE !== 'embedded') {
		throw new Error(
			'db:serve serves the embedded database; with DATABASE_URL, connect to it directly.'
		);
	}
	const runtime = await bootstrap({ ...config, DB_SERVE: true }, log);
	log(`serving ${runtime.engine.location} — psql ${runtime.wire!.url}`);
	const stop = async () => {
		await runtime.shutdown();
		process.exit(0);
	};
	process.once('SIGINT', () => void stop());
	process.once('SIGTERM', () => void stop());
}

async function typesCommand(config: Config, verify: boolean) {
	const { changed } = await generateTypes({ migrationsDir: config.MIGRATIONS_DIR, write: !verify });
	if (verify && changed) {
		throw new Error(`${TYPES_FILE} is stale: run \`npm run db:types\` and commit the result.`);
	}
	log(verify ? `${TYPES_FILE} is up to date` : `${changed ? 'wrote' : 'unchanged:'} ${TYPES_FILE}`);
}

function option(args: string[], name: string): string | undefined {
	const i = args.indexOf(name);
	return i > -1 ? args[i + 1] : undefined;
}

function backupFile(args: string[], command: string): string {
	const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--data-dir');
	if (!file) throw new Error(`Name the backup file: npm run db:${command} -- <file>.`);
	return resolve(file);
}

async function backupCommand(config: Config, args: string[]) {
	if (config.DB_ENGINE !== 'embedded') {
		throw new Error(
			'db:backup snapshots the embedded database; on Postgres use pg_dump or point-in-time recovery (docs/operations.md).'
		);
	}
	const file = backupFile(args, 'backup');
	let snapshot: Blob;
	if (args.includes('--offline')) {
		if (config.DATA_DIR === 'memory://')
			throw new Error('DATA_DIR is memory://: nothing to back up.');
		const engine = await openEngine(config);
		try {
			snapshot = (await snapshotEmbedded(engine))!;
		} finally {
			await engine.close();
		}
	} else {
		if (!config.BACKUP_TOKEN) {
			throw new Error(
				"Set BACKUP_TOKEN (the same as the running app's) to back up through the app."
			);
		}
		const base = process.env.BACKUP_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
		const res = await fetch(new URL('/api/backup', base), {
			headers: { authorization: `Bearer ${config.BACKUP_TOKEN}` }
		}).catch((e: Error) => {
			throw new Error(
				`No app answered at ${base} (${e.message}): start it, set BACKUP_URL, or use --offline while it is stopped.`
			);
		});
		if (!res.ok) throw new Error(`${base}/api/backup answered ${res.status}: ${await res.text()}`);
		snapshot = await res.blob();
	}
	writeFileSync(file, Buffer.from(await snapshot.arrayBuffer()));
	log(`wrote ${file} (${snapshot.size} bytes)`);
}

async function restoreCommand(config: Config, args: string[]) {
	const file = backupFile(args, 'restore');
	const dir = option(args, '--data-dir') ?? config.DATA_DIR;
	if (dir === 'memory://')
		throw new Error('Restore into a directory: set DATA_DIR or pass --data-dir DIR.');
	await restoreEmbedded(file, resolve(dir), { force: args.includes('--force') });
	log(`restored ${file} into ${resolve(dir)}`);
}

async function main() {
	const [command, ...rest] = process.argv.slice(2);
	const config = loadConfig();
	switch (command) {
		case 'migrate':
			return migrateCommand(config);
		case 'reset':
			return resetCommand(config);
		case 'serve':
			return serveCommand(config);
		case 'types':
			return typesCommand(config, rest.includes('--verify'));
		case 'backup':
			return backupCommand(config, rest);
		case 'restore':
			return restoreCommand(config, rest);
		default:
			throw new Error(
				`Unknown command "${command}". Use migrate, reset, serve, types, backup or restore.`
			);
	}
}

main().catch((error: Error) => {
	console.error(error instanceof ConfigError ? error.message : error.message);
	process.exit(1);
});
