/**
 * The notifications pages' queries, in the caller's request transaction and under RLS: a person
 * sees and marks only their own inbox rows (notifications_*_self; only read_at and archived_at
 * may change) and their own preferences; the organisation's settings need notifications.manage
 * (supabase/migrations/20261202000300_notifications.sql). The locked kinds' refusal (TN290) and
 * the digest rules (TN291, TN292) are SQL's.
 */
import { sql, type Transaction } from 'kysely';
import type { BellState, Channel } from '../../notifications/kinds';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';

export interface NotificationKind {
	kind: string;
	category: string;
	label: string;
	recipients: string;
	locked: boolean;
	digestible: boolean;
	defaultInApp: boolean;
	defaultEmail: boolean;
	/** Sent to the organisation's admins (holders of a permission), so the organisation may configure it. */
	toAdmins: boolean;
}

export interface InboxRow {
	id: string;
	title: string;
	body: string;
	link: string | null;
	kind: string;
	tenantName: string | null;
	createdAt: Date;
	readAt: Date | null;
	archivedAt: Date | null;
}

export type InboxView = 'inbox' | 'archived';

/** The inbox page's list: newest first, search in the title, text and organisation. */
export const INBOX_LIST = defineList({
	sorts: {
		created: { column: 'createdAt', type: 'timestamptz' },
		title: { column: 'title', type: 'text' }
	},
	defaultSort: 'created',
	defaultDir: 'desc',
	search: ['title', 'body', 'tenantName'],
	id: { column: 'id', type: 'uuid' }
});

function inboxOf(trx: Transaction<DB>, userId: string, view: InboxView) {
	return trx
		.selectFrom('notifications as n')
		.leftJoin('tenants as t', 't.id', 'n.tenant_id')
		.select([
			'n.id',
			'n.title',
			'n.body',
			'n.link',
			'n.kind',
			't.name as tenantName',
			'n.created_at as createdAt',
			'n.read_at as readAt',
			'n.archived_at as archivedAt'
		])
		.where('n.user_id', '=', userId)
		.where('n.archived_at', view === 'archived' ? 'is not' : 'is', null);
}

export async function pageInbox(
	trx: Transaction<DB>,
	userId: string,
	view: InboxView,
	params: ListParams
): Promise<ListPage<InboxRow>> {
	return (await listPage(
		trx,
		inboxOf(trx, userId, view),
		INBOX_LIST,
		params
	)) as ListPage<InboxRow>;
}

export function findNotification(
	trx: Transaction<DB>,
	userId: string,
	id: string
): Promise<{ id: string; link: string | null } | undefined> {
	return trx
		.selectFrom('notifications')
		.select(['id', 'link'])
		.where('id', '=', id)
		.where('user_id', '=', userId)
		.executeTakeFirst();
}

export async function unreadCount(trx: Transaction<DB>, userId: string): Promise<number> {
	const row = await trx
		.selectFrom('notifications')
		.select((eb) => eb.fn.countAll<string>().as('n'))
		.where('user_id', '=', userId)
		.where('read_at', 'is', null)
		.where('archived_at', 'is', null)
		.executeTakeFirstOrThrow();
	return Number(row.n);
}

/** What the bell shows: the unread count and the latest few of the inbox. */
export async function bellState(
	trx: Transaction<DB>,
	userId: string,
	limit = 6
): Promise<BellState> {
	const latest = await inboxOf(trx, userId, 'inbox')
		.orderBy('n.created_at', 'desc')
		.orderBy('n.id', 'desc')
		.limit(limit)
		.execute();
	return {
		unread: await unreadCount(trx, userId),
		latest: latest.map((n) => ({
			id: n.id,
			title: n.title,
			body: n.body,
			link: n.link,
			createdAt: new Date(n.createdAt).toISOString(),
			read: n.readAt !== null
		}))
	};
}

