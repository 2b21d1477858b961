/**
 * The event catalogue section of docs/events.md, generated from the zod catalogue: per type, its
 * subject, payload version, description and the payload's JSON Schema (zod 4's z.toJSONSchema).
 * `npm run events:docs` writes it between the markers; docs.spec.ts fails when the committed file
 * differs from what this renders.
 */
import { format, resolveConfig } from 'prettier';
import { EVENT_CATALOGUE, EVENT_TYPES, payloadJsonSchema } from './catalogue';

export const EVENTS_DOC = 'docs/events.md';
const START = '<!-- catalogue:start (npm run events:docs writes this section) -->';
const END = '<!-- catalogue:end -->';

export function renderCatalogue(): string {
	const modules = [...new Set(EVENT_TYPES.map((t) => EVENT_CATALOGUE[t].module))].sort();
	const parts: string[] = [];
	for (const module of modules) {
		parts.push(`### ${module}`, '');
		for (const type of EVENT_TYPES.filter((t) => EVENT_CATALOGUE[t].module === module)) {
			const def = EVENT_CATALOGUE[type];
			parts.push(
				`#### \`${type}\``,
				'',
				`${def.description} Subject: \`${def.subject}\`. Payload version ${def.version}.`,
				'',
				'```json',
				JSON.stringify(payloadJsonSchema(type), null, 2),
				'```',
				''
			);
		}
	}
	return parts.join('\n');
}

/**
 * The document with its catalogue section replaced by what the catalogue renders now, formatted
 * as `npm run format` would (so the check and prettier agree).
 */
export async function withCatalogue(doc: string): Promise<string> {
	const start = doc.indexOf(START);
	const end = doc.indexOf(END);
	if (start < 0 || end < start) {
		throw new Error(`${EVENTS_DOC} has no "${START}" … "${END}" section`);
	}
	const text = `${doc.slice(0, start + START.length)}\n\n${renderCatalogue()}\n${doc.slice(end)}`;
	return format(text, { ...(await resolveConfig(EVENTS_DOC)), filepath: EVENTS_DOC });
}
