/**
 * A shared dashboard's framing (issue 18 §6, docs/bi.md#sharing), on the production server: the
 * link's response carries a CSP whose frame-ancestors lists exactly the origins the tenant gave
 * the link — an unlisted origin is not in it — and 'none' (with X-Frame-Options DENY) when it gave none.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const EMBEDDED = 'E'.repeat(43);
const NOWHERE = 'N'.repeat(43);
const ORIGINS = ['https://intranet.acme.test', 'http://localhost:8080'];

/** The directive's sources, or null when the policy has no such directive. */
function frameAncestors(policy: string | null): string[] | null {
	const directive = (policy ?? '')
		.split(';')
		.map((d) => d.trim().split(/\s+/))
		.find(([name]) => name === 'frame-ancestors');
	return directive ? directive.slice(1) : null;
}

describe('the CSP frame-ancestors of a shared dashboard', () => {
	let app: App;

	beforeAll(async () => {
		app = await startApp();
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		try {
			const { rows } = await db.query<{ id: string }>(
				`insert into public.dashboards (tenant_id, name) values ($1, 'Framed') returning id`,
				[ACME]
			);
			const snapshot = JSON.stringify({
				dashboard: { name: 'Framed', description: '', timeRange: '30d', layout: [] },
				widgets: [],
				takenAt: new Date().toISOString()
			});
			for (const [token, origins] of [
				[EMBEDDED, ORIGINS],
				[NOWHERE, []]
			] as const) {
				await db.query(
					`insert into public.dashboard_shares (tenant_id, dashboard_id, token_hash, snapshot, allowed_origins)
					 values ($1, $2, $3, $4::jsonb, $5::text[])`,
					[ACME, rows[0]!.id, createHash('sha256').update(token).digest(), snapshot, origins]
				);
			}
		} finally {
			await db.end();
		}
	}, 120_000);
	afterAll(async () => {
		await app?.stop();
	});

	it("lists exactly the link's origins, and no other", async () => {
		const response = await fetch(`${app.url}/share/${EMBEDDED}`);
		expect(response.status).toBe(200);
		const sources = frameAncestors(response.headers.get('content-security-policy'));
		expect(sources?.sort()).toEqual([...ORIGINS].sort());
		expect(sources).not.toContain('https://evil.example');
		expect(sources).not.toContain("'self'");
		expect(response.headers.get('x-frame-options')).toBeNull();
	});

	it("is 'none' for a link with no origins, and for any other page", async () => {
		const response = await fetch(`${app.url}/share/${NOWHERE}`);
		expect(response.status).toBe(200);
		expect(frameAncestors(response.headers.get('content-security-policy'))).toEqual(["'none'"]);
		expect(response.headers.get('x-frame-options')).toBe('DENY');
		const signIn = await fetch(`${app.url}/auth/sign-in`);
		expect(frameAncestors(signIn.headers.get('content-security-policy'))).toEqual(["'none'"]);
	});

	it('is not opened up by an unknown link', async () => {
		const response = await fetch(`${app.url}/share/${'U'.repeat(43)}`);
		expect(response.status).toBe(404);
		expect(frameAncestors(response.headers.get('content-security-policy'))).toEqual(["'none'"]);
	});
});
