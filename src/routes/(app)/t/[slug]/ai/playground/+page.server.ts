import { error } from '@sveltejs/kit';
import { listModels, listTemplates, templateVersions } from '$lib/server/ai/queries';
import { variableSpecs } from '$lib/server/ai/template';
import { withClaims } from '$lib/server/platform/db';
import { requireClaims } from '$lib/server/platform/web/actions';
import { can } from '$lib/tenancy/nav';
import type { PageServerLoad } from './$types';

/** The playground (ai.use): the chat models the organisation may call and its templates' latest versions. */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'ai.use'))
		error(403, 'The playground needs the “Use AI features” permission (ai.use).');
	return withClaims(requireClaims(locals), async (trx) => {
		const templates = [];
		for (const t of await listTemplates(trx, tenant.id)) {
			const latest = (await templateVersions(trx, tenant.id, t.key))?.versions[0];
			if (!latest) continue;
			templates.push({
				key: t.key,
				name: t.name,
				version: latest.version,
				modelId: latest.modelId,
				variables: variableSpecs.parse(latest.variables)
			});
		}
		return {
			models: (await listModels(trx, tenant.id))
				.filter((m) => m.active && m.kind === 'chat' && m.usable)
				.map((m) => ({ id: m.id, label: `${m.providerName} · ${m.name}` })),
			templates
		};
	});
};
