import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/lib/server/platform/database';
import { inviteWithEmail } from '../../src/lib/server/members/invitations';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const OWNER = { sub: 'a0000000-0000-4000-8000-000000000011', email: 'owner@acme.test' };
const VIEWER = { sub: 'a0000000-0000-4000-8000-000000000014', email: 'viewer@acme.test' };
const APP = 'http://localhost:3000';

/** inviteWithEmail: the invitation and its email are one transaction, whatever fails. */
describe.each(engineFactories)('inviting with an email on %s', (_name, factory) => {
	let t: TestEngine;
	let db: Kysely<DB>;

	const invite = (claims: typeof OWNER, email: string, inviter = claims.email) =>
		runWithClaims(db, claims, (trx) =>
			inviteWithEmail(trx, { tenantId: ACME, email, roleId: null, appUrl: APP, inviter })
		);
	const emailsTo = async (to: string) =>
		(
			await sql<{
				template: string;
				link: string;
			}>`select template, payload->>'link' as link from private.email_outbox
			   where to_address = ${to} order by created_at`.execute(db)
		).rows;
	const invitationsOf = async (email: string) =>
		(
			await sql<{
				tokenHash: string;
				revoked: boolean;
			}>`select encode(token_hash, 'hex') as "tokenHash", revoked_at is not null as revoked
			   from public.invitations where email = ${email} order by created_at`.execute(db)
		).rows;

	beforeAll(async () => {
		t = await seeded(factory);
		db = t.engine.db;
	});
	afterAll(() => t.dispose());

	it('stores the invitation and queues its email with the one link whose token it hashes', async () => {
		await invite(OWNER, ' Lin@Example.test ');
		const [email] = await emailsTo('lin@example.test');
		expect(email?.template).toBe('member_invitation');
		const token = email!.link.replace(`${APP}/invite/`, '');
		expect(token).toMatch(/^[0-9a-f]{64}$/);
		const [invitation] = await invitationsOf('lin@example.test');
		expect(invitation!.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
		const audit = await sql<{ actorId: string; actorJob: string | null }>`
			select actor_id as "actorId", actor_job as "actorJob" from public.audit_logs
			where action = 'member.invite' order by id desc limit 1`.execute(db);
		expect(audit.rows[0]).toEqual({ actorId: OWNER.sub, actorJob: null });
	});

	it('inviting again revokes the old link and sends a new one', async () => {
		await invite(OWNER, 'lin@example.test');
		const emails = await emailsTo('lin@example.test');
		const invitations = await invitationsOf('lin@example.test');
		expect(emails).toHaveLength(2);
		expect(emails[0]!.link).not.toBe(emails[1]!.link);
		expect(invitations.map((i) => i.revoked)).toEqual([true, false]);
	});

	it('queues nothing when the invitation is refused', async () => {
		await expect(invite(VIEWER, 'sneaky@example.test')).rejects.toMatchObject({ code: 'TN002' });
		expect(await emailsTo('sneaky@example.test')).toEqual([]);
		expect(await invitationsOf('sneaky@example.test')).toEqual([]);
	});

	it('keeps no invitation when its email cannot be queued', async () => {
		// A subject over the outbox's 998 characters makes the email insert fail after invite_member.
		await expect(invite(OWNER, 'nomail@example.test', 'x'.repeat(1000))).rejects.toMatchObject({
			code: '23514'
		});
		expect(await invitationsOf('nomail@example.test')).toEqual([]);
		expect(await emailsTo('nomail@example.test')).toEqual([]);
	});
});
