/**
 * The SSRF guard under Deno, whose URL parser the dispatcher uses: `deno test _shared/ssrf_test.ts`
 * from supabase/functions. The full table is tests/integration/ssrf.test.ts (Node).
 */
import { checkDestination, classifyAddress, parseIpLiteral } from './ssrf.ts';

function assertEquals(actual: unknown, expected: unknown, what: string): void {
	if (JSON.stringify(actual) !== JSON.stringify(expected)) {
		throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
	}
}

const noDns = () => Promise.reject(new Error('an IP literal is never resolved'));

Deno.test('every encoding of loopback and metadata is refused through Deno’s URL parser', async () => {
	const hosts = ['127.1', '0x7f.1', '2130706433', '0177.0.0.1', '[::ffff:127.0.0.1]', '0xa9fea9fe'];
	for (const host of hosts) {
		const check = await checkDestination(`http://${host}/`, {
			resolve: noDns,
			allowLoopback: false,
			requireHttps: false,
		});
		assertEquals(check.ok, false, host);
	}
	assertEquals(parseIpLiteral(new URL('http://0x7f.1/').hostname), '127.0.0.1', 'URL hostname');
});

Deno.test('one private answer among public ones refuses the name; loopback only when allowed', async () => {
	const resolve = (host: string) =>
		Promise.resolve(host === 'localhost' ? ['127.0.0.1', '::1'] : ['93.184.215.14', '10.0.0.5']);
	const rebinding = await checkDestination('https://hooks.example.com/', {
		resolve,
		allowLoopback: true,
		requireHttps: true,
	});
	assertEquals(rebinding.ok, false, 'rebinding');
	const local = await checkDestination('http://localhost:3000/', {
		resolve,
		allowLoopback: true,
		requireHttps: false,
	});
	assertEquals(local.ok && local.addresses, ['127.0.0.1', '::1'], 'localhost allowed');
	assertEquals(classifyAddress('8.8.8.8'), { blocked: false }, 'public');
});
