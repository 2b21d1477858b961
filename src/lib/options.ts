/**
 * The constants the role, project and settings pages share with their schemas. Kept apart from
 * the schemas so the browser bundle of those pages does not pull in zod.
 */
import type { EnvironmentKind } from '$lib/server/platform/database';
import { enumValues } from './enums';

/** A permission checkbox is named `perm:<code>` (see createRoleSchema). */
export const PERMISSION_FIELD = 'perm:';

export const ENVIRONMENT_KINDS = enumValues<EnvironmentKind>()([
	'development',
	'staging',
	'production'
]);

/** The data regions tenants.data_region accepts. */
export const DATA_REGIONS = [
	{ value: 'us', label: 'United States' },
	{ value: 'eu', label: 'European Union' },
	{ value: 'uk', label: 'United Kingdom' },
	{ value: 'ca', label: 'Canada' },
	{ value: 'au', label: 'Australia' },
	{ value: 'ap', label: 'Asia Pacific' }
] as const;
