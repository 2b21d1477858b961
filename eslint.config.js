import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

/**
 * The architecture's import rules (docs/adding-a-module.md). Routes reach the database only
 * through the request helpers (withClaims, formAction / tenantAction / staffAction) and the
 * modules' queries: never an engine, the request transaction's internals (rls.ts) or raw SQL.
 * Client code — components, pages, and src/lib outside src/lib/server — never imports server code.
 */
const PLATFORM_INTERNALS = '(engine|embedded|server|wire|rls|compat|migrate|session-lock)';
export const routeImports = {
	paths: [
		{
			name: 'kysely',
			importNames: ['sql'],
			message: 'Routes run no raw SQL: put the query in the module (src/lib/server/<module>/).'
		}
	],
	patterns: [
		{
			regex: `(^|/)server/platform/${PLATFORM_INTERNALS}(\\.[jt]s)?$`,
			message:
				'Routes do not reach the engines or rls.ts: use withClaims or the action wrappers (platform/web/actions.ts).'
		}
	]
};
export const clientImports = {
	patterns: [
		{
			// Types vanish from the bundle: a page may check its lists against the generated types.
			allowTypeImports: true,
			regex: '(^\\$lib/server(/|$))|(^|/)lib/server(/|$)|^\\.\\.?/(.*/)?server/',
			message:
				'Client code may not import server code ($lib/server): move what it shares to src/lib/<module>/.'
		}
	]
};

export default ts.config(
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	prettier,
	...svelte.configs.prettier,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: {
			'no-undef': 'off',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
		}
	},
	{
		files: ['src/routes/**/*.ts', 'src/routes/**/*.js'],
		rules: { 'no-restricted-imports': ['error', routeImports] }
	},
	{
		files: ['src/**/*.svelte', 'src/**/*.svelte.ts', 'src/lib/**/*.ts', 'src/lib/**/*.js'],
		ignores: ['src/lib/server/**', '**/*.spec.ts'],
		rules: { '@typescript-eslint/no-restricted-imports': ['error', clientImports] }
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: {
			parserOptions: {
				projectService: true,
				extraFileExtensions: ['.svelte'],
				parser: ts.parser,
				svelteConfig
			}
		}
	},
	{
		// shadcn-svelte's primitives render the href their caller passes, already resolve()d there.
		files: ['src/lib/components/ui/**/*.svelte'],
		rules: { 'svelte/no-navigation-without-resolve': 'off' }
	},
	{
		ignores: [
			'build/',
			'.svelte-kit/',
			'.data/',
			'node_modules/',
			'supabase/functions/',
			'test-results/'
		]
	}
);
