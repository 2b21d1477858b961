/**
 * What the secrets pages and the server share (docs/secrets.md): the formats, the owner types, the
 * name rule and the limits SQL checks again (20261203000100_secrets.sql, TN311–TN320).
 */
export const SECRET_FORMATS = ['opaque', 'json', 'pem', 'jwt'] as const;
export type SecretFormat = (typeof SECRET_FORMATS)[number];

export const SECRET_FORMAT_LABELS: Record<SecretFormat, string> = {
	opaque: 'Opaque text',
	json: 'JSON',
	pem: 'PEM certificate or key',
	jwt: 'JWT'
};

export const SECRET_OWNER_TYPES = [
	'integration',
	'webhook_endpoint',
	'sso_provider',
	'data_source',
	'model_provider',
	'workflow',
	'certificate'
] as const;
export type SecretOwnerType = (typeof SECRET_OWNER_TYPES)[number];

export const SECRET_OWNER_LABELS: Record<SecretOwnerType, string> = {
	integration: 'Integration',
	webhook_endpoint: 'Webhook endpoint',
	sso_provider: 'SSO provider',
	data_source: 'Data source',
	model_provider: 'Model provider',
	workflow: 'Workflow',
	certificate: 'TLS certificate'
};

/** Letters, digits, _ . -, not starting with . or -, at most 100 (SQL: TN311). */
export const SECRET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;
export const MAX_SECRET_NAME = 100;
export const MAX_SECRET_DESCRIPTION = 500;
/** UTF-8 bytes of a value (SQL bounds the ciphertext: TN320). */
export const MAX_VALUE_BYTES = 65536;
/** A JWT or certificate expiring within this many days is flagged on the page. */
export const EXPIRY_WARNING_DAYS = 30;

/** Whether an expiry is past, within EXPIRY_WARNING_DAYS, or further off (null: none). */
export function expiryState(
	expiresAt: Date | string | null,
	now = Date.now()
): 'expired' | 'soon' | 'later' | null {
	if (!expiresAt) return null;
	const at = new Date(expiresAt).getTime();
	if (at <= now) return 'expired';
	return at - now <= EXPIRY_WARNING_DAYS * 86_400_000 ? 'soon' : 'later';
}
