import { describe, expect, it } from 'vitest';
import { parsePrometheus } from '../../../../../tests/support/prometheus';
import { requestLogLine } from './log';
import {
	databaseGauges,
	escapeLabelValue,
	LATENCY_BUCKETS,
	recordRequest,
	renderMetrics,
	resetRequestMetrics,
	type GaugeFamily
} from './metrics';
import { applicationName, requestIdFor } from './request-id';
import { scrapeDecision } from './scrape';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
	it("keeps a trusted proxy's safe id and replaces anyone else's", () => {
		expect(requestIdFor('req-0123456789', true)).toBe('req-0123456789');
		expect(requestIdFor('req-0123456789', false)).toMatch(UUID);
		expect(requestIdFor(null, true)).toMatch(UUID);
	});

	it('replaces an id of an unsafe shape even from a trusted proxy', () => {
		for (const bad of ['short', 'a b c d e f g h', 'x'.repeat(129), 'id\nforged-line', "id';--1"]) {
			expect(requestIdFor(bad, true), JSON.stringify(bad)).toMatch(UUID);
		}
	});

	it("fits Postgres' 63-byte application_name", () => {
		expect(applicationName('abc12345')).toBe('tenantry abc12345');
		expect(Buffer.byteLength(applicationName('z'.repeat(128)))).toBe(63);
	});
});

describe('the request log line', () => {
	it('is one JSON object with the fields and nothing else', () => {
		const line = requestLogLine(
			{
				method: 'POST',
				route: '/(app)/t/[slug]/tasks',
				status: 303,
				durationMs: 12.345,
				requestId: 'req-0123456789',
				tenantId: 'b0000000-0000-4000-8000-000000000001'
			},
			new Date('2026-12-02T12:00:00Z')
		);
		expect(line).not.toContain('\n');
		expect(JSON.parse(line)).toEqual({
			time: '2026-12-02T12:00:00.000Z',
			level: 'info',
			msg: 'request',
			method: 'POST',
			route: '/(app)/t/[slug]/tasks',
			status: 303,
			duration_ms: 12.3,
			request_id: 'req-0123456789',
			tenant_id: 'b0000000-0000-4000-8000-000000000001'
		});
	});

	it('is an error line for a 5xx and leaves the tenant out when unknown', () => {
		const line = JSON.parse(
			requestLogLine({
				method: 'GET',
				route: null,
				status: 502,
				durationMs: 1,
				requestId: 'r-12345678'
			})
		);
		expect(line.level).toBe('error');
		expect(line).not.toHaveProperty('tenant_id');
		expect(line.route).toBeNull();
	});
});

describe('the /metrics token', () => {
	const token = 'a'.repeat(32);
	it('is not served without METRICS_TOKEN, whatever is sent', () => {
		expect(scrapeDecision(undefined, `Bearer ${token}`)).toBe('not_found');
	});
	it('wants exactly the bearer token', () => {
		expect(scrapeDecision(token, `Bearer ${token}`)).toBe('serve');
		expect(scrapeDecision(token, `bearer  ${token}`)).toBe('serve');
		expect(scrapeDecision(token, null)).toBe('unauthorized');
		expect(scrapeDecision(token, `Bearer ${token}x`)).toBe('unauthorized');
		expect(scrapeDecision(token, `Basic ${token}`)).toBe('unauthorized');
	});
});

