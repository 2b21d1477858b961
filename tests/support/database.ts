/**
 * A fresh test database: an engine from one of tests/integration/engines.ts's factories with every
 * migration in supabase/migrations applied (`migrated`), and supabase/seed.sql loaded on top
 * (`seeded`), as most integration tests start; `servedEmbedded` serves an embedded one on the
 * Postgres wire protocol for what connects as a client would (psql, pg, the edge functions).
 */
import { MEMORY, openEmbedded, type EmbeddedEngine } from '../../src/lib/server/platform/embedded';
import { migrate, seed } from '../../src/lib/server/platform/migrate';
import { serveWire, type WireServer } from '../../src/lib/server/platform/wire';
import type { EngineFactory, TestEngine } from '../integration/engines';

export async function migrated(
	factory: EngineFactory
): Promise<TestEngine & { owner: string | null }> {
	const t = await factory();
	const { owner } = await migrate(t.engine, { dir: 'supabase/migrations', compat: 'auto' });
	return Object.assign(t, { owner });
}

export async function seeded(factory: EngineFactory): Promise<TestEngine> {
	const t = await migrated(factory);
	await seed(t.engine, { file: 'supabase/seed.sql', owner: t.owner });
	return t;
}

/** An in-memory embedded database, migrated (and seeded unless `seed` is false), on a free port. */
export async function servedEmbedded(options: {
	seed: boolean;
	maxConnections: number;
}): Promise<{ engine: EmbeddedEngine; wire: WireServer }> {
	const engine = await openEmbedded(MEMORY);
	const { owner } = await migrate(engine, { dir: 'supabase/migrations', compat: 'auto' });
	if (options.seed) await seed(engine, { file: 'supabase/seed.sql', owner });
	const wire = await serveWire({
		pglite: engine.pglite,
		lock: engine.lock,
		host: '127.0.0.1',
		port: 0,
		maxConnections: options.maxConnections
	});
	return { engine, wire };
}
