/**
 * A browser without the browser: fetch with a cookie jar, forms posted as a browser posts them
 * (urlencoded, same Origin), redirects not followed so tests see where the app sends them.
 */
export interface Reply {
	status: number;
	location: string | null;
	body: string;
}

export class SessionClient {
	private readonly jar = new Map<string, string>();

	constructor(readonly baseUrl: string) {}

	cookie(name: string): string | undefined {
		return this.jar.get(name);
	}

	setCookie(name: string, value: string): void {
		this.jar.set(name, value);
	}

	/** A second browser holding the same cookies (a copy kept by whoever stole them). */
	clone(): SessionClient {
		const copy = new SessionClient(this.baseUrl);
		for (const [name, value] of this.jar) copy.jar.set(name, value);
		return copy;
	}

	get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
		return this.send(path, { method: 'GET', headers });
	}

	post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
		return this.send(path, {
			method: 'POST',
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				origin: new URL(this.baseUrl).origin,
				...headers
			},
			body: new URLSearchParams(fields).toString()
		});
	}

	private async send(path: string, init: RequestInit): Promise<Reply> {
		const headers = new Headers(init.headers);
		if (!headers.has('accept')) headers.set('accept', 'text/html');
		if (this.jar.size) {
			headers.set('cookie', [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '));
		}
		const response = await fetch(new URL(path, this.baseUrl), {
			...init,
			headers,
			redirect: 'manual'
		});
		for (const line of response.headers.getSetCookie()) {
			const [pair, ...attributes] = line.split(';');
			const index = pair!.indexOf('=');
			const name = pair!.slice(0, index).trim();
			const value = pair!.slice(index + 1).trim();
			const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
			if (expired) this.jar.delete(name);
			else this.jar.set(name, value);
		}
		return {
			status: response.status,
			location: response.headers.get('location'),
			body: await response.text()
		};
	}
}
