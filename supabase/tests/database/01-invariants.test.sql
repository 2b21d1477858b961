-- Schema-wide invariants. Every check is over the catalog, so a table, policy or function added
-- later without following docs/adding-a-tenant-table.md makes this file fail.
begin;
select plan(138);

-- The tables of the exposed schema are pinned: a new one must be added here, on purpose.
select tables_are('public', array[
  'alert_channels', 'alert_events', 'alerts', 'announcements', 'api_idempotency', 'api_keys', 'attachment_owners', 'attachments', 'audit_log_seals',
  'audit_logs', 'billing_accounts', 'consent_purposes', 'consents', 'dashboard_shares', 'dashboard_widgets',
  'dashboards', 'data_classes', 'data_policies', 'data_sources', 'environments', 'event_types', 'events', 'gdpr_exports', 'gdpr_requests',
  'github_repos', 'impersonation_sessions', 'integration_events', 'integration_secrets', 'integration_types',
  'integrations', 'invitation_teams', 'invitations', 'invoice_lines', 'invoices', 'jobs', 'llm_models',
  'memberships', 'model_providers', 'notification_kinds', 'notification_preferences', 'notifications',
  'ocr_jobs', 'ocr_pages', 'payment_methods', 'payments', 'permissions', 'plan_limits', 'plans',
  'platform_staff', 'profiles', 'projects', 'prompt_runs', 'prompt_template_versions', 'prompt_templates',
  'rag_chunks', 'rag_documents', 'role_assignments', 'role_permissions', 'roles', 'saved_queries',
  'scim_groups', 'scim_operations', 'scim_tokens', 'scim_users', 'secret_data_keys', 'secret_versions',
  'secrets', 'slack_channels', 'slack_workspaces', 'sso_domains', 'sso_providers', 'sso_settings',
  'subscriptions', 'support_macros', 'support_messages', 'support_tickets', 'system_settings',
  'task_assignees', 'task_columns', 'task_comments', 'task_label_links', 'task_labels', 'tasks',
  'team_members', 'teams', 'tenant_ai_settings', 'tenant_domains', 'tenant_model_providers',
  'tenant_notification_settings', 'tenant_usage_daily', 'tenants', 'usage_counters', 'usage_daily',
  'usage_events', 'usage_metrics', 'user_identities', 'user_preferences', 'webhook_attempts',
  'webhook_deliveries', 'webhook_endpoint_secrets', 'webhook_endpoints', 'workflow_approvals',
  'workflow_runs', 'workflow_step_runs', 'workflow_versions', 'workflows',
  'dns_records', 'certificates', 'tenant_ip_allowlists'], 'the tables of schema public are the pinned list');

