/**
 * Issue 9 §1: `npm start` is the production server. Each test here failed on the Vite dev server
 * `npm start` used to run: it served the repository's files (/src/**, /supabase/seed.sql with the
 * demo password), showed absolute paths, and SvelteKit's CSRF origin check is off in dev.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, relative } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';

interface Answer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: string;
}

/** One HTTP request to the app on 127.0.0.1, with any Host header (fetch cannot set Host). */
function send(
	app: App,
	method: string,
	path: string,
	headers: Record<string, string> = {},
	body?: string
): Promise<Answer> {
	const port = Number(new URL(app.url).port);
	if (body !== undefined)
		headers = { 'content-length': String(Buffer.byteLength(body)), ...headers };
	return new Promise((resolve, reject) => {
		const req = request(
			{
				host: '127.0.0.1',
				port,
				method,
				path,
				headers: { host: `localhost:${port}`, accept: 'text/html', ...headers }
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (d) => (text += d));
				res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
			}
		);
		req.once('error', reject);
		req.end(body);
	});
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

/** Signs in through the sign-in form, same-origin; returns the session's Cookie header. */
async function signIn(app: App, host: string, email: string): Promise<string> {
	const answer = await send(
		app,
		'POST',
		'/auth/sign-in',
		{ host, origin: `http://${host}`, 'content-type': FORM },
		form({ email, password: 'password123!' })
	);
	expect(answer.status, answer.body).toBe(303);
	const cookies = [answer.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]!);
	expect(cookies.some((c) => c.startsWith('tenantry_access='))).toBe(true);
	return cookies.join('; ');
}

/** Every form action (`path?/name`) and endpoint in src/routes, with sample route parameters. */
function routes(): { actions: string[]; endpoints: string[] } {
	const root = 'src/routes';
	const walk = (dir: string): string[] =>
		readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
			e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]
		);
	const samples: Record<string, string> = { slug: 'acme', host: 'acme.localhost' };
	const urlOf = (file: string) =>
		'/' +
		relative(root, file)
			.split('/')
			.slice(0, -1)
			.map((part) => part.replace(/^\[(\w+)\]$/, (_, name: string) => samples[name] ?? 'x'))
			.join('/');
	const actions: string[] = [];
	const endpoints: string[] = [];
	for (const file of walk(root)) {
		const source = readFileSync(file, 'utf8');
		if (file.endsWith('+page.server.ts') && source.includes('export const actions')) {
			const block = source.slice(source.indexOf('export const actions'));
			for (const [, name] of block.matchAll(/^\t(\w+):/gm)) {
				actions.push(name === 'default' ? urlOf(file) : `${urlOf(file)}?/${name}`);
			}
		}
		if (file.endsWith('+server.ts')) endpoints.push(urlOf(file));
	}
	return { actions, endpoints };
}

