/** The kinds and states of a privacy request, and the sources of a consent (the migration's checks). */
export const GDPR_REQUEST_KINDS = [
	'access',
	'rectification',
	'erasure',
	'restriction',
	'objection'
] as const;
export type GdprRequestKind = (typeof GDPR_REQUEST_KINDS)[number];

export const GDPR_REQUEST_STATES = [
	'received',
	'verified',
	'in_progress',
	'completed',
	'refused'
] as const;
export type GdprRequestState = (typeof GDPR_REQUEST_STATES)[number];

export const CONSENT_SOURCES = ['page', 'api', 'import'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

export const KIND_LABELS: Record<GdprRequestKind, string> = {
	access: 'Access (a copy of my data)',
	rectification: 'Rectification (correct my data)',
	erasure: 'Erasure (delete my account and data)',
	restriction: 'Restriction (stop using my data for now)',
	objection: 'Objection (to a use of my data)'
};

export const STATE_LABELS: Record<GdprRequestState, string> = {
	received: 'Received',
	verified: 'Verified',
	in_progress: 'In progress',
	completed: 'Completed',
	refused: 'Refused'
};
