import { defineConfig } from 'vitest/config';

/**
 * Browser tests: tests/e2e/*.e2e.ts drive Debian's Chromium with playwright-core, against the
 * production server (`npm start`), built once before the first file.
 */
export default defineConfig({
	test: {
		include: ['tests/e2e/**/*.e2e.ts'],
		environment: 'node',
		globalSetup: ['tests/support/build-once.ts'],
		testTimeout: 180_000,
		hookTimeout: 180_000,
		fileParallelism: false
	}
});
