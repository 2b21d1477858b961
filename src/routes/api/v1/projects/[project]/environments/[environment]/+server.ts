import { routeHandlers } from '$lib/server/api/v1';

export const { PATCH, DELETE } = routeHandlers('/projects/{project}/environments/{environment}');
