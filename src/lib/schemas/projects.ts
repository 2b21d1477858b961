import { z } from 'zod';
import { ENVIRONMENT_KINDS } from './options';

/** Projects and environments: the rules of 20261122000600_projects.sql, checked before the write. */
const name = z
	.string()
	.trim()
	.min(1, { error: 'Give the project a name.' })
	.max(100, { error: 'Keep the name under 100 characters.' });
const slug = z
	.string()
	.trim()
	.toLowerCase()
	.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
		error: 'Use up to 63 lowercase letters, digits and hyphens, starting with a letter or digit.'
	});
const description = z
	.string()
	.trim()
	.max(2000, { error: 'Keep the description under 2000 characters.' })
	.default('');

export const projectSchema = z.object({ name, slug, description });

const environmentName = z
	.string()
	.trim()
	.min(1, { error: 'Give the environment a name.' })
	.max(60, { error: 'Keep the name under 60 characters.' });

export const createEnvironmentSchema = z.object({
	name: environmentName,
	kind: z.enum(ENVIRONMENT_KINDS, { error: 'Choose development, staging or production.' })
});

export const renameEnvironmentSchema = z.object({
	environmentId: z.uuid({ error: 'No such environment.' }),
	name: environmentName
});

export const environmentIdSchema = z.object({
	environmentId: z.uuid({ error: 'No such environment.' })
});

/** Giving a member a project role; an empty role removes theirs. */
export const projectMemberSchema = z.object({
	userId: z.uuid({ error: 'Choose a member.' }),
	roleId: z.union([
		z.uuid({ error: 'Choose a project role.' }),
		z.literal('').transform(() => null)
	])
});

export const deleteProjectSchema = z.object({ confirm: z.string().trim() });
