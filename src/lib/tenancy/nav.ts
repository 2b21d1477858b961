import type { Component } from 'svelte';
import { resolve } from '$app/paths';
import BellIcon from '@lucide/svelte/icons/bell';
import DatabaseIcon from '@lucide/svelte/icons/database';
import BellRingIcon from '@lucide/svelte/icons/bell-ring';
import CreditCardIcon from '@lucide/svelte/icons/credit-card';
import FolderKanbanIcon from '@lucide/svelte/icons/folder-kanban';
import IdCardIcon from '@lucide/svelte/icons/id-card';
import GaugeIcon from '@lucide/svelte/icons/gauge';
import KeyRoundIcon from '@lucide/svelte/icons/key-round';
import LifeBuoyIcon from '@lucide/svelte/icons/life-buoy';
import LockKeyholeIcon from '@lucide/svelte/icons/lock-keyhole';
import ActivityIcon from '@lucide/svelte/icons/activity';
import SparklesIcon from '@lucide/svelte/icons/sparkles';
import LayoutDashboardIcon from '@lucide/svelte/icons/layout-dashboard';
import ScrollTextIcon from '@lucide/svelte/icons/scroll-text';
import SettingsIcon from '@lucide/svelte/icons/settings';
import ArchiveIcon from '@lucide/svelte/icons/archive';
import UserLockIcon from '@lucide/svelte/icons/user-lock';
import FileTextIcon from '@lucide/svelte/icons/file-text';
import ChartColumnIcon from '@lucide/svelte/icons/chart-column';
import SquareKanbanIcon from '@lucide/svelte/icons/square-kanban';
import ShieldCheckIcon from '@lucide/svelte/icons/shield-check';
import UsersIcon from '@lucide/svelte/icons/users';
import UsersRoundIcon from '@lucide/svelte/icons/users-round';
import WebhookIcon from '@lucide/svelte/icons/webhook';
import PlugIcon from '@lucide/svelte/icons/plug';
import WorkflowIcon from '@lucide/svelte/icons/workflow';

/**
 * The tenant app's sections, in the order the sidebar shows them. A section is listed only to
 * people holding its permission (the page's load and SQL refuse the others anyway).
 */
export interface TenantSection {
	/** Path below /t/<slug>; '' is the dashboard. */
	path: '' | `/${string}`;
	route: TenantRoute;
	label: string;
	/** The sidebar group it is listed under. */
	group: 'Workspace' | 'People' | 'Organisation';
	icon: Component;
	/** Listed when the person holds any of these; none means every member. */
	anyOf?: string[];
}

type TenantRoute =
	| '/(app)/t/[slug]'
	| '/(app)/t/[slug]/members'
	| '/(app)/t/[slug]/teams'
	| '/(app)/t/[slug]/roles'
	| '/(app)/t/[slug]/projects'
	| '/(app)/t/[slug]/support'
	| '/(app)/t/[slug]/tasks'
	| '/(app)/t/[slug]/ai'
	| '/(app)/t/[slug]/documents'
	| '/(app)/t/[slug]/dashboards'
	| '/(app)/t/[slug]/alerts'
	| '/(app)/t/[slug]/audit'
	| '/(app)/t/[slug]/billing'
	| '/(app)/t/[slug]/usage'
	| '/(app)/t/[slug]/settings'
	| '/(app)/t/[slug]/settings/api-keys'
	| '/(app)/t/[slug]/settings/data-retention'
	| '/(app)/t/[slug]/settings/data-sources'
	| '/(app)/t/[slug]/settings/events'
	| '/(app)/t/[slug]/settings/integrations'
	| '/(app)/t/[slug]/settings/notifications'
	| '/(app)/t/[slug]/settings/scim'
	| '/(app)/t/[slug]/settings/privacy'
	| '/(app)/t/[slug]/settings/secrets'
	| '/(app)/t/[slug]/settings/sso'
	| '/(app)/t/[slug]/settings/webhooks'
	| '/(app)/t/[slug]/workflows';

/**
 * A section's link in a tenant. TypeScript checks a union argument against resolve's overloads
 * only up to 25 routes, so the union is resolved here as the one-parameter route it is.
 */
export function sectionHref(route: TenantRoute, slug: string): string {
	return (resolve as unknown as (route: string, params: { slug: string }) => string)(route, {
		slug
	});
}

