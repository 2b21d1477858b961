/**
 * A model call that did not give an answer, in a sentence a page can show: `retryable` when
 * trying again later may succeed; `runId` when the failure was recorded as a run.
 */
export class AiError extends Error {
	constructor(
		message: string,
		readonly retryable: boolean,
		/** The provider's error type or code (rate_limit_exceeded, invalid_api_key …), or ours. */
		readonly code?: string,
		readonly runId?: string
	) {
		super(message);
		this.name = 'AiError';
	}

	withRun(runId: string): AiError {
		return new AiError(this.message, this.retryable, this.code, runId);
	}
}
