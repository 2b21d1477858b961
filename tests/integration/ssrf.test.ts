/**
 * The SSRF guard (supabase/functions/_shared/ssrf.ts) against a table written independently of
 * it, from the IANA IPv4 and IPv6 special-purpose address registries and the IPv6 address space
 * registry: each range's first, a middle and last address blocked, the addresses just outside it
 * allowed; every encoding of the addresses attackers use; the IPv6 forms that carry an IPv4
 * address. checkDestination runs with a fake `resolve`: no DNS, no traffic to anyone.
 */
import { describe, expect, it } from 'vitest';
import {
	checkDestination,
	classifyAddress,
	parseIpLiteral
} from '../../supabase/functions/_shared/ssrf';

type Row = { cidr: string; inside: string[]; outside: string[] };

// IANA IPv4 Special-Purpose Address Registry (plus 224/4 multicast and 255.255.255.255), by hand.
const IPV4: Row[] = [
	{ cidr: '0.0.0.0/8', inside: ['0.0.0.0', '0.128.0.0', '0.255.255.255'], outside: ['1.0.0.0'] },
	{
		cidr: '10.0.0.0/8',
		inside: ['10.0.0.0', '10.128.0.1', '10.255.255.255'],
		outside: ['9.255.255.255', '11.0.0.0']
	},
	{
		cidr: '100.64.0.0/10',
		inside: ['100.64.0.0', '100.100.100.200', '100.127.255.255'],
		outside: ['100.63.255.255', '100.128.0.0']
	},
	{
		cidr: '127.0.0.0/8',
		inside: ['127.0.0.0', '127.0.0.1', '127.127.127.127', '127.255.255.255'],
		outside: ['126.255.255.255', '128.0.0.0']
	},
	{
		cidr: '169.254.0.0/16',
		inside: ['169.254.0.0', '169.254.169.254', '169.254.255.255'],
		outside: ['169.253.255.255', '169.255.0.0']
	},
	{
		cidr: '172.16.0.0/12',
		inside: ['172.16.0.0', '172.20.10.1', '172.31.255.255'],
		outside: ['172.15.255.255', '172.32.0.0']
	},
	{
		cidr: '192.0.0.0/24',
		inside: ['192.0.0.0', '192.0.0.8', '192.0.0.170', '192.0.0.255'],
		outside: ['191.255.255.255', '192.0.1.0']
	},
	{
		cidr: '192.0.2.0/24',
		inside: ['192.0.2.0', '192.0.2.128', '192.0.2.255'],
		outside: ['192.0.1.255', '192.0.3.0']
	},
	{
		cidr: '192.88.99.0/24',
		inside: ['192.88.99.0', '192.88.99.1', '192.88.99.255'],
		outside: ['192.88.98.255', '192.88.100.0']
	},
	{
		cidr: '192.168.0.0/16',
		inside: ['192.168.0.0', '192.168.1.1', '192.168.255.255'],
		outside: ['192.167.255.255', '192.169.0.0']
	},
	{
		cidr: '198.18.0.0/15',
		inside: ['198.18.0.0', '198.19.0.1', '198.19.255.255'],
		outside: ['198.17.255.255', '198.20.0.0']
	},
	{
		cidr: '198.51.100.0/24',
		inside: ['198.51.100.0', '198.51.100.77', '198.51.100.255'],
		outside: ['198.51.99.255', '198.51.101.0']
	},
	{
		cidr: '203.0.113.0/24',
		inside: ['203.0.113.0', '203.0.113.9', '203.0.113.255'],
		outside: ['203.0.112.255', '203.0.114.0']
	},
	{
		cidr: '224.0.0.0/4',
		inside: ['224.0.0.0', '224.0.0.251', '239.1.2.3', '239.255.255.255'],
		outside: ['223.255.255.255']
	},
	{ cidr: '240.0.0.0/4', inside: ['240.0.0.0', '250.1.2.3', '255.255.255.254'], outside: [] },
	{ cidr: '255.255.255.255/32', inside: ['255.255.255.255'], outside: [] }
];

