import { snapshotEmbedded } from '$lib/server/platform/backup';
import { scrapeDecision } from '$lib/server/platform/observability/scrape';
import { ensureRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/**
 * A consistent snapshot of the embedded database (`npm run db:backup`, docs/operations.md): the
 * bearer token of BACKUP_TOKEN (404 while unset, 401 otherwise). The server profile has none:
 * use pg_dump or the provider's point-in-time recovery.
 */
export const GET: RequestHandler = async ({ request }) => {
	const { config, engine } = await ensureRuntime();
	const decision = scrapeDecision(config.BACKUP_TOKEN, request.headers.get('authorization'));
	const text = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
	if (decision === 'not_found') return new Response('Not found\n', { status: 404, headers: text });
	if (decision === 'unauthorized') {
		return new Response('Send Authorization: Bearer <BACKUP_TOKEN>.\n', {
			status: 401,
			headers: { ...text, 'www-authenticate': 'Bearer realm="backup"' }
		});
	}
	const snapshot = await snapshotEmbedded(engine);
	if (!snapshot) {
		return new Response(
			'This app runs on Postgres (DATABASE_URL): back it up with pg_dump or point-in-time recovery.\n',
			{ status: 409, headers: text }
		);
	}
	return new Response(snapshot, {
		headers: {
			'content-type': 'application/gzip',
			'content-disposition': 'attachment; filename="tenantry-backup.tar.gz"',
			'cache-control': 'no-store'
		}
	});
};
