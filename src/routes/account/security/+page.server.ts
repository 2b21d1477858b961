import { fail, redirect, type RequestEvent } from '@sveltejs/kit';
import {
	changePasswordSchema,
	factorSchema,
	mfaCodeSchema,
	sessionSchema,
	totpEnrolSchema,
	totpVerifySchema
} from '$lib/server/account/schemas';
import { isAuthError, type AuthError } from '$lib/server/auth';
import { forgetSession, writeSession } from '$lib/server/auth/cookies';
import { qrSvg } from '$lib/server/account/qr';
import { stepUp } from '$lib/server/account/step-up';
import { requireClaims } from '$lib/server/platform/web/actions';
import {
	fieldError,
	formError,
	parseForm,
	rateLimited,
	safeRedirect
} from '$lib/server/platform/web/forms';
import { getAuth } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { locals, url } = event;
	const claims = requireClaims(locals);
	const auth = await getAuth();
	try {
		const sessions = await auth.listSessions(claims);
		const factors = await auth.listFactors(claims);
		return {
			aal: claims.aal,
			factors: factors.filter((f) => f.status === 'verified'),
			sessions
		};
	} catch (error) {
		// The access token outlives a revoked session by up to an hour; this page asks the provider,
		// which knows the session is gone, so the browser is signed out here and now.
		if (!isAuthError(error, 'token_invalid')) throw error;
		await forgetSession(auth, event);
		redirect(303, `/auth/sign-in?redirectTo=${encodeURIComponent(url.pathname)}`);
	}
};

/** An auth refusal as a form failure: a code about one field lands on that field. */
function refused(error: AuthError, values: Record<string, string>, field?: string) {
	if (field) return fieldError(field, error.message, values);
	return formError(error.code === 'rate_limited' ? 429 : 400, error.message, values);
}

/** The enrolment in progress, shown again (QR code included) when its first code is refused. */
async function enrolment(factorId: string, secret: string, uri: string) {
	return { factorId, secret, uri, qr: await qrSvg(uri) };
}

function tooMany(
	event: RequestEvent,
	scope: string,
	userId: string,
	values: Record<string, string>
) {
	return rateLimited(event, scope, userId)
		? formError(429, 'Too many attempts. Wait a moment and try again.', values)
		: null;
}

export const actions: Actions = {
	password: async (event) => {
		const claims = requireClaims(event.locals);
		const form = await parseForm(event.request, changePasswordSchema(claims.email));
		// Neither password is ever sent back to the page.
		if (!form.ok) {
			form.failure.data.values = {};
			return form.failure;
		}
		const limited = tooMany(event, 'password', claims.sub, {});
		if (limited) return limited;
		try {
			const ended = await (
				await getAuth()
			).changePassword(claims, form.data.current_password, form.data.password);
			return {
				ok: `Your password is changed. ${ended === 1 ? '1 other session was' : `${ended} other sessions were`} signed out.`
			};
		} catch (error) {
			if (isAuthError(error, 'invalid_credentials')) {
				return fieldError('current_password', 'That is not your current password.', {});
			}
			if (isAuthError(error, 'weak_password')) {
				return fieldError('password', error.issues.join(' ') || error.message, {});
			}
			if (isAuthError(error)) return refused(error, {});
			throw error;
		}
	},

	enrol: async (event) => {
		const claims = requireClaims(event.locals);
		const form = await parseForm(event.request, totpEnrolSchema);
		if (!form.ok) return form.failure;
		try {
			const started = await (await getAuth()).enrolTotp(claims, form.data.friendly_name);
			return { enrolment: await enrolment(started.factorId, started.secret, started.uri) };
		} catch (error) {
			if (isAuthError(error)) return refused(error, form.values);
			throw error;
		}
	},

	verifyEnrolment: async (event) => {
		const claims = requireClaims(event.locals);
		const form = await parseForm(event.request, totpVerifySchema);
		const values = form.ok ? form.values : (form.failure.data.values ?? {});
		// The secret and URI come back from the page only to draw the same QR code again; the code
		// is checked against the secret the provider stored.
		const again = () => enrolment(values.factor_id ?? '', values.secret ?? '', values.uri ?? '');
		if (!form.ok) return fail(400, { ...form.failure.data, enrolment: await again() });
		try {
			const auth = await getAuth();
			const { session, recoveryCodes } = await auth.verifyTotpEnrolment(
				claims,
				form.data.factor_id,
				form.data.code
			);
			await writeSession(auth, event, session);
			event.locals.claims = await auth.verifyAccessToken(session.accessToken);
			return { ok: 'Two-factor authentication is on. This session is verified.', recoveryCodes };
		} catch (error) {
			if (isAuthError(error, 'mfa_invalid_code')) {
				return fail(400, {
					errors: { code: [error.message] },
					values,
					enrolment: await again()
				});
			}
			if (isAuthError(error)) return refused(error, values);
			throw error;
		}
	},

	stepUp: async (event) => {
		const claims = requireClaims(event.locals);
		const form = await parseForm(event.request, mfaCodeSchema);
		if (!form.ok) return form.failure;
		const limited = tooMany(event, 'mfa', claims.sub, form.values);
		if (limited) return limited;
		try {
			await stepUp(await getAuth(), claims, form.data.code, event);
		} catch (error) {
			if (isAuthError(error, 'mfa_invalid_code')) return refused(error, form.values, 'code');
			if (isAuthError(error)) return refused(error, form.values);
			throw error;
		}
		// Back to the organisation that asked for the step-up, when it sent the person here.
		if (form.values.redirectTo) redirect(303, safeRedirect(form.values.redirectTo));
		return { ok: 'Verified: this session now has two-factor assurance (aal2).' };
	},

	unenrol: async (event) => {
		const claims = requireClaims(event.locals);
		const form = await parseForm(event.request, factorSchema);
		if (!form.ok) return form.failure;
		try {
			await (await getAuth()).unenrolTotp(claims, form.data.factor_id);
			return { ok: 'The authenticator app was removed.' };
		} catch (error) {
			if (isAuthError(error)) return refused(error, form.values);
			throw error;
		}
	},

	revokeSession: async (event) => {
		const claims = requireClaims(event.locals);
		const form = await parseForm(event.request, sessionSchema);
		if (!form.ok) return form.failure;
		if (form.data.session_id === claims.session_id) {
			return formError(400, 'That is this session: use Sign out instead.', form.values);
		}
		const ended = await (await getAuth()).revokeSession(claims, form.data.session_id);
		if (!ended) return formError(404, 'That session has already ended.', form.values);
		return { ok: 'The session was signed out.' };
	},

	revokeOthers: async (event) => {
		const claims = requireClaims(event.locals);
		const ended = await (await getAuth()).revokeOtherSessions(claims);
		return {
			ok:
				ended === 1 ? '1 other session was signed out.' : `${ended} other sessions were signed out.`
		};
	}
};
