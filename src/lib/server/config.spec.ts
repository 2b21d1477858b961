import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

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
});
