/**
 * Archives of the audit log's dropped months (decision 0015, docs/audit-log.md#retention-by-month).
 *
 * An archive is gzipped NDJSON: a header line (`kind: "header"`: the month, each chain's opening
 * checkpoint — the month before's — and closing checkpoint), then every seal of each chain from
 * its opening to its closing checkpoint and the row each seals (`kind: "row"` as stored: jsonb as
 * Postgres prints it, so its digest can be recomputed byte for byte). `verifyArchive` recomputes
 * `private.audit_digest` and the chain from the opening hashes and checks each chain ends on its
 * closing checkpoint: an archive proves itself against the live checkpoint table or the next
 * archive's opening. `npm run audit:verify -- <file>` runs it offline.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../platform/database';
import { storageAdapter } from '../storage/service';

export const ARCHIVE_BUCKET = 'audit-archive';

const hex = z.string().regex(/^[0-9a-f]*$/);
const checkpoint = z.object({ seq: z.number().int().nonnegative(), hash: hex });
const header = z.object({
	kind: z.literal('header'),
	version: z.literal(1),
	month: z.string().regex(/^\d{4}-\d{2}$/),
	opening: z.record(z.string(), checkpoint),
	closing: z.record(z.string(), checkpoint)
});
const row = z.object({
	kind: z.literal('row'),
	id: z.string().regex(/^\d+$/),
	tenant_id: z.string().nullable(),
	actor_type: z.string(),
	actor_id: z.string().nullable(),
	actor_job: z.string().nullable(),
	action: z.string(),
	target_type: z.string().nullable(),
	target_id: z.string().nullable(),
	created_at: z.string(),
	old_values: z.string().nullable(),
	new_values: z.string().nullable(),
	ip: z.string().nullable(),
	user_agent: z.string().nullable(),
	content_salt: hex.nullable(),
	content_commitment: hex.nullable(),
	erased_at: z.string().nullable()
});
const seal = z.object({
	kind: z.literal('seal'),
	log_id: z.string().regex(/^\d+$/),
	chain: z.string(),
	seq: z.number().int().positive(),
	prev_hash: hex,
	hash: hex
});
type Row = z.infer<typeof row>;
type Seal = z.infer<typeof seal>;

const NIL = '00000000-0000-0000-0000-000000000000';

/** A string as Postgres's jsonb prints it (escape_json). */
function jsonText(value: string | null): string {
	if (value === null) return 'null';
	let out = '"';
	for (const ch of value) {
		const code = ch.codePointAt(0)!;
		if (ch === '"') out += '\\"';
		else if (ch === '\\') out += '\\\\';
		else if (ch === '\b') out += '\\b';
		else if (ch === '\f') out += '\\f';
		else if (ch === '\n') out += '\\n';
		else if (ch === '\r') out += '\\r';
		else if (ch === '\t') out += '\\t';
		else if (code < 0x20) out += '\\u' + code.toString(16).padStart(4, '0');
		else out += ch;
	}
	return out + '"';
}

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** private.audit_digest in TypeScript: the row's structure and its content commitment. */
export function auditDigest(r: Row): Buffer {
	const commitment =
		r.content_commitment !== null
			? Buffer.from(r.content_commitment, 'hex')
			: sha256(
					Buffer.from(r.content_salt ?? '', 'hex'),
					Buffer.from(
						`[${r.old_values ?? 'null'}, ${r.new_values ?? 'null'}, ${jsonText(r.ip)}, ${jsonText(r.user_agent)}]`,
						'utf8'
					)
				);
	const fields = [
		r.tenant_id,
		r.actor_type,
		r.actor_id,
		r.actor_job,
		r.action,
		r.target_type,
		r.target_id,
		r.created_at,
		commitment.toString('hex')
	];
	return sha256(Buffer.from(`[${[r.id, ...fields.map(jsonText)].join(', ')}]`, 'utf8'));
}

export interface ArchiveCheck {
	ok: boolean;
	problem: string | null;
	month: string | null;
	chains: number;
	rows: number;
	sha256: string;
}

