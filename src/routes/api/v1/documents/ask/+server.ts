import { routeHandlers } from '$lib/server/api/v1';

export const { POST } = routeHandlers('/documents/ask');
