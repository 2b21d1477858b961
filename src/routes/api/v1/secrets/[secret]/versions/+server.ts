import { routeHandlers } from '$lib/server/api/v1';

export const { POST } = routeHandlers('/secrets/{secret}/versions');