-- RLS on every table of the exposed schema (and of private, which API roles can USE).
select is(
  (select array_agg(c.relname::text order by c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname in ('public', 'private') and c.relkind in ('r', 'p') and not c.relrowsecurity),
  null, 'every table in public and private has row level security enabled');

-- Views would bypass RLS unless security_invoker; there are none yet, and any must be invoker.
select is(
  (select array_agg(c.relname::text) from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind in ('v', 'm')
     and not coalesce(c.reloptions @> array['security_invoker=true'], false)),
  null, 'no view in public runs with its owner''s rights');

-- Policies pinned per table.
select policies_are('public', 'api_idempotency', array['api_idempotency_insert_mfa', 'api_idempotency_insert_own', 'api_idempotency_select_mfa', 'api_idempotency_select_own', 'api_idempotency_update_mfa', 'api_idempotency_update_own']);
select policies_are('public', 'audit_log_seals', array['audit_log_seals_select_permitted', 'audit_log_seals_select_staff']);
select policies_are('public', 'audit_logs', array['audit_logs_select_permitted', 'audit_logs_select_staff']);
select policies_are('public', 'api_keys', array['api_keys_select_mfa', 'api_keys_select_permitted']);
select policies_are('public', 'environments', array['environments_delete_api_key', 'environments_delete_mfa', 'environments_delete_permitted', 'environments_insert_api_key', 'environments_insert_mfa', 'environments_insert_permitted', 'environments_select_api_key', 'environments_select_mfa', 'environments_select_permitted', 'environments_select_staff', 'environments_update_api_key', 'environments_update_mfa', 'environments_update_permitted']);
select policies_are('public', 'event_types', array['event_types_select_authenticated']);
select policies_are('public', 'events', array['events_select_permitted']);
select policies_are('public', 'invitation_teams', array['invitation_teams_select_invitee', 'invitation_teams_select_mfa', 'invitation_teams_select_permitted', 'invitation_teams_select_staff']);
select policies_are('public', 'invitations', array['invitations_select_invitee', 'invitations_select_mfa', 'invitations_select_permitted', 'invitations_select_staff']);
select policies_are('public', 'memberships', array['memberships_select_member', 'memberships_select_mfa', 'memberships_select_self', 'memberships_select_staff']);
select policies_are('public', 'permissions', array['permissions_select_authenticated']);
select policies_are('public', 'platform_staff', array['platform_staff_delete_super_admin', 'platform_staff_insert_super_admin', 'platform_staff_select_self', 'platform_staff_select_staff', 'platform_staff_update_super_admin']);
select policies_are('public', 'profiles', array['profiles_select_member', 'profiles_select_self', 'profiles_select_staff', 'profiles_update_self']);
select policies_are('public', 'projects', array['projects_delete_mfa', 'projects_delete_permitted', 'projects_insert_permitted', 'projects_select_analytics', 'projects_select_mfa', 'projects_select_permitted', 'projects_select_staff', 'projects_update_mfa', 'projects_update_permitted']);
select policies_are('public', 'role_assignments', array['role_assignments_select_member', 'role_assignments_select_mfa', 'role_assignments_select_self', 'role_assignments_select_staff']);
select policies_are('public', 'role_permissions', array['role_permissions_delete_permitted', 'role_permissions_insert_permitted', 'role_permissions_select_member', 'role_permissions_select_mfa', 'role_permissions_select_staff', 'role_permissions_select_system']);
select policies_are('public', 'roles', array['roles_delete_permitted', 'roles_insert_permitted', 'roles_select_member', 'roles_select_mfa', 'roles_select_staff', 'roles_select_system', 'roles_update_permitted']);
select policies_are('public', 'system_settings', array['system_settings_select_public', 'system_settings_select_staff', 'system_settings_update_super_admin']);
select policies_are('public', 'team_members', array['team_members_delete_permitted', 'team_members_insert_permitted', 'team_members_select_member', 'team_members_select_staff']);
select policies_are('public', 'teams', array['teams_delete_permitted', 'teams_insert_permitted', 'teams_select_member', 'teams_select_staff', 'teams_update_permitted']);
select policies_are('public', 'tenants', array['tenants_select_member', 'tenants_select_staff', 'tenants_update_permitted']);
-- Billing, usage and Stripe (20261130001000…1200): catalogue public, tenant rows read with billing.read / usage.read,
-- written only by RPCs, the lifecycle job and the Stripe ledger (billing accounts' details by billing.manage).
select policies_are('public', 'plans', array['plans_insert_staff', 'plans_select_public', 'plans_select_staff', 'plans_update_staff']);
select policies_are('public', 'plan_limits', array['plan_limits_delete_staff', 'plan_limits_insert_staff', 'plan_limits_select_public', 'plan_limits_update_staff']);
select policies_are('public', 'usage_metrics', array['usage_metrics_select_public']);
select policies_are('public', 'billing_accounts', array['billing_accounts_insert_permitted', 'billing_accounts_select_permitted', 'billing_accounts_select_staff', 'billing_accounts_update_permitted']);
select policies_are('public', 'subscriptions', array['subscriptions_select_permitted', 'subscriptions_select_staff']);
select policies_are('public', 'invoices', array['invoices_select_permitted', 'invoices_select_staff']);
select policies_are('public', 'invoice_lines', array['invoice_lines_select_permitted', 'invoice_lines_select_staff']);
select policies_are('public', 'payments', array['payments_select_permitted', 'payments_select_staff']);
select policies_are('public', 'payment_methods', array['payment_methods_select_permitted', 'payment_methods_select_staff']);
select policies_are('public', 'usage_events', array['usage_events_select_analytics', 'usage_events_select_permitted', 'usage_events_select_staff']);
select policies_are('public', 'usage_counters', array['usage_counters_select_permitted', 'usage_counters_select_staff']);
select policies_are('public', 'usage_daily', array['usage_daily_select_analytics', 'usage_daily_select_permitted', 'usage_daily_select_staff']);
-- Notifications (20261202000300): the inbox and preferences are the person's own; the organisation's settings notifications.manage's.
select policies_are('public', 'notification_kinds', array['notification_kinds_select_authenticated']);
select policies_are('public', 'notifications', array['notifications_select_mfa', 'notifications_select_self', 'notifications_update_mfa', 'notifications_update_self']);
select policies_are('public', 'notification_preferences', array['notification_preferences_delete_self', 'notification_preferences_insert_self', 'notification_preferences_select_self', 'notification_preferences_update_self']);
select policies_are('public', 'tenant_notification_settings', array['tenant_notification_settings_delete_permitted', 'tenant_notification_settings_insert_permitted', 'tenant_notification_settings_select_permitted', 'tenant_notification_settings_update_permitted']);
-- Webhooks (20261202000100_webhooks.sql): read by webhooks.manage holders; written only by the RPCs and the
-- dispatcher; the sealed secrets read by no API role at all.
select policies_are('public', 'webhook_endpoints', array['webhook_endpoints_select_permitted']);
select policies_are('public', 'webhook_endpoint_secrets', array[]::name[]);
select policies_are('public', 'webhook_deliveries', array['webhook_deliveries_select_permitted']);
select policies_are('public', 'webhook_attempts', array['webhook_attempts_select_permitted']);
-- Storage (20261203000400_storage.sql): the owner module decides who reads, adds and deletes files.
select policies_are('public', 'attachment_owners', array['attachment_owners_select_authenticated']);
select policies_are('public', 'attachments', array['attachments_delete_mfa', 'attachments_delete_permitted', 'attachments_insert_mfa', 'attachments_insert_permitted', 'attachments_select_mfa', 'attachments_select_permitted']);
-- Support (20261203000600_support.sql): tickets and replies read with tickets.read and by support staff (internal
-- notes by staff only); every ticket and message write is an RPC; macros are staff's.
-- Privacy (20261205000200_privacy.sql): privacy.manage handles requests and consents; the person sees their own.
select policies_are('public', 'gdpr_exports', array['gdpr_exports_select_mfa', 'gdpr_exports_select_permitted', 'gdpr_exports_select_staff', 'gdpr_exports_select_subject']);
select policies_are('public', 'gdpr_requests', array['gdpr_requests_select_mfa', 'gdpr_requests_select_permitted', 'gdpr_requests_select_staff', 'gdpr_requests_select_subject']);
select policies_are('public', 'consent_purposes', array['consent_purposes_delete_permitted', 'consent_purposes_insert_permitted', 'consent_purposes_select_permitted', 'consent_purposes_update_permitted']);
select policies_are('public', 'consents', array['consents_insert_own', 'consents_insert_permitted', 'consents_select_own', 'consents_select_permitted']);
select policies_are('public', 'support_tickets', array['support_tickets_select_permitted', 'support_tickets_select_staff']);
select policies_are('public', 'support_messages', array['support_messages_select_permitted', 'support_messages_select_staff']);
select policies_are('public', 'support_macros', array['support_macros_delete_staff', 'support_macros_insert_staff', 'support_macros_select_staff', 'support_macros_update_staff']);
-- Secrets (20261203000100_secrets.sql): metadata read with secrets.read or the owner module's permission; written
-- only by the RPCs; the data keys read by no API role at all.
select policies_are('public', 'secrets', array['secrets_select_mfa', 'secrets_select_owner', 'secrets_select_permitted']);
select policies_are('public', 'secret_versions', array['secret_versions_select_mfa', 'secret_versions_select_owner', 'secret_versions_select_permitted']);
select policies_are('public', 'secret_data_keys', array[]::name[]);
-- Integrations (20261203000200_integrations.sql): the type registry public, everything else read with
-- integrations.read; written by the RPCs, the inbound endpoint and the sync job only.
select policies_are('public', 'integration_types', array['integration_types_select_authenticated']);
select policies_are('public', 'integrations', array['integrations_select_permitted']);
select policies_are('public', 'integration_secrets', array['integration_secrets_select_permitted']);
select policies_are('public', 'integration_events', array['integration_events_select_permitted']);
select policies_are('public', 'github_repos', array['github_repos_select_permitted']);
select policies_are('public', 'slack_workspaces', array['slack_workspaces_select_permitted']);
select policies_are('public', 'slack_channels', array['slack_channels_select_permitted']);
-- Workflows (20261203000300_workflows.sql): read by workflows.manage holders; written only by the RPCs and the engine.
select policies_are('public', 'workflows', array['workflows_select_permitted']);
select policies_are('public', 'workflow_versions', array['workflow_versions_select_permitted']);
select policies_are('public', 'workflow_runs', array['workflow_runs_select_permitted']);
select policies_are('public', 'workflow_step_runs', array['workflow_step_runs_select_permitted']);
select policies_are('public', 'workflow_approvals', array['workflow_approvals_select_permitted']);
-- Tasks (20261203000700_tasks.sql): tasks.read reads, tasks.write works on tasks, tasks.manage owns columns, labels and deletes.
select policies_are('public', 'task_columns', array['task_columns_delete_permitted', 'task_columns_insert_permitted', 'task_columns_select_permitted', 'task_columns_update_permitted']);
select policies_are('public', 'tasks', array['tasks_delete_permitted', 'tasks_insert_permitted', 'tasks_select_analytics', 'tasks_select_permitted', 'tasks_update_permitted']);
select policies_are('public', 'task_assignees', array['task_assignees_delete_permitted', 'task_assignees_insert_permitted', 'task_assignees_select_permitted']);
select policies_are('public', 'task_labels', array['task_labels_delete_permitted', 'task_labels_insert_permitted', 'task_labels_select_permitted', 'task_labels_update_permitted']);
select policies_are('public', 'task_label_links', array['task_label_links_delete_permitted', 'task_label_links_insert_permitted', 'task_label_links_select_permitted']);
select policies_are('public', 'task_comments', array['task_comments_delete_permitted', 'task_comments_insert_permitted', 'task_comments_select_permitted', 'task_comments_update_author']);
select policies_are('public', 'sso_domains', array['sso_domains_delete_permitted', 'sso_domains_insert_permitted', 'sso_domains_select_permitted', 'sso_domains_update_permitted']);
select policies_are('public', 'sso_providers', array['sso_providers_delete_permitted', 'sso_providers_insert_permitted', 'sso_providers_select_permitted', 'sso_providers_update_permitted']);
select policies_are('public', 'sso_settings', array['sso_settings_insert_permitted', 'sso_settings_select_permitted', 'sso_settings_update_permitted']);
select policies_are('public', 'user_identities', array['user_identities_delete_permitted', 'user_identities_select_mfa', 'user_identities_select_permitted', 'user_identities_select_self']);
-- AI (20261205000500_ai.sql): the registry read by everyone signed in, written by super_admin staff; a tenant's
-- access, settings and templates read with ai.use, written with ai.manage; runs written by no API role.
select policies_are('public', 'model_providers', array['model_providers_delete_staff', 'model_providers_insert_staff', 'model_providers_select_authenticated', 'model_providers_select_staff', 'model_providers_update_staff']);
select policies_are('public', 'llm_models', array['llm_models_delete_staff', 'llm_models_insert_staff', 'llm_models_select_authenticated', 'llm_models_select_staff', 'llm_models_update_staff']);
select policies_are('public', 'tenant_model_providers', array['tenant_model_providers_delete_permitted', 'tenant_model_providers_insert_permitted', 'tenant_model_providers_select_permitted', 'tenant_model_providers_update_permitted']);
select policies_are('public', 'tenant_ai_settings', array['tenant_ai_settings_insert_permitted', 'tenant_ai_settings_select_permitted', 'tenant_ai_settings_update_permitted']);
select policies_are('public', 'prompt_templates', array['prompt_templates_delete_permitted', 'prompt_templates_insert_permitted', 'prompt_templates_select_permitted', 'prompt_templates_update_permitted']);
select policies_are('public', 'prompt_template_versions', array['prompt_template_versions_insert_permitted', 'prompt_template_versions_select_permitted']);
select policies_are('public', 'prompt_runs', array['prompt_runs_select_permitted']);

-- SCIM (20261205000100_scim.sql): scim.manage reads; every write goes through the RPCs.
select policies_are('public', 'scim_tokens', array['scim_tokens_select_permitted']);
select policies_are('public', 'scim_users', array['scim_users_select_permitted']);
select policies_are('public', 'scim_groups', array['scim_groups_select_permitted']);
select policies_are('public', 'scim_operations', array['scim_operations_select_permitted']);

-- RAG (20261205000600_rag.sql): ai.use reads, documents.manage writes documents and OCR jobs; chunks and pages only the jobs.
select policies_are('public', 'rag_documents', array['rag_documents_delete_permitted', 'rag_documents_insert_permitted', 'rag_documents_select_permitted', 'rag_documents_update_permitted']);
select policies_are('public', 'rag_chunks', array['rag_chunks_select_permitted']);
select policies_are('public', 'ocr_jobs', array['ocr_jobs_delete_permitted', 'ocr_jobs_insert_permitted', 'ocr_jobs_select_permitted']);
select policies_are('public', 'ocr_pages', array['ocr_pages_select_permitted']);

-- BI (20261206000000_bi.sql): dashboards.read reads, dashboards.manage and queries.manage write, staff announce;
-- the daily metrics written only by the bi.rollup job, read also by tenantry_analytics in a run.
select policies_are('public', 'alerts', array['alerts_delete_permitted', 'alerts_insert_permitted', 'alerts_select_permitted', 'alerts_update_permitted']);
select policies_are('public', 'alert_channels', array['alert_channels_delete_permitted', 'alert_channels_insert_permitted', 'alert_channels_select_permitted', 'alert_channels_update_permitted']);
select policies_are('public', 'alert_events', array['alert_events_select_permitted']);
select policies_are('public', 'announcements', array['announcements_delete_staff', 'announcements_insert_staff', 'announcements_select_staff', 'announcements_update_staff']);
select policies_are('public', 'dashboard_shares', array['dashboard_shares_insert_permitted', 'dashboard_shares_select_permitted', 'dashboard_shares_update_permitted']);
select policies_are('public', 'dashboard_widgets', array['dashboard_widgets_delete_permitted', 'dashboard_widgets_insert_permitted', 'dashboard_widgets_select_permitted', 'dashboard_widgets_update_permitted']);
select policies_are('public', 'dashboards', array['dashboards_delete_permitted', 'dashboards_insert_permitted', 'dashboards_select_permitted', 'dashboards_update_permitted']);
select policies_are('public', 'saved_queries', array['saved_queries_delete_permitted', 'saved_queries_insert_permitted', 'saved_queries_select_permitted', 'saved_queries_update_permitted']);
select policies_are('public', 'tenant_usage_daily', array['tenant_usage_daily_select_analytics', 'tenant_usage_daily_select_permitted', 'tenant_usage_daily_select_staff']);
-- Data sources (20261206000200_data_sources.sql): dashboards.read and data_sources.manage read, data_sources.manage writes.
select policies_are('public', 'data_sources', array['data_sources_delete_permitted', 'data_sources_insert_permitted', 'data_sources_select_permitted', 'data_sources_update_permitted']);
-- Domain DNS records and certificates (20261207000300_domain_dns_certificates.sql): domains.manage and support read; the job writes records; domains.manage uploads and deletes certificates.
select policies_are('public', 'dns_records', array['dns_records_select_permitted', 'dns_records_select_staff']);
select policies_are('public', 'certificates', array['certificates_delete_permitted', 'certificates_insert_permitted', 'certificates_select_permitted', 'certificates_select_staff']);
-- IP allowlists (20261208000400_ip_allowlists.sql): tenant.update reads and writes; support reads.
select policies_are('public', 'tenant_ip_allowlists', array['tenant_ip_allowlists_delete_permitted', 'tenant_ip_allowlists_insert_permitted', 'tenant_ip_allowlists_select_permitted', 'tenant_ip_allowlists_select_staff', 'tenant_ip_allowlists_update_permitted']);

-- Policy shape: one operation each (no FOR ALL), for a named role (never PUBLIC), named
-- <table>_<op>_<who>, and helpers only inside a sub-select so they run once per statement.
select is(
  (select array_agg(tablename || '.' || policyname) from pg_policies
   where schemaname = 'public' and (cmd = 'ALL' or roles = '{public}'
     or policyname !~ ('^' || tablename || '_' || lower(cmd) || '_[a-z_]+$'))),
  null, 'every policy covers one operation, names a role and is named <table>_<op>_<who>');
select is(
  (select array_agg(tablename || '.' || policyname) from pg_policies
   where schemaname = 'public'
     and (coalesce(qual, '') ~ '(?<!SELECT )private\.(?!tenant_(not_)?in\()'
          or coalesce(with_check, '') ~ '(?<!SELECT )private\.(?!tenant_(not_)?in\()')),
  null, 'every helper call in a policy is wrapped in a sub-select (private.tenant_in and tenant_not_in, which read nothing, compare)');
-- The pinned policy form (docs/tenancy.md, "the page-order trap"): a tenant-scoped policy tests
-- membership of the statement's set, `private.tenant_in(tenant_id, (select private.permitted_tenant_ids(…)))`
-- or `tenant_id in (select private.helper())`, never a bare `= any (array(select …))` or
-- `= any ((select helper_returning_an_array()))`, which become index conditions the planner
-- estimates at ~10/n_distinct of the tenant and so lose the index order of pages.
select is(
  (select array_agg(tablename || '.' || policyname) from pg_policies
   where schemaname = 'public' and (coalesce(qual, '') ~ '= ANY \((ARRAY)?\( SELECT' or coalesce(with_check, '') ~ '= ANY \((ARRAY)?\( SELECT')),
  null, 'no policy compares tenant_id with = any (array(select …)) or = any ((select …))');
-- One scalar is admitted (20261207000500_rls_parallel.sql): an analytics policy compares the one
-- tenant of a saved query's run, `tenant_id = (select private.analytics_tenant())`, an init plan
-- that may run in parallel and becomes an index condition.
select is(
  (select array_agg(tablename || '.' || policyname) from pg_policies
   where schemaname = 'public'
     and regexp_replace(coalesce(qual, '') || ' ' || coalesce(with_check, ''),
                        'tenant_id = \( SELECT private\.analytics_tenant\(\) AS analytics_tenant\)', '', 'g')
         ~ '(tenant_id|chain|\mid) (=|<>)[^=]*SELECT private\.'),
  null, 'tenant helpers are used only through IN / NOT IN (select …), never compared with = (but the analytics run''s tenant)');
select is(
  (select array_agg(tablename || '.' || policyname) from pg_policies
   where schemaname = 'public' and permissive = 'RESTRICTIVE' and policyname !~ '_mfa$'
     -- an environment API key is kept to its environment (20261201000000_api_keys.sql)
     and not (tablename = 'environments' and policyname ~ '_api_key$')),
  null, 'the only restrictive policies are the MFA requirement and the environment key''s');

-- MFA (20261205000900_rls_mfa.sql): no policy in the old form, and every operation allowed on a
-- tenant table refuses the rows of tenants that require MFA while the session is aal1 — through its
-- permissive policies themselves (tenant_in over admitted_tenant_ids, tenant_not_in over
-- staff_refused_tenant_ids), or, only where one of them cannot, one restrictive policy in the new form.
select is(
  (select array_agg(tablename || '.' || policyname) from pg_policies
   where (coalesce(qual, '') || ' ' || coalesce(with_check, '')) ~ 'mfa_blocked_tenant_ids|permitted_tenant_ids'),
  null, 'no policy asks mfa_blocked_tenant_ids or permitted_tenant_ids (the forms before 20261205000900_rls_mfa.sql)');
select is(
  (select array_agg(tablename || '.' || policyname) from pg_policies
   where schemaname = 'public' and permissive = 'RESTRICTIVE' and policyname ~ '_mfa$'
     and coalesce(qual, with_check) !~ ('^(\(\(tenant_id IS NULL\) OR )?private\.tenant_not_in\((tenant_id|id|chain), '
                                        '\( SELECT private\.mfa_refused_tenant_ids\(\) AS mfa_refused_tenant_ids\)\)\)?$')),
  null, 'every restrictive MFA policy compares with mfa_refused_tenant_ids() through tenant_not_in');
select is(
  (select array_agg(distinct p.tablename || '.' || p.cmd) from pg_policies p
   join information_schema.columns c on c.table_schema = 'public' and c.table_name = p.tablename and c.column_name = 'tenant_id'
   where p.schemaname = 'public' and p.permissive = 'PERMISSIVE'
     and not exists (select 1 from pg_policies r where r.schemaname = 'public' and r.tablename = p.tablename
                     and r.cmd = p.cmd and r.permissive = 'RESTRICTIVE' and r.policyname ~ '_mfa$')
     and not ((p.qual is null or private.policy_refuses_mfa_blocked(p.qual, 'tenant_id'))
              and (p.with_check is null or private.policy_refuses_mfa_blocked(p.with_check, 'tenant_id')))),
  null, 'every operation allowed on a tenant table refuses MFA-blocked tenants: in each permissive policy, or by a restrictive one');
select is(
  (select array_agg(r.tablename || '.' || r.policyname) from pg_policies r
   where r.schemaname = 'public' and r.permissive = 'RESTRICTIVE' and r.policyname ~ '_mfa$'
     and not exists (select 1 from pg_policies p where p.schemaname = 'public' and p.tablename = r.tablename
                     and p.cmd = r.cmd and p.permissive = 'PERMISSIVE'
                     and not ((p.qual is null or private.policy_refuses_mfa_blocked(p.qual, 'tenant_id'))
                              and (p.with_check is null or private.policy_refuses_mfa_blocked(p.with_check, 'tenant_id'))))),
  null, 'a restrictive MFA policy remains only where a permissive policy of its operation does not refuse MFA-blocked tenants itself');

-- Functions: definer rights always come with a pinned search_path; nothing in public or private
-- runs for anon; nothing granted to an API role takes a user id (no oracle about others).
select is(
  (select array_agg(p.oid::regprocedure::text) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('public', 'private') and p.prosecdef
     and not coalesce(p.proconfig @> array['search_path=""'], false)),
  null, 'every security definer function sets search_path = ''''');
select is(
  (select array_agg(p.oid::regprocedure::text) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('public', 'private') and p.prokind in ('f', 'p')
     and not coalesce(p.proconfig @> array['search_path=""'], false)
     and p.prolang = (select oid from pg_language where lanname = 'plpgsql')),
  null, 'every plpgsql function in public and private sets search_path = ''''');
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('public', 'private') and has_function_privilege('anon', p.oid, 'execute')
     -- PostgREST's pre-request runs as the request's role, anon for an internal tool with an API key
     and p.oid::regprocedure::text not in ('tenantry_pre_request()', 'private.api_key_claims(text)')),
  null, 'no function in public or private is executable by anon (allow-list: the PostgREST pre-request)');
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('public', 'private') and p.prorettype <> 'trigger'::regtype
     and has_function_privilege('authenticated', p.oid, 'execute')
     and exists (select 1 from unnest(p.proargnames) a where a ~ 'user')
     and p.oid::regprocedure::text not in (
       'change_member_role(uuid,uuid,uuid)', 'transfer_ownership(uuid,uuid)', 'remove_member(uuid,uuid)',
       'set_project_role(uuid,uuid,uuid)',
       -- staff only (TN061): the member a support session views the tenant as
       'start_impersonation(uuid,uuid,text,integer,boolean)',
       -- a privacy handler raises a request for a member of their tenant (TN486 for anyone else)
       'create_gdpr_request(uuid,text,text,uuid)')),
  null, 'no function callable by authenticated takes a user id, except the member RPCs that act on one');