/** Marks the person's notifications read (all unread ones when `ids` is null); returns how many. */
export async function markRead(
	trx: Transaction<DB>,
	userId: string,
	ids: string[] | null
): Promise<number> {
	let query = trx
		.updateTable('notifications')
		.set({ read_at: sql<Date>`now()` })
		.where('user_id', '=', userId)
		.where('read_at', 'is', null);
	if (ids)
		query = query.where('id', 'in', ids.length ? ids : ['00000000-0000-0000-0000-000000000000']);
	const result = await query.executeTakeFirst();
	return Number(result.numUpdatedRows);
}

export async function markUnread(
	trx: Transaction<DB>,
	userId: string,
	id: string
): Promise<boolean> {
	const result = await trx
		.updateTable('notifications')
		.set({ read_at: null })
		.where('user_id', '=', userId)
		.where('id', '=', id)
		.where('archived_at', 'is', null)
		.executeTakeFirst();
	return Number(result.numUpdatedRows) > 0;
}

/** Archives (or, with `archived` false, restores) one of the person's notifications. */
export async function setArchived(
	trx: Transaction<DB>,
	userId: string,
	id: string,
	archived: boolean
): Promise<boolean> {
	const result = await trx
		.updateTable('notifications')
		.set({ archived_at: archived ? sql<Date>`now()` : null })
		.where('user_id', '=', userId)
		.where('id', '=', id)
		.executeTakeFirst();
	return Number(result.numUpdatedRows) > 0;
}

/** The catalogue, security first, then by category and label. */
export async function listKinds(trx: Transaction<DB>): Promise<NotificationKind[]> {
	const rows = await trx
		.selectFrom('notification_kinds')
		.select([
			'kind',
			'category',
			'label',
			'recipients',
			'locked',
			'digestible',
			'default_in_app as defaultInApp',
			'default_email as defaultEmail',
			sql<boolean>`recipient_permissions <> '{}'`.as('toAdmins')
		])
		.orderBy(sql`locked desc, category, label`)
		.execute();
	return rows as NotificationKind[];
}

export interface Preference {
	kind: string;
	channel: Channel;
	enabled: boolean;
	digest: 'off' | 'daily';
}

export async function myPreferences(trx: Transaction<DB>, userId: string): Promise<Preference[]> {
	return trx
		.selectFrom('notification_preferences')
		.select(['kind', 'channel', 'enabled', 'digest'])
		.where('user_id', '=', userId)
		.execute();
}

/** Writes the person's choices (one row per kind and channel, upserted) in one statement. */
export async function savePreferences(
	trx: Transaction<DB>,
	userId: string,
	choices: Preference[]
): Promise<void> {
	if (choices.length === 0) return;
	await trx
		.insertInto('notification_preferences')
		.values(choices.map((c) => ({ user_id: userId, ...c })))
		.onConflict((oc) =>
			oc.columns(['user_id', 'kind', 'channel']).doUpdateSet((eb) => ({
				enabled: eb.ref('excluded.enabled'),
				digest: eb.ref('excluded.digest')
			}))
		)
		.execute();
}

export interface TenantSetting {
	kind: string;
	inApp: boolean;
	email: boolean;
}

export async function tenantSettings(
	trx: Transaction<DB>,
	tenantId: string
): Promise<TenantSetting[]> {
	return trx
		.selectFrom('tenant_notification_settings')
		.select(['kind', 'in_app as inApp', 'email'])
		.where('tenant_id', '=', tenantId)
		.execute();
}

/** A kind the organisation also posts to a Slack channel (tenant_notification_settings.slack_*). */
export interface SlackRoute {
	kind: string;
	integrationId: string;
	integrationName: string;
	channel: string;
}

