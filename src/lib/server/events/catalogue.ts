/**
 * The domain event catalogue in TypeScript: one zod schema per event type for its payload, with the
 * payload version, the subject type and the module that publishes it. The SQL catalogue
 * (`public.event_types`, supabase/migrations/20261202000000_events.sql) holds the same types and
 * versions — tests/integration/events.test.ts fails when the two differ, and parses every payload
 * the triggers write with these schemas. docs/events.md shows them as JSON Schema
 * (`npm run events:docs`).
 *
 * A payload carries ids and the few fields a receiver needs, never secrets, hashes or tokens.
 * Timestamps are ISO-8601 in UTC (`…Z`); amounts are integers in the currency's minor unit.
 */
import { z } from 'zod';

const id = z.uuid();
const at = z.iso.datetime();
const day = z.iso.date();
const roles = z.array(z.string()).meta({ description: 'Tenant-wide role keys, sorted.' });

const taskPriority = z.enum(['none', 'low', 'medium', 'high', 'urgent']);
const gdprRequest = z.object({
	request_id: id,
	kind: z.enum(['access', 'rectification', 'erasure', 'restriction', 'objection']),
	state: z.enum(['received', 'verified', 'in_progress', 'completed', 'refused']),
	due_at: at,
	summary: z.string()
});
const member = z.object({
	user_id: id,
	membership_id: id
});

const team = z.object({ name: z.string(), description: z.string() });
const scimUser = z.object({ scim_user_id: id, user_name: z.string(), active: z.boolean() });
const scimGroup = z.object({ scim_group_id: id, display_name: z.string(), team_id: id });
const project = z.object({ slug: z.string(), name: z.string(), description: z.string() });
const environment = z.object({
	project_id: id,
	kind: z.enum(['development', 'staging', 'production']),
	name: z.string()
});

const subscriptionStatus = z.enum([
	'trialing',
	'active',
	'past_due',
	'pending_verification',
	'cancelled',
	'expired'
]);
const subscription = z.object({
	plan: z.string().meta({ description: 'The plan code.' }),
	billing_interval: z.enum(['month', 'year']),
	status: subscriptionStatus,
	previous_status: subscriptionStatus.nullable().meta({ description: 'Null when it was created.' }),
	current_period_end: at.nullable(),
	trial_end: at.nullable(),
	cancel_at_period_end: z.boolean()
});

const usage = z.object({
	metric: z.string(),
	period_start: day,
	quantity: z.number().int(),
	soft_limit: z.number().int().nullable(),
	hard_limit: z.number().int().nullable()
});

const integrationType = z.enum(['github', 'slack', 'odoo', 'supabase', 'generic_webhook']);
const integration = z.object({
	integration_id: id,
	integration_type: integrationType,
	name: z.string()
});

const payment = z.object({
	subscription_id: id.nullable(),
	plan: z.string().nullable(),
	billing_interval: z.enum(['month', 'year']).nullable(),
	amount: z.number().int(),
	currency: z.string(),
	period_start: at.nullable(),
	period_end: at.nullable(),
	note: z
		.string()
		.nullable()
		.meta({ description: 'What billing staff wrote (a rejection says why).' })
});

const attachment = z.object({
	attachment_id: id,
	owner_type: z
		.string()
		.meta({ description: 'What owns the file (attachment_owners): ticket, task, billing …' }),
	owner_id: id,
	file_name: z.string(),
	byte_size: z.number().int()
});

export interface EventDefinition {
	version: number;
	/** The module that publishes it (event_types.module). */
	module: string;
	/** The subject_type of its events. */
	subject: string;
	/** event_types.description, word for word. */
	description: string;
	payload: z.ZodObject;
}

const ticketStatus = z.enum(['open', 'in_progress', 'pending', 'resolved', 'closed']);
const ticketCategory = z.enum(['general', 'technical', 'billing', 'account', 'feature_request']);
/** Every ticket.* payload: never an internal note's text. */
const ticket = z.object({
	ticket_id: id,
	number: z.number().int(),
	subject: z.string(),
	status: ticketStatus,
	priority: z.enum(['low', 'medium', 'high', 'urgent']),
	user_id: id.nullable().meta({ description: 'The person told: the requester, or the assignee.' }),
	summary: z.string()
});

