/**
 * What a RowAction learns from its DataTable: whether it renders as an item of the row's dropdown
 * menu or as a plain button, and how to ask the table's one confirmation dialog (the menu closes
 * when an item is chosen, so the dialog cannot live inside it).
 */
import { createContext } from 'svelte';

export interface RowConfirm {
	action: string;
	fields: Record<string, string>;
	label: string;
	title: string;
	description: string;
	confirmLabel?: string;
}

export const [inRowMenu, setInRowMenu] = createContext<() => boolean>();
export const [askRowConfirm, setAskRowConfirm] = createContext<(confirm: RowConfirm) => void>();
