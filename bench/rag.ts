/**
 * npm run bench -- rag [--chunks N] [--queries Q] [--ef 200,300,400] [--postgres-only]
 *
 * Tenant-isolated vector search as search_documents runs it. N chunks (default 200,000) of 384
 * dimensions across 1,000 tenants with skewed sizes — one holding 30 % of the chunks, the rest
 * Zipf-distributed so most hold under 100 — whose vectors are noisy copies of topics drawn from
 * one pool shared by every tenant (so a small tenant's global neighbours are mostly other
 * tenants' chunks: the case where a filtered HNSW search loses its results).
 *
 * For every tenant-size bucket: recall@10 against the exact scan of the tenant's chunks, the
 * share of searches returning fewer than 10 rows (for tenants holding at least 10), p50 and p95
 * latency — with the shared HNSW index and iterative scans off, on (relaxed_order), and the
 * chosen layout (exact below rag.exact_scan_below_chunks, iterative HNSW above with ef_search by
 * the tenant's size, as private.rag_scan_plan sets it), side by side; `--ef` adds iterative scans
 * at those ef_search values.
 * Then the index's build time and size, ingestion (chunks embedded and indexed per second by the
 * in-process embedder through the rag.ingest code), both engines.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/lib/server/platform/database';
import type { Engine } from '../src/lib/server/platform/engine';
import { loadConfig } from '../src/lib/server/platform/config';
import { runAsServiceRole } from '../src/lib/server/platform/rls';
import { ingestDocument } from '../src/lib/server/rag/ingest';
import { argValue, fmt, forEachEngine, percentile, table } from './_setup';

const TENANTS = 1000;
const DIMS = 384;
const POOL = 2000;
const TOPICS_PER_TENANT = 8;
const K = 10;

/** Chunks per tenant: tenant 0 holds 30 %, the others a Zipf (s = 1.1) share of the rest, at least 3. */
export function tenantSizes(chunks: number): number[] {
	const rest = Array.from({ length: TENANTS - 1 }, (_, i) => (i + 1) ** -1.1);
	const sum = rest.reduce((a, b) => a + b, 0);
	const sizes = [
		Math.round(chunks * 0.3),
		...rest.map((w) => Math.max(3, Math.round((w / sum) * chunks * 0.7)))
	];
	return sizes;
}

function bucketOf(size: number): string {
	if (size < 100) return '< 100';
	if (size < 1000) return '100–999';
	if (size < 10000) return '1k–9,999';
	return '≥ 10k';
}

async function load(engine: Engine, sizes: number[]) {
	const started = performance.now();
	await engine.session((s) =>
		s.exec(`
			insert into public.tenants (slug, name, status)
			select 'rag-bench-' || g, 'RAG bench ' || g, 'active' from generate_series(0, ${TENANTS - 1}) g;
			create table public.rag_bench_sizes (k integer primary key, n integer, tenant_id uuid, document_id uuid);
			insert into public.rag_bench_sizes (k, n, tenant_id)
			select s.k - 1, s.n, t.id from unnest('{${sizes.join(',')}}'::integer[]) with ordinality s (n, k)
			join public.tenants t on t.slug = 'rag-bench-' || (s.k - 1);
			insert into public.rag_documents (tenant_id, title, source, body, status, chunk_count)
			select tenant_id, 'Bench', 'text', 'x', 'ready', n from public.rag_bench_sizes;
			update public.rag_bench_sizes b set document_id = d.id from public.rag_documents d where d.tenant_id = b.tenant_id;
			create table public.rag_bench_pool (j integer primary key, v real[]);
			insert into public.rag_bench_pool
			select j, array(select (random() - 0.5)::real from generate_series(1, ${DIMS}) d where j >= 0) from generate_series(0, ${POOL - 1}) j;
			drop index public.rag_chunks_embedding_384_idx;
		`)
	);
	// One tenant a statement, so no statement holds all the vectors at once.
	for (let k = 0; k < TENANTS; k++) {
		await engine.session((s) =>
			s.exec(`
				insert into public.rag_chunks (tenant_id, document_id, seq, content, char_start, char_end, dimensions, embedding)
				select b.tenant_id, b.document_id, g.i, 'chunk ' || g.i || ' of tenant ' || b.k, 0, 1, ${DIMS},
				       (select array_agg(p.v[d] + ((random() - 0.5) * 0.8)::real order by d)
				        from generate_series(1, ${DIMS}) d where g.i >= 0)::extensions.vector
				from public.rag_bench_sizes b
				cross join generate_series(0, b.n - 1) g (i)
				join public.rag_bench_pool p on p.j = abs(hashint4(b.k * ${TOPICS_PER_TENANT} + g.i % ${TOPICS_PER_TENANT})) % ${POOL}
				where b.k = ${k}`)
		);
	}
	const loaded = performance.now() - started;
	await engine.session((s) => s.exec(`set maintenance_work_mem = '512MB'`));
	const buildStarted = performance.now();
	await engine.session((s) =>
		s.exec(`set maintenance_work_mem = '512MB';
			create index rag_chunks_embedding_384_idx on public.rag_chunks
			using hnsw ((embedding::extensions.vector(384)) extensions.vector_cosine_ops) where dimensions = 384;
			analyze public.rag_chunks;`)
	);
	const build = performance.now() - buildStarted;
	const [size] = await engine.session((s) =>
		s.query<{ bytes: string; table_bytes: string }>(
			`select pg_relation_size('public.rag_chunks_embedding_384_idx')::text as bytes,
			        pg_total_relation_size('public.rag_chunks')::text as table_bytes`
		)
	);
	return { loaded, build, indexBytes: Number(size!.bytes), tableBytes: Number(size!.table_bytes) };
}

