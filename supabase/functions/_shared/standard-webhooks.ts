/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `v1,<base64 HMAC-SHA256 of
 * "<msg id>.<timestamp>.<body>">`, keyed with the base64-decoded part of a `whsec_` secret.
 * During a rotation overlap one signature per live secret is sent, space-separated. WebCrypto only
 * and no imports: Deno and Node both load this file as it is.
 */

const PREFIX = 'whsec_';
const encoder = new TextEncoder();

/** The HMAC key of a `whsec_<base64>` secret; throws a sentence when it is not one. */
export function secretKey(secret: string): Uint8Array<ArrayBuffer> {
	if (!secret.startsWith(PREFIX)) {
		throw new Error('A Standard Webhooks secret starts with whsec_ followed by base64.');
	}
	let binary: string;
	try {
		binary = atob(secret.slice(PREFIX.length));
	} catch {
		throw new Error('A Standard Webhooks secret starts with whsec_ followed by base64.');
	}
	if (binary.length === 0) throw new Error('The Standard Webhooks secret is empty after whsec_.');
	return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** `v1,<base64>`: the signature of `body` sent as message `msgId` at `timestamp` (unix seconds). */
export async function sign(
	secret: string,
	msgId: string,
	timestamp: number,
	body: string,
): Promise<string> {
	const key = await crypto.subtle.importKey(
		'raw',
		secretKey(secret),
		{ name: 'HMAC', hash: 'SHA-256' },
		false,
		['sign'],
	);
	const mac = new Uint8Array(
		await crypto.subtle.sign('HMAC', key, encoder.encode(`${msgId}.${timestamp}.${body}`)),
	);
	let binary = '';
	for (const byte of mac) binary += String.fromCharCode(byte);
	return `v1,${btoa(binary)}`;
}

/** The webhook-signature header: one `v1,…` per live secret, space-separated. */
export async function signatureHeader(
	secrets: string[],
	msgId: string,
	timestamp: number,
	body: string,
): Promise<string> {
	const signatures = await Promise.all(secrets.map((s) => sign(s, msgId, timestamp, body)));
	return signatures.join(' ');
}
