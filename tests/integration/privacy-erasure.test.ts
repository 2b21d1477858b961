/**
 * Erasure end to end, on the embedded database (served on the wire) and on Postgres 15 when
 * TEST_DATABASE_URL is set: a person with a name, an email and an address of her own edits her
 * profile, consents and asks for erasure through the module's queries, under her claims and from
 * her address; the organisation's owner starts it; the real privacy.erase queue handler runs it.
 * Afterwards a dump of the whole database and a fresh export contain neither her name, nor her
 * email, nor her IP, and every audit chain still verifies. The dump is `pg_dump` (schema and data)
 * on Postgres; the embedded database is Postgres 18, which pg_dump 15 refuses, so there it is
 * every row of every table as text (what a data-only dump holds), read through the engine.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/server/platform/config';
import type { DB } from '../../src/lib/server/platform/database';
import { runAsServiceRole, runWithClaims } from '../../src/lib/server/platform/rls';
import '../../src/lib/server/privacy/jobs';
import {
	advanceRequest,
	createRequest,
	listTenantRequests,
	recordConsent,
	verifyRequest
} from '../../src/lib/server/privacy/queries';
import { registeredQueues } from '../../src/lib/server/queue/registry';
import { createWorker } from '../../src/lib/server/queue/worker';
import { seed } from '../../src/lib/server/platform/migrate';
import { migrated } from '../support/database';
import { embeddedFactory, serverFactory, serverUrl } from './engines';

const run = promisify(execFile);
const ACME = 'b0000000-0000-4000-8000-000000000001';
const OWNER = 'a0000000-0000-4000-8000-000000000011';
const NEWSLETTER = 'e3900000-0000-4000-8000-000000000001';
const ZELDA = '0e1da000-0000-4000-8000-000000000001';
const NAME = 'Zelda Quistorp';
const EMAIL = 'zelda.quist@example.test';
const IP = '198.51.100.23';
const HER_REQUEST = { clientIp: IP, headers: { 'user-agent': 'ZeldaBrowser/1.0' } };

interface Target {
	db: Kysely<DB>;
	/** A connection URL pg_dump can use (Postgres only). */
	url?: string;
	close(): Promise<void>;
}

async function embedded(): Promise<Target> {
	const t = await migrated(embeddedFactory);
	await seed(t.engine, { file: 'supabase/seed.sql', owner: t.owner });
	return { db: t.engine.db, close: () => t.dispose() };
}

async function server(): Promise<Target> {
	const t = await migrated(() => serverFactory());
	await seed(t.engine, { file: 'supabase/seed.sql', owner: t.owner });
	return { db: t.engine.db, url: t.url!, close: () => t.dispose() };
}

const targets: [string, () => Promise<Target>][] = [
	['embedded', embedded],
	...(serverUrl ? ([['Postgres', server]] as [string, () => Promise<Target>][]) : [])
];

async function dump(target: Target): Promise<string> {
	if (target.url) {
		const { stdout } = await run('pg_dump', ['--no-owner', '--no-privileges', target.url], {
			maxBuffer: 512 * 1024 * 1024
		});
		return stdout;
	}
	const { rows: tables } = await sql<{ name: string }>`
		select c.oid::regclass::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
		order by 1`.execute(target.db);
	const parts: string[] = [];
	for (const { name } of tables) {
		const { rows } = await sql<{ r: string }>`select t::text as r from ${sql.raw(name)} t`.execute(
			target.db
		);
		parts.push(`-- ${name}`, ...rows.map((row) => row.r));
	}
	return parts.join('\n');
}

