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
	TN434: { field: 'priority', message: 'Choose a priority: none, low, medium, high or urgent.' },
	// Row-level security refusing a write (WITH CHECK), or a missing grant: for instance any write
	// in an organisation that requires two-factor authentication, from an aal1 session.
	'42501': { message: 'You do not have permission to do that.' },
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
	TN232: { status: 500, message: 'Something went wrong on our side.' }
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
