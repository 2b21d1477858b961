/**
 * The signed-in person's own preferences row, under RLS (user_preferences_*_self): read it, and
 * write it whole or its theme alone. No row means the defaults.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../platform/database';
import type { DateFormat, Language, Theme } from '../../format/preferences';
import type { PreferencesInput } from './schemas';

export interface StoredPreferences {
	theme: Theme;
	timeZone: string | null;
	dateFormat: DateFormat;
	language: Language;
}

export async function getMyPreferences(
	trx: Transaction<DB>,
	userId: string
): Promise<StoredPreferences | undefined> {
	return trx
		.selectFrom('user_preferences')
		.select(['theme', 'time_zone as timeZone', 'date_format as dateFormat', 'language'])
		.where('user_id', '=', userId)
		.executeTakeFirst() as Promise<StoredPreferences | undefined>;
}

export async function saveMyPreferences(
	trx: Transaction<DB>,
	userId: string,
	input: PreferencesInput
): Promise<void> {
	const values = {
		theme: input.theme,
		time_zone: input.time_zone,
		date_format: input.date_format,
		language: input.language
	};
	await trx
		.insertInto('user_preferences')
		.values({ user_id: userId, ...values })
		.onConflict((oc) => oc.column('user_id').doUpdateSet(values))
		.execute();
}

export async function saveMyTheme(
	trx: Transaction<DB>,
	userId: string,
	theme: Theme
): Promise<void> {
	await trx
		.insertInto('user_preferences')
		.values({ user_id: userId, theme })
		.onConflict((oc) => oc.column('user_id').doUpdateSet({ theme }))
		.execute();
}
