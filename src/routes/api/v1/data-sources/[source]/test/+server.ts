import { routeHandlers } from '$lib/server/api/v1';

export const { POST } = routeHandlers('/data-sources/{source}/test');
