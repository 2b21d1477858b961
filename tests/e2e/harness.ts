/**
 * What every browser test needs besides the app (tests/support/app.ts): Debian's Chromium driven
 * by playwright-core. A missing browser fails the test with a message saying how to install it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

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
	await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
