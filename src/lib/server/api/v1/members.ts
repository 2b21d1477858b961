/** Members: list, read, change the role (public.change_member_role), remove (public.remove_member). */
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../platform/database';
import { changeMemberRole, listMembers, removeMember, type MemberRow } from '../../members/queries';
import { endpoint } from '../endpoint';
import { iso, listEndpoint, notFound, timestamp, uuid } from './shared';

export const roleRefSchema = z
	.object({ id: z.uuid(), key: z.string(), name: z.string(), custom: z.boolean() })
	.meta({ id: 'RoleRef' });

export const memberSchema = z
	.object({
		user_id: z.uuid(),
		email: z.string(),
		full_name: z.string().nullable(),
		is_owner: z.boolean(),
		status: z.string(),
		joined_at: timestamp,
		roles: z.array(roleRefSchema)
	})
	.meta({ id: 'Member' });

function memberJson(m: MemberRow): z.infer<typeof memberSchema> {
	return {
		user_id: m.userId,
		email: m.email,
		full_name: m.fullName,
		is_owner: m.isOwner,
		status: m.status,
		joined_at: iso(m.joinedAt),
		roles: m.roles
	};
}

const memberParams = z.object({ user: uuid('member') });

async function findMember(trx: Transaction<DB>, tenantId: string, userId: string) {
	const member = (await listMembers(trx, tenantId)).find((m) => m.userId === userId);
	return member ? memberJson(member) : notFound('member');
}

export const listMembersEndpoint = listEndpoint(
	{
		path: '/members',
		operationId: 'listMembers',
		summary: 'Members and their roles',
		tag: 'Members',
		item: memberSchema,
		pageId: 'MemberPage'
	},
	async ({ trx, tenant }) => (await listMembers(trx, tenant.id)).map(memberJson),
	(m) => m.user_id
);

export const getMember = endpoint(
	{
		method: 'GET',
		path: '/members/{user}',
		operationId: 'getMember',
		summary: 'One member',
		tag: 'Members',
		params: memberParams,
		response: memberSchema
	},
	async ({ trx, tenant, params }) => findMember(trx, tenant.id, params.user)
);

export const updateMember = endpoint(
	{
		method: 'PATCH',
		path: '/members/{user}',
		operationId: 'updateMember',
		summary: 'Give a member another role (members.manage)',
		tag: 'Members',
		params: memberParams,
		body: z
			.object({ role_id: uuid('role') })
			.strict()
			.meta({ id: 'MemberPatch' }),
		response: memberSchema
	},
	async (ctx) => {
		await changeMemberRole(ctx.trx, ctx.tenant.id, ctx.params.user, ctx.body.role_id);
		return findMember(ctx.trx, ctx.tenant.id, ctx.params.user);
	}
);

export const deleteMember = endpoint(
	{
		method: 'DELETE',
		path: '/members/{user}',
		operationId: 'deleteMember',
		summary: 'Remove a member (members.remove)',
		tag: 'Members',
		params: memberParams
	},
	async ({ trx, tenant, params }) => {
		await removeMember(trx, tenant.id, params.user);
	}
);
