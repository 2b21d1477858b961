/**
 * npm run bench -- pages [requests] [concurrency] — latency of the main pages on the seeded
 * embedded database (the app as `npm start` runs it: Vite dev server), signed in as a demo owner:
 * p50 and p95 per page from a short local load, all pages interleaved in one run.
 */
import { startApp } from '../tests/support/app';

const PAGES = [
	'/',
	'/api/health',
	'/app',
	'/t/acme',
	'/t/acme/members',
	'/t/acme/teams',
	'/t/acme/roles',
	'/t/acme/projects',
	'/t/acme/audit',
	'/t/acme/billing',
	'/t/acme/usage',
	'/t/acme/settings',
	'/account/security'
];

async function signIn(base: string): Promise<string> {
	const response = await fetch(`${base}/auth/sign-in`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			origin: base,
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams({ email: 'owner@acme.test', password: 'password123!' })
	});
	const cookies = response.headers.getSetCookie().map((c) => c.split(';')[0]);
	if (response.status !== 303 || cookies.length === 0) throw new Error('demo sign-in failed');
	return cookies.join('; ');
}

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function run(args: string[]) {
	const requests = Number(args[0] ?? 200);
	const concurrency = Number(args[1] ?? 4);
	const app = await startApp();
	try {
		const cookie = await signIn(app.url);
		const timings = new Map<string, number[]>(PAGES.map((p) => [p, []]));
		for (const page of PAGES) await fetch(app.url + page, { headers: { cookie } });
		let next = 0;
		const worker = async () => {
			while (next < requests * PAGES.length) {
				const page = PAGES[next++ % PAGES.length]!;
				const started = performance.now();
				const response = await fetch(app.url + page, { headers: { cookie } });
				await response.arrayBuffer();
				if (response.status !== 200) throw new Error(`${page} answered ${response.status}`);
				timings.get(page)!.push(performance.now() - started);
			}
		};
		await Promise.all(Array.from({ length: concurrency }, worker));
		console.log(`${requests} requests per page, ${concurrency} at a time (ms)`);
		for (const [page, list] of timings) {
			const sorted = [...list].sort((a, b) => a - b);
			console.log(
				`  ${page.padEnd(18)} p50 ${percentile(sorted, 50).toFixed(1).padStart(7)}  p95 ${percentile(sorted, 95).toFixed(1).padStart(7)}`
			);
		}
	} finally {
		await app.stop();
	}
}
