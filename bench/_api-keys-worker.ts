/**
 * One "app process" of bench/api-keys.ts's rate-limit proof: its own connection pool to the
 * Postgres database named by argv[2], `clients` concurrent clients each sending `attempts`
 * requests of the key argv[3] through the limiter. Prints {"allowed":n,"refused":m}.
 */
import { hitRateLimit } from '../src/lib/server/api-keys/rate-limit';
import { openServer } from '../src/lib/server/platform/server';

const [url, keyId, clients, attempts] = process.argv.slice(2);
const server = openServer(url!, Number(clients));
let allowed = 0;
let refused = 0;
await Promise.all(
	Array.from({ length: Number(clients) }, async () => {
		for (let i = 0; i < Number(attempts); i++) {
			if ((await hitRateLimit(server.db, keyId!, null)).allowed) allowed++;
			else refused++;
		}
	})
);
await server.close();
console.log(JSON.stringify({ allowed, refused }));
