/**
 * TOTP (RFC 6238) over HOTP (RFC 4226): HMAC-SHA-1, 30-second steps, 6 digits, with base32 secrets
 * (RFC 4648) as authenticator apps expect them in otpauth:// URIs.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
	let bits = 0;
	let value = 0;
	let out = '';
	for (const byte of bytes) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += ALPHABET[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
	return out;
}

export function base32Decode(text: string): Buffer {
	const clean = text.replace(/[\s=-]/g, '').toUpperCase();
	let bits = 0;
	let value = 0;
	const out: number[] = [];
	for (const char of clean) {
		const index = ALPHABET.indexOf(char);
		if (index < 0) throw new Error(`"${char}" is not a base32 character`);
		value = (value << 5) | index;
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 255);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

/** A new secret: 20 random bytes (160 bits, the HMAC-SHA-1 block RFC 4226 recommends), base32. */
export function generateTotpSecret(): string {
	return base32Encode(randomBytes(20));
}

/** HOTP value of `counter` (RFC 4226 §5.3, dynamic truncation). */
export function hotp(key: Buffer, counter: number, digits = TOTP_DIGITS): string {
	const message = Buffer.alloc(8);
	message.writeBigUInt64BE(BigInt(counter));
	const hash = createHmac('sha1', key).update(message).digest();
	const offset = hash[hash.length - 1]! & 0x0f;
	const binary = (hash.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
	return binary.toString().padStart(digits, '0');
}

/** The time step of a moment (Unix seconds / 30). */
export function totpStep(atMs: number): number {
	return Math.floor(atMs / 1000 / TOTP_PERIOD_SECONDS);
}

export function totpCode(secret: string, atMs: number = Date.now()): string {
	return hotp(base32Decode(secret), totpStep(atMs));
}

/**
 * The step whose code `code` is, within ±`window` steps of `atMs`, or null. The caller records
 * the step and refuses any step not after it, so a code is never accepted twice.
 */
export function matchTotp(secret: string, code: string, atMs: number, window = 1): number | null {
	if (!/^\d{6}$/.test(code)) return null;
	const key = base32Decode(secret);
	const now = totpStep(atMs);
	let matched: number | null = null;
	// Every candidate is computed and compared in constant time, whichever matches.
	for (let step = now - window; step <= now + window; step++) {
		if (timingSafeEqual(Buffer.from(hotp(key, step)), Buffer.from(code))) matched ??= step;
	}
	return matched;
}

/** The otpauth:// URI that authenticator apps read from a QR code. */
export function otpauthUri(secret: string, account: string, issuer: string): string {
	const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
	const params = new URLSearchParams({
		secret,
		issuer,
		algorithm: 'SHA1',
		digits: String(TOTP_DIGITS),
		period: String(TOTP_PERIOD_SECONDS)
	});
	return `otpauth://totp/${label}?${params}`;
}
