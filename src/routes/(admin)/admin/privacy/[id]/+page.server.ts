import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { NOT_FOUND, requireRole, staffAction } from '$lib/server/admin/guard';
import { withClaims } from '$lib/server/platform/db';
import { extendRequest, getConsoleRequest, requestHistory } from '$lib/server/privacy/console';
import { advanceRequest } from '$lib/server/privacy/queries';
import { advanceSchema, extendSchema } from '$lib/server/privacy/schemas';
import type { Actions, PageServerLoad } from './$types';

/**
 * One privacy request in the console: its deadline and its history (the audit log's steps). A
 * platform request is support staff's to handle — start, complete, refuse, extend the deadline,
 * each with SQL deciding (advance_gdpr_request, extend_gdpr_request) and audited; an
 * organisation's request is its own to handle, shown here read-only.
 */
export const load: PageServerLoad = async ({ locals, parent, params }) => {
	requireRole((await parent()).holds, 'support');
	if (!z.uuid().safeParse(params.id).success) error(404, NOT_FOUND);
	return withClaims(locals.claims, async (trx) => {
		const request = await getConsoleRequest(trx, params.id);
		if (!request) error(404, NOT_FOUND);
		return { request, history: await requestHistory(trx, request.id) };
	});
};

export const actions: Actions = {
	advance: (event) =>
		staffAction(event, 'support', advanceSchema, async (trx, { input }) => {
			await advanceRequest(trx, input.request, input.state, input.reason || null);
			return {
				ok:
					input.state === 'refused'
						? 'The request is refused; the reason is recorded.'
						: input.state === 'completed'
							? 'The request is completed.'
							: 'The request is in progress.'
			};
		}),
	extend: (event) =>
		staffAction(event, 'support', extendSchema, async (trx, { input }) => {
			await extendRequest(trx, input.request, input.reason);
			return { ok: 'The deadline is two months later; the reason is recorded.' };
		})
};
