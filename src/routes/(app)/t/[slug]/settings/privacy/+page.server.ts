import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { listMembers } from '$lib/server/members/queries';
import { requireClaims } from '$lib/server/platform/web/actions';
import { formError } from '$lib/server/platform/web/forms';
import {
	advanceRequest,
	createPurpose,
	createRequest,
	listConsents,
	listPurposes,
	listTenantRequests,
	updatePurpose
} from '$lib/server/privacy/queries';
import {
	advanceSchema,
	purposeSchema,
	purposeUpdateSchema,
	requestForMemberSchema
} from '$lib/server/privacy/schemas';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * The organisation's privacy desk (privacy.manage): the requests about its members, with their
 * deadlines and the steps SQL allows; the purposes it asks consent for; the latest entries of its
 * consent ledger (members' and its product's end users').
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'privacy.manage'))
		error(403, 'Handling privacy requests needs the privacy.manage permission.');
	return withClaims(requireClaims(locals), async (trx) => ({
		requests: await listTenantRequests(trx, tenant.id),
		purposes: await listPurposes(trx, tenant.id),
		consents: await listConsents(trx, tenant.id, { limit: 50 }),
		members: (await listMembers(trx, tenant.id)).map((m) => ({ userId: m.userId, name: m.name }))
	}));
};

const STEP_DONE = {
	in_progress: 'The request is in progress.',
	completed: 'The request is completed.',
	refused: 'The request is refused; the person sees why.'
} as const;

export const actions: Actions = {
	advance: (event) =>
		tenantAction(event, advanceSchema, async (trx, _tenant, { input }) => {
			await advanceRequest(trx, input.request, input.state, input.reason || null);
			return { ok: STEP_DONE[input.state] };
		}),
	raise: (event) =>
		tenantAction(event, requestForMemberSchema, async (trx, tenant, { input }) => {
			await createRequest(trx, {
				tenantId: tenant.id,
				kind: input.kind,
				details: input.details,
				subjectUserId: input.subject
			});
			return { ok: 'The request is received; the member is emailed a link to confirm it.' };
		}),
	addPurpose: (event) =>
		tenantAction(event, purposeSchema, async (trx, tenant, { input }) => {
			await createPurpose(trx, tenant.id, input);
			return { ok: `${input.name} was added.` };
		}),
	updatePurpose: (event) =>
		tenantAction(event, purposeUpdateSchema, async (trx, tenant, { input, values }) => {
			const changed = await updatePurpose(trx, tenant.id, input.purpose, {
				name: input.name,
				description: input.description,
				newVersion: input.new_version,
				active: input.active
			});
			if (!changed) return formError(404, 'No such purpose, or you may not change it.', values);
			return { ok: `${input.name} is saved.` };
		})
};
