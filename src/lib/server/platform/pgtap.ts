/**
 * Runs pgTAP files — the `supabase/tests/**\/*.test.sql` that `supabase test db` runs — and judges
 * their TAP output: a file passes only with a plan, every planned test run, every test ok, no
 * skipped test and no SQL error.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Session } from './engine';

export interface TapReport {
	planned: number | null;
	passed: number;
	failed: number;
	skipped: number;
	/** Assertion lines that did not pass, with the diagnostics pgTAP printed under them. */
	failures: string[];
	/** Diagnostics outside any assertion (`# Looks like …`). */
	diagnostics: string[];
	ok: boolean;
}

const PLAN = /^1\.\.(\d+)/;
/**
 * A test line as TAP (and so pg_prove, which `supabase test db` runs) reads it: the number is
 * optional, so a stray `ok…` a file prints is a test too and breaks the plan, as it does there.
 */
const RESULT = /^(not )?ok\b(?: (\d+)\b)?(.*)$/;

export function parseTap(lines: string[]): TapReport {
	let planned: number | null = null;
	let passed = 0;
	let failed = 0;
	let skipped = 0;
	const failures: string[] = [];
	const diagnostics: string[] = [];
	let lastFailure: number | null = null;
	for (const line of lines) {
		const plan = PLAN.exec(line);
		const result = RESULT.exec(line);
		if (plan) {
			planned = Number(plan[1]);
		} else if (result) {
			lastFailure = null;
			const directive = /#\s*(SKIP|TODO)\b/i.exec(result[3] ?? '');
			if (directive) {
				skipped++;
				failures.push(line);
				lastFailure = failures.length - 1;
			} else if (result[1]) {
				failed++;
				failures.push(line);
				lastFailure = failures.length - 1;
			} else {
				passed++;
			}
		} else if (line.startsWith('#')) {
			if (lastFailure !== null) failures[lastFailure] += `\n${line}`;
			else diagnostics.push(line);
		}
	}
	const ran = passed + failed + skipped;
	return {
		planned,
		passed,
		failed,
		skipped,
		failures,
		diagnostics,
		ok: planned !== null && planned === ran && failed === 0 && skipped === 0 && ran > 0
	};
}

/** Every line of text that a script's result sets returned, in order. */
export function tapLines(results: { rows: Record<string, unknown>[] }[]): string[] {
	const lines: string[] = [];
	for (const result of results) {
		for (const row of result.rows) {
			const values = Object.values(row);
			if (values.length !== 1 || typeof values[0] !== 'string') continue;
			lines.push(...values[0].split('\n'));
		}
	}
	return lines;
}

export function findTestFiles(dir: string): string[] {
	const found: string[] = [];
	const walk = (d: string) => {
		for (const entry of readdirSync(d).sort()) {
			const path = join(d, entry);
			if (statSync(path).isDirectory()) walk(path);
			else if (entry.endsWith('.test.sql')) found.push(path);
		}
	};
	walk(dir);
	return found;
}

export interface FileResult {
	file: string;
	report: TapReport;
	error?: string;
	ms: number;
}

/** Runs one test file on a session that is already migrated and has pgTAP installed. */
export async function runTestFile(
	session: Session,
	file: string,
	root: string
): Promise<FileResult> {
	const started = performance.now();
	const name = relative(root, file);
	try {
		const results = await session.exec(readFileSync(file, 'utf8'));
		return { file: name, report: parseTap(tapLines(results)), ms: performance.now() - started };
	} catch (error) {
		const e = error as Error & { code?: string; detail?: string; hint?: string; where?: string };
		const parts = [`SQL error${e.code ? ` ${e.code}` : ''}: ${e.message}`];
		if (e.detail) parts.push(`Detail: ${e.detail}`);
		if (e.hint) parts.push(`Hint: ${e.hint}`);
		if (e.where) parts.push(`Where: ${e.where}`);
		return {
			file: name,
			report: parseTap([]),
			error: parts.join('\n'),
			ms: performance.now() - started
		};
	}
}

/** What psql printed and how it ended. */
export interface PsqlRun {
	code: number | null;
	stdout: string;
	stderr: string;
}

/**
 * Runs psql on a database URL as `supabase test db` runs a file: tuples only, unaligned, quiet,
 * stopping at the first error. Fails with a sentence when psql is not installed.
 */
export function psql(url: string, args: string[]): Promise<PsqlRun> {
	return new Promise((resolve, reject) => {
		const child = spawn(
			'psql',
			['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', url, ...args],
			{
				stdio: ['ignore', 'pipe', 'pipe']
			}
		);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', (error: NodeJS.ErrnoException) =>
			reject(
				error.code === 'ENOENT'
					? new Error(
							'psql is not installed: the seeded pgTAP run on a server uses it as `supabase test db` ' +
								'does (apt-get install postgresql-client).'
						)
					: error
			)
		);
		child.on('close', (code) => resolve({ code, stdout, stderr }));
	});
}

/** Runs psql and fails with what it printed unless it succeeded. */
export async function runPsql(url: string, args: string[]): Promise<void> {
	const run = await psql(url, args);
	if (run.code !== 0) throw new Error(`psql ${args.join(' ')} failed:\n${run.stderr.trim()}`);
}

/** Runs one test file with psql on a database that is already migrated and has pgTAP installed. */
export async function runTestFileWithPsql(
	url: string,
	file: string,
	root: string
): Promise<FileResult> {
	const started = performance.now();
	const run = await psql(url, ['-f', file]);
	const errors = run.stderr
		.split('\n')
		.filter((line) => /\b(ERROR|FATAL):/.test(line))
		.join('\n');
	return {
		file: relative(root, file),
		report: parseTap(run.stdout.split('\n')),
		...(run.code !== 0 || errors ? { error: errors || `psql exited with ${run.code}` } : {}),
		ms: performance.now() - started
	};
}

export const INSTALL_PGTAP = 'create extension if not exists pgtap with schema extensions';

export function formatResult(result: FileResult): string {
	const { report } = result;
	const ok = report.ok && !result.error;
	const ran = report.passed + report.failed + report.skipped;
	const count = `${report.passed}/${report.planned ?? '?'}`;
	const lines = [`${ok ? '✓' : '✗'} ${result.file}  ${count}  (${Math.round(result.ms)} ms)`];
	if (!ok) {
		if (result.error) lines.push(indent(result.error));
		if (report.planned === null && !result.error) lines.push(indent('no plan: call plan(n)'));
		if (report.planned !== null && report.planned !== ran)
			lines.push(indent(`planned ${report.planned} tests but ran ${ran}`));
		for (const f of report.failures) lines.push(indent(f));
		for (const d of report.diagnostics) lines.push(indent(d));
	}
	return lines.join('\n');
}

function indent(text: string): string {
	return text.replace(/^/gm, '    ');
}
