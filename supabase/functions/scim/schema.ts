/**
 * The resource schemas this server speaks (RFC 7643 §4 core User and Group, §4.3 Enterprise User),
 * served by /Schemas, and the one place attribute names are resolved: SCIM names are
 * case-insensitive, so every name a client sends (in a body, a filter, a PATCH path, `attributes`)
 * is matched here to its canonical spelling, which is the only one stored.
 */
import { ScimError } from './errors.ts';

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export type AttributeType =
	| 'string'
	| 'boolean'
	| 'decimal'
	| 'integer'
	| 'dateTime'
	| 'reference'
	| 'complex';

export interface Attribute {
	name: string;
	type: AttributeType;
	multiValued: boolean;
	description: string;
	required: boolean;
	caseExact: boolean;
	mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
	returned: 'always' | 'never' | 'default' | 'request';
	uniqueness: 'none' | 'server' | 'global';
	subAttributes?: Attribute[];
	referenceTypes?: string[];
	/** Names clients use for this sub-attribute besides its own (Entra sends a member's `displayName`). */
	aliases?: string[];
}

type Options = Partial<Omit<Attribute, 'name' | 'type' | 'description'>>;

function attr(
	name: string,
	type: AttributeType,
	description: string,
	options: Options = {},
): Attribute {
	return {
		name,
		type,
		multiValued: false,
		description,
		required: false,
		caseExact: false,
		mutability: 'readWrite',
		returned: 'default',
		uniqueness: 'none',
		...options,
	};
}

/** value / display / type / primary: the sub-attributes of emails, phoneNumbers, ims, photos … */
function multi(name: string, description: string, valueType: AttributeType = 'string'): Attribute {
	return attr(name, 'complex', description, {
		multiValued: true,
		subAttributes: [
			attr('value', valueType, `The ${name} value.`),
			attr('display', 'string', 'A human-readable name, primarily used for display purposes.'),
			attr(
				'type',
				'string',
				'A label indicating the attribute\'s function, e.g. "work" or "home".',
			),
			attr('primary', 'boolean', 'Whether this is the primary value of the attribute.'),
		],
	});
}

const userAttributes: Attribute[] = [
	attr('userName', 'string', 'Unique identifier for the User, typically used to sign in.', {
		required: true,
		uniqueness: 'server',
	}),
	attr('name', 'complex', "The components of the user's real name.", {
		subAttributes: [
			attr('formatted', 'string', 'The full name, formatted for display.'),
			attr('familyName', 'string', 'The family name of the User.'),
			attr('givenName', 'string', 'The given name of the User.'),
			attr('middleName', 'string', 'The middle name(s) of the User.'),
			attr('honorificPrefix', 'string', 'The honorific prefix(es) of the User.'),
			attr('honorificSuffix', 'string', 'The honorific suffix(es) of the User.'),
		],
	}),
	attr('displayName', 'string', 'The name of the User, suitable for display to end-users.'),
	attr('nickName', 'string', 'The casual way to address the user.'),
	attr('profileUrl', 'reference', "A URL of the User's online profile.", {
		referenceTypes: ['external'],
	}),
	attr('title', 'string', 'The user\'s title, such as "Vice President".'),
	attr('userType', 'string', 'The relationship between the organization and the user.'),
	attr('preferredLanguage', 'string', "The User's preferred written or spoken language."),
	attr('locale', 'string', "The User's default location, e.g. en-US."),
	attr('timezone', 'string', 'The User\'s time zone in the "Olson" format, e.g. Europe/Berlin.'),
	attr('active', 'boolean', "The User's administrative status: false suspends the membership."),
	multi('emails', 'Email addresses for the user.'),
	multi('phoneNumbers', 'Phone numbers for the User.'),
	multi('ims', 'Instant messaging addresses for the User.'),
	multi('photos', 'URLs of photos of the User.', 'reference'),
	attr('addresses', 'complex', 'A physical mailing address for this User.', {
		multiValued: true,
		subAttributes: [
			attr('formatted', 'string', 'The full mailing address, formatted for display.'),
			attr('streetAddress', 'string', 'The full street address component.'),
			attr('locality', 'string', 'The city or locality component.'),
			attr('region', 'string', 'The state or region component.'),
			attr('postalCode', 'string', 'The zip code or postal code component.'),
			attr('country', 'string', 'The country name component.'),
			attr('type', 'string', 'A label indicating the attribute\'s function, e.g. "work".'),
			attr('primary', 'boolean', 'Whether this is the primary address.'),
		],
	}),
	multi('entitlements', 'A list of entitlements for the User.'),
	multi('roles', 'A list of roles for the User.'),
	multi('x509Certificates', 'A list of certificates issued to the User.'),
];

