import type { StaffRole } from '$lib/admin/schemas';

/** The console's sections and the staff role each needs (super_admin has every role). */
export const ADMIN_SECTIONS = [
	{ path: '/admin', label: 'Overview', needs: null },
	{ path: '/admin/tenants', label: 'Tenants', needs: null },
	{ path: '/admin/staff', label: 'Staff', needs: null },
	{ path: '/admin/plans', label: 'Plans', needs: 'billing_admin' },
	{ path: '/admin/payments', label: 'Payments', needs: 'billing_admin' },
	{ path: '/admin/subscriptions', label: 'Subscriptions', needs: 'billing_admin' },
	{ path: '/admin/revenue', label: 'Revenue', needs: 'billing_admin' }
] as const satisfies readonly { path: string; label: string; needs: StaffRole | null }[];

export const STAFF_ROLE_LABELS: Record<StaffRole, string> = {
	super_admin: 'Super admin',
	support: 'Support',
	billing_admin: 'Billing admin'
};

/** "2900", "usd" → "$29.00": amounts are minor units. */
export function money(amount: number, currency: string): string {
	return new Intl.NumberFormat('en', {
		style: 'currency',
		currency: currency.toUpperCase()
	}).format(amount / 100);
}

export function dateTime(value: Date | string | null): string {
	if (!value) return '—';
	return new Intl.DateTimeFormat('en-GB', {
		dateStyle: 'medium',
		timeStyle: 'short',
		timeZone: 'UTC'
	}).format(new Date(value));
}

export function statusTone(status: string): 'ok' | 'warn' | 'danger' | '' {
	if (status === 'active' || status === 'succeeded' || status === 'trialing') return 'ok';
	if (status === 'pending' || status === 'pending_verification' || status === 'past_due')
		return 'warn';
	if (status === 'suspended' || status === 'failed' || status === 'expired') return 'danger';
	return '';
}