/** Recomputes every digest and link of an archive (gzipped NDJSON); the first problem found. */
export function verifyArchive(gz: Uint8Array): ArchiveCheck {
	const digest = createHash('sha256').update(gz).digest('hex');
	const fail = (problem: string, month: string | null = null): ArchiveCheck => ({
		ok: false,
		problem,
		month,
		chains: 0,
		rows: 0,
		sha256: digest
	});
	let lines: string[];
	try {
		lines = gunzipSync(gz).toString('utf8').split('\n').filter(Boolean);
	} catch (e) {
		return fail(`not a gzip archive: ${(e as Error).message}`);
	}
	let head: z.infer<typeof header>;
	const rows = new Map<string, Row>();
	const seals = new Map<string, Seal[]>();
	try {
		head = header.parse(JSON.parse(lines[0] ?? 'null'));
		for (const [i, line] of lines.slice(1).entries()) {
			const value = JSON.parse(line) as { kind?: string };
			if (value.kind === 'row') {
				const r = row.parse(value);
				rows.set(r.id, r);
			} else {
				const s = seal.safeParse(value);
				if (!s.success) return fail(`line ${i + 2} is neither a row nor a seal`);
				seals.set(s.data.chain, [...(seals.get(s.data.chain) ?? []), s.data]);
			}
		}
	} catch (e) {
		return fail(`the archive does not parse: ${(e as Error).message}`);
	}
	for (const [chain, closing] of Object.entries(head.closing)) {
		const opening = head.opening[chain] ?? { seq: 0, hash: '' };
		let prev = Buffer.from(opening.hash, 'hex');
		let seq = opening.seq;
		for (const s of (seals.get(chain) ?? []).sort((a, b) => a.seq - b.seq)) {
			const where = `chain ${chain} seq ${s.seq}`;
			if (s.seq !== seq + 1) return fail(`${where}: seal missing before this row`, head.month);
			if (!prev.equals(Buffer.from(s.prev_hash, 'hex')))
				return fail(`${where}: chain link broken`, head.month);
			const r = rows.get(s.log_id);
			if (!r) return fail(`${where}: audit row missing`, head.month);
			if ((r.tenant_id ?? NIL) !== chain)
				return fail(`${where}: audit row moved to another tenant`, head.month);
			const hash = sha256(prev, auditDigest(r));
			if (!hash.equals(Buffer.from(s.hash, 'hex')))
				return fail(`${where}: audit row altered`, head.month);
			prev = hash;
			seq = s.seq;
		}
		if (seq !== closing.seq || prev.toString('hex') !== closing.hash)
			return fail(
				`chain ${chain}: ends at seq ${seq}, not on its closing checkpoint ${closing.seq}`,
				head.month
			);
	}
	return {
		ok: true,
		problem: null,
		month: head.month,
		chains: Object.keys(head.closing).length,
		rows: rows.size,
		sha256: digest
	};
}

/** The archive of one closed month: its header, then each chain's seals and rows. */
export async function buildArchive(
	trx: Transaction<DB>,
	month: string
): Promise<{ bytes: Uint8Array; rows: number; seals: number }> {
	const start = `${month}-01 00:00:00+00`;
	const { rows: checkpoints } = await sql<{
		which: string;
		chain: string;
		seq: string;
		hash: string;
	}>`
		select case when k.month = ${start}::timestamptz then 'closing' else 'opening' end as which,
		       k.chain::text as chain, k.seq::text as seq, encode(k.hash, 'hex') as hash
		  from private.audit_chain_checkpoints k
		 where k.month in (${start}::timestamptz, ${start}::timestamptz - interval '1 month')`.execute(trx);
	const opening: Record<string, { seq: number; hash: string }> = {};
	const closing: Record<string, { seq: number; hash: string }> = {};
	for (const c of checkpoints)
		(c.which === 'closing' ? closing : opening)[c.chain] = { seq: Number(c.seq), hash: c.hash };
	const lines = [JSON.stringify({ kind: 'header', version: 1, month, opening, closing })];
	const { rows: sealed } = await sql<Seal & { seq: string }>`
		select 'seal' as kind, s.log_id::text as log_id, s.chain::text as chain, s.seq::text as seq,
		       encode(s.prev_hash, 'hex') as prev_hash, encode(s.hash, 'hex') as hash
		  from private.audit_chain_checkpoints c
		  left join private.audit_chain_checkpoints o
		    on o.chain = c.chain and o.month = ${start}::timestamptz - interval '1 month'
		  join public.audit_log_seals s on s.chain = c.chain and s.seq > coalesce(o.seq, 0) and s.seq <= c.seq
		 where c.month = ${start}::timestamptz
		 order by s.chain, s.seq`.execute(trx);
	const { rows: logged } = await sql<Row>`
		select 'row' as kind, l.id::text as id, l.tenant_id::text as tenant_id, l.actor_type::text as actor_type,
		       l.actor_id::text as actor_id, l.actor_job, l.action, l.target_type, l.target_id,
		       to_char(l.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at,
		       l.old_values::text as old_values, l.new_values::text as new_values, l.ip::text as ip, l.user_agent,
		       encode(l.content_salt, 'hex') as content_salt, encode(l.content_commitment, 'hex') as content_commitment,
		       l.erased_at::text as erased_at
		  from public.audit_logs l
		  join public.audit_log_seals s on s.log_id = l.id and s.log_created_at = l.created_at
		  join private.audit_chain_checkpoints c on c.chain = s.chain and c.month = ${start}::timestamptz
		  left join private.audit_chain_checkpoints o
		    on o.chain = c.chain and o.month = ${start}::timestamptz - interval '1 month'
		 where s.seq > coalesce(o.seq, 0) and s.seq <= c.seq
		 order by l.id`.execute(trx);
	for (const s of sealed) lines.push(JSON.stringify({ ...s, seq: Number(s.seq) }));
	for (const r of logged) lines.push(JSON.stringify(r));
	return {
		bytes: gzipSync(Buffer.from(lines.join('\n') + '\n', 'utf8')),
		rows: logged.length,
		seals: sealed.length
	};
}

