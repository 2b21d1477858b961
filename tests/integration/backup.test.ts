/**
 * Backup and restore of the embedded profile (docs/operations.md#backup-and-restore), against the
 * app as `npm start` runs it on a data directory: `npm run db:backup` takes a snapshot through the
 * running process (GET /api/backup, BACKUP_TOKEN) while a writer keeps inserting projects over the
 * wire socket; `npm run db:restore` puts it into a fresh directory and refuses a non-empty one
 * without --force; a second engine opened on the restored directory holds, table by table, what
 * the live database held (tables nobody wrote during the backup are identical; the written table
 * holds exactly the projects committed before some moment of the backup, none half-written), and
 * every tenant's audit chain verifies.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded, type EmbeddedEngine } from '../../src/lib/server/platform/embedded';
import { runAsServiceRole } from '../../src/lib/server/platform/rls';
import { startApp, type App } from '../support/app';

const run = promisify(execFile);
const TOKEN = 'backup-test-token-0123456789abcdef';
const PREFIX = 'bk-';

let app: App;
let db: pg.Client;
let scratch: string;
/** An organisation of the test's own, with no plan (so no project quota), for the writer. */
let tenantId: string;
let restored: EmbeddedEngine | undefined;

function dbScript(args: string[], env: Record<string, string> = {}) {
	return run(process.execPath, ['--import', 'tsx', 'scripts/db.ts', ...args], {
		env: { ...process.env, BACKUP_TOKEN: TOKEN, BACKUP_URL: app.url, ...env },
		timeout: 240_000
	});
}

/** Per table of the public schema: row count and a digest of every row's text, in order. */
const FINGERPRINTS = `
	select c.relname as name,
	       (xpath('/row/f/text()', query_to_xml(format(
	          'select count(*) || '':'' || coalesce(md5(string_agg(t::text, ''|'' order by t::text)), '''') as f from public.%I t',
	          c.relname), false, true, '')))[1]::text as fingerprint
	from pg_class c join pg_namespace n on n.oid = c.relnamespace
	where n.nspname = 'public' and c.relkind in ('r', 'p')
	order by c.relname`;

async function liveFingerprints(): Promise<Map<string, string>> {
	const { rows } = await db.query<{ name: string; fingerprint: string }>(FINGERPRINTS);
	return new Map(rows.map((r) => [r.name, r.fingerprint]));
}

beforeAll(async () => {
	scratch = mkdtempSync(join(tmpdir(), 'tenantry-backup-'));
	app = await startApp({ BACKUP_TOKEN: TOKEN });
	db = new pg.Client(app.databaseUrl);
	await db.connect();
	const { rows } = await db.query<{ id: string }>(
		`insert into public.tenants (slug, name, status, created_by)
		 values ('backup-co', 'Backup Co', 'active', 'a0000000-0000-4000-8000-000000000011') returning id`
	);
	tenantId = rows[0]!.id;
}, 240_000);

afterAll(async () => {
	await restored?.close();
	await db?.end();
	await app?.stop();
	rmSync(scratch, { recursive: true, force: true });
});

