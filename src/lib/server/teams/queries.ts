/**
 * Teams and who is in them, in the caller's request transaction. Writes are plain DML under RLS
 * (teams.manage, supabase/migrations/20261122000500_teams.sql): an update or delete the caller may
 * not make matches no row, so those return whether anything changed.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';

export interface TeamSummary {
	id: string;
	name: string;
	description: string;
	members: number;
	createdAt: Date;
}

/** The teams page's list: search by name and description, sort by name, size or age. */
export const TEAM_LIST = defineList({
	sorts: {
		name: { column: 'name', type: 'text' },
		members: { column: 'members', type: 'bigint' },
		created: { column: 'createdAt', type: 'timestamptz' }
	},
	defaultSort: 'name',
	defaultDir: 'asc',
	search: ['name', 'description'],
	id: { column: 'id', type: 'uuid' }
});

function teamsOf(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('teams as t')
		.leftJoin('team_members as tm', 'tm.team_id', 't.id')
		.select(['t.id', 't.name', 't.description', 't.created_at as createdAt'])
		.select((eb) => eb.fn.count<string>('tm.user_id').as('members'))
		.where('t.tenant_id', '=', tenantId)
		.groupBy('t.id');
}

const summary = <T extends { members: string }>(r: T) => ({ ...r, members: Number(r.members) });

/** Every team of the tenant with its member count, by name. */
export async function listTeams(trx: Transaction<DB>, tenantId: string): Promise<TeamSummary[]> {
	return (await teamsOf(trx, tenantId).orderBy('t.name').execute()).map(summary);
}

/** One page of the tenant's teams with their member counts, as `params` (readList) asks. */
export async function pageTeams(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams
): Promise<ListPage<TeamSummary>> {
	const page = await listPage(trx, teamsOf(trx, tenantId), TEAM_LIST, params);
	return { ...page, rows: page.rows.map(summary) };
}

export function findTeam(
	trx: Transaction<DB>,
	tenantId: string,
	teamId: string
): Promise<{ id: string; name: string; description: string } | undefined> {
	return trx
		.selectFrom('teams')
		.select(['id', 'name', 'description'])
		.where('tenant_id', '=', tenantId)
		.where('id', '=', teamId)
		.executeTakeFirst();
}

export interface TeamMember {
	userId: string;
	email: string;
	fullName: string | null;
	addedAt: Date;
}

function membersOf(trx: Transaction<DB>, tenantId: string, teamId: string) {
	return trx
		.selectFrom('team_members as tm')
		.leftJoin('profiles as p', 'p.id', 'tm.user_id')
		.select([
			'tm.user_id as userId',
			'p.email',
			'p.full_name as fullName',
			'tm.created_at as addedAt',
			sql<string>`coalesce(p.full_name, p.email::text, '')`.as('name')
		])
		.where('tm.tenant_id', '=', tenantId)
		.where('tm.team_id', '=', teamId);
}

const member = (r: {
	userId: string;
	email: string | null;
	fullName: string | null;
	addedAt: Date;
}): TeamMember => ({
	userId: r.userId,
	email: r.email ?? '',
	fullName: r.fullName,
	addedAt: r.addedAt
});

/** Every member of the team, by address. */
export async function listTeamMembers(
	trx: Transaction<DB>,
	tenantId: string,
	teamId: string
): Promise<TeamMember[]> {
	return (await membersOf(trx, tenantId, teamId).orderBy('p.email').execute()).map(member);
}

/** A team page's member list: search by name and address, sort by name or when added. */
export const TEAM_MEMBER_LIST = defineList({
	sorts: {
		name: { column: 'name', type: 'text' },
		added: { column: 'addedAt', type: 'timestamptz' }
	},
	defaultSort: 'name',
	defaultDir: 'asc',
	search: ['name', 'email'],
	id: { column: 'userId', type: 'uuid' }
});

/** One page of a team's members, as `params` (readList) asks. */
export async function pageTeamMembers(
	trx: Transaction<DB>,
	tenantId: string,
	teamId: string,
	params: ListParams
): Promise<ListPage<TeamMember>> {
	const page = await listPage(trx, membersOf(trx, tenantId, teamId), TEAM_MEMBER_LIST, params);
	return { ...page, rows: page.rows.map(member) };
}

export async function createTeam(
	trx: Transaction<DB>,
	tenantId: string,
	team: { name: string; description: string }
): Promise<string> {
	const row = await trx
		.insertInto('teams')
		.values({ tenant_id: tenantId, name: team.name, description: team.description })
		.returning('id')
		.executeTakeFirstOrThrow();
	return row.id;
}

export async function updateTeam(
	trx: Transaction<DB>,
	tenantId: string,
	teamId: string,
	team: { name: string; description: string }
): Promise<boolean> {
	const result = await trx
		.updateTable('teams')
		.set({ name: team.name, description: team.description })
		.where('tenant_id', '=', tenantId)
		.where('id', '=', teamId)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

export async function deleteTeam(
	trx: Transaction<DB>,
	tenantId: string,
	teamId: string
): Promise<boolean> {
	const result = await trx
		.deleteFrom('teams')
		.where('tenant_id', '=', tenantId)
		.where('id', '=', teamId)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}

export async function addTeamMember(
	trx: Transaction<DB>,
	tenantId: string,
	teamId: string,
	userId: string
): Promise<void> {
	await trx
		.insertInto('team_members')
		.values({ tenant_id: tenantId, team_id: teamId, user_id: userId })
		.execute();
}

export async function removeTeamMember(
	trx: Transaction<DB>,
	tenantId: string,
	teamId: string,
	userId: string
): Promise<boolean> {
	const result = await trx
		.deleteFrom('team_members')
		.where('tenant_id', '=', tenantId)
		.where('team_id', '=', teamId)
		.where('user_id', '=', userId)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}
