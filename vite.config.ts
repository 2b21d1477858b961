import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [tailwindcss(), sveltekit()],
	server: { fs: { allow: ['supabase'] } },
	// Bundled for the browser up front: found on a first visit instead, Vite would re-optimise and
	// reload the page under a person (or a browser test) mid-form.
	optimizeDeps: { include: ['zod'] },
	test: {
		include: ['src/**/*.spec.ts', 'tests/integration/**/*.test.ts'],
		environment: 'node',
		globalSetup: ['tests/support/build-once.ts'],
		testTimeout: 60_000,
		hookTimeout: 120_000,
		fileParallelism: false
	}
});
