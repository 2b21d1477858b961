import { requireStaff } from './guard.server';
import type { LayoutServerLoad } from './$types';

/** Everything under /admin: platform staff only (the guard answers 404 to everyone else). */
export const load: LayoutServerLoad = async ({ locals, url }) => {
	const { claims, role } = await requireStaff(locals, url);
	return { role, email: claims.email ?? '', userId: claims.sub };
};
