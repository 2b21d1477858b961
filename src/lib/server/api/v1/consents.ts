/**
 * Consents under /api/v1, for a tenant's own product to record its end users' (and its members')
 * consents: the purposes, the ledger (append-only) and the current state per subject, through
 * privacy/queries.ts. privacy.manage reads and records; RLS decides.
 */
import { z } from 'zod';
import {
	consentStates,
	listConsents,
	listPurposes,
	purposeByKey,
	recordConsent,
	type ConsentEntry
} from '../../privacy/queries';
import { endpoint } from '../endpoint';
import { pageOf, pageQuery, paginate } from '../paging';
import { iso, notFound, timestamp } from './shared';

const TAG = 'Consents';
const subjectType = z.enum(['member', 'end_user']).meta({
	description: 'end_user: your product’s own id for its user; member: a member’s user id.'
});
const subjectId = z.string().trim().min(1).max(200);

export const consentPurposeSchema = z
	.object({
		key: z.string(),
		name: z.string(),
		description: z.string(),
		version: z.int().meta({ description: 'The version of the text shown now.' }),
		active: z.boolean()
	})
	.meta({ id: 'ConsentPurpose' });

export const consentSchema = z
	.object({
		id: z.uuid(),
		purpose: z.string().meta({ description: 'The purpose’s key.' }),
		subject_type: subjectType,
		subject_id: z.string(),
		granted: z.boolean(),
		text_version: z.int(),
		source: z.enum(['page', 'api', 'import']),
		ip: z.string().nullable(),
		user_agent: z.string().nullable(),
		recorded_at: timestamp
	})
	.meta({ id: 'Consent' });

export const consentStateSchema = z
	.object({
		purpose: z.string(),
		granted: z.boolean(),
		text_version: z.int(),
		outdated: z.boolean().meta({ description: 'Given to an older version of the purpose’s text.' }),
		recorded_at: timestamp
	})
	.meta({ id: 'ConsentState' });

function consentJson(c: ConsentEntry): z.infer<typeof consentSchema> {
	return {
		id: c.id,
		purpose: c.purposeKey,
		subject_type: c.subjectType,
		subject_id: c.subjectId,
		granted: c.granted,
		text_version: c.textVersion,
		source: c.source,
		ip: c.ip,
		user_agent: c.userAgent,
		recorded_at: iso(c.recordedAt)
	};
}

/** Ledger entries sort newest first: the key is the time reversed, then the id. */
const newestFirst = (c: z.infer<typeof consentSchema>) =>
	`${String(9_999_999_999_999 - Date.parse(c.recorded_at)).padStart(13, '0')}:${c.id}`;

export const listConsentPurposesEndpoint = endpoint(
	{
		method: 'GET',
		path: '/consent-purposes',
		operationId: 'listConsentPurposes',
		summary: 'What the organisation asks consent for',
		tag: TAG,
		response: z.object({ data: z.array(consentPurposeSchema) }).meta({ id: 'ConsentPurposeList' })
	},
	async ({ trx, tenant }) => ({
		data: (await listPurposes(trx, tenant.id)).map((p) => ({
			key: p.key,
			name: p.name,
			description: p.description,
			version: p.version,
			active: p.active
		}))
	})
);

export const listConsentsEndpoint = endpoint(
	{
		method: 'GET',
		path: '/consents',
		operationId: 'listConsents',
		summary: 'The consent ledger, newest first; filter by subject (privacy.manage)',
		tag: TAG,
		query: pageQuery.extend({
			subject_type: subjectType.optional(),
			subject_id: subjectId.optional()
		}),
		response: pageOf(consentSchema, 'ConsentPage')
	},
	async ({ trx, tenant, query }) => {
		const rows = await listConsents(trx, tenant.id, {
			subjectType: query.subject_type,
			subjectId: query.subject_id,
			limit: 1000
		});
		return paginate(rows.map(consentJson), newestFirst, query);
	}
);

export const getConsentStateEndpoint = endpoint(
	{
		method: 'GET',
		path: '/consents/state',
		operationId: 'getConsentState',
		summary: 'A subject’s current consent per purpose (privacy.manage)',
		description:
			'Derived from the ledger: each purpose’s latest entry. A purpose never answered is absent.',
		tag: TAG,
		query: z.object({ subject_type: subjectType.default('end_user'), subject_id: subjectId }),
		response: z
			.object({
				subject_type: subjectType,
				subject_id: z.string(),
				consents: z.array(consentStateSchema)
			})
			.meta({ id: 'ConsentStates' })
	},
	async ({ trx, tenant, query }) => ({
		subject_type: query.subject_type,
		subject_id: query.subject_id,
		consents: (await consentStates(trx, tenant.id, query.subject_type, query.subject_id)).map(
			(s) => ({
				purpose: s.purposeKey,
				granted: s.granted,
				text_version: s.textVersion,
				outdated: s.outdated,
				recorded_at: iso(s.recordedAt)
			})
		)
	})
);

export const recordConsentEndpoint = endpoint(
	{
		method: 'POST',
		path: '/consents',
		operationId: 'recordConsent',
		summary: 'Record a grant or withdrawal (privacy.manage)',
		description:
			'Appends to the ledger with source `api` (or `import` for a bulk import of earlier consents), the caller’s IP and user agent as evidence. `text_version` defaults to the purpose’s current version.',
		tag: TAG,
		body: z
			.object({
				purpose: z.string().trim().min(1).max(50).meta({ description: 'The purpose’s key.' }),
				subject_type: subjectType.optional(),
				subject_id: subjectId,
				granted: z.boolean(),
				text_version: z.int().min(1).max(100000).optional(),
				source: z.enum(['api', 'import']).optional()
			})
			.strict()
			.meta({ id: 'ConsentInput' }),
		response: consentSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const purpose = await purposeByKey(trx, tenant.id, body.purpose);
		if (!purpose) notFound('consent purpose');
		const id = await recordConsent(trx, tenant.id, {
			purposeId: purpose.id,
			subjectType: body.subject_type ?? 'end_user',
			subjectId: body.subject_id,
			granted: body.granted,
			source: body.source ?? 'api',
			textVersion: body.text_version
		});
		const entry = (
			await listConsents(trx, tenant.id, { subjectId: body.subject_id, limit: 50 })
		).find((c) => c.id === id);
		return consentJson(entry ?? notFound('consent'));
	}
);
