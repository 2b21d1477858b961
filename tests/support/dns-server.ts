/**
 * A real DNS server over UDP on 127.0.0.1 answering TXT queries from a table: the edge the
 * custom-domain check talks to, without the internet. Names it does not know get NXDOMAIN.
 * It answers A queries from `addresses` too (the webhook dispatcher's re-check on every attempt),
 * and logs every query.
 */
import { createSocket } from 'node:dgram';

export interface DnsServer {
	/** host:port, for DOMAIN_DNS_SERVERS. */
	address: string;
	records: Map<string, string[]>;
	/** IPv4 answers by name (A records). */
	addresses: Map<string, string[]>;
	/** Every query so far: name and type (16 TXT, 1 A, 28 AAAA …). */
	queries: { name: string; type: number }[];
	close(): Promise<void>;
}

function readName(msg: Buffer, offset: number): { name: string; end: number } {
	const labels: string[] = [];
	let i = offset;
	while (msg[i]! > 0) {
		labels.push(msg.subarray(i + 1, i + 1 + msg[i]!).toString('ascii'));
		i += msg[i]! + 1;
	}
	return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function answer(
	query: Buffer,
	records: Map<string, string[]>,
	addresses: Map<string, string[]>,
	queries: { name: string; type: number }[]
): Buffer {
	const { name, end } = readName(query, 12);
	const qtype = query.readUInt16BE(end);
	queries.push({ name, type: qtype });
	const question = query.subarray(12, end + 4);
	if (qtype === 1) return answerA(query, question, addresses.get(name) ?? null);
	const texts = qtype === 16 ? (records.get(name) ?? null) : null;
	const header = Buffer.alloc(12);
	query.copy(header, 0, 0, 2);
	header.writeUInt16BE(texts ? 0x8180 : 0x8183, 2);
	header.writeUInt16BE(1, 4);
	header.writeUInt16BE(texts?.length ?? 0, 6);
	const answers = (texts ?? []).map((text) => {
		const data = Buffer.from(text, 'ascii');
		const rr = Buffer.alloc(12);
		rr.writeUInt16BE(0xc00c, 0);
		rr.writeUInt16BE(16, 2);
		rr.writeUInt16BE(1, 4);
		rr.writeUInt32BE(60, 6);
		rr.writeUInt16BE(data.length + 1, 10);
		return Buffer.concat([rr, Buffer.from([data.length]), data]);
	});
	return Buffer.concat([header, question, ...answers]);
}

function answerA(query: Buffer, question: Buffer, ips: string[] | null): Buffer {
	const header = Buffer.alloc(12);
	query.copy(header, 0, 0, 2);
	header.writeUInt16BE(ips ? 0x8180 : 0x8183, 2);
	header.writeUInt16BE(1, 4);
	header.writeUInt16BE(ips?.length ?? 0, 6);
	const answers = (ips ?? []).map((ip) => {
		const rr = Buffer.alloc(16);
		rr.writeUInt16BE(0xc00c, 0);
		rr.writeUInt16BE(1, 2);
		rr.writeUInt16BE(1, 4);
		rr.writeUInt32BE(0, 6);
		rr.writeUInt16BE(4, 10);
		ip.split('.').forEach((octet, i) => rr.writeUInt8(Number(octet), 12 + i));
		return rr;
	});
	return Buffer.concat([header, question, ...answers]);
}

export async function startDnsServer(): Promise<DnsServer> {
	const socket = createSocket('udp4');
	const records = new Map<string, string[]>();
	const addresses = new Map<string, string[]>();
	const queries: { name: string; type: number }[] = [];
	socket.on('message', (msg, peer) => {
		socket.send(answer(msg, records, addresses, queries), peer.port, peer.address);
	});
	await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
	return {
		address: `127.0.0.1:${socket.address().port}`,
		records,
		addresses,
		queries,
		close: () => new Promise((resolve) => socket.close(() => resolve()))
	};
}