const enterpriseAttributes: Attribute[] = [
	attr(
		'employeeNumber',
		'string',
		'A string identifier, typically numeric or alphanumeric, of the employee.',
	),
	attr('costCenter', 'string', 'Identifies the name of a cost center.'),
	attr('organization', 'string', 'Identifies the name of an organization.'),
	attr('division', 'string', 'Identifies the name of a division.'),
	attr('department', 'string', 'Identifies the name of a department.'),
	attr('manager', 'complex', "The User's manager.", {
		subAttributes: [
			attr('value', 'string', "The id of the SCIM resource representing the User's manager."),
			attr('$ref', 'reference', "The URI of the manager's resource.", { referenceTypes: ['User'] }),
			attr('displayName', 'string', "The displayName of the User's manager.", {
				mutability: 'readOnly',
			}),
		],
	}),
];

const groupAttributes: Attribute[] = [
	attr('displayName', 'string', 'A human-readable name for the Group: the name of its team.', {
		required: true,
		uniqueness: 'server',
	}),
	attr('members', 'complex', 'A list of members of the Group.', {
		multiValued: true,
		subAttributes: [
			attr('value', 'string', 'Identifier of the member of this Group.', {
				mutability: 'immutable',
				caseExact: true,
			}),
			attr('$ref', 'reference', 'The URI of the member resource.', {
				referenceTypes: ['User', 'Group'],
				mutability: 'immutable',
			}),
			attr('display', 'string', 'A human-readable name of the member.', {
				aliases: ['displayName'],
			}),
			attr('type', 'string', 'The type of the member: User or Group.', { mutability: 'immutable' }),
		],
	}),
];

/** id, externalId and meta (RFC 7643 §3.1): every resource has them; filters may name them. */
export const commonAttributes: Attribute[] = [
	attr('id', 'string', "The server's identifier of the resource.", {
		caseExact: true,
		mutability: 'readOnly',
		returned: 'always',
		uniqueness: 'server',
	}),
	attr('externalId', 'string', "The client's identifier of the resource.", { caseExact: true }),
	attr('meta', 'complex', 'Resource metadata.', {
		mutability: 'readOnly',
		subAttributes: [
			attr('resourceType', 'string', 'The name of the resource type.', {
				caseExact: true,
				mutability: 'readOnly',
			}),
			attr('created', 'dateTime', 'When the resource was added.', { mutability: 'readOnly' }),
			attr('lastModified', 'dateTime', 'When the resource was last changed.', {
				mutability: 'readOnly',
			}),
			attr('location', 'reference', 'The URI of the resource.', { mutability: 'readOnly' }),
			attr('version', 'string', 'The version of the resource.', {
				caseExact: true,
				mutability: 'readOnly',
			}),
		],
	}),
];

export interface ResourceKind {
	name: 'User' | 'Group';
	endpoint: '/Users' | '/Groups';
	schema: string;
	attributes: Attribute[];
	extensions: { schema: string; attributes: Attribute[]; required: boolean }[];
}

export const USER: ResourceKind = {
	name: 'User',
	endpoint: '/Users',
	schema: CORE_USER,
	attributes: userAttributes,
	extensions: [{ schema: ENTERPRISE_USER, attributes: enterpriseAttributes, required: false }],
};

