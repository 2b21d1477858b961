import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatMoney } from './numbers';

describe('formatBytes', () => {
	it('uses binary units with at most one decimal', () => {
		expect(formatBytes(0)).toBe('0 B');
		expect(formatBytes(1023)).toBe('1,023 B');
		expect(formatBytes(1536)).toBe('1.5 KiB');
		expect(formatBytes(24_696_061_952)).toBe('23 GiB');
		expect(formatBytes(50 * 1024 ** 3)).toBe('50 GiB');
		expect(formatBytes(57_646_075_230)).toBe('53.7 GiB');
		expect(formatBytes(3n * 1024n ** 4n)).toBe('3 TiB');
		expect(formatBytes('1048576')).toBe('1 MiB');
	});

	it('formats the number in the language', () => {
		expect(formatBytes(1536, { locale: 'de' })).toBe('1,5 KiB');
	});

	it('refuses what is not a number', () => {
		expect(() => formatBytes('lots')).toThrow(RangeError);
	});
});

describe('formatCount', () => {
	it('is in full unless compact is asked for', () => {
		expect(formatCount(53_687)).toBe('53,687');
		expect(formatCount(53_687, { compact: true })).toBe('53.7K');
		expect(formatCount('1200000', { compact: true })).toBe('1.2M');
		expect(formatCount(53_687, { locale: 'de' })).toBe('53.687');
	});
});

describe('formatMoney', () => {
	it('reads minor units in the currency’s own digits', () => {
		expect(formatMoney(1999, 'usd')).toBe('$19.99');
		expect(formatMoney(500, 'JPY')).toBe('¥500');
		expect(formatMoney(2900, 'eur', { locale: 'de' })).toBe('29,00\u00a0€');
		expect(formatMoney(-1250, 'gbp', { locale: 'en-GB' })).toBe('-£12.50');
	});
});

describe('formatDuration', () => {
	it('gives the two largest units', () => {
		expect(formatDuration(850)).toBe('850 ms');
		expect(formatDuration(45_000)).toBe('45 s');
		expect(formatDuration(3_900_000)).toBe('1 h 5 min');
		expect(formatDuration(3_600_000)).toBe('1 h');
		expect(formatDuration(183_600_000)).toBe('2 d 3 h');
		expect(formatDuration(-90_000)).toBe('-1 min 30 s');
	});
});
