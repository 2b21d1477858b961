/**
 * LISTEN on a channel of the process's database: PGlite's in-process listen on the embedded engine
 * (it hears what this process's transactions notify, not always what clients of the wire server
 * do, so listeners poll as well), a connection of its own on Postgres. Used by the webhook waker
 * (webhook_deliveries) and the job queue's worker (jobs).
 */
import pg from 'pg';
import type { Engine } from './engine';
import type { EmbeddedEngine } from './embedded';

/** Calls `onNotify` with each notification's payload; resolves with the function that stops it. */
export async function listen(
	engine: Engine,
	databaseUrl: string | undefined,
	channel: string,
	onNotify: (payload: string) => void,
	log: (line: string) => void = () => {}
): Promise<() => Promise<void>> {
	if (engine.kind === 'embedded') {
		const { pglite, lock } = engine as EmbeddedEngine;
		// LISTEN is a statement: it waits its turn like every other client's.
		const release = await lock.acquire();
		try {
			await pglite.listen(channel, (payload) => onNotify(payload));
		} finally {
			release();
		}
		return async () => {};
	}
	if (!databaseUrl) throw new Error('LISTEN needs the database URL (DATABASE_URL).');
	const client = new pg.Client({ connectionString: databaseUrl });
	client.on('notification', (message) => {
		if (message.channel === channel) onNotify(message.payload ?? '');
	});
	client.on('error', (error) => log(`LISTEN ${channel}: ${error.message}`));
	await client.connect();
	await client.query(`listen ${client.escapeIdentifier(channel)}`);
	return () => client.end();
}
