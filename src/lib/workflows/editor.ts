/**
 * The step-list editor's model: which fields each step kind has (the form the editor renders for
 * it), a fresh step of a kind, and the graph's layout — each step's column is its longest path
 * from the entry, so every edge points right (the definition is a DAG).
 */
import { CONDITION_OPS, edgesOf, type Step, type StepKind } from './definition';

export type FieldType = 'text' | 'textarea' | 'number' | 'step' | 'select';

export interface KindField {
	key: string;
	label: string;
	type: FieldType;
	options?: readonly string[];
	hint?: string;
}

const NEXT: KindField = { key: 'next', label: 'Then', type: 'step' };
const RETRIES: KindField = {
	key: 'retries',
	label: 'Retries',
	type: 'number',
	hint: '0–10; none: 4'
};

export const KIND_FIELDS: Record<StepKind, KindField[]> = {
	condition: [
		{ key: 'field', label: 'Field', type: 'text', hint: 'such as event.payload.name' },
		{ key: 'op', label: 'Test', type: 'select', options: CONDITION_OPS },
		{ key: 'value', label: 'Value', type: 'text' },
		{ key: 'then', label: 'If true', type: 'step' },
		{ key: 'else', label: 'If false', type: 'step' }
	],
	notify: [
		{ key: 'to', label: 'Member (user id or {{…}})', type: 'text' },
		{ key: 'text', label: 'Message', type: 'textarea' },
		NEXT,
		RETRIES
	],
	email: [
		{ key: 'to', label: 'Member (user id or {{…}})', type: 'text' },
		{ key: 'subject', label: 'Subject', type: 'text' },
		{ key: 'text', label: 'Text', type: 'textarea' },
		NEXT,
		RETRIES
	],
	webhook: [
		{ key: 'url', label: 'URL', type: 'text' },
		{ key: 'body', label: 'Body (empty: the run as JSON)', type: 'textarea' },
		NEXT,
		RETRIES
	],
	slack: [
		{ key: 'integration_id', label: 'Slack integration id', type: 'text' },
		{ key: 'channel', label: 'Channel', type: 'text' },
		{ key: 'text', label: 'Message', type: 'textarea' },
		NEXT,
		RETRIES
	],
	set_field: [
		{ key: 'record', label: 'Record', type: 'select', options: ['project', 'team'] },
		{ key: 'record_id', label: 'Record id (or {{…}})', type: 'text' },
		{ key: 'field', label: 'Field', type: 'select', options: ['name', 'description'] },
		{ key: 'value', label: 'Value', type: 'textarea' },
		NEXT,
		RETRIES
	],
	wait: [
		{ key: 'seconds', label: 'Seconds', type: 'number' },
		{ key: 'until', label: 'Or until (a time or {{…}})', type: 'text' },
		NEXT
	],
	approval: [
		{
			key: 'permission',
			label: 'Who decides (permission)',
			type: 'text',
			hint: 'such as projects.update'
		},
		{ key: 'message', label: 'Message', type: 'textarea' },
		{ key: 'timeout_seconds', label: 'Timeout (seconds)', type: 'number' },
		{ key: 'approved', label: 'If approved', type: 'step' },
		{ key: 'rejected', label: 'If rejected', type: 'step' },
		{ key: 'timeout', label: 'If nobody decides', type: 'step' }
	]
};

/** A new step of `kind`, with an id not yet taken. */
export function newStep(kind: StepKind, taken: string[]): Record<string, unknown> {
	let n = taken.length + 1;
	while (taken.includes(`${kind}_${n}`)) n += 1;
	const id = `${kind}_${n}`;
	switch (kind) {
		case 'condition':
			return { id, kind, field: 'input.value', op: 'exists', then: '' };
		case 'approval':
			return { id, kind, permission: 'workflows.manage', message: '', timeout_seconds: 86400 };
		case 'wait':
			return { id, kind, seconds: 60 };
		case 'set_field':
			return { id, kind, record: 'project', record_id: '', field: 'description', value: '' };
		case 'email':
			return { id, kind, to: '', subject: '', text: '' };
		case 'webhook':
			return { id, kind, url: 'https://' };
		case 'slack':
			return { id, kind, integration_id: '', channel: '', text: '' };
		default:
			return { id, kind, to: '', text: '' };
	}
}

/** Drops the empty optional fields the form leaves ('' or NaN), so the definition stays minimal. */
export function cleanStep(step: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(
		Object.entries(step).filter(
			([, v]) =>
				v !== '' && v !== undefined && v !== null && !(typeof v === 'number' && Number.isNaN(v))
		)
	);
}

export interface GraphNode {
	id: string;
	kind: string;
	column: number;
	row: number;
}

export interface GraphEdge {
	from: string;
	to: string;
	label: string;
}

/** Columns by longest path from the entry (unreachable steps and cycles fall back to order). */
export function layout(steps: Step[]): { nodes: GraphNode[]; edges: GraphEdge[] } {
	const ids = new Set(steps.map((s) => s.id));
	const column = new Map<string, number>(steps.map((s, i) => [s.id, i === 0 ? 0 : -1]));
	for (let pass = 0; pass < steps.length; pass += 1)
		for (const step of steps) {
			const c = column.get(step.id) ?? -1;
			if (c < 0) continue;
			for (const to of edgesOf(step))
				if (ids.has(to) && (column.get(to) ?? -1) < c + 1 && c + 1 < steps.length)
					column.set(to, c + 1);
		}
	const rows = new Map<number, number>();
	const nodes = steps.map((s, i) => {
		const c = (column.get(s.id) ?? -1) < 0 ? i : (column.get(s.id) as number);
		const row = rows.get(c) ?? 0;
		rows.set(c, row + 1);
		return { id: s.id, kind: s.kind, column: c, row };
	});
	const edges: GraphEdge[] = [];
	for (const step of steps) {
		const labelled: [string | undefined, string][] = [[step.next, '']];
		if (step.kind === 'condition') labelled.push([step.then, 'yes'], [step.else, 'no']);
		if (step.kind === 'approval')
			labelled.push(
				[step.approved, 'approved'],
				[step.rejected, 'rejected'],
				[step.timeout, 'timeout']
			);
		for (const [to, label] of labelled)
			if (to && ids.has(to)) edges.push({ from: step.id, to, label });
	}
	return { nodes, edges };
}
