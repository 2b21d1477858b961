/**
 * The SSRF guard for outbound webhooks (docs/ssrf-guard.md): a tenant's URL is only ever sent to
 * a public address. `parseIpLiteral` reads a host written as an IP address in any encoding the URL
 * parser or inet_aton accepts (127.1, 0x7f.0.0.1, 2130706433, 0177.0.0.1, [::ffff:127.0.0.1] …),
 * `classifyAddress` says whether an address lies in a range no webhook may reach (the IANA
 * special-purpose registries and everything outside IPv6 global unicast), and `checkDestination`
 * checks a whole URL, resolving a host name through the caller's `resolve` and refusing it when
 * ANY of its addresses is blocked. The app calls it when an endpoint is saved; the dispatcher calls
 * it before every attempt (DNS can change between the two) and connects to an address it returned.
 *
 * Pure and without imports: Deno and Node both load this file as it is; DNS is the caller's.
 */

export type AddressVerdict =
	| { blocked: false }
	| { blocked: true; range: string; reason: string };

export interface DestinationOptions {
	/** The host's addresses (Deno.resolveDns, node:dns lookup with all: true …). */
	resolve(host: string): Promise<string[]>;
	/** Lets 127.0.0.0/8 and ::1 through (WEBHOOK_ALLOW_LOOPBACK: tests and the demo), nothing else. */
	allowLoopback: boolean;
	requireHttps: boolean;
}

export type DestinationCheck =
	| { ok: true; url: URL; addresses: string[] }
	| { ok: false; reason: string };

type Groups = number[];

/** A blocked range: `what` completes "The address … is …" and names the range in brackets. */
type Finding = { range: string; what: string };

const PUBLIC_ONLY = 'webhooks go only to public addresses.';
const LOOPBACK_RANGES = new Set(['127.0.0.0/8', '::1/128']);

// ---- parsing ---------------------------------------------------------------------------------

/** One IPv4 part as the URL parser reads it: decimal, 0x hex (0x alone is 0), 0-prefixed octal. */
function ipv4Number(part: string): number | null {
	if (/^0x[0-9a-f]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
	if (/^0[0-7]+$/.test(part)) return parseInt(part.slice(1), 8);
	if (/^[0-9]+$/.test(part)) return /^0[0-9]/.test(part) ? null : parseInt(part, 10);
	return null;
}

/** The IPv4 address of 1–4 parts (the last one fills the remaining bytes), or null. */
function parseIpv4(text: string): number | null {
	const parts = text.split('.');
	if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
	if (parts.length > 4) return null;
	const numbers: number[] = [];
	for (const part of parts) {
		const n = ipv4Number(part);
		if (n === null || !Number.isFinite(n)) return null;
		numbers.push(n);
	}
	const last = numbers.pop() as number;
	if (numbers.some((n) => n > 255) || last >= 256 ** (4 - numbers.length)) return null;
	return numbers.reduce((sum, n, i) => sum + n * 256 ** (3 - i), 0) + last;
}

/** Strict dotted quad, as an IPv6 address may end in: four decimal parts, no leading zeros. */
function parseDottedQuad(text: string): Groups | null {
	const parts = text.split('.');
	if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p))) return null;
	const [a = 0, b = 0, c = 0, d = 0] = parts.map(Number);
	if (Math.max(a, b, c, d) > 255) return null;
	return [a * 256 + b, c * 256 + d];
}

function parseGroups(text: string, lastMayBeIpv4: boolean): Groups | null {
	if (text === '') return [];
	const parts = text.split(':');
	const groups: Groups = [];
	for (const [i, part] of parts.entries()) {
		if (lastMayBeIpv4 && i === parts.length - 1 && part.includes('.')) {
			const quad = parseDottedQuad(part);
			if (!quad) return null;
			groups.push(...quad);
		} else if (/^[0-9a-f]{1,4}$/.test(part)) {
			groups.push(parseInt(part, 16));
		} else {
			return null;
		}
	}
	return groups;
}

/** The eight 16-bit groups of an IPv6 address (a zone id after % is dropped), or null. */
function parseIpv6(text: string): Groups | null {
	const zone = text.indexOf('%');
	if (zone !== -1) {
		if (zone === text.length - 1) return null;
		text = text.slice(0, zone);
	}
	const halves = text.split('::');
	if (halves.length > 2) return null;
	const [first = '', second = ''] = halves;
	const head = parseGroups(first, halves.length === 1);
	const tail = halves.length === 2 ? parseGroups(second, true) : [];
	if (!head || !tail) return null;
	if (halves.length === 1) return head.length === 8 ? head : null;
	const missing = 8 - head.length - tail.length;
	return missing >= 1 ? [...head, ...Array<number>(missing).fill(0), ...tail] : null;
}

