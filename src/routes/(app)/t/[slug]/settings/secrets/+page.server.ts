import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { fieldError } from '$lib/server/platform/web/forms';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { listProjects } from '$lib/server/projects/queries';
import { SECRET_LIST, pageSecrets } from '$lib/server/secrets/queries';
import { secretFormSchema } from '$lib/server/secrets/schemas';
import { SecretFormatError, createSecret } from '$lib/server/secrets/service';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * Secrets (docs/secrets.md): the list (metadata only: name, format, versions, expiry, owner) and
 * the create form. secrets.read sees, secrets.manage creates; SQL decides (RLS and the secrets
 * RPCs) — the permissions here only choose what the page shows. A new secret's page opens next.
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'secrets.read') && !can(permissions, 'secrets.manage'))
		error(403, 'Secrets need the secrets.read permission.');
	const params = readList(url.searchParams, SECRET_LIST);
	return withClaims(requireClaims(locals), async (trx) => ({
		secrets: await pageSecrets(trx, tenant.id, params),
		projects: (await listProjects(trx, tenant.id)).map((p) => ({ id: p.id, name: p.name })),
		canManage: can(permissions, 'secrets.manage')
	}));
};

export const actions: Actions = {
	create: async (event) => {
		const config = (await ensureRuntime()).config;
		const result = await tenantAction(
			event,
			secretFormSchema,
			async (trx, tenant, { input, values }) => {
				try {
					const created = await createSecret(trx, config, {
						tenantId: tenant.id,
						name: input.name,
						format: input.format,
						value: input.secretValue,
						description: input.description,
						projectId: input.projectId
					});
					return { id: created.secretId, slug: tenant.slug };
				} catch (e) {
					if (e instanceof SecretFormatError) return fieldError('secretValue', e.message, values);
					throw e;
				}
			}
		);
		if (refused(result)) return result;
		redirect(
			303,
			`${resolve('/(app)/t/[slug]/settings/secrets/[secret]', { slug: result.slug, secret: result.id })}?created=1`
		);
	}
};