export const TENANT_SECTIONS: TenantSection[] = [
	{
		path: '',
		route: '/(app)/t/[slug]',
		label: 'Overview',
		group: 'Workspace',
		icon: LayoutDashboardIcon
	},
	{
		path: '/members',
		route: '/(app)/t/[slug]/members',
		label: 'Members',
		group: 'People',
		icon: UsersIcon,
		anyOf: ['members.read']
	},
	{
		path: '/teams',
		route: '/(app)/t/[slug]/teams',
		label: 'Teams',
		group: 'People',
		icon: UsersRoundIcon,
		anyOf: ['members.read']
	},
	{
		path: '/roles',
		route: '/(app)/t/[slug]/roles',
		label: 'Roles',
		group: 'People',
		icon: ShieldCheckIcon,
		anyOf: ['members.read', 'roles.manage']
	},
	{
		path: '/projects',
		route: '/(app)/t/[slug]/projects',
		label: 'Projects',
		group: 'Workspace',
		icon: FolderKanbanIcon,
		anyOf: ['projects.read']
	},
	{
		path: '/support',
		route: '/(app)/t/[slug]/support',
		label: 'Support',
		group: 'Workspace',
		icon: LifeBuoyIcon,
		anyOf: ['tickets.read']
	},
	{
		path: '/workflows',
		route: '/(app)/t/[slug]/workflows',
		label: 'Workflows',
		group: 'Workspace',
		icon: WorkflowIcon,
		anyOf: ['workflows.manage']
	},
	{
		path: '/tasks',
		route: '/(app)/t/[slug]/tasks',
		label: 'Tasks',
		group: 'Workspace',
		icon: SquareKanbanIcon,
		anyOf: ['tasks.read']
	},
	{
		path: '/ai',
		route: '/(app)/t/[slug]/ai',
		label: 'AI',
		group: 'Workspace',
		icon: SparklesIcon,
		anyOf: ['ai.use']
	},
	{
		path: '/documents',
		route: '/(app)/t/[slug]/documents',
		label: 'Documents',
		group: 'Workspace',
		icon: FileTextIcon,
		anyOf: ['ai.use', 'documents.manage']
	},
	{
		path: '/dashboards',
		route: '/(app)/t/[slug]/dashboards',
		label: 'Dashboards',
		group: 'Workspace',
		icon: ChartColumnIcon,
		anyOf: ['dashboards.read']
	},
	{
		path: '/alerts',
		route: '/(app)/t/[slug]/alerts',
		label: 'Alerts',
		group: 'Workspace',
		icon: BellRingIcon,
		anyOf: ['dashboards.read']
	},
	{
		path: '/audit',
		route: '/(app)/t/[slug]/audit',
		label: 'Audit log',
		group: 'Organisation',
		icon: ScrollTextIcon,
		anyOf: ['audit.read']
	},
	{
		path: '/billing',
		route: '/(app)/t/[slug]/billing',
		label: 'Billing',
		group: 'Organisation',
		icon: CreditCardIcon,
		anyOf: ['billing.read', 'billing.manage']
	},
	{
		path: '/usage',
		route: '/(app)/t/[slug]/usage',
		label: 'Usage',
		group: 'Organisation',
		icon: GaugeIcon,
		anyOf: ['usage.read', 'billing.read']
	},
	{
		path: '/settings/api-keys',
		route: '/(app)/t/[slug]/settings/api-keys',
		label: 'API keys',
		group: 'Organisation',
		icon: KeyRoundIcon,
		anyOf: ['api_keys.read', 'api_keys.manage']
	},
	{
		path: '/settings/secrets',
		route: '/(app)/t/[slug]/settings/secrets',
		label: 'Secrets',
		group: 'Organisation',
		icon: LockKeyholeIcon,
		anyOf: ['secrets.read', 'secrets.manage']
	},
	{
		path: '/settings/sso',
		route: '/(app)/t/[slug]/settings/sso',
		label: 'Single sign-on',
		group: 'Organisation',
		icon: ShieldCheckIcon,
		anyOf: ['sso.manage']
	},
	{
		path: '/settings/events',
		route: '/(app)/t/[slug]/settings/events',
		label: 'Events',
		group: 'Organisation',
		icon: ActivityIcon,
		anyOf: ['audit.read', 'webhooks.manage']
	},
	{
		path: '/settings/integrations',
		route: '/(app)/t/[slug]/settings/integrations',
		label: 'Integrations',
		group: 'Organisation',
		icon: PlugIcon,
		anyOf: ['integrations.read']
	},
	{
		path: '/settings/webhooks',
		route: '/(app)/t/[slug]/settings/webhooks',
		label: 'Webhooks',
		group: 'Organisation',
		icon: WebhookIcon,
		anyOf: ['webhooks.manage']
	},
	{
		path: '/settings/data-sources',
		route: '/(app)/t/[slug]/settings/data-sources',
		label: 'Data sources',
		group: 'Organisation',
		icon: DatabaseIcon,
		anyOf: ['data_sources.manage', 'dashboards.read']
	},
	{
		path: '/settings/notifications',
		route: '/(app)/t/[slug]/settings/notifications',
		label: 'Notifications',
		group: 'Organisation',
		icon: BellIcon,
		anyOf: ['notifications.manage']
	},
	{
		path: '/settings/data-retention',
		route: '/(app)/t/[slug]/settings/data-retention',
		label: 'Data retention',
		group: 'Organisation',
		icon: ArchiveIcon,
		anyOf: ['privacy.manage']
	},
	{
		path: '/settings/scim',
		route: '/(app)/t/[slug]/settings/scim',
		label: 'SCIM',
		group: 'Organisation',
		icon: IdCardIcon,
		anyOf: ['scim.manage']
	},
	{
		path: '/settings/privacy',
		route: '/(app)/t/[slug]/settings/privacy',
		label: 'Privacy',
		group: 'Organisation',
		icon: UserLockIcon,
		anyOf: ['privacy.manage']
	},
	{
		path: '/settings',
		route: '/(app)/t/[slug]/settings',
		label: 'Settings',
		group: 'Organisation',
		icon: SettingsIcon,
		anyOf: ['tenant.update', 'domains.manage']
	}
];

export function visibleSections(permissions: readonly string[]): TenantSection[] {
	const held = new Set(permissions);
	return TENANT_SECTIONS.filter((s) => !s.anyOf || s.anyOf.some((p) => held.has(p)));
}

/** Whether the person holds a permission: for showing or hiding controls. */
export function can(permissions: readonly string[], code: string): boolean {
	return permissions.includes(code);
}
