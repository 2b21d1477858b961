/**
 * IP allowlists' networks as people type them (docs/operations.md#ip-allowlists): one network per
 * line or comma, `203.0.113.0/24`, `2001:db8::/32` or a single address. Read here so a mistake is
 * answered with a sentence naming the entry; SQL checks again (cidr, TN625) and owns the rule.
 */
import { isIP } from 'node:net';
import { parseProxyEntry } from './client-address';

/** The most networks a list may hold (tenant_ip_allowlists' check, admin.ip_allowlist's max_value). */
export const MAX_NETWORKS = 100;

function addressBits(address: string): bigint {
	if (isIP(address) === 4) {
		return address.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
	}
	const [head = '', rest = ''] = address.split('::') as [string, string?];
	const tail = address.includes('::') ? rest : '';
	const embedded = (groups: string[]) =>
		groups.flatMap((g) => {
			if (!g.includes('.')) return [g];
			const v4 = addressBits(g);
			return [(v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
		});
	const left = embedded(head === '' ? [] : head.split(':'));
	const right = embedded(tail === '' ? [] : tail.split(':'));
	const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
	return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** `10.0.0.0/8` as written, or the sentence why it is not a network. */
export function parseNetwork(
	entry: string
): { ok: true; network: string } | { ok: false; message: string } {
	const parsed = parseProxyEntry(entry);
	if (!parsed) {
		return {
			ok: false,
			message: `“${entry}” is not a network: write an address (192.0.2.7) or a block (192.0.2.0/24).`
		};
	}
	const width = isIP(parsed.address) === 4 ? 32 : 128;
	const prefix = parsed.prefix ?? width;
	const hostBits = BigInt(width - prefix);
	const bits = addressBits(parsed.address);
	if ((bits & ((1n << hostBits) - 1n)) !== 0n) {
		return {
			ok: false,
			message: `“${entry}” has host bits set: the block starts at a round address (such as 192.0.2.0/24).`
		};
	}
	return {
		ok: true,
		network: parsed.prefix === undefined ? parsed.address : `${parsed.address}/${prefix}`
	};
}

/** A typed list (lines or commas; blank: no list, every network) as networks, or the first mistake. */
export function parseNetworks(
	text: string
): { ok: true; networks: string[] } | { ok: false; message: string } {
	const entries = text
		.split(/[\s,]+/)
		.map((e) => e.trim())
		.filter(Boolean);
	if (entries.length > MAX_NETWORKS)
		return { ok: false, message: `List at most ${MAX_NETWORKS} networks.` };
	const networks: string[] = [];
	for (const entry of entries) {
		const parsed = parseNetwork(entry);
		if (!parsed.ok) return parsed;
		if (!networks.includes(parsed.network)) networks.push(parsed.network);
	}
	return { ok: true, networks };
}
