/**
 * The widget cache (docs/bi.md#dashboards-and-widgets): a dashboard reopened within the minute
 * reads its metric and query widgets from the cache — and the key (tenant, person, their
 * permissions, widget, query version, time range) lets nobody read what another's rights computed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	addWidget,
	clearWidgetCache,
	createDashboard,
	createSavedQuery,
	dashboardData,
	getDashboard,
	type Widget
} from '../../src/lib/server/bi/queries';
import type { TimeRange } from '../../src/lib/bi/metrics';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { myPermissions } from '../../src/lib/server/tenancy/tenants';
import { seeded } from '../support/database';
import { embeddedFactory, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const OWNER = 'a0000000-0000-4000-8000-000000000011';
const ADMIN = 'a0000000-0000-4000-8000-000000000012';
const DEV = 'a0000000-0000-4000-8000-000000000013';
const GLOBEX_OWNER = 'a0000000-0000-4000-8000-000000000021';

describe('the widget cache', () => {
	let t: TestEngine;
	let widgets: Widget[];
	beforeAll(async () => {
		t = await seeded(embeddedFactory);
		widgets = await runWithClaims(
			t.engine.db,
			{ sub: OWNER, role: 'authenticated' },
			async (trx) => {
				const dashboard = await createDashboard(trx, ACME, { name: 'Cache', timeRange: '30d' });
				const query = await createSavedQuery(trx, ACME, {
					name: 'Events',
					mode: 'sql',
					sql: 'select count(*) as events, sum(quantity) as total from usage_events',
					parameters: []
				});
				await addWidget(trx, ACME, dashboard, {
					kind: 'kpi',
					title: 'Events',
					savedQueryId: query
				});
				return (await getDashboard(trx, ACME, dashboard))!.widgets;
			}
		);
	});
	afterAll(() => t.dispose());

	/** The widget's first figure as `user` sees it, with their permissions (or those given). */
	const events = (user: string, range: TimeRange = '30d', permissions?: string[]) =>
		runWithClaims(t.engine.db, { sub: user, role: 'authenticated' }, async (trx) => {
			const data = await dashboardData(trx, widgets, {
				tenantId: ACME,
				viewer: user,
				range,
				permissions: permissions ?? (await myPermissions(trx, ACME))
			});
			return data[widgets[0]!.id]!;
		});

	const plant = (n: number) =>
		t.engine.session((s) =>
			s.query(
				`insert into public.usage_events (tenant_id, metric, quantity, idempotency_key)
				 select $1, 'api_calls', 1, 'cache-' || gen_random_uuid() from generate_series(1, $2)`,
				[ACME, n]
			)
		);

	it('answers from the cache within the minute, and only for the same person, rights and range', async () => {
		clearWidgetCache();
		const first = await events(OWNER);
		expect(first.type).toBe('kpi');
		const before = first.type === 'kpi' ? first.value : NaN;
		expect(before).toBeGreaterThan(0);

		await plant(5);
		expect(await events(OWNER)).toEqual(first);

		const otherRange = await events(OWNER, '7d');
		expect(otherRange.type === 'kpi' && otherRange.value).toBe(before + 5);

		const admin = await events(ADMIN);
		expect(admin.type === 'kpi' && admin.value).toBe(before + 5);

		const owned = await runWithClaims(t.engine.db, { sub: OWNER, role: 'authenticated' }, (trx) =>
			myPermissions(trx, ACME)
		);
		const fewer = await events(
			OWNER,
			'30d',
			owned.filter((p) => p !== 'billing.read')
		);
		expect(fewer.type === 'kpi' && fewer.value).toBe(before + 5);
	});

	it("never hands one person's result to someone whose rights differ", async () => {
		clearWidgetCache();
		const owner = await events(OWNER);
		expect(owner.type === 'kpi' && owner.value).toBeGreaterThan(0);

		// Dev, made a reader of boards only (dashboards.read, not usage.read), runs the same widget.
		await t.engine.session((s) =>
			s.exec(`
				with role as (
					insert into public.roles (tenant_id, key, name) values ('${ACME}', 'board_reader', 'Board reader') returning id
				), granted as (
					insert into public.role_permissions (role_id, permission_code, tenant_id)
					select id, 'dashboards.read', '${ACME}' from role
				), dropped as (
					delete from public.role_assignments where tenant_id = '${ACME}' and user_id = '${DEV}'
				)
				insert into public.role_assignments (tenant_id, user_id, role_id) select '${ACME}', '${DEV}', id from role`)
		);
		const devPermissions = await runWithClaims(
			t.engine.db,
			{ sub: DEV, role: 'authenticated' },
			(trx) => myPermissions(trx, ACME)
		);
		expect(devPermissions).toEqual(['dashboards.read']);
		const dev = await events(DEV);
		expect(dev).toEqual({ type: 'kpi', value: 0, previous: 0, unit: 'count' });

		// A person of another tenant, handed acme's widget, neither hits the owner's entry nor reads the query.
		const foreign = await events(GLOBEX_OWNER, '30d', ['dashboards.read', 'usage.read']);
		expect(foreign).toEqual({ type: 'error', message: 'The saved query is gone.' });

		// The owner again: still the cached figure, the others' answers changed nothing.
		expect(await events(OWNER)).toEqual(owner);
		const count = await t.engine.session((s) =>
			s.query<{ n: string }>(
				`select count(*)::text as n from public.usage_events where tenant_id = $1`,
				[ACME]
			)
		);
		expect(owner.type === 'kpi' && owner.value).toBe(Number(count[0]!.n));
	});
});
