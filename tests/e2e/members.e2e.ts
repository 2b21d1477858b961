import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, mailLink, open, rowAction, screenshot, signIn, toast } from './harness';

describe('members, invitations and teams', () => {
	let app: App;
	let browser: Browser;

	appAndBrowser((started) => ({ app, browser } = started));

	it('invites by email (resend, revoke), the invitee signs up and joins, the owner changes their role and removes them', async () => {
		const newcomer = `lin.${Date.now()}@example.test`;
		const password = 'correct horse 42';
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/members', { waitUntil: 'networkidle' });
		await owner.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
		expect(await owner.getByRole('row').filter({ hasText: 'Grace Developer' }).count()).toBe(1);
		expect(
			await owner.getByRole('row').filter({ hasText: 'newhire@acme.test' }).textContent()
		).toContain('pending');
		expect(
			await owner.getByRole('row').filter({ hasText: 'late@acme.test' }).textContent()
		).toContain('expired');

		// Bad input: a field error, the value kept.
		await owner.getByLabel('Email', { exact: true }).fill('lin@localhost');
		await owner.getByLabel('Role', { exact: true }).selectOption({ label: 'Developer' });
		await owner.getByRole('button', { name: 'Send invitation' }).click();
		await owner.locator('#field-invite-email-errors').waitFor();
		await owner.waitForLoadState('networkidle');
		expect(await owner.getByLabel('Email', { exact: true }).inputValue()).toBe('lin@localhost');

		await owner.getByLabel('Email', { exact: true }).fill(newcomer);
		await owner.getByLabel('Role', { exact: true }).selectOption({ label: 'Developer' });
		await owner.getByRole('button', { name: 'Send invitation' }).click();
		await owner
			.getByRole('status')
			.filter({ hasText: `Invitation sent to ${newcomer}` })
			.waitFor();
		const invited = owner.getByRole('row').filter({ hasText: newcomer });
		expect(await invited.textContent()).toContain('Developer');
		await screenshot(owner, '40-members');

		// The invitee: the email, sign-up and confirmation, read from the mail catcher.
		const invitee = await (await browser.newContext({ baseURL: app.url })).newPage();
		const firstLink = await mailLink(app.mailUrl, newcomer, 'invited you to Acme Inc');

		// Resend replaces the link; revoke takes an invitation off the list.
		await rowAction(owner, invited, /^Resend/);
		await owner.getByRole('status').filter({ hasText: 'sent again' }).waitFor();
		const contractor = owner.getByRole('row').filter({ hasText: 'contractor@acme.test' });
		await rowAction(owner, contractor, /^Revoke/, 'Revoke');
		await owner.getByRole('status').filter({ hasText: 'Invitation revoked.' }).waitFor();
		expect(await contractor.count()).toBe(0);

		const inviteLink = await mailLink(app.mailUrl, newcomer, 'invited you to Acme Inc');
		expect(inviteLink).not.toBe(firstLink);
		expect(inviteLink).toMatch(new RegExp(`^${app.url}/invite/[0-9a-f]{64}$`));
		await invitee.goto('/auth/sign-up', { waitUntil: 'networkidle' });
		await invitee.getByLabel('Email').fill(newcomer);
		await invitee.getByLabel('Password').fill(password);
		await invitee.getByRole('button', { name: 'Create account' }).click();
		await invitee.getByRole('heading', { name: 'Check your email' }).waitFor();
		await invitee.goto(await mailLink(app.mailUrl, newcomer, 'Confirm your email'));
		await invitee.getByRole('heading', { name: 'Email confirmed' }).waitFor();

		// Anonymous at the link: sign in, come back, accept.
		await invitee.goto(inviteLink, { waitUntil: 'networkidle' });
		await invitee.getByRole('button', { name: 'Sign in to accept' }).click();
		await invitee.getByRole('heading', { name: 'Sign in' }).waitFor();
		await invitee.waitForLoadState('networkidle');
		await invitee.getByLabel('Email').fill(newcomer);
		await invitee.getByLabel('Password').fill(password);
		await invitee.getByRole('button', { name: 'Sign in' }).click();
		await invitee.getByRole('button', { name: 'Accept and join Acme Inc' }).waitFor();
		await invitee.waitForLoadState('networkidle');
		expect(await invitee.locator('main').textContent()).toContain(`Acme Inc invites ${newcomer}`);
		await screenshot(invitee, '41-invite-accept');
		await invitee.getByRole('button', { name: 'Accept and join Acme Inc' }).click();
		await invitee.getByRole('heading', { name: 'Acme Inc', level: 1 }).waitFor();
		expect(new URL(invitee.url()).pathname).toBe('/t/acme');

		await invitee.goto(firstLink, { waitUntil: 'networkidle' });
		expect(await invitee.getByRole('alert').textContent()).toContain('revoked');

		// Used once: the link now says so.
		await invitee.goto(inviteLink, { waitUntil: 'networkidle' });
		expect(await invitee.getByRole('alert').textContent()).toContain('already used');

		// The owner changes the newcomer's role, then removes them.
		await owner.goto('/t/acme/members', { waitUntil: 'networkidle' });
		const row = owner.getByRole('row').filter({ hasText: newcomer });
		expect(await row.textContent()).toContain('Developer');
		expect(await owner.getByRole('row').filter({ hasText: newcomer }).count()).toBe(1);
		await rowAction(owner, row, 'Change role to Viewer');
		await owner.getByRole('status').filter({ hasText: 'Role changed.' }).waitFor();
		expect(await row.locator('[data-slot=badge]').allTextContents()).toEqual(['Viewer']);
		await rowAction(owner, row, /^Remove/, 'Remove');
		await owner.getByRole('status').filter({ hasText: 'Member removed.' }).waitFor();
		expect(await owner.getByRole('row').filter({ hasText: newcomer }).count()).toBe(0);
	});

	it('shows a viewer the members but no controls, and refuses their invite POST', async () => {
		const viewer = await signIn(browser, app.url, 'viewer@acme.test');
		await viewer.goto('/t/acme/members', { waitUntil: 'networkidle' });
		expect(await viewer.getByRole('row').filter({ hasText: 'Ada Owner' }).count()).toBe(1);
		expect(await viewer.getByRole('button', { name: 'Send invitation' }).count()).toBe(0);
		expect(await viewer.getByRole('heading', { name: 'Pending invitations' }).count()).toBe(0);
		expect(await viewer.getByRole('checkbox').count()).toBe(0);
		// One row menu, their own, offering only to leave: no role change, no removal.
		const menus = viewer.getByRole('button', { name: /^Actions for / });
		expect(await menus.count()).toBe(1);
		await menus.click();
		expect(await viewer.getByRole('menuitem').allTextContents()).toEqual(['Leave Acme Inc']);
		await viewer.keyboard.press('Escape');
		await screenshot(viewer, '42-members-viewer');

		// What a browser without JavaScript would send, had the form been there.
		const refused = await viewer.request.post('/t/acme/members?/invite', {
			headers: { origin: app.url, accept: 'text/html' },
			form: { email: 'sneaky@example.test', role: '00000000-0000-4000-8000-000000000000' }
		});
		expect(refused.status()).toBe(400);
		expect(await refused.text()).toContain('You do not have permission to do that.');

		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/members', { waitUntil: 'networkidle' });
		expect(await owner.getByRole('row').filter({ hasText: 'sneaky@example.test' }).count()).toBe(0);
	});

	it('creates a team (field errors first), adds and removes a member, renames and deletes it; a viewer only reads', async () => {
		const name = `Growth ${Date.now() % 100000}`;
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/teams', { waitUntil: 'networkidle' });
		await owner.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
		expect(await owner.getByRole('row').filter({ hasText: 'Platform' }).textContent()).toContain(
			'2'
		);
		expect(await owner.getByText('Operations').count()).toBe(0);

		await owner.getByLabel('Team name').fill('   ');
		await owner.getByRole('button', { name: 'Create team' }).click();
		await owner.locator('#field-create-name-errors').waitFor();
		await owner.waitForLoadState('networkidle');
		await owner.getByLabel('Team name').fill('Platform');
		await owner.getByRole('button', { name: 'Create team' }).click();
		await owner.getByText('Another team already has this name.').waitFor();
		expect(await owner.getByLabel('Team name').inputValue()).toBe('Platform');
		await owner.getByLabel('Team name').fill(name);
		await owner.getByRole('button', { name: 'Create team' }).click();
		await owner
			.getByRole('status')
			.filter({ hasText: `Team “${name}” created.` })
			.waitFor();
		await screenshot(owner, '43-teams');

		await owner.getByRole('link', { name }).click();
		await owner.getByRole('heading', { name, level: 1 }).waitFor();
		await owner.waitForLoadState('networkidle');
		expect(await owner.getByText('Nobody is in this team yet.').count()).toBe(1);
		await owner.getByLabel('Member', { exact: true }).selectOption({ label: 'Grace Developer' });
		await owner.getByRole('button', { name: 'Add to team' }).click();
		await toast(owner, 'Added to the team.').waitFor();
		const grace = owner.getByRole('row').filter({ hasText: 'Grace Developer' });
		expect(await grace.count()).toBe(1);
		await screenshot(owner, '44-team-detail');

		await grace.getByRole('button', { name: /^Remove/ }).click();
		await owner
			.getByRole('alertdialog', { name: `Remove Grace Developer from ${name}?` })
			.getByRole('button', { name: 'Remove from the team' })
			.click();
		await toast(owner, 'Removed from the team.').waitFor();
		expect(await owner.getByText('Nobody is in this team yet.').count()).toBe(1);

		const viewer = await signIn(browser, app.url, 'viewer@acme.test');
		await viewer.goto('/t/acme/teams', { waitUntil: 'networkidle' });
		expect(await viewer.getByRole('link', { name }).count()).toBe(1);
		expect(await viewer.getByRole('button', { name: 'Create team' }).count()).toBe(0);
		expect(await viewer.getByRole('button', { name: /^Actions for / }).count()).toBe(0);

		// Rename, then delete.
		await owner.getByRole('link', { name: 'All teams' }).click();
		await owner.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
		await owner.waitForLoadState('networkidle');
		const row = owner.getByRole('row').filter({ hasText: name });
		await rowAction(owner, row, 'Rename…');
		const dialog = owner.getByRole('dialog', { name: `Rename ${name}` });
		await dialog.getByLabel('New name').fill(`${name} renamed`);
		await dialog.getByRole('button', { name: 'Save' }).click();
		await owner
			.getByRole('status')
			.filter({ hasText: `Team renamed to “${name} renamed”.` })
			.waitFor();
		const renamed = owner.getByRole('row').filter({ hasText: `${name} renamed` });
		expect(await dialog.count()).toBe(0);
		await rowAction(owner, renamed, /^Delete team/, 'Delete team');
		await owner.getByRole('status').filter({ hasText: 'Team deleted.' }).waitFor();
		expect(await owner.getByRole('link', { name: `${name} renamed` }).count()).toBe(0);
	});

	it('a team page undoes a removal from its toast and deletes the team after a confirmation', async () => {
		const name = `Support ${Date.now() % 100000}`;
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/teams', { waitUntil: 'networkidle' });
		await owner.getByLabel('Team name').fill(name);
		await owner.getByRole('button', { name: 'Create team' }).click();
		await toast(owner, `Team “${name}” created.`).waitFor();
		// The seeded squads fill the first pages: find it the way a person would.
		await owner.getByRole('searchbox', { name: 'Search teams' }).fill(name);
		await owner.getByRole('searchbox', { name: 'Search teams' }).press('Enter');
		await owner.getByRole('link', { name }).click();
		await owner.getByRole('heading', { name, level: 1 }).waitFor();
		await owner.waitForLoadState('networkidle');
		expect(await owner.getByRole('navigation', { name: /breadcrumb/i }).textContent()).toContain(
			name
		);
		await owner.getByLabel('Member', { exact: true }).selectOption({ label: 'Grace Developer' });
		await owner.getByRole('button', { name: 'Add to team' }).click();
		await toast(owner, 'Added to the team.').waitFor();
		const grace = owner.getByRole('row').filter({ hasText: 'Grace Developer' });
		await grace.getByRole('button', { name: /^Remove/ }).click();
		await owner.getByRole('button', { name: 'Remove from the team' }).click();
		await toast(owner, 'Removed from the team.').getByRole('button', { name: 'Undo' }).click();
		await toast(owner, 'Added to the team.').waitFor();
		expect(await grace.count()).toBe(1);

		// Deleting asks first; Cancel keeps the team.
		await owner.getByRole('button', { name: 'Delete team' }).click();
		const dialog = owner.getByRole('alertdialog', { name: `Delete the team ${name}?` });
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'detached' });
		expect(new URL(owner.url()).pathname).toMatch(/^\/t\/acme\/teams\/[0-9a-f-]{36}$/);
		await owner.getByRole('button', { name: 'Delete team' }).click();
		await dialog.getByRole('button', { name: 'Delete team' }).click();
		await owner.waitForURL((url) => url.pathname === '/t/acme/teams');
		await owner.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
		// The redirect carries its toast to the list, once: a reload does not show it again.
		await toast(owner, 'Team deleted.').waitFor();
		await owner.reload({ waitUntil: 'networkidle' });
		expect(await toast(owner, 'Team deleted.').count()).toBe(0);
		await open(owner, `/t/acme/teams?q=${encodeURIComponent(name)}`);
		await owner.getByText('No teams match your search.').waitFor();
		expect(await owner.getByRole('link', { name }).count()).toBe(0);
		await open(owner, `/t/acme/teams?q=${encodeURIComponent('Platform')}`);
		expect(
			await owner.getByRole('link', { name: 'Platform' }).count(),
			'the search finds teams'
		).toBe(1);
	});
});
