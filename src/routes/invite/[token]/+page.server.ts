import { redirect } from '@sveltejs/kit';
import { redirectWithToast } from '$lib/server/platform/web/flash';
import { invitationTokenSchema } from '$lib/server/members/schemas';
import { withClaims } from '$lib/server/platform/db';
import { acceptInvitation, previewInvitation } from '$lib/server/members/invitations';
import { formAction, refused } from '$lib/server/platform/web/actions';
import { formError } from '$lib/server/platform/web/forms';
import type { Actions, PageServerLoad } from './$types';

/**
 * An invitation link. Anonymous visitors are asked to sign in (and come back here) or sign up;
 * a signed-in person sees what they are invited to (invitation_preview: found only by the token's
 * hash) and accepts it as themselves.
 */
export const load: PageServerLoad = async ({ locals, params }) => {
	const valid = invitationTokenSchema.safeParse(params.token).success;
	if (!locals.claims) return { signedIn: false as const, valid, preview: null };
	return {
		signedIn: true as const,
		valid,
		email: locals.claims.email ?? '',
		preview: valid
			? ((await withClaims(locals.claims, (trx) => previewInvitation(trx, params.token))) ?? null)
			: null
	};
};

export const actions: Actions = {
	accept: async ({ cookies, locals, params, request }) => {
		if (!locals.claims) redirect(303, `/auth/sign-in?redirectTo=/invite/${params.token}`);
		if (!invitationTokenSchema.safeParse(params.token).success) {
			return formError(400, 'This invitation link is not valid.', {});
		}
		const slug = await formAction({ locals, request }, null, (trx) =>
			acceptInvitation(trx, params.token)
		);
		if (refused(slug)) return slug;
		redirectWithToast(cookies, `/t/${slug}`, 'You joined the organisation.');
	}
};
