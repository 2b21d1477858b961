import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { withClaims } from '$lib/server/platform/db';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { listProjects } from '$lib/server/projects/queries';
import { createTicket } from '$lib/server/support/queries';
import { ticketSchema } from '$lib/server/support/schemas';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/** A new ticket (tickets.manage): subject, description, priority, category, optional project. */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'tickets.manage'))
		error(403, 'Opening a ticket needs the tickets.manage permission.');
	return withClaims(requireClaims(locals), async (trx) => ({
		projects: (await listProjects(trx, tenant.id)).map((p) => ({ id: p.id, name: p.name })),
		crumb: 'New ticket'
	}));
};

export const actions: Actions = {
	default: async (event) => {
		const result = await tenantAction(event, ticketSchema, async (trx, tenant, { input }) => ({
			...(await createTicket(trx, tenant.id, input)),
			slug: tenant.slug
		}));
		if (refused(result)) return result;
		redirect(
			303,
			resolve('/(app)/t/[slug]/support/[number]', {
				slug: result.slug,
				number: String(result.number)
			})
		);
	}
};
