/**
 * npm run bench -- api-keys [--iterations N] [--keys N] [--limit N]
 *
 * What an API key costs a request (issue 12), on PGlite and (TEST_DATABASE_URL) on Postgres:
 *   - the key check alone (src/lib/server/api-keys/verify.ts): format + checksum + HMAC, then the
 *     verified-key cache (by prefix, constant-time hash compare) or, without it, one lookup; p50/p99;
 *   - what SQL adds per request to keep revocation effective despite that cache: the key
 *     transaction's first statement, private.assert_api_key_active(), against an empty transaction;
 *   - the limiter's own cost per request (one upsert in private.api_key_windows, own transaction);
 *   - the proof that a key limited to N a minute gets exactly N under 32 concurrent clients: on
 *     Postgres from 4 separate processes × 8 clients (each its own pool), on PGlite 32 clients in
 *     the one process the embedded engine is.
 * N other keys (default 10,000) sit in api_keys so the lookups are not on a toy table.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { generateApiKey } from '../src/lib/server/api-keys/format';
import { hitRateLimit } from '../src/lib/server/api-keys/rate-limit';
import { ApiKeyVerifier } from '../src/lib/server/api-keys/verify';
import { createApiKey } from '../src/lib/server/api-keys/queries';
import type { Engine } from '../src/lib/server/platform/engine';
import { seed } from '../src/lib/server/platform/migrate';
import { runWithClaims } from '../src/lib/server/platform/rls';
import { argValue, fmt, forEachEngine, table } from './_setup';

const run$ = promisify(execFile);
const ACME = 'b0000000-0000-4000-8000-000000000001';
const OWNER = { sub: 'a0000000-0000-4000-8000-000000000011', role: 'authenticated' as const };
const DEMO_KEY = 'tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1';

function percentile(samples: number[], p: number): number {
	const sorted = [...samples].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function sample(iterations: number, fn: () => Promise<unknown>): Promise<number[]> {
	for (let i = 0; i < Math.min(50, iterations); i++) await fn();
	const out: number[] = [];
	for (let i = 0; i < iterations; i++) {
		const started = performance.now();
		await fn();
		out.push(performance.now() - started);
	}
	return out;
}

const row = (label: string, samples: number[]) => [
	label,
	fmt(percentile(samples, 50)),
	fmt(percentile(samples, 99))
];

/** Waits out the last seconds of a minute, so a burst never straddles two windows. */
async function awayFromWindowEdge(): Promise<void> {
	const second = new Date().getUTCSeconds();
	if (second >= 50) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
}

async function newKey(engine: Engine, name: string, rateLimit: number) {
	return runWithClaims(
		engine.db,
		OWNER,
		(trx) =>
			createApiKey(trx, ACME, {
				name,
				mode: 'test',
				permissions: ['projects.read'],
				projectId: null,
				environmentId: null,
				expiresAt: null,
				rateLimit
			}),
		{}
	);
}

export async function run(args: string[]): Promise<void> {
	const iterations = Number(argValue(args, '--iterations') ?? 3000);
	const keys = Number(argValue(args, '--keys') ?? 10_000);
	const limit = Number(argValue(args, '--limit') ?? 100);
	console.log(
		`bench api-keys: ${iterations} samples per row, ${keys.toLocaleString('en')} other keys, limit N = ${limit}/min`
	);
	await forEachEngine('api_keys', async (engine, name, url) => {
		console.log(`\n=== ${name} ===`);
		await seed(engine, { file: 'supabase/seed.sql', owner: null });
		const db = engine.db;
		await sql`insert into public.api_keys (tenant_id, name, mode, scope, permissions, prefix, last_four, key_hash, created_by)
			select ${ACME}, 'filler', 'test', 'tenant', '{projects.read}', 'tnt_test_' || lpad(to_hex(n), 8, '0'), 'abcd',
			       extensions.digest(n::text, 'sha256'), ${OWNER.sub}
			from generate_series(1, ${keys}) n`.execute(db);
		await sql`analyze public.api_keys`.execute(db);

		const cached = new ApiKeyVerifier(db);
		const uncached = new ApiKeyVerifier(db, { cacheMs: 0 });
		const principal = (await cached.authenticate(DEMO_KEY, null))!;
		if (!principal) throw new Error('the demo key does not verify: is the seed loaded?');
		const noise = generateApiKey('test');

		const withCache = await sample(iterations, () => cached.authenticate(DEMO_KEY, null));
		const withoutCache = await sample(iterations, () => uncached.authenticate(DEMO_KEY, null));
		const unknown = await sample(Math.min(iterations, 1000), () =>
			uncached.authenticate(noise, null)
		);
		const keyTx = await sample(iterations, () =>
			runWithClaims(db, principal.claims, (trx) => sql`select 1`.execute(trx), {})
		);
		const personTx = await sample(iterations, () =>
			runWithClaims(db, OWNER, (trx) => sql`select 1`.execute(trx), {})
		);
		const { id: meteredId } = await newKey(engine, 'metered', 100_000);
		const limiter = await sample(iterations, () => hitRateLimit(db, meteredId, '203.0.113.1'));

		console.log(
			table([
				['ms per call', 'p50', 'p99'],
				row('key check, verified-key cache', withCache),
				row('key check, no cache (one lookup)', withoutCache),
				row('unknown key (checksum ok), lookup', unknown),
				row('key transaction: set + assert_api_key_active + select 1', keyTx),
				row('person transaction: set + select 1 (no session check)', personTx),
				row('rate limiter (own transaction, one upsert)', limiter)
			])
		);
		console.log(
			`revocation check in SQL adds ${fmt(percentile(keyTx, 50) - percentile(personTx, 50))} ms (p50) per request; ` +
				`the cache saves ${fmt(percentile(withoutCache, 50) - percentile(withCache, 50))} ms (p50) per request`
		);

		const { id: limitedId } = await newKey(engine, 'limited', limit);
		const attempts = Math.ceil((3 * limit) / 32);
		await awayFromWindowEdge();
		let allowed = 0;
		let sent = 0;
		let how: string;
		if (url) {
			const outputs = await Promise.all(
				Array.from({ length: 4 }, () =>
					run$(process.execPath, [
						'--import',
						'tsx',
						'bench/_api-keys-worker.ts',
						url,
						limitedId,
						'8',
						String(attempts)
					])
				)
			);
			for (const { stdout } of outputs) {
				const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
					allowed: number;
					refused: number;
				};
				allowed += result.allowed;
				sent += result.allowed + result.refused;
			}
			how = '4 processes × 8 clients';
		} else {
			const results = await Promise.all(
				Array.from({ length: 32 }, async () => {
					let mine = 0;
					for (let i = 0; i < attempts; i++)
						if ((await hitRateLimit(db, limitedId, null)).allowed) mine++;
					return mine;
				})
			);
			allowed = results.reduce((a, b) => a + b, 0);
			sent = 32 * attempts;
			how = '32 clients in one process';
		}
		console.log(
			`rate limit N = ${limit}/min, ${sent} requests from ${how}: ${allowed} allowed — ${allowed === limit ? 'exactly N' : `NOT N (${allowed})`}`
		);
		if (allowed !== limit) process.exitCode = 1;
	});
}
