/**
 * The error catalogue: stable database error codes (raised with `using errcode = 'TNxxx'`, listed
 * in docs/error-codes.md) and the few SQLSTATEs RLS and constraints raise, with what a person is
 * told for each — the only place these sentences live in the app. SQL raises a TN code for every
 * constraint a page can trip with a plain write (BEFORE triggers in the tenancy, teams, projects
 * and billing migrations), so nothing here reads a constraint's name; the SQLSTATEs cover the
 * constraints' backstop role in a race.
 */
import { REJECTION_NOTE_REQUIRED } from '../../admin/schemas';
import { NO_PERMISSION } from '../roles/schemas';

const RESERVED_SLUG = 'That address is reserved; choose another.';
const ENVIRONMENT_TAKEN = 'This project has an environment with that name already.';
const ROLE_TAKEN = 'A role with that name exists already.';

/** What a refusal tells the person: a sentence, the field it is about, and whether it is the plan's limit. */
export interface Explained {
	field?: string;
	message: string;
	/** The plan's limit (TN070): the page points to billing. */
	quota?: true;
}

export const DB_ERROR_MESSAGES: Record<string, Explained> = {
	TN001: { message: 'Sign in first.' },
	TN002: { message: 'You do not have permission to do that.' },
	TN003: { message: 'No such member or organisation.' },
	TN004: {
		message:
			'This organisation requires two-factor authentication: verify a code from your app first.'
	},
	TN005: { message: 'This organisation is not active (pending approval, suspended or archived).' },
	TN006: { message: 'Your session has ended: sign in again.' },
	TN010: {
		field: 'slug',
		message:
			'Use 3–63 lowercase letters, digits and single hyphens, not starting or ending with a hyphen.'
	},
	TN011: { field: 'slug', message: 'That address is taken.' },
	TN012: { field: 'timezone', message: 'Unknown time zone (use a name such as Europe/Paris).' },
	TN013: { field: 'name', message: 'Give the organisation a name of 1–100 characters.' },
	TN014: { field: 'region', message: 'Choose one of the listed data regions.' },
	TN015: { field: 'slug', message: RESERVED_SLUG },
	TN020: { message: 'This invitation link is not valid.' },
	TN021: { message: 'This invitation was already used.' },
	TN022: { message: 'This invitation was revoked.' },
	TN023: { message: 'This invitation has expired: ask for a new one.' },
	TN024: {
		message: 'This invitation was sent to another email address: sign in with that address.'
	},
	TN025: { message: 'Confirm your email address first.' },
	TN026: { field: 'email', message: 'Already a member of this organisation.' },
	TN027: { field: 'email', message: 'Enter an email address such as name@example.com.' },
	TN030: { field: 'role', message: 'That role grants a permission you do not hold.' },
	TN031: {
		message: 'An organisation keeps at least one owner: make someone else an owner first.'
	},
	TN032: { message: 'You cannot change your own role or remove yourself here.' },
	TN033: { field: 'role', message: 'Only owners can make, change, invite or remove owners.' },
	TN034: { message: 'That member holds permissions you do not: ask an owner.' },
	TN035: { field: 'role', message: 'That role cannot be used here.' },
	TN036: { field: 'role', message: 'Ownership is given by transferring it, not as a role.' },
	TN039: { field: 'permissions', message: NO_PERMISSION },
	TN040: { message: 'That value can never change.' },
	TN041: { message: 'That can only be changed through its own action.' },
	TN050: { message: 'The audit trail is append-only.' },
	TN060: { message: 'The organisation cannot move to that status from its current one.' },
	TN061: { message: 'Only platform staff can do that.' },
	TN016: { field: 'primaryColor', message: 'Check the colour (#rrggbb) and the logo address.' },
	TN070: { message: 'Your plan’s limit is reached: upgrade the plan to add more.', quota: true },
	TN071: {
		message: 'This would go past the plan’s hard limit for the period; nothing was recorded.'
	},
	TN072: { message: 'Usage events are never changed or deleted.' },
	TN073: {
		field: 'proof',
		message:
			'Too many of your payment proofs were rejected in the last 30 days: write to billing support before sending another.'
	},
	TN074: { message: 'A payment is already waiting for verification, or was already verified.' },
	TN075: { message: 'Check the plan, the amount and the proof file.' },
	TN076: {
		message:
			'Usage is a positive quantity of a metered metric, at most 24 hours old; a correction cannot take it below zero.'
	},
	TN077: { message: 'This subscription is managed in Stripe: change it in the customer portal.' },
	TN078: { message: 'That is not a Stripe event.' },
	TN079: {
		field: 'acceptAmount',
		message:
			'The amount paid differs from the amount due: tick “Approve a different amount” and give the reason.'
	},
	TN080: { field: 'name', message: 'Another team already has this name.' },
	TN081: { field: 'name', message: ENVIRONMENT_TAKEN },
	TN082: { field: 'slug', message: 'Another project uses that address: choose another.' },
	TN083: { field: 'note', message: REJECTION_NOTE_REQUIRED },
	TN084: { field: 'name', message: ROLE_TAKEN },
	TN085: { field: 'permissions', message: 'Unknown permission.' },
	TN131: { field: 'reason', message: 'Give a reason of 1–500 characters.' },
	TN150: {
		field: 'domain',
		message: 'That domain is verified by another organisation: it must remove it first.'
	},
	TN200: { message: 'That API key is not valid.' },
	TN201: { message: 'That API key has been revoked.' },
	TN202: { message: 'That API key has expired.' },
	TN203: { message: 'The organisation of that API key is not active.' },
	TN204: {
		field: 'permissions',
		message: 'You cannot give a key a permission you do not hold here.'
	},
	TN205: {
		field: 'permissions',
		message:
			'That permission is for people only (keys never manage people, roles, security, billing or other keys).'
	},
	TN206: {
		field: 'scope',
		message:
			'Choose a project and environment of this organisation; a project key holds project permissions only.'
	},
	TN207: { field: 'name', message: 'Name the key in 1–80 characters.' },
	TN208: { field: 'expiresAt', message: 'Choose an expiry in the future.' },
	TN209: { message: 'The key could not be made: try again.' },
	TN210: { message: 'No such live API key, or you may not change it.' },
	TN211: { field: 'overlap', message: 'Choose an overlap between none and 7 days.' },
	TN212: { message: 'An API key cannot do this: it needs a person.' },
	TN213: { field: 'rateLimit', message: 'Choose a rate limit of 1 to 100000 requests a minute.' },
	TN214: { field: 'permissions', message: 'Choose at least one permission from the list.' },
	TN215: { message: 'This API key has made too many requests this minute: retry later.' },
	TN217: { message: 'The API key secret needs at least 32 bytes.' },
	TN240: { field: 'theme', message: 'Choose light, dark or the system setting.' },
	TN241: { field: 'time_zone', message: 'Unknown time zone (use a name such as Europe/Paris).' },
	TN242: { field: 'date_format', message: 'Choose one of the date formats offered.' },
	TN243: { field: 'language', message: 'Choose one of the languages offered.' },
	TN250: { message: 'That event type is not in the catalogue.' },
	TN260: { message: 'No such webhook endpoint, or you may not manage it (webhooks.manage).' },
	TN261: {
		field: 'url',
		message:
			'Enter a full http(s) URL of at most 2,048 characters, without a user name or password.'
	},
	TN262: { field: 'eventTypes', message: 'Choose event types from the list.' },
	TN263: {
		field: 'rateLimit',
		message: 'Choose a rate limit of 1 to 1000 deliveries a second, or leave it empty for none.'
	},
	TN264: { field: 'description', message: 'Keep the description under 500 characters.' },
	TN265: { message: 'The signing secret could not be stored: try again.' },
	TN266: {
		message: 'This organisation has 50 webhook endpoints, the most it may have: delete one first.'
	},
	TN267: { field: 'enabled', message: 'Choose on or off.' },
	TN268: { field: 'overlap', message: 'Choose an overlap between none and 7 days.' },
	TN269: { message: 'This endpoint is turned off: turn it on first.' },
	TN270: { message: 'No such webhook delivery, or you may not see it (webhooks.manage).' },
	TN271: {
		message: 'A dispatcher is sending this delivery right now: wait a moment, then replay it.'
	},
	TN272: { message: 'This endpoint has no signing secret yet: rotate to make one.' },
	TN280: { message: 'A webhook claim needs a worker, 1–1000 deliveries and a 1–3600 s lease.' },
	TN310: { message: 'No such secret, or you may not see it.' },
	TN311: {
		field: 'name',
		message:
			'Name the secret with 1 to 100 letters, digits, _ . or -, not starting with . or - (for example STRIPE_API_KEY).'
	},
	TN312: { field: 'format', message: 'Choose a format: opaque, JSON, PEM or JWT.' },
	TN313: { field: 'description', message: 'Keep the description under 500 characters.' },
	TN314: { message: 'The value could not be stored sealed: try again.' },
	TN315: { field: 'name', message: 'Another secret already has this name: choose another.' },
	TN316: {
		message:
			'A secret’s owner is an integration, webhook endpoint, SSO provider, data source, model provider or workflow, with its id.'
	},
	TN317: {
		field: 'value',
		message: 'What was read from the value could not be recorded: check the value.'
	},
	TN318: { field: 'projectId', message: 'Choose a project of this organisation.' },
	TN319: {
		message: 'An organisation has at most 1,000 secrets: delete one you no longer need first.'
	},
	TN320: { field: 'value', message: 'A secret value is at most 64 KB.' },
	TN321: { field: 'version', message: 'This secret has no such version.' },
	TN323: { message: 'A secret’s versions are kept as they are: add a new version instead.' },
	TN324: {
		message: 'A re-wrapped data key must be in the sealed form (v1.<key id>.<iv>.<ciphertext>).'
	},
	TN281: { message: 'This dispatcher no longer holds the webhook delivery: its lease passed.' },
	TN282: { message: 'A webhook attempt needs its start, duration and a status code or an error.' },
	TN290: {
		message:
			'Security notices (new sign-ins, two-factor authentication removed, password changed) cannot be turned off.'
	},
	TN291: { message: 'A daily digest is for email only.' },
	TN292: { message: 'This notification has no daily digest: choose on or off.' },
	TN293: { message: 'Security notices are personal: the organisation does not choose them.' },
	TN294: { message: 'Unknown notification type.' },
	TN295: {
		field: 'slack_integration_id',
		message: 'Choose a Slack integration of this organisation for the channel.'
	},
	TN330: { message: 'No such integration, or you may not manage it (integrations.manage).' },
	TN331: { field: 'type', message: 'Choose an integration type from the list.' },
	TN332: { field: 'name', message: 'Give the integration a name of at most 100 characters.' },
	TN333: { message: 'The settings do not fit this type of integration: check each field.' },
	TN334: {
		field: 'projectId',
		message: 'Choose a project of this organisation, and an environment of that project.'
	},
	TN335: { message: 'That secret does not belong to this integration.' },
	TN336: { message: 'This integration is disconnected: enter its secrets again to reconnect it.' },
	TN337: { message: 'No such inbound event, or you may not manage it (integrations.manage).' },
	TN338: { message: 'This event is queued for processing already: wait for it, then replay.' },
	TN339: { message: 'An organisation has at most 50 integrations: delete one first.' },
	TN340: { message: 'This type of integration takes no inbound events.' },
	TN341: { message: 'A failed connection test says why.' },
	TN342: { field: 'name', message: 'Another integration already has this name: choose another.' },
	TN350: { message: 'No job queue has that name: its module registers it in its migration.' },
	TN351: {
		message:
			'A job needs a JSON object as payload, 1–100 attempts and a dedupe key of 1–200 characters.'
	},
	TN352: {
		message:
			'A job claim needs queues, a worker, 1–1000 jobs and a 1–3600 s lease; a failure its error.'
	},
	TN353: {
		message: 'This worker no longer holds the job: it finished, was cancelled or was taken over.'
	},
	TN354: { message: 'No such job.' },
	TN355: {
		message: 'This job has succeeded or was cancelled already: there is nothing to cancel.'
	},
	TN356: { message: 'Only a failed or cancelled job can be queued again.' },
	TN381: { message: 'That file cannot be attached here: upload it again.' },
	TN382: { message: 'The file is larger than this place takes.' },
	TN383: { message: 'Files of this type cannot be attached here.' },
	TN384: {
		message:
			'This file would take the organisation past its plan’s storage: delete files or upgrade.',
		quota: true
	},
	TN385: { message: 'The file did not reach storage: upload it again.' },
	TN390: { message: 'Choose at least one team, and at most 20.' },
	TN391: { message: 'No such team, or you may not change it (teams.manage).' },
	TN392: { field: 'email', message: 'Already in this team.' },
	TN400: { message: 'No such support ticket, or you may not act on it (tickets.manage).' },
	TN401: { field: 'subject', message: 'Write a subject of 1 to 200 characters.' },
	TN402: { field: 'description', message: 'Describe the problem in 1 to 20,000 characters.' },
	TN403: { field: 'priority', message: 'Choose a priority: low, medium, high or urgent.' },
	TN404: { field: 'category', message: 'Choose one of the listed categories.' },
	TN405: { field: 'project', message: 'Choose a project of this organisation, or none.' },
	TN406: { field: 'body', message: 'Write a message of 1 to 20,000 characters.' },
	TN407: {
		message:
			'This ticket is closed or merged: reopen it (or use the ticket it was merged into) to reply.'
	},
	TN408: {
		field: 'status',
		message:
			'That status change is not possible here: an organisation closes its ticket or reopens it once resolved or closed.'
	},
	TN409: { field: 'assignee', message: 'Tickets are assigned to support staff only.' },
	TN410: {
		field: 'into',
		message:
			'Merge into another open ticket of the same organisation (not itself, not a merged one).'
	},
	TN411: { field: 'title', message: 'Another macro has this title: choose another.' },
	TN412: { message: 'A macro needs a title (1–100 characters) and a text (1–20,000).' },
	TN360: { message: 'No such workflow, or you may not manage it (workflows.manage).' },
	TN361: {
		field: 'name',
		message: 'Give the workflow a name of 1–100 characters and a description under 500.'
	},
	TN362: {
		field: 'definition',
		message: 'The definition is not a valid workflow: check its trigger and steps.'
	},
	TN363: {
		field: 'definition',
		message: 'A workflow starts on an event type of the catalogue, never on a workflow event.'
	},
	TN364: { message: 'A workflow runs with a person’s rights: an API key cannot own one.' },
	TN365: { message: 'No such workflow run, or you may not manage it (workflows.manage).' },
	TN366: { message: 'This run or approval has already ended.' },
	TN367: { message: 'No such approval, or you do not hold the permission that decides it.' },
	TN368: { field: 'comment', message: 'Approve or reject, with a comment under 1,000 characters.' },
	TN370: { message: 'Only the workflow’s owner acts for its running step.' },
	TN371: { message: 'A workflow writes only to members of its organisation.' },
	TN372: {
		field: 'input',
		message: 'The input is a JSON object of at most 64 KB; messages 1–1,000 characters.'
	},
	TN373: { message: 'This organisation has the most workflows it may have: delete one first.' },
	TN374: { message: 'This workflow has no owner (they left): save it to become its owner.' },
	TN420: { message: 'No such task, or you may not see it (tasks.read).' },
	TN421: { field: 'title', message: 'Give the task a title of at most 200 characters.' },
	TN422: { field: 'description', message: 'Keep the description under 20,000 characters.' },
	TN423: { field: 'column', message: "That column is not on this team's board." },
	TN424: { message: 'The board changed while you moved the card: reload and try again.' },
	TN425: { field: 'labels', message: "That label belongs to another team's board." },
	TN426: { message: 'A reply answers a comment of the same task, one level deep.' },
	TN427: { field: 'body', message: 'Write a comment of at most 10,000 characters.' },
	TN428: {
		message: 'A column with tasks cannot be deleted (move them first), nor a board’s last column.'
	},
	TN429: {
		field: 'name',
		message: 'Name the column in 1–50 characters, unlike the board’s other columns.'
	},
	TN430: { field: 'name', message: 'Name the label in 1–50 characters, unlike the other labels.' },
	TN432: { field: 'assignees', message: 'Only members of the organisation can be assigned.' },
	TN433: { message: 'No such column, or you may not see it (tasks.read).' },
	TN520: { field: 'name', message: 'Give the dashboard a name of at most 100 characters.' },
	TN521: {
		field: 'layout',
		message: 'The layout does not fit the 12-column grid: reload and try again.'
	},
	TN522: {
		field: 'source',
		message: 'Choose a widget kind and a metric or saved query of this organisation.'
	},
	TN523: {
		field: 'name',
		message: 'Name the query in 1–100 characters, unlike the other saved queries.'
	},
	TN524: {
		field: 'sql',
		message: 'A saved query is one SELECT statement with a distinct name for each column.'
	},
	TN525: {
		field: 'sql',
		message:
			'A saved query reads only the analytics views (usage_daily, usage_events, projects, tasks).'
	},
	TN526: { field: 'sql', message: 'The query calls a function that saved queries may not use.' },
	TN527: {
		field: 'parameters',
		message:
			'A parameter is name:type, with type text, integer, numeric, date, timestamptz or boolean.'
	},
	TN528: { field: 'sql', message: 'The query ran past its time limit and was stopped.' },
	TN529: { message: 'This link was revoked.' },
	TN530: {
		field: 'origins',
		message: 'An embedding origin is scheme://host[:port], like https://intranet.example.com.'
	},
	TN531: {
		field: 'title',
		message: 'Give the announcement a title, an audience and an expiry after its publication.'
	},
	TN532: { field: 'timeRange', message: 'Choose a time range: today, 7, 30, 90 or 365 days.' },
	TN533: { message: 'The home dashboard stays: it cannot be deleted.' },
	TN535: {
		field: 'name',
		message: 'Give the alert a name of 1 to 100 characters that no other alert has.'
	},
	TN536: {
		field: 'source',
		message: 'Choose a metric, a saved query or a widget of this organisation.'
	},
	TN537: {
		field: 'threshold',
		message: 'A threshold alert needs above or below, a value, and 0 to 1440 minutes.'
	},
	TN538: {
		field: 'kind',
		message:
			'An anomaly alert watches a metric, with a threshold of 1 to 20 and a baseline of 2 to 12 weeks.'
	},
	TN539: {
		field: 'schedule_cron',
		message: 'A schedule has five cron fields, such as "0 9 * * 1-5".'
	},
	TN540: {
		field: 'slack_channel',
		message: 'Choose a Slack integration of this organisation and a channel such as #alerts.'
	},
	TN541: { message: 'Snooze until a time in the next 30 days.' },
	TN542: { message: 'No such alert, or it is turned off: turn it on to evaluate it.' },
	TN543: {
		field: 'name',
		message: 'Give the data source a name of up to 100 characters, not used by another.'
	},
	TN544: {
		message:
			'Check the data source: a host, port, database and user (Postgres), or an http(s) URL without a user, query or fragment and a records path like $.data.items (HTTP JSON).'
	},
	TN545: { message: 'The credential must be the data source’s own secret.' },
	TN546: {
		message: 'The data source’s address is refused: sources connect only to public addresses.'
	},
	TN547: { message: 'Could not connect to the data source: check its address and credential.' },
	TN548: {
		message: 'The data source stopped the query: it ran too long, tried to write, or failed.'
	},
	TN549: { field: 'text', message: 'The source did not answer records: check the records path.' },
	TN434: { field: 'priority', message: 'Choose a priority: none, low, medium, high or urgent.' },
	TN440: {
		field: 'domain',
		message: 'Verify the domain first: only a verified domain can be served.'
	},
	TN441: {
		message:
			'The identity provider vouched for an address outside the domains it serves, so you were not signed in.'
	},
	TN442: {
		message:
			'An account with this address exists already: sign in to it with your password, then link single sign-on from the organisation’s SSO page.'
	},
	TN443: {
		field: 'break_glass',
		message: 'Break-glass accounts must be owners of the organisation.'
	},
	TN444: {
		field: 'group_roles',
		message: 'Map each group to a role of the organisation (not owner).'
	},
	TN445: { message: 'This identity provider is turned off.' },
	TN446: {
		message: 'This identity provider does not create accounts: ask an administrator to invite you.'
	},
	TN447: { message: 'Your membership of this organisation is suspended.' },
	TN448: {
		field: 'email',
		message:
			'Your organisation signs you in through its identity provider: use “Continue with SSO”.'
	},
	TN449: {
		message: 'The identity provider’s answer did not pass its checks, so you were not signed in.'
	},
	TN460: {
		message: 'The SCIM token is not valid for this organisation (revoked, or another one’s).'
	},
	TN461: { message: 'A SCIM resource with that userName or displayName already exists.' },
	TN462: { message: 'No such SCIM user or group, or you may not manage SCIM here (scim.manage).' },
	TN463: { message: 'The SCIM resource changed while it was being changed: try again.' },
	TN464: {
		message: 'A SCIM user needs a userName, a group a displayName (at most 320 and 100 characters).'
	},
	TN465: { field: 'name', message: 'Name the token in 1–80 characters.' },
	TN466: { message: 'You may not manage SCIM provisioning here (scim.manage).' },
	TN467: { message: 'No such SCIM token, or it is revoked already.' },
	TN468: {
		field: 'role',
		message: 'Map the group to a role of this organisation, other than Owner.'
	},
	TN500: {
		field: 'retentionDays',
		message: 'Keep this data for a number of days within the range shown.'
	},
	TN501: { field: 'action', message: 'Choose one of the actions this kind of data allows.' },
	TN502: {
		field: 'value',
		message: 'That value is not of the setting’s type, or is outside its bounds.'
	},
	TN503: { message: 'Platform staff are never viewed as, not even when they are members.' },
	TN504: { message: 'Only an active member of an active organisation can be viewed as.' },
	TN505: { field: 'reason', message: 'Say why you view as this member (1–500 characters).' },
	TN506: { field: 'minutes', message: 'A view-as session lasts 5 to 240 minutes.' },
	TN507: {
		field: 'allowWrites',
		message: 'Only a super admin may view as a member with changes allowed.'
	},
	TN508: { message: 'Billing cannot be changed while a staff member views as a member.' },
	TN509: { message: 'This view-as session has ended: start a new one from the console.' },
	TN510: { field: 'dataClass', message: 'This kind of data has one platform-wide rule.' },
	TN511: { message: 'A governance job is a retention run or a maintenance run.' },
	TN550: { field: 'model', message: 'That model is not offered now: choose another.' },
	TN551: {
		field: 'model',
		message:
			'This organisation has no access to that model’s provider (or its key is missing): set it up under AI → Providers.'
	},
	TN552: {
		message:
			'This call could pass the organisation’s monthly AI budget: raise the budget or ask for fewer tokens.',
		quota: true
	},
	TN553: {
		message:
			'This call could pass the plan’s AI tokens for this month: upgrade the plan or wait for next month.',
		quota: true
	},
	TN554: {
		message: 'Using AI needs the “Use AI features” permission (ai.use) in this organisation.'
	},
	TN555: {
		field: 'access',
		message:
			'Platform access uses the platform’s endpoint and key; an OpenAI-compatible endpoint needs your own URL and key.'
	},
	TN556: {
		field: 'key',
		message:
			'Give the template a key of 2–64 lower-case letters, digits, . _ - that no other template has.'
	},
	TN557: {
		field: 'instructions',
		message: 'Instructions take no {{placeholders}}: put variables in the message.'
	},
	TN558: {
		field: 'variables',
		message: 'Declare every {{placeholder}} as a variable, each with a name and a type.'
	},
	TN559: { field: 'name', message: 'Name the template in 1–100 characters.' },
	TN560: { field: 'budget', message: 'A budget is zero or more US dollars.' },
	TN561: {
		message:
			'An embedding model has a vector size, a chat model none; a key is the provider’s model name.'
	},
	TN480: {
		message: 'The consent ledger keeps every entry: record a new grant or withdrawal instead.'
	},
	TN481: { message: 'No such privacy request, or you may not handle it (privacy.manage).' },
	TN482: { field: 'state', message: 'The request cannot take that step from where it is now.' },
	TN483: { field: 'reason', message: 'Say why the request is refused.' },
	TN484: {
		message: 'This confirmation link is not valid: it was used already, or is for another account.'
	},
	TN485: {
		message:
			'This person is the last owner of an organisation: ownership must move to someone else first.'
	},
	TN486: { field: 'subject', message: 'That person is not a member of this organisation.' },
	TN487: { field: 'purpose', message: 'There is no such active purpose in this organisation.' },
	TN488: { field: 'text_version', message: "That version of the purpose's text was never shown." },
	TN489: { field: 'subject_id', message: "A member's consent names the member's user id." },
	TN490: { field: 'key', message: 'Another purpose already has this key.' },
	TN491: {
		field: 'kind',
		message: 'Choose what is asked: access, rectification, erasure, restriction or objection.'
	},
	TN492: { field: 'kind', message: 'A request of this kind is already open for this person.' },
	TN493: {
		message: 'The erasure stopped before it was complete; nothing was erased. See the job log.'
	},
	TN494: { message: 'This download link is not valid, or it is for another account.' },
	TN495: { message: 'This export was downloaded already: ask for a new one if you need it again.' },
	TN496: { message: 'This download link has expired: ask for a new export.' },
	TN497: { message: 'Only an access request in progress gets an export archive.' },
	TN498: { message: 'Only an open request, and only once, has its deadline extended.' },
	TN499: { field: 'reason', message: 'Say why the deadline is extended.' },
	TN563: { message: 'You may not ask about this organisation’s documents (ai.use).' },
	TN564: {
		field: 'refresh',
		message: 'Choose frozen, or a refresh every 1, 6, 12 or 24 hours.'
	},
	TN570: { message: 'You may not search this organisation’s documents (ai.use).' },
	TN571: {
		message: 'The query embedding has a dimension no document is embedded in (384 or 1536).'
	},
	TN572: {
		field: 'query',
		message: 'Type a question of 1–2,000 characters (and ask for 1–50 results).'
	},
	TN573: {
		field: 'source',
		message: 'Give the document a URL (http or https), its text, or a file.'
	},
	TN574: { message: 'No such document, or you may not manage it (documents.manage).' },
	TN575: { message: 'The document is being indexed already.' },
	TN576: { message: 'No such OCR job, or you may not manage it (documents.manage).' },
	TN577: { message: 'The OCR job has finished already.' },
	TN610: {
		field: 'document',
		message:
			'OCR reads a PNG or JPEG image or a scanned PDF: name a document uploaded as one of those.'
	},
	TN611: {
		field: 'file',
		message: 'OCR reads PNG and JPEG images and scanned PDFs: attach one in the file part.'
	},
	TN612: { message: 'Only a failed or cancelled OCR job can be retried.' },
	TN584: {
		message:
			'Single sign-on needs the Business plan: upgrade the organisation on its billing page (providers already set up are kept).'
	},
	TN585: {
		message:
			'SCIM provisioning needs the Business plan: upgrade the organisation on its billing page (tokens already made are kept).'
	},
	TN590: { message: 'Each DNS check result names a record of the domain and a known status.' },
	TN591: { message: 'The certificate’s private key must be its own secret: upload them together.' },
	TN592: {
		message: 'That certificate is not valid now: upload one that has started and not expired.'
	},
	TN593: {
		message:
			'Only a verified domain can be the primary one: publish its TXT record and check it first.'
	},
	TN594: {
		message:
			'A certificate’s private key is never shown again: upload a new certificate and key to replace it.'
	},
	TN620: {
		message:
			'This organisation answers only the networks on its IP allowlist, and your address is not on it: connect from a listed network, or ask an owner to add yours.'
	},
	TN621: {
		message:
			'That list would shut out the address you are using now: add it (or a network that holds it) and save again.'
	},
	TN622: {
		message:
			'The admin console answers only the networks on its IP allowlist, and your address is not on it: connect from a listed network.'
	},
	TN623: {
		message:
			'That list would shut the console to the address you are using now: add it (or a network that holds it) and save again.'
	},
	TN624: {
		message:
			'IP allowlists need the Business plan: upgrade the organisation on its billing page (an empty list needs no plan).'
	},
	TN625: {
		message:
			'Each entry must be a network, such as 192.0.2.0/24 or 2001:db8::/32, without host bits, and at most 100 of them.'
	},
	TN626: { message: 'Choose a window of 1 to 720 hours.' },
	// Row-level security refusing a write (WITH CHECK), or a missing grant: for instance any write
	// in an organisation that requires two-factor authentication, from an aal1 session.
	'42501': { message: 'You do not have permission to do that.' },
	// A read-only "view as" transaction (private.assert_impersonation_active): Postgres refuses the write.
	'25006': { message: 'You are viewing as this member, read-only: nothing can be changed.' },
	'23505': { message: 'That name is already used here: choose another.' },
	'23514': { message: 'One of the values is not allowed: check the fields.' }
};

