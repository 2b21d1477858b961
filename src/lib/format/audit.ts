/**
 * Audit entries as sentences: "Ada Owner created the team Platform". Every action the SQL writes
 * has words here — the row triggers' `<table>.insert|update|delete` (private.enable_audit) and the
 * RPCs' named events (private.audit_event) — and `audit.spec.ts` reads the migrations, so a newly
 * audited table or event fails until it gets its words. An unknown code still reads as a sentence.
 */

type Values = Record<string, unknown> | null | undefined;

/** What a sentence is made from: an audit_logs row with its actor's name. */
export interface AuditEntry {
	action: string;
	/** The actor's display name or email; null for a system job or an unknown actor. */
	actor: string | null;
	actorType?: 'user' | 'api_key' | 'system';
	/** old_values */
	before?: Values;
	/** new_values */
	after?: Values;
}

/**
 * A row-audited table: its noun and the column that names a row ("the team Platform"). A row
 * without the column reads "the team".
 */
const TABLES: Record<string, { noun: string; label?: string }> = {
	tenants: { noun: 'organisation', label: 'name' },
	memberships: { noun: 'membership' },
	roles: { noun: 'role', label: 'name' },
	role_permissions: { noun: 'role permission', label: 'permission_code' },
	role_assignments: { noun: 'role assignment' },
	teams: { noun: 'team', label: 'name' },
	team_members: { noun: 'team membership' },
	projects: { noun: 'project', label: 'name' },
	environments: { noun: 'environment', label: 'name' },
	profiles: { noun: 'profile', label: 'full_name' },
	platform_staff: { noun: 'staff role', label: 'role' },
	system_settings: { noun: 'setting', label: 'key' },
	permissions: { noun: 'permission', label: 'code' },
	invitations: { noun: 'invitation', label: 'email' },
	plans: { noun: 'plan', label: 'name' },
	plan_limits: { noun: 'plan limit', label: 'metric' },
	billing_accounts: { noun: 'billing account', label: 'company_name' },
	subscriptions: { noun: 'subscription' },
	invoices: { noun: 'invoice', label: 'number' },
	api_keys: { noun: 'API key', label: 'name' },
	invoice_lines: { noun: 'invoice line', label: 'description' },
	payments: { noun: 'payment' },
	payment_methods: { noun: 'payment method', label: 'brand' },
	tenant_domains: { noun: 'domain', label: 'domain' },
	webhook_endpoints: { noun: 'webhook endpoint', label: 'url' },
	webhook_endpoint_secrets: { noun: 'webhook signing secret' },
	tenant_notification_settings: { noun: 'notification setting', label: 'kind' },
	support_tickets: { noun: 'support ticket', label: 'subject' },
	support_messages: { noun: 'support message' },
	support_macros: { noun: 'support macro', label: 'title' },
	secrets: { noun: 'secret', label: 'name' },
	secret_versions: { noun: 'secret version', label: 'version' },
	secret_data_keys: { noun: 'secret data key' },
	task_columns: { noun: 'board column', label: 'name' },
	tasks: { noun: 'task', label: 'title' },
	task_assignees: { noun: 'task assignment' },
	task_labels: { noun: 'task label', label: 'name' },
	task_label_links: { noun: 'label of a task' },
	task_comments: { noun: 'task comment' },
	attachments: { noun: 'file', label: 'file_name' },
	invitation_teams: { noun: 'team of an invitation' },
	integrations: { noun: 'integration', label: 'name' },
	integration_secrets: { noun: 'integration credential', label: 'name' },
	workflows: { noun: 'workflow', label: 'name' },
	workflow_approvals: { noun: 'workflow approval' },
	sso_providers: { noun: 'identity provider', label: 'name' },
	sso_domains: { noun: 'single sign-on domain', label: 'domain' },
	sso_settings: { noun: 'single sign-on setting' },
	user_identities: { noun: 'linked identity', label: 'email' },
	scim_tokens: { noun: 'SCIM token', label: 'name' },
	scim_users: { noun: 'SCIM user', label: 'user_name' },
	scim_groups: { noun: 'SCIM group', label: 'display_name' },
	gdpr_requests: { noun: 'privacy request', label: 'kind' },
	consent_purposes: { noun: 'consent purpose', label: 'name' },
	consents: { noun: 'consent', label: 'purpose' },
	data_classes: { noun: 'retention default', label: 'label' },
	data_policies: { noun: 'retention policy', label: 'data_class' },
	impersonation_sessions: { noun: '"view as" session' },
	model_providers: { noun: 'model provider', label: 'name' },
	llm_models: { noun: 'model', label: 'key' },
	tenant_model_providers: { noun: 'model provider access' },
	tenant_ai_settings: { noun: 'AI setting' },
	prompt_templates: { noun: 'prompt template', label: 'key' },
	prompt_template_versions: { noun: 'prompt template version', label: 'version' },
	rag_documents: { noun: 'document', label: 'title' },
	ocr_jobs: { noun: 'OCR job' },
	gdpr_exports: { noun: 'privacy export archive' },
	saved_queries: { noun: 'saved query', label: 'name' },
	dashboards: { noun: 'dashboard', label: 'name' },
	dashboard_widgets: { noun: 'dashboard widget', label: 'title' },
	dashboard_shares: { noun: 'dashboard share link' },
	announcements: { noun: 'announcement', label: 'title' },
	alerts: { noun: 'alert', label: 'name' },
	alert_channels: { noun: 'alert channel', label: 'kind' },
	data_sources: { noun: 'data source', label: 'name' },
	dns_records: { noun: 'DNS record', label: 'host' },
	certificates: { noun: 'TLS certificate', label: 'subject' },
	tenant_ip_allowlists: { noun: 'IP allowlist' }
};

