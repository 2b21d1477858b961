/**
 * Issue 11 §9: preferences applied in the server render. <html lang class> comes from the
 * person's row, else the `tn_theme` cookie and Accept-Language; the theme action works from any
 * page without JavaScript; /account saves the whole set, and a value the table refuses is
 * answered on its field with the values kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInCookies, startApp, type App } from '../support/app';

function htmlTag(page: string): string {
	const tag = page.match(/<html[^>]*>/)?.[0];
	if (!tag) throw new Error(`no <html> tag in: ${page.slice(0, 200)}`);
	return tag;
}

describe('preferences in the server render', () => {
	let app: App;
	let ada: string;

	beforeAll(async () => {
		app = await startApp();
		ada = await signInCookies(app, 'owner@acme.test', 'password123!');
	});
	afterAll(async () => {
		await app?.stop();
	});

	const get = async (path: string, headers: Record<string, string> = {}) =>
		htmlTag(await (await fetch(`${app.url}${path}`, { headers })).text());
	const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
		fetch(`${app.url}${path}`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				origin: app.url,
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded',
				...headers
			},
			body: new URLSearchParams(body)
		});

	it('an anonymous visitor gets the system theme and their browser language', async () => {
		expect(await get('/auth/sign-in')).toBe('<html lang="en" class="theme-system">');
		expect(await get('/auth/sign-in', { 'accept-language': 'de-AT,de;q=0.9,en;q=0.5' })).toBe(
			'<html lang="de" class="theme-system">'
		);
		expect(await get('/auth/sign-in', { cookie: 'tn_theme=dark' })).toBe(
			'<html lang="en" class="dark">'
		);
		expect(await get('/auth/sign-in', { cookie: 'tn_theme=evil"><script>' })).toBe(
			'<html lang="en" class="theme-system">'
		);
	});

	it('the theme action keeps an anonymous choice in a cookie and goes back to the page it came from', async () => {
		const done = await post(
			'/account/preferences?/theme',
			{ theme: 'light' },
			{ referer: `${app.url}/auth/sign-in?redirectTo=%2Fapp` }
		);
		expect(done.status).toBe(303);
		expect(done.headers.get('location')).toBe('/auth/sign-in?redirectTo=%2Fapp');
		const cookie = done.headers.getSetCookie().find((c) => c.startsWith('tn_theme='));
		expect(cookie).toMatch(/^tn_theme=light;.*HttpOnly/i);
		expect(await get('/auth/sign-in', { cookie: 'tn_theme=light' })).toBe(
			'<html lang="en" class="">'
		);

		const elsewhere = await post(
			'/account/preferences?/theme',
			{ theme: 'dark' },
			{ referer: 'https://evil.example/phish' }
		);
		expect(elsewhere.headers.get('location')).toBe('/account');
		const protocolRelative = await post(
			'/account/preferences?/theme',
			{ theme: 'dark' },
			{ referer: `${app.url}//evil.example/` }
		);
		expect(protocolRelative.headers.get('location')).toBe('/account');

		// A value no form offers is refused: nothing is kept, and (the account pages being a signed-in
		// person's) the refusal's page sends an anonymous visitor to sign in rather than back.
		const bad = await post(
			'/account/preferences?/theme',
			{ theme: 'purple' },
			{ referer: `${app.url}/auth/sign-in` }
		);
		expect(bad.headers.getSetCookie().some((c) => c.startsWith('tn_theme='))).toBe(false);
		expect(bad.headers.get('location')).toMatch(/^\/auth\/sign-in\?redirectTo=/);
		const badSignedIn = await post(
			'/account/preferences?/theme',
			{ theme: 'purple' },
			{ cookie: ada }
		);
		expect(badSignedIn.status).toBe(400);
		expect(await badSignedIn.text()).toContain('Choose light, dark or the system setting.');
	});

	it("a signed-in person's theme is their row, whatever the cookie says", async () => {
		const done = await post(
			'/account/preferences?/theme',
			{ theme: 'dark' },
			{ cookie: ada, referer: `${app.url}/t/acme` }
		);
		expect(done.status).toBe(303);
		expect(done.headers.get('location')).toBe('/t/acme');
		expect(await get('/t/acme', { cookie: `${ada}; tn_theme=light` })).toBe(
			'<html lang="en" class="dark">'
		);
		const other = await signInCookies(app, 'owner@globex.test', 'password123!');
		expect(await get('/t/globex', { cookie: other })).toBe('<html lang="en" class="theme-system">');
	});

	it('/account saves the set; a time zone the table refuses is answered on its field, the values kept', async () => {
		const refused = await post(
			'/account?/preferences',
			{ theme: 'system', time_zone: 'Mars/Olympus_Mons', date_format: 'iso', language: 'fr' },
			{ cookie: ada }
		);
		expect(refused.status).toBe(400);
		const page = await refused.text();
		expect(page).toContain('Unknown time zone (use a name such as Europe/Paris).');
		expect(page).toMatch(/<option[^>]*value="fr"[^>]*selected|<option[^>]*selected[^>]*value="fr"/);

		const saved = await post(
			'/account?/preferences',
			{ theme: 'system', time_zone: 'Europe/Paris', date_format: 'iso', language: 'fr' },
			{ cookie: ada }
		);
		expect(saved.status).toBe(200);
		expect(await saved.text()).toContain('Your preferences are saved.');
		expect(await get('/account', { cookie: ada })).toBe('<html lang="fr" class="theme-system">');
	});
});
