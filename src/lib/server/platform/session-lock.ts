/**
 * PGlite is one Postgres backend: one session, one transaction at a time. Everything that talks to
 * it — Kysely in this process and every client of the wire server — takes this lock for a whole
 * unit of work (a transaction, or one statement outside a transaction), so no one's statements ever
 * land inside someone else's transaction.
 */
export class SessionLock {
	#tail: Promise<void> = Promise.resolve();
	#waiting = 0;
	#held = false;

	/** Resolves when the lock is held; call the returned function exactly once to release it. */
	acquire(): Promise<() => void> {
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		const previous = this.#tail;
		this.#tail = previous.then(() => held);
		this.#waiting++;
		return previous.then(() => {
			this.#waiting--;
			this.#held = true;
			let released = false;
			return () => {
				if (released) return;
				released = true;
				this.#held = this.#waiting > 0;
				release();
			};
		});
	}

	/** Whether a unit of work holds the session now (the metrics' pool use). */
	get held(): boolean {
		return this.#held;
	}

	/** How many units of work are queued behind the current holder. */
	get waiting(): number {
		return this.#waiting;
	}
}
