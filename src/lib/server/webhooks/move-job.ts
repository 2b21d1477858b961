/**
 * The `webhooks.move_secrets` system job: moves webhook signing secrets written before the
 * secrets store (webhook_endpoint_secrets.sealed, the old direct seal with the key-encryption
 * key) onto it, as versions of each endpoint's owned secret (owner webhook_endpoint), keeping each
 * row's id, creation and expiry. SQL cannot open or seal, so the app does it: it opens each live
 * old row (public.legacy_webhook_secrets, which also drops the expired ones), seals the same value
 * with envelope encryption and hands it back (public.move_webhook_secret, which replaces the row
 * only if it is unchanged), a page per transaction. Runs at once when the app starts, then now
 * and then; once nothing is left it finds nothing. A row that does not open (another key) is left
 * as it was and counted.
 */
import { sql, type Kysely } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';
import type { SecretsConfig } from '../secrets/envelope';
import { openSigningSecret, sealSigningSecret } from './secrets';

interface LegacyRow {
	id: string;
	tenant_id: string;
	endpoint_id: string;
	sealed: string;
	secret_id: string | null;
}

export interface MoveResult {
	moved: number;
	/** Rows left in the old form because they did not open. */
	unopened: number;
}

const PAGE = 100;

/** Moves every old-form signing secret that opens; returns how many moved and how many did not open. */
export async function moveWebhookSecrets(
	db: Kysely<DB>,
	config: SecretsConfig
): Promise<MoveResult> {
	const result: MoveResult = { moved: 0, unopened: 0 };
	const skipped = new Set<string>();
	for (;;) {
		const page = await runAsServiceRole(db, 'webhooks.move_secrets', async (trx) => {
			const { rows } = await sql<LegacyRow>`
				select * from public.legacy_webhook_secrets(${PAGE + skipped.size}::integer)`.execute(trx);
			const todo = rows.filter((row) => !skipped.has(row.id));
			// An endpoint's rows share its owned secret: the first moved makes it, the next ones add versions.
			const owned = new Map<string, string>();
			for (const row of todo) {
				let value: string;
				try {
					value = await openSigningSecret(config, {
						id: row.id,
						version: null,
						sealed: row.sealed
					});
				} catch {
					skipped.add(row.id);
					result.unopened++;
					continue;
				}
				const sealed = await sealSigningSecret(
					config,
					{
						tenantId: row.tenant_id,
						secretId: owned.get(row.endpoint_id) ?? row.secret_id,
						versionId: row.id
					},
					value
				);
				const { rows: moved } = await sql<{ moved: boolean }>`
					select public.move_webhook_secret(${row.id}::uuid, ${row.sealed}, ${sealed.secretId}::uuid,
						${sealed.dataKeyId}::uuid, ${sealed.wrappedKey}, ${sealed.ciphertext}) as moved`.execute(trx);
				owned.set(row.endpoint_id, sealed.secretId);
				if (moved[0]?.moved) result.moved++;
			}
			return todo.length;
		});
		if (page < PAGE) return result;
	}
}

registerJob({
	name: 'webhooks.move_secrets',
	intervalMs: () => 60 * 60_000,
	run: (db, config: Config) => moveWebhookSecrets(db, config)
});
