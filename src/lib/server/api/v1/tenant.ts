/** The tenant the request is about: read it, change its settings (tenancy/settings.ts). */
import { z } from 'zod';
import { DATA_REGIONS } from '../../../options';
import { updateSettings } from '../../tenancy/settings';
import { settingsSchema } from '../../tenancy/settings-schemas';
import { findTenantById, type TenantDetail } from '../../tenancy/tenants';
import { endpoint } from '../endpoint';
import { forbidden, lockRow, notFound } from './shared';

export const tenantSchema = z
	.object({
		id: z.uuid(),
		slug: z.string(),
		name: z.string(),
		status: z.string(),
		timezone: z.string(),
		data_region: z.enum(DATA_REGIONS.map((r) => r.value)),
		require_mfa: z.boolean()
	})
	.meta({ id: 'Tenant' });

export function tenantJson(t: TenantDetail): z.infer<typeof tenantSchema> {
	return {
		id: t.id,
		slug: t.slug,
		name: t.name,
		status: t.status,
		timezone: t.timezone,
		data_region: t.dataRegion as z.infer<typeof tenantSchema>['data_region'],
		require_mfa: t.requireMfa
	};
}

const settings = settingsSchema.shape;

export const tenantPatchSchema = z
	.object({
		name: settings.name.optional(),
		slug: settings.slug.optional(),
		timezone: settings.timezone.optional(),
		data_region: settings.dataRegion.optional()
	})
	.strict()
	.meta({ id: 'TenantPatch' });

export const getTenant = endpoint(
	{
		method: 'GET',
		path: '/tenant',
		operationId: 'getTenant',
		summary: 'The organisation',
		tag: 'Tenant',
		response: tenantSchema,
		etag: true
	},
	async ({ tenant }) => tenantJson(tenant)
);

export const updateTenant = endpoint(
	{
		method: 'PATCH',
		path: '/tenant',
		operationId: 'updateTenant',
		summary: 'Change the organisation’s settings (tenant.update)',
		description:
			'Send If-Match with the ETag of GET /tenant to refuse (412) a change made meanwhile.',
		tag: 'Tenant',
		body: tenantPatchSchema,
		response: tenantSchema,
		etag: true
	},
	async ({ trx, tenant, body, precondition }) => {
		await lockRow(trx, 'tenants', tenant.id);
		const current = (await findTenantById(trx, tenant.id)) ?? notFound('organisation');
		precondition(tenantJson(current));
		const updated = await updateSettings(trx, tenant.id, current.branding, {
			name: body.name ?? current.name,
			slug: body.slug ?? current.slug,
			timezone: body.timezone ?? current.timezone,
			dataRegion: body.data_region ?? current.dataRegion,
			primaryColor: current.branding.primary_color,
			logoUrl: current.branding.logo_url
		});
		if (!updated) forbidden('tenant.update');
		return tenantJson((await findTenantById(trx, tenant.id))!);
	}
);
