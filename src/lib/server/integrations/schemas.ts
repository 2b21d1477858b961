/**
 * The integration pages' forms. A form names its fields `name`, `cfg_<setting>` and
 * `secret_<secret>`; the type's own zod schemas (src/lib/integrations/types.ts) check the values,
 * each refusal reported on its field. Secret fields are never sent back with a refusal
 * (`withoutSecrets`).
 */
import { z } from 'zod';
import { id, requiredText } from '../../forms/messages';
import { INTEGRATION_TYPES, TYPE_KEYS, type IntegrationType } from '../../integrations/types';

export const CONFIG_FIELD = 'cfg_';
export const SECRET_FIELD = 'secret_';

const typeField = z.enum(TYPE_KEYS as [IntegrationType, ...IntegrationType[]], {
	error: 'Choose an integration type from the list.'
});

function pick(values: Record<string, unknown>, prefix: string, names: string[]) {
	return Object.fromEntries(names.map((n) => [n, String(values[`${prefix}${n}`] ?? '')]));
}

function check<T>(
	schema: z.ZodType<T>,
	value: unknown,
	prefix: string,
	ctx: z.RefinementCtx
): T | undefined {
	const parsed = schema.safeParse(value);
	if (parsed.success) return parsed.data;
	for (const issue of parsed.error.issues) {
		ctx.addIssue({
			code: 'custom',
			path: [`${prefix}${String(issue.path[0] ?? '')}`],
			message: issue.message
		});
	}
	return undefined;
}

/** The connect form: type, name, the type's settings and secrets. */
export const connectSchema = z
	.looseObject({ type: typeField, name: requiredText('name', 100) })
	.transform((form, ctx) => {
		const spec = INTEGRATION_TYPES[form.type];
		const config = check(
			spec.config,
			pick(
				form,
				CONFIG_FIELD,
				spec.fields.map((f) => f.name)
			),
			CONFIG_FIELD,
			ctx
		);
		const secrets = check(
			spec.secretValues,
			pick(
				form,
				SECRET_FIELD,
				spec.secrets.map((s) => s.name)
			),
			SECRET_FIELD,
			ctx
		);
		if (!config || !secrets) return z.NEVER;
		return { type: form.type, name: form.name, config, secrets };
	});

/** The settings form of an existing integration: a secret left empty keeps its value. */
export function integrationSettingsFor(type: IntegrationType) {
	const spec = INTEGRATION_TYPES[type];
	return z.looseObject({ name: requiredText('name', 100) }).transform((form, ctx) => {
		const config = check(
			spec.config,
			pick(
				form,
				CONFIG_FIELD,
				spec.fields.map((f) => f.name)
			),
			CONFIG_FIELD,
			ctx
		);
		if (!config) return z.NEVER;
		const secrets = Object.fromEntries(
			Object.entries(
				pick(
					form,
					SECRET_FIELD,
					spec.secrets.map((s) => s.name)
				)
			)
				.map(([k, v]) => [k, v.trim()])
				.filter(([, v]) => v !== '')
		);
		return { name: form.name, config, secrets };
	});
}

export const integrationIdSchema = z.object({ integration: id('Choose an integration.') });
export const eventIdSchema = z.object({ event: id('Choose an inbound event.') });

/** A refusal's kept values, without the secrets typed into the form. */
export function withoutSecrets<T>(result: T): T {
	const data = (result as { data?: { values?: Record<string, string> } })?.data;
	if (data?.values) {
		data.values = Object.fromEntries(
			Object.entries(data.values).filter(([k]) => !k.startsWith(SECRET_FIELD))
		);
	}
	return result;
}
