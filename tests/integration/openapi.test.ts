/**
 * The OpenAPI document of /api/v1 (src/lib/server/api/openapi.ts): valid OpenAPI 3.1 to an
 * independent validator, one operation per endpoint and one route per operation, and the
 * committed client types (src/lib/api-client/v1.d.ts) generated from it as it is now. That every
 * response matches it is checked in the API tests (tests/support/api.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { apiTypes, API_TYPES_FILE } from '../../scripts/api-types-source';
import { buildOpenApi } from '../../src/lib/server/api/openapi';
import { ENDPOINTS } from '../../src/lib/server/api/v1';

describe('the OpenAPI document', () => {
	const doc = JSON.parse(JSON.stringify(buildOpenApi())) as {
		openapi: string;
		paths: Record<
			string,
			Record<string, { operationId: string; responses: Record<string, unknown> }>
		>;
	};

	it('is valid OpenAPI 3.1 to @seriousme/openapi-schema-validator', async () => {
		const result = await new Validator().validate(doc);
		expect(result.errors ?? []).toEqual([]);
		expect(result.valid).toBe(true);
		expect(doc.openapi).toBe('3.1.0');
	});

	it('has one operation per endpoint, each with a unique id, a problem default and its route', () => {
		const ids = new Set<string>();
		for (const endpoint of ENDPOINTS) {
			const op = doc.paths[`/api/v1${endpoint.spec.path}`]?.[endpoint.spec.method.toLowerCase()];
			expect(op?.operationId, `${endpoint.spec.method} ${endpoint.spec.path}`).toBe(
				endpoint.spec.operationId
			);
			expect(op!.responses.default).toBeDefined();
			ids.add(op!.operationId);
			const file = `src/routes/api/v1${endpoint.spec.path.replace(/\{(\w+)\}/g, '[$1]')}/+server.ts`;
			expect(existsSync(file), `${file} is missing`).toBe(true);
			expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`\\b${endpoint.spec.method}\\b`));
		}
		expect(ids.size).toBe(ENDPOINTS.length);
	});

	it('is what the committed client types were generated from (npm run api:types)', async () => {
		expect(
			readFileSync(API_TYPES_FILE, 'utf8') === (await apiTypes()),
			`${API_TYPES_FILE} is stale: run npm run api:types`
		).toBe(true);
	});
});
