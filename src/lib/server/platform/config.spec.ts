import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

/** 32 bytes in base64, as `openssl rand -base64 32` prints them. */
const KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
	it('gives the embedded profile with zero configuration', () => {
		const config = loadConfig({});
		expect(config).toMatchObject({
			DB_ENGINE: 'embedded',
			PORT: 3000,
			DATA_DIR: '.data/pglite',
			DB_SERVE: true,
			DB_SERVE_PORT: 54322,
			SUPABASE_COMPAT: 'auto'
		});
	});

	it('chooses the server engine when DATABASE_URL is set', () => {
		const config = loadConfig({ DATABASE_URL: 'postgresql://u:p@db.example.com:6543/postgres' });
		expect(config.DB_ENGINE).toBe('server');
	});

	it('reports one clear line per bad value, naming the variable and the value', () => {
		let error: unknown;
		try {
			loadConfig({
				PORT: 'eighty',
				DB_SERVE: 'maybe',
				DATABASE_URL: 'mysql://x',
				SUPABASE_COMPAT: 'yes'
			});
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ConfigError);
		const problems = (error as ConfigError).problems;
		expect(problems).toHaveLength(4);
		expect(problems).toContain('PORT: expected a port number (got "eighty")');
		expect(problems.find((p) => p.startsWith('DB_SERVE:'))).toContain('"maybe"');
		expect(problems.find((p) => p.startsWith('DATABASE_URL:'))).toContain('postgresql://');
		expect(problems.find((p) => p.startsWith('SUPABASE_COMPAT:'))).toContain(
			'"auto", "on" or "off"'
		);
	});

	it('trusts no proxy by default, and takes TRUSTED_PROXIES as addresses and CIDR blocks', () => {
		expect(loadConfig({}).TRUSTED_PROXIES).toEqual([]);
		expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, ::1' }).TRUSTED_PROXIES).toEqual([
			'10.0.0.0/8',
			'::1'
		]);
		expect(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8,proxy.internal' })).toThrow(
			/TRUSTED_PROXIES: expected comma-separated proxy addresses or CIDR blocks .* \(got "10\.0\.0\.0\/8,proxy\.internal"\)/
		);
	});

	it('requires DATABASE_URL for the server engine', () => {
		expect(() => loadConfig({ DB_ENGINE: 'server' })).toThrow(
			/DATABASE_URL: is required when DB_ENGINE=server/
		);
	});

	it('rejects ports out of range', () => {
		expect(() => loadConfig({ DB_SERVE_PORT: '70000' })).toThrow(
			/DB_SERVE_PORT: expected a port between 1 and 65535/
		);
	});

	it('defaults PUBLIC_APP_URL to localhost on PORT and leaves AUTH_JWT_SECRET to development', () => {
		expect(loadConfig({}).PUBLIC_APP_URL).toBe('http://localhost:3000');
		expect(loadConfig({ PORT: '8080' }).PUBLIC_APP_URL).toBe('http://localhost:8080');
		expect(loadConfig({ PUBLIC_APP_URL: 'https://app.example.com/' }).PUBLIC_APP_URL).toBe(
			'https://app.example.com'
		);
		expect(loadConfig({}).AUTH_JWT_SECRET).toBeUndefined();
		expect(() => loadConfig({ PUBLIC_APP_URL: 'app.example.com' })).toThrow(/PUBLIC_APP_URL/);
	});

	it('reads PUBLIC_URL, with PUBLIC_APP_URL as its earlier name, and refuses the two disagreeing', () => {
		expect(loadConfig({ PUBLIC_URL: 'https://app.example.com/' }).PUBLIC_URL).toBe(
			'https://app.example.com'
		);
		expect(loadConfig({ PUBLIC_APP_URL: 'https://old.example.com' }).PUBLIC_URL).toBe(
			'https://old.example.com'
		);
		expect(
			loadConfig({
				PUBLIC_URL: 'https://app.example.com',
				PUBLIC_APP_URL: 'https://app.example.com/'
			}).PUBLIC_APP_URL
		).toBe('https://app.example.com');
		expect(() =>
			loadConfig({ PUBLIC_URL: 'https://app.example.com', PUBLIC_APP_URL: 'https://evil.example' })
		).toThrow(/PUBLIC_APP_URL: differs from PUBLIC_URL/);
		expect(() => loadConfig({ PUBLIC_URL: 'app.example.com' })).toThrow(/PUBLIC_URL: expected/);
	});

	it('reads SECRETS_KEY as another name of SECRETS_ENCRYPTION_KEY and refuses the two disagreeing', () => {
		const a = Buffer.alloc(32, 1).toString('base64');
		const b = Buffer.alloc(32, 2).toString('base64');
		expect(loadConfig({ SECRETS_KEY: a }).SECRETS_ENCRYPTION_KEY).toBe(a);
		expect(loadConfig({ SECRETS_ENCRYPTION_KEY: a, SECRETS_KEY: a }).SECRETS_ENCRYPTION_KEY).toBe(
			a
		);
		expect(() => loadConfig({ SECRETS_ENCRYPTION_KEY: a, SECRETS_KEY: b })).toThrow(
			/SECRETS_KEY: differs from SECRETS_ENCRYPTION_KEY/
		);
		expect(() => loadConfig({ SECRETS_ENCRYPTION_KEY_PREVIOUS: 'short' })).toThrow(
			/SECRETS_ENCRYPTION_KEY_PREVIOUS: expected 32 bytes/
		);
		expect(
			loadConfig({
				NODE_ENV: 'production',
				AUTH_JWT_SECRET: 'x'.repeat(40),
				API_KEY_SECRET: 'y'.repeat(40),
				SECRETS_KEY: a,
				PUBLIC_URL: 'https://app.example.com'
			}).SECRETS_ENCRYPTION_KEY
		).toBe(a);
	});

	it('catches mail locally on the embedded profile unless SMTP_URL says where to send it', () => {
		const embedded = loadConfig({});
		expect([
			embedded.MAIL_CATCHER,
			embedded.MAIL_CATCHER_PORT,
			embedded.MAIL_CATCHER_SMTP_PORT
		]).toEqual([true, 54324, 54325]);
		expect(embedded.SMTP_URL).toBeUndefined();
		expect(embedded.EMAIL_FROM).toBe('Tenantry <no-reply@localhost>');
		const relayed = loadConfig({ SMTP_URL: 'smtps://u:p@smtp.example.com:465' });
		expect([relayed.MAIL_CATCHER, relayed.SMTP_URL]).toEqual([
			false,
			'smtps://u:p@smtp.example.com:465'
		]);
		const server = loadConfig({ DATABASE_URL: 'postgresql://u:p@db.example.com/postgres' });
		expect([server.MAIL_CATCHER, server.SMTP_URL]).toEqual([false, undefined]);
		const off = loadConfig({ MAIL_CATCHER: 'off' });
		expect([off.MAIL_CATCHER, off.SMTP_URL]).toEqual([false, undefined]);
		const both = loadConfig({ MAIL_CATCHER: 'on', SMTP_URL: 'smtp://127.0.0.1:2525' });
		expect([both.MAIL_CATCHER, both.SMTP_URL]).toEqual([true, 'smtp://127.0.0.1:2525']);
		expect(() => loadConfig({ SMTP_URL: 'http://u:secret@mail.example.com' })).toThrow(
			/SMTP_URL: expected an SMTP URL .* \(got 32 characters\)/
		);
		expect(() => loadConfig({ EMAIL_MAX_ATTEMPTS: '0' })).toThrow(/EMAIL_MAX_ATTEMPTS/);
	});

	it('requires AUTH_JWT_SECRET of 32+ characters in production, and never echoes it', () => {
		expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
			/AUTH_JWT_SECRET: is required in production/
		);
		let error: unknown;
		try {
			loadConfig({ AUTH_JWT_SECRET: 'too-short-secret' });
		} catch (e) {
			error = e;
		}
		expect((error as ConfigError).problems).toEqual([
			'AUTH_JWT_SECRET: expected at least 32 characters (openssl rand -base64 48) (got 16 characters)'
		]);
		const secret = 's'.repeat(32);
		expect(
			loadConfig({
				NODE_ENV: 'production',
				AUTH_JWT_SECRET: secret,
				API_KEY_SECRET: secret,
				SECRETS_ENCRYPTION_KEY: KEY
			}).AUTH_JWT_SECRET
		).toBe(secret);
	});

	it('requires API_KEY_SECRET of 32+ characters in production, and never echoes it', () => {
		const secret = 's'.repeat(32);
		expect(() => loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: secret })).toThrow(
			/API_KEY_SECRET: is required in production/
		);
		expect(() => loadConfig({ API_KEY_SECRET: 'short' })).toThrow(
			'API_KEY_SECRET: expected at least 32 characters (openssl rand -base64 48) (got 5 characters)'
		);
		expect(loadConfig({}).API_KEY_SECRET).toBeUndefined();
	});

	it('requires SECRETS_ENCRYPTION_KEY of 32 bytes in base64 in production, and never echoes it', () => {
		const secret = 's'.repeat(32);
		expect(() =>
			loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: secret, API_KEY_SECRET: secret })
		).toThrow(/SECRETS_ENCRYPTION_KEY: is required in production/);
		expect(() => loadConfig({ SECRETS_ENCRYPTION_KEY: 'not-a-key' })).toThrow(
			'SECRETS_ENCRYPTION_KEY: expected 32 bytes in base64 (openssl rand -base64 32) (got 9 characters)'
		);
		expect(loadConfig({ SECRETS_ENCRYPTION_KEY: KEY }).SECRETS_ENCRYPTION_KEY).toBe(KEY);
	});
});
