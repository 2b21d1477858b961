import { requireRole } from '$lib/server/admin/guard';
import {
	databaseHealth,
	HEALTH_WINDOWS,
	memoryListPage,
	metricsHealth,
	routeRows,
	type RouteRow,
	type SecurityEvent
} from '$lib/server/admin/health';
import { withClaims } from '$lib/server/platform/db';
import { ensureRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

/**
 * System health (super_admin): /metrics' figures from the same source — this process's requests
 * by route, the job queues, mail and webhook backlogs and the pool — plus storage use, failed
 * payments and security events over the chosen window (public.admin_system_health, TN061 for
 * anyone else).
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	requireRole((await parent()).holds, 'super_admin');
	const asked = Number(url.searchParams.get('hours') ?? 24);
	const hours = (HEALTH_WINDOWS as readonly number[]).includes(asked) ? asked : 24;
	const database = await withClaims(locals.claims, (trx) => databaseHealth(trx, hours));
	const metrics = await metricsHealth((await ensureRuntime()).engine);
	const events: SecurityEvent[] = database.events.map((e, i) => ({ ...e, id: `${i}` }));
	return {
		hours,
		uptimeSeconds: process.uptime(),
		metrics,
		database: { ...database, events: undefined },
		routes: memoryListPage<RouteRow>(routeRows(process.uptime()), url.searchParams, {
			prefix: 'routes',
			sorts: {
				route: (r) => r.route,
				requests: (r) => r.requests,
				errors: (r) => r.errors,
				mean: (r) => r.meanSeconds,
				p95: (r) => r.p95Seconds ?? Infinity
			},
			defaultSort: 'requests',
			defaultDir: 'desc',
			search: (r) => `${r.method} ${r.route}`
		}),
		events: memoryListPage(events, url.searchParams, {
			prefix: 'events',
			sorts: { at: (e) => e.at, kind: (e) => e.kind },
			defaultSort: 'at',
			defaultDir: 'desc',
			search: (e) => [e.kind, e.tenant, e.subject, e.address, e.detail].join(' ')
		})
	};
};
