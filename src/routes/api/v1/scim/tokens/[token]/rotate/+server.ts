import { routeHandlers } from '$lib/server/api/v1';

export const { POST } = routeHandlers('/scim/tokens/{token}/rotate');
