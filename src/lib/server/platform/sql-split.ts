/**
 * Splits a SQL script into statements the way Postgres' own lexer sees them: semicolons inside
 * quotes, quoted identifiers, dollar-quoted bodies, and line or nested block comments do not end a
 * statement. Each statement keeps its text (comments included) so that the migration history
 * stores exactly what ran, as the Supabase CLI does.
 */
export interface SqlStatement {
	text: string;
	/** 1-based line of the statement's first non-blank character in the script. */
	line: number;
}

export function splitSql(script: string): SqlStatement[] {
	const statements: SqlStatement[] = [];
	let start = 0;
	let i = 0;
	const n = script.length;
	let beginAtomicDepth = 0;
	let word = '';

	const push = (end: number) => {
		const raw = script.slice(start, end);
		if (hasCode(raw)) {
			const offset = start + raw.length - raw.trimStart().length;
			statements.push({ text: raw.trim(), line: lineAt(script, offset) });
		}
		start = end + 1;
	};

	while (i < n) {
		const c = script[i]!;
		const next = script[i + 1];
		if (word && !/\w/.test(c)) {
			beginAtomicDepth = trackAtomic(word, script, i, beginAtomicDepth);
			word = '';
		}
		if (c === '-' && next === '-') {
			const eol = script.indexOf('\n', i);
			i = eol === -1 ? n : eol + 1;
		} else if (c === '/' && next === '*') {
			i = skipBlockComment(script, i);
		} else if (c === "'") {
			i = skipQuoted(script, i, "'", /(^|\W)[eE]$/.test(script.slice(Math.max(0, i - 2), i)));
		} else if (c === '"') {
			i = skipQuoted(script, i, '"', false);
		} else if (c === '$' && !/[\w$]/.test(script[i - 1] ?? '')) {
			const tag = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(script.slice(i));
			if (tag) {
				const close = script.indexOf(tag[0], i + tag[0].length);
				i = close === -1 ? n : close + tag[0].length;
			} else {
				i++;
			}
		} else if (c === ';' && beginAtomicDepth === 0) {
			push(i);
			i++;
		} else {
			if (/\w/.test(c)) word += c.toLowerCase();
			i++;
		}
	}
	push(n);
	return statements;
}

/** SQL-standard bodies (`begin atomic … end`) contain semicolons that do not end the statement. */
function trackAtomic(word: string, script: string, i: number, depth: number): number {
	if (word === 'begin' && /^\s+atomic\b/i.test(script.slice(i))) return depth + 1;
	if (word === 'case' && depth > 0) return depth + 1;
	if (word === 'end' && depth > 0) return depth - 1;
	return depth;
}

function skipBlockComment(script: string, from: number): number {
	let depth = 0;
	let i = from;
	while (i < script.length) {
		if (script.startsWith('/*', i)) {
			depth++;
			i += 2;
		} else if (script.startsWith('*/', i)) {
			depth--;
			i += 2;
			if (depth === 0) return i;
		} else {
			i++;
		}
	}
	return i;
}

function skipQuoted(
	script: string,
	from: number,
	quote: string,
	backslashEscapes: boolean
): number {
	let i = from + 1;
	while (i < script.length) {
		const c = script[i];
		if (backslashEscapes && c === '\\') {
			i += 2;
		} else if (c === quote) {
			if (script[i + 1] === quote) i += 2;
			else return i + 1;
		} else {
			i++;
		}
	}
	return i;
}

function hasCode(text: string): boolean {
	const stripped = text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
	return stripped.trim().length > 0;
}

function lineAt(script: string, offset: number): number {
	let line = 1;
	for (let i = 0; i < offset; i++) if (script[i] === '\n') line++;
	return line;
}
