/**
 * The workflow pages' forms and the API's bodies: a name and description, the definition as JSON
 * (checked by validateDefinition: one sentence per bad node, the first shown beside the editor),
 * a run's input as a JSON object, a decision. SQL checks them again (TN360–TN374).
 */
import { z } from 'zod';
import { id, optionalText, requiredText } from '../../forms/messages';
import { validateDefinition, type Definition } from '../../workflows/definition';

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

export const definitionField = z
	.string({ error: 'Give the definition.' })
	.transform((text, ctx): Definition => {
		const parsed = parseJson(text);
		if (parsed === undefined) {
			ctx.addIssue({ code: 'custom', message: 'The definition is not valid JSON.' });
			return z.NEVER;
		}
		const checked = validateDefinition(parsed);
		if (!checked.ok) {
			for (const e of checked.errors) ctx.addIssue({ code: 'custom', message: e.message });
			return z.NEVER;
		}
		return checked.definition;
	});

export const workflowFormSchema = z.object({
	name: requiredText('name', 100),
	description: optionalText('description', 500),
	definition: definitionField
});
export type WorkflowForm = z.infer<typeof workflowFormSchema>;

const inputField = z
	.string()
	.default('{}')
	.transform((text, ctx): Record<string, unknown> => {
		const parsed = parseJson(text.trim() === '' ? '{}' : text);
		if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
			ctx.addIssue({
				code: 'custom',
				message: 'Give the input as a JSON object, such as {"release": "2.4"}.'
			});
			return z.NEVER;
		}
		return parsed as Record<string, unknown>;
	});

export const workflowIdSchema = z.object({ workflow: id('No such workflow: reload the page.') });

export const enabledSchema = workflowIdSchema.extend({
	enabled: z.enum(['true', 'false'], { error: 'Choose on or off.' }).transform((v) => v === 'true')
});

export const startSchema = workflowIdSchema.extend({ input: inputField });

export const runIdSchema = z.object({ run: id('No such run: reload the page.') });

export const decideSchema = z.object({
	approval: id('No such approval: reload the page.'),
	decision: z.enum(['approve', 'reject'], { error: 'Approve or reject.' }),
	comment: optionalText('comment', 1000)
});
