/**
 * npm run secrets:rotate-key — re-wraps every secret's data key under a new key-encryption key
 * (docs/secrets.md#rotating-the-key). Set the new key as SECRETS_ENCRYPTION_KEY and the old one as
 * SECRETS_ENCRYPTION_KEY_PREVIOUS (the app opens both meanwhile), run this, then drop
 * SECRETS_ENCRYPTION_KEY_PREVIOUS. Safe to stop and run again; a second run re-wraps nothing.
 * Exits 1 when some data key did not open under the previous key.
 */
import { ConfigError, loadConfig } from '../src/lib/server/platform/config';
import { openEngine } from '../src/lib/server/platform/db';
import { rotateKeyEncryptionKey } from '../src/lib/server/secrets/rotate';

const log = (line: string) => console.log(`[secrets] ${line}`);

async function main() {
	const config = loadConfig();
	const engine = await openEngine(config);
	try {
		const result = await rotateKeyEncryptionKey(engine.db, config, { log });
		log(
			`key ${result.from} → ${result.to}: ${result.rewrapped} data keys re-wrapped, ` +
				`${result.remaining} still under ${result.from}`
		);
		for (const failure of result.failed)
			log(`data key ${failure.id} did not open: ${failure.error}`);
		if (result.failed.length > 0) process.exitCode = 1;
		else if (result.remaining === 0)
			log('done: SECRETS_ENCRYPTION_KEY_PREVIOUS may now be removed.');
	} finally {
		await engine.close();
	}
}

main().catch((error: unknown) => {
	console.error(
		error instanceof ConfigError ? error.message : `[secrets] ${(error as Error).message}`
	);
	process.exit(1);
});
