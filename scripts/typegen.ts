/**
 * Generates the Kysely `DB` interface from the migrated schema: migrates a fresh in-memory
 * database, serves it on an ephemeral port and points kysely-codegen at it, as it would point at
 * any Postgres.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MEMORY, openEmbedded } from '../src/lib/server/platform/embedded';
import { migrate } from '../src/lib/server/platform/migrate';
import { serveWire } from '../src/lib/server/platform/wire';

export const TYPES_FILE = 'src/lib/server/platform/database.ts';
/** The schemas the app queries through Kysely. */
const INCLUDE = '{public.*,auth.users}';

const run = promisify(execFile);

export async function generateTypes(options: {
	migrationsDir: string;
	write: boolean;
}): Promise<{ changed: boolean; content: string }> {
	const engine = await openEmbedded(MEMORY);
	const dir = mkdtempSync(join(tmpdir(), 'tenantry-types-'));
	try {
		await migrate(engine, { dir: options.migrationsDir, compat: 'auto' });
		const wire = await serveWire({
			pglite: engine.pglite,
			lock: engine.lock,
			host: '127.0.0.1',
			port: 0,
			maxConnections: 64
		});
		try {
			const out = join(dir, 'database.ts');
			await run(
				process.execPath,
				[
					'node_modules/kysely-codegen/dist/cli/bin.js',
					'--dialect=postgres',
					`--url=${wire.url}`,
					`--include-pattern=${INCLUDE}`,
					'--default-schema=public',
					`--out-file=${out}`
				],
				{ env: { ...process.env, NODE_NO_WARNINGS: '1' } }
			);
			const content = readFileSync(out, 'utf8');
			const current = existsSync(TYPES_FILE) ? readFileSync(TYPES_FILE, 'utf8') : '';
			const changed = content !== current;
			if (changed && options.write) writeFileSync(TYPES_FILE, content);
			return { changed, content };
		} finally {
			await wire.stop();
		}
	} finally {
		await engine.close();
		rmSync(dir, { recursive: true, force: true });
	}
}
