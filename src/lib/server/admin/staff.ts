/**
 * The admin console's own queries (docs/admin.md): who is staff, the overview, the staff list.
 * The console's tenant and billing queries live with their modules (tenancy/console.ts,
 * billing/console.ts). Every one runs in the staff person's own request
 * transaction, under RLS: what a staff role may not read (billing for support, the audit trail
 * for billing_admin) simply comes back empty, and every write is refused by SQL unless the role
 * allows it. Nothing here uses the service role.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import type { StaffRole } from '../../admin/schemas';
import { subscriptionCounts } from '../billing/console';
import { countsBy } from './paging';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';

type Trx = Transaction<DB>;

/** The caller's staff role, or null for everyone else (the console then answers 404). */
export async function myStaffRole(trx: Trx): Promise<StaffRole | null> {
	const row = await trx
		.selectFrom('platform_staff')
		.select('role')
		.where('user_id', '=', sql<string>`auth.uid()`)
		.executeTakeFirst();
	return (row?.role as StaffRole | undefined) ?? null;
}

/** Which staff roles the caller holds, as SQL answers it (public.has_staff_role for each). */
export type StaffRolesHeld = Record<StaffRole, boolean>;

export async function staffRolesHeld(trx: Trx): Promise<StaffRolesHeld> {
	const { rows } = await sql<StaffRolesHeld>`select
		public.has_staff_role('super_admin') as super_admin,
		public.has_staff_role('support') as support,
		public.has_staff_role('billing_admin') as billing_admin`.execute(trx);
	return rows[0]!;
}

export interface Overview {
	tenants: Record<string, number>;
	subscriptions: Record<string, number>;
	paymentsAwaiting: number;
}

export async function getOverview(trx: Trx): Promise<Overview> {
	const tenants = await trx
		.selectFrom('tenants')
		.select(['status as key', (eb) => eb.fn.countAll<string>().as('n')])
		.groupBy('status')
		.execute();
	const subscriptions = await subscriptionCounts(trx);
	const awaiting = await trx
		.selectFrom('payments')
		.select((eb) => eb.fn.countAll<string>().as('n'))
		.where('provider', '=', 'manual')
		.where('status', '=', 'pending')
		.executeTakeFirstOrThrow();
	return {
		tenants: countsBy(tenants),
		subscriptions,
		paymentsAwaiting: Number(awaiting.n)
	};
}

export interface StaffMember {
	userId: string;
	email: string;
	fullName: string | null;
	role: StaffRole;
	createdAt: Date;
}

function staffQuery(trx: Trx) {
	return trx
		.selectFrom('platform_staff as s')
		.innerJoin('profiles as p', 'p.id', 's.user_id')
		.select([
			's.user_id as userId',
			sql<string>`p.email::text`.as('email'),
			'p.full_name as fullName',
			sql<StaffRole>`s.role::text`.as('role'),
			's.created_at as createdAt'
		]);
}

/** The staff list: sorted by person, role or since when; searched by email and name. */
export const STAFF_LIST = defineList({
	sorts: {
		email: { column: 'email', type: 'text' },
		role: { column: 'role', type: 'text' },
		since: { column: 'createdAt', type: 'timestamptz' }
	},
	defaultSort: 'email',
	defaultDir: 'asc',
	search: ['email', 'fullName'],
	id: { column: 'userId', type: 'uuid' }
});

export function listStaff(trx: Trx, params: ListParams): Promise<ListPage<StaffMember>> {
	return listPage(trx, staffQuery(trx), STAFF_LIST, params);
}

/** One staff member, or undefined. */
export function staffMember(trx: Trx, userId: string): Promise<StaffMember | undefined> {
	return staffQuery(trx).where('s.user_id', '=', userId).executeTakeFirst();
}

/** Whether the person is on the staff already. */
export async function isStaff(trx: Trx, userId: string): Promise<boolean> {
	const row = await trx
		.selectFrom('platform_staff')
		.select('user_id')
		.where('user_id', '=', userId)
		.executeTakeFirst();
	return row !== undefined;
}

/** A person by email (staff read every profile), for adding them to the staff. */
export function findProfileIdByEmail(trx: Trx, email: string): Promise<{ id: string } | undefined> {
	return trx
		.selectFrom('profiles')
		.select('id')
		.where(sql`lower(email)`, '=', email.toLowerCase())
		.executeTakeFirst();
}

export async function addStaff(trx: Trx, userId: string, role: StaffRole): Promise<void> {
	await trx.insertInto('platform_staff').values({ user_id: userId, role }).execute();
}

/** Changes a staff role; false when RLS let nothing change (the caller is not a super_admin). */
export async function changeStaffRole(trx: Trx, userId: string, role: StaffRole): Promise<boolean> {
	const result = await trx
		.updateTable('platform_staff')
		.set({ role })
		.where('user_id', '=', userId)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

export async function removeStaff(trx: Trx, userId: string): Promise<boolean> {
	const result = await trx
		.deleteFrom('platform_staff')
		.where('user_id', '=', userId)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}
