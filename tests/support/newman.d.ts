/** The part of newman's API (npm newman, no bundled types) that tests/integration/scim.test.ts uses. */
declare module 'newman' {
	interface NewmanRunFailure {
		source?: { name?: string };
		error: { test?: string; message: string };
	}
	interface NewmanRunSummary {
		run: {
			failures: NewmanRunFailure[];
			stats: {
				requests: { total: number; failed: number };
				assertions: { total: number; failed: number };
			};
		};
	}
	interface NewmanRunOptions {
		collection: unknown;
		envVar?: { key: string; value: string }[];
		reporters?: string[];
		timeoutRequest?: number;
	}
	const newman: {
		run(
			options: NewmanRunOptions,
			callback: (error: Error | null, summary: NewmanRunSummary) => void
		): void;
	};
	export default newman;
	export type { NewmanRunSummary };
}
