/** How the events page shows an event (client-safe). */

/** A payload as indented JSON, keys in the order the database gave them. */
export function formatPayload(payload: unknown): string {
	return JSON.stringify(payload, null, 2);
}

/** Who acted, in words: the person's address, the API key, or the system job. */
export function actorLabel(event: {
	actorType: 'user' | 'api_key' | 'system';
	actorEmail: string | null;
	actorJob: string | null;
}): string {
	if (event.actorType === 'user') return event.actorEmail ?? 'A former member';
	if (event.actorType === 'api_key') return 'An API key';
	return event.actorJob ? `System (${event.actorJob})` : 'System';
}