function ipv4Text(n: number): string {
	return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** RFC 5952: lower case, no leading zeros, the first longest run of two or more zeros as ::. */
function ipv6Text(groups: Groups): string {
	let best = -1;
	let bestLength = 1;
	for (let i = 0; i < 8;) {
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLength) [best, bestLength] = [i, j - i];
		i = j === i ? i + 1 : j;
	}
	const hex = groups.map((g) => g.toString(16));
	if (best === -1) return hex.join(':');
	return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

/** Full-width digits and letters, ideographic full stops: what the URL parser maps to ASCII. */
function asciiHost(host: string): string {
	return host.normalize('NFKC').replace(/[\u3002\uff0e\uff61]/g, '.').toLowerCase().trim();
}

/**
 * The canonical text (dotted IPv4, RFC 5952 IPv6 in hex groups, no brackets or zone) of a host
 * written as an IP address in any encoding, or null when it is a host name (or no valid address).
 */
export function parseIpLiteral(host: string): string | null {
	const text = asciiHost(host);
	if (text.startsWith('[') || text.endsWith(']')) {
		if (!text.startsWith('[') || !text.endsWith(']')) return null;
		const groups = parseIpv6(text.slice(1, -1));
		return groups ? ipv6Text(groups) : null;
	}
	if (text.includes(':')) {
		const groups = parseIpv6(text);
		return groups ? ipv6Text(groups) : null;
	}
	const v4 = parseIpv4(text);
	return v4 === null ? null : ipv4Text(v4);
}

// ---- classification --------------------------------------------------------------------------

type Rule4 = { base: number; prefix: number; range: string; what: string };
type Rule6 = { base: Groups; prefix: number; range: string; what: string };

function rule4(cidr: string, what: string, range = cidr): Rule4 {
	const [address = '', prefix] = cidr.split('/');
	return { base: parseIpv4(address) as number, prefix: Number(prefix), range, what };
}

function rule6(cidr: string, what: string, range = cidr): Rule6 {
	const [address = '', prefix] = cidr.split('/');
	return { base: parseIpv6(address) as Groups, prefix: Number(prefix), range, what };
}

function in4(ip: number, base: number, prefix: number): boolean {
	const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
	return ((ip & mask) >>> 0) === ((base & mask) >>> 0);
}

function in6(groups: Groups, base: Groups, prefix: number): boolean {
	for (let i = 0; i < 8; i++) {
		const bits = Math.min(16, Math.max(0, prefix - 16 * i));
		if (bits === 0) return true;
		const mask = (0xffff << (16 - bits)) & 0xffff;
		if (((groups[i] ?? 0) & mask) !== ((base[i] ?? 0) & mask)) return false;
	}
	return true;
}

const PRIVATE = 'in a private network';
const DOCUMENTATION = 'reserved for documentation';

/** First match wins: the more specific entries come first. */
const IPV4_RULES: Rule4[] = [
	rule4('255.255.255.255/32', 'the broadcast address'),
	rule4('169.254.169.254/32', 'the cloud metadata service, a link-local address', '169.254.0.0/16'),
	rule4('0.0.0.0/8', 'in the “this network” range'),
	rule4('10.0.0.0/8', PRIVATE),
	rule4('100.64.0.0/10', 'in the carrier-grade NAT range shared inside internet providers'),
	rule4('127.0.0.0/8', 'a loopback address, this machine'),
	rule4('169.254.0.0/16', 'a link-local address'),
	rule4('172.16.0.0/12', PRIVATE),
	rule4('192.0.0.0/24', 'reserved for IETF protocol assignments'),
	rule4('192.0.2.0/24', DOCUMENTATION),
	rule4('192.88.99.0/24', 'the deprecated 6to4 relay anycast range'),
	rule4('192.168.0.0/16', PRIVATE),
	rule4('198.18.0.0/15', 'reserved for network benchmarking'),
	rule4('198.51.100.0/24', DOCUMENTATION),
	rule4('203.0.113.0/24', DOCUMENTATION),
	rule4('224.0.0.0/4', 'a multicast address'),
	rule4('240.0.0.0/4', 'reserved for future use'),
];

const NOT_GLOBAL = 'not a global unicast address (2000::/3): the IETF reserves its block';

/** Checked after the embedded-IPv4 forms (::ffff:0:0/96, ::/96, 64:ff9b::/96, 2002::/16). */
const IPV6_RULES: Rule6[] = [
	rule6('64:ff9b:1::/48', 'reserved for local NAT64 translation'),
	rule6('100::/64', 'a discard-only address'),
	rule6('2001::/32', 'a Teredo tunnel address'),
	rule6('2001:db8::/32', DOCUMENTATION),
	rule6('2001::/23', 'reserved for IETF protocol assignments'),
	rule6('3fff::/20', DOCUMENTATION),
	rule6('5f00::/16', 'reserved for segment routing (SRv6)'),
	rule6('fd00:ec2::254/128', 'the cloud metadata service, a unique local address', 'fc00::/7'),
	rule6('fc00::/7', 'a unique local (private) address'),
	rule6('fe80::/10', 'a link-local address'),
	rule6('fec0::/10', 'a site-local address (deprecated)'),
	rule6('ff00::/8', 'a multicast address'),
	// The rest of the IANA IPv6 address space outside 2000::/3.
	...[
		'::/8',
		'100::/8',
		'200::/7',
		'400::/6',
		'800::/5',
		'1000::/4',
		'4000::/3',
		'6000::/3',
		'8000::/3',
		'a000::/3',
		'c000::/3',
		'e000::/4',
		'f000::/5',
		'f800::/6',
		'fe00::/9',
	].map((cidr) => rule6(cidr, NOT_GLOBAL)),
];

function findIpv4(ip: number): Finding | null {
	const rule = IPV4_RULES.find((r) => in4(ip, r.base, r.prefix));
	return rule ? { range: rule.range, what: `${rule.what} (${rule.range})` } : null;
}

/** An IPv6 form that carries an IPv4 address is as blocked as the address it carries. */
function carried(prefix: string, form: string, ip: number): Finding | null {
	const inner = findIpv4(ip);
	if (!inner) return null;
	return { range: prefix, what: `${form} (${prefix}) for ${ipv4Text(ip)}, which is ${inner.what}` };
}

function findIpv6(g: Groups): Finding | null {
	const [g0 = 0, g1 = 0, g2 = 0, , , g5 = 0, g6 = 0, g7 = 0] = g;
	const low32 = (g6 * 0x10000 + g7) >>> 0;
	const zerosUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
	if (zerosUpTo(8)) return { range: '::/128', what: 'the unspecified address (::/128)' };
	if (zerosUpTo(7) && g7 === 1) {
		return { range: '::1/128', what: 'the loopback address, this machine (::1/128)' };
	}
	if (zerosUpTo(5) && g5 === 0xffff) {
		const inner = findIpv4(low32);
		if (!inner) return null;
		const what = `the IPv4 address ${ipv4Text(low32)} written as IPv6, which is ${inner.what}`;
		return { range: inner.range, what };
	}
	if (zerosUpTo(6)) return carried('::/96', 'an IPv4-compatible address', low32);
	if (in6(g, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96)) {
		return carried('64:ff9b::/96', 'a NAT64 address', low32);
	}
	if (g0 === 0x2002) return carried('2002::/16', 'a 6to4 address', g1 * 0x10000 + g2);
	const rule = IPV6_RULES.find((r) => in6(g, r.base, r.prefix));
	return rule ? { range: rule.range, what: `${rule.what} (${rule.range})` } : null;
}

function find(ip: string): Finding | null | undefined {
	const canonical = parseIpLiteral(ip);
	if (canonical === null) return undefined;
	return canonical.includes(':')
		? findIpv6(parseIpv6(canonical) as Groups)
		: findIpv4(parseIpv4(canonical) as number);
}

/**
 * Whether a webhook may go to `ip` (any encoding parseIpLiteral reads). A blocked verdict names
 * the range (CIDR) and says why in a sentence; text that is no IP address is blocked too.
 */
export function classifyAddress(ip: string): AddressVerdict {
	const finding = find(ip);
	if (finding === undefined) {
		return { blocked: true, range: 'none', reason: `“${ip}” is not an IP address.` };
	}
	if (finding === null) return { blocked: false };
	return { blocked: true, range: finding.range, reason: addressReason(ip, finding) };
}

function addressReason(ip: string, finding: Finding): string {
	return `The address ${parseIpLiteral(ip)} is ${finding.what}; ${PUBLIC_ONLY}`;
}

// ---- destinations ----------------------------------------------------------------------------

/** Names that never lead to a public receiver, whatever a resolver answers for them. */
const LOCAL_NAMES: [suffix: string, what: string][] = [
	['localhost', 'this machine'],
	['local', 'a local network name (multicast DNS)'],
	['home.arpa', 'a home network name'],
	['internal', 'a private network name'],
	['localdomain', 'a local network name'],
	['test', 'a name reserved for testing'],
	['example', 'a name reserved for documentation'],
	['invalid', 'a name reserved as invalid'],
	['onion', 'a Tor onion service name'],
];

function localName(host: string): [suffix: string, what: string] | undefined {
	return LOCAL_NAMES.find(([suffix]) => host === suffix || host.endsWith(`.${suffix}`));
}

/** The last label is a number: the URL parser reads the host as IPv4 (or refuses it). */
function endsInNumber(host: string): boolean {
	const last = host.replace(/\.$/, '').split('.').pop() ?? '';
	return /^(0x[0-9a-f]*|[0-9]+)$/.test(last);
}

function urlProblem(url: URL, opts: DestinationOptions): string | null {
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		return `The URL must start with https://${
			opts.requireHttps ? '' : ' or http://'
		}, not ${url.protocol}//.`;
	}
	if (url.protocol === 'http:' && opts.requireHttps) {
		return 'The URL must start with https://: webhooks are sent only over TLS.';
	}
	if (url.username !== '' || url.password !== '') {
		return 'Remove the user name and password before the host: webhook URLs carry no credentials.';
	}
	if (url.hostname === '') return 'The URL has no host: write it like https://hooks.example.com/.';
	if (url.port === '0') {
		return 'Port 0 cannot receive webhooks: use a port from 1 to 65535, or none.';
	}
	return null;
}

