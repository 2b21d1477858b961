/**
 * Privacy requests, consent purposes and the consent ledger, in the caller's request transaction
 * (supabase/migrations/20261205000200_privacy.sql). Requests move only through the RPCs
 * create_gdpr_request, verify_gdpr_request and advance_gdpr_request (SQL decides who may and which
 * step is allowed); purposes and consents are plain DML under RLS (privacy.manage; a member's own
 * consent from the page).
 */
import { sql, type Transaction } from 'kysely';
import type { ConsentSource, GdprRequestKind, GdprRequestState } from '../../privacy/constants';
import type { DB } from '../platform/database';

export interface GdprRequest {
	id: string;
	tenantId: string | null;
	subjectUserId: string;
	/** The person's name or address; "a deleted member" once erased. */
	subject: string;
	kind: GdprRequestKind;
	state: GdprRequestState;
	details: string;
	refusedReason: string | null;
	receivedAt: Date;
	dueAt: Date;
	closedAt: Date | null;
	outcome: Record<string, number> | null;
	/** An access request's archive: until when its link works, when it was downloaded or deleted. */
	exportExpiresAt: Date | null;
	exportDownloadedAt: Date | null;
	exportDeletedAt: Date | null;
	/** The deadline's one extension (two months), and why. */
	extensionReason: string | null;
}

const subjectName = sql<string>`coalesce(nullif(p.full_name, ''), p.email::text, 'a deleted member')`;

function requests(trx: Transaction<DB>) {
	return trx
		.selectFrom('gdpr_requests as g')
		.leftJoin('profiles as p', 'p.id', 'g.subject_user_id')
		.leftJoin(sql<{ request_id: string }>`public.gdpr_exports`.as('e'), (j) =>
			j.on(sql<boolean>`e.request_id = g.id`)
		)
		.select([
			'g.id',
			'g.tenant_id as tenantId',
			'g.subject_user_id as subjectUserId',
			subjectName.as('subject'),
			sql<GdprRequestKind>`g.kind`.as('kind'),
			sql<GdprRequestState>`g.state`.as('state'),
			'g.details',
			'g.refused_reason as refusedReason',
			'g.received_at as receivedAt',
			'g.due_at as dueAt',
			'g.closed_at as closedAt',
			sql<Record<string, number> | null>`g.outcome`.as('outcome'),
			sql<Date | null>`e.expires_at`.as('exportExpiresAt'),
			sql<Date | null>`e.downloaded_at`.as('exportDownloadedAt'),
			sql<Date | null>`e.deleted_at`.as('exportDeletedAt'),
			sql<string | null>`g.extension_reason`.as('extensionReason')
		])
		.orderBy('g.received_at', 'desc')
		.orderBy('g.id');
}

/** A tenant's requests (privacy.manage: RLS shows nothing to anyone else), newest first. */
export function listTenantRequests(trx: Transaction<DB>, tenantId: string): Promise<GdprRequest[]> {
	return requests(trx).where('g.tenant_id', '=', tenantId).limit(500).execute();
}

/** The caller's own requests, in every tenant and on the platform. */
export function listMyRequests(trx: Transaction<DB>): Promise<GdprRequest[]> {
	return requests(trx)
		.where('g.subject_user_id', '=', sql<string>`auth.uid()`)
		.limit(200)
		.execute();
}

/** Receives a request (SQL emails the person the confirmation link); the token is returned to the person only. */
export async function createRequest(
	trx: Transaction<DB>,
	input: { tenantId: string | null; kind: GdprRequestKind; details: string; subjectUserId?: string }
): Promise<{ requestId: string; token: string | null }> {
	const { rows } = await sql<{ request_id: string; verification_token: string | null }>`
		select * from public.create_gdpr_request(${input.tenantId}::uuid, ${input.kind}, ${input.details},
		                                         ${input.subjectUserId ?? null}::uuid)`.execute(trx);
	const row = rows[0]!;
	return { requestId: row.request_id, token: row.verification_token };
}

/** The person confirms their request with the emailed token (TN484 when it is not theirs or used). */
export async function verifyRequest(trx: Transaction<DB>, token: string): Promise<string> {
	const { rows } = await sql<{
		id: string;
	}>`select public.verify_gdpr_request(${token}) as id`.execute(trx);
	return rows[0]!.id;
}

/** A handler's step: in progress (an erasure queues its job), completed, or refused with a reason. */
export async function advanceRequest(
	trx: Transaction<DB>,
	requestId: string,
	state: 'in_progress' | 'completed' | 'refused',
	reason: string | null
): Promise<void> {
	await sql`select public.advance_gdpr_request(${requestId}::uuid, ${state}, ${reason})`.execute(
		trx
	);
}

/** The email address of a request's person (the confirmation mail goes there). */
export async function subjectEmail(trx: Transaction<DB>, userId: string): Promise<string | null> {
	const row = await trx
		.selectFrom('profiles')
		.select(sql<string>`email::text`.as('email'))
		.where('id', '=', userId)
		.executeTakeFirst();
	return row?.email ?? null;
}

export interface ConsentPurpose {
	id: string;
	key: string;
	name: string;
	description: string;
	version: number;
	active: boolean;
	updatedAt: Date;
}