select ok(not has_function_privilege('authenticated', 'private.member_permissions(uuid, uuid)', 'execute'),
  'private.member_permissions (which names a user) is not callable by authenticated');
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname = 'public' and has_function_privilege('authenticated', p.oid, 'execute')),
  array[
        'accept_invitation(text)',
        'add_secret_version(uuid,uuid,uuid,text,text,jsonb)',
        'admin_correct_usage(uuid,text,bigint,text,timestamp with time zone)',
        'admin_gdpr_requests()',
        'admin_job_queues()',
        'admin_jobs(text)',
        'admin_platform_metrics(integer)',
        'admin_system_health(integer)',
        'advance_gdpr_request(uuid,text,text)',
        'ai_prepare_call(uuid,uuid,bigint,bigint)',
        'ai_spend(uuid)',
        'api_key_grantable_permissions(uuid,uuid)',
        'approve_tenant(uuid)',
        'archive_tenant(uuid,text)',
        'assert_client_admitted(text)',
        'assert_console_admitted()',
        'assign_support_ticket(uuid,uuid)',
        'billing_invoice(uuid,uuid)',
        'billing_overview(uuid)',
        'cancel_job(uuid)',
        'cancel_ocr_job(uuid)',
        'cancel_subscription(uuid,boolean)',
        'cancel_workflow_run(uuid)',
        'change_member_role(uuid,uuid,uuid)',
        'claim_gdpr_export(text)',
        'create_api_key(uuid,text,text,text[],uuid,uuid,timestamp with time zone,integer)',
        'create_gdpr_request(uuid,text,text,uuid)',
        'create_integration(uuid,text,text,jsonb,uuid,uuid)',
        'create_scim_token(uuid,text)',
        'create_secret(uuid,uuid,text,text,text,text,uuid,uuid,uuid,uuid,text,text,jsonb)',
        'create_support_ticket(uuid,text,text,text,text,uuid)',
        'create_tenant(text,text,text,text)',
        'create_webhook_endpoint(uuid,text,text,text[],integer,uuid,uuid,uuid,text,text)',
        'create_workflow(uuid,uuid,text,text,jsonb)',
        'customize_home_dashboard(uuid)',
        'decide_workflow_approval(uuid,boolean,text)',
        'delete_integration(uuid)',
        'delete_secret(uuid)',
        'delete_webhook_endpoint(uuid)',
        'delete_workflow(uuid)',
        'disconnect_integration(uuid)',
        'effective_data_policies(uuid)',
        'end_impersonation(uuid)',
        'enqueue_governance_job(text,boolean)',
        'evaluate_alert_now(uuid)',
        'extend_gdpr_request(uuid,text)',
        'governance_reports(integer)',
        'grantable_roles(uuid)',
        'has_staff_role(staff_role)',
        'invitation_preview(text)',
        'invite_member(uuid,text,uuid)',
        'invite_to_team(uuid[],text,uuid)',
        'leave_tenant(uuid)',
        'map_scim_group(uuid,uuid)',
        'merge_support_ticket(uuid,uuid)',
        'move_task(uuid,uuid,text,text)',
        'move_task_column(uuid,integer)',
        'my_permissions(uuid)',
        'pending_workflow_approvals(uuid)',
        'plan_feature(uuid,text)',
        'prepare_ask(uuid)',
        'preview_retention(uuid)',
        'reactivate_tenant(uuid,text)',
        'record_integration_check(uuid,boolean,text)',
        'record_usage(uuid,text,bigint,text,timestamp with time zone,jsonb)',
        'reindex_document(uuid)',
        'remove_member(uuid,uuid)',
        'replay_integration_event(uuid)',
        'replay_webhook_delivery(uuid)',
        'reply_support_ticket(uuid,text)',
        'rerun_workflow_run(uuid)',
        'retry_job(uuid)',
        'reveal_secret(uuid,integer)',
        'reveal_webhook_secret(uuid)',
        'revoke_api_key(uuid)',
        'revoke_invitation(uuid)',
        'revoke_scim_token(uuid)',
        'rotate_api_key(uuid,text,integer)',
        'rotate_scim_token(uuid)',
        'rotate_webhook_secret(uuid,uuid,uuid,uuid,text,text,integer)',
        'search_documents(uuid,text,vector,integer)',
        'send_webhook_test(uuid)',
        'set_integration_secret(uuid,text,uuid)',
        'set_primary_domain(uuid)',
        'set_project_role(uuid,uuid,uuid)',
        'set_support_ticket_status(uuid,text)',
        'set_webhook_endpoint_enabled(uuid,boolean)',
        'set_workflow_enabled(uuid,boolean)',
        'staff_reply_support_ticket(uuid,text,boolean,text)',
        'staff_update_support_ticket(uuid,text,text)',
        'start_impersonation(uuid,uuid,text,integer,boolean)',
        'start_workflow_run(uuid,jsonb)',
        'submit_payment_proof(uuid,text,billing_interval,bigint,text)',
        'support_staff()',
        'suspend_tenant(uuid,text)',
        'task_activity(uuid,integer)',
        'tenant_announcements(uuid)',
        'tenant_mfa_blocked(uuid)',
        'tenantry_pre_request()',
        'transfer_ownership(uuid,uuid)',
        'update_integration(uuid,text,jsonb)',
        'update_webhook_endpoint(uuid,text,text,text[],integer)',
        'update_workflow(uuid,text,text,jsonb)',
        'usage_summary(uuid)',
        'use_secret(uuid)',
        'verify_audit_chain(uuid)',
        'verify_gdpr_request(text)',
        'verify_payment(uuid,boolean,text,boolean,text)',
        'webhook_event_types()',
        'workflow_notify(uuid,text,uuid,text)',
        'workflow_send_email(uuid,text,uuid,text,text)'],
  'the RPCs authenticated may call are the pinned list');