describe('the exposition', () => {
	const gauges: GaugeFamily[] = [
		{
			name: 'tenantry_jobs_pending',
			help: 'Jobs waiting to run, per queue.',
			samples: [
				{ labels: { queue: 'mail.send' }, value: 3 },
				{ labels: { queue: 'odd"queue\\with\nnewline' }, value: 0 }
			]
		}
	];

	it('parses strictly, with cumulative buckets whose +Inf is the count', () => {
		resetRequestMetrics();
		recordRequest('GET', '/(app)/t/[slug]/tasks', 200, 0.004);
		recordRequest('GET', '/(app)/t/[slug]/tasks', 200, 0.3);
		recordRequest('GET', '/(app)/t/[slug]/tasks', 500, 20);
		recordRequest('GET', null, 404, 0.001);
		const families = parsePrometheus(renderMetrics(gauges));
		const requests = families.get('tenantry_http_requests_total')!;
		expect(requests.type).toBe('counter');
		expect(requests.samples).toContainEqual({
			name: 'tenantry_http_requests_total',
			labels: { method: 'GET', route: '/(app)/t/[slug]/tasks', status: '200' },
			value: 2
		});
		expect(requests.samples).toContainEqual({
			name: 'tenantry_http_requests_total',
			labels: { method: 'GET', route: 'unmatched', status: '404' },
			value: 1
		});
		const latency = families.get('tenantry_http_request_duration_seconds')!;
		expect(latency.type).toBe('histogram');
		const tasks = latency.samples.filter((s) => s.labels.route === '/(app)/t/[slug]/tasks');
		const bucket = (le: string) =>
			tasks.find((s) => s.name.endsWith('_bucket') && s.labels.le === le)?.value;
		expect(bucket('0.005')).toBe(1);
		expect(bucket('0.5')).toBe(2);
		expect(bucket('10')).toBe(2);
		expect(bucket('+Inf')).toBe(3);
		expect(tasks.filter((s) => s.name.endsWith('_bucket'))).toHaveLength(
			LATENCY_BUCKETS.length + 1
		);
		expect(tasks.find((s) => s.name.endsWith('_sum'))!.value).toBeCloseTo(20.304);
	});

	it('escapes label values so they come back as given', () => {
		expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
		const pending = parsePrometheus(renderMetrics(gauges)).get('tenantry_jobs_pending')!;
		expect(pending.samples.map((s) => s.labels.queue)).toEqual([
			'mail.send',
			'odd"queue\\with\nnewline'
		]);
	});

	it('is refused by the parser when broken, so the parser can fail', () => {
		const good = renderMetrics(gauges);
		expect(() => parsePrometheus(good.replace('tenantry_jobs_pending{', 'tenantry-jobs{'))).toThrow(
			/not a metric name/
		);
		expect(() =>
			parsePrometheus(
				good.replace(/# HELP tenantry_jobs_pending .*\n# TYPE tenantry_jobs_pending gauge\n/, '')
			)
		).toThrow(/no TYPE before it/);
		expect(() => parsePrometheus(good.replace('\\"', '\\q'))).toThrow(/unknown escape/);
		expect(() =>
			parsePrometheus(
				'# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'
			)
		).toThrow(/not cumulative/);
	});

	it('names every registered queue from the database, zero when idle', async () => {
		const rows = [
			{ queue: 'mail.send', pending: '2', running: '1', failed: '0', oldest_due_seconds: 4.5 },
			{ queue: 'webhooks.wake', pending: 0, running: 0, failed: 0, oldest_due_seconds: null }
		];
		const backlog = [{ backlog: '1', oldest_seconds: 9, dead: '2' }];
		let call = 0;
		const engine = {
			session: async <T>(fn: (s: { query: () => Promise<unknown[]> }) => Promise<T>) =>
				fn({ query: async () => (call++ === 0 ? rows : backlog) })
		} as never;
		const pool = { max: 4, inUse: 1, idle: 3, waiting: 0 };
		const families = parsePrometheus(renderMetrics(await databaseGauges(engine, pool)));
		expect(
			families.get('tenantry_jobs_pending')!.samples.map((s) => [s.labels.queue, s.value])
		).toEqual([
			['mail.send', 2],
			['webhooks.wake', 0]
		]);
		expect(families.get('tenantry_jobs_oldest_due_seconds')!.samples[0]!.value).toBe(4.5);
		expect(families.get('tenantry_mail_dead')!.samples[0]!.value).toBe(2);
		expect(families.get('tenantry_webhook_oldest_seconds')!.samples[0]!.value).toBe(9);
		expect(
			families.get('tenantry_db_pool_connections')!.samples.map((s) => [s.labels.state, s.value])
		).toEqual([
			['max', 4],
			['in_use', 1],
			['idle', 3]
		]);
	});
});
