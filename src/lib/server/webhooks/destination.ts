/**
 * Where an endpoint's URL points, checked when it is saved (the dispatcher checks again on every
 * attempt: DNS can change): the SSRF guard (supabase/functions/_shared/ssrf.ts) over the host's
 * addresses from the system resolver. Loopback is allowed only with WEBHOOK_ALLOW_LOOPBACK, which
 * also allows plain http.
 */
import { lookup } from 'node:dns/promises';
import { checkDestination } from '../../../../supabase/functions/_shared/ssrf';

const RESOLVE_TIMEOUT_MS = 5000;

/** Every address the system resolver gives for `host`, IPv4 and IPv6, within 5 seconds. */
export async function resolveHost(host: string): Promise<string[]> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => reject(new Error(`${host} did not resolve in time`)),
			RESOLVE_TIMEOUT_MS
		);
	});
	try {
		const found = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
		return found.map((a) => a.address);
	} finally {
		clearTimeout(timer);
	}
}

/** Why events may not be sent to `url`, in a sentence; null when they may. */
export async function destinationProblem(
	url: string,
	allowLoopback: boolean,
	resolve: (host: string) => Promise<string[]> = resolveHost
): Promise<string | null> {
	const checked = await checkDestination(url, {
		resolve,
		allowLoopback,
		requireHttps: !allowLoopback
	});
	return checked.ok ? null : checked.reason;
}
