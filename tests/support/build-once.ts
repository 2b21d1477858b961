/**
 * vitest globalSetup (vite.config.ts, vitest.e2e.config.ts): brings the production build up to
 * date once before any test file runs, so the apps the tests start (tests/support/app.ts, as
 * `npm start`) find it fresh and none of them builds.
 */
import { ensureBuild } from '../../scripts/build.js';

export default async function setup(): Promise<void> {
	await ensureBuild((line) => console.log(`[tests] ${line}`));
}
