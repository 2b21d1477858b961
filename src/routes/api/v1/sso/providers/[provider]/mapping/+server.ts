import { routeHandlers } from '$lib/server/api/v1';

export const { PATCH } = routeHandlers('/sso/providers/{provider}/mapping');