-- Privileges: no TRUNCATE for API roles anywhere; the audit tables and the event log are read-only for all of them.
select is(
  (select array_agg(c.oid::regclass::text || ':' || r.rolname) from pg_class c
   join pg_namespace n on n.oid = c.relnamespace
   cross join (values ('anon'), ('authenticated'), ('service_role')) r(rolname)
   where n.nspname in ('public', 'private') and c.relkind in ('r', 'p')
     and has_table_privilege(r.rolname, c.oid, 'truncate')),
  null, 'no API role may TRUNCATE any table');
select is(
  (select array_agg(t || ':' || r || ':' || p)
   from unnest(array['public.audit_logs', 'public.audit_log_seals', 'public.events', 'public.event_types']) t,
        unnest(array['anon', 'authenticated', 'service_role']) r,
        unnest(array['insert', 'update', 'delete', 'truncate']) p
   where has_table_privilege(r, t, p)),
  null, 'no API role may write to the audit tables, the event log or its catalogue');
select is(
  (select array_agg(c.oid::regclass::text) from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname in ('public', 'private') and c.relkind = 'r'
     and (has_table_privilege('anon', c.oid, 'select') or has_table_privilege('anon', c.oid, 'insert')
          or has_table_privilege('anon', c.oid, 'update') or has_table_privilege('anon', c.oid, 'delete'))
     -- allow-list: the plan catalogue is public (pricing page before sign-in), read-only
     and not (c.oid in ('public.plans'::regclass, 'public.plan_limits'::regclass, 'public.usage_metrics'::regclass)
              and not has_table_privilege('anon', c.oid, 'insert') and not has_table_privilege('anon', c.oid, 'update')
              and not has_table_privilege('anon', c.oid, 'delete'))),
  null, 'anon holds no privilege on any table (but SELECT on the plan catalogue)');
