/**
 * The architecture's import rules bite (eslint.config.js `no-restricted-imports`): ESLint's own
 * Node API lints small sources as if they were files of the app, and must refuse each breach.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
	const [result] = await eslint.lintText(code, { filePath });
	return result!.messages
		.filter((m) => m.ruleId?.endsWith('no-restricted-imports'))
		.map((m) => m.message);
}

const ROUTE = 'src/routes/(app)/t/[slug]/members/+page.server.ts';

describe('routes may not reach around the request helpers', () => {
	it('a route importing an engine is refused', async () => {
		const refused = await restrictedImports(
			ROUTE,
			"import { openEmbedded } from '$lib/server/platform/embedded';\nexport const x = openEmbedded;\n"
		);
		expect(refused).toEqual([expect.stringContaining('do not reach the engines or rls.ts')]);
	});

	it('a route importing rls.ts is refused', async () => {
		const refused = await restrictedImports(
			ROUTE,
			"import { runAsServiceRole } from '$lib/server/platform/rls';\nexport const x = runAsServiceRole;\n"
		);
		expect(refused).toEqual([expect.stringContaining('do not reach the engines or rls.ts')]);
	});

	it('a route importing Kysely’s sql is refused', async () => {
		const refused = await restrictedImports(
			ROUTE,
			"import { sql } from 'kysely';\nexport const x = sql;\n"
		);
		expect(refused).toEqual([expect.stringContaining('Routes run no raw SQL')]);
	});

	it('a route using the helpers and a module’s queries passes', async () => {
		const refused = await restrictedImports(
			ROUTE,
			"import type { Transaction } from 'kysely';\nimport { withClaims } from '$lib/server/platform/db';\nimport { tenantAction } from '$lib/server/tenancy/actions';\nexport type T = Transaction<never>;\nexport const x = [withClaims, tenantAction];\n"
		);
		expect(refused).toEqual([]);
	});
});

describe('client code may not import server code', () => {
	it('a .svelte component importing $lib/server is refused', async () => {
		const refused = await restrictedImports(
			'src/routes/(app)/t/[slug]/members/+page.svelte',
			'<script lang="ts">\n\timport { DB_ERROR_MESSAGES } from \'$lib/server/platform/errors\';\n\tconst m = DB_ERROR_MESSAGES;\n</script>\n\n<p>{m.TN001?.message}</p>\n'
		);
		expect(refused).toEqual([expect.stringContaining('Client code may not import server code')]);
	});

	it('client-safe src/lib code importing server code by a relative path is refused', async () => {
		const refused = await restrictedImports(
			'src/lib/tenancy/nav.ts',
			"import { withClaims } from '../server/platform/db';\nexport const x = withClaims;\n"
		);
		expect(refused).toEqual([expect.stringContaining('Client code may not import server code')]);
	});

	it('client-safe code importing only server types passes (types leave no trace in the bundle)', async () => {
		const refused = await restrictedImports(
			'src/lib/tenancy/nav.ts',
			"import type { TenantStatus } from '$lib/server/platform/database';\nexport type S = TenantStatus;\n"
		);
		expect(refused).toEqual([]);
	});

	it('a .svelte component importing client-safe code passes', async () => {
		const refused = await restrictedImports(
			'src/routes/(app)/t/[slug]/members/+page.svelte',
			"<script lang=\"ts\">\n\timport { can } from '$lib/tenancy/nav';\n\tconst ok = can([], 'members.read');\n</script>\n\n<p>{ok}</p>\n"
		);
		expect(refused).toEqual([]);
	});
});
