import { z } from 'zod';
import { id, requiredText } from '../../forms/messages';

/** The SCIM settings page's forms (docs/scim.md). */
export const createScimTokenSchema = z.object({
	name: requiredText('name', 80, 'Name the token (which identity provider uses it).')
});

export const scimTokenIdSchema = z.object({ tokenId: id('Choose a token.') });

export const mapScimGroupSchema = z.object({
	groupId: id('Choose a group.'),
	roleId: z
		.string()
		.trim()
		.transform((v) => v || null)
		.pipe(z.uuid({ error: 'Choose a role, or none.' }).nullable())
});
