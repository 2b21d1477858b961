import { error, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { PROOF_BUCKET } from '$lib/server/billing/proofs';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { getAttachmentByPath, signedUrl } from '$lib/server/storage/service';
import { NOT_FOUND, withStaff } from '$lib/server/admin/guard';
import type { RequestHandler } from './$types';

/**
 * The payment proof a tenant uploaded, for the billing staff deciding on it. The payment row and
 * the proof's attachment are read as the staff person (RLS: billing staff may read payments, and
 * the storage policies let them read payment proofs), so the path comes from the database, never
 * from the URL; the answer is a short-lived signed URL of the file, served as a download with the
 * type its bytes prove.
 */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const id = z.uuid().safeParse(params.id);
	const { config } = await ensureRuntime();
	const link = await withStaff(locals, url, 'billing_admin', async (trx) => {
		if (!id.success) error(404, NOT_FOUND);
		const payment = await trx
			.selectFrom('payments')
			.select(['proof_path as proofPath'])
			.where('id', '=', id.data)
			.executeTakeFirst();
		if (!payment?.proofPath) error(404, NOT_FOUND);
		const proof = await getAttachmentByPath(trx, PROOF_BUCKET, payment.proofPath);
		if (!proof) error(404, 'The proof file is not in this deployment’s storage.');
		return signedUrl(trx, config, { attachmentId: proof.id, expiresInSeconds: 60 });
	});
	redirect(303, link);
};
