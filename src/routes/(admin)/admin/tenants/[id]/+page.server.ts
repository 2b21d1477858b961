import { error, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import {
	approveTenantSchema,
	archiveTenantSchema,
	reactivateTenantSchema,
	suspendTenantSchema
} from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { TYPED_NAME_MISMATCH } from '$lib/server/platform/errors';
import { formError, typedNameMatches } from '$lib/server/platform/web/forms';
import { getTenantDetail, getTenantName, setTenantStatus } from '$lib/server/tenancy/console';
import { NOT_FOUND, staffAction } from '$lib/server/admin/guard';
import {
	endImpersonation,
	myOpenImpersonation,
	openImpersonations,
	startImpersonation
} from '$lib/server/governance/queries';
import { endImpersonationSchema, impersonationSchema } from '$lib/server/governance/schemas';
import { forgetViewAs, rememberViewAs, VIEW_AS_COOKIE } from '$lib/server/governance/view-as';
import { refused } from '$lib/server/platform/web/actions';
import type { Actions, PageServerLoad } from './$types';

function tenantId(id: string): string {
	if (!z.uuid().safeParse(id).success) error(404, NOT_FOUND);
	return id;
}

export const load: PageServerLoad = async ({ locals, params, parent }) => {
	await parent();
	const id = tenantId(params.id);
	const found = await withClaims(locals.claims, async (trx) => {
		const detail = await getTenantDetail(trx, id);
		return detail && { ...detail, viewing: await openImpersonations(trx, id) };
	});
	if (!found) error(404, NOT_FOUND);
	return { ...found, crumb: found.tenant.name };
};

type Step = 'approve' | 'suspend' | 'reactivate' | 'archive';
const SCHEMAS = {
	approve: approveTenantSchema,
	suspend: suspendTenantSchema,
	reactivate: reactivateTenantSchema,
	archive: archiveTenantSchema
};
/** Who the console offers each step to; SQL decides who may (TN061, TN033) and from which status (TN060). */
const NEEDS = {
	approve: 'super_admin',
	suspend: 'billing_admin',
	reactivate: 'billing_admin',
	archive: 'super_admin'
} as const;
/** Suspending and archiving lock every member out: the tenant's name must be typed to confirm. */
const TYPED: ReadonlySet<Step> = new Set(['suspend', 'archive']);

function lifecycle(action: Step, done: string) {
	return (event: Parameters<Actions[string]>[0]) => {
		const id = tenantId(event.params.id!);
		return staffAction(event, NEEDS[action], SCHEMAS[action], async (trx, { input, values }) => {
			if (TYPED.has(action)) {
				const name = await getTenantName(trx, id);
				if (name === undefined) error(404, NOT_FOUND);
				if (!typedNameMatches(values.confirm_name, name)) {
					return formError(400, TYPED_NAME_MISMATCH, { ...values, step: action });
				}
			}
			const reason = 'reason' in input ? (input.reason as string) : null;
			await setTenantStatus(trx, id, action, reason);
			return { ok: done };
		});
	};
}

export const actions: Actions = {
	approve: lifecycle('approve', 'Approved: the tenant is active.'),
	suspend: lifecycle('suspend', 'Suspended: its members see the reason and nothing else.'),
	reactivate: lifecycle('reactivate', 'Reactivated: the tenant is active again.'),
	archive: lifecycle('archive', 'Archived: the tenant is closed for good.'),
	/**
	 * "View as" (support staff; SQL decides: TN503–TN507): the session starts, its id goes into the
	 * staff member's view-as cookie, and the tenant's pages open as the member.
	 */
	viewAs: async (event) => {
		const id = tenantId(event.params.id!);
		const started = await staffAction(
			event,
			'support',
			impersonationSchema,
			async (trx, { input }, staff) => {
				const session = await startImpersonation(trx, {
					tenantId: id,
					userId: input.userId,
					reason: input.reason,
					minutes: input.minutes,
					allowWrites: input.allowWrites === 'on'
				});
				const row = await myOpenImpersonation(trx, session, staff.claims.sub);
				const slug = (await getTenantDetail(trx, id))?.tenant.slug;
				return { row, slug };
			}
		);
		if (refused(started)) return started;
		if (!started.row || !started.slug) error(404, NOT_FOUND);
		rememberViewAs(event.cookies, event.url, started.row.id, started.row.expiresAt);
		redirect(303, `/t/${started.slug}`);
	},
	endViewAs: (event) =>
		staffAction(event, 'support', endImpersonationSchema, async (trx, { input }) => {
			const ended = await endImpersonation(trx, input.session);
			if (event.cookies.get(VIEW_AS_COOKIE) === input.session)
				forgetViewAs(event.cookies, event.url);
			return { ok: ended ? 'The view-as session is over.' : 'That session had already ended.' };
		})
};
