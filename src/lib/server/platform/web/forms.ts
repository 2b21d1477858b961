/**
 * Form handling shared by every action: read the form, validate with zod, and answer bad input
 * with field errors and the values kept (never a password, code or secret value), as `fail(400, …)`.
 */
import { fail, type ActionFailure, type RequestEvent } from '@sveltejs/kit';
import type { z } from 'zod';
import type { FieldErrors, FormFailure } from '../../../forms/failure';
import { RateLimiter } from '../../auth';
import { currentRequestContext } from '../rls';

export type { FieldErrors, FormFailure };

const SECRET_FIELDS = new Set(['password', 'code', 'secretValue', 'privateKey']);

export async function parseForm<S extends z.ZodType>(
	request: Request,
	schema: S
): Promise<
	| { ok: true; data: z.output<S>; values: Record<string, string> }
	| { ok: false; failure: ActionFailure<FormFailure> }
> {
	const form = await request.formData();
	const values: Record<string, string> = {};
	for (const [key, value] of form) if (typeof value === 'string') values[key] = value;
	const kept = Object.fromEntries(Object.entries(values).filter(([k]) => !SECRET_FIELDS.has(k)));
	const result = schema.safeParse(values);
	if (result.success) return { ok: true, data: result.data, values: kept };
	const errors: FieldErrors = {};
	for (const issue of result.error.issues) {
		const field = String(issue.path[0] ?? 'form');
		const messages = (errors[field] ??= []);
		if (!messages.includes(issue.message)) messages.push(issue.message);
	}
	return { ok: false, failure: fail(400, { errors, values: kept }) };
}

/** A failure that is about the whole form (wrong password, expired link …). */
export function formError(
	status: number,
	message: string,
	values: Record<string, string>
): ActionFailure<FormFailure> {
	return fail(status, { errors: {}, values, message });
}

/** A failure about one field that only the server could detect (a taken address …). */
export function fieldError(
	field: string,
	message: string,
	values: Record<string, string>
): ActionFailure<FormFailure> {
	return fail(400, { errors: { [field]: [message] }, values });
}

/** Per-client limits for the auth forms (spec 002): 10 attempts a minute per address and client. */
const limiter = new RateLimiter({ limit: 10, windowMs: 60_000 });

/**
 * The client's address — behind TRUSTED_PROXIES the forwarded one hooks.server.ts worked out —
 * or undefined where the adapter cannot tell.
 */
export function clientAddress(event: RequestEvent): string | undefined {
	const fromProxies = currentRequestContext()?.clientIp;
	if (fromProxies) return fromProxies;
	try {
		return event.getClientAddress();
	} catch {
		return undefined;
	}
}

export function rateLimited(event: RequestEvent, scope: string, subject: string): boolean {
	const key = `${scope}:${clientAddress(event) ?? 'unknown'}:${subject.toLowerCase()}`;
	return !limiter.hit(key).allowed;
}

/** A same-site path to return to after signing in; anything else goes to /app. */
export function safeRedirect(target: string | null): string {
	return target && /^\/(?!\/)[\w\-./?=&%]*$/.test(target) ? target : '/app';
}

/**
 * Did the person type the name a dangerous action asked for (ConfirmAction's `typeToConfirm`,
 * posted as `confirm_name`)? Surrounding spaces do not count; case does.
 */
export function typedNameMatches(typed: unknown, expected: string): boolean {
	return typeof typed === 'string' && typed.trim() === expected;
}
