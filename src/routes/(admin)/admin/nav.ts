import type { Component } from 'svelte';
import BanknoteIcon from '@lucide/svelte/icons/banknote';
import Building2Icon from '@lucide/svelte/icons/building-2';
import LayoutDashboardIcon from '@lucide/svelte/icons/layout-dashboard';
import ListTodoIcon from '@lucide/svelte/icons/list-todo';
import HeartPulseIcon from '@lucide/svelte/icons/heart-pulse';
import LifeBuoyIcon from '@lucide/svelte/icons/life-buoy';
import PackageIcon from '@lucide/svelte/icons/package';
import RepeatIcon from '@lucide/svelte/icons/repeat';
import ScrollTextIcon from '@lucide/svelte/icons/scroll-text';
import SettingsIcon from '@lucide/svelte/icons/settings';
import ShieldCheckIcon from '@lucide/svelte/icons/shield-check';
import SparklesIcon from '@lucide/svelte/icons/sparkles';
import TrendingUpIcon from '@lucide/svelte/icons/trending-up';
import UserCogIcon from '@lucide/svelte/icons/user-cog';
import type { StaffRole } from '$lib/admin/schemas';

/** The console's sections, their sidebar group, and the staff role each needs (super_admin has every role). */
export const ADMIN_SECTIONS = [
	{ path: '/admin', label: 'Overview', group: 'Platform', icon: LayoutDashboardIcon, needs: null },
	{ path: '/admin/tenants', label: 'Tenants', group: 'Platform', icon: Building2Icon, needs: null },
	{ path: '/admin/staff', label: 'Staff', group: 'Platform', icon: UserCogIcon, needs: null },
	{
		path: '/admin/settings',
		label: 'Settings',
		group: 'Platform',
		icon: SettingsIcon,
		needs: null
	},
	{
		path: '/admin/audit',
		label: 'Audit log',
		group: 'Platform',
		icon: ScrollTextIcon,
		needs: 'support'
	},
	{
		path: '/admin/privacy',
		label: 'Privacy requests',
		group: 'Platform',
		icon: ShieldCheckIcon,
		needs: 'support'
	},
	{
		path: '/admin/jobs',
		label: 'Jobs',
		group: 'Platform',
		icon: ListTodoIcon,
		needs: 'super_admin'
	},
	{
		path: '/admin/health',
		label: 'System health',
		group: 'Platform',
		icon: HeartPulseIcon,
		needs: 'super_admin'
	},
	{
		path: '/admin/ai',
		label: 'AI models',
		group: 'Platform',
		icon: SparklesIcon,
		needs: 'super_admin'
	},
	{
		path: '/admin/support',
		label: 'Support',
		group: 'Platform',
		icon: LifeBuoyIcon,
		needs: 'support'
	},
	{
		path: '/admin/plans',
		label: 'Plans',
		group: 'Billing',
		icon: PackageIcon,
		needs: 'billing_admin'
	},
	{
		path: '/admin/payments',
		label: 'Payments',
		group: 'Billing',
		icon: BanknoteIcon,
		needs: 'billing_admin'
	},
	{
		path: '/admin/subscriptions',
		label: 'Subscriptions',
		group: 'Billing',
		icon: RepeatIcon,
		needs: 'billing_admin'
	},
	{
		path: '/admin/revenue',
		label: 'Revenue',
		group: 'Billing',
		icon: TrendingUpIcon,
		needs: 'billing_admin'
	}
] as const satisfies readonly {
	path: string;
	label: string;
	group: 'Platform' | 'Billing';
	icon: Component;
	needs: StaffRole | null;
}[];

export const STAFF_ROLE_LABELS: Record<StaffRole, string> = {
	super_admin: 'Super admin',
	support: 'Support',
	billing_admin: 'Billing admin'
};