select ok(not has_column_privilege('authenticated', 'public.invitations', 'token_hash', 'select'),
  'invitation token hashes are not readable by authenticated');
select ok(not has_column_privilege('authenticated', 'public.api_keys', 'key_hash', 'select')
          and not has_column_privilege('service_role', 'public.api_keys', 'key_hash', 'select'),
  'API key hashes are not readable by authenticated or service_role');
select ok(not has_column_privilege('authenticated', 'public.webhook_endpoint_secrets', 'sealed', 'select')
          and not has_column_privilege('service_role', 'public.webhook_endpoint_secrets', 'sealed', 'select'),
  'sealed webhook secrets are not readable by authenticated or service_role');
select ok(not has_column_privilege('authenticated', 'public.secret_versions', 'ciphertext', 'select')
          and not has_column_privilege('service_role', 'public.secret_versions', 'ciphertext', 'select')
          and not has_table_privilege('authenticated', 'public.secret_data_keys', 'select')
          and not has_table_privilege('service_role', 'public.secret_data_keys', 'select'),
  'secret ciphertexts and wrapped data keys are not readable by authenticated or service_role');

-- Tenant-owned tables: composite foreign keys and an index led by tenant_id.
select is(
  (select array_agg(c.conrelid::regclass::text || ' -> ' || c.confrelid::regclass::text)
   from pg_constraint c
   where c.contype = 'f' and c.connamespace = 'public'::regnamespace
     and c.confrelid <> 'public.tenants'::regclass
     and exists (select 1 from pg_attribute a where a.attrelid = c.conrelid and a.attname = 'tenant_id')
     and exists (select 1 from pg_attribute a where a.attrelid = c.confrelid and a.attname = 'tenant_id')
     and not exists (select 1 from pg_attribute a where a.attrelid = c.conrelid and a.attname = 'tenant_id'
                     and a.attnum = any (c.conkey))
     -- system roles have no tenant: role references are checked by trigger (TN035) instead
     and not (c.confrelid = 'public.roles'::regclass and c.conkey = array[(select attnum from pg_attribute
              where attrelid = c.conrelid and attname = 'role_id')])),
  null, 'every foreign key between tenant tables includes tenant_id (roles excepted, checked by trigger)');
