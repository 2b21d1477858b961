import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { PROOF_CONTENT_TYPES, proofStore, sniffProof } from '$lib/server/billing/proofs';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { NOT_FOUND, withStaff } from '$lib/server/admin/guard';
import type { RequestHandler } from './$types';

/**
 * The payment proof a tenant uploaded, for the billing staff deciding on it. The payment row is
 * read as the staff person (RLS: staff may read payments), so the path comes from the database,
 * never from the URL; the bytes are sent with the type their first bytes prove, as an attachment.
 */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const id = z.uuid().safeParse(params.id);
	const payment = await withStaff(locals, url, 'billing_admin', async (trx) => {
		if (!id.success) error(404, NOT_FOUND);
		return trx
			.selectFrom('payments')
			.select(['proof_path as proofPath'])
			.where('id', '=', id.data)
			.executeTakeFirst();
	});
	if (!id.success) error(404, NOT_FOUND);
	if (!payment?.proofPath) error(404, NOT_FOUND);
	const { config } = await ensureRuntime();
	const bytes = await proofStore(config.DATA_DIR).get(payment.proofPath);
	const type = bytes && sniffProof(bytes);
	if (!bytes || !type) error(404, 'The proof file is not in this deployment’s storage.');
	return new Response(Buffer.from(bytes), {
		headers: {
			'content-type': PROOF_CONTENT_TYPES[type],
			'content-disposition': `attachment; filename="payment-${id.data}.${type}"`,
			'cache-control': 'private, no-store',
			'x-content-type-options': 'nosniff'
		}
	});
};
