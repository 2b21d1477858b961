import { inboundResponse } from '$lib/server/integrations/inbound';
import type { RequestHandler } from './$types';

/**
 * A provider's inbound events for one integration (docs/integrations.md): verified by the
 * provider's signature, recorded once per delivery id, processed on the queue. No session or API
 * key: the signature is the authentication.
 */
export const POST: RequestHandler = ({ request, params }) =>
	inboundResponse(request, params.integration);
