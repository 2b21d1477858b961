import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

/** "My tasks" across every team: the list filtered to the person's open tasks. */
export const load: PageServerLoad = ({ params }) => {
	redirect(303, `/t/${params.slug}/tasks?assignee=me&status=open`);
};
