/**
 * The governance forms: a tenant's data policy, a platform default, a system setting's value (its
 * type decides how the text is read), the console's run-now and a view-as session.
 */
import { z } from 'zod';
import { id, requiredText } from '../../forms/messages';
import { parseNetworks } from '../platform/web/networks';
import type { SettingRow, SettingType } from './queries';

const days = z.coerce
	.number({ error: 'Enter a number of days.' })
	.int({ error: 'Enter a whole number of days.' })
	.min(1, { error: 'Keep data for at least one day.' })
	.max(36500, { error: 'Keep data for at most 36,500 days.' });

const action = z.enum(['delete', 'anonymise'], { error: 'Choose delete or anonymise.' });
const dataClass = z
	.string({ error: 'Choose a kind of data from the list.' })
	.regex(/^[a-z][a-z0-9_]{0,39}$/, { error: 'Choose a kind of data from the list.' });

export const dataPolicySchema = z.object({
	dataClass,
	retentionDays: days,
	action
});

export const dataPolicyResetSchema = z.object({ dataClass });

export const dataClassSchema = z.object({
	key: dataClass,
	retentionDays: days,
	action
});

export const settingKeySchema = z.object({
	key: z
		.string({ error: 'Choose a setting from the list.' })
		.regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, { error: 'Choose a setting from the list.' })
});

export const settingSchema = settingKeySchema.extend({
	value: z
		.string({ error: 'Enter a value.' })
		.max(10_000, { error: 'Keep the value under 10,000 characters.' }),
	isPublic: z.literal('on').optional()
});

/** Reads a setting's form text as its type: the value to store, or the sentence why not. */
export function parseSettingValue(
	setting: Pick<SettingRow, 'valueType' | 'minValue' | 'maxValue' | 'allowedValues'>,
	text: string
): { ok: true; value: unknown } | { ok: false; message: string } {
	const trimmed = text.trim();
	const bounds = describeBounds(setting);
	const inBounds = (n: number) =>
		(setting.minValue === null || n >= Number(setting.minValue)) &&
		(setting.maxValue === null || n <= Number(setting.maxValue));
	const type: SettingType = setting.valueType;
	switch (type) {
		case 'boolean':
			if (trimmed === 'true' || trimmed === 'false') return { ok: true, value: trimmed === 'true' };
			return { ok: false, message: 'Choose on or off.' };
		case 'integer':
		case 'number': {
			const pattern = type === 'integer' ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/;
			const n = Number(trimmed);
			if (!pattern.test(trimmed))
				return {
					ok: false,
					message: `Enter ${type === 'integer' ? 'a whole number' : 'a number'}${bounds}.`
				};
			if (!inBounds(n)) return { ok: false, message: `Enter a number${bounds}.` };
			return { ok: true, value: n };
		}
		case 'integer_list': {
			const items = trimmed.split(/[\s,]+/).filter(Boolean);
			if (
				items.length === 0 ||
				items.some((item) => !/^-?\d+$/.test(item) || !inBounds(Number(item)))
			)
				return { ok: false, message: `List whole numbers separated by commas${bounds}.` };
			return { ok: true, value: items.map(Number) };
		}
		case 'string':
			if (setting.allowedValues && !setting.allowedValues.includes(trimmed))
				return { ok: false, message: `Choose one of: ${setting.allowedValues.join(', ')}.` };
			if (trimmed === '') return { ok: false, message: 'Enter a value.' };
			return { ok: true, value: trimmed };
		case 'cidr_list': {
			const parsed = parseNetworks(trimmed);
			return parsed.ok ? { ok: true, value: parsed.networks } : parsed;
		}
		case 'object':
			try {
				const value: unknown = JSON.parse(trimmed);
				if (value === null || typeof value !== 'object' || Array.isArray(value))
					return { ok: false, message: 'Enter a JSON object, such as {"key": 1}.' };
				return { ok: true, value };
			} catch {
				return { ok: false, message: 'Enter a JSON object, such as {"key": 1}.' };
			}
	}
}

/** " between 1 and 100", " of at least 1" … or nothing. */
export function describeBounds(setting: Pick<SettingRow, 'minValue' | 'maxValue'>): string {
	if (setting.minValue !== null && setting.maxValue !== null)
		return ` between ${setting.minValue} and ${setting.maxValue}`;
	if (setting.minValue !== null) return ` of at least ${setting.minValue}`;
	if (setting.maxValue !== null) return ` of at most ${setting.maxValue}`;
	return '';
}

/** A setting's value as its form shows it. */
export function settingText(setting: Pick<SettingRow, 'valueType' | 'value'>): string {
	if (setting.valueType === 'integer_list' && Array.isArray(setting.value))
		return setting.value.join(', ');
	if (setting.valueType === 'cidr_list' && Array.isArray(setting.value))
		return setting.value.join('\n');
	if (setting.valueType === 'object') return JSON.stringify(setting.value, null, 2);
	if (typeof setting.value === 'string') return setting.value;
	return JSON.stringify(setting.value);
}

export const runSchema = z.object({
	kind: z.enum(['retention', 'maintenance'], { error: 'Choose retention or maintenance.' }),
	dryRun: z.literal('on').optional()
});

export const impersonationSchema = z.object({
	userId: id('Choose a member from the list.'),
	reason: requiredText('reason', 500, 'Say why you view as this member.'),
	minutes: z.coerce
		.number({ error: 'Enter the minutes.' })
		.int({ error: 'Enter whole minutes.' })
		.min(5, { error: 'A view-as session lasts at least 5 minutes.' })
		.max(240, { error: 'A view-as session lasts at most 240 minutes.' }),
	allowWrites: z.literal('on').optional()
});

export const endImpersonationSchema = z.object({ session: id('Choose a session.') });
