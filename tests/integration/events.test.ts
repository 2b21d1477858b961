import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/lib/server/api-keys/queries';
import { addDomain, recordDomainCheck } from '../../src/lib/server/domains/queries';
import { EVENT_CATALOGUE, EVENT_TYPES, parsePayload } from '../../src/lib/server/events/catalogue';
import { getEvent, listEvents, listEventTypes } from '../../src/lib/server/events/queries';
import { acceptInvitation, inviteWithEmail } from '../../src/lib/server/members/invitations';
import { changeMemberRole, removeMember } from '../../src/lib/server/members/queries';
import type { DB } from '../../src/lib/server/platform/database';
import { runAsServiceRole, runWithClaims } from '../../src/lib/server/platform/rls';
import {
	createEnvironment,
	createProject,
	deleteEnvironment,
	deleteProject,
	renameEnvironment,
	updateProject
} from '../../src/lib/server/projects/queries';
import {
	addTeamMember,
	createTeam,
	deleteTeam,
	removeTeamMember,
	updateTeam
} from '../../src/lib/server/teams/queries';
import {
	assignTicket,
	createTicket,
	replyToTicket,
	setTicketStatus,
	staffReply
} from '../../src/lib/server/support/queries';
import { addSecretVersion, createSecret, revealSecret } from '../../src/lib/server/secrets/service';
import {
	addComment,
	createTask,
	listColumns,
	moveTask,
	setAssignees,
	updateTask
} from '../../src/lib/server/tasks/queries';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const GLOBEX = 'b0000000-0000-4000-8000-000000000002';
const OWNER = { sub: 'a0000000-0000-4000-8000-000000000011', email: 'owner@acme.test' };
const VIEWER = { sub: 'a0000000-0000-4000-8000-000000000014', email: 'viewer@acme.test' };
const AUDITOR = { sub: 'a0000000-0000-4000-8000-000000000015', email: 'auditor@acme.test' };
const GLOBEX_OWNER = { sub: 'a0000000-0000-4000-8000-000000000021', email: 'owner@globex.test' };
const FINANCE = { sub: 'a0000000-0000-4000-8000-000000002302', email: 'finance@tenantry.test' };
const SUPPORT = { sub: 'a0000000-0000-4000-8000-000000002301', email: 'support@tenantry.test' };
const BILLED = 'b0000000-0000-4000-8000-000000004200';
const FILED = 'b0000000-0000-4000-8000-000000004300';
const NEWCOMER = { sub: 'a0000000-0000-4000-8000-000000004201', email: 'newcomer42@example.test' };

/**
 * The zod catalogue against the SQL one, and every event the publishing triggers write — after
 * the seed and after driving each module's real actions through its queries and RPCs — parsed
 * with its type's schema.
 */
