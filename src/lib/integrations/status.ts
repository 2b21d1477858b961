/** How the pages show an integration's and an inbound event's status (StatusBadge's tones). */
export function integrationStatus(status: 'connected' | 'error' | 'disconnected') {
	return {
		connected: { tone: 'active', label: 'Connected' },
		error: { tone: 'failed', label: 'Error' },
		disconnected: { tone: 'disconnected', label: 'Disconnected' }
	}[status];
}

export function eventStatus(status: 'queued' | 'processed' | 'failed') {
	return {
		queued: { tone: 'pending', label: 'Queued' },
		processed: { tone: 'succeeded', label: 'Processed' },
		failed: { tone: 'failed', label: 'Failed' }
	}[status];
}
