import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/server/platform/config';
import type { Runtime } from '../../src/lib/server/platform/db';
import { MEMORY, openEmbedded, type EmbeddedEngine } from '../../src/lib/server/platform/embedded';
import { migrate } from '../../src/lib/server/platform/migrate';
import { checkHealth } from '../../src/lib/server/platform/health';

describe('health', () => {
	let engine: EmbeddedEngine;
	const dir = mkdtempSync(join(tmpdir(), 'health-'));
	const runtime = (): Promise<Runtime> =>
		Promise.resolve({
			engine,
			config: loadConfig({ MIGRATIONS_DIR: dir }),
			wire: null,
			mail: null,
			owner: null,
			shutdown: () => engine.close()
		});

	beforeAll(async () => {
		cpSync('supabase/migrations', dir, { recursive: true });
		engine = await openEmbedded(MEMORY);
		await migrate(engine, { dir, compat: 'auto' });
	});
	afterAll(async () => {
		await engine.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it('is ok when every migration file is applied', async () => {
		const health = await checkHealth(runtime());
		expect(health.status).toBe('ok');
		expect(health.engine).toBe('embedded');
		expect(health.migrations.latest).toMatch(/^\d{14}$/);
	});

	it('reports pending migrations when a file is not applied yet', async () => {
		writeFileSync(join(dir, '29990101000000_later.sql'), 'select 1;');
		const health = await checkHealth(runtime());
		expect(health.status).toBe('migrations_pending');
		expect(health.migrations.expected).toBe(health.migrations.applied + 1);
		rmSync(join(dir, '29990101000000_later.sql'));
	});

	it('is unavailable when the database cannot be reached', async () => {
		const health = await checkHealth(
			Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'))
		);
		expect(health).toMatchObject({ status: 'unavailable', engine: null });
		expect(health.error).toContain('ECONNREFUSED');
	});
});