/** Sentences of the RPCs' named events; `{key}` is the entry's after (then before) value. */
const EVENTS: Record<string, string> = {
	'tenant.create': '{actor} created the organisation {name}',
	'tenant.approve': '{actor} approved the organisation',
	'tenant.suspend': '{actor} suspended the organisation: {reason}',
	'tenant.reactivate': '{actor} reactivated the organisation',
	'tenant.archive': '{actor} archived the organisation',
	'tenant.ownership_transfer': '{actor} transferred ownership of the organisation',
	'member.invite': '{actor} invited {email}',
	'member.invite_revoke': '{actor} revoked the invitation for {email}',
	'member.join': '{actor} joined the organisation',
	'member.role_change': "{actor} changed a member's role",
	'member.remove': '{actor} removed a member',
	'member.leave': '{actor} left the organisation',
	'project.role_change': "{actor} changed a member's role in the project",
	'subscription.cancel': '{actor} cancelled the subscription at the end of the period',
	'subscription.resume': '{actor} resumed the subscription',
	'subscription.renew': 'The subscription renewed',
	'subscription.past_due': 'The subscription became past due',
	'subscription.expire': 'The subscription expired',
	'subscription.end': 'The subscription ended',
	'subscription.trial_end': 'The trial ended',
	'subscription.proof_overdue':
		'The subscription was released: no proof of payment arrived in time',
	'payment.submit': '{actor} submitted a payment for verification',
	'payment.approve': '{actor} approved a payment',
	'payment.reject': '{actor} rejected a payment: {note}',
	'usage.record': '{actor} recorded usage of {metric}',
	'usage.correct': '{actor} corrected usage of {metric}: {reason}',
	'stripe.checkout_completed': 'Checkout completed through Stripe',
	'stripe.customer_deleted': 'The Stripe customer was deleted',
	'stripe.trial_will_end': 'Stripe announced the end of the trial',
	'stripe.subscription_status': 'Stripe changed the subscription to {status}',
	'stripe.invoice_paid': 'An invoice was paid through Stripe',
	'stripe.payment_failed': 'A card payment failed',
	'domain.verify': '{actor} verified the domain {domain}',
	'webhook.secret_reveal': "{actor} revealed a webhook endpoint's signing secret",
	'webhook.test': '{actor} sent a test event to a webhook endpoint',
	'webhook.replay': '{actor} replayed a webhook delivery',
	'job.retry': '{actor} queued a failed {queue} job again',
	'job.cancel': '{actor} cancelled a {queue} job',
	'secret.reveal': '{actor} revealed version {version} of the secret {name}',
	'secret.use': '{actor} used version {version} of the secret {name}',
	'integration.event_replay': '{actor} replayed an inbound integration event',
	'workflow.run': '{actor} started a workflow run',
	'workflow.rerun': '{actor} ran a workflow run again',
	'workflow.cancel': '{actor} cancelled a workflow run',
	'sso.sign_in': '{actor} signed in through the identity provider',
	'privacy.erase': "{actor} erased a person's personal data",
	'retention.apply': '{actor} applied the retention policy: {rows} rows ({action})',
	'maintenance.run': '{actor} ran the maintenance jobs',
	'governance.run': '{actor} queued a retention or maintenance run',
	'domain.primary': '{actor} made {domain} the primary domain',
	'audit.checkpoint': "{actor} closed the audit log's month {month}: {chains} chains checkpointed",
	'audit.partition_dropped':
		"{actor} archived and dropped the audit log's month {month}: {rows} rows"
};

