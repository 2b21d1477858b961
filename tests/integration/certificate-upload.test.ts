/**
 * Certificate upload through the app as `npm start` runs it (issue 17 §4): certificates made by
 * the openssl CLI at test time (tests/support/certificates.ts), posted to Settings → Domains as a
 * browser without JavaScript posts them. A valid chain and key are stored and the key never comes
 * back — not in the page, not in the action's answer, not from the secrets API; a chain out of
 * order, a key of another certificate, names that do not cover the domain and an expired
 * certificate are each refused with their sentence under the field to change, the chain kept and
 * nothing written. The certificate.* and domain.primary_changed events the uploads, the primary
 * choice and the expiry job publish are parsed with their catalogue schemas.
 */
import { createPrivateKey } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePayload } from '../../src/lib/server/events/catalogue';
import { signInCookies, startApp, type App } from '../support/app';
import { certFactory, type CertFactory, type TestCert } from '../support/certificates';
import { SessionClient } from '../support/session-client';

const PASSWORD = 'password123!';
const ACME = 'b0000000-0000-4000-8000-000000000001';
const DOMAIN = 'secure.acme.test';
const PAGE = '/t/acme/settings/domains';

let app: App;
let db: pg.Client;
let certs: CertFactory;
let owner: SessionClient;
let domainId: string;
/** Every body the app answered in this file, to look for key material in. */
const answers: string[] = [];

async function rows<Row extends pg.QueryResultRow>(text: string, params: unknown[] = []) {
	return (await db.query<Row>(text, params)).rows;
}

function chainOf(...certificates: string[]): string {
	return certificates.map((c) => c.trim()).join('\n');
}

/** Pieces of a key as it could appear anywhere: the PEM's base64 lines and its DER in base64. */
function keyMaterial(key: string): string[] {
	const der = createPrivateKey(key).export({ format: 'der', type: 'pkcs8' }).toString('base64');
	const lines = key.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'));
	return [...lines, der.slice(0, 40), der.slice(-40)];
}

async function upload(chain: string, key: string) {
	const reply = await owner.post(`${PAGE}?/uploadCertificate`, {
		domainId,
		chain,
		privateKey: key
	});
	answers.push(reply.body);
	return reply;
}

