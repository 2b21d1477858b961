/**
 * The Prometheus metrics of /metrics, in the text exposition format (version 0.0.4), written here
 * rather than through a client library: request counts and latency histograms by method and route
 * id, recorded by hooks.server.ts; and, read from the database at each scrape, the job queues'
 * depth and oldest due job per queue, the mail and webhook backlogs and the database pool's use.
 * Label values are escaped (backslash, double quote, newline); metric and label names are fixed.
 */
import type { Engine } from '../engine';

/** Seconds: the latency histogram's upper bounds (+Inf is added). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

type Labels = Record<string, string>;

interface Histogram {
	labels: Labels;
	counts: number[];
	sum: number;
	count: number;
}

interface HttpMetrics {
	requests: Map<string, { labels: Labels; value: number }>;
	latency: Map<string, Histogram>;
}

/** One process-wide store (a process global, as the runtime is: Vite may load this module twice). */
const KEY = Symbol.for('tenantry.metrics');
function store(): HttpMetrics {
	const scope = globalThis as { [KEY]?: HttpMetrics };
	return (scope[KEY] ??= { requests: new Map(), latency: new Map() });
}

function keyOf(labels: Labels): string {
	return JSON.stringify(Object.entries(labels));
}

/** Records one finished request: its method, route id (null: no route matched), status and time. */
export function recordRequest(
	method: string,
	route: string | null,
	status: number,
	seconds: number
) {
	const { requests, latency } = store();
	const routeLabel = route ?? 'unmatched';
	const counted = { method, route: routeLabel, status: String(status) };
	const key = keyOf(counted);
	const entry = requests.get(key) ?? { labels: counted, value: 0 };
	entry.value++;
	requests.set(key, entry);
	const timed = { method, route: routeLabel };
	const timedKey = keyOf(timed);
	const histogram = latency.get(timedKey) ?? {
		labels: timed,
		counts: LATENCY_BUCKETS.map(() => 0),
		sum: 0,
		count: 0
	};
	LATENCY_BUCKETS.forEach((bound, i) => {
		if (seconds <= bound) histogram.counts[i]!++;
	});
	histogram.sum += seconds;
	histogram.count++;
	latency.set(timedKey, histogram);
}

/** Forgets every recorded request (tests). */
export function resetRequestMetrics(): void {
	const { requests, latency } = store();
	requests.clear();
	latency.clear();
}

export function escapeLabelValue(value: string): string {
	return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels): string {
	const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
	return parts.length ? `{${parts.join(',')}}` : '';
}

function number(value: number): string {
	if (value === Infinity) return '+Inf';
	if (value === -Infinity) return '-Inf';
	if (Number.isNaN(value)) return 'NaN';
	return String(value);
}

/** A gauge family: its name, help sentence and samples. */
export interface GaugeFamily {
	name: string;
	help: string;
	samples: { labels: Labels; value: number }[];
}

function family(name: string, type: string, help: string, lines: string[]): string {
	return [
		`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`,
		`# TYPE ${name} ${type}`,
		...lines
	].join('\n');
}

/** The whole exposition: the request metrics, then `gauges`, ending with a newline. */
export function renderMetrics(gauges: GaugeFamily[]): string {
	const { requests, latency } = store();
	const out = [
		family(
			'tenantry_http_requests_total',
			'counter',
			'Web requests served, by method, route id and status.',
			[...requests.values()].map(
				({ labels, value }) => `tenantry_http_requests_total${labelText(labels)} ${value}`
			)
		),
		family(
			'tenantry_http_request_duration_seconds',
			'histogram',
			'Time from receiving a request to its response, by method and route id.',
			[...latency.values()].flatMap(({ labels, counts, sum, count }) => [
				...LATENCY_BUCKETS.map(
					(bound, i) =>
						`tenantry_http_request_duration_seconds_bucket${labelText({ ...labels, le: String(bound) })} ${counts[i]}`
				),
				`tenantry_http_request_duration_seconds_bucket${labelText({ ...labels, le: '+Inf' })} ${count}`,
				`tenantry_http_request_duration_seconds_sum${labelText(labels)} ${number(sum)}`,
				`tenantry_http_request_duration_seconds_count${labelText(labels)} ${count}`
			])
		),
		...gauges.map((g) =>
			family(
				g.name,
				'gauge',
				g.help,
				g.samples.map(({ labels, value }) => `${g.name}${labelText(labels)} ${number(value)}`)
			)
		)
	];
	return `${out.join('\n')}\n`;
}

/** The engine's connections: a server pool's total, idle and waiting; PGlite's one session. */
export interface PoolUse {
	max: number;
	inUse: number;
	idle: number;
	waiting: number;
}

interface QueueRow {
	queue: string;
	pending: number | string;
	running: number | string;
	failed: number | string;
	oldest_due_seconds: number | string | null;
}

interface BacklogRow {
	backlog: number | string;
	oldest_seconds: number | string | null;
	dead: number | string;
}

const n = (value: number | string | null): number => (value === null ? 0 : Number(value));

/**
 * The database's share of /metrics, read as the operator (one session, three statements that
 * each scan an index or a small table): every registered queue appears, with zeros when idle.
 */
