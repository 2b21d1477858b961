/** Saved queries' typed parameters (the pages and the runner share them). */
import { z } from 'zod';

export const PARAMETER_TYPE_NAMES = [
	'text',
	'integer',
	'numeric',
	'date',
	'timestamptz',
	'boolean'
] as const;
export type ParameterType = (typeof PARAMETER_TYPE_NAMES)[number];

export interface QueryParameter {
	name: string;
	type: ParameterType;
	default?: string | number | boolean | null;
}

/** How a value of each type is read (what the form sends is text). */
export const PARAMETER_TYPES: Record<ParameterType, z.ZodType<string | number | boolean>> = {
	text: z.string().max(1000),
	integer: z.coerce.number().int().min(-9_007_199_254_740_991).max(9_007_199_254_740_991),
	numeric: z.coerce.number().finite(),
	date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
	timestamptz: z.iso.datetime({ offset: true }),
	boolean: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
};

/** The function a query calls to read a parameter of a type, e.g. analytics.param_date('since'). */
export function parameterCall(p: QueryParameter): string {
	return `analytics.param_${p.type}('${p.name}')`;
}
