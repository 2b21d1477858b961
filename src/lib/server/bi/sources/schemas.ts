/**
 * The data-source forms and the REST bodies (the rules of 20261206000200_data_sources.sql, checked
 * early with a sentence per field; SQL has the last word). The credential is write-only: it is in
 * what is sent, never in what is returned.
 */
import { z } from 'zod';
import { id, requiredText } from '../../../forms/messages';
import { savedQuerySchema } from '../schemas';

const name = requiredText('name', 100, 'Give the source a name.');
const rowLimit = z.coerce
	.number({ error: 'The row limit is a number.' })
	.int('The row limit is a whole number.')
	.min(1, 'The row limit is at least 1.')
	.max(10_000, 'The row limit is at most 10,000.')
	.default(1000);
const timeoutMs = z.coerce
	.number({ error: 'The timeout is a number of milliseconds.' })
	.int('The timeout is a whole number of milliseconds.')
	.min(100, 'The timeout is at least 100 ms.')
	.max(30_000, 'The timeout is at most 30,000 ms (30 s).')
	.default(5000);
const secret = z.string().max(4000, 'Keep the credential under 4,000 characters.').default('');
const recordsPath = z
	.string()
	.trim()
	.regex(
		/^\$(\.[A-Za-z_][A-Za-z0-9_]{0,62}|\[[0-9]{1,6}\]){0,10}$/,
		'A records path starts at $, like $ or $.data.items.'
	);

export const postgresSourceSchema = z.object({
	kind: z.literal('postgres'),
	name,
	host: z
		.string()
		.trim()
		.regex(
			/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$|^\[[0-9A-Fa-f:.]{2,45}\]$/,
			'The host is a name or an address, like db.example.com.'
		),
	port: z.coerce
		.number({ error: 'The port is a number.' })
		.int('The port is a whole number.')
		.min(1, 'The port is from 1 to 65535.')
		.max(65535, 'The port is from 1 to 65535.')
		.default(5432),
	database: z
		.string()
		.trim()
		.regex(
			/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/,
			'The database is a name of letters, digits and _ . -.'
		),
	user: z
		.string()
		.trim()
		.regex(
			/^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}$/,
			'The user is a name of letters, digits and _ . @ -.'
		),
	ssl: z
		.enum(['disable', 'require'], { error: 'Choose whether TLS is required.' })
		.default('require'),
	password: secret,
	rowLimit,
	timeoutMs
});

export const httpJsonSourceSchema = z.object({
	kind: z.literal('http_json'),
	name,
	url: z
		.string()
		.trim()
		.max(500, 'Keep the URL under 500 characters.')
		.regex(
			/^https?:\/\/[^/?#@\s]+(\/[^?#@\s]*)?$/,
			'The URL is http(s)://host/path, without a user, a query or a fragment: a key goes in the credential.'
		),
	recordsPath: recordsPath.default('$'),
	authHeader: z
		.string()
		.trim()
		.regex(/^([A-Za-z][A-Za-z0-9-]{0,62})?$/, 'A header name is letters, digits and -.')
		.default(''),
	// The header's value; named so a refused form never sends it back (platform/web/forms.ts).
	secretValue: secret,
	rowLimit,
	timeoutMs
});

export const sourceSchema = z.discriminatedUnion(
	'kind',
	[postgresSourceSchema, httpJsonSourceSchema],
	{
		error: 'Choose Postgres or HTTP JSON.'
	}
);
export type SourceInput = z.infer<typeof sourceSchema>;

export const sourceIdSchema = z.object({ source: id('No such data source.') });

/** A saved query over a source: SQL ($1 … in the parameters' order) or an HTTP records path. */
export const sourceQuerySchema = z.object({
	source: id('No such data source.'),
	name: requiredText('name', 100, 'Give the query a name.'),
	text: requiredText('query', 20000, 'Write the query (SQL, or a records path like $.items).'),
	// name:type, as the queries page takes them.
	parameters: savedQuerySchema.shape.parameters
});
