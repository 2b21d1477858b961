/**
 * Secrets end to end through the contract (src/lib/server/secrets/service.ts) against a real
 * migrated and seeded database, on the embedded engine and on Postgres 15 when TEST_DATABASE_URL
 * is set: who may create, version, reveal and use; formats checked; the audit and event trail;
 * decryption binding (a ciphertext or wrapped key moved to another row, tenant or version does
 * not open); key rotation re-wrapping data keys without touching a value; and a COPY of every
 * table of a database holding known secrets, which contains none of them.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/lib/server/platform/database';
import { runAsServiceRole, runWithClaims } from '../../src/lib/server/platform/rls';
import {
	addSecretVersion,
	createSecret,
	revealSecret,
	useSecret,
	SecretFormatError
} from '../../src/lib/server/secrets/service';
import { rotateKeyEncryptionKey } from '../../src/lib/server/secrets/rotate';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const GLOBEX = 'b0000000-0000-4000-8000-000000000002';
const OWNER = { sub: 'a0000000-0000-4000-8000-000000000011', email: 'owner@acme.test' };
const ADMIN = { sub: 'a0000000-0000-4000-8000-000000000012', email: 'admin@acme.test' };
const DEV = { sub: 'a0000000-0000-4000-8000-000000000013', email: 'dev@acme.test' };
const VIEWER = { sub: 'a0000000-0000-4000-8000-000000000014', email: 'viewer@acme.test' };
const GLOBEX_OWNER = { sub: 'a0000000-0000-4000-8000-000000000021', email: 'owner@globex.test' };

const key = () => randomBytes(32).toString('base64');
const base = { AUTH_JWT_SECRET: undefined, DATA_DIR: 'memory://', NODE_ENV: 'test' as const };

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: Record<string, unknown>) =>
	`${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}.c2lnbmF0dXJl`;

function code(error: unknown): string | undefined {
	return (error as { code?: string }).code;
}

describe.each(engineFactories)('secrets on %s', (_name, factory) => {
	let t: TestEngine;
	let db: Kysely<DB>;
	const config = { ...base, SECRETS_ENCRYPTION_KEY: key() };
	const as = <T>(
		claims: { sub: string; email: string },
		fn: Parameters<typeof runWithClaims<T>>[2]
	) => runWithClaims(db, claims, fn);
	/** As the operator (no RLS, triggers as given): an attacker holding the database. */
	const q = <Row>(text: string, params: unknown[] = []) =>
		t.engine.session((s) => s.query<Row>(text, params));

	beforeAll(async () => {
		t = await seeded(factory);
		db = t.engine.db;
	});
	afterAll(() => t.dispose());

	it('creates, versions and reveals a secret; each step in the audit log and the event log', async () => {
		const created = await as(DEV, (trx) =>
			createSecret(trx, config, {
				tenantId: ACME,
				name: 'STRIPE_API_KEY',
				format: 'opaque',
				value: 'sk_live_first',
				description: 'Payments'
			})
		);
		expect(created.version).toBe(1);
		const second = await as(DEV, (trx) =>
			addSecretVersion(trx, config, {
				tenantId: ACME,
				secretId: created.secretId,
				value: 'sk_live_second'
			})
		);
		expect(second.version).toBe(2);

		// A developer writes but does not read values back; an admin does, any version.
		await expect(
			as(DEV, (trx) => revealSecret(trx, config, { tenantId: ACME, secretId: created.secretId }))
		).rejects.toMatchObject({ code: 'TN002' });
		expect(
			await as(ADMIN, (trx) =>
				revealSecret(trx, config, { tenantId: ACME, secretId: created.secretId })
			)
		).toBe('sk_live_second');
		expect(
			await as(ADMIN, (trx) =>
				revealSecret(trx, config, { tenantId: ACME, secretId: created.secretId, version: 1 })
			)
		).toBe('sk_live_first');
		await expect(
			as(ADMIN, (trx) =>
				revealSecret(trx, config, { tenantId: ACME, secretId: created.secretId, version: 3 })
			)
		).rejects.toMatchObject({ code: 'TN321' });

		// A viewer and another tenant's owner are told it does not exist.
		for (const who of [VIEWER, GLOBEX_OWNER]) {
			await expect(
				as(who, (trx) => revealSecret(trx, config, { tenantId: ACME, secretId: created.secretId }))
			).rejects.toMatchObject({ code: 'TN310' });
			await expect(
				as(who, (trx) =>
					addSecretVersion(trx, config, {
						tenantId: ACME,
						secretId: created.secretId,
						value: 'x',
						format: 'opaque'
					})
				)
			).rejects.toMatchObject({ code: 'TN310' });
		}

		const audit = await q<{ action: string; actor_id: string; new_values: { version: number } }>(
			`select action, actor_id, new_values from public.audit_logs
			 where target_type = 'secrets' and target_id = $1 and action like 'secret.%' order by id`,
			[created.secretId]
		);
		expect(audit.map((a) => [a.action, a.actor_id, a.new_values.version])).toEqual([
			['secret.reveal', ADMIN.sub, 2],
			['secret.reveal', ADMIN.sub, 1]
		]);
		const events = await q<{ type: string; payload: Record<string, unknown> }>(
			`select type, payload from public.events where subject_type = 'secret' and subject_id = $1
			 order by occurred_at, id`,
			[created.secretId]
		);
		expect(events.map((e) => e.type)).toEqual([
			'secret.created',
			'secret.version_added',
			'secret.revealed',
			'secret.revealed'
		]);
		expect(JSON.stringify(events)).not.toContain('sk_live');
	});

	it('checks each format and records what it found, never the value', async () => {
		const exp = Math.floor(Date.parse('2030-01-02T03:04:05Z') / 1000);
		const { privateKey } = generateKeyPairSync('ed25519');
		const cases = [
			{ name: 'CONFIG_JSON', format: 'json' as const, value: '{"region":"eu"}', kind: 'object' },
			{ name: 'SERVICE_TOKEN', format: 'jwt' as const, value: jwt({ sub: 'svc', exp }) },
			{
				name: 'SIGNING_KEY',
				format: 'pem' as const,
				value: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
			}
		];
		for (const c of cases) {
			await as(OWNER, (trx) => createSecret(trx, config, { tenantId: ACME, ...c }));
		}
		const rows = await q<{
			name: string;
			metadata: Record<string, string>;
			expires_at: Date | null;
		}>(
			`select s.name, v.metadata, v.expires_at from public.secrets s
			 join public.secret_versions v on v.id = s.current_version_id
			 where s.tenant_id = $1 and s.name = any ($2) order by s.name`,
			[ACME, cases.map((c) => c.name)]
		);
		expect(rows).toEqual([
			{ name: 'CONFIG_JSON', metadata: { kind: 'object' }, expires_at: null },
			{
				name: 'SERVICE_TOKEN',
				metadata: { algorithm: 'HS256', subject: 'svc', expires_at: '2030-01-02T03:04:05.000Z' },
				expires_at: new Date('2030-01-02T03:04:05Z')
			},
			{
				name: 'SIGNING_KEY',
				metadata: { kind: 'private_key', algorithm: 'ed25519' },
				expires_at: null
			}
		]);

		for (const [format, value, words] of [
			['json', '{"region":', 'not valid JSON'],
			['jwt', 'not.a-jwt', 'not a JWT'],
			['pem', 'hello', 'not PEM'],
			['pem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', 'does not parse']
		] as const) {
			const refused = await as(OWNER, (trx) =>
				createSecret(trx, config, {
					tenantId: ACME,
					name: `BAD_${randomUUID().slice(0, 8)}`,
					format,
					value
				})
			).catch((error: unknown) => error);
			expect(refused).toBeInstanceOf(SecretFormatError);
			expect((refused as Error).message).toContain(words);
		}
		// Nothing half-written: no secret of a refused value exists.
		expect(await q(`select 1 from public.secrets where name like 'BAD\\_%'`)).toEqual([]);
	});

	it('refuses bad names, taken names and foreign projects in words (TN311, TN315, TN318)', async () => {
		const attempt = (name: string, projectId?: string) =>
			as(OWNER, (trx) =>
				createSecret(trx, config, { tenantId: ACME, name, format: 'opaque', value: 'v', projectId })
			).catch(code);
		expect(await attempt('.hidden')).toBe('TN311');
		expect(await attempt('stripe_api_key')).toBe('TN315');
		const [globexProject] = await q<{ id: string }>(
			`select id from public.projects where tenant_id = $1 limit 1`,
			[GLOBEX]
		);
		expect(await attempt('FOREIGN_PROJECT', globexProject!.id)).toBe('TN318');
	});

	it('lets the owner module use an owned secret and a system job use any; neither is a reveal', async () => {
		const endpoint = randomUUID();
		const owned = await as(DEV, (trx) =>
			createSecret(trx, config, {
				tenantId: ACME,
				name: 'signing_secret',
				format: 'opaque',
				value: 'whsec_owned',
				owner: { type: 'webhook_endpoint', id: endpoint }
			})
		);
		expect(
			await as(DEV, (trx) => useSecret(trx, config, { tenantId: ACME, secretId: owned.secretId }))
		).toBe('whsec_owned');
		expect(
			await runAsServiceRole(db, 'webhook.dispatch', (trx) =>
				useSecret(trx, config, { tenantId: ACME, secretId: owned.secretId })
			)
		).toBe('whsec_owned');
		// The tenant given must be the secret's.
		await expect(
			as(DEV, (trx) => useSecret(trx, config, { tenantId: GLOBEX, secretId: owned.secretId }))
		).rejects.toMatchObject({ code: 'TN310' });
		// A system job never reveals.
		await expect(
			runAsServiceRole(db, 'webhook.dispatch', (trx) =>
				revealSecret(trx, config, { tenantId: ACME, secretId: owned.secretId })
			)
		).rejects.toMatchObject({ code: 'TN001' });
		const uses = await q<{ action: string; actor_type: string; actor_job: string | null }>(
			`select action, actor_type::text, actor_job from public.audit_logs
			 where target_type = 'secrets' and target_id = $1 and action like 'secret.%' order by id`,
			[owned.secretId]
		);
		expect(uses).toEqual([
			{ action: 'secret.use', actor_type: 'user', actor_job: null },
			{ action: 'secret.use', actor_type: 'system', actor_job: 'webhook.dispatch' }
		]);
		// It goes with its owner.
		await q(`select private.delete_owned_secrets('webhook_endpoint', $1)`, [endpoint]);
		expect(await q(`select 1 from public.secrets where id = $1`, [owned.secretId])).toEqual([]);
		expect(
			await q(`select 1 from public.secret_data_keys where secret_id = $1`, [owned.secretId])
		).toEqual([]);
	});

	describe('binding: sealed material moved elsewhere does not open', () => {
		let a: { secretId: string; versionId: string };
		let b: { secretId: string; versionId: string };
		let foreign: { secretId: string; versionId: string };
		const reveal = (claims: typeof ADMIN, tenantId: string, secretId: string, version?: number) =>
			as(claims, (trx) => revealSecret(trx, config, { tenantId, secretId, version }));
		/** Writes as an attacker with the database: the append-only triggers switched off. */
		const tamper = (statement: string, params: unknown[]) =>
			t.engine.session(async (s) => {
				await s.exec(`set session_replication_role = replica`);
				try {
					await s.query(statement, params);
				} finally {
					await s.exec(`set session_replication_role = origin`);
				}
			});

		beforeAll(async () => {
			a = await as(OWNER, (trx) =>
				createSecret(trx, config, {
					tenantId: ACME,
					name: 'BIND_A',
					format: 'opaque',
					value: 'value-a'
				})
			);
			b = await as(OWNER, (trx) =>
				createSecret(trx, config, {
					tenantId: ACME,
					name: 'BIND_B',
					format: 'opaque',
					value: 'value-b'
				})
			);
			foreign = await as(GLOBEX_OWNER, (trx) =>
				createSecret(trx, config, {
					tenantId: GLOBEX,
					name: 'BIND_G',
					format: 'opaque',
					value: 'value-g'
				})
			);
			await as(OWNER, (trx) =>
				addSecretVersion(trx, config, { tenantId: ACME, secretId: a.secretId, value: 'value-a2' })
			);
		});

		// The tampered secrets go (their versions with them), so the rotation below sees sound keys only.
		afterAll(() => q(`delete from public.secrets where name like 'BIND\\_%'`));

		it('a ciphertext copied into another secret', async () => {
			await tamper(
				`update public.secret_versions set ciphertext = (select ciphertext from public.secret_versions where id = $1)
				 where id = $2`,
				[a.versionId, b.versionId]
			);
			await expect(reveal(OWNER, ACME, b.secretId)).rejects.toThrow(/does not open/);
		});

		it('a ciphertext and its data key copied into another secret', async () => {
			await tamper(
				`update public.secret_data_keys set wrapped_key = (
				   select k.wrapped_key from public.secret_data_keys k join public.secret_versions v on v.data_key_id = k.id
				   where v.id = $1)
				 where id = (select data_key_id from public.secret_versions where id = $2)`,
				[a.versionId, b.versionId]
			);
			await expect(reveal(OWNER, ACME, b.secretId)).rejects.toThrow(/does not open/);
		});

		it('a version pointed at another version of the same secret', async () => {
			await tamper(
				`update public.secret_versions set ciphertext = (select ciphertext from public.secret_versions where id = $1)
				 where secret_id = $2 and version = 2`,
				[a.versionId, a.secretId]
			);
			await expect(reveal(OWNER, ACME, a.secretId)).rejects.toThrow(/does not open/);
		});

		it('another tenant’s ciphertext and data key', async () => {
			await tamper(
				`update public.secret_versions set ciphertext = (select ciphertext from public.secret_versions where id = $1)
				 where id = $2`,
				[foreign.versionId, a.versionId]
			);
			await expect(reveal(OWNER, ACME, a.secretId, 1)).rejects.toThrow(/does not open/);
			expect(await reveal(GLOBEX_OWNER, GLOBEX, foreign.secretId)).toBe('value-g');
		});

		it('keeps versions as written (TN323) without the attacker’s switch', async () => {
			await expect(
				q(`update public.secret_versions set metadata = '{}' where id = $1`, [foreign.versionId])
			).rejects.toMatchObject({ code: 'TN323' });
			await expect(
				q(`delete from public.secret_versions where id = $1`, [foreign.versionId])
			).rejects.toMatchObject({
				code: 'TN323'
			});
		});
	});

	it('rotates the key-encryption key: data keys re-wrapped, values untouched, resumable and idempotent', async () => {
		const secret = await as(OWNER, (trx) =>
			createSecret(trx, config, {
				tenantId: ACME,
				name: 'ROTATED',
				format: 'opaque',
				value: 'survives rotation'
			})
		);
		const before = await q<{ id: string; ciphertext: string }>(
			`select id, ciphertext from public.secret_versions order by id`
		);
		const next = {
			...base,
			SECRETS_ENCRYPTION_KEY: key(),
			SECRETS_ENCRYPTION_KEY_PREVIOUS: config.SECRETS_ENCRYPTION_KEY
		};
		// Interrupted after the first page, then run again to the end, then once more.
		const partial = await rotateKeyEncryptionKey(db, next, { batch: 2, maxBatches: 1 });
		expect(partial.rewrapped).toBe(2);
		expect(partial.remaining).toBeGreaterThan(0);
		// Mid-rotation both keys open what they wrapped.
		expect(
			await as(ADMIN, (trx) =>
				revealSecret(trx, next, { tenantId: ACME, secretId: secret.secretId })
			)
		).toBe('survives rotation');
		const rest = await rotateKeyEncryptionKey(db, next, { batch: 2 });
		expect(rest.remaining).toBe(0);
		expect((await rotateKeyEncryptionKey(db, next, {})).rewrapped).toBe(0);

		const after = await q<{ id: string; ciphertext: string }>(
			`select id, ciphertext from public.secret_versions order by id`
		);
		expect(after).toEqual(before);
		// Only the new key is needed now, and the old one alone no longer opens anything.
		const newOnly = { ...base, SECRETS_ENCRYPTION_KEY: next.SECRETS_ENCRYPTION_KEY };
		expect(
			await as(ADMIN, (trx) =>
				revealSecret(trx, newOnly, { tenantId: ACME, secretId: secret.secretId })
			)
		).toBe('survives rotation');
		await expect(
			as(ADMIN, (trx) => revealSecret(trx, config, { tenantId: ACME, secretId: secret.secretId }))
		).rejects.toThrow(/another key/);
		const kek = await q<{ kek_id: string; n: number }>(
			`select kek_id, count(*)::int as n from public.secret_data_keys group by kek_id`
		);
		expect(kek).toHaveLength(1);
		// Later secrets in this file use the new key.
		config.SECRETS_ENCRYPTION_KEY = newOnly.SECRETS_ENCRYPTION_KEY;
	});

	it('a COPY of every table holds none of the plaintexts, nor any data key', async () => {
		const marker = `plain-${randomBytes(12).toString('hex')}`;
		await as(OWNER, (trx) =>
			createSecret(trx, config, {
				tenantId: ACME,
				name: 'DUMPED',
				format: 'json',
				value: JSON.stringify({ marker })
			})
		);
		const tables = await q<{ name: string }>(
			`select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
			 where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')`
		);
		expect(tables.length).toBeGreaterThan(40);
		let dump = '';
		for (const { name } of tables) {
			const rows = await q<{ row: string }>(`select t::text as row from ${name} t`);
			dump += rows.map((r) => r.row).join('\n');
		}
		expect(dump).toContain('DUMPED');
		for (const plaintext of [
			marker,
			'sk_live_first',
			'sk_live_second',
			'value-g',
			'survives rotation',
			'whsec_owned'
		]) {
			expect(dump).not.toContain(plaintext);
		}
		expect(dump).not.toContain(Buffer.from(marker).toString('base64'));
	});

	it('refuses garbage where sealed material belongs (TN314) and a malformed re-wrap (TN324)', async () => {
		const refused = await as(OWNER, (trx) =>
			sql`select public.create_secret(${ACME}::uuid, null, 'RAW', 'opaque', '', null, null, ${randomUUID()}::uuid,
				${randomUUID()}::uuid, ${randomUUID()}::uuid, 'plaintext', 'plaintext', '{}'::jsonb)`.execute(trx)
		).catch(code);
		expect(refused).toBe('TN314');
		const rewrap = await runAsServiceRole(db, 'secrets.rotate_key', (trx) =>
			sql`select public.rewrap_secret_data_key(${randomUUID()}::uuid, 'x', 'plaintext')`.execute(
				trx
			)
		).catch(code);
		expect(rewrap).toBe('TN324');
	});
});