export const GROUP: ResourceKind = {
	name: 'Group',
	endpoint: '/Groups',
	schema: CORE_GROUP,
	attributes: groupAttributes,
	extensions: [],
};

export const SCHEMA_DOCUMENTS = [
	{ id: CORE_USER, name: 'User', description: 'User Account', attributes: userAttributes },
	{ id: CORE_GROUP, name: 'Group', description: 'Group', attributes: groupAttributes },
	{
		id: ENTERPRISE_USER,
		name: 'EnterpriseUser',
		description: 'Enterprise User',
		attributes: enterpriseAttributes,
	},
];

export function findAttribute(list: Attribute[], name: string): Attribute | undefined {
	const lower = name.toLowerCase();
	return list.find((a) =>
		a.name.toLowerCase() === lower || a.aliases?.some((x) => x.toLowerCase() === lower)
	);
}

/** Where an attribute lives in a stored resource: its extension's key (if any), its name, its definition. */
export interface Resolved {
	extension?: string;
	attribute: Attribute;
	sub?: Attribute;
}

/**
 * Resolves `[urn:…:]name[.sub]` against a resource kind. A URN prefix names the core schema or an
 * extension; `unknown` decides the answer for a name the schema lacks (invalidFilter in a filter,
 * invalidPath in a PATCH path).
 */
export function resolvePath(kind: ResourceKind, path: string, scimType: string): Resolved {
	let rest = path;
	let extension: { schema: string; attributes: Attribute[] } | undefined;
	const lower = path.toLowerCase();
	if (lower.startsWith(kind.schema.toLowerCase() + ':')) rest = path.slice(kind.schema.length + 1);
	else {
		extension = kind.extensions.find((e) => lower.startsWith(e.schema.toLowerCase() + ':'));
		if (extension) rest = path.slice(extension.schema.length + 1);
		else if (lower.startsWith('urn:')) {
			throw new ScimError(400, scimType, `"${path}" names a schema this resource does not have.`);
		}
	}
	const [name, sub, ...more] = rest.split('.');
	const list = extension ? extension.attributes : [...kind.attributes, ...commonAttributes];
	const attribute = name ? findAttribute(list, name) : undefined;
	if (!attribute || more.length > 0) {
		throw new ScimError(400, scimType, `"${path}" is not an attribute of a ${kind.name}.`);
	}
	if (sub === undefined) return { extension: extension?.schema, attribute };
	const subAttribute = attribute.subAttributes
		? findAttribute(attribute.subAttributes, sub)
		: undefined;
	if (!subAttribute) {
		throw new ScimError(400, scimType, `"${path}" is not an attribute of a ${kind.name}.`);
	}
	return { extension: extension?.schema, attribute, sub: subAttribute };
}

const BOOLEAN_TEXT: Record<string, boolean> = { true: true, false: false };

/** A value of one attribute as stored (undefined: absent), or invalidValue. Entra sends "True". */
export function normaliseValue(a: Attribute, value: unknown, where: string): unknown {
	if (value === null || value === undefined) return undefined;
	if (a.multiValued) {
		const items = (Array.isArray(value) ? value : [value])
			.map((v) => normaliseSingle(a, v, where))
			.filter((v) => v !== undefined);
		return items.length ? items : undefined;
	}
	return normaliseSingle(a, value, where);
}

