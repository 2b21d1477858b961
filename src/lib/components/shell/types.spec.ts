import { describe, expect, it } from 'vitest';
import { currentRoute } from './types';

const home = '/(app)/t/[slug]';
const sections = [
	home,
	'/(app)/t/[slug]/members',
	'/(app)/t/[slug]/settings',
	'/(app)/t/[slug]/settings/webhooks'
];

describe('currentRoute', () => {
	it('marks the deepest section a page is in, not its ancestors too', () => {
		expect(currentRoute(sections, '/(app)/t/[slug]/settings/webhooks/[endpoint]', home)).toBe(
			'/(app)/t/[slug]/settings/webhooks'
		);
		expect(currentRoute(sections, '/(app)/t/[slug]/settings', home)).toBe(
			'/(app)/t/[slug]/settings'
		);
		expect(currentRoute(sections, '/(app)/t/[slug]/members/[member]', home)).toBe(
			'/(app)/t/[slug]/members'
		);
	});

	it('matches the overview only on itself, and a name that merely starts alike not at all', () => {
		expect(currentRoute(sections, home, home)).toBe(home);
		expect(currentRoute(sections, '/(app)/t/[slug]/audit', home)).toBeNull();
		expect(currentRoute(sections, '/(app)/t/[slug]/membership', home)).toBeNull();
		expect(currentRoute(sections, null, home)).toBeNull();
	});
});
