/** The teams pages' forms: the limits of public.teams (name 1–100, description ≤ 1000), checked early. */
import { z } from 'zod';
import { id, optionalText, requiredText } from '../../forms/messages';

/** Unique per tenant whatever the case (teams_name_ci_key): "Ops" and "ops" are one team. */
const name = requiredText('name', 100, 'Give the team a name.');
const description = optionalText('description', 1000);

export const teamIdSchema = id('No such team.');

export const createTeamSchema = z.object({ name, description });

export const renameTeamSchema = z.object({ team: teamIdSchema, name, description });

export const teamSchema = z.object({ team: teamIdSchema });

export const teamMemberSchema = z.object({ user: id('Choose a member.') });
