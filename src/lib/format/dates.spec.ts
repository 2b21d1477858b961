import { describe, expect, it } from 'vitest';
import {
	formatDate,
	formatDateTime,
	formatExact,
	formatRelative,
	formatTime,
	isoInstant
} from './dates';

const AT = '2026-12-01T02:05:03Z';
const paris = { timeZone: 'Europe/Paris', locale: 'en-GB' as const };

describe('formatDate and formatDateTime', () => {
	it('shows the day in the zone and the chosen format', () => {
		expect(formatDate(AT, { ...paris, dateFormat: 'medium' })).toBe('1 Dec 2026');
		expect(formatDate(AT, { ...paris, dateFormat: 'iso' })).toBe('2026-12-01');
		expect(formatDate(AT, { ...paris, dateFormat: 'us' })).toBe('12/01/2026');
		expect(formatDate(AT, { ...paris, dateFormat: 'eu' })).toBe('01.12.2026');
	});

	it('moves to the previous day west of UTC', () => {
		const ny = {
			timeZone: 'America/New_York',
			locale: 'en-US' as const,
			dateFormat: 'iso' as const
		};
		expect(formatDateTime(AT, ny)).toBe('2026-11-30 21:05');
	});

	it('orders medium dates by the language', () => {
		expect(formatDate(AT, { timeZone: 'UTC', locale: 'en-US', dateFormat: 'medium' })).toBe(
			'Dec 1, 2026'
		);
		expect(formatDate(AT, { timeZone: 'UTC', locale: 'de', dateFormat: 'medium' })).toBe(
			'1. Dez. 2026'
		);
	});

	it('uses a 24-hour clock for iso and eu, the 12-hour one for us', () => {
		expect(formatTime(AT, { ...paris, dateFormat: 'eu' })).toBe('03:05');
		expect(formatTime(AT, { ...paris, dateFormat: 'us' })).toBe('3:05 AM');
		expect(formatDateTime(AT, { ...paris, dateFormat: 'medium' })).toBe('1 Dec 2026, 3:05');
	});

	it('gives the exact instant with seconds and the zone for a title', () => {
		expect(formatExact(AT, { ...paris, dateFormat: 'iso' })).toBe(
			'2026-12-01 03:05:03 Europe/Paris'
		);
		expect(isoInstant(AT)).toBe('2026-12-01T02:05:03.000Z');
	});

	it('refuses what is not a date', () => {
		expect(() => formatDate('yesterday-ish', { ...paris, dateFormat: 'iso' })).toThrow(RangeError);
	});
});

describe('formatRelative', () => {
	const now = new Date(AT);
	const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
	const rel = (seconds: number, locale: 'en' | 'fr' = 'en') =>
		formatRelative(ago(seconds), { locale, now });

	it('says now, minutes, hours, yesterday, days and months', () => {
		expect(rel(3)).toBe('now');
		expect(rel(45)).toBe('45 sec. ago');
		expect(rel(3 * 60 + 20)).toBe('3 min. ago');
		expect(rel(5 * 3600)).toBe('5 hr. ago');
		expect(rel(26 * 3600)).toBe('yesterday');
		expect(rel(-2 * 86400)).toBe('in 2 days');
		expect(rel(3 * 7 * 86400)).toBe('3 wk. ago');
		expect(rel(65 * 86400)).toBe('2 mo. ago');
		expect(rel(800 * 86400)).toBe('2 yr. ago');
	});

	it('speaks the language', () => {
		expect(rel(26 * 3600, 'fr')).toBe('hier');
	});
});
