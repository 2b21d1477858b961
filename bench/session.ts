/**
 * npm run bench -- session [--iterations N] [--sessions N]
 *
 * What the revoked-session check costs per request (issue 9, 3.2). Every user transaction
 * (runWithClaims) whose claims name a session starts with `select private.assert_session_active()`
 * — one more statement, an index lookup of auth.sessions joined to auth.users. Measured side by
 * side on the same data, alternately: the transaction of a tenant page (set the request, then the
 * layout's three reads: the tenant, the caller's permissions, their tenants) with the check, and
 * the same without it (the claims minus `session_id`); then the check alone against an empty
 * transaction, the fixed cost. N live sessions (default 10,000) sit in auth.sessions so the lookup
 * is not on a toy table. Medians, ms per request and the ratio, on PGlite and (TEST_DATABASE_URL)
 * on Postgres.
 */
import { sql } from 'kysely';
import { EmbeddedAuth } from '../src/lib/server/auth/embedded';
import { listOutbox } from '../src/lib/server/auth/outbox';
import { runWithClaims } from '../src/lib/server/platform/rls';
import { findTenantBySlug, listMyTenants, myPermissions } from '../src/lib/server/tenancy/tenants';
import { argValue, compare, fmt, forEachEngine, table } from './_setup';

const SECRET = 'bench-session-secret-of-more-than-32-characters';

export async function run(args: string[]): Promise<void> {
	const iterations = Number(argValue(args, '--iterations') ?? 2000);
	const sessions = Number(argValue(args, '--sessions') ?? 10_000);
	console.log(
		`bench session: ${iterations} transactions per variant, ${sessions.toLocaleString('en')} other sessions`
	);
	await forEachEngine('session', async (engine, name) => {
		console.log(`\n=== ${name} ===`);
		const db = engine.db;
		const auth = new EmbeddedAuth({ db, secret: SECRET, appUrl: 'http://localhost:3000' });
		await auth.signUp({ email: 'bench@example.com', password: 'Bench-password-42' });
		const link = (await listOutbox(db, 1))[0]!.payload.link as string;
		await auth.confirmEmail(new URL(link).searchParams.get('token')!);
		const claims = await auth.verifyAccessToken(
			(await auth.signIn('bench@example.com', 'Bench-password-42')).accessToken
		);
		await runWithClaims(db, claims, (trx) =>
			sql`select public.create_tenant('bench-tenant', 'Bench')`.execute(trx)
		);
		await sql`insert into auth.sessions (id, user_id, created_at, updated_at, aal, not_after)
		          select gen_random_uuid(), ${claims.sub}, now(), now(), 'aal1', now() + interval '30 days'
		            from generate_series(1, ${sessions})`.execute(db);
		await sql`analyze auth.sessions`.execute(db);
		const withoutSession = { ...claims, session_id: undefined };

		const page = async (trx: Parameters<Parameters<typeof runWithClaims>[2]>[0]) => {
			const tenant = await findTenantBySlug(trx, 'bench-tenant');
			if (!tenant) throw new Error('the bench tenant is not readable');
			await myPermissions(trx, tenant.id);
			await listMyTenants(trx);
		};
		const request = await compare(
			iterations,
			() => runWithClaims(db, claims, page),
			() => runWithClaims(db, withoutSession, page)
		);
		const fixed = await compare(
			iterations,
			() => runWithClaims(db, claims, async () => {}),
			() => runWithClaims(db, withoutSession, async () => {})
		);
		console.log(
			table([
				['transaction', 'checked ms', 'unchecked ms', 'check costs ms', 'ratio'],
				[
					'tenant page (3 reads)',
					fmt(request.a),
					fmt(request.b),
					fmt(request.a - request.b),
					request.ratio.toFixed(2)
				],
				[
					'empty (fixed cost)',
					fmt(fixed.a),
					fmt(fixed.b),
					fmt(fixed.a - fixed.b),
					fixed.ratio.toFixed(2)
				]
			])
		);
	});
}
