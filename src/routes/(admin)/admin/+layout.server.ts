import { requireStaff } from '$lib/server/admin/guard';
import { sidebarOpen } from '$lib/server/platform/web/shell';
import type { LayoutServerLoad } from './$types';

/** Everything under /admin: platform staff only (the guard answers 404 to everyone else). */
export const load: LayoutServerLoad = async ({ cookies, locals, url }) => {
	const { claims, role, holds } = await requireStaff(locals, url);
	return {
		role,
		holds,
		email: claims.email ?? '',
		userId: claims.sub,
		sidebarOpen: sidebarOpen(cookies)
	};
};
