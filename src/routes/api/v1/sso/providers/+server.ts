import { routeHandlers } from '$lib/server/api/v1';

export const { GET, POST } = routeHandlers('/sso/providers');
