import { listKinds, myPreferences, savePreferences } from '$lib/server/notifications/queries';
import { preferenceChoices, preferencesFormSchema } from '$lib/server/notifications/schemas';
import { withClaims } from '$lib/server/platform/db';
import { formAction, requireClaims } from '$lib/server/platform/web/actions';
import { fieldError } from '$lib/server/platform/web/forms';
import type { MatrixRow } from '$lib/notifications/kinds';
import type { Actions, PageServerLoad } from './$types';

/**
 * The person's notification preferences (spec 003 NotificationPreference): per kind and channel,
 * with a daily digest for noisy kinds. No row is the kind's default; the security notices are
 * locked (SQL refuses turning them off, TN290).
 */
export const load: PageServerLoad = async ({ locals }) => {
	const claims = requireClaims(locals);
	const { kinds, stored } = await withClaims(claims, async (trx) => ({
		kinds: await listKinds(trx),
		stored: await myPreferences(trx, claims.sub)
	}));
	const chosen = (kind: string, channel: 'in_app' | 'email') =>
		stored.find((p) => p.kind === kind && p.channel === channel);
	const rows: MatrixRow[] = kinds.map((k) => ({
		kind: k.kind,
		category: k.category,
		label: k.label,
		recipients: k.recipients,
		locked: k.locked,
		digestible: k.digestible,
		inApp: chosen(k.kind, 'in_app')?.enabled ?? k.defaultInApp,
		email: chosen(k.kind, 'email')?.enabled ?? k.defaultEmail,
		digest: chosen(k.kind, 'email')?.digest ?? 'off'
	}));
	return { rows };
};

export const actions: Actions = {
	save: (event) => {
		const claims = requireClaims(event.locals);
		return formAction(event, preferencesFormSchema, async (trx, { input, values }) => {
			const parsed = preferenceChoices(await listKinds(trx), input);
			if (!parsed.ok) return fieldError(parsed.field, parsed.message, values);
			await savePreferences(trx, claims.sub, parsed.choices);
			return { ok: 'Your notification preferences are saved.' };
		});
	}
};
