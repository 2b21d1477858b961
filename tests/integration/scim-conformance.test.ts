/**
 * Microsoft's SCIM validator collection for Entra ID (../shared/conformance/scim, Postman format,
 * MIT licence), run in full by newman against the `scim` edge function served in Deno on loopback
 * — all but its "Get Token" folder (the token is passed as its variable) — on a tenant that starts
 * with no SCIM resources, as the collection assumes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import newman from 'newman';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedEmbedded } from '../support/database';
import { scimToken, serveFunctions, type ServedFunctions } from '../support/scim';
import type { EmbeddedEngine } from '../../src/lib/server/platform/embedded';
import type { WireServer } from '../../src/lib/server/platform/wire';

// Beside the repository (../shared), or beside the folder of worktrees (../../shared).
const FILE = 'shared/conformance/scim/entra-scim-postman-collection.json';
const collectionPath =
	process.env.SCIM_CONFORMANCE_COLLECTION ??
	[resolve('..', FILE), resolve('../..', FILE)].find((p) => existsSync(p)) ??
	resolve('..', FILE);

interface Item {
	name: string;
	item?: Item[];
}

describe('the Entra ID SCIM validator collection, by newman', () => {
	let engine: EmbeddedEngine;
	let wire: WireServer;
	let functions: ServedFunctions;

	beforeAll(async () => {
		({ engine, wire } = await servedEmbedded({ seed: true, maxConnections: 16 }));
		functions = await serveFunctions(wire.url);
	}, 180_000);
	afterAll(async () => {
		functions?.stop();
		await wire?.stop();
		await engine?.close();
	});

	it('passes every request and assertion of the collection (its Get Token folder left out)', async () => {
		let text: string;
		try {
			text = readFileSync(collectionPath, 'utf8');
		} catch {
			throw new Error(
				`The conformance collection is missing at ${collectionPath} (set SCIM_CONFORMANCE_COLLECTION to its path).`
			);
		}
		const collection = JSON.parse(text) as { item: Item[] };
		const skipped = collection.item.filter((i) => i.name === 'Get Token');
		expect(skipped, 'the collection has its Get Token folder').toHaveLength(1);
		collection.item = collection.item.filter((i) => i.name !== 'Get Token');

		const token = await scimToken(engine, 'globex', 'newman');
		const url = new URL(functions.url);
		const summary = await new Promise<newman.NewmanRunSummary>((done, fail) =>
			newman.run(
				{
					collection: collection as never,
					envVar: [
						{ key: 'Protocol', value: 'http' },
						{ key: 'Server', value: url.hostname },
						{ key: 'Port', value: `:${url.port}` },
						{ key: 'Api', value: 'functions/v1/scim/globex/v2' },
						{ key: 'token', value: token }
					],
					reporters: [],
					timeoutRequest: 30_000
				},
				(error, result) => (error ? fail(error) : done(result))
			)
		);
		const failures = summary.run.failures.map(
			(f) => `${f.source?.name ?? '?'}: ${f.error.test ?? ''} ${f.error.message}`
		);
		expect(failures, failures.join('\n')).toEqual([]);
		expect(summary.run.stats.requests.total).toBeGreaterThanOrEqual(70);
		expect(summary.run.stats.assertions.total).toBeGreaterThanOrEqual(90);
		expect(summary.run.stats.assertions.failed).toBe(0);
	}, 300_000);
});
