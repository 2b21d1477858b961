/**
 * The key pair our SAML SP signs its AuthnRequests with, one per SAML provider: an RSA-2048 key
 * and a self-signed certificate for it (IdPs read only its public key; the certificate is how SAML
 * metadata carries one). Held as the provider's owned secret `sp_signing_key` (docs/secrets.md:
 * envelope-encrypted, deleted with the provider), made on first use — the first sign-in start or
 * metadata request — inside the `sso.signin` transaction. The signature itself is node-saml's
 * (saml.ts); only the certificate's DER is built here, with node:crypto signing it.
 */
import {
	createPrivateKey,
	createPublicKey,
	generateKeyPairSync,
	randomBytes,
	sign,
	X509Certificate
} from 'node:crypto';
import type { Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { createSecret, useSecret } from '../secrets/service';

export const SP_KEY_SECRET = 'sp_signing_key';

export interface SpKeyPair {
	/** PKCS#8 PEM. */
	privateKey: string;
	/** The self-signed X.509 certificate, PEM. */
	certificate: string;
}

// DER, just what a certificate needs.
function der(tag: number, body: Buffer): Buffer {
	const n = body.length;
	const length =
		n < 0x80
			? Buffer.from([n])
			: n < 0x100
				? Buffer.from([0x81, n])
				: n < 0x10000
					? Buffer.from([0x82, n >> 8, n & 0xff])
					: Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
	return Buffer.concat([Buffer.from([tag]), length, body]);
}
const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const oid = (dotted: string) => {
	const [a, b, ...rest] = dotted.split('.').map(Number);
	const bytes = [a! * 40 + b!];
	for (const v of rest) {
		const chunk = [v & 0x7f];
		for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
		bytes.push(...chunk);
	}
	return der(0x06, Buffer.from(bytes));
};
const generalizedTime = (d: Date) =>
	der(
		0x18,
		Buffer.from(
			d
				.toISOString()
				.replace(/[-:T]/g, '')
				.replace(/\.\d+Z$/, 'Z')
		)
	);
const name = (cn: string) =>
	seq(der(0x31, seq(oid('2.5.4.3'), der(0x0c, Buffer.from(cn, 'utf8')))));
const SHA256_RSA = seq(oid('1.2.840.113549.1.1.11'), der(0x05, Buffer.alloc(0)));

/** A new RSA key and a self-signed certificate for it, valid for ten years. */
export function makeSpKeyPair(commonName: string, now = new Date()): SpKeyPair {
	const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const serial = randomBytes(16);
	serial[0]! &= 0x7f;
	const until = new Date(now.getTime());
	until.setUTCFullYear(until.getUTCFullYear() + 10);
	const tbs = seq(
		der(0xa0, der(0x02, Buffer.from([2]))),
		der(0x02, serial),
		SHA256_RSA,
		name(commonName),
		seq(generalizedTime(now), generalizedTime(until)),
		name(commonName),
		publicKey.export({ type: 'spki', format: 'der' })
	);
	const signature = sign('sha256', tbs, privateKey);
	const cert = seq(tbs, SHA256_RSA, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
	const body = cert.toString('base64').replace(/.{1,64}/g, '$&\n');
	return {
		privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
		certificate: `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`
	};
}

function parsePair(value: string): SpKeyPair {
	const pair = JSON.parse(value) as SpKeyPair;
	const cert = new X509Certificate(pair.certificate);
	if (!cert.checkPrivateKey(createPrivateKey(pair.privateKey)))
		throw new Error('The SP signing key does not match its certificate.');
	createPublicKey(pair.certificate);
	return pair;
}

/** The provider's SP key pair, made and stored (encrypted) the first time it is asked for. */
export async function spKeyPair(
	trx: Transaction<DB>,
	config: Parameters<typeof useSecret>[1],
	provider: { id: string; tenant_id: string },
	entityId: string
): Promise<SpKeyPair> {
	const found = await trx
		.selectFrom('secrets')
		.select('id')
		.where('tenant_id', '=', provider.tenant_id)
		.where('owner_type', '=', 'sso_provider')
		.where('owner_id', '=', provider.id)
		.where('name', '=', SP_KEY_SECRET)
		.executeTakeFirst();
	if (found) {
		return parsePair(
			await useSecret(trx, config, { tenantId: provider.tenant_id, secretId: found.id })
		);
	}
	const pair = makeSpKeyPair(entityId.slice(0, 64));
	await createSecret(trx, config, {
		tenantId: provider.tenant_id,
		name: SP_KEY_SECRET,
		format: 'json',
		value: JSON.stringify(pair),
		owner: { type: 'sso_provider', id: provider.id },
		description: 'The key our SAML service provider signs its AuthnRequests with'
	});
	return pair;
}
