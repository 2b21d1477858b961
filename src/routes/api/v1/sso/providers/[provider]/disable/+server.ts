import { routeHandlers } from '$lib/server/api/v1';

export const { POST } = routeHandlers('/sso/providers/{provider}/disable');
