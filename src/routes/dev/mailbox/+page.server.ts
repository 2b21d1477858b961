import { error } from '@sveltejs/kit';
import { listOutbox } from '$lib/server/auth';
import { ensureRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

/** The embedded profile's stand-in for an inbox: outgoing email waits here instead of being sent. */
export const load: PageServerLoad = async () => {
	const { config, engine } = await ensureRuntime();
	if (config.DB_ENGINE !== 'embedded' || config.NODE_ENV === 'production') error(404, 'Not found');
	const emails = await listOutbox(engine.db, 50);
	return {
		emails: emails.map((e) => ({
			id: e.id,
			to: e.toAddress,
			subject: e.subject,
			body: e.bodyText,
			createdAt: e.createdAt.toISOString(),
			links: [...e.bodyText.matchAll(/https?:\/\/\S+/g)].map((m) => m[0])
		}))
	};
};
