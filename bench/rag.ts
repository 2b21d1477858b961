/**
 * npm run bench -- rag [--chunks N] [--queries Q] [--ef 200,300,400] [--postgres-only]
 *                       [--data FILE] [--no-ocr | --ocr-only] [--ocr-pages P]
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
 * in-process embedder through the rag.ingest code), both engines; last, OCR pages per second
 * (tesseract through ocr.ts's recognizeImage) on demo pages rendered here.
 *
 * `--data FILE` measures on a data set the project has not seen instead of the generated one:
 * JSON lines, one chunk a line, `{"tenant": "<any id>", "vector": [numbers], "text": "…"}`
 * (`text` optional). Lines with `"query": true` are queries of their tenant, not stored; without
 * any, the first line of every tenant holding two or more is held out as its query. All vectors
 * have one dimension, at most 1536; shorter ones are zero-padded to 384 or 1536, which leaves
 * every cosine distance unchanged.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/lib/server/platform/database';
import type { Engine } from '../src/lib/server/platform/engine';
import { loadConfig } from '../src/lib/server/platform/config';
import { runAsServiceRole } from '../src/lib/server/platform/rls';
import { ingestDocument } from '../src/lib/server/rag/ingest';
import { recognizeImage, terminateOcrWorker } from '../src/lib/server/rag/ocr';
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

/** One line of a `--data` file. */
interface DataLine {
	tenant: string;
	vector: number[];
	text?: string;
	query?: boolean;
}

/** An external data set: its tenants' chunks and queries, the dimension stored (384 or 1536). */
export interface DataSet {
	dims: number;
	sourceDims: number;
	tenants: { name: string; chunks: { vector: number[]; text: string }[]; queries: number[][] }[];
}

/** Reads a `--data` file (see the header); throws a sentence naming the line that is wrong. */
export function readDataSet(text: string): DataSet {
	const byTenant = new Map<string, DataSet['tenants'][number]>();
	let sourceDims = 0;
	let anyQuery = false;
	text.split('\n').forEach((raw, i) => {
		if (!raw.trim()) return;
		let line: DataLine;
		try {
			line = JSON.parse(raw) as DataLine;
		} catch {
			throw new Error(`Line ${i + 1} of the data file is not JSON.`);
		}
		if (typeof line.tenant !== 'string' && typeof line.tenant !== 'number')
			throw new Error(`Line ${i + 1} has no "tenant" (a string or number).`);
		if (!Array.isArray(line.vector) || !line.vector.every((x) => Number.isFinite(x)))
			throw new Error(`Line ${i + 1} has no "vector" of numbers.`);
		sourceDims ||= line.vector.length;
		if (line.vector.length !== sourceDims)
			throw new Error(
				`Line ${i + 1}'s vector has ${line.vector.length} numbers; the first line's has ${sourceDims}.`
			);
		const name = String(line.tenant);
		const entry = byTenant.get(name) ?? { name, chunks: [], queries: [] };
		byTenant.set(name, entry);
		if (line.query) {
			anyQuery = true;
			entry.queries.push(line.vector);
		} else entry.chunks.push({ vector: line.vector, text: line.text ?? '' });
	});
	if (sourceDims === 0) throw new Error('The data file holds no lines.');
	if (sourceDims > 1536)
		throw new Error(`The vectors have ${sourceDims} dimensions; rag_chunks stores at most 1536.`);
	const tenants = [...byTenant.values()];
	if (!anyQuery)
		for (const t of tenants) if (t.chunks.length >= 2) t.queries.push(t.chunks.shift()!.vector);
	return { dims: sourceDims <= 384 ? 384 : 1536, sourceDims, tenants };
}

function vectorText(v: number[], dims: number): string {
	return `[${[...v, ...new Array<number>(dims - v.length).fill(0)].join(',')}]`;
}

async function buildIndex(engine: Engine, dims: number) {
	const buildStarted = performance.now();
	await engine.session((s) =>
		s.exec(`set maintenance_work_mem = '512MB';
			create index rag_chunks_embedding_${dims}_idx on public.rag_chunks
			using hnsw ((embedding::extensions.vector(${dims})) extensions.vector_cosine_ops) where dimensions = ${dims};
			analyze public.rag_chunks;`)
	);
	const build = performance.now() - buildStarted;
	const [size] = await engine.session((s) =>
		s.query<{ bytes: string; table_bytes: string }>(
			`select pg_relation_size('public.rag_chunks_embedding_${dims}_idx')::text as bytes,
			        pg_total_relation_size('public.rag_chunks')::text as table_bytes`
		)
	);
	return { build, indexBytes: Number(size!.bytes), tableBytes: Number(size!.table_bytes) };
}