type Mode = 'iterative off' | 'iterative on' | 'chosen layout' | `iterative on, ef ${number}`;

/** private.rag_scan_plan's ef_search for a tenant of `size` chunks (its default settings). */
export function efSearchFor(size: number): number {
	return Math.min(400, Math.max(100, Math.floor(size / 100)));
}

async function topK(
	db: Kysely<DB>,
	tenantId: string,
	query: string,
	mode: Mode | 'exact',
	exactBelow: number,
	size: number
): Promise<string[]> {
	return db.transaction().execute(async (trx) => {
		const exact = mode === 'exact' || (mode === 'chosen layout' && size < exactBelow);
		const ef =
			mode === 'chosen layout'
				? efSearchFor(size)
				: mode.startsWith('iterative on, ef ')
					? Number(mode.slice('iterative on, ef '.length))
					: 100;
		await sql`select set_config('hnsw.iterative_scan', ${mode === 'iterative off' ? 'off' : 'relaxed_order'}, true),
			set_config('hnsw.ef_search', ${String(ef)}, true)`.execute(trx);
		const distance = exact
			? sql`c.embedding operator(extensions.<=>) ${query}::extensions.vector`
			: sql`c.embedding::extensions.vector(384) operator(extensions.<=>) ${query}::extensions.vector(384)`;
		const { rows } = await sql<{ seq: number }>`
			with nearest as materialized (
				select c.seq, ${distance} as distance from public.rag_chunks c
				where c.tenant_id = ${tenantId}::uuid and c.dimensions = 384
				order by ${distance} limit ${K})
			select seq from nearest order by distance`.execute(trx);
		return rows.map((r) => String(r.seq));
	});
}

async function queryVector(engine: Engine, k: number, i: number): Promise<string> {
	const [row] = await engine.session((s) =>
		s.query<{
			v: string;
		}>(`select (select array_agg(p.v[d] + ((random() - 0.5) * 0.8)::real order by d)
			from generate_series(1, ${DIMS}) d)::extensions.vector::text as v
			from public.rag_bench_pool p where p.j = abs(hashint4(${k * TOPICS_PER_TENANT} + ${i % TOPICS_PER_TENANT})) % ${POOL}`)
	);
	return row!.v;
}

