/**
 * npx tsx scripts/compare-schemas.ts [--base <git ref>] [--server <url>] — proves that two migration
 * histories build the same database: the migrations of <base> (default `main`) and the ones in the
 * working tree are each applied, with the compat layer, to a fresh database of their own on a
 * Postgres server (default postgresql://postgres:postgres@127.0.0.1:5432/postgres), then compared:
 *
 *   * the schema: `pg_dump --schema-only --no-owner` of each, cut into its objects (pg_dump's
 *     `-- Name: …` blocks: tables with their columns in order, functions with their bodies and
 *     settings, policies, triggers, constraints, indexes, grants, comments), compared as sets;
 *   * the reference data the migrations seed (permission catalogue, system roles and what they
 *     grant, plans, plan limits, usage metrics, system settings), without generated ids or times,
 *     and the audit rows the migrations themselves wrote.
 *
 * Exits 0 when both match but for the EXPECTED differences (each printed with why it is
 * acceptable); otherwise prints each object or row found on one side only and exits 1.
 * The two databases are dropped afterwards. Migration bookkeeping (supabase_migrations) is left out:
 * it records the files, which is what differs by design.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/lib/server/platform/migrate';
import { openServer } from '../src/lib/server/platform/server';

// The engines here are used through their sessions only, so their pools are ended directly
// (Kysely's destroy ends only a pool Kysely itself has used).

function flag(name: string, fallback: string): string {
	const i = process.argv.indexOf(name);
	return i > -1 ? process.argv[i + 1]! : fallback;
}

const BASE = flag('--base', 'main');
const SERVER = flag('--server', 'postgresql://postgres:postgres@127.0.0.1:5432/postgres');

/** The rows of the reference tables, keyed by what identifies them rather than by generated ids. */
const REFERENCE_DATA: Record<string, string> = {
	permissions: `select to_jsonb(p) from public.permissions p order by p.code`,
	system_roles: `select to_jsonb(r) - 'id' - 'created_at' - 'updated_at' from public.roles r
	  where r.tenant_id is null order by r.key`,
	system_role_permissions: `select jsonb_build_object('role', r.key, 'permission', rp.permission_code)
	  from public.role_permissions rp join public.roles r on r.id = rp.role_id
	  where r.tenant_id is null order by r.key, rp.permission_code`,
	plans: `select to_jsonb(p) - 'id' - 'created_at' - 'updated_at' from public.plans p order by p.code`,
	plan_limits: `select to_jsonb(l) - 'plan_id' - 'created_at' - 'updated_at' || jsonb_build_object('plan', p.code)
	  from public.plan_limits l join public.plans p on p.id = l.plan_id order by p.code, l.metric`,
	usage_metrics: `select to_jsonb(m) - 'created_at' - 'updated_at' from public.usage_metrics m order by m.key`,
	system_settings: `select to_jsonb(s) - 'updated_at' - 'updated_by' from public.system_settings s order by s.key`,
	audit_seal_cursor: `select to_jsonb(c) from private.audit_seal_cursor c`,
	audit_logs: `select jsonb_build_object('actor', l.actor_type, 'job', l.actor_job, 'action', l.action,
	    'target', l.target_type, 'id', regexp_replace(l.target_id, '^[0-9a-f-]{36}:', 'role:'))
	  from public.audit_logs l order by l.action, l.target_id`
};

/**
 * Rewrites of the working tree's schema objects before they are compared, each with its reason:
 * what the squash moved on purpose, put back where the old history had it. Allowed, not required:
 * a rewrite applies only when the base does not have the object in the same place already (a base
 * after the squash, such as main now, has it where the working tree has it).
 */
const MOVED: { from: RegExp; why: string }[] = [
	{
		from: /,\n {4}CONSTRAINT payments_rejection_note CHECK .*(?=\n\);)/,
		why: 'payments_rejection_note is inside create table public.payments (valid) instead of added NOT VALID later'
	}
];

/**
 * Differences that are the point of the squash, each with why it is acceptable. An entry matches
 * a schema object or row that contains its text; it is reported, not counted. Allowed, not
 * required: against a base after the squash none of them appears.
 */
const EXPECTED: { side: 'base' | 'tree'; text: string; why: string }[] = [
	{
		side: 'base',
		text: 'ADD CONSTRAINT payments_rejection_note CHECK',
		why: 'was added NOT VALID so that rows older than the rule stayed; a fresh table has it valid, in the create table'
	},
	{
		side: 'base',
		text: 'usage.record',
		why: 'the old history added the permission usage.record (and gave it to admin and developer) after auditing was on, which audited the migration itself; it is now in the catalogue from the start'
	}
];

function databaseUrl(name: string): string {
	const url = new URL(SERVER);
	url.pathname = `/${name}`;
	return url.toString();
}

