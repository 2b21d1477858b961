/** The signed-in person's own profile, under RLS (profiles_select_self / profiles_update_self). */
import type { Transaction } from 'kysely';
import type { DB } from '../platform/database';

export interface MyProfile {
	email: string;
	fullName: string | null;
}

export async function getMyProfile(
	trx: Transaction<DB>,
	userId: string
): Promise<MyProfile | undefined> {
	return trx
		.selectFrom('profiles')
		.select(['email', 'full_name as fullName'])
		.where('id', '=', userId)
		.executeTakeFirst() as Promise<MyProfile | undefined>;
}

/** Sets the display name; false when no row was updated (RLS: only one's own). */
export async function updateMyName(
	trx: Transaction<DB>,
	userId: string,
	fullName: string | null
): Promise<boolean> {
	const result = await trx
		.updateTable('profiles')
		.set({ full_name: fullName })
		.where('id', '=', userId)
		.executeTakeFirst();
	return Number(result.numUpdatedRows) > 0;
}
