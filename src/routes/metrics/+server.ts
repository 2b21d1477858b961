import { databaseGauges, poolUse, renderMetrics } from '$lib/server/platform/observability/metrics';
import { scrapeDecision } from '$lib/server/platform/observability/scrape';
import { ensureRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/** Prometheus' scrape (docs/operations.md#metrics): the bearer token of METRICS_TOKEN. */
export const GET: RequestHandler = async ({ request }) => {
	const { config, engine } = await ensureRuntime();
	const decision = scrapeDecision(config.METRICS_TOKEN, request.headers.get('authorization'));
	const text = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
	if (decision === 'not_found') return new Response('Not found\n', { status: 404, headers: text });
	if (decision === 'unauthorized') {
		return new Response('Send Authorization: Bearer <METRICS_TOKEN>.\n', {
			status: 401,
			headers: { ...text, 'www-authenticate': 'Bearer realm="metrics"' }
		});
	}
	const body = renderMetrics(await databaseGauges(engine, poolUse(engine)));
	return new Response(body, {
		headers: { ...text, 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }
	});
};
