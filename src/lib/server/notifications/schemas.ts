/**
 * The notification pages' forms. The preference and settings forms post one field per kind and
 * channel (`<kind>:in_app`, `<kind>:email` — a ticked box is "on", an absent one "off" — and
 * `<kind>:digest`); the choices are built from the catalogue, so an unknown field is ignored and
 * a locked kind is never written from a form (SQL refuses it anyway, TN290).
 */
import { z } from 'zod';
import { id } from '../../forms/messages';
import type { NotificationKind, Preference, TenantSetting } from './queries';

export const notificationSchema = z.object({ notification: id('No such notification.') });

export const viewSchema = z.enum(['inbox', 'archived']).catch('inbox');

const digest = z.enum(['off', 'daily'], { error: 'Choose off or a daily digest.' });

/** The preference form's fields for every switchable kind. */
export const preferencesFormSchema = z.record(z.string().max(120), z.string().max(20));

export function preferenceChoices(
	kinds: NotificationKind[],
	form: Record<string, string>
): { ok: true; choices: Preference[] } | { ok: false; field: string; message: string } {
	const choices: Preference[] = [];
	for (const kind of kinds.filter((k) => !k.locked)) {
		const mode = digest.safeParse(form[`${kind.kind}:digest`] ?? 'off');
		if (!mode.success)
			return { ok: false, field: `${kind.kind}:digest`, message: mode.error.issues[0]!.message };
		choices.push({
			kind: kind.kind,
			channel: 'in_app',
			enabled: form[`${kind.kind}:in_app`] === 'on',
			digest: 'off'
		});
		choices.push({
			kind: kind.kind,
			channel: 'email',
			enabled: form[`${kind.kind}:email`] === 'on',
			digest: kind.digestible ? mode.data : 'off'
		});
	}
	return { ok: true, choices };
}

/** The organisation's settings for every kind sent to admins. */
export function tenantSettingChoices(
	kinds: NotificationKind[],
	form: Record<string, string>
): TenantSetting[] {
	return kinds
		.filter((k) => k.toAdmins && !k.locked)
		.map((k) => ({
			kind: k.kind,
			inApp: form[`${k.kind}:in_app`] === 'on',
			email: form[`${k.kind}:email`] === 'on'
		}));
}

/** A kind sent to a Slack channel: the channel an id (C0123ABCD) or a name (#alerts), as SQL checks. */
export const slackRouteSchema = z.object({
	kind: z.string().min(1, 'Choose a notification.').max(100),
	slack_integration_id: id('Choose a Slack integration.'),
	channel: z
		.string()
		.trim()
		.regex(
			/^(#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,20})$/,
			'Enter a channel id such as C0123ABCD or a name such as #alerts.'
		)
});

export const slackRemoveSchema = z.object({
	kind: z.string().min(1, 'Choose a notification.').max(100)
});