/** The text of the element with this id (tags dropped; runs of white space folded unless `raw`), or null. */
function textOf(html: string, id: string, raw = false): string | null {
	const match = new RegExp(`<(\\w+)[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
	if (!match) return null;
	const text = match[2]!.replace(/<[^>]*>/g, '');
	return raw ? text.trim() : text.replace(/\s+/g, ' ').trim();
}

function decoded(text: string | null): string | null {
	return (
		text &&
		text
			.replace(/&#39;/g, "'")
			.replace(/&quot;/g, '"')
			.replace(/&amp;/g, '&')
	);
}

async function stored(): Promise<{ certificates: number; keys: number }> {
	const [row] = await rows<{ certificates: number; keys: number }>(
		`select (select count(*)::int from public.certificates where domain_id = $1) as certificates,
		        (select count(*)::int from public.secrets where owner_type = 'certificate' and tenant_id = $2) as keys`,
		[domainId, ACME]
	);
	return row!;
}

beforeAll(async () => {
	certs = certFactory();
	app = await startApp();
	db = new pg.Client(app.databaseUrl);
	await db.connect();
	// A verified domain, as the seed makes acme.example.com (only the verify job verifies in the app).
	const [domain] = await rows<{ id: string }>(
		`insert into public.tenant_domains (tenant_id, domain, verified_at, last_checked_at)
		 values ($1, $2, now(), now()) returning id`,
		[ACME, DOMAIN]
	);
	domainId = domain!.id;
	owner = new SessionClient(app.url);
	const signedIn = await owner.post('/auth/sign-in', {
		email: 'owner@acme.test',
		password: PASSWORD
	});
	expect(signedIn.status, signedIn.body.slice(0, 300)).toBe(303);
}, 240_000);

afterAll(async () => {
	await db?.end();
	await app?.stop();
	certs?.dispose();
});

describe('refused uploads: the sentence under the field to change, the chain kept, nothing written', () => {
	let leaf: TestCert;
	beforeAll(() => {
		leaf = certs.leaf({ names: [DOMAIN] });
	});

	async function expectRefused(
		chain: string,
		key: string,
		field: 'chain' | 'key',
		sentence: string | RegExp
	) {
		const before = await stored();
		const reply = await upload(chain, key);
		expect(reply.status, reply.body.slice(0, 300)).toBe(400);
		const other = field === 'chain' ? 'key' : 'chain';
		const shown = decoded(textOf(reply.body, `cert-${field}-errors`));
		if (typeof sentence === 'string') expect(shown).toBe(sentence);
		else expect(shown).toMatch(sentence);
		expect(textOf(reply.body, `cert-${other}-errors`)).toBeNull();
		// The chain as typed is back in its field; the key field is empty (a key is never echoed).
		expect(decoded(textOf(reply.body, 'cert-chain', true))).toBe(chain.trim());
		expect(textOf(reply.body, 'cert-key')).toBe('');
		for (const piece of keyMaterial(key)) expect(reply.body).not.toContain(piece);
		expect(reply.body).toMatch(new RegExp(`value="${domainId}"[^>]*selected`));
		expect(await stored()).toEqual(before);
	}

	it('a chain out of order', async () => {
		await expectRefused(
			chainOf(leaf.cert, certs.root.cert, certs.intermediate.cert),
			leaf.key,
			'chain',
			`Certificate 1 (${DOMAIN}) is not signed by certificate 2 (Tenantry Test Root): put the domain’s certificate first, then each issuer in order. ` +
				'Certificate 2 (Tenantry Test Root) is not signed by certificate 3 (Tenantry Test Intermediate): put the domain’s certificate first, then each issuer in order.'
		);
	});

	it('a key that is not the certificate’s, under the key field', async () => {
		const other = certs.leaf({ names: [DOMAIN] });
		await expectRefused(
			chainOf(leaf.cert, certs.intermediate.cert),
			other.key,
			'key',
			`The private key does not belong to certificate 1 (${DOMAIN}): upload the key its request was made with.`
		);
	});

	it('names that do not cover the domain', async () => {
		const elsewhere = certs.leaf({ names: ['other.acme.test', '*.secure.acme.test'] });
		await expectRefused(
			chainOf(elsewhere.cert, certs.intermediate.cert),
			elsewhere.key,
			'chain',
			`The certificate is for other.acme.test, *.secure.acme.test, not ${DOMAIN}: upload one whose names include ${DOMAIN} (or a wildcard over its parent).`
		);
	});

	it('an expired certificate', async () => {
		// days 0: openssl makes it end the second it begins, so it has expired when it arrives.
		const expired = certs.leaf({ names: [DOMAIN], days: 0 });
		await new Promise((r) => setTimeout(r, 1100));
		await expectRefused(
			chainOf(expired.cert, certs.intermediate.cert),
			expired.key,
			'chain',
			/^The certificate expired on \d{4}-\d\d-\d\d: renew it and upload the new one\.$/
		);
	});
});

describe('an accepted upload', () => {
	let leaf: TestCert;
	let keySecretId: string;

	it('stores the chain, seals the key and answers without it', async () => {
		leaf = certs.leaf({ names: [DOMAIN, `www.${DOMAIN}`] });
		const reply = await upload(chainOf(leaf.cert, certs.intermediate.cert), leaf.key);
		expect(reply.status, reply.body.slice(0, 300)).toBe(200);
		expect(reply.body).toContain(
			`The certificate for ${DOMAIN} was saved; its key is sealed and cannot be read back.`
		);
		const [row] = await rows<{ names: string[]; key_secret_id: string; ssl_status: string }>(
			`select c.names, c.key_secret_id, d.ssl_status from public.certificates c
			   join public.tenant_domains d on d.id = c.domain_id where c.domain_id = $1`,
			[domainId]
		);
		expect(row).toMatchObject({ names: [DOMAIN, `www.${DOMAIN}`], ssl_status: 'active' });
		keySecretId = row!.key_secret_id;
		const [secret] = await rows<{ owner_type: string; format: string }>(
			`select owner_type, format from public.secrets where id = $1`,
			[keySecretId]
		);
		expect(secret).toEqual({ owner_type: 'certificate', format: 'pem' });
	});

	it('shows the certificate on the page, never its key', async () => {
		const page = await owner.get(PAGE);
		answers.push(page.body);
		expect(page.status).toBe(200);
		expect(page.body).toContain(`www.${DOMAIN}`);
		expect(page.body).toContain('TLS active');
	});

	it('lists the key secret through the API, and refuses its value to the owner', async () => {
		const headers = {
			cookie: await signInCookies(app, 'owner@acme.test', PASSWORD),
			'tenantry-tenant': 'acme',
			accept: 'application/json'
		};
		for (const path of ['/api/v1/secrets', `/api/v1/secrets/${keySecretId}`]) {
			const res = await fetch(`${app.url}${path}`, { headers });
			const body = await res.text();
			answers.push(body);
			expect(res.status, `${path}: ${body.slice(0, 300)}`).toBe(200);
		}
		const value = await fetch(`${app.url}/api/v1/secrets/${keySecretId}/value`, { headers });
		const body = await value.text();
		answers.push(body);
		expect(value.status, body.slice(0, 300)).toBe(403);
		expect(JSON.parse(body)).toMatchObject({ code: 'TN594' });
	});

	it('no answer of the app so far held any of the uploaded keys', () => {
		expect(answers.length).toBeGreaterThanOrEqual(8);
		const leaks = answers.flatMap((body, i) =>
			keyMaterial(leaf.key)
				.filter((piece) => body.includes(piece))
				.map((piece) => `answer ${i}: ${piece}`)
		);
		expect(leaks).toEqual([]);
	});
});

describe('the events of certificates and of the primary domain', () => {
	it('publishes certificate.uploaded, domain.primary_changed and certificate.expiring with payloads their schemas accept', async () => {
		const primary = await owner.post(`${PAGE}?/primary`, { id: domainId });
		expect(primary.status, primary.body.slice(0, 300)).toBe(200);
		expect(primary.body).toContain(`${DOMAIN} is now the primary domain.`);
		// A certificate ending in five days, then the domains.certificates job's pass (as the job runs it).
		const soon = certs.leaf({ names: [DOMAIN], days: 5 });
		expect((await upload(chainOf(soon.cert, certs.intermediate.cert), soon.key)).status).toBe(200);
		await db.query('begin');
		await db.query('set local role service_role');
		const [sent] = await rows<{ sent: number }>(
			'select private.send_certificate_notices() as sent'
		);
		await db.query('commit');
		expect(sent!.sent).toBe(1);
		const events = await rows<{ type: string; payload: Record<string, unknown> }>(
			`select type, payload from public.events
			  where tenant_id = $1 and (type like 'certificate.%' or type = 'domain.primary_changed')
			  order by occurred_at, type`,
			[ACME]
		);
		expect(events.map((e) => e.type).sort()).toEqual([
			'certificate.expiring',
			'certificate.uploaded',
			'certificate.uploaded',
			'domain.primary_changed'
		]);
		const problems = events.flatMap((e) => {
			const parsed = parsePayload(e.type, e.payload);
			return parsed.success ? [] : [`${e.type}: ${parsed.error}`];
		});
		expect(problems).toEqual([]);
		const byType = (type: string) => events.filter((e) => e.type === type).map((e) => e.payload);
		expect(byType('domain.primary_changed')).toEqual([{ domain: DOMAIN }]);
		expect(byType('certificate.expiring')).toEqual([
			expect.objectContaining({ domain_id: domainId, domain: DOMAIN, threshold_days: 7 })
		]);
		expect(byType('certificate.uploaded')).toContainEqual(
			expect.objectContaining({ domain_id: domainId, names: [DOMAIN, `www.${DOMAIN}`] })
		);
	});
});
