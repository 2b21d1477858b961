/**
 * The scim handler in real Deno against a real database (SUPABASE_DB_URL, migrated and seeded;
 * tests/integration/edge-functions.test.ts provides one): routing, discovery, the wire format of
 * resources and errors, PATCH. The collection and the identity providers' expectations run from
 * outside in tests/integration/scim.test.ts.
 */
import assert from 'node:assert/strict';
import { closeDatabase, database } from '../_shared/db.ts';
import { handler } from './index.ts';

const run = crypto.randomUUID().slice(0, 8);
// SCIM needs the Business plan (TN585) and the seed puts Umbrella on Pro: move it, in this database
// only, as tests/support/plans.ts does for the integration tests.
const moved = await database()`
	update public.subscriptions s set plan_id = p.id
	  from public.plans p, public.tenants t
	 where p.code = 'business' and t.slug = 'umbrella' and s.tenant_id = t.id
	   and private.is_live_subscription(s.status)`;
if (moved.count !== 1) {
	throw new Error('Umbrella has no live subscription to put on Business (is the seed loaded?)');
}
const [{ token }] = await database()<{ token: string }[]>`
	select t.token from public.tenants x, private.scim_new_token(x.id, 'deno tests', null) t
	where x.slug = 'umbrella'`;
const BASE = 'http://localhost/functions/v1/scim/umbrella/v2';

async function call(method: string, path: string, body?: unknown, auth = `Bearer ${token}`) {
	const response = await handler(
		new Request(`${BASE}${path}`, {
			method,
			headers: { authorization: auth, 'content-type': 'application/scim+json' },
			body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
		}),
	);
	const text = await response.text();
	return {
		status: response.status,
		type: response.headers.get('content-type'),
		location: response.headers.get('location'),
		body: text ? JSON.parse(text) : null,
	};
}

