/** The teams pages' forms: the limits of public.teams (name 1–100, description ≤ 1000), checked early. */
import { z } from 'zod';

const name = z
	.string({ error: 'Give the team a name.' })
	.trim()
	.min(1, { error: 'Give the team a name.' })
	.max(100, { error: 'Keep the name under 100 characters.' });
const description = z
	.string()
	.trim()
	.max(1000, { error: 'Keep the description under 1000 characters.' })
	.default('');

export const teamIdSchema = z.uuid({ error: 'No such team.' });

export const createTeamSchema = z.object({ name, description });

export const renameTeamSchema = z.object({ team: teamIdSchema, name, description });

export const teamSchema = z.object({ team: teamIdSchema });

export const teamMemberSchema = z.object({ user: z.uuid({ error: 'Choose a member.' }) });
