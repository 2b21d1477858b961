/**
 * A fresh test database: an engine from one of tests/integration/engines.ts's factories with every
 * migration in supabase/migrations applied (`migrated`), and supabase/seed.sql loaded on top
 * (`seeded`), as most integration tests start.
 */
import { migrate, seed } from '../../src/lib/server/platform/migrate';
import type { EngineFactory, TestEngine } from '../integration/engines';

export async function migrated(factory: EngineFactory): Promise<TestEngine & { owner: string | null }> {
	const t = await factory();
	const { owner } = await migrate(t.engine, { dir: 'supabase/migrations', compat: 'auto' });
	return Object.assign(t, { owner });
}

export async function seeded(factory: EngineFactory): Promise<TestEngine> {
	const t = await migrated(factory);
	await seed(t.engine, { file: 'supabase/seed.sql', owner: t.owner });
	return t;
}
