import { AxeBuilder } from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, mailLink, screenshot, signIn, toast, waitForMail } from './harness';

/**
 * Team invitations (docs/members.md): from a team's page, an existing member is added at once and
 * a new address is invited into the organisation; the invitee, reading the mail from the catcher,
 * signs up, accepts, and is in the team.
 */
describe('team invitations', () => {
	let app: App;
	let browser: Browser;

	appAndBrowser((started) => ({ app, browser } = started));

	it('adds a member by address, invites a new person who joins the team on accepting', async () => {
		const newcomer = `tess.${Date.now()}@example.test`;
		const password = 'correct horse 42';
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/teams', { waitUntil: 'networkidle' });
		await owner.getByRole('link', { name: 'Security' }).click();
		await owner.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
		await owner.waitForLoadState('networkidle');
		const invite = owner.getByRole('region', { name: 'Invite to team' });
		const members = owner.getByRole('region', { name: 'Members' });
		expect(await members.getByRole('row').filter({ hasText: 'Grace Developer' }).count()).toBe(0);

		// A member of Acme: added at once.
		await invite.getByLabel('Email').fill('DEV@acme.test');
		await invite.getByRole('button', { name: 'Invite to team' }).click();
		await toast(owner, 'dev@acme.test is a member already: added to the team.').waitFor();
		await members.getByRole('row').filter({ hasText: 'Grace Developer' }).waitFor();

		// Again: refused on the field, the address kept.
		await invite.getByLabel('Email').fill('dev@acme.test');
		await invite.getByRole('button', { name: 'Invite to team' }).click();
		await owner
			.locator('#field-invite-email-errors')
			.filter({ hasText: 'Already in this team.' })
			.waitFor();
		expect(await invite.getByLabel('Email').inputValue()).toBe('dev@acme.test');

		// Someone new: an invitation into Acme that names the team.
		await invite.getByLabel('Email').fill(newcomer);
		await invite.getByLabel('Role if new').selectOption({ label: 'Developer' });
		await invite.getByRole('button', { name: 'Invite to team' }).click();
		await toast(
			owner,
			`Invitation sent to ${newcomer}: accepting it puts them in this team.`
		).waitFor();
		const mail = await waitForMail(app.mailUrl, newcomer, 'invited you to Acme Inc');
		expect(mail.text).toContain('as Developer, in the team Security.');
		const inviteLink = mail.links[0]!;
		expect(inviteLink).toMatch(new RegExp(`^${app.url}/invite/[0-9a-f]{64}$`));

		const { violations } = await new AxeBuilder({ page: owner }).analyze();
		expect(
			violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)
		).toEqual([]);
		await screenshot(owner, '44-team-invite');
		await owner.setViewportSize({ width: 390, height: 844 });
		await owner.emulateMedia({ colorScheme: 'dark' });
		await owner.reload({ waitUntil: 'networkidle' });
		expect(await owner.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
			390
		);
		await screenshot(owner, '44-team-invite-phone-dark');

		// The invitee signs up, confirms, accepts, and lands in Acme — and in the team.
		const invitee = await (await browser.newContext({ baseURL: app.url })).newPage();
		await invitee.goto('/auth/sign-up', { waitUntil: 'networkidle' });
		await invitee.getByLabel('Email').fill(newcomer);
		await invitee.getByLabel('Password').fill(password);
		await invitee.getByRole('button', { name: 'Create account' }).click();
		await invitee.getByRole('heading', { name: 'Check your email' }).waitFor();
		await invitee.goto(await mailLink(app.mailUrl, newcomer, 'Confirm your email'));
		await invitee.getByRole('heading', { name: 'Email confirmed' }).waitFor();
		await invitee.goto(inviteLink, { waitUntil: 'networkidle' });
		await invitee.getByRole('button', { name: 'Sign in to accept' }).click();
		await invitee.getByRole('heading', { name: 'Sign in' }).waitFor();
		await invitee.waitForLoadState('networkidle');
		await invitee.getByLabel('Email').fill(newcomer);
		await invitee.getByLabel('Password').fill(password);
		await invitee.getByRole('button', { name: 'Sign in' }).click();
		await invitee.getByRole('button', { name: 'Accept and join Acme Inc' }).click();
		await invitee.getByRole('heading', { name: 'Acme Inc', level: 1 }).waitFor();

		await owner.reload({ waitUntil: 'networkidle' });
		await members.getByRole('row').filter({ hasText: newcomer }).waitFor();

		// Used once.
		await invitee.goto(inviteLink, { waitUntil: 'networkidle' });
		expect(await invitee.getByRole('alert').textContent()).toContain('already used');
	});
});
