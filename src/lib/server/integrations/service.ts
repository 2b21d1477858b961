/**
 * What the pages and the API do the same way: connect an integration (the row, its secrets as
 * owned secrets of the secrets module, generated ones made here, then the connection test),
 * change it, test it, and read its secrets' values for server code (useSecret: audited as a use).
 * Everything runs in the caller's transaction under the caller's claims; SQL decides.
 */
import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { DB } from '../platform/database';
import type { Config } from '../platform/config';
import { addSecretVersion, createSecret, useSecret } from '../secrets/service';
import { INTEGRATION_TYPES, type IntegrationType, type SecretSpec } from '../../integrations/types';
import { firstFailure, runChecks, type Check } from './checks';
import {
	findIntegration,
	insertIntegration,
	linkSecret,
	recordCheck,
	secretIds,
	updateIntegrationRow,
	type Integration
} from './queries';

export type IntegrationsConfig = Config;

export function generateSecret(spec: SecretSpec): string {
	return spec.generated === 'whsec'
		? `whsec_${randomBytes(32).toString('base64')}`
		: randomBytes(32).toString('hex');
}

/** Stores each given (or generated) secret; returns the generated values, by name. */
async function storeSecrets(
	trx: Transaction<DB>,
	config: IntegrationsConfig,
	integration: { id: string; tenantId: string; type: IntegrationType },
	values: Record<string, string>,
	generateMissing: boolean
): Promise<Record<string, string>> {
	const existing = await secretIds(trx, integration.id);
	const generated: Record<string, string> = {};
	for (const spec of INTEGRATION_TYPES[integration.type].secrets) {
		let value = values[spec.name];
		if (!value && spec.generated && generateMissing && !existing[spec.name]) {
			value = generated[spec.name] = generateSecret(spec);
		}
		if (!value) continue;
		const secretId = existing[spec.name];
		if (secretId) {
			await addSecretVersion(trx, config, {
				tenantId: integration.tenantId,
				secretId,
				value,
				format: 'opaque'
			});
		} else {
			const created = await createSecret(trx, config, {
				tenantId: integration.tenantId,
				name: spec.name,
				format: 'opaque',
				value,
				description: `${spec.label} of the ${INTEGRATION_TYPES[integration.type].name} integration`,
				owner: { type: 'integration', id: integration.id }
			});
			await linkSecret(trx, integration.id, spec.name, created.secretId);
		}
	}
	return generated;
}

/** Every secret of an integration in the clear, for the provider calls (audited as uses). */
export async function secretValues(
	trx: Transaction<DB>,
	config: IntegrationsConfig,
	integration: Pick<Integration, 'id' | 'tenantId'>
): Promise<Record<string, string>> {
	const values: Record<string, string> = {};
	for (const [name, secretId] of Object.entries(await secretIds(trx, integration.id))) {
		values[name] = await useSecret(trx, config, { tenantId: integration.tenantId, secretId });
	}
	return values;
}

export interface TestResult {
	ok: boolean;
	checks: Check[];
}

/** Runs the type's checks with the stored secrets and records the result (status, last error). */
export async function testIntegration(
	trx: Transaction<DB>,
	config: IntegrationsConfig,
	integration: Integration
): Promise<TestResult> {
	const secrets = await secretValues(trx, config, integration);
	const missing = INTEGRATION_TYPES[integration.type].secrets.filter(
		(s) => s.required && !secrets[s.name]
	);
	const { checks } = missing.length
		? {
				checks: missing.map((s) => ({
					name: s.label,
					ok: false,
					detail: `The ${s.label.toLowerCase()} is missing: enter it to connect.`
				}))
			}
		: await runChecks(integration.type, integration.config, secrets, config);
	const failure = firstFailure(checks);
	await recordCheck(trx, integration.id, failure === null, failure);
	return { ok: failure === null, checks };
}

export interface ConnectInput {
	tenantId: string;
	type: IntegrationType;
	name: string;
	config: Record<string, string>;
	secrets: Record<string, string>;
	projectId?: string | null;
	environmentId?: string | null;
}

/** Creates an integration with its secrets and tests it; returns it, the test and generated secrets. */
export async function connectIntegration(
	trx: Transaction<DB>,
	config: IntegrationsConfig,
	input: ConnectInput
): Promise<{ integration: Integration; test: TestResult; generated: Record<string, string> }> {
	const id = await insertIntegration(trx, input);
	const generated = await storeSecrets(
		trx,
		config,
		{ id, tenantId: input.tenantId, type: input.type },
		input.secrets,
		true
	);
	const created = (await findIntegration(trx, id))!;
	const test = await testIntegration(trx, config, created);
	return { integration: (await findIntegration(trx, id))!, test, generated };
}

/** Renames, reconfigures and (for each secret given) adds a new version of a secret. */
export async function updateIntegration(
	trx: Transaction<DB>,
	config: IntegrationsConfig,
	integration: Integration,
	input: { name: string; config: Record<string, string>; secrets: Record<string, string> }
): Promise<Record<string, string>> {
	await updateIntegrationRow(trx, integration.id, input.name, input.config);
	// A disconnected integration lost its secrets: generated ones are made again.
	return storeSecrets(
		trx,
		config,
		integration,
		input.secrets,
		integration.status === 'disconnected'
	);
}
