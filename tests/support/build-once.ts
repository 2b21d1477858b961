/**
 * vitest globalSetup (vite.config.ts, vitest.e2e.config.ts): brings the production build up to
 * date once before any test file runs, so the apps the tests start (tests/support/app.ts, as
 * `npm start`) find it fresh and none of them builds; and migrates and seeds one data directory
 * (`npm run db:reset` into a temporary directory), which every app a test starts copies instead of
 * migrating and seeding a database of its own.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuild } from '../../scripts/build.js';
import { DATA_TEMPLATE_ENV } from './app';

export default async function setup(): Promise<() => void> {
	await ensureBuild((line) => console.log(`[tests] ${line}`));
	const root = mkdtempSync(join(tmpdir(), 'tenantry-template-'));
	const dataDir = join(root, 'pglite');
	const started = Date.now();
	execFileSync(process.execPath, ['--import', 'tsx', 'scripts/db.ts', 'reset'], {
		env: { ...process.env, DATA_DIR: dataDir },
		stdio: ['ignore', 'ignore', 'inherit']
	});
	console.log(
		`[tests] migrated and seeded the apps' template database in ${Date.now() - started} ms`
	);
	process.env[DATA_TEMPLATE_ENV] = dataDir;
	return () => rmSync(root, { recursive: true, force: true });
}
