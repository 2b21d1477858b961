/**
 * Key rotation (npm run secrets:rotate-key, docs/secrets.md#rotating-the-key): every data key
 * still wrapped by the previous key-encryption key (SECRETS_ENCRYPTION_KEY_PREVIOUS) is unwrapped
 * and wrapped again under the current one (SECRETS_ENCRYPTION_KEY); no value is re-encrypted.
 * One transaction per page of keys, each key replaced only if it is still the one read, so the
 * command can be stopped and run again (resumable) and a second run finds nothing to do
 * (idempotent). The app opens data keys under either key meanwhile.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import {
	dataKeyContext,
	decodeKey,
	keyId,
	unwrapDataKey,
	wrapDataKey
} from '../../../../supabase/functions/_shared/secret-box';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { secretsKey } from '../platform/secrets';
import type { SecretsConfig } from './envelope';

export interface RotationResult {
	/** Key ids (8 hex characters of the keys' SHA-256). */
	from: string;
	to: string;
	rewrapped: number;
	/** Data keys that did not open under the previous key (altered, or wrapped by yet another key). */
	failed: { id: string; error: string }[];
	/** Data keys still wrapped by the previous key. */
	remaining: number;
}

interface WrappedRow {
	id: string;
	tenant_id: string;
	secret_id: string;
	wrapped_key: string;
}

export async function rotateKeyEncryptionKey(
	db: Kysely<DB>,
	config: SecretsConfig,
	options: { batch?: number; maxBatches?: number; log?: (line: string) => void }
): Promise<RotationResult> {
	if (!config.SECRETS_ENCRYPTION_KEY_PREVIOUS) {
		throw new Error(
			'SECRETS_ENCRYPTION_KEY_PREVIOUS is not set: give the key to rotate away from there, and the new one as SECRETS_ENCRYPTION_KEY.'
		);
	}
	const previous = decodeKey(config.SECRETS_ENCRYPTION_KEY_PREVIOUS);
	const current = secretsKey(config);
	const [from, to] = await Promise.all([keyId(previous), keyId(current)]);
	if (from === to) {
		throw new Error(
			'SECRETS_ENCRYPTION_KEY_PREVIOUS is the same key as SECRETS_ENCRYPTION_KEY: set a new SECRETS_ENCRYPTION_KEY.'
		);
	}
	const batch = options.batch ?? 200;
	const result: RotationResult = { from, to, rewrapped: 0, failed: [], remaining: 0 };
	let after: string | null = null;
	for (let page = 0; options.maxBatches === undefined || page < options.maxBatches; page++) {
		const done: boolean = await runAsServiceRole(db, 'secrets.rotate_key', async (trx) => {
			const { rows } = await sql<WrappedRow>`
				select * from public.secret_data_keys_to_rewrap(${from}, ${after}::uuid, ${batch}::integer)`.execute(
				trx
			);
			for (const row of rows) {
				const context = dataKeyContext(row.tenant_id, row.secret_id, row.id);
				try {
					const dataKey = await unwrapDataKey(row.wrapped_key, [previous], context);
					const rewrapped = await wrapDataKey(dataKey, current, context);
					dataKey.fill(0);
					const { rows: stored } = await sql<{ ok: boolean }>`
						select public.rewrap_secret_data_key(${row.id}::uuid, ${row.wrapped_key}, ${rewrapped}) as ok`.execute(
						trx
					);
					if (stored[0]?.ok) result.rewrapped++;
				} catch (error) {
					result.failed.push({ id: row.id, error: (error as Error).message });
				}
			}
			after = rows.at(-1)?.id ?? after;
			return rows.length < batch;
		});
		options.log?.(`re-wrapped ${result.rewrapped} data keys so far (${from} → ${to})`);
		if (done) break;
	}
	result.remaining = await runAsServiceRole(db, 'secrets.rotate_key', async (trx) => {
		const { rows } = await sql<{ data_keys: string }>`
			select data_keys from public.secret_key_ids() where kek_id = ${from}`.execute(trx);
		return Number(rows[0]?.data_keys ?? 0);
	});
	return result;
}
