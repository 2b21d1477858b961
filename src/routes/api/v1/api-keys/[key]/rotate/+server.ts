import { routeHandlers } from '$lib/server/api/v1';

export const { POST } = routeHandlers('/api-keys/{key}/rotate');
