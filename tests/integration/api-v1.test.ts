/**
 * The REST API v1 against the app as `npm start` runs it, through the typed client generated from
 * the OpenAPI document, every response checked against the document (tests/support/api.ts). Per
 * resource: what a member may do, what RLS refuses (as a problem+json with the TN code and the
 * catalogue's sentence), and that another tenant's rows are a 404; plus idempotent replay and a
 * conflicting body, ETag / If-None-Match / If-Match (412), cursor paging, and the three ways in
 * (session cookie, access token as Bearer, none).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/lib/api-client';
import { API_ERROR_MESSAGES, DB_ERROR_MESSAGES } from '../../src/lib/server/platform/errors';
import { accessToken, ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';
const checker = new ResponseChecker();

interface ProblemBody {
	type: string;
	title: string;
	status: number;
	code: string;
	errors?: { field: string; message: string }[];
}

/** A problem's shape: the code, its catalogue sentence, the status. */
function expectProblem(error: unknown, status: number, code: string): ProblemBody {
	const problem = error as ProblemBody;
	expect(problem).toMatchObject({ status, code, type: `urn:tenantry:problem:${code}` });
	const catalogue =
		(API_ERROR_MESSAGES as Record<string, { message: string }>)[code]?.message ??
		DB_ERROR_MESSAGES[code]?.message;
	expect(problem.title).toBe(catalogue);
	return problem;
}