describe('npm run db:backup and db:restore (embedded)', () => {
	const file = () => join(scratch, 'snapshot.tar.gz');
	const target = () => join(scratch, 'restored');
	let before: Map<string, string>;
	let after: Map<string, string>;
	let committedBefore: number;
	let committed: string[];

	it('answers only the token', async () => {
		expect((await fetch(`${app.url}/api/backup`)).status).toBe(401);
		const wrong = await fetch(`${app.url}/api/backup`, {
			headers: { authorization: 'Bearer not-the-token-0123456789abcdef' }
		});
		expect(wrong.status).toBe(401);
	});

	it('takes a snapshot through the running app while writes continue', async () => {
		committed = [];
		let writing = true;
		const writer = (async () => {
			for (let i = 0; writing; i++) {
				const slug = `${PREFIX}${String(i).padStart(5, '0')}`;
				await db.query(`insert into public.projects (tenant_id, name, slug) values ($1, $2, $2)`, [
					tenantId,
					slug
				]);
				committed.push(slug);
			}
		})();
		let failed: unknown = null;
		void writer.catch((e: unknown) => (failed = e));
		while (committed.length < 5 && !failed) await new Promise((r) => setTimeout(r, 20));
		if (failed) throw failed;
		before = await liveFingerprints();
		committedBefore = committed.length;
		const { stdout } = await dbScript(['backup', file()]);
		expect(stdout).toMatch(/wrote .+snapshot\.tar\.gz \(\d+ bytes\)/);
		const committedAfter = committed.length;
		after = await liveFingerprints();
		writing = false;
		await writer;
		expect(committedAfter, 'the writer kept writing during the backup').toBeGreaterThan(
			committedBefore
		);
	}, 300_000);

	it('restores into a fresh directory, and refuses a non-empty one without --force', async () => {
		const { stdout } = await dbScript(['restore', file(), '--data-dir', target()]);
		expect(stdout).toContain(`restored ${file()} into ${target()}`);
		const occupied = join(scratch, 'occupied');
		mkdirSync(occupied);
		writeFileSync(join(occupied, 'keep.txt'), 'mine');
		const refused = await dbScript(['restore', file(), '--data-dir', occupied]).then(
			() => null,
			(e: { stderr: string; code: number }) => e
		);
		expect(refused?.code).toBe(1);
		expect(refused?.stderr).toContain(
			`${occupied} is not empty: restore into an empty directory (--data-dir DIR), or add --force to replace what is there.`
		);
		await dbScript(['restore', file(), '--data-dir', occupied, '--force']);
		const forced = await openEmbedded(occupied);
		const count = await forced.session((s) =>
			s.query<{ n: number }>('select count(*)::int as n from public.tenants')
		);
		await forced.close();
		expect(count[0]!.n).toBeGreaterThan(0);
	}, 300_000);

	it('a second engine on the restored directory holds the same rows, table by table', async () => {
		restored = await openEmbedded(target());
		const rows = await restored.session((s) =>
			s.query<{ name: string; fingerprint: string }>(FINGERPRINTS)
		);
		const copy = new Map(rows.map((r) => [r.name, r.fingerprint]));
		expect([...copy.keys()]).toEqual([...before.keys()]);
		const steady = [...before.keys()].filter((name) => before.get(name) === after.get(name));
		expect(steady.length).toBeGreaterThan(50);
		expect(steady.filter((name) => copy.get(name) !== before.get(name))).toEqual([]);
		// The written table: exactly a prefix of what the writer committed, cut during the backup.
		const projects = await restored.session((s) =>
			s.query<{ slug: string }>(
				`select slug from public.projects where slug like 'bk-%' order by slug`
			)
		);
		const slugs = projects.map((p) => p.slug);
		expect(slugs.length).toBeGreaterThanOrEqual(committedBefore);
		expect(slugs).toEqual(committed.slice(0, slugs.length));
		expect(slugs.length).toBeLessThan(committed.length);
	});

	it('every tenant’s audit chain verifies in the restored copy', async () => {
		const chains = await runAsServiceRole(restored!.db, 'audit.seal', async (trx) => {
			const { rows } = await sql<{ tenant: string; problem: string | null }>`
				select t.id as tenant, v.problem from public.tenants t,
				       lateral public.verify_audit_chain(t.id) v`.execute(trx);
			return rows;
		});
		expect(chains.length).toBeGreaterThanOrEqual(2);
		expect(chains.filter((c) => c.problem !== null)).toEqual([]);
		// The chains verified hold rows: the seeded history, at least.
		const [audited] = await restored!.session((s) =>
			s.query<{ n: number }>('select count(*)::int as n from public.audit_logs')
		);
		expect(audited!.n).toBeGreaterThan(10);
	});
});
