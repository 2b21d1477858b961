import { handleCallback } from '$lib/server/sso/web';
import type { RequestHandler } from './$types';

/** The OIDC redirect URI: the OP sends the browser back here with the code and state. */
export const GET: RequestHandler = (event) => handleCallback(event, event.params.provider);
