/** How the pages word a workflow's trigger and a run's start. */
export function triggerLabel(w: {
	triggerType: string;
	triggerEventType: string | null;
	scheduleCron: string | null;
}): string {
	switch (w.triggerType) {
		case 'event':
			return `On ${w.triggerEventType}`;
		case 'integration':
			return 'On an integration event';
		case 'schedule':
			return `On schedule ${w.scheduleCron}`;
		default:
			return 'When someone runs it';
	}
}

export const TRIGGER_KIND_LABELS: Record<string, string> = {
	event: 'An event',
	integration: 'An integration event',
	schedule: 'The schedule',
	manual: 'By hand',
	rerun: 'A re-run'
};
