/**
 * npm run events:docs — writes the event catalogue section of docs/events.md (every type's
 * payload as JSON Schema) from src/lib/server/events/catalogue.ts. `--verify` exits 1 when the
 * committed file is stale (src/lib/server/events/docs.spec.ts makes the same comparison).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { EVENTS_DOC, withCatalogue } from '../src/lib/server/events/docs';

const current = readFileSync(EVENTS_DOC, 'utf8');
const fresh = await withCatalogue(current);
if (process.argv.includes('--verify')) {
	if (current !== fresh) {
		console.error(`${EVENTS_DOC} is stale: run npm run events:docs`);
		process.exit(1);
	}
	console.log(`${EVENTS_DOC} is up to date`);
} else {
	writeFileSync(EVENTS_DOC, fresh);
	console.log(`wrote ${EVENTS_DOC}`);
}
