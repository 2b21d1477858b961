import { routeHandlers } from '$lib/server/api/v1';

export const { DELETE } = routeHandlers('/dashboards/{dashboard}/widgets/{widget}');