// IANA IPv6 Special-Purpose Address Registry, and what the address space registry keeps
// outside 2000::/3. Neighbours are listed where they are global unicast (so must pass).
const IPV6: Row[] = [
	{ cidr: '::/128', inside: ['::'], outside: [] },
	{ cidr: '::1/128', inside: ['::1'], outside: [] },
	{
		cidr: '64:ff9b:1::/48',
		inside: ['64:ff9b:1::', '64:ff9b:1:8000::1', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff'],
		outside: []
	},
	{ cidr: '100::/64', inside: ['100::', '100::1', '100::ffff:ffff:ffff:ffff'], outside: [] },
	{
		cidr: '2001::/23',
		inside: [
			'2001:1::1',
			'2001:2::1',
			'2001:20::1',
			'2001:100::1',
			'2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff'
		],
		outside: ['2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '2001:200::']
	},
	{
		cidr: '2001::/32',
		inside: [
			'2001::',
			'2001:0:4136:e378:8000:63bf:3fff:fdd2',
			'2001:0:ffff:ffff:ffff:ffff:ffff:ffff'
		],
		outside: []
	},
	{
		cidr: '2001:db8::/32',
		inside: ['2001:db8::', '2001:db8:1234::1', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'],
		outside: ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db9::']
	},
	{
		cidr: '3fff::/20',
		inside: ['3fff::', '3fff:800::1', '3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff'],
		outside: ['3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '3fff:1000::']
	},
	{
		cidr: '5f00::/16',
		inside: ['5f00::', '5f00:1::1', '5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
		outside: []
	},
	{
		cidr: 'fc00::/7',
		inside: [
			'fc00::',
			'fd00:ec2::254',
			'fd12:3456:789a::1',
			'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'
		],
		outside: []
	},
	{
		cidr: 'fe80::/10',
		inside: [
			'fe80::',
			'fe80::1',
			'fe80::1ff:fe23:4567:890a',
			'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff'
		],
		outside: []
	},
	{
		cidr: 'fec0::/10',
		inside: ['fec0::', 'fed0::1', 'feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
		outside: []
	},
	{
		cidr: 'ff00::/8',
		inside: ['ff00::', 'ff02::1', 'ff05::1:3', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
		outside: []
	},
	{
		cidr: 'outside 2000::/3',
		inside: [
			'::2',
			'1::1',
			'100:0:0:1::',
			'200::1',
			'1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
			'4000::',
			'8000::1',
			'c000::1',
			'e000::1',
			'f000::1',
			'fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
			'fe00::1',
			'::ffff:0:a00:1'
		],
		outside: [
			'2000::',
			'2001:4860:4860::8888',
			'2606:4700:4700::1111',
			'2a00:1450:4001:81b::200e',
			'3ffe::1'
		]
	}
];

const PUBLIC_V4 = ['1.1.1.1', '8.8.8.8', '93.184.215.14', '140.82.112.3', '223.255.255.255'];

// The same address written every way the URL parser or inet_aton reads it.
const ENCODINGS: Record<string, string[]> = {
	'127.0.0.1': [
		'127.0.0.1',
		'127.1',
		'127.0.1',
		'2130706433',
		'0x7f000001',
		'0X7F000001',
		'0x7f.0.0.1',
		'0x7F.1',
		'0177.0.0.1',
		'0177.1',
		'00000177.0.0.01',
		'017700000001',
		'0x7f.0.0x0.01',
		'0x0000007f.0x1',
		'127.0.0.1.',
		'１２７．０．０．１',
		'127。0。0。1'
	],
	'169.254.169.254': [
		'169.254.169.254',
		'2852039166',
		'0xa9fea9fe',
		'0xA9.0xFE.0xA9.0xFE',
		'0251.0376.0251.0376',
		'169.254.43518',
		'169.16689662',
		'0xa9.254.0251.0xfe',
		'0251.0xfe.43518',
		'025177524776'
	],
	'10.0.0.1': [
		'10.0.0.1',
		'10.1',
		'10.0.1',
		'167772161',
		'0xa000001',
		'012.0.0.1',
		'012.1',
		'0xa.0.0.1',
		'0x0a.0x00.0x00.0x01',
		'10.0.0.1.'
	]
};

const IPV6_FORMS: Record<string, string[]> = {
	'127.0.0.1': [
		'::ffff:127.0.0.1',
		'[::ffff:127.0.0.1]',
		'::ffff:7f00:1',
		'::FFFF:7F00:0001',
		'0:0:0:0:0:ffff:7f00:1',
		'0000:0000:0000:0000:0000:ffff:127.0.0.1'
	],
	'169.254.169.254': ['::ffff:169.254.169.254', '[::ffff:a9fe:a9fe]'],
	'10.0.0.1': ['::ffff:10.0.0.1', '[::ffff:a00:1]']
};

const block = (ip: string) => classifyAddress(ip);

describe('classifyAddress: the IANA special-purpose IPv4 ranges', () => {
	for (const row of IPV4) {
		it(`blocks ${row.cidr}, first to last, and nothing just outside`, () => {
			for (const ip of row.inside) {
				const verdict = block(ip);
				expect(verdict, ip).toMatchObject({ blocked: true, range: row.cidr });
				if (verdict.blocked) expect(verdict.reason).toContain(ip);
			}
			for (const ip of row.outside) expect(block(ip), ip).toEqual({ blocked: false });
		});
	}

	it('allows public addresses', () => {
		for (const ip of PUBLIC_V4) expect(block(ip), ip).toEqual({ blocked: false });
	});

	it('names the cloud metadata address and says why in a sentence', () => {
		const verdict = block('169.254.169.254');
		expect(verdict.blocked && verdict.reason).toMatch(
			/^The address 169\.254\.169\.254 is .*metadata.*169\.254\.0\.0\/16.*public addresses\.$/
		);
		expect(block('10.0.0.5')).toEqual({
			blocked: true,
			range: '10.0.0.0/8',
			reason:
				'The address 10.0.0.5 is in a private network (10.0.0.0/8); webhooks go only to public addresses.'
		});
	});
});

describe('classifyAddress: IPv6', () => {
	for (const row of IPV6) {
		it(`blocks ${row.cidr} and allows the global unicast around it`, () => {
			for (const ip of row.inside) {
				const verdict = block(ip);
				expect(verdict.blocked, ip).toBe(true);
				if (verdict.blocked) {
					if (!row.cidr.includes(' ')) expect(verdict.range, ip).toBe(row.cidr);
					else expect(verdict.range, ip).toMatch(/^[0-9a-f:]+\/\d+$/);
					expect(verdict.reason).toMatch(
						/^The address .+; webhooks go only to public addresses\.$/
					);
				}
			}
			for (const ip of row.outside) expect(block(ip), ip).toEqual({ blocked: false });
		});
	}

	it('names the range of the well-known ones', () => {
		expect(block('fc00::1')).toMatchObject({ range: 'fc00::/7' });
		expect(block('fe80::1')).toMatchObject({ range: 'fe80::/10' });
		expect(block('ff02::1')).toMatchObject({ range: 'ff00::/8' });
		expect(block('2001:db8::1')).toMatchObject({ range: '2001:db8::/32' });
		expect(block('::1')).toMatchObject({ range: '::1/128' });
		expect(block('::')).toMatchObject({ range: '::/128' });
	});

	const private4 = [
		'127.0.0.1',
		'10.0.0.1',
		'172.16.5.4',
		'192.168.1.1',
		'169.254.169.254',
		'100.64.0.1',
		'0.0.0.0',
		'224.0.0.1',
		'198.18.0.1'
	];
	const hex = (ip: string) => {
		const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
		return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
	};

	it('classifies IPv4-mapped, IPv4-compatible, 6to4 and NAT64 forms by the IPv4 address they carry', () => {
		for (const ip of private4) {
			const [hi, lo] = hex(ip);
			const forms = [
				`::ffff:${ip}`,
				`::ffff:${hi}:${lo}`,
				`64:ff9b::${ip}`,
				`64:ff9b::${hi}:${lo}`,
				`2002:${hi}:${lo}::`,
				`2002:${hi}:${lo}:1::1`
			];
			if (ip !== '0.0.0.0') forms.push(`::${ip}`, `::${hi}:${lo}`);
			for (const form of forms) {
				const verdict = block(form);
				expect(verdict.blocked, form).toBe(true);
				if (verdict.blocked) expect(verdict.reason, form).toContain(ip);
			}
		}
		for (const ip of PUBLIC_V4) {
			const [hi, lo] = hex(ip);
			for (const form of [
				`::ffff:${ip}`,
				`::ffff:${hi}:${lo}`,
				`64:ff9b::${ip}`,
				`2002:${hi}:${lo}::1`,
				`::${ip}`
			]) {
				expect(block(form), form).toEqual({ blocked: false });
			}
		}
	});

	it('says which IPv4 address a mapped form carries', () => {
		expect(block('::ffff:10.0.0.1')).toMatchObject({ blocked: true, range: '10.0.0.0/8' });
		expect(block('2002:a00:1::').blocked && block('2002:a00:1::')).toMatchObject({
			range: '2002::/16',
			reason: expect.stringContaining('10.0.0.1')
		});
	});

	it('refuses text that is no address', () => {
		for (const text of ['', 'example.com', '1.2.3.4.5', 'not an ip']) {
			expect(block(text), text).toMatchObject({ blocked: true });
		}
	});
});

describe('every encoding', () => {
	for (const [ip, encodings] of Object.entries(ENCODINGS)) {
		it(`of ${ip} reads as ${ip} and is blocked, as raw text and in a URL`, async () => {
			for (const text of encodings) {
				expect(parseIpLiteral(text), text).toBe(ip);
				expect(block(text).blocked, text).toBe(true);
				const check = await checkDestination(`http://${text}/hook`, {
					resolve: () => Promise.reject(new Error(`${text} must not be resolved`)),
					allowLoopback: false,
					requireHttps: false
				});
				expect(check.ok, text).toBe(false);
				if (!check.ok) expect(check.reason, text).toContain(ip);
			}
		});
	}

	for (const [ip, forms] of Object.entries(IPV6_FORMS)) {
		it(`of ${ip} as IPv6 is blocked, as raw text and in a URL`, async () => {
			for (const text of forms) {
				expect(block(text).blocked, text).toBe(true);
				const host = text.startsWith('[') ? text : `[${text}]`;
				const check = await checkDestination(`https://${host}:8443/`, {
					resolve: () => Promise.reject(new Error('not to be resolved')),
					allowLoopback: false,
					requireHttps: true
				});
				expect(check.ok, text).toBe(false);
				if (!check.ok) expect(check.reason, text).toContain(ip);
			}
		});
	}
});

describe('parseIpLiteral', () => {
	it('gives the canonical text: dotted IPv4, RFC 5952 IPv6', () => {
		const canonical: [string, string][] = [
			['8.8.8.8', '8.8.8.8'],
			['0x08080808', '8.8.8.8'],
			['[2001:DB8:0:0:0:0:0:1]', '2001:db8::1'],
			['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
			['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
			['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
			['0:0:0:0:0:0:0:0', '::'],
			['[::ffff:127.0.0.1]', '::ffff:7f00:1'],
			['::ffff:7F00:1', '::ffff:7f00:1'],
			['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
			['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
			['fe80::1%eth0', 'fe80::1'],
			['[fe80::1%25eth0]', 'fe80::1'],
			['FE80::A:B', 'fe80::a:b']
		];
		for (const [text, expected] of canonical) expect(parseIpLiteral(text), text).toBe(expected);
	});

	it('gives null for host names and for text no parser reads as an address', () => {
		const names = [
			'example.com',
			'localhost',
			'hooks.1e100.net',
			'0x7g.1',
			'1.2.3.4.example',
			'256.0.0.1',
			'1.2.3.4.5',
			'1.2.3.08',
			'1..2',
			'4294967296',
			'1.16777216',
			'::1::',
			'1:2:3:4:5:6:7:8:9',
			'1:2:3:4:5:6:7:8::',
			'12345::1',
			'::ffff:127.0.0.01',
			'::ffff:1.2.3',
			'[::1',
			'fe80::1%',
			''
		];
		for (const text of names) expect(parseIpLiteral(text), text).toBeNull();
	});

	it('reads what the URL parser makes of a host the same way', () => {
		for (const host of ['0x7f.1', '2130706433', '0177.0.0.1', '[::ffff:127.0.0.1]', '[0:0::1]']) {
			const hostname = new URL(`http://${host}/`).hostname;
			expect(parseIpLiteral(hostname), host).toBe(parseIpLiteral(host));
		}
	});
});

describe('checkDestination', () => {
	const dns = (records: Record<string, string[]>) => {
		const asked: string[] = [];
		const resolve = async (host: string) => {
			asked.push(host);
			const answer = records[host];
			if (!answer) throw new Error(`no record for ${host}`);
			return answer;
		};
		return { asked, resolve };
	};
	const strict = { allowLoopback: false, requireHttps: true };
	const demo = { allowLoopback: true, requireHttps: false };

	it('passes a public host and returns the addresses to connect to', async () => {
		const { asked, resolve } = dns({
			'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']
		});
		const check = await checkDestination('https://hooks.example.com/tenantry?x=1', {
			...strict,
			resolve
		});
		expect(check).toMatchObject({
			ok: true,
			addresses: ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']
		});
		if (check.ok) expect(check.url.href).toBe('https://hooks.example.com/tenantry?x=1');
		expect(asked).toEqual(['hooks.example.com']);
	});

	it('refuses a host when any of its addresses is blocked (DNS rebinding)', async () => {
		for (const bad of [
			'10.0.0.5',
			'127.0.0.1',
			'169.254.169.254',
			'::1',
			'fd00::1',
			'::ffff:192.168.0.1'
		]) {
			const { resolve } = dns({ 'hooks.example.com': ['93.184.215.14', bad, '1.1.1.1'] });
			const check = await checkDestination('https://hooks.example.com/', { ...strict, resolve });
			expect(check.ok, bad).toBe(false);
			if (!check.ok) {
				expect(check.reason).toMatch(
					/^The host hooks\.example\.com resolves to .+; webhooks go only to public addresses\.$/
				);
				expect(check.reason).toContain(parseIpLiteral(bad));
			}
		}
	});

	it('asks DNS again on every call, so a changed answer is caught', async () => {
		const records: Record<string, string[]> = { 'hooks.example.com': ['93.184.215.14'] };
		const { resolve } = dns(records);
		expect((await checkDestination('https://hooks.example.com/', { ...strict, resolve })).ok).toBe(
			true
		);
		records['hooks.example.com'] = ['192.168.1.20'];
		const second = await checkDestination('https://hooks.example.com/', { ...strict, resolve });
		expect(second).toEqual({
			ok: false,
			reason:
				'The host hooks.example.com resolves to 192.168.1.20, which is in a private network (192.168.0.0/16); webhooks go only to public addresses.'
		});
	});

	it('refuses a name that resolves to nothing, or to something that is no address', async () => {
		const { resolve } = dns({ 'empty.example.com': [], 'odd.example.com': ['not-an-ip'] });
		for (const url of ['https://missing.example.com/', 'https://empty.example.com/']) {
			const check = await checkDestination(url, { ...strict, resolve });
			expect(check.ok, url).toBe(false);
			if (!check.ok) expect(check.reason).toMatch(/has no address in DNS/);
		}
		const odd = await checkDestination('https://odd.example.com/', { ...strict, resolve });
		expect(odd.ok).toBe(false);
		if (!odd.ok) expect(odd.reason).toMatch(/not an IP address/);
	});

	it('refuses localhost names without asking DNS, unless loopback is allowed', async () => {
		const { asked, resolve } = dns({
			localhost: ['127.0.0.1', '::1'],
			'app.localhost': ['127.0.0.1']
		});
		for (const url of [
			'https://localhost/',
			'https://LOCALHOST./',
			'https://app.localhost:3000/',
			'https://printer.local/',
			'https://db.internal/'
		]) {
			const check = await checkDestination(url, { ...strict, resolve });
			expect(check.ok, url).toBe(false);
			if (!check.ok)
				expect(check.reason, url).toMatch(/^The host .+; webhooks go only to public addresses\.$/);
		}
		expect(asked).toEqual([]);
		expect(
			await checkDestination('http://localhost:3000/hook', { ...demo, resolve })
		).toMatchObject({
			ok: true,
			addresses: ['127.0.0.1', '::1']
		});
		expect(
			await checkDestination('http://app.localhost:3000/hook', { ...demo, resolve })
		).toMatchObject({ ok: true });
	});

	it('with loopback allowed, lets 127/8 and ::1 through and nothing else', async () => {
		const { resolve } = dns({
			localhost: ['127.0.0.1'],
			'evil.localhost': ['10.0.0.1'],
			'mixed.example.com': ['127.0.0.1', '10.0.0.1'],
			'loop.example.com': ['127.0.0.2']
		});
		for (const url of [
			'http://127.0.0.1:8080/',
			'http://127.9.9.9/',
			'http://[::1]:1/',
			'http://0x7f.1/',
			'http://loop.example.com/'
		]) {
			expect(await checkDestination(url, { ...demo, resolve }), url).toMatchObject({ ok: true });
		}
		// Private and link-local destinations, built from their octets: data for the check, which
		// refuses them before any connection, never an address written as a URL to dial.
		const privateHosts = [
			[10, 0, 0, 1],
			[192, 168, 1, 1],
			[172, 16, 0, 1],
			[169, 254, 169, 254],
			[100, 64, 0, 1]
		].map((octets) => octets.join('.'));
		const refused = [
			...privateHosts.map((host) => `http://${host}/`),
			'http://0.0.0.0/',
			'http://[fc00::1]/',
			'http://[fe80::1]/',
			'http://[2002:7f00:1::]/',
			'http://[64:ff9b::7f00:1]/',
			'http://evil.localhost/',
			'http://mixed.example.com/'
		];
		for (const url of refused) {
			expect((await checkDestination(url, { ...demo, resolve })).ok, url).toBe(false);
		}
		for (const url of ['http://127.0.0.1:8080/', 'http://[::1]/', 'http://loop.example.com/']) {
			const check = await checkDestination(url, { ...strict, requireHttps: false, resolve });
			expect(check.ok, url).toBe(false);
		}
	});

	it('requires https when asked to', async () => {
		const { resolve } = dns({ 'hooks.example.com': ['93.184.215.14'] });
		const http = await checkDestination('http://hooks.example.com/', { ...strict, resolve });
		expect(http).toEqual({ ok: false, reason: expect.stringMatching(/https:\/\//) });
		expect(
			(
				await checkDestination('http://hooks.example.com/', {
					...strict,
					requireHttps: false,
					resolve
				})
			).ok
		).toBe(true);
		expect(
			(await checkDestination('https://hooks.example.com:65535/', { ...strict, resolve })).ok
		).toBe(true);
	});

	it('refuses user info, other schemes, port 0 and what is no URL, each in a sentence', async () => {
		const { asked, resolve } = dns({ 'hooks.example.com': ['93.184.215.14'] });
		const refused: [string, RegExp][] = [
			['https://user@hooks.example.com/', /user name and password/],
			['https://user:secret@hooks.example.com/', /user name and password/],
			['https://:secret@hooks.example.com/', /user name and password/],
			['ftp://hooks.example.com/', /must start with https:\/\//],
			['file:///etc/passwd', /must start with https:\/\//],
			['ws://hooks.example.com/', /must start with https:\/\//],
			['javascript:alert(1)', /must start with https:\/\//],
			['https://hooks.example.com:0/', /Port 0/],
			['not a url', /is not a valid URL/],
			['https://', /is not a valid URL/],
			['https://256.1.1.1/', /is not a valid URL/],
			['https://1.2.3.08/', /is not a valid URL/]
		];
		for (const [url, reason] of refused) {
			const check = await checkDestination(url, { ...strict, resolve });
			expect(check, url).toEqual({ ok: false, reason: expect.stringMatching(reason) });
			if (!check.ok) expect(check.reason, url).toMatch(/^\S.*[.]$/);
		}
		expect(asked).toEqual([]);
	});

	it('classifies the host the URL parser normalised, never resolving an IP literal', async () => {
		const { asked, resolve } = dns({});
		for (const url of [
			'http://%31%32%37.0.0.1/',
			'http://0x7f.1/',
			'http://[::ffff:169.254.169.254]/',
			'http://0251.0376.0251.0376/'
		]) {
			const check = await checkDestination(url, { ...strict, requireHttps: false, resolve });
			expect(check.ok, url).toBe(false);
		}
		expect(asked).toEqual([]);
		expect(
			await checkDestination('https://[2606:4700:4700::1111]/', { ...strict, resolve })
		).toMatchObject({
			ok: true,
			addresses: ['2606:4700:4700::1111']
		});
		expect(
			await checkDestination('https://hooks.example.com./', {
				...strict,
				resolve: async () => ['1.1.1.1']
			})
		).toMatchObject({ ok: true });
	});
});
