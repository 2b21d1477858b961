import { defineConfig } from 'vitest/config';

/** Browser tests: tests/e2e/*.e2e.ts drive Debian's Chromium with playwright-core. */
export default defineConfig({
	test: {
		include: ['tests/e2e/**/*.e2e.ts'],
		environment: 'node',
		testTimeout: 180_000,
		hookTimeout: 180_000,
		fileParallelism: false
	}
});
