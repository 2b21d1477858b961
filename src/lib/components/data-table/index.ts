export { default as DataTable } from './DataTable.svelte';
export { default as RowAction } from './RowAction.svelte';
export type { BulkAction, Column } from './types';
export type { ListPage } from './list';
