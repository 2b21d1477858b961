import { json } from '@sveltejs/kit';
import { checkHealth } from '$lib/server/platform/health';
import { ensureRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** 200 only when the database answers and every migration file has been applied. */
export const GET: RequestHandler = async () => {
	const health = await checkHealth(ensureRuntime());
	return json(health, {
		status: health.status === 'ok' ? 200 : 503,
		headers: { 'cache-control': 'no-store' }
	});
};
