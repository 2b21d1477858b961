import { describe, expect, it } from 'vitest';
import { validateDefinition } from './definition';

const notify = (id: string, next?: string) => ({
	id,
	kind: 'notify',
	to: '{{input.user_id}}',
	text: 'Hi',
	next
});

function errors(definition: unknown): string[] {
	const result = validateDefinition(definition);
	return result.ok ? [] : result.errors.map((e) => e.message);
}

describe('validateDefinition', () => {
	it('accepts a DAG with a condition and an approval', () => {
		const result = validateDefinition({
			trigger: { type: 'event', event: 'project.created', filter: { name: 'Apollo' } },
			steps: [
				{
					id: 'check',
					kind: 'condition',
					field: 'event.payload.name',
					op: 'exists',
					then: 'ask',
					else: 'done'
				},
				{
					id: 'ask',
					kind: 'approval',
					permission: 'projects.update',
					timeout_seconds: 3600,
					approved: 'describe',
					timeout: 'done'
				},
				{
					id: 'describe',
					kind: 'set_field',
					record: 'project',
					record_id: '{{event.subject.id}}',
					field: 'description',
					value: 'Approved',
					next: 'done'
				},
				notify('done')
			]
		});
		expect(result.ok).toBe(true);
	});

	it('names the node for an unknown step kind', () => {
		expect(errors({ trigger: { type: 'manual' }, steps: [{ id: 'x', kind: 'teleport' }] })).toEqual(
			[
				"Step x: A step's kind is one of condition, notify, email, webhook, slack, set_field, wait, approval."
			]
		);
	});

	it('names the node for a missing field of its kind', () => {
		expect(
			errors({
				trigger: { type: 'manual' },
				steps: [{ id: 'mail', kind: 'email', to: 'u', text: 'x' }]
			})
		).toEqual(['Step mail: Give the subject.']);
	});

	it('refuses dangling edges', () => {
		expect(errors({ trigger: { type: 'manual' }, steps: [notify('a', 'b')] })).toEqual([
			'Step a: leads to "b", which is not a step.'
		]);
	});

	it('refuses cycles, naming the loop', () => {
		expect(
			errors({
				trigger: { type: 'manual' },
				steps: [notify('a', 'b'), notify('b', 'c'), notify('c', 'a')]
			})
		).toEqual(['Step c: leads back to a, a loop (a → b → c → a); a workflow runs each step once.']);
	});

	it('refuses unreachable steps', () => {
		expect(errors({ trigger: { type: 'manual' }, steps: [notify('a'), notify('orphan')] })).toEqual(
			['Step orphan: no path leads here from the first step (a).']
		);
	});

	it('refuses a missing trigger and a bad cron, and duplicate ids', () => {
		expect(errors({ steps: [notify('a')] })).toEqual([
			'The workflow has no trigger: choose what starts it.'
		]);
		expect(
			errors({ trigger: { type: 'schedule', cron: '0 25 * * *' }, steps: [notify('a')] })
		).toEqual(['Trigger: The hour field "25" must use numbers 0–23.']);
		expect(
			errors({
				trigger: { type: 'manual' },
				steps: [notify('a', 'a2'), notify('a2'), notify('a2')]
			})
		).toContain('Step a2: another step has this id.');
	});

	it('refuses a trigger on workflow events and an empty definition', () => {
		expect(
			errors({ trigger: { type: 'event', event: 'workflow.run_failed' }, steps: [notify('a')] })
		).toEqual(['Trigger: A workflow cannot start on workflow events (it could start itself).']);
		expect(errors({ trigger: { type: 'manual' }, steps: [] })).toEqual([
			'A workflow has at least one step.'
		]);
		expect(errors(null)).toEqual(['A definition is an object with a trigger and steps.']);
	});

	it('wants a wait of seconds or until, one of them', () => {
		expect(errors({ trigger: { type: 'manual' }, steps: [{ id: 'w', kind: 'wait' }] })).toEqual([
			'Step w: A wait lasts a number of seconds or until a time (one of them).'
		]);
	});
});