describe.each(engineFactories)('domain events on %s', (_name, factory) => {
	let t: TestEngine;
	let db: Kysely<DB>;

	const as = <T>(
		claims: { sub: string; email: string },
		fn: Parameters<typeof runWithClaims<T>>[2]
	) => runWithClaims(db, claims, fn);

	beforeAll(async () => {
		t = await seeded(factory);
		db = t.engine.db;
	});
	afterAll(() => t.dispose());

	it('has the same types and versions in SQL and in zod', async () => {
		const rows = await as(AUDITOR, (trx) => listEventTypes(trx));
		expect(rows.map((r) => [r.type, r.version, r.module, r.description])).toEqual(
			EVENT_TYPES.map((type) => {
				const def = EVENT_CATALOGUE[type];
				return [type, def.version, def.module, def.description];
			})
		);
	});

	it('publishes the secrets types from a create, a new version and a reveal', async () => {
		const config = {
			SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
			AUTH_JWT_SECRET: undefined,
			DATA_DIR: 'memory://',
			NODE_ENV: 'test' as const
		};
		const { secretId } = await as(GLOBEX_OWNER, (trx) =>
			createSecret(trx, config, {
				tenantId: GLOBEX,
				name: 'EVENTS_TOKEN',
				format: 'opaque',
				value: 'v1'
			})
		);
		await as(GLOBEX_OWNER, (trx) =>
			addSecretVersion(trx, config, { tenantId: GLOBEX, secretId, value: 'v2' })
		);
		expect(
			await as(GLOBEX_OWNER, (trx) => revealSecret(trx, config, { tenantId: GLOBEX, secretId }))
		).toBe('v2');
		const { rows } = await sql<{ type: string }>`
			select type from public.events where subject_type = 'secret' and subject_id = ${secretId}
			order by occurred_at, id`.execute(db);
		expect(rows.map((r) => r.type)).toEqual([
			'secret.created',
			'secret.version_added',
			'secret.revealed'
		]);
	});

	it('publishes the members, teams, projects, API keys and domains types from their real actions', async () => {
		// Members and invitations (the invitation's link comes out of the email outbox).
		await as(OWNER, (trx) =>
			inviteWithEmail(trx, {
				tenantId: ACME,
				email: NEWCOMER.email,
				roleId: null,
				appUrl: 'http://localhost',
				inviter: OWNER.email
			})
		);
		const { rows: links } = await sql<{ link: string }>`
			select payload->>'link' as link from private.email_outbox where to_address = ${NEWCOMER.email}`.execute(
			db
		);
		const token = links[0]!.link.split('/invite/')[1]!;
		await sql`insert into auth.users (id, aud, role, email, email_confirmed_at, created_at, updated_at)
			values (${NEWCOMER.sub}, 'authenticated', 'authenticated', ${NEWCOMER.email}, now(), now(), now())`.execute(
			db
		);
		await as(NEWCOMER, (trx) => acceptInvitation(trx, token));
		const { rows: roles } = await sql<{ id: string }>`
			select id from public.roles where tenant_id is null and key = 'developer'`.execute(db);
		await as(OWNER, (trx) => changeMemberRole(trx, ACME, VIEWER.sub, roles[0]!.id));
		await as(OWNER, (trx) => removeMember(trx, ACME, NEWCOMER.sub));

		// Teams, projects, environments.
		await as(OWNER, async (trx) => {
			const team = await createTeam(trx, ACME, { name: 'Events', description: 'Ships events' });
			await updateTeam(trx, ACME, team, { name: 'Events team', description: 'Ships events' });
			await addTeamMember(trx, ACME, team, VIEWER.sub);
			await removeTeamMember(trx, ACME, team, VIEWER.sub);
			await deleteTeam(trx, ACME, team);
			await createProject(trx, ACME, { slug: 'events42', name: 'Events', description: '' });
		});
		const { rows: projects } = await sql<{ id: string }>`
			select id from public.projects where tenant_id = ${ACME} and slug = 'events42'`.execute(db);
		const project = { id: projects[0]!.id, tenantId: ACME };
		await as(OWNER, async (trx) => {
			await updateProject(trx, project.id, {
				slug: 'events42',
				name: 'Events 2',
				description: 'x'
			});
			await createEnvironment(trx, project, { name: 'preview', kind: 'staging' });
		});
		const { rows: envs } = await sql<{ id: string }>`
			select id from public.environments where project_id = ${project.id} and name = 'preview'`.execute(
			db
		);
		await as(OWNER, async (trx) => {
			await renameEnvironment(trx, project.id, envs[0]!.id, 'review');
			await deleteEnvironment(trx, project.id, envs[0]!.id);
			await deleteProject(trx, project.id);
		});

		// API keys and domains.
		await as(OWNER, async (trx) => {
			const key = await createApiKey(trx, ACME, {
				name: 'events',
				mode: 'test',
				permissions: ['audit.read'],
				projectId: null,
				environmentId: null,
				expiresAt: null,
				rateLimit: 600
			});
			await revokeApiKey(trx, key.id);
			await addDomain(trx, ACME, 'events42.example.com');
		});
		const { rows: domains } = await sql<{ id: string }>`
			select id from public.tenant_domains where domain = 'events42.example.com'`.execute(db);
		await runAsServiceRole(db, 'domains.verify', (trx) =>
			recordDomainCheck(trx, domains[0]!.id, true, null)
		);
	});

	it("lists a tenant's events newest first, by type and by page, and gets one", async () => {
		const all = await as(AUDITOR, (trx) => listEvents(trx, ACME, {}, { limit: 5 }));
		expect(all.rows).toHaveLength(5);
		expect(all.hasOlder).toBe(true);
		const at = all.rows.map((r) => r.at);
		expect([...at].sort().reverse()).toEqual(at);
		const next = await as(AUDITOR, (trx) =>
			listEvents(trx, ACME, {}, { before: { at: all.rows[4]!.at, id: all.rows[4]!.id }, limit: 5 })
		);
		expect(next.rows.map((r) => r.id)).not.toContain(all.rows[4]!.id);
		expect(next.rows[0]!.at <= all.rows[4]!.at).toBe(true);

		const teams = await as(AUDITOR, (trx) =>
			listEvents(trx, ACME, { types: ['team.created', 'team.deleted'] }, { limit: 100 })
		);
		expect(teams.rows.length).toBeGreaterThan(0);
		expect(new Set(teams.rows.map((r) => r.type))).toEqual(
			new Set(['team.created', 'team.deleted'])
		);

		const one = await as(AUDITOR, (trx) => getEvent(trx, ACME, all.rows[0]!.id));
		expect(one?.id).toBe(all.rows[0]!.id);
		expect(await as(AUDITOR, (trx) => getEvent(trx, GLOBEX, all.rows[0]!.id))).toBeNull();
	});

	it('shows nothing to a member holding neither audit.read nor webhooks.manage', async () => {
		const { rows } = await sql<{ id: string }>`
			select id from public.roles where tenant_id is null and key = 'viewer'`.execute(db);
		await as(OWNER, (trx) => changeMemberRole(trx, ACME, VIEWER.sub, rows[0]!.id));
		const page = await as(VIEWER, (trx) => listEvents(trx, ACME, {}));
		expect(page.rows).toEqual([]);
	});
	it('publishes the task types from the board and the task page', async () => {
		const team = 'd0000000-0000-4000-8000-000000000001';
		await as(OWNER, async (trx) => {
			const id = await createTask(trx, { tenantId: ACME, teamId: team, title: 'Events task' });
			await updateTask(trx, ACME, id, { priority: 'high', dueOn: '2027-01-31' });
			const columns = await listColumns(trx, ACME, team);
			await moveTask(trx, id, columns.at(-1)!.id, null, null);
			await setAssignees(trx, ACME, id, [VIEWER.sub]);
			await addComment(trx, ACME, id, 'Over to you @viewer@acme.test');
		});
	});

	// Last: the lifecycle job it runs moves every tenant's subscription on by weeks.
	it('publishes the billing and usage types from the lifecycle job, payments, metering and invoices', async () => {
		// A trial that lapses and is suspended, paid by proof (verified), paid again (rejected),
		// metered past its soft and up to its hard limit, an invoice whose card payment fails before
		// it is paid, and the subscription cancelled.
		await sql`insert into public.tenants (id, slug, name, status) values (${BILLED}, 'events42', 'Events', 'active')`.execute(
			db
		);
		await sql`insert into public.memberships (tenant_id, user_id, is_owner) values (${BILLED}, ${GLOBEX_OWNER.sub}, true)`.execute(
			db
		);
		await sql`insert into public.subscriptions (tenant_id, plan_id, status, current_period_start, current_period_end, trial_end)
			select ${BILLED}, p.id, 'trialing', now() - interval '10 days', now() + interval '20 days', now() + interval '1 day'
			from public.plans p where p.code = 'pro'`.execute(db);
		await runAsServiceRole(db, 'billing.lifecycle', (trx) =>
			sql`select private.run_billing_lifecycle(now() + interval '2 days')`.execute(trx)
		);
		await runAsServiceRole(db, 'billing.lifecycle', (trx) =>
			sql`select private.run_billing_lifecycle(now() + interval '40 days')`.execute(trx)
		);
		const pay = async (approve: boolean, file: string) => {
			const { rows } = await as(GLOBEX_OWNER, (trx) =>
				sql<{
					id: string;
				}>`select public.submit_payment_proof(${BILLED}, 'pro', 'month', 2900, ${`${BILLED}/${file}`}) as id`.execute(
					trx
				)
			);
			await as(FINANCE, (trx) =>
				sql`select public.verify_payment(${rows[0]!.id}, ${approve}, ${approve ? null : 'Unreadable scan'})`.execute(
					trx
				)
			);
		};
		await pay(true, 'proof-1.pdf');
		await pay(false, 'proof-2.pdf');
		await as(GLOBEX_OWNER, (trx) =>
			sql`select public.record_usage(${BILLED}, 'compute_minutes', 9999, 'events42-1')`.execute(trx)
		);
		await as(GLOBEX_OWNER, (trx) =>
			sql`select public.record_usage(${BILLED}, 'compute_minutes', 1, 'events42-2')`.execute(trx)
		);
		await sql`insert into public.invoices (tenant_id, number, status, currency, total)
			values (${BILLED}, 'EV-42', 'open', 'usd', 2900)`.execute(db);
		await sql`insert into public.payments (tenant_id, invoice_id, provider, amount, currency, status, failure_reason)
			select ${BILLED}, i.id, 'stripe', 2900, 'usd', 'failed', 'card declined' from public.invoices i where i.number = 'EV-42'`.execute(
			db
		);
		await sql`update public.invoices set status = 'paid', amount_paid = 2900, paid_at = now() where number = 'EV-42'`.execute(
			db
		);
		await sql`update public.subscriptions set status = 'cancelled', cancelled_at = now()
			where tenant_id = ${BILLED} and status = 'active'`.execute(db);
	});

	it('publishes the storage types when a file is attached and deleted', async () => {
		// An organisation of its own: the lifecycle runs above moved the seeded ones onto limits their
		// seeded storage already passes.
		const path = `${FILED}/billing/${FILED}/e0000000-0000-4000-8000-000000000001/receipt.pdf`;
		await sql`insert into public.tenants (id, slug, name, status) values (${FILED}, 'events43', 'Files', 'active')`.execute(
			db
		);
		await sql`insert into public.memberships (tenant_id, user_id, is_owner) values (${FILED}, ${GLOBEX_OWNER.sub}, true)`.execute(
			db
		);
		await sql`insert into storage.objects (bucket_id, name, metadata)
			values ('payment-proofs', ${path}, '{"size": 9}')`.execute(db);
		await as(GLOBEX_OWNER, (trx) =>
			sql`insert into public.attachments (tenant_id, bucket, object_path, owner_type, owner_id, file_name,
				content_type, byte_size)
				values (${FILED}, 'payment-proofs', ${path}, 'billing', ${FILED}, 'receipt.pdf', 'application/pdf', 9)`.execute(
				trx
			)
		);
		await as(GLOBEX_OWNER, (trx) =>
			sql`delete from public.attachments where object_path = ${path}`.execute(trx)
		);
		const { rows } = await sql<{
			type: string;
			actor_id: string;
		}>`select type, actor_id from public.events
			where subject_type = 'attachment' and payload ->> 'file_name' = 'receipt.pdf' order by occurred_at, type`.execute(
			db
		);
		expect(rows).toEqual([
			{ type: 'attachment.added', actor_id: GLOBEX_OWNER.sub },
			{ type: 'attachment.deleted', actor_id: GLOBEX_OWNER.sub }
		]);
	});

	it('publishes the support types from the tickets, never for an internal note', async () => {
		// The storage test's organisation, which the billing lifecycle runs above left alone.
		const ticket = await as(GLOBEX_OWNER, (trx) =>
			createTicket(trx, FILED, {
				subject: 'Events test',
				description: 'Publishes the ticket types.',
				priority: 'low',
				category: 'general',
				project: null
			})
		);
		const note = await as(SUPPORT, (trx) =>
			staffReply(trx, ticket.id, { body: 'A note.', internal: true, status: null })
		);
		await as(SUPPORT, (trx) =>
			staffReply(trx, ticket.id, { body: 'An answer.', internal: false, status: 'pending' })
		);
		await as(SUPPORT, (trx) => assignTicket(trx, ticket.id, SUPPORT.sub));
		await as(GLOBEX_OWNER, (trx) => replyToTicket(trx, ticket.id, 'Thanks.'));
		await as(GLOBEX_OWNER, (trx) => setTicketStatus(trx, ticket.id, 'closed'));
		const { rows } = await sql<{ type: string; message: string | null; to: string | null }>`
			select type, payload ->> 'message_id' as message, payload ->> 'to' as to from public.events
			where subject_type = 'support_ticket' and subject_id = ${ticket.id}
			order by type, payload ->> 'to'`.execute(db);
		expect(rows.map((r) => [r.type, r.to])).toEqual([
			['ticket.assigned', null],
			['ticket.created', null],
			['ticket.replied', null],
			['ticket.replied', null],
			['ticket.status_changed', 'closed'],
			['ticket.status_changed', 'open'],
			['ticket.status_changed', 'pending']
		]);
		expect(rows.map((r) => r.message)).not.toContain(note);
	});

	it("writes only events that parse with their type's schema, and every type the modules own", async () => {
		const { rows: events } = await sql<{
			type: string;
			version: number;
			subject_type: string;
			payload: unknown;
		}>`select type, version, subject_type, payload from public.events`.execute(db);
		const problems = events.flatMap((e) => {
			const parsed = parsePayload(e.type, e.payload);
			const def = EVENT_CATALOGUE[e.type as keyof typeof EVENT_CATALOGUE];
			return [
				...(parsed.success ? [] : [`${e.type}: ${parsed.error}`]),
				...(def && e.subject_type !== def.subject ? [`${e.type}: subject ${e.subject_type}`] : []),
				...(def && e.version !== def.version ? [`${e.type}: version ${e.version}`] : [])
			];
		});
		expect(problems).toEqual([]);
		const published = new Set(events.map((e) => e.type));
		// Webhooks', integrations', workflows', SCIM's, AI's and SSO's own events come from their
		// dispatcher, inbound pipeline, engine, edge function, gateway and sign-ins
		// (tests/integration/workflows.test.ts, scim.test.ts, ai-gateway.test.ts and sso.test.ts parse
		// every event they cause); privacy's gdpr_request.* come from its RPCs and reminder job
		// (57-privacy.test.sql checks each); governance's come from its retention job and support's
		// "view as" (58-governance.test.sql checks each); data sources' data_source.* are parsed by
		// data-sources.test.ts, alerts' alert.* by bi-alerts.test.ts; dashboards' and saved queries'
		// by bi-share-refresh.test.ts; the DNS check's domain.dns_* by domain-records.test.ts, and
		// certificate.* and domain.primary_changed by certificate-upload.test.ts.
		const owned = EVENT_TYPES.filter(
			(type) =>
				!['webhooks', 'integrations', 'workflows', 'scim', 'ai', 'sso', 'governance'].includes(
					EVENT_CATALOGUE[type].module
				) &&
				!type.startsWith('gdpr_request.') &&
				!type.startsWith('data_source.') &&
				!type.startsWith('alert.') &&
				!/^(dashboard|saved_query|certificate)\./.test(type) &&
				!['domain.dns_checked', 'domain.dns_lost', 'domain.primary_changed'].includes(type)
		);
		expect(owned.filter((type) => !published.has(type))).toEqual([]);
	});
});
