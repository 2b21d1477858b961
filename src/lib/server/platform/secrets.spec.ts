import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret, secretsKeyText } from './secrets';

const KEY = Buffer.alloc(32, 9).toString('base64');
const config = { SECRETS_ENCRYPTION_KEY: KEY, DATA_DIR: 'memory://', NODE_ENV: 'test' as const };

describe('sealed secrets', () => {
	it('open for the row they were sealed for', async () => {
		const sealed = await sealSecret(config, 'whsec_abc', 'webhook_endpoint_secrets:1');
		expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+$/);
		expect(sealed).not.toContain('whsec_abc');
		expect(await openSecret(config, sealed, 'webhook_endpoint_secrets:1')).toBe('whsec_abc');
	});

	it('refuse another row, an altered ciphertext and another key, each in a sentence', async () => {
		const sealed = await sealSecret(config, 'whsec_abc', 'row:1');
		await expect(openSecret(config, sealed, 'row:2')).rejects.toThrow(/belongs to another row/);
		const altered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
		await expect(openSecret(config, altered, 'row:1')).rejects.toThrow(/altered/);
		const other = { ...config, SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };
		await expect(openSecret(other, sealed, 'row:1')).rejects.toThrow(/sealed with another key/);
	});

	it('derive a stable 32-byte key from the auth secret when none is set', () => {
		const derived = {
			AUTH_JWT_SECRET: 'a'.repeat(40),
			DATA_DIR: 'memory://',
			NODE_ENV: 'test' as const
		};
		expect(secretsKeyText(derived)).toBe(secretsKeyText(derived));
		expect(Buffer.from(secretsKeyText(derived), 'base64url')).toHaveLength(32);
	});
});
