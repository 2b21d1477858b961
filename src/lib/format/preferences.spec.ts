import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
	DATE_FORMATS,
	LANGUAGES,
	THEMES,
	localeFromAcceptLanguage,
	themeClass
} from './preferences';

describe('localeFromAcceptLanguage', () => {
	it('takes the best supported language, exactly or by its primary subtag', () => {
		expect(localeFromAcceptLanguage('fr-CH, fr;q=0.9, en;q=0.8')).toBe('fr');
		expect(localeFromAcceptLanguage('en-GB,en;q=0.9')).toBe('en-GB');
		expect(localeFromAcceptLanguage('pt-br')).toBe('pt-BR');
		expect(localeFromAcceptLanguage('tlh;q=1, de;q=0.5')).toBe('de');
		expect(localeFromAcceptLanguage('en;q=0.1, ja;q=0.9')).toBe('ja');
	});

	it('falls back to English', () => {
		expect(localeFromAcceptLanguage(null)).toBe('en');
		expect(localeFromAcceptLanguage('*')).toBe('en');
		expect(localeFromAcceptLanguage('xx-YY, fr;q=0')).toBe('en');
	});
});

describe('themeClass', () => {
	it('is the class src/app.css keys dark mode on', () => {
		expect(themeClass('dark')).toBe('dark');
		expect(themeClass('system')).toBe('theme-system');
		expect(themeClass('light')).toBe('');
	});
});

describe('the values the table accepts', () => {
	const sql = readFileSync('supabase/migrations/20261201000100_preferences.sql', 'utf8');
	const listed = (constraint: string) => {
		const check = sql.slice(sql.indexOf(constraint)).split(')),')[0] ?? '';
		return [...check.matchAll(/'([^']+)'/g)].map((m) => m[1]);
	};

	it('are the lists the forms offer (a change to one fails until the other follows)', () => {
		expect(listed('user_preferences_theme_valid')).toEqual([...THEMES]);
		expect(listed('user_preferences_date_format_valid')).toEqual([...DATE_FORMATS]);
		expect(listed('user_preferences_language_valid')).toEqual([...LANGUAGES]);
	});

	it('are languages Intl formats with', () => {
		expect(Intl.NumberFormat.supportedLocalesOf([...LANGUAGES])).toEqual([...LANGUAGES]);
	});
});
