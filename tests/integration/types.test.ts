import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateTypes, TYPES_FILE } from '../../scripts/typegen';

describe('the generated Kysely types', () => {
	it('match the migrated schema (run `npm run db:types` when this fails)', async () => {
		const { content } = await generateTypes({ migrationsDir: 'supabase/migrations', write: false });
		expect(content).toContain('export interface DB');
		expect(readFileSync(TYPES_FILE, 'utf8')).toBe(content);
	});
});
