import { error, fail, redirect } from '@sveltejs/kit';
import { attachFile, readUploadForm } from '$lib/server/support/attachments';
import { resolve } from '$app/paths';
import { withClaims } from '$lib/server/platform/db';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { listProjects } from '$lib/server/projects/queries';
import { createTicket } from '$lib/server/support/queries';
import { ticketSchema } from '$lib/server/support/schemas';
import { tenantAction, tenantOf } from '$lib/server/tenancy/actions';
import { myPermissions } from '$lib/server/tenancy/tenants';
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
	/** The permission is asked before the body (with its optional file) is read, capped. */
	default: async (event) => {
		const mayOpen = await withClaims(requireClaims(event.locals), async (trx) => {
			const tenant = await tenantOf(trx, event.params.slug);
			return (await myPermissions(trx, tenant.id)).includes('tickets.manage');
		});
		if (!mayOpen) {
			return fail(403, {
				errors: {},
				values: {},
				message: 'Opening a ticket needs the tickets.manage permission.'
			});
		}
		const upload = await readUploadForm(event.request);
		if (!('request' in upload)) return upload;
		const result = await tenantAction(
			{ locals: event.locals, params: event.params, request: upload.request },
			ticketSchema,
			async (trx, tenant, { input }) => {
				const ticket = await createTicket(trx, tenant.id, input);
				if (upload.file) {
					await attachFile(
						trx,
						{ tenantId: tenant.id, ownerType: 'support_ticket', ownerId: ticket.id },
						upload.file
					);
				}
				return { ...ticket, slug: tenant.slug };
			}
		);
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
