/**
 * The migration runner: applies `supabase/migrations/*.sql` in order, each file in its own
 * transaction, and records it in `supabase_migrations.schema_migrations` with the columns the
 * Supabase CLI writes (version, statements, name), so `supabase db push` and this runner agree on
 * what has been applied.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { applyCompat, isSupabase, OWNER_ROLE } from './compat';
import type { Engine, Session } from './engine';
import { splitSql } from './sql-split';

export interface MigrationFile {
	version: string;
	name: string;
	file: string;
	statements: string[];
	/** 1-based line of each statement in its file. */
	lines: number[];
}

export type CompatMode = 'auto' | 'on' | 'off';

export class MigrationError extends Error {
	constructor(
		message: string,
		readonly file?: string
	) {
		super(message);
		this.name = 'MigrationError';
	}
}

const FILE_PATTERN = /^(\d{14})_([a-z0-9_-]+)\.sql$/;

export function loadMigrations(dir: string): MigrationFile[] {
	if (!existsSync(dir)) throw new MigrationError(`The migrations directory ${dir} does not exist.`);
	return readdirSync(dir)
		.filter((f) => f.endsWith('.sql'))
		.sort()
		.map((f) => {
			const match = FILE_PATTERN.exec(f);
			if (!match) {
				throw new MigrationError(
					`${join(dir, f)}: migration files must be named YYYYMMDDHHmmss_<name>.sql ` +
						`(lowercase letters, digits, _ and -).`,
					f
				);
			}
			const statements = splitSql(readFileSync(join(dir, f), 'utf8'));
			return {
				version: match[1]!,
				name: match[2]!,
				file: join(dir, f),
				statements: statements.map((s) => s.text),
				lines: statements.map((s) => s.line)
			};
		});
}

/** The versions of the migration files, in order, without reading them (for health checks). */
export function migrationVersions(dir: string): string[] {
	if (!existsSync(dir)) throw new MigrationError(`The migrations directory ${dir} does not exist.`);
	return readdirSync(dir)
		.map((f) => FILE_PATTERN.exec(f)?.[1])
		.filter((v): v is string => v !== undefined)
		.sort();
}

const HISTORY_SQL = `
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
alter table supabase_migrations.schema_migrations add column if not exists statements text[];
alter table supabase_migrations.schema_migrations add column if not exists name text;
create table if not exists supabase_migrations.seed_files (path text not null primary key, hash text not null);
`;

/**
 * Readies a database for migrations: on an engine that is not Supabase (and unless told
 * otherwise) applies the compat layer and returns the non-superuser owner role to migrate as.
 */
export async function prepare(session: Session, compat: CompatMode): Promise<string | null> {
	const supabase = await isSupabase(session);
	if (compat === 'on' && supabase) {
		throw new MigrationError(
			'SUPABASE_COMPAT=on, but this database is a Supabase project (it has the supabase_admin ' +
				'role). The compatibility layer is never applied to Supabase; use SUPABASE_COMPAT=auto.'
		);
	}
	const useCompat = compat === 'on' || (compat === 'auto' && !supabase);
	if (useCompat) await applyCompat(session);
	const owner = useCompat ? OWNER_ROLE : null;
	await session.transaction(async () => {
		if (owner) await session.exec(`set local role ${owner}`);
		await session.exec(HISTORY_SQL);
	});
	return owner;
}

export interface AppliedMigration {
	version: string;
	name: string | null;
	statements: string[] | null;
}

export async function appliedMigrations(session: Session): Promise<AppliedMigration[]> {
	return session.query<AppliedMigration>(
		`select version, name, statements from supabase_migrations.schema_migrations order by version`
	);
}

/**
 * Refuses to go on when history and files disagree (naming a history older than the first file,
 * which a squash leaves behind, as such); returns the files still to apply.
 */
export function pendingMigrations(
	files: MigrationFile[],
	applied: AppliedMigration[]
): MigrationFile[] {
	const byVersion = new Map(files.map((f) => [f.version, f]));
	const first = files[0]?.version;
	if (first !== undefined && applied.some((row) => row.version < first)) {
		const gone = applied.filter((row) => !byVersion.has(row.version));
		const last = gone.at(-1)!;
		throw new MigrationError(
			`This database was created by an earlier, squashed migration history: it records ` +
				`${gone.length} migrations that are no longer files, up to ${last.version}_${last.name ?? ''}, ` +
				`some older than the first migration file (${first}). That history now lives in one migration per module ` +
				`(docs/decisions/0007-migrations-squashed-by-module.md) and cannot be applied on top of it. ` +
				`Nothing was changed. Recreate the database: npm run db:reset for the embedded one; a ` +
				`server database must be dropped and created again, then npm run db:migrate.`
		);
	}
	for (const row of applied) {
		const file = byVersion.get(row.version);
		if (!file) {
			throw new MigrationError(
				`Migration ${row.version}_${row.name ?? ''} is recorded as applied but its file is ` +
					`missing from the migrations directory. Restore the file; applied migrations are never removed. ` +
					`If the history was squashed or folded into the module migrations ` +
					`(docs/decisions/0007-migrations-squashed-by-module.md), the file is gone on purpose: recreate ` +
					`the database instead (npm run db:reset for the embedded one; a server database must be ` +
					`dropped and created again, then npm run db:migrate).`
			);
		}
		if (JSON.stringify(row.statements ?? []) !== JSON.stringify(file.statements)) {
			throw new MigrationError(
				`${file.file} was changed after it was applied (its statements differ from the ones ` +
					`recorded in supabase_migrations.schema_migrations). Revert the edit and put the ` +
					`change in a new migration.`,
				file.file
			);
		}
	}
	const latest = applied.at(-1)?.version ?? '';
	const pending = files.filter((f) => !applied.some((a) => a.version === f.version));
	const early = pending.find((f) => f.version < latest);
	if (early) {
		throw new MigrationError(
			`${early.file} is older than the latest applied migration (${latest}). Rename it with a ` +
				`timestamp after ${latest} so every database applies migrations in the same order.`,
			early.file
		);
	}
	return pending;
}

