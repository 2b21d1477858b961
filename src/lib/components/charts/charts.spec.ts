import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import BarChart from './BarChart.svelte';
import LineChart from './LineChart.svelte';
import { formatX, niceStep, yAxis } from './scale';

const series = [
	{
		label: 'API calls',
		points: [
			{ x: '2026-11-01', y: 120 },
			{ x: '2026-11-02', y: 340 },
			{ x: '2026-11-03', y: 90 }
		]
	}
];
const limits = [
	{ label: 'Soft', value: 400, kind: 'soft' as const },
	{ label: 'Hard', value: 500, kind: 'hard' as const }
];

describe('charts', () => {
	it('pick round ticks that cover the data and the limits', () => {
		expect([niceStep(0.3), niceStep(7), niceStep(130), niceStep(2100)]).toEqual([
			0.5, 10, 200, 5000
		]);
		expect(yAxis(series, limits)).toEqual({ top: 600, ticks: [0, 200, 400, 600] });
		expect(yAxis([], [])).toEqual({ top: 1, ticks: [0, 1] });
	});

	it('tick bytes in round binary units, as the cards and limits read', () => {
		const gib = 1024 ** 3;
		const stored = [{ label: 'Storage', points: [{ x: '2026-11-01', y: 23 * gib }] }];
		const axis = yAxis(stored, [{ label: 'Hard', value: 50 * gib, kind: 'hard' }], 4, 'bytes');
		expect(axis).toEqual({ top: 60 * gib, ticks: [0, 20 * gib, 40 * gib, 60 * gib] });
		const { body } = render(LineChart, {
			props: {
				series: stored,
				limits: [{ label: 'Hard limit', value: 50 * gib, kind: 'hard' }],
				title: 'Storage',
				unit: 'bytes'
			}
		});
		expect(body).toContain('Hard limit 50 GiB');
		expect(body).toContain('>40 GiB<');
		expect(body).not.toMatch(/53\.7B/);
	});

	it('keep the data table inside an sr-only box, so it adds no blank scroll under the page', () => {
		const { body } = render(LineChart, { props: { series, title: 'API calls per day' } });
		expect(body).toMatch(/<div class="sr-only"><table>/);
	});

	it('render on the server: a labelled SVG, the limit lines and a table of the data', () => {
		const { body } = render(LineChart, {
			props: { series, limits, title: 'API calls per day', yLabel: 'calls' }
		});
		expect(body).toMatch(/<svg[^>]*viewBox="0 0 640 240"[^>]*role="img"/);
		expect(body).toContain('<title');
		expect(body).toContain('API calls per day</title>');
		expect(body).toContain('highest 340, latest 90');
		expect(body.match(/data-limit="(soft|hard)"/g)).toEqual([
			'data-limit="soft"',
			'data-limit="hard"'
		]);
		expect(body).toMatch(/<polyline[^>]*points="56,[\d.]+ 304,[\d.]+ 552,[\d.]+"/);
		expect(body.replace(/<!--[^>]*-->/g, '')).toContain('<th scope="row">Nov 2</th><td>340</td>');
	});

	it('draw one bar per point, as tall as its share of the axis', () => {
		const { body } = render(BarChart, { props: { series, title: 'Daily calls', height: 232 } });
		const heights = [...body.matchAll(/<rect[^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
		// plot height 232 − 16 − 32 = 184; axis top 400 (ticks of 100).
		expect(heights).toEqual([55.2, 156.4, 41.4]);
	});
});

describe('formatX', () => {
	it('reads days as days and months as months', () => {
		expect(formatX('2026-06-14')).toBe('Jun 14');
		expect(formatX(new Date(Date.UTC(2026, 5, 1)))).toBe('Jun 1');
		expect(formatX('2026-06')).toBe('Jun 2026');
		expect(formatX('not a date')).toBe('not a date');
	});
});
