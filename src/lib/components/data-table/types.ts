/** How a DataTable is described: its columns and its bulk actions (client-safe). */
import type { Snippet } from 'svelte';

export interface Column<R> {
	/** The row's field shown when there is no `cell`, and the sort key when `sortable`. */
	key: string;
	label: string;
	/** The header links to sorting by `key` (the server's list must allow it). */
	sortable?: boolean;
	align?: 'start' | 'end' | 'center';
	/** Hidden on screens narrower than Tailwind's `sm` (640 px) or `md` (768 px). */
	hideBelow?: 'sm' | 'md';
	/** The header is read by screen readers only. */
	labelHidden?: boolean;
	cell?: Snippet<[R]>;
}

export interface BulkAction {
	/** The form action receiving the selected ids as `ids`, e.g. `?/revokeInvitations`. */
	action: string;
	label: string;
	variant?: 'default' | 'destructive' | 'outline';
	/** Asked in an alert dialog before the form is sent (with JavaScript on). */
	confirm?: {
		title: (count: number) => string;
		description: (count: number) => string;
		action: string;
	};
}
