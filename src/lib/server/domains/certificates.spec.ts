import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certFactory, type CertFactory } from '../../../../tests/support/certificates';
import { nameCovers, validateCertificate } from './certificates';

describe('RFC 6125 name matching', () => {
	it.each([
		['portal.acme.com', 'portal.acme.com', true],
		['PORTAL.acme.com', 'portal.ACME.com.', true],
		['*.acme.com', 'portal.acme.com', true],
		['*.acme.com', 'acme.com', false],
		['*.acme.com', 'a.portal.acme.com', false],
		['*.com', 'acme.com', false],
		['p*.acme.com', 'portal.acme.com', false],
		['*.*.acme.com', 'a.b.acme.com', false],
		['portal.acme.com', 'www.acme.com', false]
	])('%s covers %s: %s', (pattern, host, covers) => {
		expect(nameCovers(pattern, host)).toBe(covers);
	});
});

describe('certificate validation (certificates made by openssl at test time)', () => {
	let certs: CertFactory;
	beforeAll(() => {
		certs = certFactory();
	});
	afterAll(() => certs.dispose());

	const chainOf = (...pems: string[]) => pems.join('\n');

	it('accepts a leaf, its intermediate and the root, with the leaf’s key', () => {
		const leaf = certs.leaf({ names: ['portal.acme.test', 'www.acme.test'] });
		const result = validateCertificate({
			chainPem: chainOf(leaf.cert, certs.intermediate.cert, certs.root.cert),
			keyPem: leaf.key,
			domain: 'portal.acme.test'
		});
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.certificate.names).toEqual(['portal.acme.test', 'www.acme.test']);
		expect(result.certificate.fingerprintSha256).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
		expect(result.certificate.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
		expect(result.certificate.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
	});

	it('accepts a wildcard over the domain’s parent', () => {
		const leaf = certs.leaf({ names: ['*.acme.test'] });
		const result = validateCertificate({
			chainPem: chainOf(leaf.cert, certs.intermediate.cert),
			keyPem: leaf.key,
			domain: 'portal.acme.test'
		});
		expect(result).toMatchObject({ ok: true });
	});

	it('refuses a chain out of order and says how to order it', () => {
		const leaf = certs.leaf({ names: ['portal.acme.test'] });
		const result = validateCertificate({
			chainPem: chainOf(leaf.cert, certs.root.cert, certs.intermediate.cert),
			keyPem: leaf.key,
			domain: 'portal.acme.test'
		});
		const problems = [
			'Certificate 1 (portal.acme.test) is not signed by certificate 2 (Tenantry Test Root): put the domain’s certificate first, then each issuer in order.',
			'Certificate 2 (Tenantry Test Root) is not signed by certificate 3 (Tenantry Test Intermediate): put the domain’s certificate first, then each issuer in order.'
		];
		expect(result).toEqual({ ok: false, problems, errors: { chain: problems } });
	});

	it('refuses a key that is not the leaf’s', () => {
		const leaf = certs.leaf({ names: ['portal.acme.test'] });
		const other = certs.leaf({ names: ['portal.acme.test'] });
		const result = validateCertificate({
			chainPem: leaf.cert,
			keyPem: other.key,
			domain: 'portal.acme.test'
		});
		const problems = [
			'The private key does not belong to certificate 1 (portal.acme.test): upload the key its request was made with.'
		];
		expect(result).toEqual({ ok: false, problems, errors: { privateKey: problems } });
	});

	it('refuses names that do not cover the domain, wildcards per RFC 6125 included', () => {
		const leaf = certs.leaf({ names: ['*.acme.test'] });
		const result = validateCertificate({
			chainPem: leaf.cert,
			keyPem: leaf.key,
			domain: 'a.portal.acme.test'
		});
		const problems = [
			'The certificate is for *.acme.test, not a.portal.acme.test: upload one whose names include a.portal.acme.test (or a wildcard over its parent).'
		];
		expect(result).toEqual({ ok: false, problems, errors: { chain: problems } });
	});

	it('refuses a certificate with no DNS names', () => {
		const leaf = certs.leaf({ names: [] });
		const result = validateCertificate({ chainPem: leaf.cert, keyPem: leaf.key, domain: 'x.test' });
		expect(result.ok ? [] : result.problems).toEqual([
			'Certificate 1 (no-san) names no DNS host (subjectAltName): request one with x.test as a DNS name.'
		]);
	});

	it('refuses an expired certificate and one not valid yet, with the dates', () => {
		const leaf = certs.leaf({ names: ['portal.acme.test'], days: 10 });
		const chain = chainOf(leaf.cert, certs.intermediate.cert);
		const later = validateCertificate({
			chainPem: chain,
			keyPem: leaf.key,
			domain: 'portal.acme.test',
			now: new Date(Date.now() + 11 * 86_400_000)
		});
		const end = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
		expect(later.ok ? [] : later.problems).toEqual([
			`The certificate expired on ${end}: renew it and upload the new one.`
		]);
		const earlier = validateCertificate({
			chainPem: chain,
			keyPem: leaf.key,
			domain: 'portal.acme.test',
			now: new Date(Date.now() - 86_400_000)
		});
		expect(earlier.ok ? [] : earlier.problems).toHaveLength(2);
		expect(earlier.ok ? '' : earlier.problems[0]).toMatch(
			/^The certificate is not valid before \d{4}-\d\d-\d\d: upload it then, or one valid now\.$/
		);
	});

	it('refuses text that is no PEM, and an encrypted key, each with what to do', () => {
		const notPem = [
			'Paste the certificate chain as PEM: blocks starting with -----BEGIN CERTIFICATE-----, the domain’s certificate first.'
		];
		expect(validateCertificate({ chainPem: 'hello', keyPem: 'x', domain: 'a.test' })).toEqual({
			ok: false,
			problems: notPem,
			errors: { chain: notPem }
		});
		const leaf = certs.leaf({ names: ['a.test'] });
		const encrypted = validateCertificate({
			chainPem: leaf.cert,
			keyPem: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nabc\n-----END ENCRYPTED PRIVATE KEY-----',
			domain: 'a.test'
		});
		expect(encrypted.ok ? {} : encrypted.errors).toEqual({
			privateKey: [
				'The private key is encrypted: upload it without a passphrase (openssl pkey -in key.pem -out plain.pem).'
			]
		});
		const truncated = validateCertificate({
			chainPem: leaf.cert,
			keyPem: leaf.key.slice(0, 60) + '\n-----END PRIVATE KEY-----',
			domain: 'a.test'
		});
		expect(truncated.ok ? {} : truncated.errors).toEqual({
			privateKey: ['The private key could not be read: paste the whole PEM block, unchanged.']
		});
	});
});