/** pg_dump's schema, as the set of its object blocks (each starting at a `-- Name:` header). */
function schemaObjects(url: string): string[] {
	const dump = execFileSync(
		'pg_dump',
		['--schema-only', '--no-owner', '--exclude-schema=supabase_migrations', url],
		{ encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }
	);
	return dump
		.replace(/^\\(un)?restrict .*$/gm, '')
		.split(/\n(?=--\n-- (?:Name|Data for Name): )/)
		.slice(1)
		.map((block) => block.replace(/^--\n-- /, '').trim())
		.sort();
}

async function referenceData(url: string): Promise<string[]> {
	const engine = openServer(url, 1);
	try {
		return await engine.session(async (s) => {
			const rows: string[] = [];
			for (const [table, query] of Object.entries(REFERENCE_DATA)) {
				const result = await s.query<Record<string, unknown>>(query);
				for (const r of result) rows.push(`${table}: ${JSON.stringify(Object.values(r)[0])}`);
			}
			return rows;
		});
	} finally {
		await engine.pool.end();
	}
}

async function build(name: string, dir: string): Promise<{ schema: string[]; data: string[] }> {
	const admin = openServer(SERVER, 1);
	try {
		await admin.session(async (s) => {
			await s.exec(`drop database if exists ${name}`);
			await s.exec(`create database ${name}`);
		});
	} finally {
		await admin.pool.end();
	}
	const url = databaseUrl(name);
	const engine = openServer(url, 2);
	try {
		const result = await migrate(engine, { dir, compat: 'auto' });
		console.log(`${name}: ${result.total} migrations from ${dir}`);
	} finally {
		await engine.pool.end();
	}
	return { schema: schemaObjects(url), data: await referenceData(url) };
}

async function drop(name: string) {
	const admin = openServer(SERVER, 1);
	try {
		await admin.session((s) => s.exec(`drop database if exists ${name}`));
	} finally {
		await admin.pool.end();
	}
}

function onlyIn(a: string[], b: string[]): string[] {
	const other = new Map<string, number>();
	for (const x of b) other.set(x, (other.get(x) ?? 0) + 1);
	return a.filter((x) => {
		const n = other.get(x) ?? 0;
		if (n === 0) return true;
		other.set(x, n - 1);
		return false;
	});
}

async function main(): Promise<number> {
	const work = mkdtempSync(join(tmpdir(), 'compare-schemas-'));
	const suffix = `${process.pid}_${Date.now()}`;
	const names = { base: `compare_base_${suffix}`, tree: `compare_tree_${suffix}` };
	try {
		execFileSync('sh', ['-c', `git archive ${BASE} supabase/migrations | tar -x -C ${work}`]);
		const base = await build(names.base, join(work, 'supabase/migrations'));
		const tree = await build(names.tree, 'supabase/migrations');
		for (const moved of MOVED) {
			const hit = tree.schema.findIndex((x) => moved.from.test(x));
			if (hit === -1 || base.schema.some((x) => moved.from.test(x))) continue;
			tree.schema[hit] = tree.schema[hit]!.replace(moved.from, '');
			console.log(`(moved) ${moved.why}`);
		}
		let differences = 0;
		let expected = 0;
		const report = (side: 'base' | 'tree', what: string, x: string) => {
			const known = EXPECTED.find(
				(e) =>
					e.side === side &&
					x.includes(e.text) &&
					(what !== 'reference row' || x.startsWith('audit_logs'))
			);
			const where = side === 'base' ? `only in ${BASE}` : 'only in the working tree';
			if (known) {
				expected++;
				console.log(`\n(expected) ${what} ${where}: ${x.split('\n')[0]}\n  why: ${known.why}`);
			} else {
				differences++;
				console.log(`\n${side === 'base' ? '---' : '+++'} ${what} ${where}:\n${x}`);
			}
		};
		for (const [what, a, b] of [
			['schema object', base.schema, tree.schema],
			['reference row', base.data, tree.data]
		] as const) {
			for (const x of onlyIn(a, b)) report('base', what, x);
			for (const x of onlyIn(b, a)) report('tree', what, x);
		}
		console.log(
			`\n${base.schema.length} / ${tree.schema.length} schema objects, ` +
				`${base.data.length} / ${tree.data.length} reference rows (${BASE} / working tree): ` +
				(differences === 0 ? 'identical' : `${differences} unexpected differences`) +
				(expected ? `, besides ${expected} expected ones (above).` : '.')
		);
		return differences === 0 ? 0 : 1;
	} finally {
		await drop(names.base);
		await drop(names.tree);
		rmSync(work, { recursive: true, force: true });
	}
}

main().then(
	(code) => process.exit(code),
	(error: unknown) => {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	}
);
