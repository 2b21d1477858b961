import { migrationStatus, type Runtime } from './db';

export interface Health {
	status: 'ok' | 'migrations_pending' | 'unavailable';
	engine: 'embedded' | 'server' | null;
	migrations: { applied: number; latest: string | null; expected?: number };
	error?: string;
}

export async function checkHealth(runtime: Promise<Runtime>): Promise<Health> {
	let engine: Health['engine'] = null;
	try {
		const { engine: db, config } = await runtime;
		engine = db.kind;
		const status = await migrationStatus(db, config.MIGRATIONS_DIR);
		const current = status.applied === status.expected && status.latest === status.expectedLatest;
		return {
			status: current ? 'ok' : 'migrations_pending',
			engine,
			migrations: {
				applied: status.applied,
				latest: status.latest,
				...(current ? {} : { expected: status.expected })
			}
		};
	} catch (error) {
		return {
			status: 'unavailable',
			engine,
			migrations: { applied: 0, latest: null },
			error: (error as Error).message.split('\n')[0]
		};
	}
}
