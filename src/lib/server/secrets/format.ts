/**
 * The four formats of a secret's value and what is derived from one when it is written (the
 * version's metadata, stored beside the ciphertext and shown on the page): json is parsed, pem is
 * parsed with node:crypto (a certificate's subject, issuer and validity, a key's type), jwt is
 * decoded (header and claims, its expiry) — its signature is not checked: there is no key to check
 * it with. A value that does not parse is refused with a sentence; nothing of the value itself goes
 * into the metadata.
 */
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { SECRET_FORMATS, MAX_VALUE_BYTES, type SecretFormat } from '../../secrets/options';

export { SECRET_FORMATS, type SecretFormat };

export interface SecretMetadata {
	/** json: the top-level type; pem: certificate, private_key, encrypted_private_key or public_key. */
	kind?: string;
	/** pem keys: rsa, ec, ed25519 …; jwt: the header's alg. */
	algorithm?: string;
	subject?: string;
	issuer?: string;
	/** jwt: aud as given. */
	audience?: string;
	/** ISO 8601: a certificate's notBefore, a JWT's nbf. */
	not_before?: string;
	/** ISO 8601: a JWT's iat. */
	issued_at?: string;
	/** ISO 8601: a certificate's notAfter, a JWT's exp. */
	expires_at?: string;
	/** A certificate's SHA-256 fingerprint. */
	fingerprint?: string;
}

/** A value that is not what its format says, in a sentence for the value field. */
export class SecretFormatError extends Error {}

const iso = (seconds: unknown): string | undefined =>
	typeof seconds === 'number' && Number.isFinite(seconds)
		? new Date(seconds * 1000).toISOString()
		: undefined;

const text = (value: unknown): string | undefined =>
	typeof value === 'string'
		? value.slice(0, 200)
		: Array.isArray(value)
			? value
					.filter((v) => typeof v === 'string')
					.join(', ')
					.slice(0, 200) || undefined
			: undefined;

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
	let parsed: unknown;
	try {
		parsed = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
	} catch {
		throw new SecretFormatError(`This is not a JWT: its ${what} is not base64url-encoded JSON.`);
	}
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new SecretFormatError(`This is not a JWT: its ${what} is not a JSON object.`);
	}
	return parsed as Record<string, unknown>;
}

function jwtMetadata(value: string): SecretMetadata {
	const parts = value.trim().split('.');
	if (parts.length !== 3 || parts.slice(0, 2).some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) {
		throw new SecretFormatError(
			'This is not a JWT: expected three base64url parts, header.payload.signature.'
		);
	}
	const header = decodeJsonPart(parts[0]!, 'header');
	const claims = decodeJsonPart(parts[1]!, 'payload');
	if (typeof header.alg !== 'string') {
		throw new SecretFormatError('This is not a JWT: its header names no algorithm (alg).');
	}
	return clean({
		algorithm: header.alg.slice(0, 40),
		issuer: text(claims.iss),
		subject: text(claims.sub),
		audience: text(claims.aud),
		issued_at: iso(claims.iat),
		not_before: iso(claims.nbf),
		expires_at: iso(claims.exp)
	});
}

function pemMetadata(value: string): SecretMetadata {
	const block = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(value)?.[1];
	if (!block || !value.includes(`-----END ${block}-----`)) {
		throw new SecretFormatError(
			'This is not PEM: expected a -----BEGIN …----- / -----END …----- block.'
		);
	}
	try {
		if (block === 'CERTIFICATE') {
			const certificate = new X509Certificate(value);
			return clean({
				kind: 'certificate',
				subject: certificate.subject.replaceAll('\n', ', ').slice(0, 200),
				issuer: certificate.issuer.replaceAll('\n', ', ').slice(0, 200),
				not_before: new Date(certificate.validFrom).toISOString(),
				expires_at: new Date(certificate.validTo).toISOString(),
				fingerprint: certificate.fingerprint256,
				algorithm: certificate.publicKey.asymmetricKeyType
			});
		}
		if (block.includes('PUBLIC KEY')) {
			return clean({ kind: 'public_key', algorithm: createPublicKey(value).asymmetricKeyType });
		}
		if (block.includes('PRIVATE KEY')) {
			return clean({ kind: 'private_key', algorithm: createPrivateKey(value).asymmetricKeyType });
		}
	} catch (error) {
		if ((error as { code?: string }).code === 'ERR_MISSING_PASSPHRASE') {
			return { kind: 'encrypted_private_key' };
		}
		throw new SecretFormatError(
			`This PEM ${block.toLowerCase()} does not parse: ${(error as Error).message}.`
		);
	}
	throw new SecretFormatError(
		`PEM blocks of type ${block} are not supported: use a certificate, a private key or a public key.`
	);
}

function clean(metadata: SecretMetadata): SecretMetadata {
	return Object.fromEntries(
		Object.entries(metadata).filter(([, v]) => v !== undefined && v !== '')
	) as SecretMetadata;
}

/**
 * Checks a value against its format and returns what the version records about it; throws a
 * SecretFormatError sentence otherwise.
 */
export function secretMetadata(format: SecretFormat, value: string): SecretMetadata {
	if (value.length === 0) throw new SecretFormatError('Give the value.');
	if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) {
		throw new SecretFormatError('A secret value is at most 64 KB.');
	}
	switch (format) {
		case 'opaque':
			return {};
		case 'json': {
			let parsed: unknown;
			try {
				parsed = JSON.parse(value);
			} catch (error) {
				throw new SecretFormatError(`This is not valid JSON: ${(error as Error).message}.`);
			}
			return { kind: Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed };
		}
		case 'pem':
			return pemMetadata(value);
		case 'jwt':
			return jwtMetadata(value);
	}
}
