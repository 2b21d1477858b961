/**
 * What every browser test needs besides the app (tests/support/app.ts): Debian's Chromium driven
 * by playwright-core. A missing browser fails the test with a message saying how to install it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startApp, type App } from '../support/app';

/**
 * For one describe block: the app (`startApp`) and Chromium, started before its tests (handed to
 * `started`) and closed after them.
 */
export function appAndBrowser(started: (opened: { app: App; browser: Browser }) => void): void {
	let app: App | undefined;
	let browser: Browser | undefined;
	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
		started({ app, browser });
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});
}

export const SCREENSHOTS = 'test-results/screenshots';

/** `extraArgs` add Chromium switches, e.g. `--host-resolver-rules` to send a test domain to 127.0.0.1. */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
	const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
	if (!existsSync(executablePath)) {
		throw new Error(
			`Chromium is missing at ${executablePath}: install it (apt-get install chromium) or set CHROMIUM_PATH.`
		);
	}
	return chromium.launch({
		executablePath,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			...extraArgs
		]
	});
}

export async function screenshot(page: Page, name: string): Promise<void> {
	mkdirSync(SCREENSHOTS, { recursive: true });
	// A full-page shot draws the shell's sticky top bar where the page is scrolled to: from the top,
	// it sits above the content instead of over it.
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Opens a DataTable row's menu ("Actions for …") and picks the item named `item`; for a
 * destructive one, `confirm` names the button of the alert dialog that asks first.
 */
export async function rowAction(
	page: Page,
	row: Locator,
	item: string | RegExp,
	confirm?: string
): Promise<void> {
	await row.getByRole('button', { name: /^Actions for / }).click();
	await page.getByRole('menuitem', { name: item }).click();
	if (confirm) {
		const dialog = page.getByRole('alertdialog');
		await dialog.getByRole('button', { name: confirm, exact: true }).click();
		await dialog.waitFor({ state: 'hidden' });
	}
}

/** Every seeded demo person's password (supabase/seed.sql). */
export const DEMO_PASSWORD = 'password123!';

/** Goes to a page and waits until it is hydrated, so what the test types is not lost. */
export async function open(page: Page, path: string): Promise<void> {
	await page.goto(path, { waitUntil: 'networkidle' });
}

/** Fills the sign-in form; where it lands depends on the person (organisations or the MFA step). */
export async function submitSignIn(
	page: Page,
	email: string,
	password = DEMO_PASSWORD
): Promise<void> {
	await open(page, '/auth/sign-in');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A new browser context on `origin` (cookies are per host), signed in as `email`. */
export async function signIn(
	browser: Browser,
	origin: string,
	email: string,
	options: { password?: string; javaScriptEnabled?: boolean; acceptDownloads?: boolean } = {}
): Promise<Page> {
	const { password, ...context } = options;
	const page = await (await browser.newContext({ baseURL: origin, ...context })).newPage();
	// A busy machine (the tests share two cores with the app and Chromium) can take most of
	// Playwright's default 30 s for one navigation.
	page.setDefaultTimeout(60_000);
	await submitSignIn(page, email, password);
	await page.getByRole('heading', { name: 'Your organisations' }).waitFor();
	return page;
}

/** The toast a successful action shows (ActionToasts: svelte-sonner, a polite live region). */
export function toast(page: Page, text: string | RegExp): Locator {
	return page.locator('[data-sonner-toast]').filter({ hasText: text });
}

/** Signs out through the person's menu at the foot of the shell's sidebar. */
export async function signOut(page: Page): Promise<void> {
	await page.getByRole('button', { name: /account menu$/ }).click();
	await page.getByRole('menuitem', { name: 'Sign out' }).click();
}

/** Opens the organisation switcher at the top of the tenant app's sidebar; returns its menu. */
export async function openSwitcher(page: Page): Promise<Locator> {
	await page.getByRole('button', { name: /Switch organisation$/ }).click();
	return page.getByRole('menu');
}

/** An email as the mail catcher's JSON API returns it (src/lib/server/email/catcher.ts). */
export interface CaughtMail {
	id: string;
	messageId: string | null;
	from: string;
	to: string[];
	subject: string;
	text: string;
	links: string[];
	receivedAt: string;
}

/** Every email the catcher holds for `to`, newest first. */
export async function caughtMail(mailUrl: string, to: string): Promise<CaughtMail[]> {
	const response = await fetch(`${mailUrl}/api/messages?to=${encodeURIComponent(to)}`);
	if (!response.ok) throw new Error(`the mail catcher at ${mailUrl} answered ${response.status}`);
	return (await response.json()) as CaughtMail[];
}

/** Messages a waitForMail call already returned (or passed over as older), per address and subject. */
const taken = new Map<string, Set<string>>();

/**
 * Waits until the mail catcher (the app's `mailUrl`) holds an email to `to` whose subject contains
 * `subject` that no earlier call returned, and returns the newest such: the sender sends on a
 * timer, so a test that asks right after the action waits for its own email, not the previous one.
 */
export async function waitForMail(
	mailUrl: string,
	to: string,
	subject: string,
	timeoutMs = 30_000
): Promise<CaughtMail> {
	const key = `${to.toLowerCase()}\n${subject}`;
	const seen = taken.get(key) ?? new Set<string>();
	taken.set(key, seen);
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const fresh = (await caughtMail(mailUrl, to)).filter(
			(m) => m.subject.includes(subject) && !seen.has(m.id)
		);
		if (fresh.length > 0) {
			for (const m of fresh) seen.add(m.id);
			return fresh[0]!;
		}
		if (Date.now() > deadline) {
			throw new Error(
				`no new email to ${to} with "${subject}" reached the mail catcher at ${mailUrl} within ${timeoutMs} ms`
			);
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/** The first link of the next email to `to` whose subject contains `subject` (see waitForMail). */
export async function mailLink(mailUrl: string, to: string, subject: string): Promise<string> {
	const mail = await waitForMail(mailUrl, to, subject);
	expect(mail.links[0], `the email "${mail.subject}" to ${to} has a link`).toBeTruthy();
	return mail.links[0]!;
}

/**
 * A ConfirmAction by its trigger's words: opens its alert dialog, fills the dialog's fields by
 * label (a typed name's label is "Type … to confirm"), and presses `confirm` (the trigger's words
 * unless given); waits for the dialog to close.
 */
export async function confirmAction(
	page: Page,
	trigger: string,
	fields: [string | RegExp, string][] = [],
	confirm = trigger,
	scope: Page | Locator = page
): Promise<void> {
	await scope.getByRole('button', { name: trigger, exact: true }).click();
	const dialog = page.getByRole('alertdialog');
	for (const [label, value] of fields) await dialog.getByLabel(label).fill(value);
	await dialog.getByRole('button', { name: confirm, exact: true }).click();
	await dialog.waitFor({ state: 'hidden' });
}

/** The typed-name field of a ConfirmAction dialog. */
export const TYPED_NAME = /^Type .+ to confirm$/;
