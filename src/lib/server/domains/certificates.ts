/**
 * TLS certificates a tenant uploads for a custom domain (public.certificates): the PEM chain is
 * validated here with node:crypto before anything is stored — every certificate parses, the chain
 * is in order (each one issued and signed by the next), the private key belongs to the leaf, the
 * leaf's names cover the domain (RFC 6125: exact, or a wildcard standing for exactly the left-most
 * label), and every certificate is valid now. Each refusal is a sentence saying what to fix. The
 * key becomes a secret owned by the certificate (secrets module: sealed, never readable back).
 */
import { createPrivateKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { createSecret, type SecretsConfig } from '../secrets/service';

export interface CertificateInfo {
	fingerprintSha256: string;
	subject: string;
	issuer: string;
	names: string[];
	notBefore: Date;
	notAfter: Date;
	/** The chain as stored: each certificate in PEM, leaf first. */
	chainPem: string;
	/** The key as stored in the secret (PKCS#8 PEM). */
	keyPem: string;
}

/** The upload form's fields a problem belongs to: the key's own problems go under the key. */
export type CertificateField = 'chain' | 'privateKey';

export type CertificateValidation =
	| { ok: true; certificate: CertificateInfo }
	| {
			ok: false;
			/** Every problem, in the order found. */
			problems: string[];
			/** The same sentences by the field that has to change. */
			errors: Partial<Record<CertificateField, string[]>>;
	  };

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The DNS names of a certificate's subjectAltName (lower case). */
export function certificateNames(cert: X509Certificate): string[] {
	return (cert.subjectAltName ?? '')
		.split(/,\s*/)
		.filter((entry) => entry.startsWith('DNS:'))
		.map((entry) => entry.slice(4).toLowerCase());
}

/**
 * Whether a certificate name covers a host (RFC 6125 §6.4): the same name, or `*.<rest>` where the
 * wildcard is the whole left-most label and stands for exactly one label; never a wildcard over a
 * single label (`*.com`), and never a partial label (`w*.example.com`).
 */
export function nameCovers(pattern: string, host: string): boolean {
	const p = pattern.toLowerCase().replace(/\.$/, '');
	const h = host.toLowerCase().replace(/\.$/, '');
	if (!p.includes('*')) return p === h;
	const [first, ...rest] = p.split('.');
	if (first !== '*' || rest.length < 2 || rest.some((label) => label.includes('*'))) return false;
	const hostLabels = h.split('.');
	return hostLabels.length === rest.length + 1 && hostLabels.slice(1).join('.') === rest.join('.');
}

/** `certificate 2 (Example CA)`; `Certificate 2 …` to start a sentence. */
function label(cert: X509Certificate, index: number, start = false): string {
	const cn = /CN=([^\n]+)/.exec(cert.subject)?.[1];
	return `${start ? 'C' : 'c'}ertificate ${index + 1}${cn ? ` (${cn})` : ''}`;
}

/** The validity window (Node 20 has validFrom/validTo strings, not the Date getters of 22). */
function windowOf(cert: X509Certificate): { from: Date; to: Date } {
	return { from: new Date(cert.validFrom), to: new Date(cert.validTo) };
}

function day(date: Date): string {
	return date.toISOString().slice(0, 10);
}

function readKey(keyPem: string): KeyObject | string {
	if (!/-----BEGIN (RSA |EC |)PRIVATE KEY-----/.test(keyPem)) {
		return keyPem.includes('ENCRYPTED PRIVATE KEY')
			? 'The private key is encrypted: upload it without a passphrase (openssl pkey -in key.pem -out plain.pem).'
			: 'Paste the private key as PEM, starting with -----BEGIN PRIVATE KEY-----.';
	}
	try {
		return createPrivateKey(keyPem);
	} catch {
		return 'The private key could not be read: paste the whole PEM block, unchanged.';
	}
}

/** Validates a chain and key for a domain at a moment; the stored form or the problems. */
export function validateCertificate(input: {
	chainPem: string;
	keyPem: string;
	domain: string;
	now?: Date;
}): CertificateValidation {
	const now = input.now ?? new Date();
	const problems: string[] = [];
	const errors: Partial<Record<CertificateField, string[]>> = {};
	const refuse = (field: CertificateField, problem: string) => {
		problems.push(problem);
		(errors[field] ??= []).push(problem);
	};
	const refused = (): CertificateValidation => ({ ok: false, problems, errors });
	const blocks = input.chainPem.match(PEM_BLOCK) ?? [];
	if (!blocks.length) {
		refuse(
			'chain',
			'Paste the certificate chain as PEM: blocks starting with -----BEGIN CERTIFICATE-----, the domain’s certificate first.'
		);
		return refused();
	}
	const chain: X509Certificate[] = [];
	for (const [i, block] of blocks.entries()) {
		try {
			chain.push(new X509Certificate(block));
		} catch {
			refuse('chain', `Certificate ${i + 1} of the chain could not be read: paste it unchanged.`);
			return refused();
		}
	}
	const key = readKey(input.keyPem);
	const leaf = chain[0]!;
	if (typeof key === 'string') refuse('privateKey', key);
	else if (!leaf.checkPrivateKey(key)) {
		refuse(
			'privateKey',
			`The private key does not belong to ${label(leaf, 0)}: upload the key its request was made with.`
		);
	}
	for (let i = 0; i + 1 < chain.length; i++) {
		const [cert, issuer] = [chain[i]!, chain[i + 1]!];
		if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) {
			refuse(
				'chain',
				`${label(cert, i, true)} is not signed by ${label(issuer, i + 1)}: put the domain’s certificate first, then each issuer in order.`
			);
		}
	}
	const names = certificateNames(leaf);
	if (!names.length) {
		refuse(
			'chain',
			`${label(leaf, 0, true)} names no DNS host (subjectAltName): request one with ${input.domain} as a DNS name.`
		);
	} else if (!names.some((name) => nameCovers(name, input.domain))) {
		refuse(
			'chain',
			`The certificate is for ${names.join(', ')}, not ${input.domain}: upload one whose names include ${input.domain} (or a wildcard over its parent).`
		);
	}
	for (const [i, cert] of chain.entries()) {
		const what = i === 0 ? 'The certificate' : label(cert, i, true);
		const { from, to } = windowOf(cert);
		if (to <= now) {
			refuse('chain', `${what} expired on ${day(to)}: renew it and upload the new one.`);
		} else if (from > now) {
			refuse(
				'chain',
				`${what} is not valid before ${day(from)}: upload it then, or one valid now.`
			);
		}
	}
	if (problems.length || typeof key === 'string') return refused();
	return {
		ok: true,
		certificate: {
			fingerprintSha256: leaf.fingerprint256,
			subject: leaf.subject,
			issuer: leaf.issuer,
			names,
			notBefore: windowOf(leaf).from,
			notAfter: windowOf(leaf).to,
			chainPem: chain.map((c) => c.toString().trim()).join('\n') + '\n',
			keyPem: key.export({ format: 'pem', type: 'pkcs8' }).toString()
		}
	};
}

