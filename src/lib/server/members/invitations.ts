/**
 * Invitations: the pending list, invite-with-email, revoke, and the link's preview and acceptance.
 * Everything runs in the caller's request transaction; invite_member, revoke_invitation and
 * accept_invitation decide (and audit) every change.
 */
import { sql, type Transaction } from 'kysely';
import { queueEmail } from '../auth/outbox';
import { invitationEmail } from './invitation-email';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';
import { elevateToSystemJob, type SystemJob } from '../platform/rls';

export interface PendingInvitation {
	id: string;
	email: string;
	roleId: string | null;
	roleName: string | null;
	invitedBy: string | null;
	createdAt: Date;
	expiresAt: Date;
	status: 'pending' | 'expired';
}

/** The pending invitations list (prefix `inv`): search by address, role and inviter; newest first. */
export const INVITATION_LIST = defineList({
	prefix: 'inv',
	sorts: {
		email: { column: 'email', type: 'text' },
		sent: { column: 'createdAt', type: 'timestamptz' },
		expires: { column: 'expiresAt', type: 'timestamptz' }
	},
	defaultSort: 'sent',
	defaultDir: 'desc',
	search: ['email', 'roleName', 'invitedBy'],
	id: { column: 'id', type: 'uuid' }
});

/**
 * The invitations not yet accepted or revoked (RLS: only holders of members.invite see them),
 * each pending or expired as SQL says (private.invitation_state).
 */
function pendingOf(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('invitations as i')
		.leftJoin('roles as r', 'r.id', 'i.role_id')
		.leftJoin('profiles as p', 'p.id', 'i.invited_by')
		.select([
			'i.id',
			sql<string>`i.email::text`.as('email'),
			'i.role_id as roleId',
			'r.name as roleName',
			sql<string | null>`coalesce(p.full_name, p.email::text)`.as('invitedBy'),
			'i.created_at as createdAt',
			'i.expires_at as expiresAt',
			sql<
				PendingInvitation['status']
			>`private.invitation_state(i.accepted_at, i.revoked_at, i.expires_at)`.as('status')
		])
		.where('i.tenant_id', '=', tenantId)
		.where('i.accepted_at', 'is', null)
		.where('i.revoked_at', 'is', null);
}

/** Every pending invitation of the tenant, newest first. */
export function listPendingInvitations(
	trx: Transaction<DB>,
	tenantId: string
): Promise<PendingInvitation[]> {
	return pendingOf(trx, tenantId).orderBy('i.created_at', 'desc').execute();
}

/** One page of the pending invitations, as `params` (readList) asks. */
export function pagePendingInvitations(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams
): Promise<ListPage<PendingInvitation>> {
	return listPage(trx, pendingOf(trx, tenantId), INVITATION_LIST, params);
}

export async function findPendingInvitation(
	trx: Transaction<DB>,
	tenantId: string,
	invitationId: string
): Promise<{ email: string; roleId: string | null } | undefined> {
	return trx
		.selectFrom('invitations')
		.select(['email', 'role_id as roleId'])
		.where('tenant_id', '=', tenantId)
		.where('id', '=', invitationId)
		.where('accepted_at', 'is', null)
		.where('revoked_at', 'is', null)
		.executeTakeFirst();
}

/** The system job that queues invitation emails (the outbox is service_role only). */
const EMAIL_JOB: SystemJob = 'members.invitation_email';

/**
 * Invites (or invites again, which replaces the pending invitation and its token) and queues the
 * email with the link, in the caller's one transaction: both commit or neither does. invite_member
 * runs as the person, so SQL decides whether they may; only then does the transaction become the
 * `members.invitation_email` system job for the outbox insert, with the token SQL just returned.
 * Nothing runs as the person after that point.
 */
export async function inviteWithEmail(
	trx: Transaction<DB>,
	input: { tenantId: string; email: string; roleId: string | null; appUrl: string; inviter: string }
): Promise<{ invitationId: string; email: string }> {
	const { rows } = await sql<Invited>`
		select invitation_id as "invitationId", token, expires_at as "expiresAt"
		from public.invite_member(${input.tenantId}, ${input.email}, ${input.roleId})`.execute(trx);
	return emailInvitation(trx, rows[0]!, input);
}