/**
 * The REST API's own refusals (src/lib/server/api/problem.ts): not raised by SQL but by the API
 * layer, each with the HTTP status it answers with. A database refusal keeps its own code.
 */
export const API_ERROR_MESSAGES = {
	TN220: { status: 400, message: 'Check the request: some values are missing or not allowed.' },
	TN221: {
		status: 401,
		message:
			'Authenticate: send a session cookie, a Supabase access token or an API key (Authorization: Bearer …).'
	},
	TN222: {
		status: 401,
		message: 'That token or API key is not valid, has expired or was revoked.'
	},
	TN223: {
		status: 400,
		message: 'Name the organisation: send its address in the Tenantry-Tenant header.'
	},
	TN224: { status: 404, message: 'No such organisation, or you are not one of its members.' },
	TN225: {
		status: 422,
		message:
			'This Idempotency-Key was used for a different request: use a new key for a new request.'
	},
	TN226: { status: 400, message: 'An Idempotency-Key is 1–255 visible characters.' },
	TN227: {
		status: 412,
		message: 'The resource changed since you read it: read it again, then retry with its new ETag.'
	},
	TN228: { status: 429, message: 'Too many requests: wait for the time Retry-After gives.' },
	TN229: {
		status: 429,
		message: 'The plan’s API call limit for this month is reached: upgrade the plan, or wait.'
	},
	TN230: { status: 404, message: 'No such resource, or you may not see it.' },
	TN231: { status: 415, message: 'Send the body as JSON (Content-Type: application/json).' },
	TN232: { status: 500, message: 'Something went wrong on our side.' },
	TN233: { status: 413, message: 'The body is larger than this endpoint takes.' },
	TN234: {
		status: 415,
		message: 'Send the file as multipart/form-data (Content-Type: multipart/form-data).'
	},
	TN562: {
		status: 502,
		message: 'The model provider did not give an answer: the detail says why.'
	}
} as const satisfies Record<string, { status: number; message: string }>;

