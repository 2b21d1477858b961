/**
 * A real DNS server over UDP on 127.0.0.1 (wire format by dns-packet), answering from tables: the
 * edge the custom-domain checks and the webhook dispatcher's address re-check talk to, without the
 * internet. TXT, A, AAAA, CNAME and CAA answers come from the maps below; a name with no answer of
 * any type gets NXDOMAIN, a known name asked for a type it lacks gets an empty NOERROR (what
 * resolvers call ENODATA). A CNAME is followed, as a recursive resolver does, when the asked type
 * is not CNAME. Every query is logged.
 */
import { createSocket } from 'node:dgram';
import dnsPacket, { type Answer, type CaaData } from 'dns-packet';

export interface DnsServer {
	/** host:port, for DOMAIN_DNS_SERVERS. */
	address: string;
	/** TXT answers by name. */
	records: Map<string, string[]>;
	/** IPv4 answers by name (A records). */
	addresses: Map<string, string[]>;
	/** IPv6 answers by name (AAAA records). */
	ipv6: Map<string, string[]>;
	/** The CNAME target of a name. */
	cnames: Map<string, string>;
	/** CAA answers by name. */
	caa: Map<string, CaaData[]>;
	/** Every query so far: name and type (16 TXT, 1 A, 28 AAAA, 5 CNAME, 257 CAA …). */
	queries: { name: string; type: number }[];
	close(): Promise<void>;
}

const TYPE_CODES: Record<string, number> = { A: 1, CNAME: 5, TXT: 16, AAAA: 28, CAA: 257 };

type Tables = Pick<DnsServer, 'records' | 'addresses' | 'ipv6' | 'cnames' | 'caa'>;

function answersFor(tables: Tables, name: string, type: string): Answer[] {
	const base = { name, ttl: 60, class: 'IN' as const };
	switch (type) {
		case 'TXT':
			return (tables.records.get(name) ?? []).map((data) => ({ ...base, type: 'TXT', data }));
		case 'A':
			return (tables.addresses.get(name) ?? []).map((data) => ({ ...base, type: 'A', data }));
		case 'AAAA':
			return (tables.ipv6.get(name) ?? []).map((data) => ({ ...base, type: 'AAAA', data }));
		case 'CAA':
			return (tables.caa.get(name) ?? []).map((data) => ({ ...base, type: 'CAA', data }));
		case 'CNAME': {
			const target = tables.cnames.get(name);
			return target ? [{ ...base, type: 'CNAME', data: target }] : [];
		}
		default:
			return [];
	}
}

function known(tables: Tables, name: string): boolean {
	return [tables.records, tables.addresses, tables.ipv6, tables.cnames, tables.caa].some((t) =>
		t.has(name)
	);
}

function respond(query: Buffer, tables: Tables, queries: DnsServer['queries']): Buffer {
	const packet = dnsPacket.decode(query);
	const question = packet.questions![0]!;
	const name = question.name.toLowerCase();
	queries.push({ name, type: TYPE_CODES[question.type] ?? 0 });
	let answers = answersFor(tables, name, question.type);
	const target = tables.cnames.get(name);
	if (!answers.length && target && question.type !== 'CNAME') {
		answers = [...answersFor(tables, name, 'CNAME'), ...answersFor(tables, target, question.type)];
	}
	return dnsPacket.encode({
		type: 'response',
		id: packet.id,
		// The low four bits are the rcode: 3 (NXDOMAIN) for a name the tables do not know at all.
		flags:
			dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (known(tables, name) ? 0 : 3),
		questions: [question],
		answers
	});
}

export async function startDnsServer(): Promise<DnsServer> {
	const socket = createSocket('udp4');
	const tables: Tables = {
		records: new Map(),
		addresses: new Map(),
		ipv6: new Map(),
		cnames: new Map(),
		caa: new Map()
	};
	const queries: DnsServer['queries'] = [];
	socket.on('message', (msg, peer) => {
		socket.send(respond(msg, tables, queries), peer.port, peer.address);
	});
	await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
	return {
		address: `127.0.0.1:${socket.address().port}`,
		...tables,
		queries,
		close: () => new Promise((resolve) => socket.close(() => resolve()))
	};
}