Deno.test("discovery: ServiceProviderConfig (and Microsoft's serviceConfiguration), ResourceTypes, Schemas", async () => {
	for (const path of ['/ServiceProviderConfig', '/serviceConfiguration']) {
		const r = await call('GET', path);
		assert.equal(r.status, 200);
		assert.equal(r.type, 'application/scim+json; charset=utf-8');
		assert.equal(r.body.patch.supported, true);
		assert.equal(r.body.bulk.supported, false);
		assert.equal(r.body.filter.maxResults, 200);
	}
	const types = await call('GET', '/resourcetypes');
	assert.deepEqual(types.body.Resources.map((t: { endpoint: string }) => t.endpoint), [
		'/Users',
		'/Groups',
	]);
	const user = await call('GET', '/ResourceTypes/User');
	assert.equal(
		user.body.schemaExtensions[0].schema,
		'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
	);
	const schema = await call('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
	assert.equal(schema.body.description, 'User Account');
	assert.ok(
		schema.body.attributes.some((a: { name: string; uniqueness: string }) =>
			a.name === 'userName' && a.uniqueness === 'server'
		),
	);
	assert.equal((await call('GET', '/Schemas/urn:nope')).status, 404);
});

Deno.test('refuses a missing or wrong token with 401 in the SCIM error schema, and unknown routes with 404', async () => {
	const none = await call('GET', '/Users', undefined, '');
	assert.equal(none.status, 401);
	assert.deepEqual(none.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
	assert.equal(none.body.status, '401');
	assert.equal(
		(await call('GET', '/ServiceProviderConfig', undefined, 'Bearer wrong')).status,
		401,
	);
	const elsewhere = await handler(
		new Request('http://localhost/functions/v1/scim/globex/v2/Users', {
			headers: { authorization: `Bearer ${token}` },
		}),
	);
	assert.equal(elsewhere.status, 401);
	await elsewhere.body?.cancel();
	assert.equal((await call('GET', '/Nothing')).status, 404);
	assert.equal((await call('GET', '/Users/not-a-uuid')).status, 404);
	assert.equal((await call('POST', '/Bulk', {})).status, 501);
});

Deno.test('a User: created with Location and meta, read, replaced, patched, listed, deleted', async (t) => {
	const created = await call('POST', '/Users', {
		schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
		UserName: `deno.${run}@example.com`,
		Emails: [{ Value: `deno.${run}@example.com`, Primary: 'true', Type: 'work' }],
		password: 'never stored',
		adresses: 'misspelt, left out',
	});
	assert.equal(created.status, 201);
	const id = created.body.id;
	assert.equal(created.location, `${BASE}/Users/${id}`);
	assert.equal(created.body.meta.location, created.location);
	assert.equal(created.body.meta.resourceType, 'User');
	assert.match(created.body.meta.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
	assert.deepEqual(created.body.emails, [{
		value: `deno.${run}@example.com`,
		primary: true,
		type: 'work',
	}]);
	assert.equal(created.body.password, undefined);
	assert.equal(created.body.adresses, undefined);

	await t.step(
		'PUT replaces every attribute; a missing userName is invalidValue and changes nothing',
		async () => {
			const put = await call('PUT', `/Users/${id}`, {
				userName: `deno.${run}@example.com`,
				title: 'Engineer',
			});
			assert.equal(put.status, 200);
			assert.equal(put.body.title, 'Engineer');
			assert.equal(put.body.emails, undefined);
			assert.equal(put.body.meta.version, 'W/"2"');
			const bad = await call('PUT', `/Users/${id}`, { title: 'No name' });
			assert.equal(bad.status, 400);
			assert.equal(bad.body.scimType, 'invalidValue');
			assert.equal((await call('GET', `/Users/${id}`)).body.title, 'Engineer');
		},
	);

	await t.step(
		'attributes and excludedAttributes shape the answer; id and schemas always come',
		async () => {
			const only = await call('GET', `/Users/${id}?attributes=userName`);
			assert.deepEqual(Object.keys(only.body).sort(), ['id', 'schemas', 'userName']);
			const without = await call('GET', `/Users/${id}?excludedAttributes=title,id`);
			assert.equal(without.body.title, undefined);
			assert.equal(without.body.id, id);
		},
	);

	await t.step('POST /Users/.search takes a SearchRequest', async () => {
		const found = await call('POST', '/Users/.search', {
			schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
			filter: `userName eq "DENO.${run}@EXAMPLE.COM"`,
			attributes: ['userName'],
		});
		assert.equal(found.status, 200);
		assert.equal(found.body.totalResults, 1);
		assert.deepEqual(Object.keys(found.body.Resources[0]).sort(), ['id', 'schemas', 'userName']);
	});

	await t.step('invalid JSON is invalidSyntax; DELETE answers 204, then 404', async () => {
		const junk = await call('POST', '/Users', '{ "acve": tre');
		assert.equal(junk.status, 400);
		assert.equal(junk.body.scimType, 'invalidSyntax');
		assert.equal((await call('DELETE', `/Users/${id}`)).status, 204);
		assert.equal((await call('DELETE', `/Users/${id}`)).status, 404);
	});
});

Deno.test('a Group is a team; its displayName is unique whatever its case', async () => {
	const name = `Deno team ${run}`;
	const created = await call('POST', '/Groups', {
		displayName: name,
		members: ['plain string member'],
	});
	assert.equal(created.status, 201);
	assert.deepEqual(created.body.members, [{ value: 'plain string member' }]);
	const [team] =
		await database()`select t.name from public.scim_groups g join public.teams t on t.id = g.team_id
		where g.id = ${created.body.id}`;
	assert.equal(team?.name, name);
	const twin = await call('POST', '/Groups', { displayName: name.toUpperCase() });
	assert.equal(twin.status, 409);
	assert.equal(twin.body.scimType, 'uniqueness');
	assert.equal((await call('DELETE', `/Groups/${created.body.id}`)).status, 204);
});

Deno.test('closes the database pool', async () => {
	await closeDatabase();
});