const dashboard = z.object({
	name: z.string(),
	description: z.string(),
	time_range: z.enum(['24h', '7d', '30d', '90d', '365d'])
});
const savedQuery = z.object({
	name: z.string(),
	description: z.string(),
	mode: z.enum(['sql', 'builder'])
});

/** Both alert.* payloads (bi_alerts.sql, private.notify_alert). */
const alertPayload = z.object({
	alert_id: id,
	alert_event_id: id,
	name: z.string(),
	kind: z.enum(['threshold', 'anomaly', 'schedule']),
	status: z.enum(['firing', 'resolved', 'sent']),
	value: z
		.number()
		.nullable()
		.meta({ description: 'The value when it fired, or when it resolved.' }),
	started_at: at,
	resolved_at: at.nullable(),
	detail: z
		.record(z.string(), z.unknown())
		.meta({ description: 'The threshold and comparison, or the anomaly score, median and MAD.' }),
	channels: z.array(z.enum(['email', 'in_app', 'slack', 'webhook'])),
	summary: z.string()
});

/** A payload is strict (a field the schema does not name fails the catalogue test) unless loose. */
function event(
	module: string,
	subject: string,
	description: string,
	payload: z.ZodObject,
	{ version = 1, loose = false } = {}
): EventDefinition {
	return {
		version,
		module,
		subject,
		description,
		payload: loose ? payload.loose() : payload.strict()
	};
}

