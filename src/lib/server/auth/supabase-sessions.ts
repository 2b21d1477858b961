/**
 * A person's sessions with the Supabase provider. GoTrue's user API cannot list them or end one
 * by id, but its tables live in the project's own database, which is the app's database in the
 * Supabase profile: `auth.sessions` is read and deleted there, as GoTrue's own logout does
 * (refresh tokens go with their session, `on delete cascade`). The connection's role (`postgres`,
 * the migration owner) reads `auth` on Supabase as the dashboard's SQL editor does; no RLS
 * context is set because `auth.sessions` has no policies for anyone but its owner and that role.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/database';
import { AuthError } from './errors';
import type { AccessClaims, Aal, SessionInfo } from './provider';

export class SupabaseSessions {
	constructor(private readonly db: Kysely<DB>) {}

	async list(claims: AccessClaims): Promise<SessionInfo[]> {
		return this.db.transaction().execute(async (trx) => {
			await this.requireCurrent(trx, claims);
			const rows = await sql<{
				id: string;
				tag: string | null;
				user_agent: string | null;
				ip: string | null;
				aal: Aal | null;
				created_at: Date;
				last_used_at: Date;
			}>`select id, tag, user_agent, host(ip) as ip, aal::text as aal, created_at,
			          coalesce(refreshed_at, updated_at, created_at) as last_used_at
			     from auth.sessions
			    where user_id = ${claims.sub} and (not_after is null or not_after > now())
			    order by coalesce(refreshed_at, updated_at, created_at) desc, id`.execute(trx);
			return rows.rows.map((r) => ({
				id: r.id,
				deviceName: r.tag,
				userAgent: r.user_agent,
				ip: r.ip,
				aal: r.aal ?? 'aal1',
				createdAt: r.created_at,
				lastUsedAt: r.last_used_at,
				current: r.id === claims.session_id
			}));
		});
	}

	/** Ends one session of the claims' person; false when there is no such session of theirs. */
	async revoke(claims: AccessClaims, sessionId: string): Promise<boolean> {
		if (!isUuid(sessionId)) return false;
		return this.db.transaction().execute(async (trx) => {
			await this.requireCurrent(trx, claims);
			const result = await sql`delete from auth.sessions
			                          where id = ${sessionId} and user_id = ${claims.sub}`.execute(trx);
			return Number(result.numAffectedRows ?? 0) > 0;
		});
	}

	/** Ends every other session of the person; returns how many. */
	async revokeOthers(claims: AccessClaims): Promise<number> {
		return this.db.transaction().execute(async (trx) => {
			await this.requireCurrent(trx, claims);
			const result = await sql`delete from auth.sessions
			                          where user_id = ${claims.sub} and id <> ${claims.session_id}`.execute(
				trx
			);
			return Number(result.numAffectedRows ?? 0);
		});
	}

	/** How many other live sessions the person has (told after a password change ends them). */
	async countOthers(claims: AccessClaims): Promise<number> {
		const rows = await sql<{ n: number }>`
			select count(*)::int as n from auth.sessions
			 where user_id = ${claims.sub} and id <> ${claims.session_id}
			   and (not_after is null or not_after > now())`.execute(this.db);
		return rows.rows[0]?.n ?? 0;
	}

	private async requireCurrent(trx: Kysely<DB>, claims: AccessClaims): Promise<void> {
		const rows = await sql`select 1 from auth.sessions
		                        where id = ${claims.session_id} and user_id = ${claims.sub}`.execute(trx);
		if (rows.rows.length === 0) throw new AuthError('token_invalid');
	}
}

function isUuid(value: string): boolean {
	return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
