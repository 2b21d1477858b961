import { z } from 'zod';
import { id } from '../../forms/messages';

/** The console's retry and cancel forms: one job. */
export const jobSchema = z.object({ job: id('Choose a job from the list.') });
