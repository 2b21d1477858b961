/**
 * Security notices for the two account events auth's own tables cannot tell us by trigger (only
 * auth.users takes our triggers, as on hosted Supabase; a password change is noticed there, in
 * its own transaction): a sign-in from a device or address the person has not used before, and a
 * verified MFA factor removed. The auth provider — embedded or Supabase, the same for both — is
 * wrapped so that, right after either succeeds, the `notifications.security` job records the
 * notice (private.notice_sign_in, private.notice_mfa_removed): in the inbox and by email, whatever
 * the person's preferences. A notice that cannot be written is logged; it never fails the sign-in.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AccessClaims, AuthProvider, DeviceInfo } from '../auth/provider';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { wake } from './live';

/** Writes the notice as the notifications.security job, then wakes the person's open bells. */
async function record(
	db: Kysely<DB>,
	userId: string,
	what: string,
	write: (trx: Transaction<DB>) => Promise<unknown>
) {
	try {
		await runAsServiceRole(db, 'notifications.security', write);
		wake([userId]);
	} catch (error) {
		console.error(`[tenantry] notifications.security: ${what} not recorded:`, error);
	}
}

/** Records a sign-in; a new (device, address) pair of someone who signed in before is a notice. */
export function noticeSignIn(db: Kysely<DB>, userId: string, device: DeviceInfo = {}) {
	return record(db, userId, 'sign-in', (trx) =>
		sql`select private.notice_sign_in(${userId}::uuid, ${device.userAgent?.slice(0, 512) ?? null},
		    ${device.ip?.slice(0, 64) ?? null})`.execute(trx)
	);
}

export function noticeMfaRemoved(db: Kysely<DB>, userId: string, factorName: string | null) {
	return record(db, userId, 'MFA removal', (trx) =>
		sql`select private.notice_mfa_removed(${userId}::uuid, ${factorName})`.execute(trx)
	);
}

/** The provider, with sign-in and factor removal reporting their security notices. */
export function withSecurityNotices(db: Kysely<DB>, provider: AuthProvider): AuthProvider {
	const signIn: AuthProvider['signIn'] = async (email, password, device) => {
		const session = await provider.signIn(email, password, device);
		await noticeSignIn(db, session.user.id, device);
		return session;
	};
	const unenrolTotp: AuthProvider['unenrolTotp'] = async (claims: AccessClaims, factorId) => {
		const factor = (await provider.listFactors(claims)).find((f) => f.id === factorId);
		await provider.unenrolTotp(claims, factorId);
		if (factor?.status === 'verified') await noticeMfaRemoved(db, claims.sub, factor.friendlyName);
	};
	return new Proxy(provider, {
		get(target, property) {
			if (property === 'signIn') return signIn;
			if (property === 'unenrolTotp') return unenrolTotp;
			const value = Reflect.get(target, property, target);
			return typeof value === 'function' ? value.bind(target) : value;
		}
	});
}