/** Every event type, by name. */
export const EVENT_CATALOGUE = {
	'member.added': event(
		'members',
		'member',
		'Someone joined the organisation (an invitation accepted, or added by staff).',
		member.extend({ owner: z.boolean(), invited_by: id.nullable() })
	),
	'member.removed': event(
		'members',
		'member',
		'Someone left or was removed from the organisation.',
		member.extend({
			left: z.boolean().meta({ description: 'True when the member left, false when removed.' })
		})
	),
	'member.role_changed': event(
		'members',
		'member',
		"A member's role changed.",
		member.extend({
			owner: z.boolean(),
			roles,
			previous: z
				.object({ owner: z.boolean(), roles })
				.nullable()
				.meta({ description: 'Null for an ownership transfer.' })
		})
	),
	'invitation.created': event(
		'members',
		'invitation',
		'An invitation was sent.',
		z.object({
			email: z.string(),
			role_id: id.nullable(),
			role: z.string().nullable(),
			expires_at: at,
			invited_by: id.nullable()
		})
	),
	'invitation.accepted': event(
		'members',
		'invitation',
		'An invitation was accepted.',
		z.object({ email: z.string(), user_id: id, role: z.string().nullable() })
	),
	'team.created': event('teams', 'team', 'A team was created.', team),
	'team.updated': event(
		'teams',
		'team',
		'A team was renamed or its description changed.',
		team.extend({ previous: team.partial().meta({ description: 'The fields that changed.' }) })
	),
	'team.deleted': event('teams', 'team', 'A team was deleted.', z.object({ name: z.string() })),
	'team.member_added': event(
		'teams',
		'team',
		'A member was added to a team.',
		z.object({ team_id: id, user_id: id })
	),
	'team.member_removed': event(
		'teams',
		'team',
		'A member was removed from a team.',
		z.object({ team_id: id, user_id: id })
	),
	'project.created': event('projects', 'project', 'A project was created.', project),
	'project.updated': event(
		'projects',
		'project',
		'A project was renamed or its settings changed.',
		project.extend({
			previous: project.partial().meta({ description: 'The fields that changed.' })
		})
	),
	'project.deleted': event(
		'projects',
		'project',
		'A project was deleted.',
		z.object({ slug: z.string(), name: z.string() })
	),
	'environment.created': event(
		'projects',
		'environment',
		'An environment was added to a project.',
		environment
	),
	'environment.updated': event(
		'projects',
		'environment',
		'An environment was renamed or changed.',
		environment.extend({
			previous: environment
				.pick({ kind: true, name: true })
				.partial()
				.meta({ description: 'The fields that changed.' })
		})
	),
	'environment.deleted': event(
		'projects',
		'environment',
		'An environment was deleted.',
		environment
	),
	'subscription.trialing': event(
		'billing',
		'subscription',
		"A subscription's trial started.",
		subscription
	),
	'subscription.active': event(
		'billing',
		'subscription',
		'A subscription became active.',
		subscription
	),
	'subscription.past_due': event(
		'billing',
		'subscription',
		"A subscription's payment is overdue.",
		subscription
	),
	'subscription.suspended': event(
		'billing',
		'subscription',
		'The organisation was suspended for an unpaid subscription.',
		z.object({ plan: z.string(), status: subscriptionStatus, reason: z.string() })
	),
	'subscription.cancelled': event(
		'billing',
		'subscription',
		'A subscription was cancelled.',
		subscription
	),
	'invoice.paid': event(
		'billing',
		'invoice',
		'An invoice was paid.',
		z.object({
			number: z.string().nullable(),
			subscription_id: id.nullable(),
			currency: z.string(),
			total: z.number().int(),
			amount_paid: z.number().int(),
			paid_at: at.nullable()
		})
	),
	'invoice.payment_failed': event(
		'billing',
		'invoice',
		'A payment of an invoice failed.',
		z.object({
			number: z.string().nullable(),
			payment_id: id,
			subscription_id: id.nullable(),
			currency: z.string(),
			amount_due: z.number().int(),
			failure_reason: z.string().nullable()
		})
	),
	'payment.verified': event(
		'billing',
		'payment',
		'A manual payment was verified and approved.',
		payment
	),
	'payment.rejected': event('billing', 'payment', 'A manual payment was rejected.', payment),
	'usage.soft_limit': event(
		'usage',
		'usage_metric',
		'Usage of a metric crossed its soft limit.',
		usage
	),
	'usage.hard_limit': event(
		'usage',
		'usage_metric',
		'Usage of a metric reached its hard limit.',
		usage
	),
	'api_key.created': event(
		'api_keys',
		'api_key',
		'An API key was created.',
		z.object({
			name: z.string(),
			prefix: z
				.string()
				.meta({ description: 'The shown start of the key (tnt_<mode>_…), not the key.' }),
			mode: z.enum(['live', 'test']),
			scope: z.enum(['tenant', 'project', 'environment']),
			project_id: id.nullable(),
			environment_id: id.nullable(),
			permissions: z.array(z.string()),
			expires_at: at.nullable(),
			rotated_from: id.nullable(),
			created_by: id
		})
	),
	'api_key.revoked': event(
		'api_keys',
		'api_key',
		'An API key was revoked.',
		z.object({ name: z.string(), prefix: z.string(), revoked_by: id.nullable() })
	),
	'domain.verified': event(
		'domains',
		'domain',
		"A custom domain's DNS was verified.",
		z.object({ domain: z.string(), verified_at: at })
	),
	'webhook.test': event(
		'webhooks',
		'webhook_endpoint',
		'A test event sent to one endpoint on request.',
		z.object({ endpoint_id: id, message: z.string() })
	),
	'webhook.endpoint_disabled': event(
		'webhooks',
		'webhook_endpoint',
		'A webhook endpoint was turned off after it failed for days or answered 410.',
		z.object({
			url: z.string(),
			reason: z
				.enum(['gone', 'failing'])
				.meta({ description: 'gone: it answered 410; failing: no success for days.' }),
			failing_since: at.nullable(),
			error: z.string().nullable().meta({ description: 'The last attempt’s error or status.' })
		})
	),
	'attachment.added': event(
		'storage',
		'attachment',
		'A file was attached (to a ticket, a task, a payment proof …).',
		attachment.extend({
			content_type: z.string().meta({ description: 'The type its first bytes proved.' })
		})
	),
	'attachment.deleted': event(
		'storage',
		'attachment',
		'An attached file was deleted (by hand or with what owned it).',
		attachment
	),
	'ticket.created': event(
		'support',
		'support_ticket',
		'A support ticket was opened.',
		ticket.extend({ category: ticketCategory, project_id: id.nullable() })
	),
	'ticket.replied': event(
		'support',
		'support_ticket',
		'Someone replied on a support ticket (internal notes publish nothing).',
		ticket.extend({
			message_id: id,
			author_side: z.enum(['customer', 'staff']).meta({
				description:
					'customer: the organisation (user_id is the assignee); staff: support (user_id is the requester).'
			})
		})
	),
	'ticket.assigned': event(
		'support',
		'support_ticket',
		'A support ticket was assigned to a staff member (or unassigned).',
		ticket.extend({ assignee_id: id.nullable() })
	),
	'ticket.status_changed': event(
		'support',
		'support_ticket',
		"A support ticket's status changed (opened again, pending, resolved, closed, merged).",
		ticket.extend({ from: ticketStatus, to: ticketStatus })
	),
	'secret.created': event(
		'secrets',
		'secret',
		'A secret was created (its first version).',
		z.object({
			secret_id: id,
			name: z.string(),
			format: z.enum(['opaque', 'json', 'pem', 'jwt']),
			project_id: id.nullable(),
			owner_type: z
				.string()
				.nullable()
				.meta({ description: 'The module row it belongs to (integration, webhook_endpoint …).' }),
			owner_id: id.nullable(),
			version: z.int()
		})
	),
	'secret.version_added': event(
		'secrets',
		'secret',
		'A new version of a secret became current.',
		z.object({ secret_id: id, name: z.string(), version: z.int(), version_id: id })
	),
	'secret.revealed': event(
		'secrets',
		'secret',
		'Someone read a secret’s value.',
		z.object({
			secret_id: id,
			name: z.string(),
			version: z.int().meta({ description: 'The version whose value was read (never the value).' })
		})
	),
	'integration.connected': event(
		'integrations',
		'integration',
		"An integration's connection check passed (it was not connected before).",
		integration
	),
	'integration.disconnected': event(
		'integrations',
		'integration',
		'An integration was disconnected (or deleted): its secrets and caches are gone.',
		integration
	),
	'integration.failed': event(
		'integrations',
		'integration',
		"An integration's connection check or sync failed (it was not failing before).",
		integration.extend({ error: z.string().meta({ description: 'The failed check, in words.' }) })
	),
	'integration.event_received': event(
		'integrations',
		'integration',
		'An inbound event from a provider was verified and processed.',
		z.object({
			integration_id: id,
			integration_type: integrationType,
			provider_event: z.string().meta({
				description: 'The provider’s event: push, pull_request.opened, message, channel_created …'
			}),
			delivery_id: z.string().meta({
				description: 'The provider’s delivery id (X-GitHub-Delivery, Slack event_id, webhook-id).'
			}),
			summary: z.string().meta({ description: 'What happened, in a sentence.' })
		})
	),
	'workflow.run_started': event(
		'workflows',
		'workflow_run',
		'A workflow run started its first step.',
		z.object({
			workflow_id: id,
			run_id: id,
			version: z.number().int(),
			trigger_kind: z.enum(['event', 'integration', 'schedule', 'manual', 'rerun'])
		})
	),
	'workflow.run_succeeded': event(
		'workflows',
		'workflow_run',
		'A workflow run finished every step.',
		z.object({ workflow_id: id, run_id: id, version: z.number().int() })
	),
	'workflow.run_failed': event(
		'workflows',
		'workflow_run',
		'A workflow run failed (a step gave up after its retries).',
		z.object({
			workflow_id: id,
			run_id: id,
			step_id: z.string(),
			name: z.string().meta({ description: 'The workflow’s name.' }),
			summary: z.string().nullable().meta({ description: 'The step’s error.' })
		})
	),
	'workflow.approval_requested': event(
		'workflows',
		'workflow_run',
		"A workflow run waits for a member's approval (one event per approver).",
		z.object({
			user_id: id.meta({ description: 'The member asked to decide.' }),
			approval_id: id,
			workflow_id: id,
			run_id: id,
			step_id: z.string(),
			permission: z.string().meta({ description: 'The permission a decider holds.' }),
			expires_at: at,
			summary: z.string()
		})
	),
	'workflow.notification': event(
		'workflows',
		'workflow_run',
		'A workflow\'s "send notification" step told a member something.',
		z.object({
			user_id: id.meta({ description: 'The member told.' }),
			workflow_id: id,
			run_id: id,
			step_id: z.string(),
			summary: z.string().meta({ description: 'The message.' })
		})
	),
	'task.created': event(
		'tasks',
		'task',
		"A task was created on a team's board.",
		z.object({
			task_id: id,
			team_id: id,
			project_id: id.nullable(),
			column_id: id,
			title: z.string(),
			priority: taskPriority
		})
	),
	'task.updated': event(
		'tasks',
		'task',
		"A task's title, description, priority, due date or project changed.",
		z.object({
			task_id: id,
			team_id: id,
			title: z.string(),
			priority: taskPriority,
			due_on: day.nullable(),
			project_id: id.nullable(),
			previous: z
				.record(z.string(), z.unknown())
				.meta({ description: 'The old values of the fields that changed.' })
		})
	),
	'task.moved': event(
		'tasks',
		'task',
		'A task moved to another column, or to another place in its column.',
		z.object({
			task_id: id,
			team_id: id,
			title: z.string(),
			from_column_id: id,
			to_column_id: id,
			position: z
				.string()
				.meta({ description: 'Its fractional key in the column (bytewise order).' })
		})
	),
	'task.assigned': event(
		'tasks',
		'task',
		'Someone was assigned to a task.',
		z.object({ task_id: id, team_id: id, user_id: id, title: z.string(), summary: z.string() })
	),
	'task.commented': event(
		'tasks',
		'task',
		'Someone commented on a task (or replied to a comment).',
		z.object({
			task_id: id,
			team_id: id,
			comment_id: id,
			parent_id: id
				.nullable()
				.meta({ description: 'The comment answered; null for a new thread.' }),
			author_id: id.nullable(),
			title: z.string()
		})
	),
	'task.mentioned': event(
		'tasks',
		'task',
		'Someone was @mentioned in a comment on a task.',
		z.object({
			task_id: id,
			team_id: id,
			comment_id: id,
			user_id: id,
			author_id: id.nullable(),
			title: z.string(),
			summary: z.string()
		})
	),
	'scim.user_created': event(
		'scim',
		'scim_user',
		'An identity provider provisioned a person through SCIM.',
		scimUser
	),
	'scim.user_updated': event(
		'scim',
		'scim_user',
		'An identity provider changed a SCIM User (attributes, or active).',
		scimUser.extend({ previous: z.object({ user_name: z.string(), active: z.boolean() }) })
	),
	'scim.user_deleted': event(
		'scim',
		'scim_user',
		'An identity provider deleted a SCIM User; its membership is removed.',
		z.object({
			scim_user_id: id,
			user_name: z.string(),
			user_id: id.nullable().meta({ description: 'The linked account, if there was one.' })
		})
	),
	'scim.group_created': event(
		'scim',
		'scim_group',
		'An identity provider created a SCIM Group (a team).',
		scimGroup
	),
	'scim.group_updated': event(
		'scim',
		'scim_group',
		"An identity provider changed a SCIM Group's name or members.",
		scimGroup.extend({ members: z.number().int().nonnegative() })
	),
	'scim.group_deleted': event(
		'scim',
		'scim_group',
		'An identity provider deleted a SCIM Group; its members leave the team.',
		scimGroup
	),
	'prompt_template.versioned': event(
		'ai',
		'prompt_template',
		'A prompt template got a new version (its first included).',
		z.object({ template_id: id, version: z.number().int().min(1), version_id: id })
	),
	'prompt_run.failed': event(
		'ai',
		'prompt_run',
		'A model call failed (the provider refused or could not be reached).',
		z.object({
			run_id: id,
			operation: z.enum(['chat', 'embedding', 'template']),
			model: z.string().meta({ description: 'provider/model, e.g. openai/gpt-4o-mini.' }),
			template_id: id.nullable(),
			error: z.string()
		})
	),
	'sso.signed_in': event(
		'sso',
		'sso_provider',
		"Someone signed in through the organisation's identity provider.",
		z.object({ provider_id: id, user_id: id, identity_id: id })
	),
	'sso.identity_linked': event(
		'sso',
		'sso_provider',
		"An identity at the organisation's identity provider was linked to an account.",
		z.object({ provider_id: id, user_id: id, identity_id: id })
	),
	'gdpr_request.created': event(
		'privacy',
		'gdpr_request',
		'A privacy request (access, rectification, erasure, restriction, objection) was received.',
		gdprRequest
	),
	'gdpr_request.state_changed': event(
		'privacy',
		'gdpr_request',
		'A privacy request was verified, started, completed or refused.',
		gdprRequest
	),
	'gdpr_request.due_soon': event(
		'privacy',
		'gdpr_request',
		'An open privacy request reaches its legal deadline within seven days.',
		gdprRequest
	),
	'consent.recorded': event(
		'privacy',
		'consent',
		'A consent was granted or withdrawn.',
		z.object({
			consent_id: id,
			purpose_key: z.string(),
			subject_type: z.enum(['member', 'end_user']),
			subject_id: z.string().meta({ description: 'A user id (member) or the product’s own id.' }),
			granted: z.boolean(),
			text_version: z.int(),
			source: z.enum(['page', 'api', 'import']),
			user_id: id.nullable().meta({ description: 'The member, for a member’s consent.' })
		})
	),
	'data_source.created': event(
		'bi',
		'data_source',
		'A data source (external Postgres or HTTP JSON) was added.',
		z.object({ name: z.string(), kind: z.enum(['postgres', 'http_json']) })
	),
	'data_source.deleted': event(
		'bi',
		'data_source',
		'A data source was deleted (its saved queries and their widgets with it).',
		z.object({ name: z.string(), kind: z.enum(['postgres', 'http_json']) })
	),
	'alert.fired': event(
		'bi',
		'alert',
		'An alert fired: a threshold breached for its minutes, an anomaly, or a scheduled send.',
		alertPayload
	),
	'alert.resolved': event(
		'bi',
		'alert',
		'A firing alert resolved: its value is back within the threshold or no longer anomalous.',
		alertPayload
	),
	'dashboard.created': event('bi', 'dashboard', 'A dashboard was created.', dashboard),
	'dashboard.updated': event(
		'bi',
		'dashboard',
		'A dashboard was renamed, or its description or default time range changed.',
		dashboard.extend({
			previous: dashboard.partial().meta({ description: 'The fields that changed.' })
		})
	),
	'dashboard.deleted': event(
		'bi',
		'dashboard',
		'A dashboard was deleted (its widgets and links with it).',
		z.object({ name: z.string() })
	),
	'dashboard.shared': event(
		'bi',
		'dashboard',
		'A read-only link to a dashboard was created.',
		z.object({
			share_id: id,
			allowed_origins: z
				.array(z.string())
				.meta({ description: 'The origins that may embed it (CSP frame-ancestors).' }),
			refresh_hours: z
				.union([z.literal(1), z.literal(6), z.literal(12), z.literal(24)])
				.nullable()
				.meta({ description: 'Hours between refreshes as the sharer; null: frozen.' })
		})
	),
	'dashboard.share_revoked': event(
		'bi',
		'dashboard',
		"A dashboard's link was revoked.",
		z.object({ share_id: id })
	),
	'saved_query.created': event('bi', 'saved_query', 'A saved query was created.', savedQuery),
	'saved_query.updated': event(
		'bi',
		'saved_query',
		'A saved query was renamed, or its description or mode changed.',
		savedQuery.extend({
			previous: savedQuery.partial().meta({ description: 'The fields that changed.' })
		})
	),
	'saved_query.deleted': event(
		'bi',
		'saved_query',
		'A saved query was deleted (its widgets with it).',
		z.object({ name: z.string() })
	),
	'retention.applied': event(
		'governance',
		'data_class',
		"A retention run deleted or anonymised a tenant's rows of one data class.",
		z.object({
			data_class: z.string(),
			rows: z.int().meta({ description: 'How many rows were deleted or anonymised.' }),
			action: z.enum(['delete', 'anonymise']),
			retention_days: z.int()
		})
	),
	'impersonation.started': event(
		'governance',
		'impersonation_session',
		'A support staff member started viewing the tenant as one of its members.',
		z.object({
			session_id: id,
			user_id: id.meta({ description: 'The member the tenant is viewed as.' }),
			staff: z.string().meta({ description: 'How the banner names the staff member.' }),
			reason: z.string(),
			allow_writes: z.boolean(),
			expires_at: at
		})
	),
	'impersonation.ended': event(
		'governance',
		'impersonation_session',
		'A support staff member ended a "view as" session.',
		z.object({ session_id: id, user_id: id, staff: z.string(), ended_at: at })
	),
	'domain.dns_checked': event(
		'domains',
		'domain',
		"A custom domain's DNS records were checked.",
		z.object({
			domain: z.string(),
			ok: z.int().meta({ description: 'Required records in place.' }),
			missing: z.int().meta({ description: 'Required records not published.' }),
			wrong: z
				.int()
				.meta({ description: 'Required records with another value, or not checkable.' }),
			routing_ok: z
				.boolean()
				.meta({ description: 'The CNAME (or A/AAAA) points at the platform.' }),
			checked_at: at
		})
	),
	'domain.dns_lost': event(
		'domains',
		'domain',
		'A verified custom domain no longer points at the platform.',
		z.object({
			domain: z.string(),
			record_type: z.enum(['CNAME', 'A', 'AAAA']),
			status: z.enum(['missing', 'wrong', 'error']),
			found: z.string().nullable().meta({ description: 'What DNS answered instead, if anything.' })
		})
	),
	'domain.primary_changed': event(
		'domains',
		'domain',
		'The organisation chose its primary custom domain.',
		z.object({ domain: z.string() })
	),
	'certificate.uploaded': event(
		'domains',
		'certificate',
		'A TLS certificate was uploaded for a custom domain.',
		z.object({
			domain_id: id,
			domain: z.string(),
			names: z.array(z.string()),
			fingerprint_sha256: z.string(),
			not_after: at
		})
	),
	'certificate.expiring': event(
		'domains',
		'certificate',
		"A custom domain's TLS certificate expires within 30, 7 or 1 days.",
		z.object({
			domain_id: id,
			domain: z.string(),
			threshold_days: z.union([z.literal(30), z.literal(7), z.literal(1)]),
			not_after: at
		})
	)
} satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof EVENT_CATALOGUE;

export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE).sort() as EventType[];

export function isEventType(type: string): type is EventType {
	return Object.hasOwn(EVENT_CATALOGUE, type);
}

/** Parses a payload with its type's schema: the payload, or the issues in words. */
export function parsePayload(type: string, payload: unknown) {
	if (!isEventType(type)) {
		return { success: false as const, error: `${type} is not in the event catalogue.` };
	}
	const parsed = EVENT_CATALOGUE[type].payload.safeParse(payload);
	return parsed.success
		? { success: true as const, data: parsed.data }
		: { success: false as const, error: z.prettifyError(parsed.error) };
}

/** The JSON Schema (draft 2020-12) of a type's payload, for docs/events.md. */
export function payloadJsonSchema(type: EventType): Record<string, unknown> {
	return z.toJSONSchema(EVENT_CATALOGUE[type].payload, {
		// A format (uuid, date-time, date) says it; zod's regex for it only adds noise.
		override: ({ jsonSchema }) => {
			if (jsonSchema.format) delete jsonSchema.pattern;
		}
	}) as Record<string, unknown>;
}
