/**
 * The API key format, made for secret scanners as GitHub's and Stripe's are:
 *
 *   tnt_live_ <32 random base62 characters> <6-character base62 CRC32>
 *   tnt_test_ …
 *
 * 32 base62 characters are 190 bits of randomness. The checksum is the CRC32 of everything
 * before it, so a scanner (or this verifier, before any lookup) tells a real key from a typo or
 * noise offline. The prefix `tnt_<mode>_` plus the first 8 body characters is shown and is the
 * lookup handle; the last four are shown too. Only HMAC-SHA256(secret, key) is stored.
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export type ApiKeyMode = 'live' | 'test';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
/** The whole key: `tnt_live_` (9) + body (32) + checksum (6). */
export const API_KEY_PATTERN = /^tnt_(live|test)_[0-9A-Za-z]{38}$/;

function base62(value: number, width: number): string {
	let out = '';
	for (let rest = value; rest > 0; rest = Math.floor(rest / 62)) out = ALPHABET[rest % 62] + out;
	return out.padStart(width, '0');
}

function checksum(head: string): string {
	return base62(crc32(head), CHECKSUM_LENGTH);
}

/** A new random key of the given mode (rejection sampling keeps the characters uniform). */
export function generateApiKey(mode: ApiKeyMode): string {
	let body = '';
	while (body.length < BODY_LENGTH) {
		for (const byte of randomBytes(48)) {
			if (byte < 248 && body.length < BODY_LENGTH) body += ALPHABET[byte % 62];
		}
	}
	const head = `tnt_${mode}_${body}`;
	return head + checksum(head);
}

export interface ParsedApiKey {
	mode: ApiKeyMode;
	/** `tnt_<mode>_` + the first 8 body characters: what is shown, and the lookup handle. */
	prefix: string;
	lastFour: string;
}

/** The key's parts when it has the format and a valid checksum; null for anything else. */
export function parseApiKey(raw: string): ParsedApiKey | null {
	if (!API_KEY_PATTERN.test(raw)) return null;
	const head = raw.slice(0, -CHECKSUM_LENGTH);
	if (checksum(head) !== raw.slice(-CHECKSUM_LENGTH)) return null;
	return {
		mode: raw.slice(4, 8) as ApiKeyMode,
		prefix: raw.slice(0, 17),
		lastFour: raw.slice(-4)
	};
}

/** How a key is shown after creation: `tnt_live_AbCd1234…wxyz`. */
export function maskApiKey(prefix: string, lastFour: string): string {
	return `${prefix}…${lastFour}`;
}