const planLine = z.object({
	month: z.string(),
	partition_name: z.string(),
	retention_days: z.number(),
	rows: z.coerce.number(),
	tenants: z.record(z.string(), z.coerce.number()),
	starts_from: z.record(z.string(), z.object({ seq: z.coerce.number(), hash: z.string() }))
});
export type AuditRetentionLine = z.infer<typeof planLine> & { archive?: string; sha256?: string };

/**
 * The audit log's retention: the months past the longest retention in force (dry run: listed
 * with their rows per tenant and each chain's starting checkpoint); a real run archives each,
 * verifies the archive, stores it with its manifest in the private bucket, then drops the month.
 */
export async function applyAuditRetention(
	trx: Transaction<DB>,
	config: Parameters<typeof storageAdapter>[0],
	dryRun: boolean
): Promise<AuditRetentionLine[]> {
	const { rows } = await sql<unknown>`select * from private.audit_retention_plan()`.execute(trx);
	const plan = rows.map((r) => planLine.parse(r));
	if (dryRun) return plan;
	const adapter = storageAdapter(config);
	const done: AuditRetentionLine[] = [];
	for (const line of plan) {
		const archive = await buildArchive(trx, line.month);
		const check = verifyArchive(archive.bytes);
		if (!check.ok)
			throw new Error(
				`The audit archive of ${line.month} does not verify (${check.problem}): nothing dropped.`
			);
		const path = `${line.month}.ndjson.gz`;
		const manifestPath = `${line.month}.manifest.json`;
		const manifest = Buffer.from(
			JSON.stringify({
				file: path,
				sha256: check.sha256,
				month: line.month,
				rows: archive.rows,
				seals: archive.seals
			}),
			'utf8'
		);
		for (const [name, bytes, type] of [
			[path, archive.bytes, 'application/gzip'],
			[manifestPath, manifest, 'application/json']
		] as const) {
			if (!adapter.writesObjectRows)
				await sql`insert into storage.objects (bucket_id, name, metadata)
					values (${ARCHIVE_BUCKET}, ${name}, ${JSON.stringify({ mimetype: type, size: bytes.byteLength })}::jsonb)
					on conflict (bucket_id, name) do update set metadata = excluded.metadata`.execute(trx);
			// An archive a failed run left behind (its month is still here) is written again.
			await adapter.remove(ARCHIVE_BUCKET, [name]);
			await adapter.put(ARCHIVE_BUCKET, name, bytes, type);
		}
		await sql`select private.drop_audit_partition(${line.month}, ${check.sha256}, ${path})`.execute(
			trx
		);
		done.push({ ...line, archive: `${ARCHIVE_BUCKET}/${path}`, sha256: check.sha256 });
	}
	return done;
}
