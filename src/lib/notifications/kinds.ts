/** What the notification pages share with the browser: the channels and the inbox's views. */
export const CHANNELS = ['in_app', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CATEGORY_LABELS: Record<string, string> = {
	security: 'Security',
	members: 'Members',
	teams: 'Teams',
	projects: 'Projects',
	billing: 'Billing',
	usage: 'Usage',
	api_keys: 'API keys',
	domains: 'Custom domains',
	webhooks: 'Webhooks',
	support: 'Support'
};

/** The bell's answer (GET /api/notifications) and each server-sent event's data. */
export interface BellState {
	unread: number;
	latest: {
		id: string;
		title: string;
		body: string;
		link: string | null;
		createdAt: string;
		read: boolean;
	}[];
}

/** One kind on a preferences or settings form, with what is chosen now. */
export interface MatrixRow {
	kind: string;
	category: string;
	label: string;
	recipients: string;
	locked: boolean;
	digestible: boolean;
	inApp: boolean;
	email: boolean;
	digest: 'off' | 'daily';
}

/** The rows as a refused form sent them (ticked boxes are "on"), so nothing typed is lost. */
export function keptChoices(rows: MatrixRow[], values: Record<string, string>): MatrixRow[] {
	return rows.map((row) =>
		row.locked
			? row
			: {
					...row,
					inApp: values[`${row.kind}:in_app`] === 'on',
					email: values[`${row.kind}:email`] === 'on',
					digest: values[`${row.kind}:digest`] === 'daily' ? 'daily' : 'off'
				}
	);
}
