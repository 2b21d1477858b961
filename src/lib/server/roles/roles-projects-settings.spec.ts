import { describe, expect, it } from 'vitest';
import { projectMemberSchema, projectSchema } from '../projects/schemas';
import { createRoleSchema, roleKey, updateRoleSchema } from './schemas';
import { settingsSchema } from '../tenancy/settings-schemas';

describe('role forms', () => {
	it('collect the ticked permissions from their perm:<code> checkboxes', () => {
		const parsed = createRoleSchema.parse({
			name: ' QA ',
			description: '',
			scope: 'project',
			'perm:tasks.read': 'on',
			'perm:projects.read': 'on',
			'perm:tasks.manage': 'off',
			other: 'on'
		});
		expect(parsed).toEqual({
			name: 'QA',
			description: '',
			scope: 'project',
			permissions: ['projects.read', 'tasks.read']
		});
	});

	it('refuse a blank name, an unknown role id and no permission at once', () => {
		const result = updateRoleSchema.safeParse({ roleId: 'x', name: '   ' });
		expect(result.success).toBe(false);
		const fields = result.error!.issues.map((i) => i.path[0]);
		expect(fields).toEqual(['roleId', 'name', 'permissions']);
	});

	it('refuse a role with no permissions (attack: an empty role was accepted)', () => {
		for (const schema of [createRoleSchema, updateRoleSchema]) {
			const result = schema.safeParse({
				roleId: '00000000-0000-4000-8000-000000000001',
				name: 'Empty',
				scope: 'tenant',
				'perm:tasks.read': 'off'
			});
			expect(result.error?.issues.map((i) => [i.path[0], i.message])).toEqual([
				['permissions', 'Tick at least one permission: a role that grants nothing is no role.']
			]);
		}
	});

	it('derive keys the roles table accepts', () => {
		const valid = /^[a-z][a-z0-9_]{1,47}$/;
		for (const name of [
			'QA',
			'Release Manager',
			'Ünïcode Rôle',
			'2nd line',
			'x',
			'!!!',
			'a'.repeat(90)
		]) {
			expect(roleKey(name)).toMatch(valid);
		}
		expect(roleKey('Release Manager')).toBe('release_manager');
		expect(roleKey('2nd line')).toBe('role_2nd_line');
		expect(roleKey('Ünïcode Rôle')).toBe('unicode_role');
	});
});

describe('project forms', () => {
	it('lower-case the address and refuse one with spaces', () => {
		expect(projectSchema.parse({ name: 'Web', slug: 'Web-App', description: '' }).slug).toBe(
			'web-app'
		);
		expect(projectSchema.safeParse({ name: 'Web', slug: 'web app' }).success).toBe(false);
	});

	it('read an empty project role as removing it', () => {
		const userId = '00000000-0000-4000-8000-000000000001';
		expect(projectMemberSchema.parse({ userId, roleId: '' })).toEqual({ userId, roleId: null });
	});
});

describe('settings form', () => {
	const good = {
		name: 'Acme',
		slug: 'acme',
		timezone: 'Europe/Paris',
		dataRegion: 'eu',
		primaryColor: '',
		logoUrl: ''
	};

	it('accepts empty branding and reads an absent checkbox as off', () => {
		expect(settingsSchema.parse(good)).toEqual({
			...good,
			primaryColor: undefined,
			logoUrl: undefined,
			requireMfa: false
		});
	});

	it('leaves reserved addresses to the database (tenants_slug_reserved, TN015)', () => {
		expect(settingsSchema.parse({ ...good, slug: 'admin' }).slug).toBe('admin');
	});

	it('refuses what tenants_branding_valid and tenants_slug_format refuse', () => {
		const result = settingsSchema.safeParse({
			...good,
			slug: 'ad--min',
			timezone: 'Mars/Olympus',
			primaryColor: 'red',
			logoUrl: 'http://example.com/logo.png',
			requireMfa: 'on'
		});
		expect(result.error!.issues.map((i) => i.path[0]).sort()).toEqual([
			'logoUrl',
			'primaryColor',
			'slug',
			'timezone'
		]);
	});
});
