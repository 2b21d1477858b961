/**
 * A strict parser of Prometheus' text exposition format 0.0.4, for tests: it throws, naming the
 * line, on anything a scraper would reject or silently misread — a bad metric or label name, an
 * unknown escape, a value that is not a float, a sample before its TYPE or away from its family,
 * a TYPE given twice, a duplicate series, and a histogram whose buckets are not cumulative or
 * whose +Inf bucket is not its _count.
 */
export interface Sample {
	name: string;
	labels: Record<string, string>;
	value: number;
}

export interface Family {
	name: string;
	type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
	help?: string;
	samples: Sample[];
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function parseValue(text: string, where: string): number {
	if (text === '+Inf') return Infinity;
	if (text === '-Inf') return -Infinity;
	if (text === 'NaN') return NaN;
	if (!FLOAT.test(text)) throw new Error(`${where}: "${text}" is not a float`);
	return Number(text);
}

function parseLabels(text: string, where: string): Record<string, string> {
	const labels: Record<string, string> = {};
	let i = 0;
	while (i < text.length) {
		const eq = text.indexOf('=', i);
		if (eq < 0) throw new Error(`${where}: a label without "="`);
		const name = text.slice(i, eq);
		if (!LABEL.test(name)) throw new Error(`${where}: "${name}" is not a label name`);
		if (name in labels) throw new Error(`${where}: label ${name} given twice`);
		if (text[eq + 1] !== '"') throw new Error(`${where}: label ${name}'s value is not quoted`);
		let value = '';
		let j = eq + 2;
		for (; ; j++) {
			const c = text[j];
			if (c === undefined) throw new Error(`${where}: label ${name}'s value is not closed`);
			if (c === '"') break;
			if (c === '\n') throw new Error(`${where}: a raw newline in label ${name}`);
			if (c === '\\') {
				const next = text[++j];
				if (next === '\\') value += '\\';
				else if (next === '"') value += '"';
				else if (next === 'n') value += '\n';
				else throw new Error(`${where}: unknown escape \\${next} in label ${name}`);
			} else value += c;
		}
		labels[name] = value;
		i = j + 1;
		if (i < text.length) {
			if (text[i] !== ',') throw new Error(`${where}: expected "," after label ${name}`);
			i++;
		}
	}
	return labels;
}

/** Splits `name{labels} value` with quoted values that may hold `}` or spaces. */
function splitSample(line: string, where: string): Sample {
	const brace = line.indexOf('{');
	const space = line.indexOf(' ');
	let name: string;
	let labels: Record<string, string> = {};
	let rest: string;
	if (brace >= 0 && (space < 0 || brace < space)) {
		name = line.slice(0, brace);
		let j = brace + 1;
		let quoted = false;
		for (; j < line.length; j++) {
			const c = line[j];
			if (quoted && c === '\\') j++;
			else if (c === '"') quoted = !quoted;
			else if (!quoted && c === '}') break;
		}
		if (j >= line.length) throw new Error(`${where}: labels are not closed`);
		labels = parseLabels(line.slice(brace + 1, j), where);
		rest = line.slice(j + 1);
	} else {
		if (space < 0) throw new Error(`${where}: a sample without a value`);
		name = line.slice(0, space);
		rest = line.slice(space);
	}
	if (!METRIC.test(name)) throw new Error(`${where}: "${name}" is not a metric name`);
	const parts = rest.split(' ').filter((p) => p !== '');
	if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2)
		throw new Error(`${where}: expected " value [timestamp]" after ${name}`);
	if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1]))
		throw new Error(`${where}: "${parts[1]}" is not a timestamp`);
	return { name, labels, value: parseValue(parts[0]!, where) };
}

function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
	const exact = families.get(sample);
	if (exact) return exact;
	for (const suffix of ['_bucket', '_sum', '_count']) {
		if (!sample.endsWith(suffix)) continue;
		const base = families.get(sample.slice(0, -suffix.length));
		if (base && (base.type === 'histogram' || (base.type === 'summary' && suffix !== '_bucket')))
			return base;
	}
	return undefined;
}

function checkHistogram(family: Family): void {
	const series = new Map<string, Sample[]>();
	const counts = new Map<string, number>();
	for (const s of family.samples) {
		const { le, ...rest } = s.labels;
		const key = JSON.stringify(Object.entries(rest).sort());
		if (s.name.endsWith('_bucket')) {
			if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
			series.set(key, [...(series.get(key) ?? []), s]);
		} else if (s.name.endsWith('_count')) counts.set(key, s.value);
	}
	for (const [key, buckets] of series) {
		const bounds = buckets.map((b) => parseValue(b.labels.le!, `${family.name} le`));
		for (let i = 1; i < buckets.length; i++) {
			if (!(bounds[i]! > bounds[i - 1]!))
				throw new Error(`${family.name}${key}: bucket bounds are not increasing`);
			if (buckets[i]!.value < buckets[i - 1]!.value)
				throw new Error(`${family.name}${key}: buckets are not cumulative`);
		}
		if (bounds.at(-1) !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket`);
		if (counts.get(key) !== buckets.at(-1)!.value)
			throw new Error(`${family.name}${key}: the +Inf bucket is not _count`);
	}
}

export function parsePrometheus(text: string): Map<string, Family> {
	if (!text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
	const families = new Map<string, Family>();
	const seen = new Set<string>();
	let current: Family | undefined;
	const lines = text.slice(0, -1).split('\n');
	lines.forEach((line, index) => {
		const where = `line ${index + 1}`;
		if (line === '') return;
		const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
		if (meta) {
			const [, kind, name, rest] = meta as unknown as [string, string, string, string];
			if (!METRIC.test(name)) throw new Error(`${where}: "${name}" is not a metric name`);
			let family = families.get(name);
			if (family && current !== family)
				throw new Error(`${where}: ${name}'s lines are not together`);
			if (!family) {
				family = { name, type: 'untyped', samples: [] };
				families.set(name, family);
			}
			if (kind === 'TYPE') {
				if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest))
					throw new Error(`${where}: unknown type "${rest}"`);
				if (family.samples.length || (family as { typed?: boolean }).typed)
					throw new Error(`${where}: TYPE of ${name} after its samples or twice`);
				family.type = rest as Family['type'];
				(family as { typed?: boolean }).typed = true;
			} else {
				if (family.help !== undefined) throw new Error(`${where}: HELP of ${name} twice`);
				family.help = rest;
			}
			current = family;
			return;
		}
		if (line.startsWith('#')) return;
		const sample = splitSample(line, where);
		const family = familyOf(sample.name, families);
		if (!family) throw new Error(`${where}: ${sample.name} has no TYPE before it`);
		if (family !== current) throw new Error(`${where}: ${sample.name} is away from its family`);
		const series = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
		if (seen.has(series)) throw new Error(`${where}: ${series} appears twice`);
		seen.add(series);
		family.samples.push(sample);
	});
	for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
	return families;
}
