import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveKey, hashToken, randomToken, resolveAuthSecret } from './secret';

const root = mkdtempSync(join(tmpdir(), 'auth-secret-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveAuthSecret', () => {
	it('uses AUTH_JWT_SECRET when set', () => {
		const secret = 'x'.repeat(40);
		expect(
			resolveAuthSecret({ AUTH_JWT_SECRET: secret, DATA_DIR: 'memory://', NODE_ENV: 'production' })
		).toBe(secret);
	});

	it('refuses to invent one in production', () => {
		expect(() =>
			resolveAuthSecret({ DATA_DIR: join(root, 'p', 'pglite'), NODE_ENV: 'production' })
		).toThrow(/required in production/);
	});

	it('generates one in development, keeps it beside DATA_DIR with mode 0600, and reuses it', () => {
		const dataDir = join(root, '.data', 'pglite');
		const first = resolveAuthSecret({ DATA_DIR: dataDir, NODE_ENV: 'development' });
		const file = join(root, '.data', 'jwt-secret');
		expect(first.length).toBeGreaterThanOrEqual(32);
		expect(readFileSync(file, 'utf8').trim()).toBe(first);
		expect(statSync(file).mode & 0o777).toBe(0o600);
		expect(resolveAuthSecret({ DATA_DIR: dataDir, NODE_ENV: 'development' })).toBe(first);
	});

	it('refuses a kept secret that is too short', () => {
		const dir = join(root, 'short');
		resolveAuthSecret({ DATA_DIR: join(dir, 'pglite'), NODE_ENV: 'development' });
		writeFileSync(join(dir, 'jwt-secret'), 'short\n');
		expect(() => resolveAuthSecret({ DATA_DIR: join(dir, 'pglite'), NODE_ENV: 'test' })).toThrow(
			/fewer than 32/
		);
	});

	it('makes one per process for an in-memory database', () => {
		const a = resolveAuthSecret({ DATA_DIR: 'memory://', NODE_ENV: 'development' });
		expect(a.length).toBeGreaterThanOrEqual(32);
		expect(resolveAuthSecret({ DATA_DIR: 'memory://', NODE_ENV: 'development' })).toBe(a);
	});
});

describe('keys and tokens', () => {
	it('derives distinct, stable keys per purpose', () => {
		const s = 'y'.repeat(40);
		expect(deriveKey(s, 'a')).toBe(deriveKey(s, 'a'));
		expect(deriveKey(s, 'a')).not.toBe(deriveKey(s, 'b'));
		expect(deriveKey(s, 'a')).not.toContain(s);
	});
	it('hashes tokens with sha256 and makes 256-bit random tokens', () => {
		expect(hashToken('abc')).toBe(
			'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
		);
		expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
	});
});