export async function databaseGauges(engine: Engine, pool: PoolUse): Promise<GaugeFamily[]> {
	const { queues, mail, webhooks } = await engine.session(async (s) => ({
		queues: await s.query<QueueRow>(
			`select q.queue,
			   count(j.id) filter (where j.status = 'pending') as pending,
			   count(j.id) filter (where j.status = 'running') as running,
			   count(j.id) filter (where j.status = 'failed') as failed,
			   extract(epoch from now() - min(j.run_at) filter (where j.status = 'pending' and j.run_at <= now()))::float8 as oldest_due_seconds
			 from private.job_queues q
			 left join public.jobs j on j.queue = q.queue and j.status in ('pending', 'running', 'failed')
			 group by q.queue order by q.queue`
		),
		mail: await s.query<BacklogRow>(
			`select count(*) filter (where status in ('pending', 'sending')) as backlog,
			   extract(epoch from now() - min(created_at) filter (where status in ('pending', 'sending')))::float8 as oldest_seconds,
			   count(*) filter (where status = 'dead') as dead
			 from private.email_outbox where status <> 'sent'`
		),
		webhooks: await s.query<BacklogRow>(
			`select count(*) filter (where status = 'pending') as backlog,
			   extract(epoch from now() - min(created_at) filter (where status = 'pending'))::float8 as oldest_seconds,
			   count(*) filter (where status = 'failed') as dead
			 from public.webhook_deliveries where status <> 'succeeded'`
		)
	}));
	const perQueue = (pick: (row: QueueRow) => number) =>
		queues.map((row) => ({ labels: { queue: row.queue }, value: pick(row) }));
	const backlog = (row: BacklogRow | undefined) => ({
		backlog: n(row?.backlog ?? 0),
		oldest: n(row?.oldest_seconds ?? null),
		dead: n(row?.dead ?? 0)
	});
	const m = backlog(mail[0]);
	const w = backlog(webhooks[0]);
	return [
		{
			name: 'tenantry_jobs_pending',
			help: 'Jobs waiting to run, per queue.',
			samples: perQueue((r) => n(r.pending))
		},
		{
			name: 'tenantry_jobs_running',
			help: 'Jobs a worker holds now, per queue.',
			samples: perQueue((r) => n(r.running))
		},
		{
			name: 'tenantry_jobs_failed',
			help: 'Dead-lettered jobs not yet purged, per queue.',
			samples: perQueue((r) => n(r.failed))
		},
		{
			name: 'tenantry_jobs_oldest_due_seconds',
			help: 'Age of the oldest pending job that is due, per queue (0: none due).',
			samples: perQueue((r) => n(r.oldest_due_seconds))
		},
		{
			name: 'tenantry_mail_backlog',
			help: 'Emails not yet sent.',
			samples: [{ labels: {}, value: m.backlog }]
		},
		{
			name: 'tenantry_mail_oldest_seconds',
			help: 'Age of the oldest email not yet sent (0: none).',
			samples: [{ labels: {}, value: m.oldest }]
		},
		{
			name: 'tenantry_mail_dead',
			help: 'Emails given up on.',
			samples: [{ labels: {}, value: m.dead }]
		},
		{
			name: 'tenantry_webhook_backlog',
			help: 'Webhook deliveries still to be tried.',
			samples: [{ labels: {}, value: w.backlog }]
		},
		{
			name: 'tenantry_webhook_oldest_seconds',
			help: 'Age of the oldest webhook delivery still to be tried (0: none).',
			samples: [{ labels: {}, value: w.oldest }]
		},
		{
			name: 'tenantry_webhook_failed',
			help: 'Webhook deliveries given up on.',
			samples: [{ labels: {}, value: w.dead }]
		},
		{
			name: 'tenantry_db_pool_connections',
			help: 'Database connections by state (embedded: its one session).',
			samples: [
				{ labels: { state: 'max' }, value: pool.max },
				{ labels: { state: 'in_use' }, value: pool.inUse },
				{ labels: { state: 'idle' }, value: pool.idle }
			]
		},
		{
			name: 'tenantry_db_pool_waiting',
			help: 'Units of work waiting for a database connection.',
			samples: [{ labels: {}, value: pool.waiting }]
		}
	];
}

/** The engine's pool use: pg.Pool's counters, or the embedded session lock's. */
export function poolUse(engine: Engine): PoolUse {
	const server = engine as {
		pool?: {
			totalCount: number;
			idleCount: number;
			waitingCount: number;
			options: { max?: number };
		};
	};
	if (server.pool) {
		const { totalCount, idleCount, waitingCount, options } = server.pool;
		return {
			max: options.max ?? 10,
			inUse: totalCount - idleCount,
			idle: idleCount,
			waiting: waitingCount
		};
	}
	const embedded = engine as { lock?: { held: boolean; waiting: number } };
	const held = embedded.lock?.held ?? false;
	return { max: 1, inUse: held ? 1 : 0, idle: held ? 0 : 1, waiting: embedded.lock?.waiting ?? 0 };
}

/** One route's requests as the system health page shows them (the same counters /metrics serves). */
export interface RouteSummary {
	method: string;
	route: string;
	requests: number;
	/** Responses with a 5xx status. */
	errors: number;
	meanSeconds: number;
	/** The upper bound of the histogram bucket the 95th percentile falls in; null: above 10 s. */
	p95Seconds: number | null;
}

/** The request counters and latency histograms of this process, per method and route, busiest first. */
export function requestSummary(): RouteSummary[] {
	const { requests, latency } = store();
	const rows: RouteSummary[] = [];
	for (const histogram of latency.values()) {
		const { method, route } = histogram.labels as { method: string; route: string };
		let errors = 0;
		for (const { labels, value } of requests.values()) {
			if (labels.method === method && labels.route === route && labels.status!.startsWith('5'))
				errors += value;
		}
		const rank = Math.ceil(histogram.count * 0.95);
		const bucket = histogram.counts.findIndex((count) => count >= rank);
		rows.push({
			method,
			route,
			requests: histogram.count,
			errors,
			meanSeconds: histogram.count ? histogram.sum / histogram.count : 0,
			p95Seconds: bucket === -1 ? null : LATENCY_BUCKETS[bucket]!
		});
	}
	return rows.sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route));
}
