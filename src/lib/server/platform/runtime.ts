/**
 * The server's view of the process runtime: started once — by the SvelteKit init hook (`npm start`,
 * where importing the build runs it, or `node build`), or by `npm run dev` before Vite — and shared
 * from then on through a process global, so every copy of this module (the build's, Vite's, the
 * scripts') finds the same database.
 */
import { createAuthProvider, type AuthProvider } from '../auth';
import { loadConfig } from './config';
import { bootstrap, getRuntime, setRuntime, type Runtime } from './db';

const log = (line: string) => console.log(`[tenantry] ${line}`);

export function ensureRuntime(): Promise<Runtime> {
	return getRuntime() ?? setRuntime(bootstrap(loadConfig(), log));
}

let auth: Promise<AuthProvider> | undefined;

/** The process's auth provider, on the process's database. */
export function getAuth(): Promise<AuthProvider> {
	auth ??= ensureRuntime().then(({ engine, config }) => createAuthProvider(engine.db, config));
	return auth;
}
