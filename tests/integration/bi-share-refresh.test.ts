/**
 * Shared dashboards refreshed on a schedule (issue 18 §6, docs/bi.md#sharing) on both engines: the
 * bi.share_refresh job recomputes a link's snapshot as its sharer — their rights, not the service
 * role's (a widget the sharer may not see stays refused in the link, though the owner sees it) —
 * and stops, keeping the last snapshot and saying why, when the sharer left the tenant or may no
 * longer manage dashboards (the shared page reads why). The tick queues only the links due. And
 * the domain events of dashboards, their links and saved queries, each payload parsed by the catalogue.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/lib/server/platform/database';
import { runAsServiceRole, runWithClaims } from '../../src/lib/server/platform/rls';
import {
	addWidget,
	createShare,
	dashboardData,
	getDashboard,
	readShare,
	revokeShare,
	takeSnapshot,
	type ShareSnapshot
} from '../../src/lib/server/bi/queries';
import {
	SHARER_LEFT,
	SHARER_LOST_RIGHTS,
	enqueueDueShares,
	refreshShare,
	type ShareRunner
} from '../../src/lib/server/bi/share-refresh';
import { parsePayload } from '../../src/lib/server/events/catalogue';
import { myPermissions } from '../../src/lib/server/tenancy/tenants';
import type { WidgetData } from '../../src/lib/bi/data';
import { seeded } from '../support/database';
import { embeddedFactory, serverFactory, serverUrl, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const ADA_OWNER = 'a0000000-0000-4000-8000-000000000011';
const ALAN_ADMIN = 'a0000000-0000-4000-8000-000000000012';
const GRACE_DEVELOPER = 'a0000000-0000-4000-8000-000000000013';
const HOUR = 3_600_000;

function runnerFor(db: Kysely<DB>): ShareRunner {
	return {
		asSystem: (job, fn) => runAsServiceRole(db, job, fn),
		asUser: (claims, fn) => runWithClaims(db, claims, fn)
	};
}

const as = <T>(db: Kysely<DB>, sub: string, fn: Parameters<typeof runWithClaims<T>>[2]) =>
	runWithClaims(db, { sub, role: 'authenticated' }, fn);

/** A dashboard of two live panels (members and projects; billing) and a link to it, both by `sub`. */
async function shareAs(
	db: Kysely<DB>,
	sub: string,
	refresh: 1 | 6 | null
): Promise<{ id: string; token: string }> {
	return as(db, sub, async (trx) => {
		const { rows } = await sql<{ id: string }>`
			insert into public.dashboards (tenant_id, name) values (${ACME}, ${`Shared by ${sub.slice(-2)}`})
			returning id`.execute(trx);
		const dashboardId = rows[0]!.id;
		await addWidget(trx, ACME, dashboardId, {
			kind: 'table',
			title: 'Organisation',
			metric: 'organisation'
		});
		await addWidget(trx, ACME, dashboardId, {
			kind: 'table',
			title: 'Billing',
			metric: 'billing_status'
		});
		const found = (await getDashboard(trx, ACME, dashboardId))!;
		const permissions = await myPermissions(trx, ACME);
		const snapshot = await takeSnapshot(trx, found, {
			tenantId: ACME,
			viewer: sub,
			range: found.dashboard.timeRange,
			permissions
		});
		const token = await createShare(trx, ACME, dashboardId, snapshot, [], refresh);
		const { rows: shares } = await sql<{ id: string }>`
			select id from public.dashboard_shares where dashboard_id = ${dashboardId}::uuid`.execute(trx);
		return { id: shares[0]!.id, token };
	});
}

async function shareRow(db: Kysely<DB>, id: string) {
	const { rows } = await sql<{
		snapshot: ShareSnapshot;
		snapshot_at: Date;
		next_refresh_at: Date | null;
		refresh_stopped_reason: string | null;
	}>`select snapshot, snapshot_at, next_refresh_at, refresh_stopped_reason from public.dashboard_shares
		where id = ${id}::uuid`.execute(db);
	return rows[0]!;
}

const widget = (snapshot: ShareSnapshot, title: string): WidgetData =>
	snapshot.widgets.find((w) => w.title === title)!.data;

const members = (data: WidgetData) =>
	data.type === 'figures' ? data.items.find((i) => i.label === 'Members')!.value : 'not figures';

