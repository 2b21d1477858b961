import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from './catalogue';
import { EVENTS_DOC, renderCatalogue, withCatalogue } from './docs';

describe('docs/events.md', () => {
	it('holds the catalogue as the zod schemas render it (npm run events:docs)', async () => {
		const doc = readFileSync(EVENTS_DOC, 'utf8');
		expect(
			doc === (await withCatalogue(doc)),
			`${EVENTS_DOC} is stale: run npm run events:docs`
		).toBe(true);
	});

	it('documents every type with a JSON Schema of its payload', () => {
		const rendered = renderCatalogue();
		for (const type of EVENT_TYPES) expect(rendered).toContain(`#### \`${type}\``);
		expect(
			rendered.match(/"\$schema": "https:\/\/json-schema.org\/draft\/2020-12\/schema"/g)
		).toHaveLength(EVENT_TYPES.length);
	});
});
