import { redirect } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { requireClaims } from '$lib/server/platform/web/actions';
import { claimExport, ExportRefused } from '$lib/server/privacy/export';
import type { RequestHandler } from './$types';

/**
 * The one-time download: claim_gdpr_export admits the token once, for the person it was emailed
 * to, before it expires; the archive is opened in the same transaction, so a failure leaves the
 * link unused. A refusal goes back to the link's page with its sentence.
 */
export const POST: RequestHandler = async ({ locals, params }) => {
	const claims = requireClaims(locals);
	const { config } = await ensureRuntime();
	let archive: Uint8Array;
	try {
		archive = (await withClaims(claims, (trx) => claimExport(trx, config, params.token))).bytes;
	} catch (e) {
		if (e instanceof ExportRefused) {
			redirect(
				303,
				`/account/privacy/export/${encodeURIComponent(params.token)}?refused=${e.code}`
			);
		}
		throw e;
	}
	return new Response(archive as Uint8Array<ArrayBuffer>, {
		headers: {
			'content-type': 'application/zip',
			'content-disposition': 'attachment; filename="tenantry-data-export.zip"',
			'cache-control': 'no-store'
		}
	});
};
