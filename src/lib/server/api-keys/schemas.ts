import { z } from 'zod';
import { id, requiredText } from '../../forms/messages';
import { PERMISSION_FIELD } from '../../options';
import { API_KEY_EXPIRIES, API_KEY_OVERLAPS } from '../../api-keys/options';

/**
 * The API keys page's forms. Permissions are checkboxes named `perm:<code>` (as on the role
 * editor); the scope is one select whose value is `tenant`, `project:<id>` or
 * `environment:<projectId>:<environmentId>`, so a scope that does not fit together cannot be sent.
 */

function permissionsOf(values: Record<string, unknown>): string[] {
	return Object.keys(values)
		.filter((key) => key.startsWith(PERMISSION_FIELD) && values[key] === 'on')
		.map((key) => key.slice(PERMISSION_FIELD.length))
		.sort();
}

export const NO_KEY_PERMISSION = 'Tick at least one permission for the key.';
const UUID = '[0-9a-fA-F-]{36}';
const SCOPE = new RegExp(`^(tenant|project:(${UUID})|environment:(${UUID}):(${UUID}))$`);

export const createApiKeySchema = z
	.object({
		name: requiredText('name', 80, 'Name the key (what uses it).'),
		mode: z.enum(['live', 'test'], { error: 'Choose live or test.' }),
		scope: z.string().regex(SCOPE, { error: 'Choose where the key applies.' }),
		expiresIn: z.enum(API_KEY_EXPIRIES.map((e) => e.value) as [string, ...string[]], {
			error: 'Choose when the key expires.'
		}),
		rateLimit: z.coerce
			.number({ error: 'Give a number of requests a minute.' })
			.int({ error: 'Give a whole number of requests a minute.' })
			.min(1, { error: 'Allow at least 1 request a minute.' })
			.max(100000, { error: 'Allow at most 100000 requests a minute.' })
	})
	.loose()
	.refine((v) => permissionsOf(v).length > 0, {
		path: ['permissions'],
		error: NO_KEY_PERMISSION,
		when: () => true
	})
	.transform((v) => {
		const [, , projectId, envProject, environmentId] = SCOPE.exec(v.scope)!;
		const days = Number(v.expiresIn);
		return {
			name: v.name,
			mode: v.mode,
			projectId: projectId ?? envProject ?? null,
			environmentId: environmentId ?? null,
			expiresAt: days > 0 ? new Date(Date.now() + days * 86_400_000) : null,
			rateLimit: v.rateLimit,
			permissions: permissionsOf(v)
		};
	});

export const apiKeyIdSchema = z.object({ keyId: id('No such key: reload the page.') });

export const rotateApiKeySchema = apiKeyIdSchema.extend({
	overlap: z.enum(API_KEY_OVERLAPS.map((o) => o.value) as [string, ...string[]], {
		error: 'Choose how long the old key keeps working.'
	})
});
