/**
 * PATCH (RFC 7644 §3.5.2) as the identity providers send it:
 * - Okta: a path-less `replace` of `{"active": false}`; `members` add and remove with value
 *   filters; a full push that replaces `members`.
 * - Entra ID: capitalised `Add` / `Replace` / `Remove`; string booleans ("False"); a path-less
 *   replace whose keys are dotted (`name.givenName`) or URN-qualified
 *   (`urn:…:enterprise:2.0:User:department`); `members[value eq "…"]` removal; a filtered path on an
 *   array that has no such element yet (`emails[type eq "work"].value`), which adds it.
 * The operations apply in order to the resource as read; the caller writes the result with the
 * version it read, so a concurrent change is never lost (public.scim_put, TN463).
 */
import { z } from 'npm:zod@4.6.7';
import { ScimError } from './errors.ts';
import { elementMatches, type Filter, parseFilter } from './filter.ts';
import {
	type Attribute,
	normaliseResource,
	normaliseValue,
	type Resolved,
	resolvePath,
	type ResourceKind,
} from './schema.ts';

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export const patchRequest = z.object({
	schemas: z.array(z.string()).refine((s) => s.includes(PATCH_OP), {
		message: `schemas must name ${PATCH_OP}`,
	}),
	Operations: z.array(z.object({
		op: z.string(),
		path: z.string().optional(),
		value: z.unknown().optional(),
	})).min(1).max(1000),
});

export type PatchOperation = z.infer<typeof patchRequest>['Operations'][number];

type Doc = Record<string, unknown>;

interface Target extends Resolved {
	filter?: Filter;
}

/** `attrPath` / `attrPath[valFilter]` / `attrPath[valFilter].subAttr` (RFC 7644 §3.5.2 PATH). */
export function parsePath(kind: ResourceKind, path: string): Target {
	const open = path.indexOf('[');
	if (open < 0) return resolvePath(kind, path.trim(), 'invalidPath');
	const close = path.lastIndexOf(']');
	if (close < open) {
		throw new ScimError(400, 'invalidPath', `"${path}" opens a value filter it never closes.`);
	}
	const base = resolvePath(kind, path.slice(0, open).trim(), 'invalidPath');
	if (base.sub || base.attribute.type !== 'complex' || !base.attribute.multiValued) {
		throw new ScimError(
			400,
			'invalidPath',
			`"${path}" filters an attribute that is not a list of objects.`,
		);
	}
	let filter: Filter;
	try {
		filter = parseFilter(path.slice(open + 1, close));
	} catch (error) {
		throw new ScimError(
			400,
			'invalidPath',
			`The value filter of "${path}": ${(error as Error).message}`,
		);
	}
	const rest = path.slice(close + 1).trim();
	if (!rest) return { ...base, filter };
	const name = rest.startsWith('.') ? rest.slice(1) : '';
	const sub = base.attribute.subAttributes?.find((a) =>
		a.name.toLowerCase() === name.toLowerCase()
	);
	if (!sub) {
		throw new ScimError(
			400,
			'invalidPath',
			`"${rest}" is not a sub-attribute of ${base.attribute.name}.`,
		);
	}
	return { ...base, sub, filter };
}

function single(a: Attribute): Attribute {
	return { ...a, multiValued: false };
}

function sameItem(x: unknown, y: unknown): boolean {
	const vx = (x as Doc | null)?.value;
	const vy = (y as Doc | null)?.value;
	if (vx !== undefined || vy !== undefined) return vx === vy;
	return JSON.stringify(x) === JSON.stringify(y);
}

/** `type eq "work"` (and `and`s of such) as the element to add when nothing matches. */
function seedOf(filter: Filter): Doc | undefined {
	if (filter.op === 'eq' && !filter.path.includes('.') && filter.value !== null) {
		return { [filter.path]: filter.value };
	}
	if (filter.op === 'and') {
		const left = seedOf(filter.left);
		const right = seedOf(filter.right);
		return left && right ? { ...left, ...right } : undefined;
	}
	return undefined;
}

function noTarget(path: string): ScimError {
	return new ScimError(400, 'noTarget', `Nothing matches "${path}".`);
}

