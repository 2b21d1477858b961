import { describe, expect, it } from 'vitest';
import { failureSentence } from './failure';

describe('failureSentence', () => {
	it('prefers the whole form’s message', () => {
		expect(failureSentence({ message: 'Refused.', errors: { a: ['Field.'] } })).toBe('Refused.');
	});
	it('falls back to the first field that has an error', () => {
		expect(failureSentence({ errors: { a: [], b: ['Give a reason.'] } })).toBe('Give a reason.');
	});
	it('says something when the failure carries nothing', () => {
		expect(failureSentence(undefined)).toMatch(/^The action was refused/);
	});
});
