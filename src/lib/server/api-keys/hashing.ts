/**
 * HMAC-SHA256(secret, key): how a key is stored and found. The secret lives in the database
 * (private.api_key_secret, random at migration) so the PostgREST pre-request can verify in SQL;
 * the app installs API_KEY_SECRET there at start-up and reads the installed one back, so the app
 * and SQL always hash alike. Changing it invalidates every key; a process reads it once.
 */
import { createHmac } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/database';
import type { Engine } from '../platform/engine';
import { runAsServiceRole } from '../platform/rls';

export function hashApiKey(secret: Buffer, raw: string): Buffer {
	return createHmac('sha256', secret).update(raw, 'utf8').digest();
}

/** The installed HMAC secret. */
export async function loadApiKeySecret(db: Kysely<DB>): Promise<Buffer> {
	const { rows } = await runAsServiceRole(db, 'api_keys.verify', (trx) =>
		sql<{ secret: Uint8Array }>`select private.api_key_hmac_secret() as secret`.execute(trx)
	);
	const secret = rows[0]?.secret;
	if (!secret) throw new Error('private.api_key_secret holds no secret: run the migrations.');
	return Buffer.from(secret);
}

/**
 * Installs API_KEY_SECRET as the owner, at start-up, before the seed (whose demo keys are hashed
 * in SQL). True when it replaced another secret.
 */
export async function installApiKeySecret(engine: Engine, secret: string): Promise<boolean> {
	const [row] = await engine.session((s) =>
		s.query<{ changed: boolean }>('select private.install_api_key_secret($1) as changed', [secret])
	);
	return row?.changed === true;
}
