import { routeHandlers } from '$lib/server/api/v1';

export const { POST } = routeHandlers('/ocr/jobs/{job}/cancel');
