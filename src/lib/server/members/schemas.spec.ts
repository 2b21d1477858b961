import { describe, expect, it } from 'vitest';
import { invitationEmail } from './invitation-email';
import { changeRoleSchema, invitationTokenSchema, inviteSchema } from './schemas';
import { createTeamSchema, renameTeamSchema } from '../teams/schemas';

const ROLE = '3f2c1a56-8d1e-4b7a-9c3f-0a1b2c3d4e5f';

describe('member forms', () => {
	it('normalises the invited address and names the field of each problem', () => {
		expect(inviteSchema.parse({ email: ' Lin@Example.COM ', role: ROLE }).email).toBe(
			'lin@example.com'
		);
		const bad = inviteSchema.safeParse({ email: 'lin@localhost', role: 'admin' });
		expect(bad.success).toBe(false);
		expect(bad.error!.issues.map((i) => i.path[0]).sort()).toEqual(['email', 'role']);
		expect(changeRoleSchema.safeParse({ user: ROLE }).success).toBe(false);
	});

	it('accepts invitation tokens and refuses paths and oversized input', () => {
		expect(invitationTokenSchema.safeParse('a'.repeat(64)).success).toBe(true);
		expect(invitationTokenSchema.safeParse('../admin').success).toBe(false);
		expect(invitationTokenSchema.safeParse('a'.repeat(129)).success).toBe(false);
	});
});

describe('team forms', () => {
	it('trims names, refuses blank or long ones and defaults the description', () => {
		expect(createTeamSchema.parse({ name: '  Growth ' })).toEqual({
			name: 'Growth',
			description: ''
		});
		expect(createTeamSchema.safeParse({ name: '   ' }).success).toBe(false);
		expect(createTeamSchema.safeParse({ name: 'x'.repeat(101) }).success).toBe(false);
		expect(renameTeamSchema.safeParse({ team: 'nope', name: 'Growth' }).success).toBe(false);
	});
});

describe('invitation email', () => {
	it('carries the link on a line of its own, which mail clients (and the mail catcher) turn into a link', () => {
		const link = `https://app.example.com/invite/${'b'.repeat(64)}`;
		const email = invitationEmail({
			to: 'lin@example.com',
			tenantName: 'Acme Inc',
			inviter: 'owner@acme.test',
			roleName: 'Developer',
			link,
			expiresAt: new Date('2026-11-29T12:00:00Z')
		});
		expect(email.template).toBe('member_invitation');
		expect(email.subject).toBe('owner@acme.test invited you to Acme Inc on Tenantry');
		expect([...email.bodyText.matchAll(/https?:\/\/\S+/g)].map((m) => m[0])).toEqual([link]);
	});
});