/** Tenants rag-bench-0 … n-1 with one document each, listed in rag_bench_sizes with their sizes. */
async function createTenants(engine: Engine, sizes: number[], dims: number) {
	await engine.session((s) =>
		s.exec(`
			insert into public.tenants (slug, name, status)
			select 'rag-bench-' || g, 'RAG bench ' || g, 'active' from generate_series(0, ${sizes.length - 1}) g;
			create table public.rag_bench_sizes (k integer primary key, n integer, tenant_id uuid, document_id uuid);
			insert into public.rag_bench_sizes (k, n, tenant_id)
			select s.k - 1, s.n, t.id from unnest('{${sizes.join(',')}}'::integer[]) with ordinality s (n, k)
			join public.tenants t on t.slug = 'rag-bench-' || (s.k - 1);
			insert into public.rag_documents (tenant_id, title, source, body, status, chunk_count, dimensions)
			select tenant_id, 'Bench', 'text', 'x', 'ready', n, ${dims} from public.rag_bench_sizes;
			update public.rag_bench_sizes b set document_id = d.id from public.rag_documents d where d.tenant_id = b.tenant_id;
			drop index public.rag_chunks_embedding_${dims}_idx;
		`)
	);
}

/** The generated data set: topics from one pool shared by every tenant, noisy copies per chunk. */
async function loadGenerated(engine: Engine, sizes: number[]) {
	const started = performance.now();
	await createTenants(engine, sizes, DIMS);
	await engine.session((s) =>
		s.exec(`
			create table public.rag_bench_pool (j integer primary key, v real[]);
			insert into public.rag_bench_pool
			select j, array(select (random() - 0.5)::real from generate_series(1, ${DIMS}) d where j >= 0) from generate_series(0, ${POOL - 1}) j;
		`)
	);
	// One tenant a statement, so no statement holds all the vectors at once.
	for (let k = 0; k < sizes.length; k++) {
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
	return { loaded, ...(await buildIndex(engine, DIMS)) };
}

/** A `--data` set: its chunks inserted 500 a statement, zero-padded to the stored dimension. */
async function loadExternal(engine: Engine, data: DataSet) {
	const started = performance.now();
	await createTenants(
		engine,
		data.tenants.map((t) => t.chunks.length),
		data.dims
	);
	const ids = await engine.session((s) =>
		s.query<{ k: number; tenant_id: string; document_id: string }>(
			`select k, tenant_id::text, document_id::text from public.rag_bench_sizes order by k`
		)
	);
	for (const [k, t] of data.tenants.entries()) {
		for (let from = 0; from < t.chunks.length; from += 500) {
			const batch = t.chunks.slice(from, from + 500);
			await engine.session((s) =>
				s.query(
					`insert into public.rag_chunks (tenant_id, document_id, seq, content, char_start, char_end, dimensions, embedding)
					 select $1::uuid, $2::uuid, $3::integer + c.i - 1, c.content, 0, 1, ${data.dims}, c.v::extensions.vector
					 from unnest($4::text[], $5::text[]) with ordinality c (content, v, i)`,
					[
						ids[k]!.tenant_id,
						ids[k]!.document_id,
						from,
						batch.map((c) => c.text || `chunk ${from} of ${t.name}`),
						batch.map((c) => vectorText(c.vector, data.dims))
					]
				)
			);
		}
	}
	const loaded = performance.now() - started;
	return { loaded, ...(await buildIndex(engine, data.dims)) };
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
	size: number,
	dims: number
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
			: sql`c.embedding::extensions.vector(${sql.raw(String(dims))}) operator(extensions.<=>) ${query}::extensions.vector(${sql.raw(String(dims))})`;
		const { rows } = await sql<{ seq: number }>`
			with nearest as materialized (
				select c.seq, ${distance} as distance from public.rag_chunks c
				where c.tenant_id = ${tenantId}::uuid and c.dimensions = ${dims}
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
	source: { sizes: number[] } | { data: DataSet },
	queries: number,
	efs: number[]
) {
	const dims = 'data' in source ? source.data.dims : DIMS;
	const loaded =
		'data' in source
			? await loadExternal(engine, source.data)
			: await loadGenerated(engine, source.sizes);
	const tenants = await engine.session((s) =>
		s.query<{ k: number; n: number; tenant_id: string }>(
			`select k, n, tenant_id::text from public.rag_bench_sizes order by k`
		)
	);
	console.log(
		`\n## ${name}: ${tenants.reduce((a, t) => a + t.n, 0).toLocaleString('en')} chunks of ${dims} dimensions${'data' in source && source.data.sourceDims !== dims ? ` (${source.data.sourceDims} zero-padded)` : ''}, ${tenants.length} tenants`
	);
	console.log(
		`load ${fmt(loaded.loaded / 1000)} s · HNSW build ${fmt(loaded.build / 1000)} s · index ${(loaded.indexBytes / 2 ** 20).toFixed(1)} MiB · table with indexes ${(loaded.tableBytes / 2 ** 20).toFixed(1)} MiB`
	);
	const exactBelow = 20000;
	const byBucket = new Map<string, typeof tenants>();
	for (const t of tenants) {
		if ('data' in source && source.data.tenants[t.k]!.queries.length === 0) continue;
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
			const own = 'data' in source ? source.data.tenants[t.k]!.queries : null;
			const count = Math.max(1, Math.ceil(queries / sample.length));
			for (let i = 0; i < (own ? Math.min(count, own.length) : count); i++) {
				const q = own ? vectorText(own[i]!, dims) : await queryVector(engine, t.k, i);
				cases.push({
					t,
					q,
					truth: await topK(engine.db, t.tenant_id, q, 'exact', exactBelow, t.n, dims)
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
			let full = 0;
			for (const c of cases) {
				const started = performance.now();
				const got = await topK(engine.db, c.t.tenant_id, c.q, mode, exactBelow, c.t.n, dims);
				times.push(performance.now() - started);
				const truth = new Set(c.truth);
				hit += got.filter((s) => truth.has(s)).length;
				total += c.truth.length;
				if (got.length < Math.min(K, c.t.n)) short++;
				else full++;
			}
			rows.push([
				bucket,
				members.length,
				mode,
				(hit / total).toFixed(3),
				`${short}/${full + short}`,
				fmt(percentile(times, 50)),
				fmt(percentile(times, 95))
			]);
		}
	}
	console.log(table(rows));
	console.log(
		'short = searches returning fewer than min(10, the tenant’s chunks) rows (0 means always k results).'
	);
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

/** A demo page as the seeds' scanned letters look: a heading and lines of body text, as PNG. */
export async function demoPage(n: number): Promise<Buffer> {
	const lines = [
		`Invoice ${1000 + n} from Northwind Traders`,
		'Delivery of twelve boxes of printer paper',
		'Payment is due within thirty days of receipt',
		'Questions go to the accounts team by email',
		`Reference ${n * 7919} for order number ${n * 31}`
	];
	const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1240" height="700">
		<rect width="100%" height="100%" fill="#ffffff"/>
		${lines.map((l, i) => `<text x="60" y="${100 + i * 110}" font-family="DejaVu Sans, sans-serif" font-size="${i === 0 ? 44 : 34}" fill="#111111">${l}</text>`).join('')}
	</svg>`;
	return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer();
}

/** OCR pages per second: tesseract's start, then `pages` demo pages one after the other. */
async function ocr(pages: number) {
	const images = await Promise.all(Array.from({ length: pages }, (_, i) => demoPage(i + 1)));
	const first = performance.now();
	const warm = await recognizeImage(images[0]!);
	const startup = performance.now() - first;
	const started = performance.now();
	let words = 0;
	let confidence = 0;
	for (const image of images) {
		const r = await recognizeImage(image);
		words += r.text.split(/\s+/).filter(Boolean).length;
		confidence += r.confidence;
	}
	const seconds = (performance.now() - started) / 1000;
	await terminateOcrWorker();
	console.log(
		`\n## OCR (tesseract.js, eng 4.0.0_best_int, one worker): first page with the worker's start ${fmt(startup / 1000)} s (${warm.text.split(/\s+/).length} words); then ${pages} pages of 1240×700 px in ${seconds.toFixed(1)} s = ${(pages / seconds).toFixed(2)} pages/s, ${words} words, mean confidence ${(confidence / pages).toFixed(1)}`
	);
}

export async function run(args: string[]): Promise<void> {
	const chunks = Number(argValue(args, '--chunks') ?? 200_000);
	const queries = Number(argValue(args, '--queries') ?? 50);
	const efs = (argValue(args, '--ef') ?? '').split(',').filter(Boolean).map(Number);
	const file = argValue(args, '--data');
	let source: { sizes: number[] } | { data: DataSet };
	if (file) {
		const data = readDataSet(readFileSync(file, 'utf8'));
		const sizes = data.tenants.map((t) => t.chunks.length);
		console.log(
			`# RAG search on ${file}: ${data.tenants.length} tenants, sizes ${Math.max(...sizes)} (largest) … ${Math.min(...sizes)}, ${data.tenants.reduce((a, t) => a + t.queries.length, 0)} queries`
		);
		source = { data };
	} else {
		const sizes = tenantSizes(chunks);
		console.log(
			`# RAG search: tenant sizes ${Math.max(...sizes)} (largest) … ${Math.min(...sizes)}; ${sizes.filter((n) => n < 100).length} tenants under 100 chunks`
		);
		source = { sizes };
	}
	if (!args.includes('--ocr-only'))
		await forEachEngine('rag', (engine, name) => measure(engine, name, source, queries, efs), {
			embedded: !args.includes('--postgres-only')
		});
	if (!args.includes('--no-ocr')) await ocr(Number(argValue(args, '--ocr-pages') ?? 10));
}
