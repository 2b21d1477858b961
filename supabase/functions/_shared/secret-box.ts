/**
 * Secrets the product must use again (webhook signing secrets, integration tokens) are sealed
 * with AES-256-GCM before they reach the database, under a key that never does (the app's
 * SECRETS_ENCRYPTION_KEY, or one derived from its auth secret; the edge functions get the same).
 * Each sealed value is bound to the row it belongs to (`context`, e.g.
 * `webhook_endpoint_secrets:<id>`), so a ciphertext copied into another row does not open.
 *
 * Sealed form: `v1.<key id>.<iv>.<ciphertext+tag>` (base64url); the key id (8 hex characters of
 * the key's SHA-256) says which key sealed it, so a wrong key is named, not mistaken for tampering.
 *
 * Envelope encryption (docs/secrets.md): a secret version's value is sealed under a data key of its
 * own (`sealValue`, `v1.<iv>.<ciphertext+tag>`), and the data key is wrapped by the key-encryption
 * key (`wrapDataKey`: the sealed form above of the key's bytes), each bound to its row by `context`.
 * Re-wrapping a data key under a new key-encryption key leaves the value's ciphertext as it is.
 *
 * WebCrypto only and no imports: Deno and Node both load this file as it is.
 */

const VERSION = 'v1';
const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
	const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
	return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The 32-byte key from its base64 or base64url text; throws a sentence when it is not one. */
export function decodeKey(text: string): Uint8Array<ArrayBuffer> {
	let bytes: Uint8Array<ArrayBuffer>;
	try {
		bytes = fromBase64Url(text.trim());
	} catch {
		throw new Error('SECRETS_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32).');
	}
	if (bytes.length !== 32) {
		throw new Error(
			`SECRETS_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32); it holds ${bytes.length}.`,
		);
	}
	return bytes;
}

