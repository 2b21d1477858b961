import { json } from '@sveltejs/kit';
import { bellStream } from '$lib/server/notifications/stream';
import type { RequestHandler } from './$types';

/** Server-sent events of the signed-in person's bell (src/lib/server/notifications/stream.ts). */
export const GET: RequestHandler = ({ locals, request }) => {
	if (!locals.claims) return json({ message: 'Sign in first.' }, { status: 401 });
	return bellStream(locals.claims, request.signal);
};
