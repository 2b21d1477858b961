/**
 * The SCIM filter language (RFC 7644 §3.4.2.2) — parsed into a tree, compiled into a SQL/JSON
 * path predicate that Postgres evaluates over the stored resources (`jsonb_path_exists`, in
 * public.scim_list), and evaluated in memory for PATCH value filters.
 *
 *   FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
 *   valuePath = attrPath "[" valFilter "]"
 *   attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
 *   logExp    = FILTER SP ("and" / "or") SP FILTER        ; not binds tightest, then and, then or
 *   compValue = false / null / true / number / string     ; string: a JSON string
 *
 * Operators and attribute names are case-insensitive. String comparisons follow the attribute's
 * caseExact; dateTime values compare as instants. One leniency, for Microsoft's validator: a
 * compValue that is a bare word (`eq Employee`, `gt 2015-10-10T14:38:21.86-07:00`) is a string.
 */
import { type Attribute, type Resolved, resolvePath, type ResourceKind } from './schema.ts';
import { ScimError } from './errors.ts';

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type Value = string | number | boolean | null;

export type Filter =
	| { op: 'and' | 'or'; left: Filter; right: Filter }
	| { op: 'not'; filter: Filter }
	| { op: 'pr'; path: string }
	| { op: CompareOp; path: string; value: Value }
	| { op: 'valuePath'; path: string; filter: Filter };

const COMPARE = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

type Token = { kind: 'word' | 'string' | '(' | ')' | '[' | ']'; text: string; at: number };

function invalid(detail: string): ScimError {
	return new ScimError(400, 'invalidFilter', detail);
}

export function tokenize(input: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < input.length) {
		const c = input[i]!;
		if (/\s/.test(c)) {
			i++;
		} else if ('()[]'.includes(c)) {
			tokens.push({ kind: c as Token['kind'], text: c, at: i });
			i++;
		} else if (c === '"') {
			let j = i + 1;
			while (j < input.length && input[j] !== '"') j += input[j] === '\\' ? 2 : 1;
			if (j >= input.length) throw invalid(`The string starting at ${i + 1} is not closed.`);
			const raw = input.slice(i, j + 1);
			try {
				tokens.push({ kind: 'string', text: JSON.parse(raw), at: i });
			} catch {
				throw invalid(`${raw} is not a valid string.`);
			}
			i = j + 1;
		} else {
			let j = i;
			while (j < input.length && !/[\s()[\]"]/.test(input[j]!)) j++;
			tokens.push({ kind: 'word', text: input.slice(i, j), at: i });
			i = j;
		}
	}
	return tokens;
}

class Parser {
	private i = 0;
	constructor(private readonly tokens: Token[], private readonly source: string) {}

	private peek(): Token | undefined {
		return this.tokens[this.i];
	}
	private next(): Token {
		const t = this.tokens[this.i++];
		if (!t) throw invalid(`The filter "${this.source}" ends too early.`);
		return t;
	}
	private keyword(word: string): boolean {
		const t = this.peek();
		if (t?.kind === 'word' && t.text.toLowerCase() === word) {
			this.i++;
			return true;
		}
		return false;
	}
	private expect(kind: Token['kind']): void {
		const t = this.next();
		if (t.kind !== kind) throw invalid(`Expected "${kind}" at ${t.at + 1}, found "${t.text}".`);
	}

	parse(): Filter {
		const f = this.or();
		const rest = this.peek();
		if (rest) throw invalid(`Unexpected "${rest.text}" at ${rest.at + 1}.`);
		return f;
	}
	or(): Filter {
		let left = this.and();
		while (this.keyword('or')) left = { op: 'or', left, right: this.and() };
		return left;
	}
	and(): Filter {
		let left = this.unary();
		while (this.keyword('and')) left = { op: 'and', left, right: this.unary() };
		return left;
	}
	unary(): Filter {
		const t = this.peek();
		if (
			t?.kind === 'word' && t.text.toLowerCase() === 'not' && this.tokens[this.i + 1]?.kind === '('
		) {
			this.i++;
			return { op: 'not', filter: this.group() };
		}
		if (t?.kind === '(') return this.group();
		return this.attrExp();
	}
	group(): Filter {
		this.expect('(');
		const f = this.or();
		this.expect(')');
		return f;
	}
	attrExp(): Filter {
		const t = this.next();
		if (
			t.kind !== 'word' || !/^(urn:[^\s]+:)?[A-Za-z$][\w$-]*(\.[A-Za-z$][\w$-]*)?$/.test(t.text)
		) {
			throw invalid(`Expected an attribute at ${t.at + 1}, found "${t.text}".`);
		}
		if (this.peek()?.kind === '[') {
			this.i++;
			const filter = this.or();
			this.expect(']');
			return { op: 'valuePath', path: t.text, filter };
		}
		const op = this.next();
		const name = op.text.toLowerCase();
		if (op.kind !== 'word' || (name !== 'pr' && !COMPARE.has(name))) {
			throw invalid(`Expected an operator after ${t.text}, found "${op.text}".`);
		}
		if (name === 'pr') return { op: 'pr', path: t.text };
		return { op: name as CompareOp, path: t.text, value: this.value() };
	}
	value(): Value {
		const t = this.next();
		if (t.kind === 'string') return t.text;
		if (t.kind !== 'word') throw invalid(`Expected a value at ${t.at + 1}, found "${t.text}".`);
		const lower = t.text.toLowerCase();
		if (lower === 'true') return true;
		if (lower === 'false') return false;
		if (lower === 'null') return null;
		if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t.text)) return Number(t.text);
		return t.text;
	}
}

