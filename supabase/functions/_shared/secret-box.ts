/**
 * Secrets the product must use again (webhook signing secrets, integration tokens) are sealed
 * with AES-256-GCM before they reach the database, under a key that never does (the app's
 * SECRETS_ENCRYPTION_KEY, or one derived from its auth secret; the edge functions get the same).
 * Each sealed value is bound to the row it belongs to (`context`, e.g.
 * `webhook_endpoint_secrets:<id>`), so a ciphertext copied into another row does not open.
 *
 * Sealed form: `v1.<key id>.<iv>.<ciphertext+tag>` (base64url); the key id (8 hex characters of
 * the key's SHA-256) says which key sealed it, so a wrong key is named, not mistaken for tampering.
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

async function keyId(key: Uint8Array<ArrayBuffer>): Promise<string> {
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
