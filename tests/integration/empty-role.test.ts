/**
 * Issue 9 §5: a role with no permissions was accepted. SQL refuses it when the transaction commits
 * (TN039, deferred constraint triggers); this proves the refusal reaches the app through the
 * request transaction — as a rejected commit, rolled back — and that the page words it.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/lib/server/platform/database';
import { describeDbError } from '../../src/lib/server/platform/errors';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';

describe.each(engineFactories)('an empty custom role on %s', (_name, factory) => {
	let t: TestEngine;
	let db: Kysely<DB>;

	beforeAll(async () => {
		t = await seeded(factory);
		db = t.engine.db;
	});
	afterAll(() => t.dispose());

	const rolesNamed = async (name: string) =>
		(await db.selectFrom('roles').select('id').where('name', '=', name).execute()).length;

	it('is refused at commit with TN039, worded on the permissions, and nothing is kept', async () => {
		const refusal = await db
			.transaction()
			.execute((trx) =>
				trx
					.insertInto('roles')
					.values({ tenant_id: ACME, key: 'empty_role', name: 'Empty role' })
					.execute()
			)
			.catch((e: unknown) => e);
		expect((refusal as { code?: string }).code).toBe('TN039');
		expect(describeDbError(refusal)).toEqual({
			field: 'permissions',
			message: 'Tick at least one permission: a role that grants nothing is no role.'
		});
		expect(await rolesNamed('Empty role')).toBe(0);
	});

	it('passes when its permissions follow in later statements of the same transaction', async () => {
		await db.transaction().execute(async (trx) => {
			const { id } = await trx
				.insertInto('roles')
				.values({ tenant_id: ACME, key: 'later_role', name: 'Later role' })
				.returning('id')
				.executeTakeFirstOrThrow();
			await trx
				.insertInto('role_permissions')
				.values({ role_id: id, permission_code: 'audit.read', tenant_id: ACME })
				.execute();
		});
		expect(await rolesNamed('Later role')).toBe(1);
		const emptied = await db
			.transaction()
			.execute((trx) =>
				sql`delete from public.role_permissions
				     where role_id = (select id from public.roles where key = 'later_role')`.execute(trx)
			)
			.catch((e: unknown) => e);
		expect((emptied as { code?: string }).code).toBe('TN039');
	});
});
