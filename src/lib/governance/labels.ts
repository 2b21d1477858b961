/** The retention actions in words, for the data-retention and console settings pages. */
export const RETENTION_ACTION_LABELS: Record<'delete' | 'anonymise', string> = {
	delete: 'Delete',
	anonymise: 'Anonymise'
};
