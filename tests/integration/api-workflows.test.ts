/**
 * /api/v1/workflows, /api/v1/workflow-runs and /api/v1/workflow-approvals against the app as
 * `npm start` runs it (its queue worker runs the steps), through the typed client generated from
 * the OpenAPI document, every response checked against the document (tests/support/api.ts): an
 * API key holding workflows.manage lists and reads workflows, starts a run of the seeded sign-off
 * and follows it to its approval; the key cannot decide (an approval is a person's), the owner
 * does and the run ends; a run is cancelled (twice: 409); a key without the permission and another
 * tenant's owner see nothing (404); a bad input is refused in a sentence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/lib/api-client';
import { API_ERROR_MESSAGES, DB_ERROR_MESSAGES } from '../../src/lib/server/platform/errors';
import { ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';
/** Acme's demo key (supabase/seeds/26_api_keys.sql): no workflows.manage. */
const ACME_READER_KEY = 'tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1';
/** The seeded "Release sign-off" (supabase/seeds/32_workflows.sql). */
const SIGN_OFF = 'f1000000-0000-4000-8000-000000000002';
const checker = new ResponseChecker();

interface ProblemBody {
	title: string;
	status: number;
	code: string;
	errors?: { field: string; message: string }[];
}

function expectProblem(error: unknown, status: number, code: string): ProblemBody {
	const problem = error as ProblemBody;
	expect(problem).toMatchObject({ status, code });
	const catalogue =
		(API_ERROR_MESSAGES as Record<string, { message: string }>)[code]?.message ??
		DB_ERROR_MESSAGES[code]?.message;
	expect(problem.title).toBe(catalogue);
	return problem;
}

async function until<T>(
	what: string,
	probe: () => Promise<T | undefined>,
	ms = 20_000
): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

describe('REST API v1: workflows', () => {
	let app: App;
	let owner: ApiClient;
	let flows: ApiClient;
	let reader: ApiClient;
	let globex: ApiClient;

	const runOf = async (client: ApiClient, run: string) =>
		(await client.GET('/api/v1/workflow-runs/{run}', { params: { path: { run } } })).data;

	beforeAll(async () => {
		app = await startApp({ API_METER_FLUSH_MS: '0' });
		owner = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@acme.test', PASSWORD),
			'tenantry-tenant': 'acme'
		});
		const key = await owner.POST('/api/v1/api-keys', {
			body: { name: 'Workflows CI', mode: 'test', permissions: ['workflows.manage'] }
		});
		expect(key.response.status).toBe(201);
		flows = checker.client(app.url, { authorization: `Bearer ${key.data!.key}` });
		reader = checker.client(app.url, { authorization: `Bearer ${ACME_READER_KEY}` });
		globex = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@globex.test', PASSWORD),
			'tenantry-tenant': 'globex'
		});
	}, 180_000);

	afterAll(async () => {
		await app?.stop();
	});

	it('lists and reads workflows with a key holding workflows.manage', async () => {
		const list = await flows.GET('/api/v1/workflows', {});
		expect(list.data!.data.map((w) => w.name).sort()).toEqual([
			'Release sign-off',
			'Welcome new projects'
		]);
		const one = await flows.GET('/api/v1/workflows/{workflow}', {
			params: { path: { workflow: SIGN_OFF } }
		});
		expect(one.data).toMatchObject({ id: SIGN_OFF, trigger_type: 'manual', enabled: true });
		expect((one.data!.definition as { steps: unknown[] }).steps).toHaveLength(3);
	});

	it('starts a run that waits for an approval only a person holding the permission decides', async () => {
		const started = await flows.POST('/api/v1/workflows/{workflow}/runs', {
			params: { path: { workflow: SIGN_OFF } },
			body: { input: { release: '3.0' } }
		});
		expect(started.response.status).toBe(201);
		const runId = started.data!.id;
		const waiting = await until('the approval', async () => {
			const run = await runOf(flows, runId);
			return run?.status === 'waiting' && run.approvals.length === 1 ? run : undefined;
		});
		expect(waiting.approvals[0]).toMatchObject({
			permission: 'projects.update',
			message: 'Ship release 3.0?'
		});
		const approval = waiting.approvals[0]!.id;

		const byKey = await flows.POST('/api/v1/workflow-approvals/{approval}/decision', {
			params: { path: { approval } },
			body: { decision: 'approve' }
		});
		expectProblem(byKey.error, 404, 'TN367');

		const decided = await owner.POST('/api/v1/workflow-approvals/{approval}/decision', {
			params: { path: { approval } },
			body: { decision: 'approve', comment: 'Ship it' }
		});
		expect(decided.response.status).toBe(204);
		const done = await until('the approved run', async () => {
			const run = await runOf(flows, runId);
			return run?.status === 'succeeded' ? run : undefined;
		});
		expect(done.steps.map((s) => [s.step_id, s.status])).toEqual([
			['ask', 'succeeded'],
			['shipped', 'succeeded']
		]);
		expect(done.approvals[0]).toMatchObject({ decision: 'approved', comment: 'Ship it' });

		const again = await owner.POST('/api/v1/workflow-approvals/{approval}/decision', {
			params: { path: { approval } },
			body: { decision: 'reject' }
		});
		expectProblem(again.error, 409, 'TN366');
	});

	it('cancels a run once', async () => {
		const started = await flows.POST('/api/v1/workflows/{workflow}/runs', {
			params: { path: { workflow: SIGN_OFF } },
			body: { input: { release: '3.1' } }
		});
		const run = started.data!.id;
		const cancelled = await flows.POST('/api/v1/workflow-runs/{run}/cancel', {
			params: { path: { run } }
		});
		expect(cancelled.data!.status).toBe('cancelled');
		const twice = await flows.POST('/api/v1/workflow-runs/{run}/cancel', {
			params: { path: { run } }
		});
		expectProblem(twice.error, 409, 'TN366');
		const runs = await flows.GET('/api/v1/workflows/{workflow}/runs', {
			params: { path: { workflow: SIGN_OFF } }
		});
		expect(runs.data!.data.find((r) => r.id === run)).toMatchObject({
			id: run,
			status: 'cancelled',
			trigger_kind: 'manual'
		});
	});

	it('shows nothing to a key without workflows.manage or to another organisation, and refuses bad input', async () => {
		expect((await reader.GET('/api/v1/workflows', {})).data!.data).toEqual([]);
		const hidden = await reader.GET('/api/v1/workflows/{workflow}', {
			params: { path: { workflow: SIGN_OFF } }
		});
		expectProblem(hidden.error, 404, 'TN230');
		const foreign = await globex.POST('/api/v1/workflows/{workflow}/runs', {
			params: { path: { workflow: SIGN_OFF } },
			body: { input: {} }
		});
		expectProblem(foreign.error, 404, 'TN230');
		const bad = await flows.POST('/api/v1/workflows/{workflow}/runs', {
			params: { path: { workflow: SIGN_OFF } },
			body: { input: [1, 2] as never }
		});
		expect(expectProblem(bad.error, 400, 'TN220').errors![0]!.field).toBe('body.input');
	});
});