/** Stores a validated certificate under the caller's claims: its key as an owned secret, then the row. */
export async function storeCertificate(
	trx: Transaction<DB>,
	config: SecretsConfig,
	input: { tenantId: string; domainId: string; certificate: CertificateInfo }
): Promise<string> {
	const id = randomUUID();
	const { certificate: c } = input;
	const { secretId } = await createSecret(trx, config, {
		tenantId: input.tenantId,
		name: 'private_key',
		format: 'pem',
		value: c.keyPem,
		description: `The private key of the certificate for ${c.names.join(', ')}`.slice(0, 500),
		owner: { type: 'certificate', id }
	});
	await trx
		.insertInto('certificates')
		.values({
			id,
			tenant_id: input.tenantId,
			domain_id: input.domainId,
			chain_pem: c.chainPem,
			key_secret_id: secretId,
			fingerprint_sha256: c.fingerprintSha256,
			subject: c.subject.slice(0, 1000),
			issuer: c.issuer.slice(0, 1000),
			names: c.names,
			not_before: c.notBefore,
			not_after: c.notAfter
		})
		.execute();
	return id;
}

export interface StoredCertificate {
	id: string;
	domainId: string;
	names: string[];
	issuer: string;
	fingerprintSha256: string;
	notBefore: Date;
	notAfter: Date;
	createdAt: Date;
}

export function listCertificates(
	trx: Transaction<DB>,
	tenantId: string
): Promise<StoredCertificate[]> {
	return trx
		.selectFrom('certificates')
		.select([
			'id',
			'domain_id as domainId',
			'names',
			'issuer',
			'fingerprint_sha256 as fingerprintSha256',
			'not_before as notBefore',
			'not_after as notAfter',
			'created_at as createdAt'
		])
		.where('tenant_id', '=', tenantId)
		.orderBy('not_after', 'desc')
		.execute();
}

/** Deletes a certificate (its key secret goes with it, in SQL); false when there was none. */
export async function removeCertificate(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<boolean> {
	const result = await trx
		.deleteFrom('certificates')
		.where('tenant_id', '=', tenantId)
		.where('id', '=', id)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}

/** The daily expiry pass (the domains.certificates job): the notices it sent. */
export async function sendCertificateNotices(trx: Transaction<DB>): Promise<number> {
	const { rows } = await sql<{
		sent: number;
	}>`select private.send_certificate_notices() as sent`.execute(trx);
	return rows[0]!.sent;
}
