/**
 * The system jobs allowed to run as `service_role` — the one list, shared by the app
 * (src/lib/server/platform/rls.ts imports it) and the edge functions (_shared/db.ts). A job that
 * needs the service role is added here by name, so every use of the role is greppable and shows
 * in the audit trail (`request.jwt.claims` carries the job name as `job`). No imports: Deno and
 * Node both load this file as it is.
 */
export const SYSTEM_JOBS = [
	'db.seed',
	'ai.gateway',
	'api.idempotency_purge',
	'api.meter',
	'api_keys.meter',
	'api_keys.verify',
	'audit.seal',
	'auth.embedded',
	'bi.alert_slack',
	'bi.alerts',
	'bi.data_source',
	'bi.rollup',
	'bi.share',
	'bi.share_refresh',
	'billing.lifecycle',
	'domains.verify',
	'domains.resolve',
	'domains.dns_check',
	'domains.certificates',
	'email.send',
	'governance.maintenance',
	'governance.retention',
	'governance.schedule',
	'integrations.inbound',
	'integrations.sync',
	'members.invitation_email',
	'notifications.digest',
	'notifications.fan_out',
	'notifications.security',
	'notifications.slack',
	'ocr.recognize',
	'privacy.erase',
	'privacy.export',
	'privacy.export_purge',
	'privacy.reminders',
	'queue.work',
	'rag.ingest',
	'scim.provision',
	'secrets.rotate_key',
	'secrets.seal_seeded',
	'sso.signin',
	'storage.sweep',
	'stripe.webhook',
	'usage.rollup',
	'webhook.dispatch',
	'webhook.wake',
	'webhooks.move_secrets',
	'workflows.schedule',
	'workflows.step',
] as const;

export type SystemJob = (typeof SYSTEM_JOBS)[number];

/** Throws unless `job` is on the list (for callers whose job name is not checked by the compiler). */
export function assertSystemJob(job: string): asserts job is SystemJob {
	if (!(SYSTEM_JOBS as readonly string[]).includes(job)) {
		throw new Error(
			`"${job}" is not a registered system job; add it to SYSTEM_JOBS in supabase/functions/_shared/jobs.ts.`,
		);
	}
}