describe('REST API v1', () => {
	let app: App;
	let owner: ApiClient;
	let ownerCookies: string;
	let viewer: ApiClient;
	let globex: ApiClient;
	let raw: (path: string, init?: RequestInit) => Promise<Response>;

	beforeAll(async () => {
		app = await startApp({ API_METER_FLUSH_MS: '0', TENANTRY_TRACE_TRANSACTIONS: '1' });
		ownerCookies = await signInCookies(app, 'owner@acme.test', PASSWORD);
		owner = checker.client(app.url, { cookie: ownerCookies, 'tenantry-tenant': 'acme' });
		viewer = checker.client(app.url, {
			cookie: await signInCookies(app, 'viewer@acme.test', PASSWORD),
			'tenantry-tenant': 'acme'
		});
		globex = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@globex.test', PASSWORD),
			'tenantry-tenant': 'globex'
		});
		raw = (path, init) => checker.fetch(`${app.url}${path}`, init);
	});

	afterAll(async () => {
		await app?.stop();
	});

	describe('authentication and the tenant', () => {
		it('refuses a request with neither session, token nor key (TN221)', async () => {
			const res = await raw('/api/v1/projects', { headers: { 'tenantry-tenant': 'acme' } });
			expect(res.status).toBe(401);
			expect(res.headers.get('content-type')).toBe('application/problem+json');
			expectProblem(await res.json(), 401, 'TN221');
		});

		it('refuses a bad bearer token rather than falling back to the cookie (TN222)', async () => {
			const res = await raw('/api/v1/projects', {
				headers: {
					authorization: 'Bearer not-a-token',
					cookie: ownerCookies,
					'tenantry-tenant': 'acme'
				}
			});
			expectProblem(await res.json(), 401, 'TN222');
		});

		it('accepts the session’s access token as a Bearer token (a Supabase access token)', async () => {
			const client = checker.client(app.url, {
				authorization: `Bearer ${accessToken(ownerCookies)}`,
				'tenantry-tenant': 'acme'
			});
			const { data, response } = await client.GET('/api/v1/tenant');
			expect(response.status).toBe(200);
			expect(data?.slug).toBe('acme');
		});

		it('asks a person to name the tenant (TN223), and answers another tenant as none (TN224)', async () => {
			const unnamed = await raw('/api/v1/projects', { headers: { cookie: ownerCookies } });
			expectProblem(await unnamed.json(), 400, 'TN223');
			const foreign = await raw('/api/v1/projects', {
				headers: { cookie: ownerCookies, 'tenantry-tenant': 'globex' }
			});
			expectProblem(await foreign.json(), 404, 'TN224');
			const none = await raw('/api/v1/projects', {
				headers: { cookie: ownerCookies, 'tenantry-tenant': 'no-such-tenant' }
			});
			expectProblem(await none.json(), 404, 'TN224');
		});

		it('sends the rate-limit headers on every answer', async () => {
			const { response } = await owner.GET('/api/v1/roles');
			expect(response.headers.get('ratelimit-policy')).toMatch(/^"person";q=\d+;w=60$/);
			expect(response.headers.get('ratelimit')).toMatch(/^"person";r=\d+;t=\d+$/);
		});
	});

	describe('tenant', () => {
		it('reads with an ETag, answers 304 to If-None-Match, and refuses a stale If-Match (412)', async () => {
			const first = await owner.GET('/api/v1/tenant');
			const etag = first.response.headers.get('etag')!;
			expect(etag).toMatch(/^"[\w-]+"$/);
			const again = await raw('/api/v1/tenant', {
				headers: { cookie: ownerCookies, 'tenantry-tenant': 'acme', 'if-none-match': etag }
			});
			expect(again.status).toBe(304);

			const renamed = await owner.PATCH('/api/v1/tenant', {
				params: { header: { 'If-Match': etag } },
				body: { name: 'Acme Incorporated' }
			});
			expect(renamed.data?.name).toBe('Acme Incorporated');
			const newTag = renamed.response.headers.get('etag');
			expect(newTag).not.toBe(etag);

			const stale = await owner.PATCH('/api/v1/tenant', {
				params: { header: { 'If-Match': etag } },
				body: { name: 'Lost update' }
			});
			expectProblem(stale.error, 412, 'TN227');
			expect((await owner.GET('/api/v1/tenant')).data?.name).toBe('Acme Incorporated');
		});

		it('refuses a viewer’s change as the database does (TN002)', async () => {
			const { error } = await viewer.PATCH('/api/v1/tenant', { body: { name: 'Viewer Inc' } });
			expectProblem(error, 403, 'TN002');
		});

		it('refuses a bad value with the field named (TN220)', async () => {
			const { error } = await owner.PATCH('/api/v1/tenant', {
				body: { timezone: 'Mars/Olympus' }
			});
			const problem = expectProblem(error, 400, 'TN220');
			expect(problem.errors).toEqual([
				{ field: 'body.timezone', message: 'Choose a time zone from the list.' }
			]);
		});
	});

	describe('projects and environments', () => {
		let projectId: string;

		it('creates a project, reads it, and lists it', async () => {
			const created = await owner.POST('/api/v1/projects', {
				body: { name: 'Billing API', slug: 'billing-api', description: 'For invoices' }
			});
			expect(created.response.status).toBe(201);
			projectId = created.data!.id;
			expect(created.data).toMatchObject({ slug: 'billing-api', name: 'Billing API' });
			const read = await owner.GET('/api/v1/projects/{project}', {
				params: { path: { project: projectId } }
			});
			expect(read.data?.id).toBe(projectId);
		});

		it('pages with an opaque cursor: every project once, limit at most 100', async () => {
			const seen: string[] = [];
			let cursor: string | undefined;
			do {
				const { data } = await owner.GET('/api/v1/projects', {
					params: { query: { limit: 2, cursor } }
				});
				expect(data!.data.length).toBeLessThanOrEqual(2);
				seen.push(...data!.data.map((p) => p.id));
				cursor = data!.next_cursor ?? undefined;
			} while (cursor);
			const { data: all } = await owner.GET('/api/v1/projects', {
				params: { query: { limit: 100 } }
			});
			expect(seen).toEqual(all!.data.map((p) => p.id));
			expect(new Set(seen).size).toBe(seen.length);
			expect(seen).toContain(projectId);

			const tooMany = await owner.GET('/api/v1/projects', { params: { query: { limit: 101 } } });
			expect(expectProblem(tooMany.error, 400, 'TN220').errors?.[0]?.field).toBe('query.limit');
			const forged = await owner.GET('/api/v1/projects', { params: { query: { cursor: 'xyz' } } });
			expect(expectProblem(forged.error, 400, 'TN220').errors?.[0]?.field).toBe('query.cursor');
		});

		it('updates with If-Match and refuses the lost update (412)', async () => {
			const read = await owner.GET('/api/v1/projects/{project}', {
				params: { path: { project: projectId } }
			});
			const etag = read.response.headers.get('etag')!;
			const ok = await owner.PATCH('/api/v1/projects/{project}', {
				params: { path: { project: projectId }, header: { 'If-Match': etag } },
				body: { description: 'Invoices and credit notes' }
			});
			expect(ok.data?.description).toBe('Invoices and credit notes');
			const stale = await owner.PATCH('/api/v1/projects/{project}', {
				params: { path: { project: projectId }, header: { 'If-Match': etag } },
				body: { name: 'Overwritten' }
			});
			expectProblem(stale.error, 412, 'TN227');
		});

		it('manages environments', async () => {
			const project = { project: projectId };
			const created = await owner.POST('/api/v1/projects/{project}/environments', {
				params: { path: project },
				body: { name: 'QA', kind: 'staging' }
			});
			expect(created.data).toMatchObject({ name: 'QA', kind: 'staging' });
			const taken = await owner.POST('/api/v1/projects/{project}/environments', {
				params: { path: project },
				body: { name: 'qa', kind: 'staging' }
			});
			expectProblem(taken.error, 409, 'TN081');
			const environment = created.data!.id;
			const renamed = await owner.PATCH('/api/v1/projects/{project}/environments/{environment}', {
				params: { path: { ...project, environment } },
				body: { name: 'Quality' }
			});
			expect(renamed.data?.name).toBe('Quality');
			const list = await owner.GET('/api/v1/projects/{project}/environments', {
				params: { path: project }
			});
			expect(list.data?.data.map((e) => e.name)).toContain('Quality');
			const gone = await owner.DELETE('/api/v1/projects/{project}/environments/{environment}', {
				params: { path: { ...project, environment } }
			});
			expect(gone.response.status).toBe(204);
		});

		it('refuses a viewer’s write (RLS) and shows another tenant’s project to nobody', async () => {
			const refused = await viewer.POST('/api/v1/projects', {
				body: { name: 'Nope', slug: 'nope', description: '' }
			});
			expect(refused.response.status).toBe(403);
			expect(['42501', 'TN002']).toContain((refused.error as ProblemBody).code);
			const foreign = await globex.GET('/api/v1/projects/{project}', {
				params: { path: { project: projectId } }
			});
			expectProblem(foreign.error, 404, 'TN230');
			const foreignDelete = await globex.DELETE('/api/v1/projects/{project}', {
				params: { path: { project: projectId } }
			});
			expectProblem(foreignDelete.error, 404, 'TN230');
		});

		it('deletes the project', async () => {
			const { response } = await owner.DELETE('/api/v1/projects/{project}', {
				params: { path: { project: projectId } }
			});
			expect(response.status).toBe(204);
			const after = await owner.GET('/api/v1/projects/{project}', {
				params: { path: { project: projectId } }
			});
			expectProblem(after.error, 404, 'TN230');
		});
	});

	describe('Idempotency-Key', () => {
		const body = { name: 'Replayed', slug: 'replayed', description: '' };

		it('replays the first response to a retry and creates once', async () => {
			const headers = { 'Idempotency-Key': 'create-replayed-1' };
			const first = await owner.POST('/api/v1/projects', { params: { header: headers }, body });
			const retry = await owner.POST('/api/v1/projects', { params: { header: headers }, body });
			expect(first.response.status).toBe(201);
			expect(retry.response.status).toBe(201);
			expect(retry.response.headers.get('idempotent-replayed')).toBe('true');
			expect(retry.data).toEqual(first.data);
			const { data } = await owner.GET('/api/v1/projects', { params: { query: { limit: 100 } } });
			expect(data!.data.filter((p) => p.slug === 'replayed')).toHaveLength(1);
		});

		it('refuses the same key with another body (TN225)', async () => {
			const { error } = await owner.POST('/api/v1/projects', {
				params: { header: { 'Idempotency-Key': 'create-replayed-1' } },
				body: { ...body, name: 'Something else' }
			});
			expectProblem(error, 422, 'TN225');
		});

		it('keeps a refusal as the first response too', async () => {
			const headers = { 'Idempotency-Key': 'taken-slug' };
			const first = await owner.POST('/api/v1/projects', { params: { header: headers }, body });
			expectProblem(first.error, 409, 'TN082');
			const retry = await owner.POST('/api/v1/projects', { params: { header: headers }, body });
			expect(retry.response.headers.get('idempotent-replayed')).toBe('true');
			expect(retry.error).toEqual(first.error);
		});

		it('runs concurrent requests with one key once', async () => {
			const same = { name: 'Concurrent', slug: 'concurrent', description: '' };
			const headers = { 'Idempotency-Key': 'concurrent-1' };
			const answers = await Promise.all(
				Array.from({ length: 6 }, () =>
					owner.POST('/api/v1/projects', { params: { header: headers }, body: same })
				)
			);
			expect(answers.map((a) => a.response.status)).toEqual(Array(6).fill(201));
			expect(new Set(answers.map((a) => a.data!.id)).size).toBe(1);
			expect(
				answers.filter((a) => a.response.headers.get('idempotent-replayed') === 'true')
			).toHaveLength(5);
		});

		it('refuses a malformed key (TN226)', async () => {
			const { error } = await owner.POST('/api/v1/projects', {
				params: { header: { 'Idempotency-Key': 'x'.repeat(256) } },
				body
			});
			expectProblem(error, 400, 'TN226');
		});
	});

	describe('members, invitations, roles', () => {
		it('lists members and reads one; another tenant’s member is none', async () => {
			const { data } = await owner.GET('/api/v1/members');
			const dev = data!.data.find((m) => m.email === 'dev@acme.test')!;
			expect(dev.roles.map((r) => r.key)).toContain('developer');
			const one = await owner.GET('/api/v1/members/{user}', {
				params: { path: { user: dev.user_id } }
			});
			expect(one.data?.email).toBe('dev@acme.test');
			const foreign = await globex.GET('/api/v1/members/{user}', {
				params: { path: { user: dev.user_id } }
			});
			expectProblem(foreign.error, 404, 'TN230');
		});

		it('changes a role as the RPC allows, and refuses the viewer (TN002)', async () => {
			const roles = (await owner.GET('/api/v1/roles', { params: { query: { limit: 100 } } })).data!
				.data;
			const viewerRole = roles.find((r) => r.key === 'viewer')!;
			expect(viewerRole.permissions.length).toBeGreaterThan(0);
			const members = (await owner.GET('/api/v1/members')).data!.data;
			const dev = members.find((m) => m.email === 'dev@acme.test')!;
			const changed = await owner.PATCH('/api/v1/members/{user}', {
				params: { path: { user: dev.user_id } },
				body: { role_id: viewerRole.id }
			});
			expect(changed.data?.roles.map((r) => r.key)).toEqual(['viewer']);
			const refused = await viewer.PATCH('/api/v1/members/{user}', {
				params: { path: { user: dev.user_id } },
				body: { role_id: viewerRole.id }
			});
			expectProblem(refused.error, 403, 'TN002');
		});

		it('invites, lists and revokes an invitation; a viewer may not invite', async () => {
			const sent = await owner.POST('/api/v1/invitations', {
				body: { email: 'Api.Invitee@Example.com', role_id: null }
			});
			expect(sent.response.status).toBe(201);
			expect(sent.data?.email).toBe('api.invitee@example.com');
			const list = await owner.GET('/api/v1/invitations');
			expect(list.data?.data.map((i) => i.id)).toContain(sent.data!.id);
			const refused = await viewer.POST('/api/v1/invitations', {
				body: { email: 'someone@example.com', role_id: null }
			});
			expectProblem(refused.error, 403, 'TN002');
			const revoked = await owner.DELETE('/api/v1/invitations/{invitation}', {
				params: { path: { invitation: sent.data!.id } }
			});
			expect(revoked.response.status).toBe(204);
			const again = await owner.DELETE('/api/v1/invitations/{invitation}', {
				params: { path: { invitation: sent.data!.id } }
			});
			expect(again.response.status).toBeGreaterThanOrEqual(400);
		});

		it('removes a member', async () => {
			const members = (await owner.GET('/api/v1/members')).data!.data;
			const auditor = members.find((m) => m.email === 'auditor@acme.test')!;
			const refused = await viewer.DELETE('/api/v1/members/{user}', {
				params: { path: { user: auditor.user_id } }
			});
			expectProblem(refused.error, 403, 'TN002');
			const { response } = await owner.DELETE('/api/v1/members/{user}', {
				params: { path: { user: auditor.user_id } }
			});
			expect(response.status).toBe(204);
		});
	});

	describe('teams', () => {
		it('creates, renames with If-Match, fills, empties and deletes a team', async () => {
			const created = await owner.POST('/api/v1/teams', {
				body: { name: 'API team', description: 'Made over the API' }
			});
			const team = created.data!.id;
			const read = await owner.GET('/api/v1/teams/{team}', { params: { path: { team } } });
			const etag = read.response.headers.get('etag')!;
			const renamed = await owner.PATCH('/api/v1/teams/{team}', {
				params: { path: { team }, header: { 'If-Match': etag } },
				body: { name: 'Platform team' }
			});
			expect(renamed.data).toMatchObject({
				name: 'Platform team',
				description: 'Made over the API'
			});
			const stale = await owner.PATCH('/api/v1/teams/{team}', {
				params: { path: { team }, header: { 'If-Match': etag } },
				body: { name: 'Lost' }
			});
			expectProblem(stale.error, 412, 'TN227');

			const members = (await owner.GET('/api/v1/members')).data!.data;
			const user = members.find((m) => m.email === 'admin@acme.test')!.user_id;
			const added = await owner.POST('/api/v1/teams/{team}/members', {
				params: { path: { team } },
				body: { user_id: user }
			});
			expect(added.data?.email).toBe('admin@acme.test');
			const list = await owner.GET('/api/v1/teams/{team}/members', { params: { path: { team } } });
			expect(list.data?.data.map((m) => m.user_id)).toEqual([user]);
			const foreign = await globex.GET('/api/v1/teams/{team}/members', {
				params: { path: { team } }
			});
			expectProblem(foreign.error, 404, 'TN230');
			const viewerAdd = await viewer.DELETE('/api/v1/teams/{team}/members/{user}', {
				params: { path: { team, user } }
			});
			expectProblem(viewerAdd.error, 404, 'TN230');
			const removed = await owner.DELETE('/api/v1/teams/{team}/members/{user}', {
				params: { path: { team, user } }
			});
			expect(removed.response.status).toBe(204);
			const deleted = await owner.DELETE('/api/v1/teams/{team}', { params: { path: { team } } });
			expect(deleted.response.status).toBe(204);
		});

		it('refuses a second team with the same name (TN080)', async () => {
			const { data } = await owner.GET('/api/v1/teams');
			const taken = data!.data[0]!.name;
			const { error } = await owner.POST('/api/v1/teams', {
				body: { name: taken, description: '' }
			});
			expectProblem(error, 409, 'TN080');
		});
	});

	describe('audit log, usage, billing', () => {
		it('lists audit events newest first with filters and pages them', async () => {
			const first = await owner.GET('/api/v1/audit-log', {
				params: { query: { action: 'projects.insert', limit: 1 } }
			});
			expect(first.data?.data).toHaveLength(1);
			expect(first.data?.data[0]?.action).toBe('projects.insert');
			expect(first.data?.next_cursor).toBeTruthy();
			const second = await owner.GET('/api/v1/audit-log', {
				params: { query: { action: 'projects.insert', limit: 1, cursor: first.data!.next_cursor! } }
			});
			expect(second.data?.data[0]?.id).not.toBe(first.data?.data[0]?.id);
			expect(Number(second.data?.data[0]?.id)).toBeLessThan(Number(first.data?.data[0]?.id));
			const bad = await owner.GET('/api/v1/audit-log', {
				params: { query: { from: '2026-02-30' } }
			});
			expectProblem(bad.error, 400, 'TN220');
			const refused = await viewer.GET('/api/v1/audit-log');
			expect(refused.data?.data).toEqual([]);
		});

		it('exports the audit log as CSV and as NDJSON', async () => {
			const csv = await raw('/api/v1/audit-log/export?format=csv&action=projects.insert', {
				headers: { cookie: ownerCookies, 'tenantry-tenant': 'acme' }
			});
			expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
			const lines = (await csv.text()).trim().split('\r\n');
			expect(lines[0]).toMatch(/^id,created_at,actor_type/);
			expect(lines.length).toBeGreaterThan(2);
			const ndjson = await raw('/api/v1/audit-log/export?action=projects.insert', {
				headers: { cookie: ownerCookies, 'tenantry-tenant': 'acme' }
			});
			expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson');
			const rows = (await ndjson.text())
				.trim()
				.split('\n')
				.map((l) => JSON.parse(l) as { action: string });
			expect(rows.length).toBe(lines.length - 1);
			expect(rows.every((r) => r.action === 'projects.insert')).toBe(true);
		});

		it('records usage events in a batch and reads the counters', async () => {
			const before = (await owner.GET('/api/v1/usage')).data!;
			const compute = before.metrics.find((m) => m.key === 'compute_minutes')!;
			const recorded = await owner.POST('/api/v1/usage/events', {
				body: {
					events: [
						{ metric: 'compute_minutes', quantity: 3, idempotency_key: 'api-batch-1' },
						{ metric: 'compute_minutes', quantity: 4, idempotency_key: 'api-batch-2' }
					]
				}
			});
			expect(recorded.data?.results.map((r) => r.recorded)).toEqual([true, true]);
			const after = (await owner.GET('/api/v1/usage')).data!;
			expect(after.metrics.find((m) => m.key === 'compute_minutes')!.current).toBe(
				compute.current + 7
			);
			const bad = await owner.POST('/api/v1/usage/events', {
				body: { events: [{ metric: 'members', quantity: 1, idempotency_key: 'counted' }] }
			});
			expectProblem(bad.error, 422, 'TN076');
			const refused = await viewer.POST('/api/v1/usage/events', {
				body: { events: [{ metric: 'compute_minutes', quantity: 1, idempotency_key: 'viewer-1' }] }
			});
			expectProblem(refused.error, 403, 'TN002');
		});

		it('reads the subscription and the invoices, and none of another tenant’s', async () => {
			const { data } = await owner.GET('/api/v1/billing/subscription');
			expect(data?.subscription?.plan_code).toBe('pro');
			const invoices = await owner.GET('/api/v1/billing/invoices');
			expect(invoices.data!.data.length).toBeGreaterThan(0);
			const theirs = await globex.GET('/api/v1/billing/invoices');
			const ours = new Set(invoices.data!.data.map((i) => i.id));
			expect(theirs.data!.data.some((i) => ours.has(i.id))).toBe(false);
		});
	});

	describe('API keys', () => {
		const ACME_KEY = 'tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1';
		const GLOBEX_KEY = 'tnt_test_DemoGlobexKeyNotForProduction0012vPKt7';
		const keyClient = (key: string, headers: Record<string, string> = {}) =>
			checker.client(app.url, { authorization: `Bearer ${key}`, ...headers });

		it('authenticates a key as a principal of its tenant, limited by its own rate limit', async () => {
			const { data, response } = await keyClient(ACME_KEY).GET('/api/v1/projects');
			expect(response.status).toBe(200);
			expect(data!.data.map((p) => p.slug)).toContain('web');
			expect(response.headers.get('ratelimit-policy')).toMatch(/^"key";q=\d+;w=60$/);
			const tenant = await keyClient(ACME_KEY, { 'tenantry-tenant': 'acme' }).GET('/api/v1/tenant');
			expect(tenant.data?.slug).toBe('acme');
		});

		it('refuses a key in another tenant, and another tenant’s rows to a key', async () => {
			const named = await keyClient(ACME_KEY, { 'tenantry-tenant': 'globex' }).GET(
				'/api/v1/projects'
			);
			expectProblem(named.error, 404, 'TN224');
			const acmeProjects = (await owner.GET('/api/v1/projects')).data!.data;
			const foreign = await keyClient(GLOBEX_KEY).GET('/api/v1/projects/{project}', {
				params: { path: { project: acmeProjects[0]!.id } }
			});
			expectProblem(foreign.error, 404, 'TN230');
		});

		it('refuses what the key was not given, and a forged key', async () => {
			const write = await keyClient(ACME_KEY).POST('/api/v1/projects', {
				body: { name: 'By key', slug: 'by-key', description: '' }
			});
			expect(write.response.status).toBe(403);
			const forged = await raw('/api/v1/projects', {
				headers: { authorization: `Bearer ${ACME_KEY.slice(0, -1)}X` }
			});
			expectProblem(await forged.json(), 401, 'TN222');
		});

		it('creates a key over the API, whose writes are audited as the key, and revokes it for its next request', async () => {
			const made = await owner.POST('/api/v1/api-keys', {
				body: { name: 'CI', permissions: ['projects.create', 'projects.read'] }
			});
			expect(made.response.status).toBe(201);
			expect(made.data!.key).toMatch(/^tnt_live_/);
			expect(made.data!.prefix).toBe(made.data!.key.slice(0, made.data!.prefix.length));
			const ci = keyClient(made.data!.key);
			const project = await ci.POST('/api/v1/projects', {
				params: { header: { 'Idempotency-Key': 'ci-1' } },
				body: { name: 'From CI', slug: 'from-ci', description: '' }
			});
			expect(project.error).toBeUndefined();
			expect(project.response.status).toBe(201);
			const replay = await ci.POST('/api/v1/projects', {
				params: { header: { 'Idempotency-Key': 'ci-1' } },
				body: { name: 'From CI', slug: 'from-ci', description: '' }
			});
			expect(replay.response.headers.get('idempotent-replayed')).toBe('true');
			const audit = await owner.GET('/api/v1/audit-log', {
				params: { query: { action: 'projects.insert', limit: 1 } }
			});
			expect(audit.data!.data[0]).toMatchObject({ actor_type: 'api_key', actor_id: made.data!.id });

			const listed = await owner.GET('/api/v1/api-keys');
			expect(listed.data!.data.find((k) => k.id === made.data!.id)?.last_four).toBe(
				made.data!.key.slice(-4)
			);
			const byKey = await keyClient(ACME_KEY).GET('/api/v1/api-keys');
			expect(byKey.response.status).toBeGreaterThanOrEqual(200);

			const revoked = await owner.DELETE('/api/v1/api-keys/{key}', {
				params: { path: { key: made.data!.id } }
			});
			expect(revoked.response.status).toBe(204);
			const after = await ci.GET('/api/v1/projects');
			expect(after.response.status).toBe(401);
			expect(['TN201', 'TN222']).toContain((after.error as ProblemBody).code);
		});

		it('rotates a key: the new one works, the old one too for the overlap', async () => {
			const made = await owner.POST('/api/v1/api-keys', {
				body: { name: 'Rotating', permissions: ['projects.read'] }
			});
			const rotated = await owner.POST('/api/v1/api-keys/{key}/rotate', {
				params: { path: { key: made.data!.id } },
				body: { overlap_seconds: 3600 }
			});
			expect(rotated.response.status).toBe(201);
			expect(rotated.data!.key).not.toBe(made.data!.key);
			expect((await keyClient(rotated.data!.key).GET('/api/v1/projects')).response.status).toBe(
				200
			);
			expect((await keyClient(made.data!.key).GET('/api/v1/projects')).response.status).toBe(200);
		});

		it('stops an expired key', async () => {
			const made = await owner.POST('/api/v1/api-keys', {
				body: {
					name: 'Short-lived',
					permissions: ['projects.read'],
					expires_at: new Date(Date.now() + 1500).toISOString()
				}
			});
			const key = keyClient(made.data!.key);
			expect((await key.GET('/api/v1/projects')).response.status).toBe(200);
			await new Promise((r) => setTimeout(r, 1800));
			const late = await key.GET('/api/v1/projects');
			expect(late.response.status).toBe(401);
			expect(['TN202', 'TN222']).toContain((late.error as ProblemBody).code);
		});

		it('refuses a key that tries to make keys (TN212 or a missing permission)', async () => {
			const { response, error } = await keyClient(ACME_KEY).POST('/api/v1/api-keys', {
				body: { name: 'Escalate', permissions: ['projects.read'] }
			});
			expect(response.status).toBe(403);
			expect(['TN212', 'TN002', '42501']).toContain((error as ProblemBody).code);
		});
	});

	describe('one transaction per request', () => {
		/** The `[tx]` lines (rls.ts, TENANTRY_TRACE_TRANSACTIONS) printed for `method path` while `send` ran. */
		async function transactions(method: string, path: string, send: () => Promise<unknown>) {
			const before = app.output().length;
			await send();
			await new Promise((r) => setTimeout(r, 200));
			return app
				.output()
				.slice(before)
				.split('\n')
				.filter((l) => l.startsWith('[tx') && l.endsWith(` ${method} ${path}`));
		}

		it('runs a person’s read and an idempotent write each in ONE transaction as the person', async () => {
			expect(
				await transactions('GET', '/api/v1/projects', () => owner.GET('/api/v1/projects'))
			).toEqual(['[tx] authenticated GET /api/v1/projects']);
			const post = () =>
				owner.POST('/api/v1/teams', {
					params: { header: { 'Idempotency-Key': 'one-transaction' } },
					body: { name: 'One transaction', description: '' }
				});
			expect(await transactions('POST', '/api/v1/teams', post)).toEqual([
				'[tx] authenticated POST /api/v1/teams'
			]);
		});

		it('runs a key’s request in ONE transaction as the key, beside the key module’s own rate-limit count', async () => {
			const key = checker.client(app.url, {
				authorization: 'Bearer tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1'
			});
			const lines = await transactions('GET', '/api/v1/projects', () =>
				key.GET('/api/v1/projects')
			);
			expect(lines.filter((l) => !l.startsWith('[tx] job:'))).toEqual([
				'[tx] api_key GET /api/v1/projects'
			]);
		});
	});

	describe('the document and the reference page', () => {
		it('serves the OpenAPI document the tests check against', async () => {
			const res = await fetch(`${app.url}/api/v1/openapi.json`);
			expect(await res.json()).toEqual(JSON.parse(JSON.stringify(checker.doc)));
		});

		it('serves the Scalar reference from this origin under a strict CSP', async () => {
			const page = await fetch(`${app.url}/docs/api`);
			const csp = page.headers.get('content-security-policy')!;
			expect(csp).toContain("script-src 'self'");
			expect(csp).not.toMatch(/https?:/);
			const html = await page.text();
			expect(html).toContain('src="/docs/api/standalone.js"');
			expect(html).toContain('data-url="/api/v1/openapi.json"');
			expect(html).not.toMatch(/<script>[^<]/);
			const bundle = await fetch(`${app.url}/docs/api/standalone.js`);
			expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
			expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
		});

		it('checked every API response the tests received against the document', () => {
			expect(checker.checked).toBeGreaterThan(80);
			const statuses = new Set([...checker.seen.keys()].map((k) => k.split(' ').pop()));
			for (const s of [
				'200',
				'201',
				'204',
				'304',
				'400',
				'401',
				'403',
				'404',
				'409',
				'412',
				'422'
			]) {
				expect(statuses).toContain(s);
			}
		});
	});
});