function applyAtPath(kind: ResourceKind, doc: Doc, op: string, path: string, value: unknown): void {
	const t = parsePath(kind, path);
	const a = t.attribute;
	if (a.mutability === 'readOnly' || t.sub?.mutability === 'readOnly') {
		throw new ScimError(400, 'mutability', `${path} is read-only.`);
	}
	const container = t.extension ? ((doc[t.extension] ??= {}) as Doc) : doc;
	const current = container[a.name];

	if (t.filter) {
		const items = Array.isArray(current) ? [...current] : [];
		const matched = items.map((item, i) => (elementMatches(t.filter!, item, kind, a) ? i : -1))
			.filter((i) => i >= 0);
		if (op === 'remove') {
			if (!matched.length) {
				// Removing a member who is not one is done already (Okta and Entra both retry it).
				if (a.name === 'members') return;
				throw noTarget(path);
			}
			const kept = t.sub
				? items.map((item, i) => {
					if (!matched.includes(i)) return item;
					const { [t.sub!.name]: _, ...rest } = item as Doc;
					return rest;
				})
				: items.filter((_, i) => !matched.includes(i));
			container[a.name] = kept;
		} else {
			const v = t.sub
				? normaliseValue(single(t.sub), value, `${a.name}.${t.sub.name}`)
				: normaliseValue(single(a), value, a.name);
			if (!matched.length) {
				const seed = seedOf(t.filter);
				if (!seed) throw noTarget(path);
				const made = normaliseValue(single(a), seed, a.name) as Doc;
				items.push(t.sub ? { ...made, [t.sub.name]: v } : { ...made, ...(v as Doc) });
			} else {
				for (const i of matched) {
					items[i] = t.sub
						? { ...(items[i] as Doc), [t.sub.name]: v }
						: { ...(items[i] as Doc), ...(v as Doc) };
				}
			}
			container[a.name] = items;
		}
	} else if (t.sub) {
		const sub = t.sub;
		const v = op === 'remove'
			? undefined
			: normaliseValue(single(sub), value, `${a.name}.${sub.name}`);
		const setSub = (item: unknown): Doc => {
			const next = { ...(item as Doc) };
			if (v === undefined) delete next[sub.name];
			else next[sub.name] = v;
			return next;
		};
		if (a.multiValued) {
			const items = Array.isArray(current) ? current : [];
			container[a.name] = items.length || v === undefined ? items.map(setSub) : [setSub({})];
		} else {
			container[a.name] = setSub(current ?? {});
		}
	} else if (op === 'remove') {
		delete container[a.name];
	} else {
		const v = normaliseValue(a, value, a.name);
		if (a.multiValued && op === 'add') {
			const items = Array.isArray(current) ? [...current] : [];
			for (const item of (v as unknown[] | undefined) ?? []) {
				const at = items.findIndex((x) => sameItem(x, item));
				if (at >= 0) items[at] = { ...(items[at] as Doc), ...(item as Doc) };
				else items.push(item);
			}
			container[a.name] = items;
		} else if (!a.multiValued && a.type === 'complex' && current && v && op === 'add') {
			container[a.name] = { ...(current as Doc), ...(v as Doc) };
		} else {
			container[a.name] = v;
		}
	}
}

/** The resource after the operations, ready for public.scim_put (id and meta left out). */
export function applyPatch(kind: ResourceKind, resource: Doc, operations: PatchOperation[]): Doc {
	const doc: Doc = structuredClone(resource);
	const id = doc.id;
	delete doc.id;
	delete doc.meta;
	for (const operation of operations) {
		const op = operation.op.toLowerCase();
		if (op !== 'add' && op !== 'replace' && op !== 'remove') {
			throw new ScimError(
				400,
				'invalidSyntax',
				`"${operation.op}" is not a PATCH operation (add, replace, remove).`,
			);
		}
		if (operation.path) {
			applyAtPath(kind, doc, op, operation.path, operation.value);
			continue;
		}
		if (op === 'remove') throw new ScimError(400, 'noTarget', 'A remove operation needs a path.');
		const value = operation.value;
		if (typeof value !== 'object' || value === null || Array.isArray(value)) {
			throw new ScimError(
				400,
				'invalidValue',
				'A PATCH operation without a path needs an object value.',
			);
		}
		for (const [key, v] of Object.entries(value as Doc)) {
			if (key.toLowerCase() === 'schemas') continue;
			if (key.toLowerCase() === 'id') {
				if (v !== id) throw new ScimError(400, 'mutability', 'id is read-only.');
				continue;
			}
			const extension = kind.extensions.find((e) => e.schema.toLowerCase() === key.toLowerCase());
			if (extension && typeof v === 'object' && v !== null && !Array.isArray(v)) {
				for (const [k2, v2] of Object.entries(v as Doc)) {
					applyAtPath(kind, doc, op, `${extension.schema}:${k2}`, v2);
				}
				continue;
			}
			applyAtPath(kind, doc, op, key, v);
		}
	}
	return normaliseResource(kind, doc);
}
