/**
 * docs/api.md's examples, run verbatim: every ```sh block is run with bash against a freshly
 * seeded production server (TENANTRY_URL), in order, and the HTTP statuses its curl commands
 * print (`curl -si`; a body without a final newline runs into the next status line, so the
 * status lines are found anywhere) must be the `# → <status>` lines the block states.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';

const run = promisify(execFile);
const blocks = [...readFileSync('docs/api.md', 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].map(
	(m) => m[1]!
);

describe('docs/api.md', () => {
	let app: App;

	beforeAll(async () => {
		app = await startApp();
	});

	afterAll(async () => {
		await app?.stop();
	});

	it('has examples, each stating what it answers', () => {
		expect(blocks.length).toBeGreaterThanOrEqual(6);
		for (const block of blocks) expect(block).toMatch(/^# → \d{3}$/m);
	});

	it.each(blocks.map((block, i) => [i + 1, block] as const))(
		'example %i answers as it says',
		async (_, block) => {
			const expected = [...block.matchAll(/^# → (\d{3})$/gm)].map((m) => m[1]);
			const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', block], {
				env: { ...process.env, TENANTRY_URL: app.url },
				timeout: 30_000
			});
			const statuses = [...stdout.matchAll(/HTTP\/[\d.]+ (\d{3}) /g)].map((m) => m[1]);
			expect(statuses, stdout).toEqual(expected);
		}
	);
});
