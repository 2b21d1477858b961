import { sql, type Kysely, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditFilterSchema, type AuditFilter } from '../../src/lib/server/audit/schemas';
import {
	auditChainStatus,
	exportBatch,
	listAuditLog,
	type AuditRow
} from '../../src/lib/server/audit/queries';
import type { DB } from '../../src/lib/server/platform/database';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const ACME = { id: 'b0000000-0000-4000-8000-000000000001', timezone: 'UTC' };
const OWNER = 'a0000000-0000-4000-8000-000000000011';
const DEV = 'a0000000-0000-4000-8000-000000000013';
const GLOBEX_OWNER = 'a0000000-0000-4000-8000-000000000021';

const filter = (input: Record<string, string> = {}): AuditFilter => auditFilterSchema.parse(input);

describe.each(engineFactories)('audit page queries on %s', (_name, factory) => {
	let t: TestEngine;
	let db: Kysely<DB>;
	let total: number;

	const as = <T>(sub: string, fn: (trx: Transaction<DB>) => Promise<T>) =>
		runWithClaims(db, { sub, role: 'authenticated', aal: 'aal1' }, fn);

	beforeAll(async () => {
		t = await seeded(factory);
		db = t.engine.db;
		total = Number(
			(
				await sql<{ n: string }>`select count(*) as n from public.audit_logs
				   where tenant_id = ${ACME.id}`.execute(db)
			).rows[0]!.n
		);
	});
	afterAll(() => t.dispose());

	it('pages through the whole log with the keyset, each row once, newest first, and back', async () => {
		expect(total).toBeGreaterThan(120);
		const seen: AuditRow[] = [];
		const pages: AuditRow[][] = [];
		let before: { at: string; id: string } | undefined;
		for (;;) {
			const page = await as(OWNER, (trx) =>
				listAuditLog(trx, ACME, filter(), { before, limit: 25 })
			);
			expect(page.hasNewer).toBe(before !== undefined);
			pages.push(page.rows);
			seen.push(...page.rows);
			if (!page.hasOlder) break;
			const last = page.rows.at(-1)!;
			before = { at: last.at, id: last.id };
		}
		expect(seen).toHaveLength(total);
		expect(new Set(seen.map((r) => r.id)).size).toBe(total);
		const keys = seen.map((r) => `${r.at}|${r.id.padStart(19, '0')}`);
		expect([...keys].sort().reverse()).toEqual(keys);

		// "Newer" from the second page is the first page again.
		const firstOfSecond = pages[1]![0]!;
		const back = await as(OWNER, (trx) =>
			listAuditLog(trx, ACME, filter(), {
				after: { at: firstOfSecond.at, id: firstOfSecond.id },
				limit: 25
			})
		);
		expect(back.rows.map((r) => r.id)).toEqual(pages[0]!.map((r) => r.id));
		expect(back.hasNewer).toBe(false);
		expect(back.hasOlder).toBe(true);
	});

	it('filters by actor address, action prefix, target and day, taken literally', async () => {
		const list = (input: Record<string, string>) =>
			as(OWNER, (trx) => listAuditLog(trx, ACME, filter(input), { limit: 500 }));

		const byDev = await list({ actor: 'DEV@acme' });
		expect(byDev.rows.length).toBeGreaterThan(0);
		expect(byDev.rows.every((r) => r.actorId === DEV && r.actorEmail === 'dev@acme.test')).toBe(
			true
		);

		const teams = await list({ action: 'teams.' });
		expect(new Set(teams.rows.map((r) => r.action))).toEqual(
			new Set(['teams.insert', 'teams.update', 'teams.delete'])
		);
		expect((await list({ action: 'teams.delete' })).rows).toHaveLength(10);
		// LIKE's wildcards are plain characters in a filter.
		expect((await list({ action: 'teams%' })).rows).toHaveLength(0);
		expect((await list({ actor: '_' })).rows).toHaveLength(0);

		const web = await list({
			target_type: 'projects',
			target_id: 'e0000000-0000-4000-8000-000000000001'
		});
		expect(web.rows.filter((r) => r.action === 'projects.update')).toHaveLength(40);
		expect(web.rows.every((r) => r.targetId === 'e0000000-0000-4000-8000-000000000001')).toBe(true);

		expect((await list({ to: '2000-01-01' })).rows).toHaveLength(0);
		// A day is a day of the tenant's zone: the same row falls on one date in Pago Pago (UTC−11)
		// and maybe another in UTC.
		const row = web.rows[0]!;
		const day = (timeZone: string) =>
			new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short' }).format(row.createdAt);
		const inZone = (timezone: string, date: string) =>
			as(OWNER, (trx) =>
				listAuditLog(trx, { ...ACME, timezone }, filter({ from: date, to: date }), { limit: 1000 })
			).then((page) => page.rows.some((r) => r.id === row.id));
		expect(await inZone('Pacific/Pago_Pago', day('Pacific/Pago_Pago'))).toBe(true);
		expect(await inZone('UTC', day('UTC'))).toBe(true);
		expect(await inZone('UTC', day('Pacific/Pago_Pago'))).toBe(
			day('UTC') === day('Pacific/Pago_Pago')
		);
	});

	it('shows nothing to a member without audit.read or to another tenant, and exports in batches', async () => {
		expect((await as(DEV, (trx) => listAuditLog(trx, ACME, filter()))).rows).toHaveLength(0);
		expect((await as(GLOBEX_OWNER, (trx) => listAuditLog(trx, ACME, filter()))).rows).toHaveLength(
			0
		);
		await expect(as(DEV, (trx) => auditChainStatus(trx, ACME.id))).rejects.toMatchObject({
			code: 'TN002'
		});

		const exported: AuditRow[] = [];
		let after: { at: string; id: string } | null = null;
		for (;;) {
			const batch: AuditRow[] = await as(OWNER, (trx) =>
				exportBatch(trx, ACME, filter(), after, 40)
			);
			exported.push(...batch);
			if (batch.length < 40) break;
			after = { at: batch.at(-1)!.at, id: batch.at(-1)!.id };
		}
		expect(exported).toHaveLength(total);
		expect(new Set(exported.map((r) => r.id)).size).toBe(total);

		const status = await as(OWNER, (trx) => auditChainStatus(trx, ACME.id));
		expect(status.verified).toBe(true);
		expect(status.sealedRows + status.unsealedRows).toBe(total);
	});
});
