/**
 * What a step sees of its run: `{ input, event, steps, run }` — the run's input, the event that
 * started it (an event-triggered run's input.event), the outputs of the steps done, by id, and
 * the run's id. Texts quote it with `{{path}}`; a condition tests one path. Client-safe (the
 * editor's "test with this input" shows the same).
 */
import type { CONDITION_OPS } from './definition';

export interface RunContext {
	input: Record<string, unknown>;
	event?: unknown;
	steps: Record<string, unknown>;
	run: { id: string };
}

/** The value at a dotted path (`event.payload.name`, `steps.ask.decision`); undefined if absent. */
export function lookup(context: RunContext, path: string): unknown {
	let value: unknown = context;
	for (const key of path.trim().split('.')) {
		if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
		value = (value as Record<string, unknown>)[key];
	}
	return value;
}

/** `text` with every `{{path}}` replaced by its value (objects as JSON, absent as ''). */
export function render(text: string, context: RunContext): string {
	return text.replace(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g, (_, path: string) => {
		const value = lookup(context, path);
		if (value === undefined || value === null) return '';
		return typeof value === 'object' ? JSON.stringify(value) : String(value);
	});
}

/** A condition step's test. */
export function test(
	value: unknown,
	op: (typeof CONDITION_OPS)[number],
	expected: string | number | boolean | undefined
): boolean {
	switch (op) {
		case 'exists':
			return value !== undefined && value !== null && value !== '';
		case 'equals':
			return String(value) === String(expected);
		case 'not_equals':
			return String(value) !== String(expected);
		case 'contains':
			return Array.isArray(value)
				? value.map(String).includes(String(expected))
				: String(value ?? '').includes(String(expected ?? ''));
		case 'greater_than':
			return Number(value) > Number(expected);
		case 'less_than':
			return Number(value) < Number(expected);
	}
}
