/**
 * Where a data source may connect: its host through the SSRF guard
 * (supabase/functions/_shared/ssrf.ts), every address the resolver gives checked, and the first
 * one returned for the driver to dial (never a second resolution: DNS can change between the check
 * and the connection). Loopback only with WEBHOOK_ALLOW_LOOPBACK, the one switch for outbound
 * traffic to this machine (tests and the demo).
 */
import { checkDestination } from '../../../../../supabase/functions/_shared/ssrf';
import { resolveHost } from '../../webhooks/destination';
import { SourceError } from './types';

export interface GuardOptions {
	allowLoopback: boolean;
	resolve?: (host: string) => Promise<string[]>;
}

/** The checked address to dial for `host` (a name, an IPv4 or a bracketed IPv6); TN546 when refused. */
export async function checkedAddress(
	host: string,
	port: number,
	options: GuardOptions
): Promise<string> {
	const literal = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
	return checkedUrl(`https://${literal}:${port}/`, options).then((c) => c.address);
}

/** A URL checked by the guard (http or https) and the address to dial for it; TN546 when refused. */
export async function checkedUrl(
	url: string,
	options: GuardOptions
): Promise<{ url: URL; address: string }> {
	const checked = await checkDestination(url, {
		resolve: options.resolve ?? resolveHost,
		allowLoopback: options.allowLoopback,
		requireHttps: !options.allowLoopback
	});
	if (!checked.ok) throw new SourceError('TN546', `Not connected: ${checked.reason}`);
	const address = checked.addresses[0];
	if (!address)
		throw new SourceError('TN546', `Not connected: ${checked.url.hostname} has no address.`);
	return { url: checked.url, address };
}
