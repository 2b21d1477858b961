import { checkHealth } from '$lib/server/health';
import { ensureRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async () => ({ health: await checkHealth(ensureRuntime()) });
