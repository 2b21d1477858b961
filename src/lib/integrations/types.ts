/**
 * The integration types in TypeScript: for each, the fields of its configuration and the secrets
 * it needs, as zod schemas (what the connect form and the API validate) and as field lists (what
 * the form shows). The SQL registry (`public.integration_types`,
 * supabase/migrations/20261203000200_integrations.sql) holds the same types, secret names and
 * inbound kinds; tests/integration/integrations.test.ts fails when the two differ. Client-safe:
 * the pages build their forms from it.
 */
import { z } from 'zod';
import '../forms/messages';

export type IntegrationType = 'github' | 'slack' | 'odoo' | 'supabase' | 'generic_webhook';
/** How inbound events are signed: by the provider's own scheme, or none accepted. */
export type InboundKind = 'github' | 'slack' | 'standard_webhooks' | null;

export interface FieldSpec {
	name: string;
	label: string;
	help: string;
	required: boolean;
	placeholder?: string;
}

export interface SecretSpec extends FieldSpec {
	/** Made by Tenantry when left empty (the value to copy into the provider's settings). */
	generated?: 'hex' | 'whsec';
}

export interface TypeSpec {
	type: IntegrationType;
	name: string;
	inbound: InboundKind;
	fields: FieldSpec[];
	secrets: SecretSpec[];
	config: z.ZodType<Record<string, string>>;
	/** Secret values given in a form or the API (generated ones may be left out). */
	secretValues: z.ZodType<Record<string, string>>;
}

const httpsUrl = (what: string) =>
	z
		.string({ error: `Give the ${what}.` })
		.trim()
		.min(1, { error: `Give the ${what}.` })
		.max(2048, { error: `Keep the ${what} under 2,048 characters.` })
		.refine((value) => /^https?:\/\/[^\s]+$/.test(value) && URL.canParse(value), {
			error: `Enter the ${what} as a URL like https://example.com.`
		})
		.transform((value) => value.replace(/\/+$/, ''));

const optional = (schema: z.ZodType<string, string>) =>
	z
		.string()
		.trim()
		.optional()
		.transform((value) => (value ? value : undefined))
		.pipe(schema.optional());

const secret = (what: string, pattern?: RegExp, hint?: string) => {
	const base = z
		.string({ error: `Give the ${what}.` })
		.trim()
		.min(1, { error: `Give the ${what}.` })
		.max(4096, { error: `Keep the ${what} under 4,096 characters.` });
	return pattern ? base.regex(pattern, { error: hint ?? `Check the ${what}.` }) : base;
};

const strip = <T extends Record<string, unknown>>(value: T) =>
	Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Record<
		string,
		string
	>;

