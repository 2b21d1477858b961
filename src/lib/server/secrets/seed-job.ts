/**
 * The `secrets.seal_seeded` system job: seals the demo values supabase/seeds/30_secrets.sql asks
 * for (SQL cannot: the key-encryption key is not in the database). It takes them out of
 * private.secret_seed_values (public.take_seeded_secret_values) and creates each as a secret, in
 * one transaction, so a value is either sealed or still waiting. Runs at once when the app starts
 * (right after the first start's seed), then now and then for a database seeded by the Supabase
 * CLI while the app ran. A name the tenant has meanwhile is skipped.
 */
import { sql, type Kysely } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';
import type { SecretFormat } from '../../secrets/options';
import type { SecretsConfig } from './envelope';
import { createSecret } from './service';

interface SeedValue {
	tenant_id: string;
	name: string;
	format: SecretFormat;
	description: string;
	value: string;
}

/** Seals every waiting demo value; returns how many became secrets. */
export async function sealSeededSecrets(db: Kysely<DB>, config: SecretsConfig): Promise<number> {
	return runAsServiceRole(db, 'secrets.seal_seeded', async (trx) => {
		const { rows } = await sql<SeedValue>`
			select * from public.take_seeded_secret_values()`.execute(trx);
		let sealed = 0;
		for (const row of rows) {
			const { rows: taken } = await sql`
				select 1 from public.secrets where tenant_id = ${row.tenant_id}::uuid and lower(name) = lower(${row.name})
					and project_id is null and owner_type is null`.execute(trx);
			if (taken.length > 0) continue;
			await createSecret(trx, config, {
				tenantId: row.tenant_id,
				name: row.name,
				format: row.format,
				description: row.description,
				value: row.value
			});
			sealed++;
		}
		return sealed;
	});
}

registerJob({
	name: 'secrets.seal_seeded',
	intervalMs: () => 5 * 60_000,
	run: (db, config: Config) => sealSeededSecrets(db, config)
});