-- Distributable by tenant_id (issue 17 §7, docs/scale-out.md): a tenant table's rows can live on the
-- node of their tenant when its key carries tenant_id; a global table is a reference table (copied to
-- every node), and none points at a tenant table. The tables listed first predate the rule: new ones
-- must not join them.
select is(
  (select array_agg(c.relname::text order by c.relname) from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
     and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
     and not exists (select 1 from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attname = 'tenant_id'
                     where i.indrelid = c.oid and i.indisunique and a.attnum = any (i.indkey::int2[]))),
  array['api_idempotency', 'audit_logs', 'github_repos', 'integration_secrets', 'invitation_teams', 'jobs', 'notifications',
        'role_permissions', 'slack_channels', 'slack_workspaces', 'task_assignees', 'task_label_links', 'team_members',
        'webhook_attempts'],
  'every tenant table carries tenant_id in its primary key or a unique key, but the listed ones (docs/scale-out.md)');
select is(
  (select array_agg(c.relname::text order by c.relname) from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
     and not exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)),
  array['announcements', 'attachment_owners', 'audit_log_seals', 'data_classes', 'event_types', 'integration_types', 'llm_models',
        'model_providers', 'notification_kinds', 'notification_preferences', 'permissions', 'plan_limits', 'plans',
        'platform_staff', 'profiles', 'support_macros', 'system_settings', 'tenants', 'usage_metrics', 'user_preferences'],
  'the tables without tenant_id are tenants (distributed by id), audit_log_seals (by chain) and the reference tables of docs/scale-out.md');
