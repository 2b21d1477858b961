import { routeHandlers } from '$lib/server/api/v1';

export const { GET, DELETE } = routeHandlers('/data-sources/{source}');
