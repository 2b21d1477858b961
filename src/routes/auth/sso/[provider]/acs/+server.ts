import { handleAcs } from '$lib/server/sso/web';
import type { RequestHandler } from './$types';

/** The SAML assertion consumer service (HTTP-POST binding), posted by the IdP's page. */
export const POST: RequestHandler = (event) => handleAcs(event, event.params.provider);
