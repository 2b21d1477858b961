import { error } from '@sveltejs/kit';
import { staffAction } from '$lib/server/admin/guard';
import {
	findSetting,
	listDataClasses,
	listSettings,
	updateDataClass,
	updateSetting
} from '$lib/server/governance/queries';
import {
	dataClassSchema,
	parseSettingValue,
	settingSchema,
	settingText
} from '$lib/server/governance/schemas';
import { withClaims } from '$lib/server/platform/db';
import { requestClientIp } from '$lib/server/platform/observability/context';
import { fieldError, formError } from '$lib/server/platform/web/forms';
import type { Actions, PageServerLoad } from './$types';

/**
 * The platform's settings and retention defaults. Every staff member reads them; super_admin
 * changes them (RLS: system_settings_update_super_admin, data_classes_update_super_admin). SQL
 * checks each value's type and bounds (TN502, TN500, TN501) and audits every change with its old
 * and new value.
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	await parent();
	return withClaims(locals.claims, async (trx) => ({
		settings: (await listSettings(trx)).map((s) => ({ ...s, text: settingText(s) })),
		clientIp: requestClientIp(),
		dataClasses: await listDataClasses(trx)
	}));
};

export const actions: Actions = {
	save: (event) =>
		staffAction(event, 'super_admin', settingSchema, async (trx, { input, values }) => {
			const setting = await findSetting(trx, input.key);
			if (!setting) error(404, 'No such setting.');
			const parsed = parseSettingValue(setting, input.value);
			if (!parsed.ok) return fieldError('value', parsed.message, values);
			const changed = await updateSetting(trx, {
				key: input.key,
				value: parsed.value,
				isPublic: input.isPublic === 'on'
			});
			if (!changed) return formError(403, 'Only a super admin changes settings.', values);
			return { ok: `${input.key} is saved.` };
		}),
	saveDefault: (event) =>
		staffAction(event, 'super_admin', dataClassSchema, async (trx, { input, values }) => {
			const changed = await updateDataClass(trx, {
				key: input.key,
				defaultDays: input.retentionDays,
				defaultAction: input.action
			});
			if (!changed) return formError(404, 'No such kind of data.', values);
			return {
				ok: 'The platform default is saved; organisations without their own policy follow it.'
			};
		})
};
