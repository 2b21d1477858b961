/**
 * The API reference page (/docs/api): Scalar's standalone bundle, served from our own origin
 * (/docs/api/standalone.js, read from node_modules once), reading /api/v1/openapi.json. The page
 * is not a Svelte page, so it carries its own Content-Security-Policy — as strict as the app's
 * (svelte.config.js): scripts and connections to this origin only; Scalar's web fonts are off, so
 * nothing is fetched from elsewhere.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

export const REFERENCE_CSP = [
	"default-src 'self'",
	"script-src 'self'",
	"style-src 'self' 'unsafe-inline'",
	"img-src 'self' data:",
	"font-src 'self' data:",
	"connect-src 'self'",
	"object-src 'none'",
	"base-uri 'self'",
	"form-action 'self'",
	"frame-ancestors 'none'"
].join('; ');

export const REFERENCE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tenantry REST API reference</title>
</head>
<body>
<script id="api-reference" data-url="/api/v1/openapi.json" data-configuration="{&quot;withDefaultFonts&quot;:false,&quot;hideClientButton&quot;:true}"></script>
<script src="/docs/api/standalone.js"></script>
</body>
</html>
`;

let bundle: Promise<Buffer> | undefined;

export function scalarBundle(): Promise<Buffer> {
	// The package exports no path to the file, so it is found from the package's entry point.
	const entry = createRequire(import.meta.url).resolve('@scalar/api-reference');
	bundle ??= readFile(`${entry.slice(0, entry.lastIndexOf('/dist/'))}/dist/browser/standalone.js`);
	return bundle;
}
