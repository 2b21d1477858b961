import { routeHandlers } from '$lib/server/api/v1';

export const { GET, PATCH, DELETE } = routeHandlers('/sso/providers/{provider}');