describe.each(targets)('erasure (%s)', (_name, open) => {
	let target: Target;
	const zelda = { sub: ZELDA, role: 'authenticated' as const, email: EMAIL };
	const owner = { sub: OWNER, role: 'authenticated' as const, email: 'owner@acme.test' };

	beforeAll(async () => {
		target = await open();
		await sql`insert into auth.users (id, aud, role, email, email_confirmed_at, raw_user_meta_data, created_at, updated_at)
			values (${ZELDA}, 'authenticated', 'authenticated', ${EMAIL}, now(), '{"full_name":"Zelda"}', now(), now())`.execute(
			target.db
		);
		await sql`insert into public.memberships (tenant_id, user_id) values (${ACME}, ${ZELDA})`.execute(
			target.db
		);
	}, 180_000);

	afterAll(async () => {
		await target?.close();
	});

	it('before: her name, email and address are in the database', async () => {
		const token = await runWithClaims(
			target.db,
			zelda,
			async (trx) => {
				await trx
					.updateTable('profiles')
					.set({ full_name: NAME })
					.where('id', '=', ZELDA)
					.execute();
				await recordConsent(trx, ACME, {
					purposeId: NEWSLETTER,
					subjectType: 'member',
					subjectId: ZELDA,
					granted: true,
					source: 'page'
				});
				return (await createRequest(trx, { tenantId: ACME, kind: 'erasure', details: 'Forget me' }))
					.token;
			},
			HER_REQUEST
		);
		await runWithClaims(target.db, zelda, (trx) => verifyRequest(trx, token!), HER_REQUEST);
		const text = await dump(target);
		expect(text).toContain(EMAIL);
		expect(text).toContain(NAME);
		expect(text).toContain(IP);
	}, 120_000);

	it('the owner starts the erasure and the privacy.erase job carries it out', async () => {
		const request = await runWithClaims(target.db, owner, async (trx) => {
			const found = (await listTenantRequests(trx, ACME)).find((r) => r.subjectUserId === ZELDA)!;
			expect(found).toMatchObject({ kind: 'erasure', state: 'verified', subject: NAME });
			await advanceRequest(trx, found.id, 'in_progress', null);
			return found.id;
		});
		const worker = createWorker({
			db: target.db,
			config: loadConfig({ NODE_ENV: 'test' }),
			queues: registeredQueues().filter((q) => q.name === 'privacy.erase')
		});
		await worker.tick();
		for (let i = 0; i < 600 && worker.running > 0; i++) await new Promise((r) => setTimeout(r, 50));
		await worker.stop();
		const { rows } = await sql<{
			status: string;
			result: { outcome: Record<string, number>; vacuumed: string[] };
		}>`select status, result from public.jobs where queue = 'privacy.erase'`.execute(target.db);
		expect(rows).toHaveLength(1);
		expect(rows[0]!.status).toBe('succeeded');
		expect(rows[0]!.result.outcome['public.audit_logs']).toBeGreaterThan(0);
		expect(rows[0]!.result.vacuumed).toContain('public.audit_logs');
		const after = await runWithClaims(target.db, owner, async (trx) =>
			(await listTenantRequests(trx, ACME)).find((r) => r.id === request)
		);
		expect(after).toMatchObject({ state: 'completed', subject: 'a deleted member' });
	}, 120_000);

	it('after: a dump and a fresh export hold none of it, and every chain verifies', async () => {
		const text = await dump(target);
		expect(text.length).toBeGreaterThan(100_000);
		expect(text.toLowerCase()).not.toContain(EMAIL);
		expect(text).not.toContain(NAME);
		expect(text).not.toContain(IP);
		expect(text).not.toContain('ZeldaBrowser');
		expect(text).toContain('a deleted member');

		const { exported, chains } = await runAsServiceRole(target.db, 'privacy.erase', async (trx) => {
			await sql`select private.seal_audit_chain()`.execute(trx);
			const exported = await sql<{
				e: unknown;
			}>`select private.subject_export(${ZELDA}::uuid) as e`.execute(trx);
			const chains = await sql<{ chain: string | null; problem: string | null; unsealed: number }>`
				select c.tenant_id as chain, v.problem, v.unsealed_rows::int as unsealed
				from (select distinct tenant_id from public.audit_logs) c,
				     lateral public.verify_audit_chain(c.tenant_id) v`.execute(trx);
			return { exported: JSON.stringify(exported.rows[0]!.e), chains: chains.rows };
		});
		expect(exported).not.toMatch(/zelda|198\.51\.100\.23/i);
		expect(chains.length).toBeGreaterThan(3);
		expect(chains.filter((c) => c.problem !== null || c.unsealed > 0)).toEqual([]);
	}, 120_000);
});