/**
 * Checks a webhook URL before anything is sent to it: http(s) only (https when `requireHttps`),
 * no user info, an IP host classified as it is, a named host resolved through `resolve` and
 * refused when any of its addresses is blocked. `addresses` are the checked addresses (canonical
 * text) to connect to; `reason` is a sentence the tenant can act on.
 */
export async function checkDestination(
	url: string,
	opts: DestinationOptions,
): Promise<DestinationCheck> {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return {
			ok: false,
			reason:
				`“${url}” is not a valid URL: write it in full, like https://hooks.example.com/tenantry.`,
		};
	}
	const problem = urlProblem(parsed, opts);
	if (problem) return { ok: false, reason: problem };

	const allowed = (finding: Finding | null | undefined) =>
		finding === null || (opts.allowLoopback && !!finding && LOOPBACK_RANGES.has(finding.range));

	const host = parsed.hostname;
	const literal = parseIpLiteral(host);
	if (literal !== null) {
		const finding = find(literal) as Finding | null;
		if (allowed(finding)) return { ok: true, url: parsed, addresses: [literal] };
		return { ok: false, reason: addressReason(literal, finding as Finding) };
	}
	if (endsInNumber(host)) {
		return { ok: false, reason: `The host ${host} is not a valid IP address.` };
	}

	const name = host.replace(/\.$/, '');
	const local = localName(name);
	const loopbackName = local?.[0] === 'localhost';
	if (local && !(loopbackName && opts.allowLoopback)) {
		return { ok: false, reason: `The host ${name} is ${local[1]} (.${local[0]}); ${PUBLIC_ONLY}` };
	}

	let answers: string[];
	try {
		answers = await opts.resolve(name);
	} catch {
		answers = [];
	}
	if (answers.length === 0) {
		return {
			ok: false,
			reason:
				`The host ${name} has no address in DNS: check its spelling, and that it has a public record.`,
		};
	}
	const addresses: string[] = [];
	for (const answer of answers) {
		const address = parseIpLiteral(answer);
		if (address === null) {
			return {
				ok: false,
				reason: `The host ${name} resolved to “${answer}”, which is not an IP address.`,
			};
		}
		const finding = find(address);
		if (loopbackName && !(finding && LOOPBACK_RANGES.has(finding.range))) {
			return {
				ok: false,
				reason:
					`The host ${name} resolves to ${address}, which is not a loopback address; a localhost name must stay on this machine.`,
			};
		}
		if (!allowed(finding)) {
			return {
				ok: false,
				reason:
					`The host ${name} resolves to ${address}, which is ${finding?.what}; ${PUBLIC_ONLY}`,
			};
		}
		if (!addresses.includes(address)) addresses.push(address);
	}
	return { ok: true, url: parsed, addresses };
}
