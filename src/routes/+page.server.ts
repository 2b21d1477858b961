import { checkHealth } from '$lib/server/platform/health';
import { ensureRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async () => ({ health: await checkHealth(ensureRuntime()) });