const VERBS: Record<string, string> = { insert: 'created', update: 'changed', delete: 'deleted' };

function rowSentences(): Record<string, string> {
	const sentences: Record<string, string> = {};
	for (const [table, { noun, label }] of Object.entries(TABLES)) {
		for (const [op, verb] of Object.entries(VERBS)) {
			sentences[`${table}.${op}`] = `{actor} ${verb} the ${noun}${label ? ` {${label}}` : ''}`;
		}
	}
	return sentences;
}

/** Every action code the app writes, with its sentence template. */
export const AUDIT_SENTENCES: Readonly<Record<string, string>> = { ...rowSentences(), ...EVENTS };

function valueOf(entry: AuditEntry, key: string): string | null {
	const value = entry.after?.[key] ?? entry.before?.[key];
	if (value === null || value === undefined || value === '') return null;
	return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A person's or key's name; the database's own sessions (`sql:postgres`, `job:…`) read as the system. */
function actorName(entry: AuditEntry): string {
	if (entry.actor && !/^(sql|job):/.test(entry.actor)) return entry.actor;
	return entry.actorType === 'system' || entry.actor ? 'The system' : 'Someone';
}

/** The readable form of an unknown code: "projects.archive" → "archive (projects)". */
function generic(action: string): string {
	const [subject = '', ...rest] = action.split('.');
	const what = rest.join(' ').replaceAll('_', ' ');
	return `{actor} did "${what || subject}" on ${subject.replaceAll('_', ' ')}`;
}

/**
 * The entry as a sentence. A `{key}` with no value is left out with the words that lead to it
 * (": {reason}", " {name}"); a row update names the fields it changed ("… the team Platform
 * (name, description)").
 */
export function describeAudit(entry: AuditEntry): string {
	const template = AUDIT_SENTENCES[entry.action] ?? generic(entry.action);
	let sentence = template.replace(
		/(: | )?\{(\w+)\}/g,
		(_, lead: string | undefined, key: string) => {
			const value = key === 'actor' ? actorName(entry) : valueOf(entry, key);
			return value === null ? '' : `${lead ?? ''}${value}`;
		}
	);
	if (entry.action.endsWith('.update') && entry.action in AUDIT_SENTENCES && entry.after) {
		const changed = Object.keys(entry.after).map((key) => key.replaceAll('_', ' '));
		if (changed.length) sentence += ` (${changed.join(', ')})`;
	}
	return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
