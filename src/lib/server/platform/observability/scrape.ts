/**
 * Who may read /metrics: nobody while METRICS_TOKEN is unset (404, as if there were no such page),
 * else only `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise), compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type ScrapeDecision = 'serve' | 'not_found' | 'unauthorized';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function scrapeDecision(
	token: string | undefined,
	authorization: string | null
): ScrapeDecision {
	if (!token) return 'not_found';
	const given = /^Bearer +(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
	if (!given) return 'unauthorized';
	return timingSafeEqual(digest(given), digest(token)) ? 'serve' : 'unauthorized';
}