export function listPurposes(trx: Transaction<DB>, tenantId: string): Promise<ConsentPurpose[]> {
	return trx
		.selectFrom('consent_purposes')
		.select(['id', 'key', 'name', 'description', 'version', 'active', 'updated_at as updatedAt'])
		.where('tenant_id', '=', tenantId)
		.orderBy('key')
		.execute();
}

export async function createPurpose(
	trx: Transaction<DB>,
	tenantId: string,
	input: { key: string; name: string; description: string }
): Promise<string> {
	const row = await trx
		.insertInto('consent_purposes')
		.values({ tenant_id: tenantId, ...input })
		.returning('id')
		.executeTakeFirstOrThrow();
	return row.id;
}

/** Renames or retires a purpose; a new version of its text makes earlier consents outdated. False when RLS hid it. */
export async function updatePurpose(
	trx: Transaction<DB>,
	tenantId: string,
	purposeId: string,
	input: { name: string; description: string; newVersion: boolean; active: boolean }
): Promise<boolean> {
	const result = await trx
		.updateTable('consent_purposes')
		.set({
			name: input.name,
			description: input.description,
			active: input.active,
			version: input.newVersion ? sql<number>`version + 1` : sql<number>`version`
		})
		.where('tenant_id', '=', tenantId)
		.where('id', '=', purposeId)
		.executeTakeFirst();
	return Number(result.numUpdatedRows) > 0;
}

export interface ConsentEntry {
	id: string;
	purposeKey: string;
	subjectType: 'member' | 'end_user';
	subjectId: string;
	granted: boolean;
	textVersion: number;
	source: ConsentSource;
	ip: string | null;
	userAgent: string | null;
	recordedAt: Date;
}

/** Ledger entries of a tenant (optionally one subject's), newest first. */
export function listConsents(
	trx: Transaction<DB>,
	tenantId: string,
	filter: { subjectType?: 'member' | 'end_user'; subjectId?: string; limit?: number } = {}
): Promise<ConsentEntry[]> {
	let query = trx
		.selectFrom('consents as c')
		.innerJoin('consent_purposes as p', (j) =>
			j.onRef('p.tenant_id', '=', 'c.tenant_id').onRef('p.id', '=', 'c.purpose_id')
		)
		.select([
			'c.id',
			'p.key as purposeKey',
			sql<'member' | 'end_user'>`c.subject_type`.as('subjectType'),
			'c.subject_id as subjectId',
			'c.granted',
			'c.text_version as textVersion',
			sql<ConsentSource>`c.source`.as('source'),
			sql<string | null>`host(c.ip)`.as('ip'),
			'c.user_agent as userAgent',
			'c.recorded_at as recordedAt'
		])
		.where('c.tenant_id', '=', tenantId);
	if (filter.subjectType) query = query.where('c.subject_type', '=', filter.subjectType);
	if (filter.subjectId) query = query.where('c.subject_id', '=', filter.subjectId);
	return query
		.orderBy('c.seq', 'desc')
		.limit(filter.limit ?? 200)
		.execute();
}

export interface ConsentState {
	purposeKey: string;
	subjectType: 'member' | 'end_user';
	subjectId: string;
	granted: boolean;
	textVersion: number;
	outdated: boolean;
	recordedAt: Date;
}

/** The current consent per purpose of one subject (the ledger's latest entries). */
export function consentStates(
	trx: Transaction<DB>,
	tenantId: string,
	subjectType: 'member' | 'end_user',
	subjectId: string
): Promise<ConsentState[]> {
	return trx
		.selectFrom('consent_states')
		.select([
			sql<string>`purpose_key`.as('purposeKey'),
			sql<'member' | 'end_user'>`subject_type`.as('subjectType'),
			sql<string>`subject_id`.as('subjectId'),
			sql<boolean>`granted`.as('granted'),
			sql<number>`text_version`.as('textVersion'),
			sql<boolean>`outdated`.as('outdated'),
			sql<Date>`recorded_at`.as('recordedAt')
		])
		.where('tenant_id', '=', tenantId)
		.where('subject_type', '=', subjectType)
		.where('subject_id', '=', subjectId)
		.orderBy('purpose_key')
		.execute();
}

/** Appends a grant or withdrawal to the ledger, to the purpose's current text; returns the entry's id. */
export async function recordConsent(
	trx: Transaction<DB>,
	tenantId: string,
	input: {
		purposeId: string;
		subjectType: 'member' | 'end_user';
		subjectId: string;
		granted: boolean;
		source: ConsentSource;
		textVersion?: number;
	}
): Promise<string> {
	const row = await trx
		.insertInto('consents')
		.values({
			tenant_id: tenantId,
			purpose_id: input.purposeId,
			subject_type: input.subjectType,
			subject_id: input.subjectId,
			granted: input.granted,
			source: input.source,
			text_version:
				input.textVersion ??
				sql<number>`coalesce((select version from public.consent_purposes where id = ${input.purposeId}::uuid), 1)`
		})
		.returning('id')
		.executeTakeFirstOrThrow();
	return row.id;
}

/** A purpose of the tenant by key (the API names purposes by key). */
export async function purposeByKey(
	trx: Transaction<DB>,
	tenantId: string,
	key: string
): Promise<ConsentPurpose | undefined> {
	return trx
		.selectFrom('consent_purposes')
		.select(['id', 'key', 'name', 'description', 'version', 'active', 'updated_at as updatedAt'])
		.where('tenant_id', '=', tenantId)
		.where('key', '=', key)
		.executeTakeFirst();
}