export type ApiErrorCode = keyof typeof API_ERROR_MESSAGES;

/** The pages whose refusals are worded for what the page is about. */
export type ErrorContext = 'projects' | 'roles' | 'settings';

/**
 * The same codes in a page's own words: TN030 on the role editor is about editing a role, on the
 * members page about giving one. Looked up before DB_ERROR_MESSAGES.
 */
export const DB_ERROR_MESSAGES_IN: Record<ErrorContext, Record<string, Explained>> = {
	projects: {
		TN070: {
			message:
				'Your plan’s project limit is reached. Upgrade the plan on the Billing page, or delete a project you no longer need.',
			quota: true
		},
		TN082: { field: 'slug', message: 'Another project uses that address: choose another.' },
		TN081: { field: 'name', message: ENVIRONMENT_TAKEN },
		'23505': { field: 'name', message: ENVIRONMENT_TAKEN },
		TN030: {
			field: 'roleId',
			message: 'That role grants a permission you do not hold on this project.'
		},
		TN032: { field: 'userId', message: 'You cannot change your own project role.' },
		TN035: { field: 'roleId', message: 'Choose a project role.' },
		TN003: { field: 'userId', message: 'That person is not a member of this organisation.' }
	},
	roles: {
		TN084: { field: 'name', message: ROLE_TAKEN },
		'23505': { field: 'name', message: ROLE_TAKEN },
		'42501': { field: 'permissions', message: 'You can only grant permissions you hold yourself.' },
		// Editing a role needs all it grants and no holder above the editor (trigger guard_role_edit).
		TN030: {
			message:
				'This role grants a permission you do not hold, so only someone who holds all of it (an owner) can change it.'
		},
		TN034: {
			message:
				'A member who holds this role has permissions you do not, so only an owner can change it.'
		},
		TN035: {
			field: 'permissions',
			message:
				'A project role can only grant permissions that apply to a project (marked “project”).'
		},
		TN085: { field: 'permissions', message: 'Unknown permission.' },
		// A role still held cannot be deleted (role_assignments' foreign key).
		'23503': { message: 'Members still hold this role: give them another role first.' }
	},
	settings: {
		TN004: {
			field: 'requireMfa',
			message:
				'Requiring two-factor authentication needs a session that used it: verify a code on your Security page, then save again.'
		},
		TN002: {
			field: 'requireMfa',
			message: 'Only people who manage security (tenant.security.manage) can change this.'
		},
		TN033: { message: 'Only owners can archive the organisation.' },
		TN011: { field: 'slug', message: 'That address is taken.' },
		'23505': { field: 'slug', message: 'That address is taken.' },
		TN012: { field: 'timezone', message: 'Unknown time zone.' },
		TN014: { field: 'dataRegion', message: 'Choose one of the listed data regions.' },
		TN016: { field: 'primaryColor', message: 'Check the colour (#rrggbb) and the logo address.' },
		TN013: { field: 'name', message: 'Check the name.' },
		'23514': { field: 'name', message: 'Check the name.' }
	}
};

/**
 * The message (and field) for a database error with a known code — in the words of `context`
 * when that page words it its own way — or null for anything else.
 */
export function describeDbError(error: unknown, context?: ErrorContext): Explained | null {
	const { code } = (error ?? {}) as { code?: unknown };
	if (typeof code !== 'string') return null;
	return (context && DB_ERROR_MESSAGES_IN[context][code]) || DB_ERROR_MESSAGES[code] || null;
}

/** The message of the app's 404 page (handleError in hooks.server.ts), and of every 404 that must read the same. */
export const NOT_FOUND = 'Not found';

/** A dangerous action's typed confirmation (ConfirmAction's `typeToConfirm`) did not match. */
export const TYPED_NAME_MISMATCH = 'Type the name exactly as shown to confirm.';
