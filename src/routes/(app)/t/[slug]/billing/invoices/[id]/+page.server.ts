import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { billingInvoice } from '$lib/server/billing/queries';
import { requireClaims } from '$lib/server/platform/web/actions';
import type { PageServerLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One invoice, printable (the browser's print saves it as PDF). TN002/TN003 are a 404 alike. */
export const load: PageServerLoad = async ({ locals, params, parent }) => {
	const { tenant } = await parent();
	if (!UUID.test(params.id)) error(404, 'Not found');
	try {
		const detail = await withClaims(requireClaims(locals), (trx) =>
			billingInvoice(trx, tenant.id, params.id)
		);
		return { detail, crumb: `Invoice ${detail.invoice.number ?? '(draft)'}` };
	} catch (e) {
		const code = (e as { code?: string }).code;
		if (code === 'TN002' || code === 'TN003') error(404, 'Not found');
		throw e;
	}
};