interface Invited {
	invitationId: string;
	token: string;
	expiresAt: Date;
}

/**
 * Queues the email of an invitation SQL just made (with its token, returned once): the rest of
 * the caller's transaction runs as the `members.invitation_email` system job (the outbox is
 * service_role only), so call it last. The email names the teams the invitation places them in.
 */
async function emailInvitation(
	trx: Transaction<DB>,
	invited: Invited,
	input: { appUrl: string; inviter: string }
): Promise<{ invitationId: string; email: string }> {
	const about = await trx
		.selectFrom('invitations as i')
		.innerJoin('tenants as t', 't.id', 'i.tenant_id')
		.leftJoin('roles as r', 'r.id', 'i.role_id')
		.select(['i.email', 't.name as tenantName', 'r.name as roleName'])
		.where('i.id', '=', invited.invitationId)
		.executeTakeFirstOrThrow();
	const teams = await trx
		.selectFrom('invitation_teams as it')
		.innerJoin('teams as t', 't.id', 'it.team_id')
		.select('t.name')
		.where('it.invitation_id', '=', invited.invitationId)
		.orderBy('t.name')
		.execute();
	await elevateToSystemJob(trx, EMAIL_JOB);
	await queueEmail(
		trx,
		invitationEmail({
			to: about.email,
			tenantName: about.tenantName,
			inviter: input.inviter,
			roleName: about.roleName ?? 'a member',
			teams: teams.map((t) => t.name),
			link: `${input.appUrl}/invite/${invited.token}`,
			expiresAt: invited.expiresAt
		})
	);
	return { invitationId: invited.invitationId, email: about.email };
}

export type TeamInvitation =
	{ outcome: 'added'; email: string } | { outcome: 'invited'; email: string; invitationId: string };

/**
 * Invites an address to teams (public.invite_to_team decides and says which): a member of the
 * organisation is added at once; anyone else is invited into it with the role, the invitation
 * naming the teams, and emailed like every invitation (in the same transaction).
 */
export async function inviteToTeams(
	trx: Transaction<DB>,
	input: {
		teamIds: string[];
		email: string;
		roleId: string | null;
		appUrl: string;
		inviter: string;
	}
): Promise<TeamInvitation> {
	const { rows } = await sql<{
		outcome: 'added' | 'invited';
		invitationId: string | null;
		token: string | null;
		expiresAt: Date | null;
	}>`select outcome, invitation_id as "invitationId", token, expires_at as "expiresAt"
		from public.invite_to_team(${input.teamIds}::uuid[], ${input.email}, ${input.roleId})`.execute(trx);
	const done = rows[0]!;
	if (done.outcome === 'added' || !done.invitationId || !done.token || !done.expiresAt) {
		return { outcome: 'added', email: input.email.trim().toLowerCase() };
	}
	const sent = await emailInvitation(
		trx,
		{ invitationId: done.invitationId, token: done.token, expiresAt: done.expiresAt },
		input
	);
	return { outcome: 'invited', ...sent };
}

export async function revokeInvitation(trx: Transaction<DB>, invitationId: string): Promise<void> {
	await sql`select public.revoke_invitation(${invitationId})`.execute(trx);
}

export interface InvitationPreview {
	tenantName: string;
	email: string;
	roleKey: string | null;
	expiresAt: Date;
	state: 'pending' | 'accepted' | 'revoked' | 'expired';
}

/** What an invitation link offers, or undefined for a token that matches nothing. */
export async function previewInvitation(
	trx: Transaction<DB>,
	token: string
): Promise<InvitationPreview | undefined> {
	const { rows } = await sql<InvitationPreview>`
		select tenant_name as "tenantName", email, role_key as "roleKey", expires_at as "expiresAt", state
		from public.invitation_preview(${token})`.execute(trx);
	return rows[0];
}

/** Accepts as the caller; returns the slug of the tenant joined. */
export async function acceptInvitation(trx: Transaction<DB>, token: string): Promise<string> {
	const { rows } = await sql<{
		tenantId: string;
	}>`select public.accept_invitation(${token}) as "tenantId"`.execute(trx);
	const tenant = await trx
		.selectFrom('tenants')
		.select('slug')
		.where('id', '=', rows[0]!.tenantId)
		.executeTakeFirstOrThrow();
	return tenant.slug;
}