export const INTEGRATION_TYPES: Record<IntegrationType, TypeSpec> = {
	github: {
		type: 'github',
		name: 'GitHub',
		inbound: 'github',
		fields: [
			{
				name: 'organisation',
				label: 'Organisation',
				help: 'List this organisation’s repositories; empty: every repository the token reaches.',
				required: false,
				placeholder: 'acme-inc'
			}
		],
		secrets: [
			{
				name: 'token',
				label: 'Access token',
				help: 'A fine-grained personal access token or app token with read access to repositories.',
				required: true,
				placeholder: 'github_pat_…'
			},
			{
				name: 'webhook_secret',
				label: 'Webhook secret',
				help: 'The secret of the GitHub webhook; leave empty to have one made, then paste it into GitHub.',
				required: false,
				generated: 'hex'
			}
		],
		config: z
			.object({
				organisation: optional(
					z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, {
						error: 'Enter a GitHub organisation login such as acme-inc.'
					})
				)
			})
			.strict()
			.transform(strip),
		secretValues: z
			.object({ token: secret('access token'), webhook_secret: optional(secret('webhook secret')) })
			.transform(strip)
	},
	slack: {
		type: 'slack',
		name: 'Slack',
		inbound: 'slack',
		fields: [
			{
				name: 'default_channel',
				label: 'Default channel',
				help: 'A channel id (C…) messages go to when none is chosen.',
				required: false,
				placeholder: 'C0123456789'
			}
		],
		secrets: [
			{
				name: 'bot_token',
				label: 'Bot token',
				help: 'The app’s Bot User OAuth Token (OAuth & Permissions), with channels:read, groups:read and chat:write.',
				required: true,
				placeholder: 'xoxb-…'
			},
			{
				name: 'signing_secret',
				label: 'Signing secret',
				help: 'The app’s Signing Secret (Basic Information), which signs the events Slack sends.',
				required: true
			}
		],
		config: z
			.object({
				default_channel: optional(
					z.string().regex(/^[CGD][A-Z0-9]{2,20}$/, {
						error: 'Enter a Slack channel id such as C0123456789.'
					})
				)
			})
			.strict()
			.transform(strip),
		secretValues: z
			.object({
				bot_token: secret(
					'bot token',
					/^xox[bpae]-[A-Za-z0-9-]+$/,
					'Enter a Slack token that starts with xoxb-.'
				),
				signing_secret: secret(
					'signing secret',
					/^[A-Za-z0-9]{16,128}$/,
					'Enter the signing secret as Slack shows it (letters and digits).'
				)
			})
			.transform(strip)
	},
	odoo: {
		type: 'odoo',
		name: 'Odoo',
		inbound: null,
		fields: [
			{
				name: 'base_url',
				label: 'Odoo URL',
				help: 'Where your Odoo answers, such as https://acme.odoo.com.',
				required: true
			},
			{ name: 'database', label: 'Database', help: 'The Odoo database name.', required: true },
			{
				name: 'username',
				label: 'User',
				help: 'The login of the user the API key belongs to.',
				required: true
			}
		],
		secrets: [
			{
				name: 'api_key',
				label: 'API key',
				help: 'An API key of that user (Preferences → Account Security).',
				required: true
			}
		],
		config: z
			.object({
				base_url: httpsUrl('Odoo URL'),
				database: secret(
					'database',
					/^[A-Za-z0-9_.-]{1,63}$/,
					'Enter the database name (letters, digits, _ . -).'
				),
				username: secret('user')
			})
			.strict()
			.transform(strip),
		secretValues: z.object({ api_key: secret('API key') }).transform(strip)
	},
	supabase: {
		type: 'supabase',
		name: 'Supabase',
		inbound: null,
		fields: [
			{
				name: 'project_url',
				label: 'Project URL',
				help: 'https://<project-ref>.supabase.co (Project Settings → API).',
				required: true
			}
		],
		secrets: [
			{
				name: 'api_key',
				label: 'API key',
				help: 'The project’s anon or service_role key.',
				required: true
			}
		],
		config: z
			.object({ project_url: httpsUrl('project URL') })
			.strict()
			.transform(strip),
		secretValues: z.object({ api_key: secret('API key') }).transform(strip)
	},
	generic_webhook: {
		type: 'generic_webhook',
		name: 'Inbound webhook',
		inbound: 'standard_webhooks',
		fields: [],
		secrets: [
			{
				name: 'signing_secret',
				label: 'Signing secret',
				help: 'The Standard Webhooks secret (whsec_…) the sender signs with; leave empty to have one made.',
				required: false,
				generated: 'whsec'
			}
		],
		config: z.object({}).strict().transform(strip),
		secretValues: z
			.object({
				signing_secret: optional(
					secret(
						'signing secret',
						/^whsec_[A-Za-z0-9+/=]{32,}$/,
						'Enter a secret like whsec_ followed by base64.'
					)
				)
			})
			.transform(strip)
	}
};

export const TYPE_KEYS = Object.keys(INTEGRATION_TYPES) as IntegrationType[];

export function isIntegrationType(value: string): value is IntegrationType {
	return Object.hasOwn(INTEGRATION_TYPES, value);
}
