// @ts-check
/**
 * The production build (adapter-node, into build/) and the check `npm start` runs before using it.
 *
 * The build is fresh when build/.sources holds the fingerprint of the sources it was built from:
 * a SHA-256 over the path and content of every file under src/ and static/ and of the build's
 * configuration (BUILD_INPUTS). Content, not modification times, so a checkout, a restored file
 * or an upgraded dependency (package-lock.json) rebuilds, and a touch does not. Computing it reads
 * about 1 MB: a few milliseconds. Builds are serialised across processes by a lock directory, so
 * test files starting the app at once build once.
 *
 * `npm run build` (this file run directly) always builds. Plain JavaScript, like start.js: `npm start`
 * runs on Node alone, without a TypeScript loader to start first.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

export const BUILD_DIR = 'build';
const STAMP = join(BUILD_DIR, '.sources');
// In the checkout, not node_modules: worktrees sharing one node_modules build side by side.
const LOCK = '.tenantry-build.lock';

/** Everything the build reads besides node_modules (covered by package-lock.json). */
export const BUILD_INPUTS = [
	'src',
	'static',
	'svelte.config.js',
	'vite.config.ts',
	'tsconfig.json',
	'package.json',
	'package-lock.json'
];

/** @param {string} path @returns {string[]} */
function files(path) {
	if (!existsSync(path)) return [];
	try {
		return readdirSync(path, { withFileTypes: true })
			.sort((a, b) => a.name.localeCompare(b.name))
			.flatMap((entry) => files(join(path, entry.name)));
	} catch (error) {
		if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOTDIR') return [path];
		throw error;
	}
}

/** The fingerprint of the build's inputs as they are now. */
export function sourceFingerprint(root = '.') {
	const hash = createHash('sha256');
	for (const input of BUILD_INPUTS) {
		for (const file of files(join(root, input))) {
			hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
		}
	}
	return hash.digest('hex');
}

/**
 * Why the build in build/ cannot be used as it is, or null when it is fresh.
 * @returns {string | null}
 */
export function staleReason(fingerprint = sourceFingerprint()) {
	if (!existsSync(join(BUILD_DIR, 'handler.js')) || !existsSync(STAMP)) return 'no build yet';
	if (readFileSync(STAMP, 'utf8').trim() !== fingerprint) return 'the sources changed';
	return null;
}

/** @returns {Promise<void>} */
function runViteBuild() {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], {
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		child.stdout.on('data', (d) => (output += d));
		child.stderr.on('data', (d) => (output += d));
		child.once('error', reject);
		child.once('exit', (code) =>
			code === 0 ? resolve() : reject(new Error(`The build failed (vite build):\n${output}`))
		);
	});
}

/** The process holding the build lock; 0 while it is still writing its id or has just left. */
function lockHolder() {
	try {
		return Number(readFileSync(join(LOCK, 'pid'), 'utf8')) || 0;
	} catch {
		return 0;
	}
}

/** @param {number} pid */
function isAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/**
 * Holds the build lock while `fn` runs; waits for another process's build to end first.
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withBuildLock(fn) {
	const deadline = Date.now() + 300_000;
	for (;;) {
		try {
			mkdirSync(LOCK);
			writeFileSync(join(LOCK, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
			const holder = lockHolder();
			if (holder && !isAlive(holder)) rmSync(LOCK, { recursive: true, force: true });
			else if (Date.now() > deadline)
				throw new Error(`Another build (process ${holder}) holds ${LOCK} for over 5 minutes.`);
			else await new Promise((r) => setTimeout(r, 200));
		}
	}
	try {
		return await fn();
	} finally {
		rmSync(LOCK, { recursive: true, force: true });
	}
}

/**
 * Builds into build/ and records what it was built from.
 * @param {(line: string) => void} log
 */
export async function build(log, reason = 'requested') {
	const started = performance.now();
	log(`building the production server (${reason}) …`);
	const fingerprint = sourceFingerprint();
	await runViteBuild();
	writeFileSync(STAMP, `${fingerprint}\n`);
	log(`built in ${Math.round(performance.now() - started)} ms`);
}

/**
 * Builds when build/ is missing or was built from other sources; otherwise returns at once.
 * @param {(line: string) => void} log
 */
export async function ensureBuild(log) {
	if (staleReason() === null) return;
	await withBuildLock(async () => {
		// Another process may have built while this one waited for the lock.
		const reason = staleReason();
		if (reason !== null) await build(log, reason);
	});
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	withBuildLock(() => build((line) => console.log(`[tenantry] ${line}`))).catch(
		(/** @type {Error} */ error) => {
			console.error(error.message);
			process.exit(1);
		}
	);
}
