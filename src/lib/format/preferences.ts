/**
 * A person's display preferences (spec 003 `UserPreference`), client-safe: the values the
 * `user_preferences` table accepts (its check constraints and trigger say the same, TN240–TN243),
 * the defaults, and how an anonymous visitor's are guessed (the `tn_theme` cookie, Accept-Language).
 */

export const THEMES = ['light', 'dark', 'system'] as const;
export type Theme = (typeof THEMES)[number];

/** medium: 1 Dec 2026 (the language's own order) · iso: 2026-12-01 · us: 12/01/2026 · eu: 01.12.2026 */
export const DATE_FORMATS = ['medium', 'iso', 'us', 'eu'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/** BCP 47 tags that format numbers and dates; the interface text stays English. */
export const LANGUAGES = [
	'en',
	'en-GB',
	'en-US',
	'de',
	'fr',
	'es',
	'it',
	'nl',
	'pt-BR',
	'sv',
	'da',
	'nb',
	'fi',
	'pl',
	'ja'
] as const;
export type Language = (typeof LANGUAGES)[number];

/** What every page formats with: `page.data.preferences`. */
export interface Preferences {
	theme: Theme;
	/** IANA name: the person's own, else the organisation's (tenant pages), else UTC. */
	timeZone: string;
	dateFormat: DateFormat;
	locale: Language;
}

/** What the request knows before a page says which organisation it is in (`event.locals.preferences`). */
export interface RequestPreferences extends Omit<Preferences, 'timeZone'> {
	/** The person's own time zone; null: each organisation's (or UTC outside one). */
	timeZone: string | null;
}

export const DEFAULT_PREFERENCES: Preferences = {
	theme: 'system',
	timeZone: 'UTC',
	dateFormat: 'medium',
	locale: 'en'
};

/** The cookie that keeps an anonymous visitor's theme (a signed-in person's is their row). */
export const THEME_COOKIE = 'tn_theme';

export function isTheme(value: unknown): value is Theme {
	return (THEMES as readonly unknown[]).includes(value);
}

/**
 * The first language of an Accept-Language header that is supported, exactly or by its primary
 * subtag ("de-AT" → "de", "en-AU" → "en"); 'en' when none is.
 */
export function localeFromAcceptLanguage(header: string | null | undefined): Language {
	const ranked = (header ?? '')
		.split(',')
		.map((part, i) => {
			const [tag = '', ...params] = part.trim().split(';');
			const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
			return { tag: tag.trim(), q: q ? Number(q.slice(2)) : 1, i };
		})
		.filter((entry) => entry.tag && entry.tag !== '*' && entry.q > 0)
		.sort((a, b) => b.q - a.q || a.i - b.i);
	for (const { tag } of ranked) {
		const exact = LANGUAGES.find((l) => l.toLowerCase() === tag.toLowerCase());
		if (exact) return exact;
		const primary = LANGUAGES.find((l) => l === tag.split('-')[0]?.toLowerCase());
		if (primary) return primary;
	}
	return 'en';
}

/** The class the server render puts on <html> (src/app.css: `.dark`, `.theme-system`, none for light). */
export function themeClass(theme: Theme): string {
	return theme === 'dark' ? 'dark' : theme === 'system' ? 'theme-system' : '';
}
