/**
 * Serves every edge function at http://HOST:PORT/functions/v1/<name>, the URL `supabase start`
 * gives them locally. Each function folder's index.ts exports `handler(req)`; folders starting with
 * `_` hold shared code and are not functions (the Supabase CLI skips them too).
 */
const port = Number(Deno.env.get('FUNCTIONS_PORT') ?? 54321);
const hostname = Deno.env.get('FUNCTIONS_HOST') ?? '127.0.0.1';
const root = new URL('../', import.meta.url);

type Handler = (req: Request) => Promise<Response>;
const functions = new Map<string, Handler>();
for await (const entry of Deno.readDir(root)) {
	if (!entry.isDirectory || entry.name.startsWith('_')) continue;
	const module = await import(new URL(`${entry.name}/index.ts`, root).href);
	if (typeof module.handler !== 'function') {
		throw new Error(`supabase/functions/${entry.name}/index.ts must export handler(req)`);
	}
	functions.set(entry.name, module.handler);
}

Deno.serve({ port, hostname, onListen: () => {} }, (req) => {
	const match = /^\/functions\/v1\/([\w-]+)(\/.*)?$/.exec(new URL(req.url).pathname);
	const handler = match ? functions.get(match[1]!) : undefined;
	if (!handler) {
		return new Response(JSON.stringify({ error: 'No such function.' }), {
			status: 404,
			headers: { 'content-type': 'application/json' },
		});
	}
	return handler(req);
});
console.log(
	`edge functions: ${
		[...functions.keys()].map((n) => `http://${hostname}:${port}/functions/v1/${n}`).join(', ')
	}`,
);
