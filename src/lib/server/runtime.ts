/**
 * The server's view of the process runtime: started once (by `npm start` before the app, or by the
 * SvelteKit init hook when the built app runs on its own) and shared from then on.
 */
import { createAuthProvider, type AuthProvider } from './auth';
import { loadConfig } from './config';
import { bootstrap, getRuntime, setRuntime, type Runtime } from './db';

export function ensureRuntime(log: (line: string) => void = console.log): Promise<Runtime> {
	return getRuntime() ?? setRuntime(bootstrap(loadConfig(), log));
}

let auth: Promise<AuthProvider> | undefined;

/** The process's auth provider, on the process's database. */
export function getAuth(): Promise<AuthProvider> {
	auth ??= ensureRuntime().then(({ engine, config }) => createAuthProvider(engine.db, config));
	return auth;
}
