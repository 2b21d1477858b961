import { describe, expect, it } from 'vitest';
import { destinationProblem } from './destination';
import {
	endpointFormSchema,
	NO_EVENT_CHOSEN,
	URL_HAS_CREDENTIALS,
	URL_INVALID,
	URL_NEEDS_HTTPS,
	webhookUrl
} from './schemas';
import { sealSecret } from '../platform/secrets';
import {
	generateSigningSecret,
	legacySecretContext,
	openSigningSecret,
	sealSigningSecret
} from './secrets';

const problem = (url: string, allowLoopback = false) => {
	const parsed = webhookUrl(allowLoopback).safeParse(url);
	return parsed.success ? null : parsed.error.issues[0]!.message;
};

describe('webhook endpoint URLs', () => {
	it('takes https URLs, and http only when loopback receivers are allowed', () => {
		expect(problem('https://hooks.example.com/in?x=1')).toBeNull();
		expect(problem('http://hooks.example.com/in')).toBe(URL_NEEDS_HTTPS);
		expect(problem('http://127.0.0.1:4000/in', true)).toBeNull();
	});

	it('refuses credentials, other schemes, spaces and overlong URLs in sentences', () => {
		expect(problem('https://user:pw@hooks.example.com/')).toBe(URL_HAS_CREDENTIALS);
		expect(problem('https://user@hooks.example.com/')).toBe(URL_HAS_CREDENTIALS);
		expect(problem('ftp://hooks.example.com/')).toBe(URL_INVALID);
		expect(problem('javascript:alert(1)', true)).toBe(URL_INVALID);
		expect(problem('https://hooks.example.com/a b')).toBe(URL_INVALID);
		expect(problem(`https://hooks.example.com/${'a'.repeat(2048)}`)).toMatch(/under 2,048/);
		expect(problem('')).toMatch(/Give the URL/);
	});

	it('adds the SSRF guard’s answer for the URL it was given, and only for that one', () => {
		const checked = { url: 'https://hooks.example.com/in', problem: 'The host … is private.' };
		expect(webhookUrl(false, checked).safeParse(checked.url).error?.issues[0]?.message).toBe(
			checked.problem
		);
		expect(webhookUrl(false, checked).safeParse('https://other.example.com/').success).toBe(true);
	});
});

describe('the endpoint form', () => {
	const form = endpointFormSchema(false);
	it('reads all events as none listed, and the ticked ones otherwise', () => {
		expect(
			form.parse({ url: 'https://h.example.com', events: 'all', 'event:member.added': 'on' })
		).toEqual({
			url: 'https://h.example.com',
			description: '',
			eventTypes: [],
			rateLimit: null
		});
		expect(
			form.parse({
				url: 'https://h.example.com',
				events: 'chosen',
				'event:project.created': 'on',
				'event:member.added': 'on',
				rateLimit: '20'
			})
		).toMatchObject({ eventTypes: ['member.added', 'project.created'], rateLimit: 20 });
	});

	it('refuses "only these" with none ticked, and a rate limit out of range', () => {
		const none = form.safeParse({ url: 'https://h.example.com', events: 'chosen' });
		expect(none.error?.issues.map((i) => [i.path[0], i.message])).toEqual([
			['eventTypes', NO_EVENT_CHOSEN]
		]);
		const rate = form.safeParse({ url: 'https://h.example.com', events: 'all', rateLimit: '0' });
		expect(rate.error?.issues[0]?.path[0]).toBe('rateLimit');
		expect(
			form.safeParse({ url: 'https://h.example.com', events: 'all', rateLimit: '1.5' }).success
		).toBe(false);
	});
});

describe('where a URL points, at save time', () => {
	const resolvesTo = (addresses: string[]) => async () => addresses;
	it('refuses a name that resolves to a private address, and lets a public one through', async () => {
		expect(
			await destinationProblem('https://in.example.com/', false, resolvesTo(['10.0.0.5']))
		).toMatch(/10\.0\.0\.5/);
		expect(
			await destinationProblem('https://in.example.com/', false, resolvesTo(['93.184.216.34']))
		).toBeNull();
	});

	it('refuses loopback unless it is allowed, and then only loopback', async () => {
		expect(await destinationProblem('https://127.0.0.1/', false)).not.toBeNull();
		expect(await destinationProblem('http://127.0.0.1:9/', true)).toBeNull();
		expect(await destinationProblem('http://[::ffff:10.0.0.1]/', true)).not.toBeNull();
	});
});

describe('signing secrets', () => {
	const config = {
		SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
		AUTH_JWT_SECRET: undefined,
		DATA_DIR: 'memory://',
		NODE_ENV: 'test' as const
	};

	it('are whsec_ and base64 of 32 random bytes', () => {
		const secret = generateSigningSecret();
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
		expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
		expect(generateSigningSecret()).not.toBe(secret);
	});

	it("are sealed as a version of the endpoint's owned secret and open only there", async () => {
		const tenantId = crypto.randomUUID();
		const sealed = await sealSigningSecret(config, { tenantId });
		expect(sealed.wrappedKey).toMatch(/^v1\.[0-9a-f]{8}\./);
		const version = {
			tenant_id: tenantId,
			secret_id: sealed.secretId,
			version_id: sealed.versionId,
			data_key_id: sealed.dataKeyId,
			wrapped_key: sealed.wrappedKey,
			ciphertext: sealed.ciphertext
		};
		const opened = await openSigningSecret(config, { id: sealed.versionId, version, sealed: null });
		expect(opened).toMatch(/^whsec_/);
		const next = await sealSigningSecret(config, { tenantId, secretId: sealed.secretId }, opened);
		expect(next.secretId).toBe(sealed.secretId);
		expect(next.versionId).not.toBe(sealed.versionId);
		await expect(
			openSigningSecret(config, {
				id: sealed.versionId,
				version: { ...version, version_id: crypto.randomUUID() },
				sealed: null
			})
		).rejects.toThrow();
		await expect(
			openSigningSecret(config, {
				id: sealed.versionId,
				version: { ...version, tenant_id: crypto.randomUUID() },
				sealed: null
			})
		).rejects.toThrow();
	});

	it('of the old form still open for their row, and only there', async () => {
		const id = crypto.randomUUID();
		const sealed = await sealSecret(config, 'whsec_old', legacySecretContext(id));
		expect(await openSigningSecret(config, { id, version: null, sealed })).toBe('whsec_old');
		await expect(
			openSigningSecret(config, { id: crypto.randomUUID(), version: null, sealed })
		).rejects.toThrow();
		expect(legacySecretContext(id)).toBe(`webhook_endpoint_secrets:${id}`);
		// After a key rotation the old form opens with the previous key, named as such.
		const rotated = {
			...config,
			SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
			SECRETS_ENCRYPTION_KEY_PREVIOUS: config.SECRETS_ENCRYPTION_KEY
		};
		expect(await openSigningSecret(rotated, { id, version: null, sealed })).toBe('whsec_old');
		await expect(
			openSigningSecret(
				{ ...rotated, SECRETS_ENCRYPTION_KEY_PREVIOUS: undefined },
				{ id, version: null, sealed }
			)
		).rejects.toThrow(/sealed with another key/);
	});
});
