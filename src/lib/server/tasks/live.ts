/**
 * Live boards: everyone with a team's board open receives an `event: board` whenever the board
 * changes — a move, a new card, a rename … — through the notifications' live mechanism
 * (notifications/live.ts wakes, notifications/stream.ts streams), keyed by the board instead of a
 * person. A write through the pages wakes the board's streams in this process after it commits;
 * the API's writes and other instances' are seen within BOARD_POLL_MS.
 */
import type { AccessClaims } from '../auth/provider';
import { wake } from '../notifications/live';
import { liveStream } from '../notifications/stream';
import { boardVersion } from './queries';

export const BOARD_POLL_MS = 5_000;

const key = (teamId: string) => `task-board:${teamId}`;

/** Tells the board's open streams to re-read it (call after the change commits). */
export function wakeBoard(teamId: string): void {
	wake([key(teamId)]);
}

export function boardStream(
	claims: AccessClaims,
	signal: AbortSignal,
	tenantId: string,
	teamId: string
): Response {
	return liveStream(claims, signal, {
		key: key(teamId),
		event: 'board',
		read: (trx) => boardVersion(trx, tenantId, teamId),
		pollMs: BOARD_POLL_MS
	});
}
