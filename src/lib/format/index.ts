/**
 * One formatter for every page (docs/web.md, "Formatting"): dates in the person's zone, language
 * and date format, relative times, bytes in binary units, counts, money, durations, audit
 * sentences. Pure and client-safe; `page.data.preferences` is the options most functions take.
 */
export {
	formatDate,
	formatDateTime,
	formatExact,
	formatRelative,
	formatTime,
	isoInstant,
	type DateOptions,
	type Instant
} from './dates';
export { formatBytes, formatCount, formatDuration, formatMoney } from './numbers';
export { AUDIT_SENTENCES, describeAudit, type AuditEntry } from './audit';
export {
	DATE_FORMATS,
	DEFAULT_PREFERENCES,
	LANGUAGES,
	THEME_COOKIE,
	THEMES,
	isTheme,
	localeFromAcceptLanguage,
	themeClass,
	type DateFormat,
	type Language,
	type Preferences,
	type RequestPreferences,
	type Theme
} from './preferences';
