/**
 * npm run bench -- events [--rounds N]
 *
 * What publishing domain events costs the writes that publish them (20261202000000_events.sql's
 * row triggers calling private.publish_event). Each workload runs as the tenant's owner
 * (runWithClaims, RLS on), in alternating batches with the publishing triggers enabled and
 * disabled (ALTER TABLE … DISABLE TRIGGER between batches), medians compared in one run:
 *   - rename a project (one UPDATE, one project.updated);
 *   - create and delete a project (the insert makes three environments: four *.created, then
 *     one project.deleted — five events);
 *   - add and remove a team member (two events);
 *   - one INSERT of 1000 team members (1000 events) and its DELETE (1000 more).
 * On the embedded engine, and on Postgres 15 when TEST_DATABASE_URL is set.
 */
import { sql } from 'kysely';
import type { Engine } from '../src/lib/server/platform/engine';
import { runWithClaims } from '../src/lib/server/platform/rls';
import { argValue, fmt, forEachEngine, median, table } from './_setup';

const MEMBERS = 1000;
const OWNER = '00000000-0000-4000-8000-00000000e000';
const PUBLISHING = [
	['projects', 'projects_publish'],
	['environments', 'environments_publish'],
	['team_members', 'team_members_publish']
] as const;

export async function run(args: string[]): Promise<void> {
	const rounds = Number(argValue(args, '--rounds') ?? 7);
	console.log(`bench events: ${rounds} alternating rounds per workload, triggers on vs off`);
	await forEachEngine('events', async (engine, name) => {
		console.log(`\n=== ${name} ===`);
		const fixture = await load(engine);
		await compareWrites(engine, fixture, rounds);
	});
}

interface Fixture {
	tenant: string;
	project: string;
	team: string;
	members: string[];
}

async function load(engine: Engine): Promise<Fixture> {
	return engine.session(async (s) => {
		await s.exec(`
			insert into auth.users (id, aud, role, email, email_confirmed_at, created_at, updated_at)
			select ('00000000-0000-4000-8000-' || lpad(to_hex(57344 + g), 12, '0'))::uuid, 'authenticated', 'authenticated',
			       'events' || g || '@example.test', now(), now(), now()
			from generate_series(0, ${MEMBERS}) g;
			insert into public.tenants (slug, name, status) values ('bench-events', 'Bench events', 'active');
			insert into public.memberships (tenant_id, user_id, is_owner)
			select t.id, u.id, u.id = '${OWNER}' from public.tenants t, auth.users u
			where t.slug = 'bench-events' and u.email like 'events%@example.test';
			insert into public.projects (tenant_id, slug, name)
			select id, 'renamed', 'Renamed 0' from public.tenants where slug = 'bench-events';
			insert into public.teams (tenant_id, name) select id, 'Bench' from public.tenants where slug = 'bench-events';
			analyze;
		`);
		const [row] = await s.query<{ tenant: string; project: string; team: string }>(
			`select t.id as tenant, p.id as project, m.id as team from public.tenants t
			 join public.projects p on p.tenant_id = t.id join public.teams m on m.tenant_id = t.id
			 where t.slug = 'bench-events'`
		);
		const members = await s.query<{ id: string }>(
			`select user_id as id from public.memberships m join public.tenants t on t.id = m.tenant_id
			 where t.slug = 'bench-events' and not m.is_owner order by user_id`
		);
		return { ...row!, members: members.map((m) => m.id) };
	});
}

async function publishing(engine: Engine, on: boolean): Promise<void> {
	await engine.session((s) =>
		s.exec(
			PUBLISHING.map(
				([t, trigger]) => `alter table public.${t} ${on ? 'enable' : 'disable'} trigger ${trigger};`
			).join('\n')
		)
	);
}

const asOwner = <T>(engine: Engine, fn: Parameters<typeof runWithClaims<T>>[2]) =>
	runWithClaims(engine.db, { sub: OWNER, role: 'authenticated' }, fn);

interface Workload {
	label: string;
	events: number;
	/** Operations per batch (each its own transaction unless said). */
	ops: number;
	op: (i: number) => Promise<unknown>;
}

function workloads(engine: Engine, f: Fixture): Workload[] {
	let seq = 0;
	return [
		{
			label: 'rename a project',
			events: 1,
			ops: 100,
			op: (i) =>
				asOwner(engine, (trx) =>
					sql`update public.projects set name = ${`Renamed ${++seq}-${i}`} where id = ${f.project}`.execute(
						trx
					)
				)
		},
		{
			label: 'create + delete a project',
			events: 5,
			ops: 40,
			op: () =>
				asOwner(engine, async (trx) => {
					const slug = `bench-${++seq}`;
					await sql`insert into public.projects (tenant_id, slug, name) values (${f.tenant}, ${slug}, 'Bench')`.execute(
						trx
					);
					await sql`delete from public.projects where tenant_id = ${f.tenant} and slug = ${slug}`.execute(
						trx
					);
				})
		},
		{
			label: 'add + remove a team member',
			events: 2,
			ops: 100,
			op: (i) =>
				asOwner(engine, async (trx) => {
					const user = f.members[i % f.members.length]!;
					await sql`insert into public.team_members (tenant_id, team_id, user_id) values (${f.tenant}, ${f.team}, ${user})`.execute(
						trx
					);
					await sql`delete from public.team_members where team_id = ${f.team} and user_id = ${user}`.execute(
						trx
					);
				})
		},
		{
			label: `${MEMBERS} team members in one INSERT, then one DELETE`,
			events: 2 * MEMBERS,
			ops: 1,
			op: () =>
				asOwner(engine, async (trx) => {
					await sql`insert into public.team_members (tenant_id, team_id, user_id)
						select ${f.tenant}, ${f.team}, u from unnest(${f.members}::uuid[]) u`.execute(trx);
					await sql`delete from public.team_members where team_id = ${f.team}`.execute(trx);
				})
		}
	];
}

/** Milliseconds per operation over one batch. */
async function batch(w: Workload): Promise<number> {
	const started = performance.now();
	for (let i = 0; i < w.ops; i++) await w.op(i);
	return (performance.now() - started) / w.ops;
}

async function compareWrites(engine: Engine, f: Fixture, rounds: number): Promise<void> {
	const rows: (string | number)[][] = [
		['workload', 'events/op', 'off ms/op', 'on ms/op', 'on/off', 'µs per event']
	];
	for (const w of workloads(engine, f)) {
		const off: number[] = [];
		const on: number[] = [];
		const measure = async (publish: boolean) => {
			await publishing(engine, publish);
			(publish ? on : off).push(await batch(w));
		};
		await measure(true);
		await measure(false);
		on.length = 0;
		off.length = 0;
		for (let r = 0; r < rounds; r++) {
			const order = r % 2 === 0 ? [true, false] : [false, true];
			for (const publish of order) await measure(publish);
		}
		await publishing(engine, true);
		const a = median(on);
		const b = median(off);
		rows.push([
			w.label,
			w.events,
			fmt(b),
			fmt(a),
			(a / b).toFixed(2),
			(((a - b) * 1000) / w.events).toFixed(0)
		]);
	}
	const [published] = await engine.session((s) =>
		s.query<{ n: string }>(`select count(*) as n from public.events`)
	);
	console.log(
		`\nwrites as the owner under RLS, medians of ${rounds} alternating batches (${published?.n} events written)`
	);
	console.log(table(rows));
}
