/**
 * npm run bench -- api [seconds] — the REST API's cost, side by side in one run on the production
 * build (`npm start`, embedded database, seeded): GET /api/v1/projects with an API key, the same
 * request with a session cookie, the projects page itself loaded with that cookie (HTML, its
 * layout's and page's loads), and a bare SvelteKit endpoint answering the same JSON without
 * authentication or the database (/api/bench-floor: the framework's floor), with autocannon at 1,
 * 8 and 32 connections: requests per second and p99 latency, and each one's ratio to the floor.
 * The key and the person get limits far above the load, so nothing here is refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { signInCookies, startApp } from '../tests/support/app';

const CONNECTIONS = [1, 8, 32];

interface Variant {
	name: string;
	path: string;
	headers: Record<string, string>;
}

function load(url: string, connections: number, seconds: number, headers: Record<string, string>) {
	return new Promise<autocannon.Result>((resolve, reject) =>
		autocannon({ url, connections, duration: seconds, headers }, (error, result) =>
			error ? reject(error) : resolve(result)
		)
	);
}

export async function run(args: string[]) {
	const seconds = Number(args[0] ?? 5);
	const dir = mkdtempSync(join(tmpdir(), 'tenantry-bench-api-'));
	const floorFile = join(dir, 'projects.json');
	const app = await startApp({
		BENCH_FLOOR_FILE: floorFile,
		API_PERSON_RATE_LIMIT: '100000000'
	});
	try {
		const cookie = await signInCookies(app, 'owner@acme.test', 'password123!');
		const person = { cookie, 'tenantry-tenant': 'acme' };
		const made = await fetch(`${app.url}/api/v1/api-keys`, {
			method: 'POST',
			headers: { ...person, 'content-type': 'application/json' },
			body: JSON.stringify({
				name: 'bench',
				permissions: ['projects.read'],
				rate_limit_per_minute: 100000
			})
		});
		if (made.status !== 201)
			throw new Error(`creating the bench key: ${made.status} ${await made.text()}`);
		const { key } = (await made.json()) as { key: string };
		const byKey = await fetch(`${app.url}/api/v1/projects`, {
			headers: { authorization: `Bearer ${key}` }
		});
		const body = await byKey.text();
		const bySession = await (await fetch(`${app.url}/api/v1/projects`, { headers: person })).text();
		if (byKey.status !== 200 || body !== bySession)
			throw new Error('the key and the session disagree');
		writeFileSync(floorFile, body);
		const floorBody = await (await fetch(`${app.url}/api/bench-floor`)).text();
		if (floorBody !== body) throw new Error('the floor does not answer the same JSON');

		const variants: Variant[] = [
			{ name: 'API key', path: '/api/v1/projects', headers: { authorization: `Bearer ${key}` } },
			{ name: 'session cookie', path: '/api/v1/projects', headers: person },
			{
				name: 'page /t/acme/projects',
				path: '/t/acme/projects',
				headers: { cookie, accept: 'text/html' }
			},
			{ name: 'floor (no auth, no db)', path: '/api/bench-floor', headers: {} }
		];
		console.log(
			`GET /api/v1/projects (${body.length} bytes of JSON), ${seconds} s per cell, production build`
		);
		for (const connections of CONNECTIONS) {
			const results = new Map<string, autocannon.Result>();
			for (const v of variants) {
				await load(app.url + v.path, connections, 1, v.headers);
				const result = await load(app.url + v.path, connections, seconds, v.headers);
				if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
					throw new Error(
						`${v.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`
					);
				}
				results.set(v.name, result);
			}
			const floor = results.get(variants[variants.length - 1]!.name)!;
			console.log(`\n${connections} connection${connections === 1 ? '' : 's'}`);
			for (const v of variants) {
				const r = results.get(v.name)!;
				const rps = r.requests.average;
				console.log(
					`  ${v.name.padEnd(24)} ${rps.toFixed(0).padStart(7)} req/s  p99 ${String(r.latency.p99).padStart(5)} ms` +
						`   ${(rps / floor.requests.average).toFixed(3)} × floor req/s, p99 ${(r.latency.p99 / Math.max(1, floor.latency.p99)).toFixed(1)} × floor`
				);
			}
		}
	} finally {
		await app.stop();
		rmSync(dir, { recursive: true, force: true });
	}
}
