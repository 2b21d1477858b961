/**
 * The privacy pages' forms: a request (own, or for a member), a step of a request, a purpose and
 * a consent. Every refusal is a sentence (src/lib/forms/messages.ts).
 */
import { z } from 'zod';
import { CONSENT_SOURCES, GDPR_REQUEST_KINDS } from '../../privacy/constants';
import { id, optionalText, requiredText } from '../../forms/messages';

const kind = z.enum(GDPR_REQUEST_KINDS, {
	error: 'Choose what is asked: access, rectification, erasure, restriction or objection.'
});

export const requestSchema = z.object({
	kind,
	details: optionalText('details', 2000)
});

export const requestForMemberSchema = requestSchema.extend({
	subject: id('Choose the member the request is about.')
});

export const advanceSchema = z
	.object({
		request: id('No such request.'),
		state: z.enum(['in_progress', 'completed', 'refused'], { error: 'Choose a step.' }),
		reason: optionalText('reason', 1000)
	})
	.refine((v) => v.state !== 'refused' || v.reason.trim() !== '', {
		message: 'Say why the request is refused.',
		path: ['reason']
	});

export const purposeKey = z
	.string()
	.trim()
	.regex(/^[a-z][a-z0-9_.-]{1,49}$/, {
		error:
			'Use 2–50 lower-case letters, digits, dots, dashes or underscores, starting with a letter.'
	});

export const purposeSchema = z.object({
	key: purposeKey,
	name: requiredText('name', 100),
	description: optionalText('description', 2000)
});

export const purposeUpdateSchema = z.object({
	purpose: id('No such purpose.'),
	name: requiredText('name', 100),
	description: optionalText('description', 2000),
	new_version: z.stringbool().default(false),
	active: z.stringbool().default(false)
});

export const consentSchema = z.object({
	purpose: id('No such purpose.'),
	granted: z.stringbool({ error: 'Choose to give or withdraw the consent.' })
});

export const consentSourceSchema = z.enum(CONSENT_SOURCES);

export const extendSchema = z.object({
	request: id('No such request.'),
	reason: requiredText('reason', 1000)
});
