import { routeHandlers } from '$lib/server/api/v1';

export const { POST } = routeHandlers('/webhook-deliveries/{delivery}/replay');