export function parseFilter(input: string): Filter {
	if (input.length > 2000) throw invalid('The filter is longer than 2000 characters.');
	const tokens = tokenize(input);
	if (!tokens.length) throw invalid('The filter is empty.');
	return new Parser(tokens, input).parse();
}

// --------------------------------------------------------------------------- to SQL/JSON path

function jsonString(s: string): string {
	return JSON.stringify(s);
}

function regexEscape(s: string): string {
	return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function instant(value: Value, where: string): string {
	const ms = typeof value === 'string' ? Date.parse(value) : NaN;
	if (Number.isNaN(ms)) {
		throw invalid(`${where} compares with a date and time; "${value}" is not one.`);
	}
	return new Date(ms).toISOString();
}

/** The path of an attribute from `@` (the resource, or the element of a value filter). */
function accessor(r: Resolved): string {
	let p = '@';
	if (r.extension) p += '.' + jsonString(r.extension);
	p += '.' + jsonString(r.attribute.name);
	if (r.sub) p += '.' + jsonString(r.sub.name);
	return p;
}

type Scope = { kind: ResourceKind; parent?: Attribute };

function resolveIn(scope: Scope, path: string): Resolved {
	if (!scope.parent) return resolvePath(scope.kind, path, 'invalidFilter');
	const sub = scope.parent.subAttributes?.find((a) => a.name.toLowerCase() === path.toLowerCase());
	if (!sub) throw invalid(`"${path}" is not a sub-attribute of ${scope.parent.name}.`);
	return { attribute: sub };
}

function compileCompare(r: Resolved, op: CompareOp, value: Value, path: string): string {
	const a = r.sub ?? r.attribute;
	const target = accessor(r);
	if (a.type === 'complex') throw invalid(`${path} is complex: compare one of its sub-attributes.`);
	if (value === null) {
		if (op === 'eq') return `!(exists(${target}))`;
		if (op === 'ne') return `exists(${target})`;
		throw invalid(`${path} ${op} null compares with nothing.`);
	}
	if (a.type === 'boolean') {
		if (op !== 'eq' && op !== 'ne') throw invalid(`${path} is a boolean: use eq or ne.`);
		const b = typeof value === 'string' ? value.toLowerCase() === 'true' : value === true;
		if (typeof value === 'string' && !/^(true|false)$/i.test(value)) {
			throw invalid(`${path} is a boolean; "${value}" is not.`);
		}
		return op === 'eq' ? `${target} == ${b}` : `!(${target} == ${b})`;
	}
	if (a.type === 'integer' || a.type === 'decimal') {
		if (typeof value !== 'number') throw invalid(`${path} is a number; "${value}" is not.`);
		if (['co', 'sw', 'ew'].includes(op)) {
			throw invalid(`${op} does not apply to the number ${path}.`);
		}
	}
	const literal = a.type === 'dateTime'
		? jsonString(instant(value, path))
		: typeof value === 'string'
		? jsonString(value)
		: String(value);
	const text = String(a.type === 'dateTime' ? instant(value, path) : value);
	const flag = a.caseExact || a.type === 'dateTime' ? '' : ' flag "i"';
	const regex = (pattern: string) => `${target} like_regex ${jsonString(pattern)}${flag}`;
	switch (op) {
		case 'eq':
			return typeof value === 'string' && !a.caseExact && a.type !== 'dateTime'
				? regex(`^${regexEscape(text)}$`)
				: `${target} == ${literal}`;
		case 'ne':
			return `!(${compileCompare(r, 'eq', value, path)})`;
		case 'co':
			return regex(regexEscape(text));
		case 'sw':
			return regex(`^${regexEscape(text)}`);
		case 'ew':
			return regex(`${regexEscape(text)}$`);
		default: {
			const symbol = { gt: '>', ge: '>=', lt: '<', le: '<=' }[op];
			return `${target} ${symbol} ${literal}`;
		}
	}
}

function compileIn(f: Filter, scope: Scope): string {
	switch (f.op) {
		case 'and':
			return `(${compileIn(f.left, scope)} && ${compileIn(f.right, scope)})`;
		case 'or':
			return `(${compileIn(f.left, scope)} || ${compileIn(f.right, scope)})`;
		case 'not':
			return `!(${compileIn(f.filter, scope)})`;
		case 'pr':
			return `exists(${accessor(resolveIn(scope, f.path))})`;
		case 'valuePath': {
			if (scope.parent) throw invalid('A value filter cannot hold another one.');
			const r = resolveIn(scope, f.path);
			if (r.sub || r.attribute.type !== 'complex') {
				throw invalid(`${f.path}[…] filters a complex attribute; ${f.path} is not one.`);
			}
			return `exists(${accessor(r)} ? (${
				compileIn(f.filter, { kind: scope.kind, parent: r.attribute })
			}))`;
		}
		default:
			return compileCompare(resolveIn(scope, f.path), f.op, f.value, f.path);
	}
}

/** The SQL/JSON path (`$ ? (…)`) that selects the resources the filter matches. */
export function toJsonPath(f: Filter, kind: ResourceKind): string {
	return `$ ? (${compileIn(f, { kind })})`;
}

// --------------------------------------------------------------------------- in memory

function valuesAt(target: Record<string, unknown>, r: Resolved): unknown[] {
	const base = r.extension ? (target[r.extension] as Record<string, unknown> | undefined) : target;
	const v = base?.[r.attribute.name];
	const items = Array.isArray(v) ? v : v === undefined ? [] : [v];
	if (!r.sub) return items;
	return items.flatMap((item) => {
		const s = (item as Record<string, unknown> | null)?.[r.sub!.name];
		return Array.isArray(s) ? s : s === undefined ? [] : [s];
	});
}

function compareOne(a: Attribute, op: CompareOp, actual: unknown, value: Value): boolean {
	if (a.type === 'boolean') {
		const b = typeof value === 'string' ? value.toLowerCase() === 'true' : value;
		return op === 'eq' ? actual === b : actual !== b;
	}
	if (typeof actual === 'number' && typeof value === 'number') {
		return {
			eq: actual === value,
			ne: actual !== value,
			gt: actual > value,
			ge: actual >= value,
			lt: actual < value,
			le: actual <= value,
			co: false,
			sw: false,
			ew: false,
		}[op];
	}
	let x = String(actual);
	let y = String(value);
	if (a.type === 'dateTime') {
		x = new Date(Date.parse(x)).toISOString();
		y = instant(value, a.name);
	} else if (!a.caseExact) {
		x = x.toLowerCase();
		y = y.toLowerCase();
	}
	return {
		eq: x === y,
		ne: x !== y,
		co: x.includes(y),
		sw: x.startsWith(y),
		ew: x.endsWith(y),
		gt: x > y,
		ge: x >= y,
		lt: x < y,
		le: x <= y,
	}[op];
}

function matchesIn(f: Filter, target: Record<string, unknown>, scope: Scope): boolean {
	switch (f.op) {
		case 'and':
			return matchesIn(f.left, target, scope) && matchesIn(f.right, target, scope);
		case 'or':
			return matchesIn(f.left, target, scope) || matchesIn(f.right, target, scope);
		case 'not':
			return !matchesIn(f.filter, target, scope);
		case 'pr':
			return valuesAt(target, resolveIn(scope, f.path)).length > 0;
		case 'valuePath': {
			const r = resolveIn(scope, f.path);
			return valuesAt(target, r).some((item) =>
				matchesIn(f.filter, item as Record<string, unknown>, {
					kind: scope.kind,
					parent: r.attribute,
				})
			);
		}
		default: {
			const r = resolveIn(scope, f.path);
			const values = valuesAt(target, r);
			if (f.value === null) return (f.op === 'eq') === (values.length === 0);
			if (f.op === 'ne') {
				return !values.some((v) => compareOne(r.sub ?? r.attribute, 'eq', v, f.value));
			}
			return values.some((v) => compareOne(r.sub ?? r.attribute, f.op as CompareOp, v, f.value));
		}
	}
}

/** Whether an element of the complex attribute `parent` matches a value filter (PATCH paths). */
export function elementMatches(
	f: Filter,
	element: unknown,
	kind: ResourceKind,
	parent: Attribute,
): boolean {
	if (typeof element !== 'object' || element === null) return false;
	return matchesIn(f, element as Record<string, unknown>, { kind, parent });
}

/** Whether a resource matches a filter, as toJsonPath's predicate decides it in SQL. */
export function resourceMatches(
	f: Filter,
	resource: Record<string, unknown>,
	kind: ResourceKind,
): boolean {
	return matchesIn(f, resource, { kind });
}
