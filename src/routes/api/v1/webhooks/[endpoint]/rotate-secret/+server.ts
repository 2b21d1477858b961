import { routeHandlers } from '$lib/server/api/v1';

export const { POST } = routeHandlers('/webhooks/{endpoint}/rotate-secret');
