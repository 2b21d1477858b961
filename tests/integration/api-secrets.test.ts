/**
 * /api/v1/secrets against the app as `npm start` runs it, through the typed client generated from
 * the OpenAPI document, every response checked against the document (tests/support/api.ts): an API
 * key holding secrets.manage and secrets.read creates, lists, reads, versions and deletes, and is
 * refused the value (secrets.reveal); the owner reveals any version; a key without secrets.read
 * and another tenant's owner get nothing (another tenant's ids are a 404); a value that is not its
 * format is refused in a sentence about body.value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/lib/api-client';
import { API_ERROR_MESSAGES, DB_ERROR_MESSAGES } from '../../src/lib/server/platform/errors';
import { ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';
/** Acme's demo key (supabase/seeds/26_api_keys.sql): no secrets.read. */
const ACME_READER_KEY = 'tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1';
const checker = new ResponseChecker();

function expectProblem(error: unknown, status: number, code: string) {
	expect(error).toMatchObject({ status, code });
	const catalogue =
		(API_ERROR_MESSAGES as Record<string, { message: string }>)[code]?.message ??
		DB_ERROR_MESSAGES[code]?.message;
	expect((error as { title: string }).title).toBe(catalogue);
	return error as { errors?: { field: string; message: string }[] };
}

describe('REST API v1: secrets', () => {
	let app: App;
	let owner: ApiClient;
	let vault: ApiClient;
	let reader: ApiClient;
	let globex: ApiClient;
	let secretId: string;

	beforeAll(async () => {
		app = await startApp({ API_METER_FLUSH_MS: '0' });
		owner = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@acme.test', PASSWORD),
			'tenantry-tenant': 'acme'
		});
		const key = await owner.POST('/api/v1/api-keys', {
			body: { name: 'Secrets CI', mode: 'test', permissions: ['secrets.manage', 'secrets.read'] }
		});
		expect(key.response.status).toBe(201);
		vault = checker.client(app.url, { authorization: `Bearer ${key.data!.key}` });
		reader = checker.client(app.url, { authorization: `Bearer ${ACME_READER_KEY}` });
		globex = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@globex.test', PASSWORD),
			'tenantry-tenant': 'globex'
		});
	}, 180_000);

	afterAll(async () => {
		await app?.stop();
	});

	it('creates a secret, lists and reads its metadata, never its value', async () => {
		const created = await vault.POST('/api/v1/secrets', {
			body: {
				name: 'CI_DEPLOY_TOKEN',
				format: 'opaque',
				value: 'ci-token-one',
				description: 'Deploys'
			}
		});
		expect(created.response.status).toBe(201);
		expect(created.data).toMatchObject({
			name: 'CI_DEPLOY_TOKEN',
			format: 'opaque',
			version: 1,
			owner: null
		});
		secretId = created.data!.id;
		expect(JSON.stringify(created.data)).not.toContain('ci-token-one');

		const list = await vault.GET('/api/v1/secrets', { params: { query: { limit: 100 } } });
		expect(list.data!.data.map((s) => s.name)).toContain('CI_DEPLOY_TOKEN');
		expect(JSON.stringify(list.data)).not.toContain('ci-token-one');

		const version = await vault.POST('/api/v1/secrets/{secret}/versions', {
			params: { path: { secret: secretId } },
			body: { value: 'ci-token-two' }
		});
		expect(version.response.status).toBe(201);
		expect(version.data!.version).toBe(2);
		const detail = await vault.GET('/api/v1/secrets/{secret}', {
			params: { path: { secret: secretId } }
		});
		expect(detail.data!.versions.map((v) => v.version)).toEqual([2, 1]);
	});

	it('reveals a value only with secrets.reveal', async () => {
		const refused = await vault.GET('/api/v1/secrets/{secret}/value', {
			params: { path: { secret: secretId }, query: {} }
		});
		expect(refused.response.status).toBe(403);
		expectProblem(refused.error, 403, 'TN002');
		const current = await owner.GET('/api/v1/secrets/{secret}/value', {
			params: { path: { secret: secretId }, query: {} }
		});
		expect(current.data).toEqual({ version: 2, value: 'ci-token-two' });
		const first = await owner.GET('/api/v1/secrets/{secret}/value', {
			params: { path: { secret: secretId }, query: { version: 1 } }
		});
		expect(first.data).toEqual({ version: 1, value: 'ci-token-one' });
		const missing = await owner.GET('/api/v1/secrets/{secret}/value', {
			params: { path: { secret: secretId }, query: { version: 9 } }
		});
		expectProblem(missing.error, 404, 'TN321');
	});

	it('refuses values that are not their format, names taken, and strangers', async () => {
		const json = await vault.POST('/api/v1/secrets', {
			body: { name: 'BROKEN_JSON', format: 'json', value: '{"a":' }
		});
		const problem = expectProblem(json.error, 400, 'TN220');
		expect(problem.errors?.[0]?.field).toBe('body.value');
		expect(problem.errors?.[0]?.message).toMatch(/^This is not valid JSON/);
		const taken = await vault.POST('/api/v1/secrets', {
			body: { name: 'ci_deploy_token', value: 'x' }
		});
		expectProblem(taken.error, 409, 'TN315');

		const list = await reader.GET('/api/v1/secrets', { params: { query: {} } });
		expect(list.data!.data).toEqual([]);
		const foreign = await globex.GET('/api/v1/secrets/{secret}', {
			params: { path: { secret: secretId } }
		});
		expect(foreign.response.status).toBe(404);
		const foreignValue = await globex.GET('/api/v1/secrets/{secret}/value', {
			params: { path: { secret: secretId }, query: {} }
		});
		expect(foreignValue.response.status).toBe(404);
	});

	it('deletes a secret', async () => {
		const deleted = await vault.DELETE('/api/v1/secrets/{secret}', {
			params: { path: { secret: secretId } }
		});
		expect(deleted.response.status).toBe(204);
		const gone = await vault.GET('/api/v1/secrets/{secret}', {
			params: { path: { secret: secretId } }
		});
		expect(gone.response.status).toBe(404);
	});
});