/** Which key this is (8 hex characters of its SHA-256), as sealed forms and wrapped data keys name it. */
export async function keyId(key: Uint8Array<ArrayBuffer>): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', key));
	return Array.from(digest.slice(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
}

function importKey(key: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
	return crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export async function seal(
	plaintext: string,
	key: Uint8Array<ArrayBuffer>,
	context: string,
): Promise<string> {
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const ciphertext = await crypto.subtle.encrypt(
		{ name: 'AES-GCM', iv, additionalData: encoder.encode(context) },
		await importKey(key),
		encoder.encode(plaintext),
	);
	return [VERSION, await keyId(key), toBase64Url(iv), toBase64Url(new Uint8Array(ciphertext))].join(
		'.',
	);
}

export async function open(
	sealed: string,
	key: Uint8Array<ArrayBuffer>,
	context: string,
): Promise<string> {
	const parts = sealed.split('.');
	if (parts.length !== 4 || parts[0] !== VERSION) {
		throw new Error('This is not a sealed secret (expected v1.<key id>.<iv>.<ciphertext>).');
	}
	const [, kid, iv, ciphertext] = parts as [string, string, string, string];
	if (kid !== (await keyId(key))) {
		throw new Error(
			`The secret was sealed with another key (key id ${kid}): SECRETS_ENCRYPTION_KEY differs from the one that sealed it.`,
		);
	}
	try {
		const plaintext = await crypto.subtle.decrypt(
			{ name: 'AES-GCM', iv: fromBase64Url(iv), additionalData: encoder.encode(context) },
			await importKey(key),
			fromBase64Url(ciphertext),
		);
		return new TextDecoder().decode(plaintext);
	} catch {
		throw new Error('The sealed secret does not open: it was altered or belongs to another row.');
	}
}

/**
 * Opens what `seal` sealed with whichever of `keys` sealed it (its key id says which: the current
 * key and, during a rotation, the previous one); otherwise the error names the key that sealed it.
 */
export async function openWithKeys(
	sealed: string,
	keys: readonly Uint8Array<ArrayBuffer>[],
	context: string,
): Promise<string> {
	const kid = sealed.split('.')[1];
	for (const key of keys) {
		if ((await keyId(key)) === kid) return open(sealed, key, context);
	}
	if (!keys[0]) throw new Error('No key-encryption key is configured (SECRETS_ENCRYPTION_KEY).');
	return open(sealed, keys[0], context);
}

/** A new random 256-bit data key. */
export function generateDataKey(): Uint8Array<ArrayBuffer> {
	return crypto.getRandomValues(new Uint8Array(32));
}

/** The data key sealed under the key-encryption key `kek`, bound to `context`. */
export function wrapDataKey(
	dataKey: Uint8Array<ArrayBuffer>,
	kek: Uint8Array<ArrayBuffer>,
	context: string,
): Promise<string> {
	return seal(toBase64Url(dataKey), kek, context);
}

/**
 * Opens a wrapped data key with whichever of `keks` wrapped it (its key id says which: the current
 * key and, during a rotation, the previous one); throws a sentence otherwise.
 */
export async function unwrapDataKey(
	wrapped: string,
	keks: readonly Uint8Array<ArrayBuffer>[],
	context: string,
): Promise<Uint8Array<ArrayBuffer>> {
	const kid = wrapped.split('.')[1];
	let kek = keks[0];
	for (const candidate of keks) {
		if ((await keyId(candidate)) === kid) kek = candidate;
	}
	if (!kek) throw new Error('No key-encryption key is configured (SECRETS_ENCRYPTION_KEY).');
	const dataKey = fromBase64Url(await open(wrapped, kek, context));
	if (dataKey.length !== 32) throw new Error('The wrapped data key is not a 256-bit key.');
	return dataKey;
}

/** A value sealed under a data key, bound to `context`: `v1.<iv>.<ciphertext+tag>`. */
export async function sealValue(
	plaintext: string,
	dataKey: Uint8Array<ArrayBuffer>,
	context: string,
): Promise<string> {
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const ciphertext = await crypto.subtle.encrypt(
		{ name: 'AES-GCM', iv, additionalData: encoder.encode(context) },
		await importKey(dataKey),
		encoder.encode(plaintext),
	);
	return [VERSION, toBase64Url(iv), toBase64Url(new Uint8Array(ciphertext))].join('.');
}

/** Opens what `sealValue` sealed under the same data key for the same `context`. */
export async function openValue(
	sealed: string,
	dataKey: Uint8Array<ArrayBuffer>,
	context: string,
): Promise<string> {
	const parts = sealed.split('.');
	if (parts.length !== 3 || parts[0] !== VERSION) {
		throw new Error('This is not a sealed secret value (expected v1.<iv>.<ciphertext>).');
	}
	try {
		const plaintext = await crypto.subtle.decrypt(
			{ name: 'AES-GCM', iv: fromBase64Url(parts[1]!), additionalData: encoder.encode(context) },
			await importKey(dataKey),
			fromBase64Url(parts[2]!),
		);
		return new TextDecoder().decode(plaintext);
	} catch {
		throw new Error(
			'The secret value does not open: it was altered or belongs to another row, tenant or version.',
		);
	}
}

/** What a secret version's value is bound to: its tenant, secret and version. */
export function secretValueContext(tenantId: string, secretId: string, versionId: string): string {
	return `secret_versions:${tenantId}:${secretId}:${versionId}`;
}

/** What a wrapped data key is bound to: its tenant, secret and own id. */
export function dataKeyContext(tenantId: string, secretId: string, dataKeyId: string): string {
	return `secret_data_keys:${tenantId}:${secretId}:${dataKeyId}`;
}

/** A version's sealed material as the reveal/use RPCs (and the dispatcher's claim) return it. */
export interface SealedVersion {
	tenant_id: string;
	secret_id: string;
	version_id: string;
	data_key_id: string;
	wrapped_key: string;
	ciphertext: string;
}

/** Opens a version: unwraps its data key (bound to its row) and opens the value (bound to its version). */
export async function openVersion(
	sealed: SealedVersion,
	keks: readonly Uint8Array<ArrayBuffer>[],
): Promise<string> {
	const dataKey = await unwrapDataKey(
		sealed.wrapped_key,
		keks,
		dataKeyContext(sealed.tenant_id, sealed.secret_id, sealed.data_key_id),
	);
	return openValue(
		sealed.ciphertext,
		dataKey,
		secretValueContext(sealed.tenant_id, sealed.secret_id, sealed.version_id),
	);
}