select is(
  (select array_agg(c.conrelid::regclass::text || ' -> ' || c.confrelid::regclass::text) from pg_constraint c
   where c.contype = 'f' and c.connamespace = 'public'::regnamespace
     and not exists (select 1 from pg_attribute a where a.attrelid = c.conrelid and a.attname = 'tenant_id')
     and c.conrelid not in ('public.tenants'::regclass, 'public.audit_log_seals'::regclass)
     and (c.confrelid = 'public.tenants'::regclass
          or exists (select 1 from pg_attribute a where a.attrelid = c.confrelid and a.attname = 'tenant_id'))),
  null, 'no reference table has a foreign key to a tenant table');
select is(
  (select array_agg(distinct a.attrelid::regclass::text) from pg_attribute a
   join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind = 'r' and a.attname = 'tenant_id'
     and not exists (select 1 from pg_index i where i.indrelid = a.attrelid and i.indkey[0] = a.attnum)),
  null, 'every tenant_id column leads an index');
select is(
  (select array_agg(c.relname::text) from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
     and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
     and not exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'audit_update')
     -- usage_events is itself an append-only ledger (TN072); counters and daily rows are derived from it;
     -- api_idempotency is the API's record of its own requests (their writes are audited);
     -- events is itself an append-only log of audited changes (TN050), like audit_logs;
     -- notifications is a person's own inbox, written by the fan-out and only marked read or archived;
     -- webhook deliveries and attempts are the dispatcher's own log (test and replay are audit events);
     -- jobs are the queue's own log of system work, written only by its RPCs;
     -- workflow versions, runs and steps are the engine's own log (run, rerun and cancel are audit events)
     and c.relname not in ('audit_logs', 'events', 'usage_events', 'usage_counters', 'usage_daily', 'api_idempotency',
                           'notifications', 'webhook_deliveries', 'webhook_attempts', 'jobs',
                           -- inbound events are the providers' log (a replay is an audit event); the caches are
                           -- copies of what the providers list
                           'integration_events', 'github_repos', 'slack_workspaces', 'slack_channels',
                           'workflow_versions', 'workflow_runs', 'workflow_step_runs',
                           -- the SCIM operation log is the function's own log of requests (their writes are audited)
                           'scim_operations',
                           -- prompt runs are the AI gateway's own log, written only by private.record_model_call
                           'prompt_runs',
                           -- chunks and OCR pages are derived from their (audited) document and job by the jobs
                           'rag_chunks', 'ocr_pages',
                           -- the daily metrics are derived from the platform's records by the bi.rollup job
                           'tenant_usage_daily',
                           -- an alert's history is the bi.alerts job's own log (the alert's changes are audited)
                           'alert_events')),
  null, 'every tenant table is audited');
select is(
  (select array_agg(c.relname::text) from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
     and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
     and not exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname ~ '_immutable_columns$')
     -- the logs refuse every update (TN050)
     and c.relname not in ('audit_logs', 'events')),
  null, 'every tenant table guards its tenant_id against updates');
select is(
  (select array_agg(c.relname::text) from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname in ('public', 'private') and c.relkind = 'r' and obj_description(c.oid, 'pg_class') is null),
  null, 'every table has a comment');
select is(
  (select count(*)::int from public.permissions), 45, 'the permission catalog holds 45 codes');
select results_eq(
  $$select key from public.roles where tenant_id is null order by key$$,
  $$values ('admin'), ('billing_admin'), ('developer'), ('owner'), ('project_editor'), ('project_owner'), ('project_viewer'), ('viewer')$$,
  'the system roles are seeded');

select * from finish();
rollback;