describe('npm start serves the production build', () => {
	let app: App;
	let port: number;
	let origin: string;
	const cwd = process.cwd();

	beforeAll(async () => {
		app = await startApp();
		port = Number(new URL(app.url).port);
		origin = `http://localhost:${port}`;
	});
	afterAll(async () => {
		await app?.stop();
	});

	it('says it is the production server when ready', () => {
		expect(app.output()).toMatch(/ready in \d+ ms at http:\/\/localhost:\d+ \(production server\)/);
	});

	it('serves none of the repository as files: /src, /supabase/seed.sql, package.json, .env.example, node_modules', async () => {
		const files = {
			'/src/hooks.server.ts': 'export const handle',
			'/src/lib/server/config.ts': 'AUTH_JWT_SECRET',
			'/supabase/seed.sql': 'password123!',
			'/supabase/migrations/20261130000000_foundation.sql': 'create schema if not exists private',
			'/package.json': '"devDependencies"',
			'/.env.example': 'DATA_DIR',
			'/node_modules/@sveltejs/kit/package.json': '"name": "@sveltejs/kit"',
			'/svelte.config.js': 'adapter',
			'/vite.config.ts': 'defineConfig',
			'/build/handler.js': 'export { h as handler }',
			'/%2e%2e/handler.js': 'export { h as handler }',
			'/.svelte-kit/tsconfig.json': 'compilerOptions',
			'/@fs/etc/passwd': 'root:',
			[`/@fs${cwd}/supabase/seed.sql`]: 'password123!',
			'/@vite/client': 'import.meta.hot',
			'/src/hooks.server.ts?raw': 'export const handle',
			'/%2e%2e/package.json': '"devDependencies"'
		};
		for (const [path, content] of Object.entries(files)) {
			const answer = await send(app, 'GET', path);
			expect(answer.status, path).toBe(404);
			expect(answer.body, path).not.toContain(content);
			expect(answer.body, path).not.toContain(cwd);
		}
	});

	it("answers an unknown page with the app's own error page, disclosing no path", async () => {
		for (const path of ['/no-such-page', '/t/acme/no-such-page', '/src/../../etc/passwd']) {
			const answer = await send(app, 'GET', path, { accept: 'text/html' });
			expect(answer.status, path).toBe(404);
			expect(answer.body).toContain('Go to the home page');
			expect(answer.body).not.toContain(cwd);
			expect(answer.body).not.toMatch(/node_modules|\/work\/|vite|stack/i);
		}
	});

	it('refuses a Host it does not serve, disclosing nothing (DNS rebinding)', async () => {
		const answer = await send(app, 'GET', '/', { host: `rebound.example:${port}` });
		expect(answer.status).toBe(403);
		expect(answer.body).toContain('ALLOWED_HOSTS');
		expect(answer.body).not.toContain(cwd);
	});

	it('refuses cross-origin POSTs to every form action and endpoint with 403, a valid session cookie notwithstanding', async () => {
		const cookie = await signIn(app, `localhost:${port}`, 'owner@acme.test');
		const { actions, endpoints } = routes();
		expect(actions.length).toBeGreaterThan(50);
		expect(actions).toContain('/account?/profile');
		expect(endpoints).toContain('/api/health');
		const foreign = ['http://evil.example', `http://globex.localhost:${port}`, 'null'];
		const bodies = [
			[FORM, form({ full_name: 'Pwned' })],
			[
				'multipart/form-data; boundary=x',
				'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'
			],
			['text/plain', 'full_name=Pwned'],
			['application/json', '{"full_name":"Pwned"}']
		] as const;
		for (const [i, path] of actions.entries()) {
			const [type, body] = bodies[i % bodies.length]!;
			const from = foreign[i % foreign.length]!;
			const answer = await send(
				app,
				'POST',
				path,
				{ cookie, origin: from, 'content-type': type },
				body
			);
			expect(answer.status, `${path} from ${from} as ${type}`).toBe(403);
		}
		for (const path of endpoints) {
			for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
				const answer = await send(
					app,
					method,
					path,
					{ cookie, origin: 'http://evil.example', 'content-type': 'application/json' },
					'{}'
				);
				expect(answer.status, `${method} ${path}`).toBe(403);
			}
		}

		const db = new pg.Client(app.databaseUrl);
		await db.connect();
		try {
			const name = () =>
				db
					.query(`select full_name from public.profiles where email = 'owner@acme.test'`)
					.then((r) => r.rows[0].full_name as string);
			expect(await name()).not.toBe('Pwned');
			// The same post from the app's own origin goes through, so the refusals above were the check's.
			const own = await send(
				app,
				'POST',
				'/account?/profile',
				{ cookie, origin, 'content-type': FORM, 'x-sveltekit-action': 'true' },
				form({ full_name: 'Olivia Owner' })
			);
			expect(own.status, own.body).toBe(200);
			expect(await name()).toBe('Olivia Owner');
		} finally {
			await db.end();
		}
	});

	it('accepts a same-origin form post on a tenant subdomain, refuses one from a sibling subdomain', async () => {
		const host = `acme.localhost:${port}`;
		const cookie = await signIn(app, host, 'owner@acme.test');
		const post = (from: string) =>
			send(
				app,
				'POST',
				'/account?/profile',
				{ host, cookie, origin: from, 'content-type': FORM, 'x-sveltekit-action': 'true' },
				form({ full_name: `From ${from}` })
			);
		expect((await post(`http://${host}`)).status).toBe(200);
		const sibling = await post(`http://globex.localhost:${port}`);
		expect(sibling.status).toBe(403);
		expect(sibling.body).toMatch(/Cross-site POST/);
	});

	it('shows the fake Stripe pages while the fake is in use, each saying it is a stand-in for Stripe', async () => {
		const cookie = await signIn(app, `localhost:${port}`, 'owner@acme.test');
		const post = (path: string, fields: Record<string, string>) =>
			send(app, 'POST', path, { cookie, origin, 'content-type': FORM }, form(fields));
		const checkout = await post('/t/acme/billing?/checkout', {
			plan: 'business',
			interval: 'month'
		});
		expect(checkout.status, checkout.body).toBe(303);
		const checkoutPath = new URL(String(checkout.headers.location), app.url).pathname;
		expect(checkoutPath).toMatch(/^\/dev\/stripe\/checkout\/cs_test_/);
		const index = await send(app, 'GET', '/dev/stripe');
		expect(index.status).toBe(200);
		expect(index.body).toContain('This is not Stripe.');
		const page = await send(app, 'GET', checkoutPath, { cookie });
		expect(page.status).toBe(200);
		expect(page.body).toContain('This is not Stripe.');
		expect(page.body).toContain('stand-in for Stripe');

		const paid = await post(`${checkoutPath}?/pay`, {
			number: '4242 4242 4242 4242',
			expiry: '12 / 34',
			cvc: '123'
		});
		expect(paid.status, paid.body).toBe(303);
		const portal = await post('/t/acme/billing?/portal', {});
		expect(portal.status, portal.body).toBe(303);
		const portalPath = new URL(String(portal.headers.location), app.url).pathname;
		expect(portalPath).toMatch(/^\/dev\/stripe\/portal\/bps_/);
		const portalPage = await send(app, 'GET', portalPath, { cookie });
		expect(portalPage.status).toBe(200);
		expect(portalPage.body).toContain('This is not Stripe.');
		expect(portalPage.body).toContain('stand-in for Stripe');
	});
});

describe('npm start with a real STRIPE_SECRET_KEY', () => {
	let app: App;

	beforeAll(async () => {
		app = await startApp({ STRIPE_SECRET_KEY: 'sk_test_notarealkeyonlyconfigured' });
	});
	afterAll(async () => {
		await app?.stop();
	});

	it('serves no fake Stripe page beside it (404)', async () => {
		for (const path of [
			'/dev/stripe',
			'/dev/stripe/checkout/cs_test_x',
			'/dev/stripe/portal/bps_x'
		]) {
			const answer = await send(app, 'GET', path);
			expect(answer.status, path).toBe(404);
			expect(answer.body).not.toContain('stand-in');
		}
		const cookie = await signIn(app, new URL(app.url).host, 'owner@acme.test');
		const checkout = await send(
			app,
			'POST',
			'/dev/stripe/checkout/cs_test_x?/pay',
			{ cookie, origin: app.url, 'content-type': FORM },
			form({ number: '4242 4242 4242 4242', expiry: '12 / 34', cvc: '123' })
		);
		expect(checkout.status).toBe(404);
	});
});
