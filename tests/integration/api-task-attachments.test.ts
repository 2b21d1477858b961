/**
 * /api/v1/tasks/{task}/attachments against the app as `npm start` runs it, through the typed client
 * generated from the OpenAPI document, every response checked against the document
 * (tests/support/api.ts): a key holding tasks.read and tasks.write (and members.read, without
 * which a key sees no team and so no task) attaches a PNG as
 * multipart/form-data, lists it with a signed URL that serves the same bytes, and deletes it; a
 * photo's thumbnail is served upright as WebP within 320 px, its flag part of the signature; a
 * file of a kind tasks do not take, a JSON body and a body past the limit (refused before it is
 * read) are refused in sentences with nothing written; a key with tasks.read only lists but cannot
 * attach; another tenant's owner does not find the task. The origin check that replaces
 * SvelteKit's (hooks.server.ts) still refuses a page's form post that names no origin, and a
 * foreign origin on the API.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/lib/api-client';
import { API_ERROR_MESSAGES, DB_ERROR_MESSAGES } from '../../src/lib/server/platform/errors';
import { TASK_UPLOAD_BODY_MAX_BYTES } from '../../src/lib/server/tasks/attachments';
import { ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';
const checker = new ResponseChecker();

/** A 1×1 PNG (signature, IHDR, IDAT, IEND). */
const PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
	'base64'
);

function expectProblem(error: unknown, status: number, code: string) {
	const problem = error as { title: string; status: number; code: string };
	expect(problem).toMatchObject({ status, code });
	const catalogue =
		(API_ERROR_MESSAGES as Record<string, { message: string }>)[code]?.message ??
		DB_ERROR_MESSAGES[code]?.message;
	expect(problem.title).toBe(catalogue);
}

/** The upload's multipart body: one `file` part. */
function upload(name: string, bytes: Uint8Array<ArrayBuffer>, type: string) {
	return {
		body: { file: name },
		bodySerializer: () => {
			const form = new FormData();
			form.set('file', new File([bytes], name, { type }));
			return form;
		}
	};
}

