/**
 * The anomaly method of alerts (docs/bi-alerts.md#anomaly): a **robust z-score over a seasonal
 * baseline**. The baseline of a point is the series at the same place of the week in each of the
 * last `weeks` weeks — the same hour of the same weekday (and the hour either side) for an hourly
 * series, the same weekday for a daily one. Its centre is the median and its spread the median
 * absolute deviation (MAD); the score is Iglewicz and Hoaglin's modified z-score
 * 0.6745 · (x − median) / MAD, and the point is anomalous when |score| ≥ the threshold (3.5 by
 * default). Median and MAD ignore the odd anomaly inside the baseline, which a mean and a standard
 * deviation would not. A MAD of 0 (a flat baseline) falls back to the mean absolute deviation
 * · 1.2533 (the same scale for a normal distribution); a baseline without spread at all makes any
 * departure from it anomalous. Fewer than three baseline points: no verdict.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

export interface AnomalyVerdict {
	score: number | null;
	median: number | null;
	mad: number | null;
	baseline: number;
	anomalous: boolean;
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The modified z-score of `value` against `baseline` and whether it reaches `threshold`. */
export function robustZScore(value: number, baseline: number[], threshold: number): AnomalyVerdict {
	if (baseline.length < 3)
		return { score: null, median: null, mad: null, baseline: baseline.length, anomalous: false };
	const m = median(baseline);
	const mad = median(baseline.map((v) => Math.abs(v - m)));
	let score: number;
	if (mad > 0) score = (0.6745 * (value - m)) / mad;
	else {
		const meanAd = baseline.reduce((s, v) => s + Math.abs(v - m), 0) / baseline.length;
		if (meanAd > 0) score = (value - m) / (1.2533 * meanAd);
		else score = value === m ? 0 : Math.sign(value - m) * Infinity;
	}
	return {
		score,
		median: m,
		mad,
		baseline: baseline.length,
		anomalous: Math.abs(score) >= threshold
	};
}

/**
 * The seasonal baseline of the point at `at` in `series` (time in ms → value; missing points are
 * left out): the same place in each of the last `weeks` weeks, with `neighbours` steps of `stepMs`
 * either side (1 hour for an hourly series, 0 for a daily one).
 */
export function seasonalBaseline(
	series: Map<number, number>,
	at: number,
	weeks: number,
	stepMs: number,
	neighbours: number
): number[] {
	const out: number[] = [];
	for (let w = 1; w <= weeks; w++) {
		for (let n = -neighbours; n <= neighbours; n++) {
			const v = series.get(at - w * WEEK_MS + n * stepMs);
			if (v !== undefined) out.push(v);
		}
	}
	return out;
}

/** The verdict on the point at `at`: hourly series use the hour either side, daily ones not. */
export function detectAnomaly(
	series: Map<number, number>,
	at: number,
	options: { weeks: number; threshold: number; stepMs: number }
): AnomalyVerdict & { value: number | null } {
	const value = series.get(at);
	const baseline = seasonalBaseline(
		series,
		at,
		options.weeks,
		options.stepMs,
		options.stepMs === HOUR_MS ? 1 : 0
	);
	if (value === undefined) return { ...robustZScore(0, [], options.threshold), value: null };
	return { ...robustZScore(value, baseline, options.threshold), value };
}