/** The kinds posted to Slack, with their integration's name (integrations.read decides that). */
export async function slackRoutes(trx: Transaction<DB>, tenantId: string): Promise<SlackRoute[]> {
	const routes = await trx
		.selectFrom('tenant_notification_settings as s')
		.leftJoin('integrations as i', (j) =>
			j.onRef('i.tenant_id', '=', 's.tenant_id').onRef('i.id', '=', 's.slack_integration_id')
		)
		.select([
			's.kind',
			's.slack_integration_id as integrationId',
			's.slack_channel as channel',
			'i.name as integrationName'
		])
		.where('s.tenant_id', '=', tenantId)
		.where('s.slack_channel', 'is not', null)
		.orderBy('s.kind')
		.execute();
	return routes.map((r) => ({
		kind: r.kind,
		integrationId: r.integrationId!,
		channel: r.channel!,
		integrationName: r.integrationName ?? 'A Slack integration'
	}));
}

/** Posts a kind to a Slack channel too (SQL: TN295 unless a Slack integration of the tenant). */
export async function setSlackRoute(
	trx: Transaction<DB>,
	tenantId: string,
	route: { kind: string; integrationId: string; channel: string }
): Promise<void> {
	await trx
		.insertInto('tenant_notification_settings')
		.values({
			tenant_id: tenantId,
			kind: route.kind,
			slack_integration_id: route.integrationId,
			slack_channel: route.channel
		})
		.onConflict((oc) =>
			oc.columns(['tenant_id', 'kind']).doUpdateSet({
				slack_integration_id: route.integrationId,
				slack_channel: route.channel
			})
		)
		.execute();
}

/** Stops posting a kind to Slack; a row left at the defaults goes. True when there was one. */
export async function removeSlackRoute(
	trx: Transaction<DB>,
	tenantId: string,
	kind: string
): Promise<boolean> {
	const cleared = await trx
		.updateTable('tenant_notification_settings')
		.set({ slack_integration_id: null, slack_channel: null })
		.where('tenant_id', '=', tenantId)
		.where('kind', '=', kind)
		.where('slack_channel', 'is not', null)
		.returning(['in_app', 'email'])
		.executeTakeFirst();
	if (cleared?.in_app && cleared.email) {
		await trx
			.deleteFrom('tenant_notification_settings')
			.where('tenant_id', '=', tenantId)
			.where('kind', '=', kind)
			.execute();
	}
	return cleared !== undefined;
}

/**
 * Writes what changed: a kind back to the default (sent in the app and by email) loses its row
 * unless it also goes to Slack, a kind unchanged is not touched, so the audit log records only
 * real changes.
 */
export async function saveTenantSettings(
	trx: Transaction<DB>,
	tenantId: string,
	settings: TenantSetting[]
): Promise<number> {
	const stored = new Map((await tenantSettings(trx, tenantId)).map((s) => [s.kind, s]));
	const routed = new Set((await slackRoutes(trx, tenantId)).map((r) => r.kind));
	const same = (a: TenantSetting, b: { inApp: boolean; email: boolean }) =>
		a.inApp === b.inApp && a.email === b.email;
	const back = settings.filter(
		(s) => stored.has(s.kind) && !routed.has(s.kind) && same(s, { inApp: true, email: true })
	);
	const changed = settings
		.filter((s) => !same(s, stored.get(s.kind) ?? { inApp: true, email: true }))
		.filter((s) => !back.includes(s));
	if (back.length > 0) {
		await trx
			.deleteFrom('tenant_notification_settings')
			.where('tenant_id', '=', tenantId)
			.where(
				'kind',
				'in',
				back.map((s) => s.kind)
			)
			.execute();
	}
	if (changed.length > 0) {
		await trx
			.insertInto('tenant_notification_settings')
			.values(
				changed.map((s) => ({ tenant_id: tenantId, kind: s.kind, in_app: s.inApp, email: s.email }))
			)
			.onConflict((oc) =>
				oc.columns(['tenant_id', 'kind']).doUpdateSet((eb) => ({
					in_app: eb.ref('excluded.in_app'),
					email: eb.ref('excluded.email')
				}))
			)
			.execute();
	}
	return back.length + changed.length;
}