describe('REST API v1: task attachments', () => {
	let app: App;
	let writer: ApiClient;
	let writerKey: string;
	let reader: ApiClient;
	let globex: ApiClient;
	let ownerCookie: string;
	let taskId: string;

	const list = (client: ApiClient) =>
		client.GET('/api/v1/tasks/{task}/attachments', { params: { path: { task: taskId } } });

	beforeAll(async () => {
		app = await startApp({ API_METER_FLUSH_MS: '0' });
		ownerCookie = await signInCookies(app, 'owner@acme.test', PASSWORD);
		const owner = checker.client(app.url, {
			cookie: ownerCookie,
			'tenantry-tenant': 'acme'
		});
		const keyFor = async (permissions: string[]) => {
			const key = await owner.POST('/api/v1/api-keys', {
				body: { name: permissions.join(' '), mode: 'test', permissions }
			});
			expect(key.response.status).toBe(201);
			return key.data!.key;
		};
		// members.read: a key sees the teams (and so the tasks on their boards) with it only.
		writerKey = await keyFor(['members.read', 'tasks.read', 'tasks.write']);
		writer = checker.client(app.url, { authorization: `Bearer ${writerKey}` });
		reader = checker.client(app.url, {
			authorization: `Bearer ${await keyFor(['members.read', 'tasks.read'])}`
		});
		globex = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@globex.test', PASSWORD),
			'tenantry-tenant': 'globex'
		});
		// The demo seed's tasks (supabase/seeds/36_tasks.sql).
		const tasks = await writer.GET('/api/v1/tasks', { params: { query: { limit: 1 } } });
		const first = tasks.data?.data[0];
		if (!first) throw new Error('acme has no task: the tasks seed (36_tasks.sql) did not load');
		taskId = first.id;
	}, 180_000);

	afterAll(async () => {
		await app?.stop();
	});

	it('attaches a PNG, lists it with a signed URL serving its bytes, and deletes it', async () => {
		const made = await writer.POST('/api/v1/tasks/{task}/attachments', {
			params: { path: { task: taskId } },
			...upload('screen shot.png', PNG, 'image/png')
		});
		expect(made.response.status).toBe(201);
		expect(made.data).toMatchObject({
			file_name: 'screen shot.png',
			byte_size: PNG.byteLength,
			is_image: true
		});
		const listed = await list(writer);
		expect(listed.data!.data.map((f) => f.id)).toEqual([made.data!.id]);

		const served = await fetch(new URL(listed.data!.data[0]!.url, app.url));
		expect(served.status).toBe(200);
		expect(served.headers.get('content-type')).toBe('image/png');
		expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);

		const fromReader = await list(reader);
		expect(fromReader.data!.data.map((f) => f.id)).toEqual([made.data!.id]);
		const notReaders = await reader.DELETE('/api/v1/tasks/{task}/attachments/{attachment}', {
			params: { path: { task: taskId, attachment: made.data!.id } }
		});
		expectProblem(notReaders.error, 403, 'TN002');

		const deleted = await writer.DELETE('/api/v1/tasks/{task}/attachments/{attachment}', {
			params: { path: { task: taskId, attachment: made.data!.id } }
		});
		expect(deleted.response.status).toBe(204);
		expect((await list(writer)).data!.data).toEqual([]);
		const again = await writer.DELETE('/api/v1/tasks/{task}/attachments/{attachment}', {
			params: { path: { task: taskId, attachment: made.data!.id } }
		});
		expectProblem(again.error, 404, 'TN230');
	});

	it('serves an image’s thumbnail (WebP within 320 px, upright) and none for other files', async () => {
		// A 1200 × 800 photo whose EXIF says "rotate 90°": upright it is 800 wide and 1200 tall.
		const photo = await sharp({
			create: { width: 1200, height: 800, channels: 3, background: '#3366cc' }
		})
			.jpeg()
			.withMetadata({ orientation: 6 })
			.toBuffer();
		const made = await writer.POST('/api/v1/tasks/{task}/attachments', {
			params: { path: { task: taskId } },
			...upload('photo.jpg', new Uint8Array(photo), 'image/jpeg')
		});
		expect(made.response.status).toBe(201);
		const text = await writer.POST('/api/v1/tasks/{task}/attachments', {
			params: { path: { task: taskId } },
			...upload('notes.txt', new TextEncoder().encode('plain notes\n'), 'text/plain')
		});
		expect(text.response.status).toBe(201);
		const files = (await list(writer)).data!.data;
		const image = files.find((f) => f.id === made.data!.id)!;
		const other = files.find((f) => f.id === text.data!.id)!;
		expect(other.thumbnail_url).toBeNull();
		expect(image.thumbnail_url).toBeTruthy();

		const served = await fetch(new URL(image.thumbnail_url!, app.url));
		expect(served.status).toBe(200);
		expect(served.headers.get('content-type')).toBe('image/webp');
		expect(served.headers.get('x-content-type-options')).toBe('nosniff');
		const thumb = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
		expect([thumb.format, thumb.width, thumb.height]).toEqual(['webp', 213, 320]);

		// The flag is signed: the full image's URL does not become a thumbnail's, nor the reverse.
		const forged = new URL(image.url, app.url);
		forged.searchParams.set('thumbnail', '1');
		expect((await fetch(forged)).status).toBe(403);
		const unflagged = new URL(image.thumbnail_url!, app.url);
		unflagged.searchParams.delete('thumbnail');
		expect((await fetch(unflagged)).status).toBe(403);

		for (const f of [made.data!, text.data!]) {
			await writer.DELETE('/api/v1/tasks/{task}/attachments/{attachment}', {
				params: { path: { task: taskId, attachment: f.id } }
			});
		}
	});

	it('refuses an unaccepted file, a JSON body and a body past the limit, writing nothing', async () => {
		const exe = await writer.POST('/api/v1/tasks/{task}/attachments', {
			params: { path: { task: taskId } },
			...upload('run.exe', new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 1, 2, 3]), 'image/png')
		});
		expectProblem(exe.error, 400, 'TN220');
		expect((exe.error as { errors: { field: string }[] }).errors[0]!.field).toBe('body.file');

		const json = await fetch(`${app.url}/api/v1/tasks/${taskId}/attachments`, {
			method: 'POST',
			headers: {
				authorization: `Bearer ${writerKey}`,
				'content-type': 'application/json'
			},
			body: JSON.stringify({ file: 'x' })
		});
		expectProblem(await json.json(), 415, 'TN234');

		const huge = await writer.POST('/api/v1/tasks/{task}/attachments', {
			params: { path: { task: taskId } },
			...upload('huge.png', new Uint8Array(TASK_UPLOAD_BODY_MAX_BYTES), 'image/png')
		});
		expectProblem(huge.error, 413, 'TN233');
		expect((await list(writer)).data!.data).toEqual([]);
	});

	it('refuses attaching with tasks.read only, and another tenant finds no task', async () => {
		const refused = await reader.POST('/api/v1/tasks/{task}/attachments', {
			params: { path: { task: taskId } },
			...upload('note.png', PNG, 'image/png')
		});
		expect(refused.response.status).toBe(403);
		expect((await list(writer)).data!.data).toEqual([]);

		const other = await list(globex);
		expectProblem(other.error, 404, 'TN230');
		const otherUpload = await globex.POST('/api/v1/tasks/{task}/attachments', {
			params: { path: { task: taskId } },
			...upload('note.png', PNG, 'image/png')
		});
		expectProblem(otherUpload.error, 404, 'TN230');
		expect(checker.checked).toBeGreaterThan(10);
	});

	it('still refuses a form post that names no origin outside /api/v1, and a foreign origin anywhere but the SAML ACS', async () => {
		const form = () => {
			const body = new FormData();
			body.set('full_name', 'Pwned by CSRF');
			return body;
		};
		const page = await fetch(`${app.url}/account?/profile`, {
			method: 'POST',
			redirect: 'manual',
			headers: { cookie: ownerCookie, accept: 'text/html' },
			body: form()
		});
		expect(page.status).toBe(403);
		expect(await page.text()).toBe('Cross-site POST form submissions are forbidden');

		const foreign = await fetch(`${app.url}/api/v1/tasks/${taskId}/attachments`, {
			method: 'POST',
			headers: {
				cookie: ownerCookie,
				'tenantry-tenant': 'acme',
				origin: 'http://localhost:1'
			},
			body: form()
		});
		expect(foreign.status).toBe(403);
		expect(await foreign.text()).toBe('Cross-site POST form submissions are forbidden');
		expect((await list(writer)).data!.data).toEqual([]);

		// The SAML ACS is the one page that takes a cross-site form post (the IdP's): its signed
		// assertion is checked instead (tests/integration/sso.test.ts), here one for no provider.
		const acs = await fetch(`${app.url}/auth/sso/${crypto.randomUUID()}/acs`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				origin: 'https://idp.example',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: 'SAMLResponse=PHNhbWxwOlJlc3BvbnNlLz4%3D'
		});
		expect(acs.status).not.toBe(403);
		expect(await acs.text()).not.toContain('Cross-site');
	});
});
