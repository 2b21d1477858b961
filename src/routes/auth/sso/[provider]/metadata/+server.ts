import { metadataResponse } from '$lib/server/sso/web';
import type { RequestHandler } from './$types';

/** Our SAML SP metadata for this provider (its URL is also our entity id). */
export const GET: RequestHandler = (event) => metadataResponse(event.params.provider);
