/**
 * Test certificates made at test time with the openssl CLI (nothing downloaded, nothing committed):
 * a root CA, an intermediate it signs, and leaf certificates the intermediate signs, each with its
 * own key, SAN names and validity window.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
	cert: string;
	key: string;
}

export interface CertFactory {
	root: TestCert;
	intermediate: TestCert;
	/**
	 * A leaf signed by the intermediate (or `issuer`), valid from now for `days` (openssl 3.0 cannot
	 * backdate: tests of expiry pass the validator another `now`).
	 */
	leaf(options: { names: string[]; days?: number; issuer?: TestCert }): TestCert;
	dispose(): void;
}

export function certFactory(): CertFactory {
	const dir = mkdtempSync(join(tmpdir(), 'tenantry-certs-'));
	let n = 0;
	const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
	const key = (name: string) => {
		run(
			'genpkey',
			'-algorithm',
			'EC',
			'-pkeyopt',
			'ec_paramgen_curve:P-256',
			'-out',
			`${name}.key`
		);
		return readFileSync(join(dir, `${name}.key`), 'utf8');
	};
	const sign = (
		name: string,
		subject: string,
		issuer: { name: string } | null,
		ext: string,
		days: number
	): TestCert => {
		const k = key(name);
		run('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
		writeFileSync(join(dir, `${name}.ext`), ext);
		const signer = issuer?.name ?? name;
		run(
			'x509',
			'-req',
			'-in',
			`${name}.csr`,
			...(issuer ? ['-CA', `${signer}.crt`, '-CAkey', `${signer}.key`] : ['-key', `${name}.key`]),
			'-days',
			String(days),
			'-set_serial',
			String(1000 + n++),
			'-extfile',
			`${name}.ext`,
			'-out',
			`${name}.crt`
		);
		return { cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: k };
	};
	const ca = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n';
	const root = { ...sign('root', '/CN=Tenantry Test Root', null, ca, 3650), name: 'root' };
	const intermediate = {
		...sign('intermediate', '/CN=Tenantry Test Intermediate', root, ca, 1825),
		name: 'intermediate'
	};
	const names = new Map<TestCert, string>([
		[root, 'root'],
		[intermediate, 'intermediate']
	]);
	return {
		root,
		intermediate,
		leaf({ names: dnsNames, days = 90, issuer = intermediate }) {
			const name = `leaf${n}`;
			const leaf = sign(
				name,
				`/CN=${dnsNames[0] ?? 'no-san'}`,
				{ name: names.get(issuer) ?? 'intermediate' },
				`basicConstraints=CA:FALSE\n${dnsNames.length ? `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(',')}\n` : ''}`,
				days
			);
			names.set(leaf, name);
			return leaf;
		},
		dispose: () => rmSync(dir, { recursive: true, force: true })
	};
}
