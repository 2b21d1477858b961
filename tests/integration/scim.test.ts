/**
 * The `scim` edge function served in Deno on loopback against a served embedded database (seeded),
 * probed from outside over HTTP: Microsoft's validator collection, Okta's published expectations,
 * the product's semantics, cross-tenant probes and concurrent provisioning.
 *
 * Microsoft's SCIM validator collection for Entra ID (../shared/conformance/scim, Postman format,
 * MIT licence), run in full by newman against the `scim` edge function served in Deno on loopback
 * — all but its "Get Token" folder (the token is passed as its variable) — on a tenant that starts
 * with no SCIM resources, as the collection assumes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import newman, { type NewmanRunSummary } from 'newman';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedEmbedded } from '../support/database';
import { putOnPlan } from '../support/plans';
import { scimToken, serveFunctions, type ServedFunctions } from '../support/scim';
import { EVENT_CATALOGUE, EVENT_TYPES, parsePayload } from '../../src/lib/server/events/catalogue';
import type { EmbeddedEngine } from '../../src/lib/server/platform/embedded';
import type { WireServer } from '../../src/lib/server/platform/wire';

// Beside the repository (../shared), or beside the folder of worktrees (../../shared).
const FILE = 'shared/conformance/scim/entra-scim-postman-collection.json';
const collectionPath =
	process.env.SCIM_CONFORMANCE_COLLECTION ??
	[resolve('..', FILE), resolve('../..', FILE)].find((p) => existsSync(p)) ??
	resolve('..', FILE);

interface Item {
	name: string;
	item?: Item[];
}

let engine: EmbeddedEngine;
let wire: WireServer;
let functions: ServedFunctions;

beforeAll(async () => {
	({ engine, wire } = await servedEmbedded({ seed: true, maxConnections: 16 }));
	// SCIM needs the Business plan: Globex is on it, the seed puts Umbrella on Pro.
	await putOnPlan((text, params) => engine.pglite.query(text, params), 'umbrella');
	functions = await serveFunctions(wire.url);
}, 180_000);
afterAll(async () => {
	functions?.stop();
	await wire?.stop();
	await engine?.close();
});

describe('the Entra ID SCIM validator collection, by newman', () => {
	it('passes every request and assertion of the collection (its Get Token folder left out)', async () => {
		let text: string;
		try {
			text = readFileSync(collectionPath, 'utf8');
		} catch {
			throw new Error(
				`The conformance collection is missing at ${collectionPath} (set SCIM_CONFORMANCE_COLLECTION to its path).`
			);
		}
		const collection = JSON.parse(text) as { item: Item[] };
		const skipped = collection.item.filter((i) => i.name === 'Get Token');
		expect(skipped, 'the collection has its Get Token folder').toHaveLength(1);
		collection.item = collection.item.filter((i) => i.name !== 'Get Token');

		const token = await scimToken(engine, 'globex', 'newman');
		const url = new URL(functions.url);
		const summary = await new Promise<NewmanRunSummary>((done, fail) =>
			newman.run(
				{
					collection: collection as never,
					envVar: [
						{ key: 'Protocol', value: 'http' },
						{ key: 'Server', value: url.hostname },
						{ key: 'Port', value: `:${url.port}` },
						{ key: 'Api', value: 'functions/v1/scim/globex/v2' },
						{ key: 'token', value: token }
					],
					reporters: [],
					timeoutRequest: 30_000
				},
				(error, result) => (error ? fail(error) : done(result))
			)
		);
		const failures = summary.run.failures.map(
			(f) => `${f.source?.name ?? '?'}: ${f.error.test ?? ''} ${f.error.message}`
		);
		expect(failures, failures.join('\n')).toEqual([]);
		expect(summary.run.stats.requests.total).toBeGreaterThanOrEqual(70);
		expect(summary.run.stats.assertions.total).toBeGreaterThanOrEqual(90);
		expect(summary.run.stats.assertions.failed).toBe(0);
	}, 300_000);
});

const SCIM_JSON = 'application/scim+json';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function client(tenant: string, token: string) {
	return async (method: string, path: string, body?: unknown) => {
		const response = await fetch(`${functions.url}/scim/${tenant}/v2${path}`, {
			method,
			headers: {
				authorization: `Bearer ${token}`,
				accept: SCIM_JSON,
				...(body === undefined ? {} : { 'content-type': SCIM_JSON })
			},
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		const text = await response.text();
		return {
			status: response.status,
			type: response.headers.get('content-type') ?? '',
			body: (text ? JSON.parse(text) : null) as Json
		};
	};
}

async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
	return (await engine.pglite.query<T>(text, params)).rows;
}

// Okta's SCIM 2.0 test plan ("Okta SCIM 2.0 SPEC Test", the Runscope suite Okta publishes for
// app submissions) asserts these, in this order, against a tenant that may hold other users.
describe("Okta's SCIM 2.0 spec test expectations", () => {
	let scim: ReturnType<typeof client>;
	const run = Date.now().toString(36);
	const userName = `okta.${run}@example.com`;
	let id: string;

	beforeAll(async () => {
		scim = client('umbrella', await scimToken(engine, 'umbrella', 'okta'));
	});

	it('creates a user with realistic values (201), then refuses the same userName again (409)', async () => {
		const payload = {
			schemas: [CORE_USER],
			userName,
			name: { givenName: 'Okta', familyName: 'Tester' },
			emails: [{ primary: true, value: userName, type: 'work' }],
			displayName: 'Okta Tester',
			locale: 'en-US',
			externalId: '00ujl29u0le5T6Aj10h7',
			groups: [],
			password: '1mz050nq',
			active: true
		};
		const created = await scim('POST', '/Users', payload);
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		expect(created.type).toContain(SCIM_JSON);
		expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
		expect(created.body.active).toBe(true);
		expect(created.body.userName).toBe(userName);
		expect(created.body.password, 'a password is never stored nor returned').toBeUndefined();
		id = created.body.id;
		const again = await scim('POST', '/Users', payload);
		expect(again.status).toBe(409);
		expect(again.body.schemas).toContain(ERROR);
		expect(again.body.scimType).toBe('uniqueness');
		expect(again.body.status).toBe('409');
	});

	it('lists users as a ListResponse with integer paging fields and the attributes Okta reads', async () => {
		const page = await scim('GET', '/Users?count=1&startIndex=1');
		expect(page.status).toBe(200);
		expect(page.type).toContain(SCIM_JSON);
		expect(page.body.schemas).toContain(LIST);
		for (const field of ['itemsPerPage', 'startIndex', 'totalResults']) {
			expect(Number.isInteger(page.body[field]), field).toBe(true);
		}
		expect(page.body.itemsPerPage).toBe(1);
		const user = page.body.Resources[0];
		for (const field of ['id', 'userName', 'active']) expect(user[field], field).toBeDefined();
		expect(user.name.familyName).toBeDefined();
		expect(user.name.givenName).toBeDefined();
		expect(user.emails[0].value).toBeDefined();
	});

	it('gets the user by id, and finds it by userName whatever the case', async () => {
		const one = await scim('GET', `/Users/${id}`);
		expect(one.status).toBe(200);
		expect(one.body.userName).toBe(userName);
		const upper = await scim(
			'GET',
			`/Users?filter=${encodeURIComponent(`userName eq "${userName.toUpperCase()}"`)}`
		);
		expect(upper.body.totalResults).toBe(1);
		expect(upper.body.Resources[0].id).toBe(id);
	});

	it('answers a userName nobody has with an empty list, and an unknown id with a 404 SCIM error', async () => {
		const none = await scim(
			'GET',
			`/Users?filter=${encodeURIComponent('userName eq "nobody-at-all@example.com"')}`
		);
		expect(none.status).toBe(200);
		expect(none.body.totalResults).toBe(0);
		expect(none.body.Resources).toEqual([]);
		const missing = await scim('GET', `/Users/${crypto.randomUUID()}`);
		expect(missing.status).toBe(404);
		expect(missing.body.schemas).toEqual([ERROR]);
		expect(missing.body.detail).toBeTruthy();
	});

	it('deactivates with a path-less replace of {"active": false} and never needs DELETE', async () => {
		const off = await scim('PATCH', `/Users/${id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'replace', value: { active: false } }]
		});
		expect(off.status).toBe(204);
		expect((await scim('GET', `/Users/${id}`)).body.active).toBe(false);
		const on = await fetch(`${functions.url}/scim/umbrella/v2/Users/${id}`, {
			method: 'PATCH',
			headers: {
				authorization: (await scimAuth('umbrella')) as string,
				'content-type': SCIM_JSON,
				prefer: 'return=representation'
			},
			body: JSON.stringify({
				schemas: [PATCH_OP],
				Operations: [{ op: 'replace', value: { active: true } }]
			})
		});
		expect(on.status, 'Prefer: return=representation answers 200 with the resource').toBe(200);
		expect(((await on.json()) as Json).active).toBe(true);
	});

	it('pushes groups: members added and removed with value filters, then replaced in full', async () => {
		const other = await scim('POST', '/Users', {
			schemas: [CORE_USER],
			userName: `second.${run}@example.com`
		});
		const group = await scim('POST', '/Groups', {
			schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
			displayName: `Okta group ${run}`,
			members: []
		});
		expect(group.status).toBe(201);
		const gid = group.body.id;
		const patch = (Operations: unknown[]) =>
			scim('PATCH', `/Groups/${gid}`, { schemas: [PATCH_OP], Operations });
		expect(
			(await patch([{ op: 'add', path: 'members', value: [{ value: id, display: userName }] }]))
				.status
		).toBe(204);
		expect(
			(await patch([{ op: 'add', path: 'members', value: [{ value: other.body.id }] }])).status
		).toBe(204);
		expect(
			(await scim('GET', `/Groups/${gid}`)).body.members.map((m: Json) => m.value).sort()
		).toEqual([id, other.body.id].sort());
		expect((await patch([{ op: 'remove', path: `members[value eq "${id}"]` }])).status).toBe(204);
		expect((await scim('GET', `/Groups/${gid}`)).body.members.map((m: Json) => m.value)).toEqual([
			other.body.id
		]);
		expect((await patch([{ op: 'replace', path: 'members', value: [{ value: id }] }])).status).toBe(
			204
		);
		expect((await scim('GET', `/Groups/${gid}`)).body.members.map((m: Json) => m.value)).toEqual([
			id
		]);
		const filtered = await scim(
			'GET',
			`/Groups?filter=${encodeURIComponent(`displayName eq "okta GROUP ${run}"`)}`
		);
		expect(filtered.body.totalResults).toBe(1);
	});

	it("answers 401 without a token, with a wrong one, and with another tenant's", async () => {
		const bare = await fetch(`${functions.url}/scim/umbrella/v2/Users`);
		expect(bare.status).toBe(401);
		expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer/);
		expect(((await bare.json()) as Json).schemas).toEqual([ERROR]);
		expect((await client('umbrella', 'tnt_scim_not-a-token')('GET', '/Users')).status).toBe(401);
		const globexToken = await scimToken(engine, 'globex', 'probe');
		expect((await client('umbrella', globexToken)('GET', '/Users')).status).toBe(401);
		expect((await client('umbrella', globexToken)('GET', `/Users/${id}`)).status).toBe(401);
		// The globex token on its own URL cannot reach umbrella's user by id.
		expect((await client('globex', globexToken)('GET', `/Users/${id}`)).status).toBe(404);
		expect((await client('globex', globexToken)('DELETE', `/Users/${id}`)).status).toBe(404);
		expect((await scim('GET', `/Users/${id}`)).status).toBe(200);
	});

	it('answers 403 naming the plan to a valid token of a tenant whose plan has no SCIM', async () => {
		const acme = client('acme', await scimToken(engine, 'acme', 'kept from Business'));
		const refused = await acme('GET', '/Users');
		expect(refused.status).toBe(403);
		expect(refused.type).toContain(SCIM_JSON);
		expect(refused.body.schemas).toEqual([ERROR]);
		expect(refused.body.detail).toContain(
			'needs the Business plan and this organisation is on the Pro plan'
		);
		expect(
			(await acme('POST', '/Users', { schemas: [CORE_USER], userName: `pro-${run}@acme.test` }))
				.status
		).toBe(403);
		expect(
			await sql(`select 1 from public.scim_users where user_name = $1`, [`pro-${run}@acme.test`])
		).toEqual([]);
	});
});

const tokens = new Map<string, string>();
async function scimAuth(tenant: string): Promise<string> {
	if (!tokens.has(tenant)) tokens.set(tenant, await scimToken(engine, tenant, 'auth'));
	return `Bearer ${tokens.get(tenant)}`;
}

describe('Entra ID PATCH dialect', () => {
	let scim: ReturnType<typeof client>;
	let id: string;
	const run = Date.now().toString(36);

	beforeAll(async () => {
		scim = client('umbrella', await scimToken(engine, 'umbrella', 'entra'));
		const created = await scim('POST', '/Users', {
			schemas: [CORE_USER, ENTERPRISE],
			userName: `entra.${run}@example.com`,
			active: 'True',
			name: { givenName: 'Entra', familyName: 'Tester' }
		});
		expect(created.status).toBe(201);
		id = created.body.id;
	});

	it('takes capitalised ops, string booleans, dotted and URN-qualified keys in a path-less Replace', async () => {
		const r = await scim('PATCH', `/Users/${id}`, {
			schemas: [PATCH_OP],
			Operations: [
				{
					op: 'Replace',
					value: {
						active: 'False',
						'name.givenName': 'Renamed',
						displayName: 'Renamed Tester',
						[`${ENTERPRISE}:department`]: 'Research',
						[`${ENTERPRISE}:manager`]: 'mgr-1'
					}
				}
			]
		});
		expect(r.status, JSON.stringify(r.body)).toBe(204);
		const user = (await scim('GET', `/Users/${id}`)).body;
		expect(user.active).toBe(false);
		expect(user.name).toEqual({ givenName: 'Renamed', familyName: 'Tester' });
		expect(user.displayName).toBe('Renamed Tester');
		expect(user[ENTERPRISE]).toEqual({ department: 'Research', manager: { value: 'mgr-1' } });
		expect(user.schemas).toEqual([CORE_USER, ENTERPRISE]);
	});

	it('adds an element on a filtered path into an absent array, then replaces it in place', async () => {
		const add = await scim('PATCH', `/Users/${id}`, {
			schemas: [PATCH_OP],
			Operations: [
				{ op: 'Add', path: 'emails[type eq "work"].value', value: `work.${run}@example.com` }
			]
		});
		expect(add.status, JSON.stringify(add.body)).toBe(204);
		await scim('PATCH', `/Users/${id}`, {
			schemas: [PATCH_OP],
			Operations: [
				{ op: 'Replace', path: 'emails[type eq "work"].value', value: `new.${run}@example.com` }
			]
		});
		expect((await scim('GET', `/Users/${id}`)).body.emails).toEqual([
			{ type: 'work', value: `new.${run}@example.com` }
		]);
	});

	it('answers noTarget, mutability, invalidPath, invalidFilter and invalidSyntax as SCIM errors', async () => {
		const patch = (Operations: unknown[]) =>
			scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations });
		const noTarget = await patch([{ op: 'Remove', path: 'emails[type eq "home"]' }]);
		expect([noTarget.status, noTarget.body.scimType]).toEqual([400, 'noTarget']);
		const mutability = await patch([{ op: 'Replace', path: 'id', value: crypto.randomUUID() }]);
		expect([mutability.status, mutability.body.scimType]).toEqual([400, 'mutability']);
		const path = await patch([{ op: 'Replace', path: 'nosuchthing', value: 1 }]);
		expect([path.status, path.body.scimType]).toEqual([400, 'invalidPath']);
		const value = await patch([{ op: 'Replace', path: 'active', value: 'maybe' }]);
		expect([value.status, value.body.scimType]).toEqual([400, 'invalidValue']);
		const syntax = await scim('PATCH', `/Users/${id}`, { Operations: [] });
		expect([syntax.status, syntax.body.scimType]).toEqual([400, 'invalidSyntax']);
		const filter = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq')}`);
		expect([filter.status, filter.body.scimType, filter.body.status]).toEqual([
			400,
			'invalidFilter',
			'400'
		]);
		const unknown = await scim('GET', `/Users?filter=${encodeURIComponent('shoeSize gt 3')}`);
		expect([unknown.status, unknown.body.scimType]).toEqual([400, 'invalidFilter']);
		expect((await scim('GET', `/Users/${id}`)).body.name.givenName, 'nothing half-written').toBe(
			'Renamed'
		);
	});

	it('filters in SQL: not, grouping, value paths, pr, case rules, sorting and paging', async () => {
		const q = async (filter: string, extra = '') =>
			(await scim('GET', `/Users?filter=${encodeURIComponent(filter)}${extra}`)).body;
		expect((await q(`emails[type eq "WORK" and value co "new.${run}"]`)).totalResults).toBe(1);
		expect(
			(await q(`userName eq "ENTRA.${run}@EXAMPLE.COM" and not (active eq true)`)).totalResults
		).toBe(1);
		expect(
			(
				await q(
					`externalId eq "X" or (userName sw "entra.${run}" and ${ENTERPRISE}:department eq "research")`
				)
			).totalResults
		).toBe(1);
		expect((await q(`id eq "${id.toUpperCase()}"`)).totalResults, 'id is caseExact').toBe(0);
		expect((await q(`userName sw "entra.${run}" and title pr`)).totalResults).toBe(0);
		expect((await q(`userName sw "entra.${run}" and name.givenName pr`)).totalResults).toBe(1);
		const all = await q(
			'userName pr',
			'&sortBy=userName&sortOrder=descending&count=2&startIndex=2'
		);
		expect(all.itemsPerPage).toBe(2);
		expect(all.startIndex).toBe(2);
		const names = all.Resources.map((r: Json) => r.userName);
		expect([...names].sort().reverse()).toEqual(names);
	});
});

describe('in the product', () => {
	let scim: ReturnType<typeof client>;
	let tokenId: string;
	const umbrella = 'b0000000-0000-4000-8000-000000002302';
	const dev = 'a0000000-0000-4000-8000-000000000013'; // dev@acme.test, not a member of umbrella

	beforeAll(async () => {
		const token = await scimToken(engine, 'umbrella', 'product');
		tokenId = (
			await sql<{ id: string }>(
				`select id from public.scim_tokens where token_hash = extensions.digest($1, 'sha256')`,
				[token]
			)
		)[0]!.id;
		scim = client('umbrella', token);
	});

	const membership = async (userId: string) =>
		(
			await sql<{ status: string }>(
				`select status::text from public.memberships where tenant_id = $1 and user_id = $2`,
				[umbrella, userId]
			)
		)[0]?.status;

	it('makes the account of the address a member, suspends it with active=false, removes it on DELETE', async () => {
		const created = await scim('POST', '/Users', {
			schemas: [CORE_USER],
			userName: 'DEV@acme.test'
		});
		expect(created.status).toBe(201);
		expect(await membership(dev)).toBe('active');
		const roles = await sql<{ key: string }>(
			`select r.key from public.role_assignments a join public.roles r on r.id = a.role_id where a.tenant_id = $1 and a.user_id = $2`,
			[umbrella, dev]
		);
		expect(roles.map((r) => r.key)).toEqual(['viewer']);

		const group = await scim('POST', '/Groups', {
			displayName: 'Night shift',
			members: [{ value: created.body.id }]
		});
		expect(group.status).toBe(201);
		const team = await sql<{ user_id: string }>(
			`select tm.user_id from public.team_members tm join public.teams t on t.id = tm.team_id where t.tenant_id = $1 and t.name = 'Night shift'`,
			[umbrella]
		);
		expect(team.map((t) => t.user_id)).toEqual([dev]);

		await scim('PATCH', `/Users/${created.body.id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'replace', path: 'active', value: false }]
		});
		expect(await membership(dev)).toBe('suspended');

		const audit = await sql<{ actor_type: string; actor_job: string }>(
			`select actor_type::text, actor_job from public.audit_logs where tenant_id = $1 and target_type = 'scim_users' and target_id = $2`,
			[umbrella, created.body.id]
		);
		expect(audit.length).toBeGreaterThanOrEqual(2);
		expect(new Set(audit.map((a) => `${a.actor_type}:${a.actor_job}`))).toEqual(
			new Set([`system:scim.token:${tokenId}`])
		);
		const events = await sql<{ type: string }>(
			`select type from public.events where tenant_id = $1 and subject_id = $2 order by occurred_at, id`,
			[umbrella, created.body.id]
		);
		expect(events.map((e) => e.type)).toEqual(['scim.user_created', 'scim.user_updated']);

		expect((await scim('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
		expect(await membership(dev)).toBeUndefined();
		expect((await scim('GET', `/Groups/${group.body.id}`)).body.members).toEqual([]);
		const log = await sql<{ method: string; status: number }>(
			`select method, status from public.scim_operations where token_id = $1 order by id`,
			[tokenId]
		);
		expect(log.map((l) => `${l.method} ${l.status}`)).toEqual([
			'POST 201',
			'POST 201',
			'PATCH 204',
			'DELETE 204',
			'GET 200'
		]);
	});

	it('makes the account an active User’s address has none for: passwordless, a viewer member', async () => {
		const address = `new.${Date.now().toString(36)}@example.com`;
		const created = await scim('POST', '/Users', {
			schemas: [CORE_USER],
			userName: 'newcomer',
			name: { givenName: 'New', familyName: 'Comer' },
			emails: [{ value: address, primary: true }]
		});
		expect(created.status).toBe(201);
		const [account] = await sql<{ id: string; password: string; provider: string; name: string }>(
			`select a.id, a.encrypted_password as password, a.raw_app_meta_data ->> 'provider' as provider,
			        p.full_name as name
			   from public.scim_users u join auth.users a on a.id = u.user_id join public.profiles p on p.id = a.id
			  where u.id = $1 and a.email = $2 and a.email_confirmed_at is not null`,
			[created.body.id, address]
		);
		expect(account).toEqual({
			id: expect.any(String),
			password: '',
			provider: `scim:${umbrella}`,
			name: 'New Comer'
		});
		expect(await membership(account!.id)).toBe('active');
		await scim('PATCH', `/Users/${created.body.id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'Replace', value: { active: 'False' } }]
		});
		expect(await membership(account!.id)).toBe('suspended');
		expect((await scim('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
		expect(await membership(account!.id)).toBeUndefined();
	});

	it('makes no account for an inactive User: it becomes a member when its address signs up and is confirmed', async () => {
		const address = `later.${Date.now().toString(36)}@example.com`;
		const created = await scim('POST', '/Users', {
			schemas: [CORE_USER],
			userName: 'later',
			active: false,
			emails: [{ value: address, primary: true }]
		});
		expect(created.status).toBe(201);
		expect(
			(
				await sql(`select 1 from public.scim_users where id = $1 and user_id is null`, [
					created.body.id
				])
			).length
		).toBe(1);
		expect(await sql(`select 1 from auth.users where email = $1`, [address])).toEqual([]);
		const [account] = await sql<{ id: string }>(
			`insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
			 values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', $1, '{}', '{}', now(), now())
			 returning id`,
			[address]
		);
		// Unconfirmed, the address is not verified by its holder: the User keeps waiting.
		expect(await membership(account!.id)).toBeUndefined();
		await sql(`update auth.users set email_confirmed_at = now() where id = $1`, [account!.id]);
		expect(await membership(account!.id)).toBe('suspended');
	});

	it('never stores a token in plaintext', async () => {
		const token = await scimToken(engine, 'umbrella', 'plaintext probe');
		const rows = await sql<{ n: number }>(
			`select count(*)::int as n from public.scim_tokens k where position($1 in row_to_json(k)::text) > 0`,
			[token]
		);
		expect(rows[0]!.n).toBe(0);
	});

	it('creates one User when the same userName is provisioned five times at once', async () => {
		const userName = `race.${Date.now().toString(36)}@example.com`;
		const results = await Promise.all(
			Array.from({ length: 5 }, () => scim('POST', '/Users', { schemas: [CORE_USER], userName }))
		);
		expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
		const rows = await sql(
			`select 1 from public.scim_users where tenant_id = $1 and user_name = $2`,
			[umbrella, userName]
		);
		expect(rows).toHaveLength(1);
		expect(await sql(`select 1 from auth.users where email = $1`, [userName])).toHaveLength(1);
	});
});

describe('the events SCIM publishes', () => {
	it("parse with their types' schemas, and every scim.* type was published by the calls above", async () => {
		const events = await sql<{
			type: string;
			version: number;
			subject_type: string;
			payload: unknown;
		}>(`select type, version, subject_type, payload from public.events where type like 'scim.%'`);
		const problems = events.flatMap((e) => {
			const parsed = parsePayload(e.type, e.payload);
			const def = EVENT_CATALOGUE[e.type as keyof typeof EVENT_CATALOGUE];
			return [
				...(parsed.success ? [] : [`${e.type}: ${parsed.error}`]),
				...(def && e.subject_type !== def.subject ? [`${e.type}: subject ${e.subject_type}`] : [])
			];
		});
		expect(problems).toEqual([]);
		const published = new Set(events.map((e) => e.type));
		const scimTypes = EVENT_TYPES.filter((t) => EVENT_CATALOGUE[t].module === 'scim');
		expect(scimTypes).toHaveLength(6);
		expect(scimTypes.filter((t) => !published.has(t))).toEqual([]);
	});
});
