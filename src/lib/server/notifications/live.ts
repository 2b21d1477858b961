/**
 * Live updates of the bell: the fan-out job (and a person's own marks) wake the server-sent-event
 * streams of that person open in this process (`/api/notifications/stream`), which then re-read
 * the count as the person. In-process only: another app instance's streams notice within their
 * poll (STREAM_POLL_MS). On Supabase, Realtime on `public.notifications` (RLS applies) is the
 * equivalent (docs/notifications.md).
 */
import { EventEmitter } from 'node:events';

const WAKE = Symbol.for('tenantry.notifications.wake');
type Holder = { [WAKE]?: EventEmitter };

/** One emitter per process, shared by the job and the SvelteKit server even when bundled apart. */
function emitter(): EventEmitter {
	const holder = globalThis as Holder;
	if (!holder[WAKE]) {
		holder[WAKE] = new EventEmitter();
		holder[WAKE].setMaxListeners(0);
	}
	return holder[WAKE];
}

/** Wakes every open stream of these people. */
export function wake(userIds: Iterable<string>): void {
	for (const id of new Set(userIds)) emitter().emit(id);
}

/** Calls `listener` whenever the person is woken; returns the unsubscribe. */
export function onWake(userId: string, listener: () => void): () => void {
	emitter().on(userId, listener);
	return () => emitter().off(userId, listener);
}

/** How often an open stream re-reads the count anyway (wake-ups from other instances, security notices). */
export const STREAM_POLL_MS = 15_000;
