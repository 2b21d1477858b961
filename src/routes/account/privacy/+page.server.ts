import { z } from 'zod';
import { withClaims } from '$lib/server/platform/db';
import { formAction, requireClaims } from '$lib/server/platform/web/actions';
import { fieldError } from '$lib/server/platform/web/forms';
import {
	consentStates,
	createRequest,
	listMyRequests,
	listPurposes,
	recordConsent
} from '$lib/server/privacy/queries';
import { consentSchema, requestSchema } from '$lib/server/privacy/schemas';
import { listMyTenants } from '$lib/server/tenancy/tenants';
import type { Actions, PageServerLoad } from './$types';

/**
 * The person's own privacy page: the requests they made (to an organisation or to the platform)
 * and a form for a new one, confirmed by the emailed link; their consents per organisation, given
 * and withdrawn here (the ledger keeps every change).
 */
export const load: PageServerLoad = async ({ locals }) => {
	const claims = requireClaims(locals);
	return withClaims(claims, async (trx) => {
		const tenants = (await listMyTenants(trx)).filter((t) => t.status === 'active');
		const consents = await Promise.all(
			tenants.map(async (t) => {
				const [purposes, states] = await Promise.all([
					listPurposes(trx, t.id),
					consentStates(trx, t.id, 'member', claims.sub)
				]);
				return {
					tenant: t,
					purposes: purposes
						.filter((p) => p.active)
						.map((p) => ({ ...p, state: states.find((s) => s.purposeKey === p.key) ?? null }))
				};
			})
		);
		return { requests: await listMyRequests(trx), tenants, consents };
	});
};

const tenantField = z.union([z.literal(''), z.uuid({ error: 'Choose who the request is for.' })]);

export const actions: Actions = {
	request: (event) =>
		formAction(
			event,
			requestSchema.extend({ tenant: tenantField }),
			async (trx, { input, values }) => {
				const tenants = await listMyTenants(trx);
				if (input.tenant !== '' && !tenants.some((t) => t.id === input.tenant)) {
					return fieldError('tenant', 'Choose one of your organisations, or the platform.', values);
				}
				await createRequest(trx, {
					tenantId: input.tenant || null,
					kind: input.kind,
					details: input.details
				});
				return {
					ok: `Your ${input.kind} request was received: confirm it with the link we emailed you.`
				};
			}
		),
	consent: (event) => {
		const claims = requireClaims(event.locals);
		return formAction(
			event,
			consentSchema.extend({ tenant: z.uuid({ error: 'No such organisation.' }) }),
			async (trx, { input }) => {
				await recordConsent(trx, input.tenant, {
					purposeId: input.purpose,
					subjectType: 'member',
					subjectId: claims.sub,
					granted: input.granted,
					source: 'page'
				});
				return { ok: input.granted ? 'Consent given.' : 'Consent withdrawn.' };
			}
		);
	}
};
