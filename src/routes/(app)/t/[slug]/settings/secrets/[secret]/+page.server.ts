import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { withClaims } from '$lib/server/platform/db';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { fieldError } from '$lib/server/platform/web/forms';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { deleteSecret, findSecret, listVersions } from '$lib/server/secrets/queries';
import { revealFormSchema, secretIdSchema, versionFormSchema } from '$lib/server/secrets/schemas';
import { SecretFormatError, addSecretVersion, revealSecret } from '$lib/server/secrets/service';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * One secret (docs/secrets.md): its metadata and every version (what was read from each value,
 * when and by whom), a new version, a reveal of any version (secrets.reveal; the value is shown
 * once, in the action's answer, and the reveal is audited), and delete. SQL decides; a secret of
 * another tenant is the same 404 as none.
 */
export const load: PageServerLoad = async ({ locals, parent, params, url }) => {
	const { tenant, permissions } = await parent();
	const found = await withClaims(requireClaims(locals), async (trx) => {
		const secret = await findSecret(trx, tenant.id, params.secret);
		if (!secret) return null;
		return { secret, versions: await listVersions(trx, tenant.id, secret.id) };
	});
	if (!found) error(404, 'No such secret.');
	return {
		...found,
		created: url.searchParams.has('created'),
		canManage: !found.secret.ownerType && can(permissions, 'secrets.manage'),
		canReveal: can(permissions, 'secrets.reveal'),
		crumb: found.secret.name
	};
};

export const actions: Actions = {
	version: async (event) => {
		const config = (await ensureRuntime()).config;
		return tenantAction(event, versionFormSchema, async (trx, tenant, { input, values }) => {
			try {
				const { version } = await addSecretVersion(trx, config, {
					tenantId: tenant.id,
					secretId: input.secret,
					value: input.secretValue
				});
				return { ok: `Version ${version} is now current; the earlier ones are kept.` };
			} catch (e) {
				if (e instanceof SecretFormatError) return fieldError('secretValue', e.message, values);
				throw e;
			}
		});
	},
	reveal: async (event) => {
		const config = (await ensureRuntime()).config;
		return tenantAction(event, revealFormSchema, async (trx, tenant, { input }) => ({
			revealed: {
				version: input.version,
				value: await revealSecret(trx, config, {
					tenantId: tenant.id,
					secretId: input.secret,
					version: input.version
				})
			}
		}));
	},
	delete: async (event) => {
		const result = await tenantAction(event, secretIdSchema, async (trx, tenant, { input }) => {
			await deleteSecret(trx, input.secret);
			return { slug: tenant.slug };
		});
		if (refused(result)) return result;
		redirect(303, resolve('/(app)/t/[slug]/settings/secrets', { slug: result.slug }));
	}
};