function refreshTests(name: string, open: () => Promise<TestEngine>) {
	describe(`shared dashboards refreshed on ${name}`, () => {
		let t: TestEngine;
		let db: Kysely<DB>;
		let runner: ShareRunner;
		beforeAll(async () => {
			t = await seeded(open);
			db = t.engine.db;
			runner = runnerFor(db);
		}, 120_000);
		afterAll(() => t?.dispose());

		it('refreshes as the sharer, and stops when the sharer leaves or loses the right', async () => {
			const grace = (await shareAs(db, GRACE_DEVELOPER, 1)).id;
			const alanShare = await shareAs(db, ALAN_ADMIN, 1);
			const alan = alanShare.id;
			const frozen = (await shareAs(db, GRACE_DEVELOPER, null)).id;
			const first = await shareRow(db, grace);
			const before = members(widget(first.snapshot, 'Organisation'));
			expect(typeof before).toBe('number');
			expect(first.next_refresh_at!.getTime()).toBe(first.snapshot_at.getTime() + HOUR);

			const due = new Date(first.snapshot_at.getTime() + HOUR + 60_000);
			expect(await enqueueDueShares(db, new Date(due.getTime() - 2 * 60_000))).toBe(0);
			expect(await enqueueDueShares(db, due)).toBe(2);
			expect(await refreshShare(runner, frozen, due)).toBe('not_due');

			// Alan leaves the organisation: one member fewer, and his link stops.
			await sql`delete from public.role_assignments where tenant_id = ${ACME} and user_id = ${ALAN_ADMIN}`.execute(
				db
			);
			await sql`delete from public.memberships where tenant_id = ${ACME} and user_id = ${ALAN_ADMIN}`.execute(
				db
			);

			expect(await refreshShare(runner, grace, due)).toBe('refreshed');
			const refreshed = await shareRow(db, grace);
			expect(refreshed.snapshot_at.toISOString()).toBe(due.toISOString());
			expect(refreshed.snapshot.takenAt).toBe(due.toISOString());
			expect(members(widget(refreshed.snapshot, 'Organisation'))).toBe((before as number) - 1);
			// Grace (developer) may not read billing: her link shows the refusal, though the owner sees it.
			expect(widget(refreshed.snapshot, 'Billing')).toMatchObject({ type: 'denied' });
			const ownerView = await as(db, ADA_OWNER, async (trx) => {
				const found = (await getDashboard(trx, ACME, await dashboardOf(trx, grace)))!;
				return dashboardData(trx, found.widgets, {
					tenantId: ACME,
					viewer: ADA_OWNER,
					range: found.dashboard.timeRange,
					permissions: await myPermissions(trx, ACME)
				});
			});
			expect(Object.values(ownerView).map((d) => d.type)).toContain('text');
			expect(refreshed.next_refresh_at!.getTime()).toBe(due.getTime() + HOUR);

			const alanBefore = await shareRow(db, alan);
			expect(await refreshShare(runner, alan, due)).toBe('stopped');
			const stopped = await shareRow(db, alan);
			expect(stopped.refresh_stopped_reason).toBe(SHARER_LEFT);
			expect(stopped.next_refresh_at).toBeNull();
			expect(stopped.snapshot).toEqual(alanBefore.snapshot);
			// The shared page reads when it was taken and why it no longer refreshes.
			const page = await runAsServiceRole(db, 'bi.share', (trx) => readShare(trx, alanShare.token));
			expect(page?.snapshotAt).toBe(alanBefore.snapshot_at.toISOString());
			expect(page?.refresh).toMatchObject({ hours: 1, stoppedReason: SHARER_LEFT });
			expect(page?.refresh.stoppedAt).not.toBeNull();

			// Grace becomes a viewer: no dashboards.manage, so her link stops at its next refresh.
			await sql`update public.role_assignments set role_id =
					(select id from public.roles where tenant_id is null and key = 'viewer')
				where tenant_id = ${ACME} and user_id = ${GRACE_DEVELOPER} and project_id is null`.execute(db);
			const later = new Date(due.getTime() + HOUR);
			expect(await refreshShare(runner, grace, later)).toBe('stopped');
			const lost = await shareRow(db, grace);
			expect(lost.refresh_stopped_reason).toBe(SHARER_LOST_RIGHTS);
			expect(lost.snapshot).toEqual(refreshed.snapshot);
			expect(await enqueueDueShares(db, new Date(later.getTime() + 24 * HOUR))).toBe(0);
			expect(await refreshShare(runner, grace, later)).toBe('not_due');
		});

		it('publishes the dashboards, links and saved queries events, each payload parsing', async () => {
			const share = await shareAs(db, ADA_OWNER, 6);
			await as(db, ADA_OWNER, async (trx) => {
				await revokeShare(trx, ACME, share.id);
				const dashboardId = await dashboardOf(trx, share.id);
				await sql`update public.dashboards set name = 'Renamed', time_range = '7d' where id = ${dashboardId}::uuid`.execute(
					trx
				);
				await sql`delete from public.dashboards where id = ${dashboardId}::uuid`.execute(trx);
				const { rows } = await sql<{ id: string }>`
					insert into public.saved_queries (tenant_id, name, sql) values (${ACME}, 'Calls', 'select 1 as one')
					returning id`.execute(trx);
				await sql`update public.saved_queries set description = 'Ones' where id = ${rows[0]!.id}::uuid`.execute(
					trx
				);
				await sql`delete from public.saved_queries where id = ${rows[0]!.id}::uuid`.execute(trx);
			});
			const { rows } = await sql<{ type: string; payload: unknown }>`
				select type, payload from public.events
				where tenant_id = ${ACME} and (type like 'dashboard.%' or type like 'saved_query.%')
				order by occurred_at, id`.execute(db);
			for (const row of rows) {
				const parsed = parsePayload(row.type, row.payload);
				expect(parsed.success, `${row.type}: ${parsed.success ? '' : parsed.error}`).toBe(true);
			}
			const types = new Set(rows.map((r) => r.type));
			for (const type of [
				'dashboard.created',
				'dashboard.updated',
				'dashboard.deleted',
				'dashboard.shared',
				'dashboard.share_revoked',
				'saved_query.created',
				'saved_query.updated',
				'saved_query.deleted'
			])
				expect(types, type).toContain(type);
			const shared = rows.find(
				(r) =>
					r.type === 'dashboard.shared' && (r.payload as { share_id: string }).share_id === share.id
			);
			expect(shared?.payload).toEqual({
				share_id: share.id,
				allowed_origins: [],
				refresh_hours: 6
			});
			expect(JSON.stringify(rows)).not.toContain(share.token);
		});
	});
}

async function dashboardOf(trx: Parameters<typeof myPermissions>[0], shareId: string) {
	const { rows } = await sql<{ dashboard_id: string }>`
		select dashboard_id from public.dashboard_shares where id = ${shareId}::uuid`.execute(trx);
	return rows[0]!.dashboard_id;
}

refreshTests('the embedded engine', embeddedFactory);
if (serverUrl) refreshTests('Postgres 15', () => serverFactory());