function normaliseSingle(a: Attribute, value: unknown, where: string): unknown {
	if (value === null || value === undefined) return undefined;
	switch (a.type) {
		case 'complex': {
			// A plain string where a member (or email …) belongs is its value (Entra's habit).
			const object = typeof value === 'string' ? { value } : value;
			if (typeof object !== 'object' || Array.isArray(object)) {
				throw new ScimError(400, 'invalidValue', `${where} must be an object.`);
			}
			const out: Record<string, unknown> = {};
			for (const [key, v] of Object.entries(object as Record<string, unknown>)) {
				const sub = findAttribute(a.subAttributes ?? [], key);
				if (!sub) continue;
				const n = normaliseSingle(sub, v, `${where}.${sub.name}`);
				if (n !== undefined) out[sub.name] = n;
			}
			return Object.keys(out).length ? out : undefined;
		}
		case 'boolean': {
			if (typeof value === 'boolean') return value;
			const b = typeof value === 'string' ? BOOLEAN_TEXT[value.toLowerCase()] : undefined;
			if (b === undefined) {
				throw new ScimError(400, 'invalidValue', `${where} must be true or false.`);
			}
			return b;
		}
		case 'integer':
		case 'decimal': {
			const n = typeof value === 'string' ? Number(value) : value;
			if (
				typeof n !== 'number' || !Number.isFinite(n) ||
				(a.type === 'integer' && !Number.isInteger(n))
			) {
				throw new ScimError(400, 'invalidValue', `${where} must be a number.`);
			}
			return n;
		}
		case 'dateTime': {
			if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
				throw new ScimError(
					400,
					'invalidValue',
					`${where} must be a date and time (xsd:dateTime).`,
				);
			}
			return value;
		}
		default: {
			if (typeof value === 'number' || typeof value === 'boolean') return String(value);
			if (typeof value !== 'string') {
				throw new ScimError(400, 'invalidValue', `${where} must be a string.`);
			}
			return value === '' ? undefined : value;
		}
	}
}

/**
 * A body as stored: canonical names, known attributes only (a misspelt one is left out, as RFC
 * 7644 §3.3 allows), read-only ones (id, meta) ignored, `schemas` naming the extensions present.
 */
export function normaliseResource(kind: ResourceKind, body: unknown): Record<string, unknown> {
	if (typeof body !== 'object' || body === null || Array.isArray(body)) {
		throw new ScimError(400, 'invalidSyntax', 'The request body must be a JSON object.');
	}
	const out: Record<string, unknown> = {};
	const schemas = [kind.schema];
	for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
		const extension = kind.extensions.find((e) => e.schema.toLowerCase() === key.toLowerCase());
		if (extension) {
			const ext = normaliseValue(
				attr(extension.schema, 'complex', '', { subAttributes: extension.attributes }),
				value,
				extension.schema,
			);
			if (ext !== undefined) {
				out[extension.schema] = ext;
				schemas.push(extension.schema);
			}
			continue;
		}
		const a = findAttribute([...kind.attributes, commonAttributes[1]!], key);
		if (!a || a.mutability === 'readOnly') continue;
		const n = normaliseValue(a, value, a.name);
		if (n !== undefined) out[a.name] = n;
	}
	out.schemas = schemas;
	return out;
}

export function resourceTypes(base: string) {
	return [USER, GROUP].map((kind) => ({
		schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
		id: kind.name,
		name: kind.name,
		endpoint: kind.endpoint,
		description: kind.name === 'User' ? 'User Account' : 'Group',
		schema: kind.schema,
		schemaExtensions: kind.extensions.map((e) => ({ schema: e.schema, required: e.required })),
		meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${kind.name}` },
	}));
}

export function schemaDocuments(base: string) {
	return SCHEMA_DOCUMENTS.map((s) => ({
		schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
		...s,
		meta: { resourceType: 'Schema', location: `${base}/Schemas/${s.id}` },
	}));
}

export const MAX_RESULTS = 200;

export function serviceProviderConfig(base: string) {
	return {
		schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
		patch: { supported: true },
		bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
		filter: { supported: true, maxResults: MAX_RESULTS },
		changePassword: { supported: false },
		sort: { supported: true },
		etag: { supported: false },
		authenticationSchemes: [{
			type: 'oauthbearertoken',
			name: 'OAuth Bearer Token',
			description:
				'A SCIM token of the tenant (Settings → SCIM), sent as Authorization: Bearer <token>.',
			primary: true,
		}],
		meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
	};
}
