import { redirect } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import type { DB } from '$lib/server/platform/database';
import { wake } from '$lib/server/notifications/live';
import {
	findNotification,
	INBOX_LIST,
	markRead,
	markUnread,
	pageInbox,
	setArchived
} from '$lib/server/notifications/queries';
import { notificationSchema, viewSchema } from '$lib/server/notifications/schemas';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { formAction, refused, requireClaims } from '$lib/server/platform/web/actions';
import { parseSelection } from '$lib/server/platform/web/bulk';
import { formError } from '$lib/server/platform/web/forms';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** The person's inbox (docs/notifications.md): their own rows only, under RLS. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const claims = requireClaims(locals);
	const view = viewSchema.parse(url.searchParams.get('view') ?? 'inbox');
	const params = readList(url.searchParams, INBOX_LIST);
	return {
		view,
		notifications: await withClaims(claims, (trx) => pageInbox(trx, claims.sub, view, params))
	};
};

const GONE = 'No such notification in your inbox.';
/** A path of this site (the catalogue's links are), never another origin. */
const SAFE_LINK = /^\/(?!\/)[A-Za-z0-9/_.?=&%-]*$/;

/** Runs a mark as the person and wakes their open bells when something changed. */
async function mark(
	event: RequestEvent,
	write: (trx: Transaction<DB>, sub: string, id: string) => Promise<boolean | number>,
	ok: string
) {
	const { sub } = requireClaims(event.locals);
	const result = await formAction(event, notificationSchema, async (trx, { input, values }) =>
		(await write(trx, sub, input.notification)) ? { ok } : formError(404, GONE, values)
	);
	if (!refused(result)) wake([sub]);
	return result;
}

export const actions: Actions = {
	read: (event) => mark(event, (trx, sub, id) => markRead(trx, sub, [id]), 'Marked read.'),
	unread: (event) => mark(event, markUnread, 'Marked unread.'),
	archive: (event) => mark(event, (trx, sub, id) => setArchived(trx, sub, id, true), 'Archived.'),
	restore: (event) =>
		mark(event, (trx, sub, id) => setArchived(trx, sub, id, false), 'Moved back to the inbox.'),
	readAll: async (event) => {
		const { sub } = requireClaims(event.locals);
		const result = await formAction(event, null, async (trx) => {
			const count = await markRead(trx, sub, null);
			return { ok: count === 0 ? 'Nothing was unread.' : `Marked ${count} read.` };
		});
		wake([sub]);
		return result;
	},
	readSelected: async (event) => {
		const selection = await parseSelection(event.request, 'a notification');
		if (!selection.ok) return selection.failure;
		const { sub } = requireClaims(event.locals);
		const result = await formAction(event, null, async (trx) => {
			const count = await markRead(trx, sub, selection.ids);
			return { ok: `Marked ${count} read.` };
		});
		wake([sub]);
		return result;
	},
	archiveSelected: async (event) => {
		const selection = await parseSelection(event.request, 'a notification');
		if (!selection.ok) return selection.failure;
		const { sub } = requireClaims(event.locals);
		const result = await formAction(event, null, async (trx) => {
			let count = 0;
			for (const id of selection.ids) if (await setArchived(trx, sub, id, true)) count++;
			return { ok: `Archived ${count}.` };
		});
		wake([sub]);
		return result;
	},
	/** From the bell or the list: marks it read and goes where it points (its own path only). */
	open: async (event) => {
		const { sub } = requireClaims(event.locals);
		const result = await formAction(event, notificationSchema, async (trx, { input, values }) => {
			const row = await findNotification(trx, sub, input.notification);
			if (!row) return formError(404, GONE, values);
			await markRead(trx, sub, [input.notification]);
			return { link: row.link };
		});
		if (refused(result)) return result;
		wake([sub]);
		redirect(303, result.link && SAFE_LINK.test(result.link) ? result.link : '/account/inbox');
	}
};