async function measure(
	engine: Engine,
	name: string,
	sizes: number[],
	queries: number,
	efs: number[]
) {
	const loaded = await load(engine, sizes);
	console.log(
		`\n## ${name}: ${sizes.reduce((a, b) => a + b, 0).toLocaleString('en')} chunks, ${TENANTS} tenants`
	);
	console.log(
		`load ${fmt(loaded.loaded / 1000)} s · HNSW build ${fmt(loaded.build / 1000)} s · index ${(loaded.indexBytes / 2 ** 20).toFixed(1)} MiB · table with indexes ${(loaded.tableBytes / 2 ** 20).toFixed(1)} MiB`
	);
	const tenants = await engine.session((s) =>
		s.query<{ k: number; n: number; tenant_id: string }>(
			`select k, n, tenant_id::text from public.rag_bench_sizes order by k`
		)
	);
	const exactBelow = 20000;
	const byBucket = new Map<string, typeof tenants>();
	for (const t of tenants) {
		const b = bucketOf(t.n);
		byBucket.set(b, [...(byBucket.get(b) ?? []), t]);
	}
	const rows: (string | number)[][] = [
		['bucket', 'tenants', 'mode', 'recall@10', 'short', 'p50 ms', 'p95 ms']
	];
	for (const bucket of ['< 100', '100–999', '1k–9,999', '≥ 10k']) {
		const members = byBucket.get(bucket) ?? [];
		if (!members.length) continue;
		const sample = members
			.filter((_, i) => i % Math.max(1, Math.floor(members.length / 10)) === 0)
			.slice(0, 10);
		const cases: { t: (typeof tenants)[number]; q: string; truth: string[] }[] = [];
		for (const t of sample) {
			for (let i = 0; i < Math.max(1, Math.ceil(queries / sample.length)); i++) {
				const q = await queryVector(engine, t.k, i);
				cases.push({
					t,
					q,
					truth: await topK(engine.db, t.tenant_id, q, 'exact', exactBelow, t.n)
				});
			}
		}
		const modes: Mode[] = [
			'iterative off',
			'iterative on',
			...efs.map((ef): Mode => `iterative on, ef ${ef}`),
			'chosen layout'
		];
		for (const mode of modes) {
			const times: number[] = [];
			let hit = 0;
			let total = 0;
			let short = 0;
			for (const c of cases) {
				const started = performance.now();
				const got = await topK(engine.db, c.t.tenant_id, c.q, mode, exactBelow, c.t.n);
				times.push(performance.now() - started);
				const truth = new Set(c.truth);
				hit += got.filter((s) => truth.has(s)).length;
				total += c.truth.length;
				if (c.t.n >= K && got.length < K) short++;
			}
			rows.push([
				bucket,
				members.length,
				mode,
				(hit / total).toFixed(3),
				`${short}/${cases.length}`,
				fmt(percentile(times, 50)),
				fmt(percentile(times, 95))
			]);
		}
	}
	console.log(table(rows));
	await ingestion(engine);
}

async function ingestion(engine: Engine) {
	const config = loadConfig({ DATA_DIR: 'memory://', NODE_ENV: 'test' });
	const [tenant] = await engine.session((s) =>
		s.query<{ id: string }>(`select tenant_id::text as id from public.rag_bench_sizes where k = 1`)
	);
	const paragraph = (i: number) =>
		`Section ${i} explains how the refund, shipping and warranty rules apply to order ${i}. ` +
		'Customers contact the helpdesk, which answers within two working days and keeps a record of every request. '.repeat(
			4
		);
	const docs = 20;
	const ids: string[] = [];
	for (let d = 0; d < docs; d++) {
		const body = Array.from(
			{ length: 50 },
			(_, i) => `## Part ${i}\n\n${paragraph(d * 50 + i)}`
		).join('\n\n');
		const [row] = await engine.session((s) =>
			s.query<{ id: string }>(
				`insert into public.rag_documents (tenant_id, title, source, body) values ('${tenant!.id}', 'Ingest ${d}', 'text', $1) returning id::text`,
				[body]
			)
		);
		ids.push(row!.id);
	}
	let chunks = 0;
	const started = performance.now();
	for (const id of ids) {
		const r = await ingestDocument(engine.db, config, id, {
			asSystem: (job, fn) => runAsServiceRole(engine.db, job, fn)
		});
		if ('chunks' in r) chunks += r.chunks;
	}
	const seconds = (performance.now() - started) / 1000;
	console.log(
		`ingestion: ${chunks} chunks of ${docs} documents in ${seconds.toFixed(1)} s = ${(chunks / seconds).toFixed(0)} chunks/s (extract, chunk, embed in-process, insert into the HNSW-indexed table)`
	);
}

export async function run(args: string[]): Promise<void> {
	const chunks = Number(argValue(args, '--chunks') ?? 200_000);
	const queries = Number(argValue(args, '--queries') ?? 50);
	const efs = (argValue(args, '--ef') ?? '').split(',').filter(Boolean).map(Number);
	const sizes = tenantSizes(chunks);
	console.log(
		`# RAG search: tenant sizes ${Math.max(...sizes)} (largest) … ${Math.min(...sizes)}; ${sizes.filter((n) => n < 100).length} tenants under 100 chunks`
	);
	await forEachEngine('rag', (engine, name) => measure(engine, name, sizes, queries, efs), {
		embedded: !args.includes('--postgres-only')
	});
}
