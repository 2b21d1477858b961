import { themeClass, type Theme } from '$lib/format/preferences';

/** Switches the open page at once, without waiting for the round trip. */
export function applyTheme(theme: Theme): void {
	const root = document.documentElement;
	root.classList.remove('dark', 'theme-system');
	const cls = themeClass(theme);
	if (cls) root.classList.add(cls);
}

/** Stores the choice the way the no-JavaScript form on /account does. */
export async function saveTheme(theme: Theme): Promise<void> {
	const body = new FormData();
	body.set('theme', theme);
	await fetch('/account/preferences?/theme', {
		method: 'POST',
		body,
		headers: { 'x-sveltekit-action': 'true' }
	});
}
