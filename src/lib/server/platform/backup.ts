/**
 * Backup and restore of the embedded profile (docs/operations.md#backup-and-restore). A snapshot
 * is PGlite's data directory as a gzipped tarball (`dumpDataDir`), taken inside the running
 * process while it holds the engine's session lock — so no transaction of the app, a job or the
 * wire socket is open — after a CHECKPOINT, so the files are a committed state, not one needing
 * WAL replay. Restore fills an empty directory from a snapshot (PGlite's `loadDataDir`) and refuses
 * a non-empty one unless told to replace it.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { openEmbedded, type EmbeddedEngine } from './embedded';
import type { Engine } from './engine';

/**
 * A consistent snapshot of the embedded engine's data directory (gzipped tar); null for the
 * server engine, which pg_dump and point-in-time recovery back up.
 */
export async function snapshotEmbedded(engine: Engine): Promise<Blob | null> {
	if (engine.kind !== 'embedded') return null;
	const { lock, pglite } = engine as EmbeddedEngine;
	const release = await lock.acquire();
	try {
		await pglite.exec('checkpoint');
		return await pglite.dumpDataDir('gzip');
	} finally {
		release();
	}
}

export class RestoreRefused extends Error {}

/** Restores a snapshot file into `dataDir`: empty or missing, or emptied first with `force`. */
export async function restoreEmbedded(
	file: string,
	dataDir: string,
	{ force = false }: { force?: boolean } = {}
): Promise<void> {
	if (!existsSync(file)) throw new RestoreRefused(`There is no backup at ${file}.`);
	const bytes = readFileSync(file);
	if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
		throw new RestoreRefused(`${file} is not a backup made by npm run db:backup (not gzip).`);
	}
	if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
		if (!force) {
			throw new RestoreRefused(
				`${dataDir} is not empty: restore into an empty directory (--data-dir DIR), or add --force to replace what is there.`
			);
		}
		rmSync(dataDir, { recursive: true, force: true });
	}
	const engine = await openEmbedded(dataDir, { loadDataDir: new Blob([bytes]) });
	await engine.close();
}
