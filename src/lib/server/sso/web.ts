/**
 * The SSO endpoints' request handling (the routes under /auth/sso stay thin): starting a sign-in
 * for an address or a provider, the SAML ACS, the OIDC redirect URI, our SP metadata. A signed-in
 * outcome writes the session cookies like a password sign-in; a refusal goes to /auth/sso with its
 * TN code and the failed check; a connection test goes back to the settings page with its checks.
 */
import { redirect, type RequestEvent } from '@sveltejs/kit';
import { writeSession } from '../auth/cookies';
import { clientAddress, safeRedirect } from '../platform/web/forms';
import { ensureRuntime, getAuth } from '../platform/runtime';
import {
	finishOidc,
	finishSaml,
	passwordRefused,
	routeEmail,
	samlSpMetadata,
	startSso,
	type SsoOutcome
} from './service';

async function runtime() {
	const { engine, config } = await ensureRuntime();
	return { db: engine.db, config };
}

const device = (event: RequestEvent) => ({
	userAgent: event.request.headers.get('user-agent') ?? undefined,
	ip: clientAddress(event)
});

/** "Continue with SSO": the IdP of the address's domain, or null when none serves it. */
export async function startForEmail(
	email: string,
	returnTo: string | null
): Promise<string | null> {
	const { db, config } = await runtime();
	const route = await routeEmail(db, email);
	if (!route) return null;
	return startSso(db, config, route.providerId, {
		purpose: 'signin',
		returnTo: returnTo ? safeRedirect(returnTo) : undefined
	});
}

/** A provider's sign-in, link or connection test, started from the settings page. */
export async function startForProvider(
	providerId: string,
	purpose: 'link' | 'test',
	userId: string,
	returnTo: string
): Promise<string | null> {
	const { db, config } = await runtime();
	return startSso(db, config, providerId, { purpose, linkUserId: userId, returnTo });
}

async function conclude(event: RequestEvent, outcome: SsoOutcome): Promise<never> {
	if (outcome.kind === 'signed_in') {
		await writeSession(await getAuth(), event, outcome.session);
		redirect(303, outcome.returnTo);
	}
	const query = new URLSearchParams();
	if (outcome.kind === 'tested') {
		query.set('tested', 'ok');
		query.set('checks', outcome.identity.checks.join(','));
		query.set('email', outcome.identity.email);
		query.set('account', outcome.account);
	} else {
		query.set(outcome.purpose === 'test' ? 'tested' : 'error', outcome.code);
		if (outcome.check) query.set('check', outcome.check);
	}
	redirect(303, `/auth/sso?${query}`);
}

export async function handleAcs(event: RequestEvent, providerId: string): Promise<never> {
	const form = await event.request.formData().catch(() => null);
	const SAMLResponse = form?.get('SAMLResponse');
	const RelayState = form?.get('RelayState');
	if (typeof SAMLResponse !== 'string' || SAMLResponse.length > 500_000) {
		redirect(303, '/auth/sso?error=TN449&check=response');
	}
	const { db, config } = await runtime();
	const outcome = await finishSaml(
		db,
		config,
		await getAuth(),
		providerId,
		{ SAMLResponse, ...(typeof RelayState === 'string' && RelayState ? { RelayState } : {}) },
		device(event)
	);
	return conclude(event, outcome);
}

export async function handleCallback(event: RequestEvent, providerId: string): Promise<never> {
	const { db, config } = await runtime();
	const outcome = await finishOidc(
		db,
		config,
		await getAuth(),
		providerId,
		event.url,
		device(event)
	);
	return conclude(event, outcome);
}

export async function metadataResponse(providerId: string): Promise<Response> {
	const { db, config } = await runtime();
	const xml = await samlSpMetadata(db, config, providerId);
	if (xml === null) return new Response('No such SAML identity provider.', { status: 404 });
	return new Response(xml, {
		headers: { 'content-type': 'application/samlmetadata+xml; charset=utf-8' }
	});
}

/** SSO enforcement for the password form (TN448). */
export async function passwordSignInRefused(email: string): Promise<boolean> {
	const { db } = await runtime();
	return passwordRefused(db, email);
}
