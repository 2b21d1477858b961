import { error } from '@sveltejs/kit';
import { readFile } from 'node:fs/promises';
import { ensureRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

let body: Promise<string> | undefined;

/**
 * The framework's floor for `npm run bench -- api`: the JSON of BENCH_FLOOR_FILE (read once),
 * answered without authentication or the database. A 404 unless BENCH_FLOOR_FILE is set.
 */
export const GET: RequestHandler = async () => {
	const file = (await ensureRuntime()).config.BENCH_FLOOR_FILE;
	if (!file) error(404, 'Not found');
	body ??= readFile(file, 'utf8');
	return new Response(await body, {
		headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }
	});
};
