/** Teams and their members (teams.manage), through teams/queries.ts. */
import { z } from 'zod';
import {
	addTeamMember,
	createTeam,
	deleteTeam,
	findTeam,
	listTeamMembers,
	listTeams,
	removeTeamMember,
	updateTeam,
	type TeamMember,
	type TeamSummary
} from '../../teams/queries';
import { createTeamSchema } from '../../teams/schemas';
import { endpoint } from '../endpoint';
import { iso, listEndpoint, lockRow, notFound, timestamp, uuid } from './shared';
import type { Transaction } from 'kysely';
import type { DB } from '../../platform/database';

export const teamSchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		description: z.string(),
		members: z.int(),
		created_at: timestamp
	})
	.meta({ id: 'Team' });

export const teamMemberSchema = z
	.object({
		user_id: z.uuid(),
		email: z.string(),
		full_name: z.string().nullable(),
		added_at: timestamp
	})
	.meta({ id: 'TeamMember' });

function teamJson(t: TeamSummary): z.infer<typeof teamSchema> {
	return {
		id: t.id,
		name: t.name,
		description: t.description,
		members: t.members,
		created_at: iso(t.createdAt)
	};
}

function teamMemberJson(m: TeamMember): z.infer<typeof teamMemberSchema> {
	return { user_id: m.userId, email: m.email, full_name: m.fullName, added_at: iso(m.addedAt) };
}

async function team(trx: Transaction<DB>, tenantId: string, id: string) {
	const found = (await listTeams(trx, tenantId)).find((t) => t.id === id);
	return found ? teamJson(found) : notFound('team');
}

const teamParams = z.object({ team: uuid('team') });
const teamBody = createTeamSchema.strict().meta({ id: 'TeamInput' });

export const listTeamsEndpoint = listEndpoint(
	{
		path: '/teams',
		operationId: 'listTeams',
		summary: 'Teams',
		tag: 'Teams',
		item: teamSchema,
		pageId: 'TeamPage'
	},
	async ({ trx, tenant }) => (await listTeams(trx, tenant.id)).map(teamJson),
	(t) => t.id
);

export const createTeamEndpoint = endpoint(
	{
		method: 'POST',
		path: '/teams',
		operationId: 'createTeam',
		summary: 'Create a team (teams.manage)',
		tag: 'Teams',
		body: teamBody,
		response: teamSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => team(trx, tenant.id, await createTeam(trx, tenant.id, body))
);

export const getTeam = endpoint(
	{
		method: 'GET',
		path: '/teams/{team}',
		operationId: 'getTeam',
		summary: 'One team',
		tag: 'Teams',
		params: teamParams,
		response: teamSchema,
		etag: true
	},
	async ({ trx, tenant, params }) => team(trx, tenant.id, params.team)
);

export const updateTeamEndpoint = endpoint(
	{
		method: 'PATCH',
		path: '/teams/{team}',
		operationId: 'updateTeam',
		summary: 'Rename a team or change its description (teams.manage)',
		description: 'If-Match with the team’s ETag refuses (412) a change made meanwhile.',
		tag: 'Teams',
		params: teamParams,
		body: z
			.object({
				name: createTeamSchema.shape.name.optional(),
				description: createTeamSchema.shape.description.unwrap().optional()
			})
			.strict()
			.meta({ id: 'TeamPatch' }),
		response: teamSchema,
		etag: true
	},
	async ({ trx, tenant, params, body, precondition }) => {
		await lockRow(trx, 'teams', params.team);
		const current = await team(trx, tenant.id, params.team);
		precondition(current);
		const changed = await updateTeam(trx, tenant.id, params.team, {
			name: body.name ?? current.name,
			description: body.description ?? current.description
		});
		if (!changed) notFound('team');
		return team(trx, tenant.id, params.team);
	}
);

export const deleteTeamEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/teams/{team}',
		operationId: 'deleteTeam',
		summary: 'Delete a team (teams.manage)',
		tag: 'Teams',
		params: teamParams
	},
	async ({ trx, tenant, params }) => {
		if (!(await deleteTeam(trx, tenant.id, params.team))) notFound('team');
	}
);

export const listTeamMembersEndpoint = listEndpoint(
	{
		path: '/teams/{team}/members',
		operationId: 'listTeamMembers',
		summary: 'Who is in a team',
		tag: 'Teams',
		params: teamParams,
		item: teamMemberSchema,
		pageId: 'TeamMemberPage'
	},
	async ({ trx, tenant, params }) => {
		if (!(await findTeam(trx, tenant.id, params.team))) notFound('team');
		const members = await listTeamMembers(trx, tenant.id, params.team);
		return members.map(teamMemberJson);
	},
	(m) => m.user_id
);

export const addTeamMemberEndpoint = endpoint(
	{
		method: 'POST',
		path: '/teams/{team}/members',
		operationId: 'addTeamMember',
		summary: 'Add a member of the organisation to a team (teams.manage)',
		tag: 'Teams',
		params: teamParams,
		body: z
			.object({ user_id: uuid('member') })
			.strict()
			.meta({ id: 'TeamMemberAdd' }),
		response: teamMemberSchema,
		status: 201
	},
	async ({ trx, tenant, params, body }) => {
		if (!(await findTeam(trx, tenant.id, params.team))) notFound('team');
		await addTeamMember(trx, tenant.id, params.team, body.user_id);
		const member = (await listTeamMembers(trx, tenant.id, params.team)).find(
			(m) => m.userId === body.user_id
		);
		return member ? teamMemberJson(member) : notFound('team member');
	}
);

export const removeTeamMemberEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/teams/{team}/members/{user}',
		operationId: 'removeTeamMember',
		summary: 'Take a member out of a team (teams.manage)',
		tag: 'Teams',
		params: z.object({ team: uuid('team'), user: uuid('member') })
	},
	async ({ trx, tenant, params }) => {
		if (!(await removeTeamMember(trx, tenant.id, params.team, params.user)))
			notFound('team member');
	}
);
