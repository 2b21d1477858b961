/**
 * The engines integration tests run on: the embedded engine always, and a real Postgres server
 * when TEST_DATABASE_URL is set — each test gets a database of its own, created and dropped here.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { MEMORY, openEmbedded } from '../../src/lib/server/platform/embedded';
import type { Engine } from '../../src/lib/server/platform/engine';
import { openServer } from '../../src/lib/server/platform/server';

export interface TestEngine {
	engine: Engine;
	/** A connection URL for the same database, for wire-level clients (server engine only). */
	url?: string;
	dispose(): Promise<void>;
}

export type EngineFactory = () => Promise<TestEngine>;

export const serverUrl = process.env.TEST_DATABASE_URL;

export const embeddedFactory: EngineFactory = async () => {
	const engine = await openEmbedded(MEMORY);
	return { engine, dispose: () => engine.close() };
};

export const serverFactory = async (poolMax = 4): Promise<TestEngine> => {
	if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
	const name = `tenantry_test_${randomBytes(6).toString('hex')}`;
	await admin(serverUrl, `create database ${name}`);
	const url = new URL(serverUrl);
	url.pathname = `/${name}`;
	const engine = openServer(url.toString(), poolMax);
	return {
		engine,
		url: url.toString(),
		async dispose() {
			await engine.close();
			await admin(serverUrl, `drop database if exists ${name} with (force)`);
		}
	};
};

/** [name, factory] pairs for `describe.each`: the server profile only when it is configured. */
export const engineFactories: [string, EngineFactory][] = [
	['embedded', embeddedFactory],
	...(serverUrl
		? ([['server (Postgres)', () => serverFactory()]] as [string, EngineFactory][])
		: [])
];

async function admin(url: string, statement: string) {
	const client = new pg.Client(url);
	await client.connect();
	try {
		await client.query(statement);
	} finally {
		await client.end();
	}
}