export interface MigrateResult {
	applied: string[];
	total: number;
	/** The role migrations ran as; null on Supabase. */
	owner: string | null;
}

export async function migrate(
	engine: Engine,
	options: { dir: string; compat: CompatMode; log?: (line: string) => void }
): Promise<MigrateResult> {
	const files = loadMigrations(options.dir);
	return engine.session(async (session) => {
		const owner = await prepare(session, options.compat);
		const pending = pendingMigrations(files, await appliedMigrations(session));
		for (const file of pending) {
			await applyMigration(session, file, owner);
			options.log?.(`applied ${basename(file.file)}`);
		}
		return { applied: pending.map((f) => f.version), total: files.length, owner };
	});
}

async function applyMigration(session: Session, file: MigrationFile, owner: string | null) {
	await session.exec('begin');
	try {
		if (owner) await session.exec(`set local role ${owner}`);
		for (const [index, statement] of file.statements.entries()) {
			try {
				await session.exec(statement);
			} catch (error) {
				throw new MigrationError(
					describeFailure(file, index, statement, error as PgError, owner),
					file.file
				);
			}
		}
		await session.query(
			`insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)`,
			[file.version, file.name, file.statements]
		);
		await session.exec('commit');
	} catch (error) {
		await session.exec('rollback');
		throw error;
	}
}

interface PgError extends Error {
	code?: string;
	detail?: string;
	hint?: string;
	where?: string;
}

function describeFailure(
	file: MigrationFile,
	index: number,
	statement: string,
	error: PgError,
	owner: string | null
): string {
	const excerpt = statement.length > 600 ? `${statement.slice(0, 600)}…` : statement;
	const lines = [
		`Migration ${file.file} failed at statement ${index + 1} of ${file.statements.length} (line ${file.lines[index]}):`,
		excerpt.replace(/^/gm, '    '),
		`Postgres error${error.code ? ` ${error.code}` : ''}: ${error.message}`
	];
	if (error.detail) lines.push(`Detail: ${error.detail}`);
	if (error.hint) lines.push(`Hint: ${error.hint}`);
	if (error.where) lines.push(`Where: ${error.where}`);
	if (error.code === '42501' && owner) {
		lines.push(
			`Migrations run as the non-superuser role ${owner}, as they run as postgres on hosted ` +
				`Supabase; superuser-only SQL is refused here as it would be there.`
		);
	}
	lines.push('Nothing from this file was applied; the database is as it was before it.');
	return lines.join('\n');
}

export interface SeedResult {
	seeded: boolean;
	reason: string;
}

/**
 * The seed files in the order they run: `seed.sql`, then `seeds/*.sql` beside it by name — the
 * order `sql_paths = ["./seed.sql", "./seeds/*.sql"]` gives the Supabase CLI. Each module keeps its
 * demo data in a file of its own.
 */
export function seedFiles(file: string): string[] {
	const dir = join(dirname(file), 'seeds');
	const modules = existsSync(dir)
		? readdirSync(dir)
				.filter((name) => name.endsWith('.sql'))
				.sort()
				.map((name) => join(dir, name))
		: [];
	return [file, ...modules];
}

/**
 * Runs the seed files once per database, in one transaction, recorded in
 * `supabase_migrations.seed_files` (the CLI's table) under the main file's name with the hash of
 * them all; `force` runs them again regardless (db:reset on a fresh database).
 */
export async function seed(
	engine: Engine,
	options: { file: string; owner: string | null; force?: boolean }
): Promise<SeedResult> {
	if (!existsSync(options.file))
		return { seeded: false, reason: `no seed file at ${options.file}` };
	const files = seedFiles(options.file).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
	const hash = createHash('sha256');
	for (const { text } of files) hash.update(text);
	const digest = hash.digest('hex');
	const path = basename(options.file);
	return engine.session(async (session) => {
		const [done] = await session.query<{ hash: string }>(
			`select hash from supabase_migrations.seed_files where path = $1`,
			[path]
		);
		if (done && !options.force) return { seeded: false, reason: 'already seeded' };
		await session.transaction(async () => {
			if (options.owner) await session.exec(`set local role ${options.owner}`);
			for (const { file, text } of files) {
				for (const statement of splitSql(text)) {
					try {
						await session.exec(statement.text);
					} catch (error) {
						throw new MigrationError(
							`Seed ${file} failed at line ${statement.line}: ${(error as Error).message}`,
							file
						);
					}
				}
			}
			await session.query(
				`insert into supabase_migrations.seed_files (path, hash) values ($1, $2)
				 on conflict (path) do update set hash = excluded.hash`,
				[path, digest]
			);
		});
		return { seeded: true, reason: 'seeded' };
	});
}
