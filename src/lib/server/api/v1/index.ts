/**
 * Every endpoint of /api/v1, the one list the routes (src/routes/api/v1/**\/+server.ts) and the
 * OpenAPI document (openapi.ts) are built from.
 */
import type { RequestHandler } from '@sveltejs/kit';
import type { Endpoint, Method } from '../endpoint';
import * as ai from './ai';
import * as alerts from './alerts';
import * as apiKeys from './api-keys';
import * as audit from './audit';
import * as billing from './billing';
import * as consents from './consents';
import * as dashboards from './dashboards';
import * as dataSources from './data-sources';
import * as documents from './documents';
import * as ocr from './ocr';
import * as events from './events';
import * as integrations from './integrations';
import * as invitations from './invitations';
import * as members from './members';
import * as projects from './projects';
import * as roles from './roles';
import * as scim from './scim';
import * as secrets from './secrets';
import * as sso from './sso';
import * as tasks from './tasks';
import * as teams from './teams';
import * as tenant from './tenant';
import * as tickets from './tickets';
import * as usage from './usage';
import * as webhooks from './webhooks';
import * as workflows from './workflows';

export const ENDPOINTS: Endpoint[] = [
	tenant.getTenant,
	tenant.updateTenant,
	members.listMembersEndpoint,
	members.getMember,
	members.updateMember,
	members.deleteMember,
	invitations.listInvitationsEndpoint,
	invitations.createInvitation,
	invitations.revokeInvitationEndpoint,
	teams.listTeamsEndpoint,
	teams.createTeamEndpoint,
	teams.getTeam,
	teams.updateTeamEndpoint,
	teams.deleteTeamEndpoint,
	teams.listTeamMembersEndpoint,
	teams.addTeamMemberEndpoint,
	teams.removeTeamMemberEndpoint,
	tasks.listTasksEndpoint,
	tasks.createTaskEndpoint,
	tasks.getTaskEndpoint,
	tasks.updateTaskEndpoint,
	tasks.deleteTaskEndpoint,
	tasks.moveTaskEndpoint,
	tasks.listTaskCommentsEndpoint,
	tasks.addTaskCommentEndpoint,
	tasks.listTaskActivitiesEndpoint,
	tasks.listTaskAttachmentsEndpoint,
	tasks.addTaskAttachmentEndpoint,
	tasks.deleteTaskAttachmentEndpoint,
	roles.listRolesEndpoint,
	projects.listProjectsEndpoint,
	projects.createProjectEndpoint,
	projects.getProject,
	projects.updateProjectEndpoint,
	projects.deleteProjectEndpoint,
	projects.listEnvironmentsEndpoint,
	projects.createEnvironmentEndpoint,
	projects.renameEnvironmentEndpoint,
	projects.deleteEnvironmentEndpoint,
	audit.listAuditLogEndpoint,
	audit.exportAuditLog,
	usage.getUsage,
	usage.recordUsageEvents,
	billing.getSubscription,
	billing.listInvoices,
	apiKeys.listApiKeysEndpoint,
	apiKeys.createApiKeyEndpoint,
	apiKeys.rotateApiKeyEndpoint,
	apiKeys.revokeApiKeyEndpoint,
	webhooks.listWebhookEndpoints,
	webhooks.createWebhookEndpoint,
	webhooks.getWebhookEndpoint,
	webhooks.updateWebhookEndpoint,
	webhooks.deleteWebhookEndpoint,
	webhooks.rotateWebhookSecret,
	webhooks.revealWebhookSecret,
	webhooks.sendWebhookTest,
	webhooks.listWebhookDeliveries,
	webhooks.getWebhookDelivery,
	webhooks.replayWebhookDelivery,
	events.listEventsEndpoint,
	events.getEventEndpoint,
	events.listEventTypesEndpoint,
	tickets.listTicketsEndpoint,
	tickets.createTicketEndpoint,
	tickets.getTicketEndpoint,
	tickets.listTicketMessagesEndpoint,
	tickets.replyToTicketEndpoint,
	tickets.closeTicketEndpoint,
	tickets.reopenTicketEndpoint,
	secrets.listSecretsEndpoint,
	secrets.createSecretEndpoint,
	secrets.getSecretEndpoint,
	secrets.deleteSecretEndpoint,
	secrets.addSecretVersionEndpoint,
	secrets.revealSecretEndpoint,
	integrations.listIntegrationsEndpoint,
	integrations.createIntegrationEndpoint,
	integrations.getIntegration,
	integrations.updateIntegrationEndpoint,
	integrations.deleteIntegrationEndpoint,
	integrations.testIntegrationEndpoint,
	integrations.listIntegrationEventsEndpoint,
	integrations.replayIntegrationEventEndpoint,
	workflows.listWorkflowsEndpoint,
	workflows.getWorkflowEndpoint,
	workflows.listWorkflowRunsEndpoint,
	workflows.startWorkflowRunEndpoint,
	workflows.getWorkflowRunEndpoint,
	workflows.cancelWorkflowRunEndpoint,
	workflows.decideWorkflowApprovalEndpoint,
	ai.listAiModels,
	ai.getAiSpend,
	ai.listPromptRuns,
	ai.listPromptTemplates,
	ai.createPromptTemplate,
	ai.addPromptTemplateVersion,
	ai.runPromptTemplate,
	consents.listConsentPurposesEndpoint,
	consents.listConsentsEndpoint,
	consents.getConsentStateEndpoint,
	consents.recordConsentEndpoint,
	documents.listDocumentsEndpoint,
	documents.createDocumentEndpoint,
	documents.getDocumentEndpoint,
	documents.deleteDocumentEndpoint,
	documents.reindexDocumentEndpoint,
	documents.searchDocumentsEndpoint,
	dataSources.listDataSourcesEndpoint,
	dataSources.createDataSourceEndpoint,
	dataSources.getDataSourceEndpoint,
	dataSources.deleteDataSourceEndpoint,
	dataSources.testDataSourceEndpoint,
	alerts.listAlertsEndpoint,
	alerts.createAlertEndpoint,
	alerts.getAlertEndpoint,
	alerts.updateAlertEndpoint,
	alerts.deleteAlertEndpoint,
	alerts.muteAlertEndpoint,
	alerts.evaluateAlertEndpoint,
	alerts.listAlertEventsEndpoint,
	dashboards.listDashboardsEndpoint,
	dashboards.createDashboardEndpoint,
	dashboards.getDashboardEndpoint,
	dashboards.updateDashboardEndpoint,
	dashboards.deleteDashboardEndpoint,
	dashboards.addWidgetEndpoint,
	dashboards.removeWidgetEndpoint,
	dashboards.listSavedQueriesEndpoint,
	dashboards.createSavedQueryEndpoint,
	dashboards.getSavedQueryEndpoint,
	dashboards.runSavedQueryEndpoint,
	documents.uploadDocumentEndpoint,
	documents.askDocumentsEndpoint,
	ocr.listOcrJobsEndpoint,
	ocr.createOcrJobEndpoint,
	ocr.uploadOcrJobEndpoint,
	ocr.getOcrJobEndpoint,
	ocr.cancelOcrJobEndpoint,
	ocr.retryOcrJobEndpoint,
	sso.listSsoProvidersEndpoint,
	sso.createSsoProviderEndpoint,
	sso.getSsoProviderEndpoint,
	sso.updateSsoProviderEndpoint,
	sso.deleteSsoProviderEndpoint,
	sso.enableSsoProviderEndpoint,
	sso.disableSsoProviderEndpoint,
	sso.updateSsoMappingEndpoint,
	sso.serveSsoDomainEndpoint,
	sso.unserveSsoDomainEndpoint,
	scim.listScimTokensEndpoint,
	scim.createScimTokenEndpoint,
	scim.rotateScimTokenEndpoint,
	scim.revokeScimTokenEndpoint,
	scim.listScimOperationsEndpoint
];

/** The handlers of one path (as the OpenAPI document writes it: `/projects/{project}`). */
export function routeHandlers(path: string): Partial<Record<Method, RequestHandler>> {
	const found = ENDPOINTS.filter((e) => e.spec.path === path);
	if (found.length === 0) throw new Error(`No /api/v1 endpoint is declared for ${path}.`);
	return Object.fromEntries(found.map((e) => [e.spec.method, (event) => e.handle(event)]));
}
