import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_SENTENCES, describeAudit } from './audit';

const MIGRATIONS = join(process.cwd(), 'supabase/migrations');

/**
 * Every action code the SQL can write: `<table>.insert|update|delete` for each table a migration
 * audits with private.enable_audit, and every 'subject.verb' literal in a statement that writes a
 * named event (audit_event, or the helpers that pass their action on to it).
 */
function actionCodesInMigrations(): string[] {
	const codes = new Set<string>();
	for (const file of readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql'))) {
		const text = readFileSync(join(MIGRATIONS, file), 'utf8').replace(/--[^\n]*/g, '');
		for (const match of text.matchAll(/select private\.enable_audit\('public\.(\w+)'/g)) {
			for (const op of ['insert', 'update', 'delete']) codes.add(`${match[1]}.${op}`);
		}
		for (const statement of text.split(';')) {
			if (!/private\.(audit_event|set_tenant_status|billing_transition)\(/.test(statement))
				continue;
			for (const [literal] of statement.matchAll(/'[a-z_]+\.[a-z_]+'/g))
				codes.add(literal.slice(1, -1));
		}
	}
	return [...codes].sort();
}

describe('the audit catalogue', () => {
	const codes = actionCodesInMigrations();

	it('finds the codes the migrations write (the derivation itself works)', () => {
		expect(codes).toContain('teams.insert');
		expect(codes).toContain('tenant_domains.delete');
		expect(codes).toContain('tenant.suspend');
		expect(codes).toContain('subscription.trial_end');
		expect(codes).toContain('member.invite');
		expect(codes.length).toBeGreaterThan(90);
	});

	it('has words for every action code the SQL can write', () => {
		const missing = codes.filter((code) => !(code in AUDIT_SENTENCES));
		expect(missing, `audit actions without a sentence in src/lib/format/audit.ts`).toEqual([]);
	});

	it('has no words for codes the SQL never writes', () => {
		const stale = Object.keys(AUDIT_SENTENCES).filter((code) => !codes.includes(code));
		expect(stale, 'sentences for actions no migration writes').toEqual([]);
	});
});

describe('describeAudit', () => {
	it("reads the database's own sessions as the system", () => {
		expect(
			describeAudit({ action: 'teams.insert', actor: 'sql:postgres', after: { name: 'Platform' } })
		).toBe('The system created the team Platform');
	});

	it('names the actor and the row', () => {
		expect(
			describeAudit({ action: 'teams.insert', actor: 'Ada Owner', after: { name: 'Platform' } })
		).toBe('Ada Owner created the team Platform');
		expect(
			describeAudit({ action: 'teams.delete', actor: 'Ada Owner', before: { name: 'Platform' } })
		).toBe('Ada Owner deleted the team Platform');
	});

	it('says which fields an update changed', () => {
		expect(
			describeAudit({
				action: 'projects.update',
				actor: 'Ada Owner',
				before: { name: 'Web' },
				after: { name: 'Website', updated_by: 'x' }
			})
		).toBe('Ada Owner changed the project Website (name, updated by)');
	});

	it('leaves out what the entry does not carry, with its lead-in', () => {
		expect(describeAudit({ action: 'tenant.suspend', actor: 'Grace Staff', after: {} })).toBe(
			'Grace Staff suspended the organisation'
		);
		expect(
			describeAudit({
				action: 'tenant.suspend',
				actor: 'Grace Staff',
				after: { reason: 'Unpaid invoices' }
			})
		).toBe('Grace Staff suspended the organisation: Unpaid invoices');
		expect(describeAudit({ action: 'memberships.insert', actor: null, actorType: 'system' })).toBe(
			'The system created the membership'
		);
	});

	it('says which version of which secret was revealed or used', () => {
		expect(
			describeAudit({
				action: 'secret.reveal',
				actor: 'Ada Owner',
				after: { name: 'API_KEY', version: 2 }
			})
		).toBe('Ada Owner revealed version 2 of the secret API_KEY');
		expect(
			describeAudit({
				action: 'secret.use',
				actor: null,
				actorType: 'system',
				after: { name: 'API_KEY', version: 1 }
			})
		).toMatch(/used version 1 of the secret API_KEY$/);
	});

	it('reads an unknown code as a sentence', () => {
		expect(describeAudit({ action: 'widgets.archive', actor: 'Ada Owner' })).toBe(
			'Ada Owner did "archive" on widgets'
		);
		expect(describeAudit({ action: 'reindex', actor: null })).toBe(
			'Someone did "reindex" on reindex'
		);
	});
});
