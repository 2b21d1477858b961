/**
 * What the pages and the API do the same way: check where a URL points before saving it (outside
 * the transaction for a form: DNS is not waited on while the database is held), make and seal
 * secrets for create and rotate, and open the revealed one.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../platform/database';
import type { Config } from '../platform/config';
import { ensureRuntime } from '../platform/runtime';
import { destinationProblem } from './destination';
import { createEndpoint, revealSecret, rotateSecret, signingSecretOf } from './queries';
import { endpointFormSchema, urlProblem, type EndpointInput } from './schemas';
import { openSigningSecret, sealSigningSecret } from './secrets';

export type WebhookConfig = Pick<
	Config,
	'WEBHOOK_ALLOW_LOOPBACK' | 'SECRETS_ENCRYPTION_KEY' | 'AUTH_JWT_SECRET' | 'DATA_DIR' | 'NODE_ENV'
> &
	Partial<Pick<Config, 'SECRETS_ENCRYPTION_KEY_PREVIOUS'>>;

export async function webhookConfig(): Promise<WebhookConfig> {
	return (await ensureRuntime()).config;
}

/** The SSRF guard's sentence for a URL whose form is right; null when events may go there. */
export async function checkUrl(url: string, config: WebhookConfig): Promise<string | null> {
	if (urlProblem(url, config.WEBHOOK_ALLOW_LOOPBACK)) return null;
	return destinationProblem(url, config.WEBHOOK_ALLOW_LOOPBACK);
}

/**
 * The create/edit form's schema for this request: the submitted URL is checked (DNS and the SSRF
 * guard) first, from a copy of the body, so the form action's transaction never waits on DNS.
 */
export async function endpointFormFor(request: Request, config: WebhookConfig) {
	const url = String((await request.clone().formData()).get('url') ?? '').trim();
	return endpointFormSchema(config.WEBHOOK_ALLOW_LOOPBACK, {
		url,
		problem: await checkUrl(url, config)
	});
}

/** Creates an endpoint with a new signing secret (its owned secret's first version); returns its id. */
export async function createWithSecret(
	trx: Transaction<DB>,
	config: WebhookConfig,
	tenantId: string,
	input: EndpointInput
): Promise<string> {
	return createEndpoint(trx, tenantId, input, await sealSigningSecret(config, { tenantId }));
}

/** Rotates to a new signing secret (a new version); returns when the old one stops signing. */
export async function rotate(
	trx: Transaction<DB>,
	config: WebhookConfig,
	endpoint: { id: string; tenantId: string },
	overlapSeconds: number
): Promise<Date> {
	// Sealed for the endpoint's own tenant; one the caller does not see is refused by SQL (TN260).
	const owned = (await signingSecretOf(trx, endpoint.id)) ?? {
		tenantId: endpoint.tenantId,
		secretId: null
	};
	const sealed = await sealSigningSecret(config, owned);
	return rotateSecret(trx, endpoint.id, sealed, overlapSeconds);
}

/** The current signing secret in the clear (`whsec_…`); the reveal is audited by SQL. */
export async function reveal(
	trx: Transaction<DB>,
	config: WebhookConfig,
	endpointId: string
): Promise<string> {
	return openSigningSecret(config, await revealSecret(trx, endpointId));
}
