import { z } from 'zod';
import { id, optionalText, requiredText } from '../../forms/messages';
import { ENVIRONMENT_KINDS } from '../../options';

/** Projects and environments: the rules of 20261122000600_projects.sql, checked before the write. */
const name = requiredText('name', 100, 'Give the project a name.');
const slug = z
	.string({ error: 'Choose an address for the project.' })
	.trim()
	.toLowerCase()
	.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
		error: 'Use up to 63 lowercase letters, digits and hyphens, starting with a letter or digit.'
	});
const description = optionalText('description', 2000);

export const projectSchema = z.object({ name, slug, description });

/** Unique per project whatever the case (environments_name_ci_key). */
const environmentName = requiredText('name', 60, 'Give the environment a name.');

export const createEnvironmentSchema = z.object({
	name: environmentName,
	kind: z.enum(ENVIRONMENT_KINDS, { error: 'Choose development, staging or production.' })
});

export const renameEnvironmentSchema = z.object({
	environmentId: id('No such environment.'),
	name: environmentName
});

export const environmentIdSchema = z.object({ environmentId: id('No such environment.') });

/** Giving a member a project role; an empty role removes theirs. */
export const projectMemberSchema = z.object({
	userId: id('Choose a member.'),
	roleId: z.union([id('Choose a project role.'), z.literal('').transform(() => null)], {
		error: 'Choose a project role.'
	})
});

/** The typed name is checked against the project's (typedNameMatches) in the action. */
export const deleteProjectSchema = z.object({ confirm_name: z.string().optional() });
