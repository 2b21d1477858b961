/**
 * A workflow's definition: a trigger and a DAG of steps, as stored in `workflows.definition`.
 * Client-safe: the editor validates as you type with the same rules the server saves with (and SQL
 * checks the shape again, private.check_workflow_definition, TN362/TN363).
 *
 * `validateDefinition` answers one sentence per bad node, naming it ("Step notify_owner: …"): the
 * zod schema per step kind, then the graph — edges to steps that do not exist, cycles, steps no
 * path reaches from the first step (the entry), a missing trigger, a bad cron expression.
 *
 * Texts may quote the run's context with `{{…}}`: `{{input.x}}`, `{{event.payload.name}}` (an
 * event-triggered run's input is `{ event }`), `{{steps.<id>.<field>}}` (an earlier step's output).
 */
import { z } from 'zod';
import { parseCron } from './cron';

export const STEP_KINDS = [
	'condition',
	'notify',
	'email',
	'webhook',
	'slack',
	'set_field',
	'wait',
	'approval'
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const STEP_KIND_LABELS: Record<StepKind, string> = {
	condition: 'Condition (branch)',
	notify: 'Send a notification',
	email: 'Send an email',
	webhook: 'Call a webhook',
	slack: 'Post to Slack',
	set_field: 'Set a field',
	wait: 'Wait',
	approval: 'Ask for approval'
};

/** The records a set_field step may change, and their fields: the owner's rights decide (RLS). */
export const SETTABLE_FIELDS = {
	project: ['name', 'description'],
	team: ['name', 'description']
} as const;
export type SettableRecord = keyof typeof SETTABLE_FIELDS;

export const CONDITION_OPS = [
	'equals',
	'not_equals',
	'contains',
	'exists',
	'greater_than',
	'less_than'
] as const;

export const MAX_STEPS = 50;
export const MAX_WAIT_SECONDS = 30 * 86_400;

const stepId = z.string({ error: 'Give the step an id.' }).regex(/^[a-z][a-z0-9_]{0,63}$/, {
	error: 'A step id is lower-case letters, digits and _, starting with a letter.'
});
const edge = stepId.optional();
const text = (what: string, max: number) =>
	z
		.string({ error: `Give the ${what}.` })
		.trim()
		.min(1, { error: `Give the ${what}.` })
		.max(max, { error: `Keep the ${what} under ${max.toLocaleString('en-GB')} characters.` });

const base = {
	id: stepId,
	name: z.string().max(100, { error: 'Keep the name under 100 characters.' }).optional(),
	next: edge,
	retries: z
		.number({ error: 'Retries is a number.' })
		.int({ error: 'Retries is a whole number.' })
		.min(0, { error: 'Retries is 0 to 10.' })
		.max(10, { error: 'Retries is 0 to 10.' })
		.optional()
};

export const stepSchema = z.discriminatedUnion(
	'kind',
	[
		z.object({
			...base,
			kind: z.literal('condition'),
			field: text('field to test (such as event.payload.name)', 200),
			op: z.enum(CONDITION_OPS, { error: `The test is one of ${CONDITION_OPS.join(', ')}.` }),
			value: z.union([z.string(), z.number(), z.boolean()]).optional(),
			then: stepId,
			else: edge
		}),
		z.object({
			...base,
			kind: z.literal('notify'),
			to: text('member to notify (a user id or {{…}})', 200),
			text: text('message', 1000)
		}),
		z.object({
			...base,
			kind: z.literal('email'),
			to: text('member to email (a user id or {{…}})', 200),
			subject: text('subject', 200),
			text: text('text', 10000)
		}),
		z.object({
			...base,
			kind: z.literal('webhook'),
			url: z
				.string({ error: 'Give the URL to call.' })
				.trim()
				.max(2048, { error: 'Keep the URL under 2,048 characters.' })
				.refine((u) => /^https?:\/\/[^\s/]+/.test(u), {
					error: 'Enter a full URL such as https://example.com/hook.'
				}),
			body: z.string().max(10000, { error: 'Keep the body under 10,000 characters.' }).optional()
		}),
		z.object({
			...base,
			kind: z.literal('slack'),
			integration_id: z.uuid({ error: 'Choose the Slack integration.' }),
			channel: text('channel', 100),
			text: text('message', 3000)
		}),
		z.object({
			...base,
			kind: z.literal('set_field'),
			record: z.enum(['project', 'team'], { error: 'A step sets a field of a project or a team.' }),
			record_id: text('record (an id or {{…}})', 200),
			field: z.enum(['name', 'description'], { error: 'The field is name or description.' }),
			value: z.string({ error: 'Give the value.' }).max(2000, {
				error: 'Keep the value under 2,000 characters.'
			})
		}),
		z
			.object({
				...base,
				kind: z.literal('wait'),
				seconds: z
					.number({ error: 'Seconds is a number.' })
					.int({ error: 'Seconds is a whole number.' })
					.min(1, { error: 'Wait at least 1 second.' })
					.max(MAX_WAIT_SECONDS, { error: 'Wait at most 30 days.' })
					.optional(),
				until: z.string().max(200).optional()
			})
			.refine((s) => (s.seconds === undefined) !== (s.until === undefined), {
				error: 'A wait lasts a number of seconds or until a time (one of them).'
			}),
		z.object({
			...base,
			kind: z.literal('approval'),
			permission: z
				.string({ error: 'Name the permission a decider holds.' })
				.regex(/^[a-z_]+\.[a-z_]+$/, { error: 'A permission is written module.action.' }),
			message: z
				.string()
				.max(1000, { error: 'Keep the message under 1,000 characters.' })
				.optional(),
			timeout_seconds: z
				.number({ error: 'The timeout is a number of seconds.' })
				.int({ error: 'The timeout is a whole number of seconds.' })
				.min(1, { error: 'The timeout is at least 1 second.' })
				.max(MAX_WAIT_SECONDS, { error: 'The timeout is at most 30 days.' }),
			approved: stepId.optional(),
			rejected: stepId.optional(),
			timeout: stepId.optional()
		})
	],
	{ error: `A step's kind is one of ${STEP_KINDS.join(', ')}.` }
);
export type Step = z.infer<typeof stepSchema>;

export const manualFieldSchema = z.object({
	name: stepId,
	label: text('label', 100),
	type: z.enum(['text', 'number', 'boolean'])
});

export const triggerSchema = z.discriminatedUnion(
	'type',
	[
		z.object({
			type: z.literal('event'),
			event: z
				.string({ error: 'Choose the event type that starts the workflow.' })
				.regex(/^[a-z][a-z_]*(\.[a-z][a-z_]*)+$/, {
					error: 'Choose an event type of the catalogue.'
				})
				.refine((t) => !t.startsWith('workflow.'), {
					error: 'A workflow cannot start on workflow events (it could start itself).'
				}),
			filter: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional()
		}),
		z.object({
			type: z.literal('integration'),
			integration_type: z.string().max(40).optional(),
			provider_event: z.string().max(100).optional()
		}),
		z.object({
			type: z.literal('schedule'),
			cron: z.string({ error: 'Give the schedule as a cron expression.' })
		}),
		z.object({ type: z.literal('manual'), fields: z.array(manualFieldSchema).max(20).optional() })
	],
	{ error: 'The trigger is an event, an integration event, a schedule or a manual run.' }
);
export type Trigger = z.infer<typeof triggerSchema>;

export interface Definition {
	trigger: Trigger;
	steps: Step[];
}

/** One sentence about one part of the definition: `step` names the node, null for the trigger/whole. */
export interface DefinitionError {
	step: string | null;
	message: string;
}

export type Validation =
	{ ok: true; definition: Definition } | { ok: false; errors: DefinitionError[] };

/** The steps a step leads to (its outgoing edges), in order. */
export function edgesOf(step: Step): string[] {
	const out: (string | undefined)[] = [step.next];
	if (step.kind === 'condition') out.push(step.then, step.else);
	if (step.kind === 'approval') out.push(step.approved, step.rejected, step.timeout);
	return out.filter((e): e is string => e !== undefined);
}

function graphErrors(steps: Step[]): DefinitionError[] {
	const errors: DefinitionError[] = [];
	const byId = new Map<string, Step>();
	for (const step of steps) {
		if (byId.has(step.id))
			errors.push({ step: step.id, message: `Step ${step.id}: another step has this id.` });
		byId.set(step.id, step);
	}
	for (const step of steps)
		for (const target of edgesOf(step))
			if (!byId.has(target))
				errors.push({
					step: step.id,
					message: `Step ${step.id}: leads to "${target}", which is not a step.`
				});
	if (errors.length) return errors;
	// Cycles: depth-first, a step met again on the path closes one.
	const state = new Map<string, 'open' | 'done'>();
	const reported = new Set<string>();
	const visit = (id: string, path: string[]) => {
		state.set(id, 'open');
		for (const target of edgesOf(byId.get(id) as Step)) {
			if (state.get(target) === 'open') {
				const cycle = [...path.slice(path.indexOf(target)), id, target];
				if (!reported.has(id)) {
					reported.add(id);
					errors.push({
						step: id,
						message: `Step ${id}: leads back to ${target}, a loop (${cycle.join(' → ')}); a workflow runs each step once.`
					});
				}
			} else if (!state.has(target)) visit(target, [...path, id]);
		}
		state.set(id, 'done');
	};
	for (const step of steps) if (!state.has(step.id)) visit(step.id, []);
	// Reachability from the entry (the first step).
	const reached = new Set<string>();
	const walk = (id: string) => {
		if (reached.has(id)) return;
		reached.add(id);
		for (const target of edgesOf(byId.get(id) as Step)) walk(target);
	};
	if (steps[0]) walk(steps[0].id);
	for (const step of steps)
		if (!reached.has(step.id))
			errors.push({
				step: step.id,
				message: `Step ${step.id}: no path leads here from the first step (${steps[0]?.id}).`
			});
	return errors;
}

/** The sentence of a zod issue, prefixed with the step it is about. */
function stepMessage(id: string | null, issue: z.core.$ZodIssue): string {
	return id ? `Step ${id}: ${issue.message}` : issue.message;
}

/** Checks a definition (parsed JSON): one sentence per bad node. */
export function validateDefinition(input: unknown): Validation {
	const errors: DefinitionError[] = [];
	if (typeof input !== 'object' || input === null || Array.isArray(input))
		return {
			ok: false,
			errors: [{ step: null, message: 'A definition is an object with a trigger and steps.' }]
		};
	const raw = input as { trigger?: unknown; steps?: unknown };
	let trigger: Trigger | undefined;
	if (raw.trigger === undefined) {
		errors.push({ step: null, message: 'The workflow has no trigger: choose what starts it.' });
	} else {
		const parsed = triggerSchema.safeParse(raw.trigger);
		if (!parsed.success)
			errors.push({ step: null, message: `Trigger: ${parsed.error.issues[0]?.message}` });
		else if (parsed.data.type === 'schedule') {
			const cron = parseCron(parsed.data.cron);
			if (!cron.ok) errors.push({ step: null, message: `Trigger: ${cron.error}` });
			else trigger = parsed.data;
		} else trigger = parsed.data;
	}
	const steps: Step[] = [];
	if (!Array.isArray(raw.steps) || raw.steps.length === 0) {
		errors.push({ step: null, message: 'A workflow has at least one step.' });
	} else if (raw.steps.length > MAX_STEPS) {
		errors.push({ step: null, message: `A workflow has at most ${MAX_STEPS} steps.` });
	} else {
		for (const [i, candidate] of (raw.steps as unknown[]).entries()) {
			const id =
				typeof candidate === 'object' &&
				candidate !== null &&
				typeof (candidate as { id?: unknown }).id === 'string'
					? (candidate as { id: string }).id || `#${i + 1}`
					: `#${i + 1}`;
			const parsed = stepSchema.safeParse(candidate);
			if (parsed.success) steps.push(parsed.data);
			else
				for (const issue of parsed.error.issues.slice(0, 1))
					errors.push({ step: id, message: stepMessage(id, issue) });
		}
		if (steps.length === raw.steps.length) errors.push(...graphErrors(steps));
	}
	if (errors.length || !trigger) return { ok: false, errors };
	return { ok: true, definition: { trigger, steps } };
}

/** A small starting definition for the editor. */
export function newDefinition(): Definition {
	return {
		trigger: { type: 'manual' },
		steps: [
			{ id: 'notify_me', kind: 'notify', to: '{{input.user_id}}', text: 'Hello from a workflow.' }
		]
	};
}
