/**
 * Runs a system job on a timer: the first run at once, each next one `intervalMs` after the
 * previous finished (never two at a time). A failed run is logged and the schedule goes on.
 */
export function every(
	name: string,
	intervalMs: number,
	run: () => Promise<unknown>,
	log: (line: string) => void
): () => Promise<void> {
	let stopped = false;
	let timer: NodeJS.Timeout | undefined;
	let running: Promise<void> = Promise.resolve();
	const tick = () => {
		running = run()
			.then(
				() => undefined,
				(error: Error) => log(`${name} failed: ${error.message}`)
			)
			.finally(() => {
				if (!stopped) timer = setTimeout(tick, intervalMs).unref();
			});
	};
	timer = setTimeout(tick, 0).unref();
	return async () => {
		stopped = true;
		clearTimeout(timer);
		await running;
	};
}
