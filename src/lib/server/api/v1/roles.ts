/** Roles: the system roles and the tenant's own, with what each grants (roles/queries.ts). */
import { z } from 'zod';
import { listRoles } from '../../roles/queries';
import { listEndpoint } from './shared';

export const roleSchema = z
	.object({
		id: z.uuid(),
		key: z.string(),
		name: z.string(),
		description: z.string(),
		scope: z.enum(['tenant', 'project']),
		is_system: z.boolean(),
		permissions: z.array(z.string()),
		holders: z.int()
	})
	.meta({ id: 'Role' });

export const listRolesEndpoint = listEndpoint(
	{
		path: '/roles',
		operationId: 'listRoles',
		summary: 'Roles and the permissions they grant',
		tag: 'Roles',
		item: roleSchema,
		pageId: 'RolePage'
	},
	async ({ trx, tenant }) => {
		const roles = (await listRoles(trx, tenant.id)).map((r) => ({
			id: r.id,
			key: r.key,
			name: r.name,
			description: r.description,
			scope: r.scope,
			is_system: r.isSystem,
			permissions: r.permissions,
			holders: r.holders
		}));
		return roles;
	},
	(r) => r.id
);
