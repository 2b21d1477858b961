/**
 * Notification emails: one template (HTML and plain text) for a single notification and one for a
 * daily digest, in the organisation's branding — its name, its primary colour and its logo
 * (tenants.branding, checked by SQL: `#rrggbb` and `https://` only) — or Tenantry's for a personal
 * security notice. Every value is escaped; links are the notification's path on PUBLIC_URL.
 */

export interface Branding {
	/** The organisation's name; null for a personal (security) notice. */
	tenantName: string | null;
	branding: Record<string, unknown>;
}

export interface MailItem {
	title: string;
	body: string;
	link: string | null;
	createdAt: Date;
}

export interface RenderedEmail {
	subject: string;
	text: string;
	html: string;
}

const DEFAULT_COLOUR = '#18181b';
const COLOUR = /^#[0-9a-fA-F]{6}$/;
const LOGO = /^https:\/\/[^\s"<>]+$/;
const PATH = /^\/(?!\/)[A-Za-z0-9/_.?=&%-]*$/;

const ESCAPES: Record<string, string> = {
	'&': '&amp;',
	'<': '&lt;',
	'>': '&gt;',
	'"': '&quot;',
	"'": '&#39;'
};

export function escapeHtml(value: string): string {
	return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The notification's link on PUBLIC_URL (only a plain path is ever linked). */
export function absoluteLink(publicUrl: string, link: string | null): string | null {
	if (!link || !PATH.test(link)) return null;
	return `${publicUrl.replace(/\/+$/, '')}${link}`;
}

function brandOf({ tenantName, branding }: Branding) {
	const colour =
		typeof branding.primary_color === 'string' && COLOUR.test(branding.primary_color)
			? branding.primary_color
			: DEFAULT_COLOUR;
	const logo =
		typeof branding.logo_url === 'string' && LOGO.test(branding.logo_url)
			? branding.logo_url
			: null;
	return { name: tenantName ?? 'Tenantry', colour, logo };
}

function layout(
	brand: ReturnType<typeof brandOf>,
	heading: string,
	content: string,
	footer: string
): string {
	const name = escapeHtml(brand.name);
	const mark = brand.logo
		? `<img src="${escapeHtml(brand.logo)}" alt="${name}" height="32" style="display:block;height:32px">`
		: `<strong style="font-size:18px;color:${brand.colour}">${name}</strong>`;
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(heading)}</title></head>
<body style="margin:0;padding:0;background:#f4f4f5;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#18181b">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;padding:24px 0">
<tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;width:100%;background:#ffffff;border-radius:8px;border-top:4px solid ${brand.colour}">
<tr><td style="padding:24px 24px 8px">${mark}</td></tr>
<tr><td style="padding:8px 24px 24px">
<h1 style="font-size:20px;margin:0 0 12px">${escapeHtml(heading)}</h1>
${content}
</td></tr>
<tr><td style="padding:16px 24px;border-top:1px solid #e4e4e7;font-size:12px;color:#71717a">${footer}</td></tr>
</table></td></tr></table></body></html>`;
}

function button(colour: string, href: string, label: string): string {
	return `<p style="margin:20px 0 0"><a href="${escapeHtml(href)}" style="display:inline-block;background:${colour};color:#ffffff;text-decoration:none;padding:10px 16px;border-radius:6px;font-weight:600">${escapeHtml(label)}</a></p>`;
}

function footerFor(publicUrl: string, personal: boolean) {
	const settings = absoluteLink(publicUrl, '/account/notifications')!;
	const why = personal
		? 'Security notices about your account are always sent.'
		: 'You receive this because of your role in the organisation.';
	return {
		text: `${why} Choose what you receive: ${settings}`,
		html: `${escapeHtml(why)} <a href="${escapeHtml(settings)}" style="color:#71717a">Choose what you receive</a>.`
	};
}

/** One notification as an email. */
export function renderNotificationEmail(
	item: MailItem,
	brand: Branding,
	publicUrl: string
): RenderedEmail {
	const b = brandOf(brand);
	const href = absoluteLink(publicUrl, item.link);
	const footer = footerFor(publicUrl, brand.tenantName === null);
	const subject = brand.tenantName ? `${item.title} · ${brand.tenantName}` : item.title;
	const text = [
		b.name,
		'',
		item.title,
		...(item.body ? ['', item.body] : []),
		...(href ? ['', `Open it: ${href}`] : []),
		'',
		'—',
		footer.text,
		''
	].join('\n');
	const content =
		(item.body ? `<p style="margin:0;line-height:1.5">${escapeHtml(item.body)}</p>` : '') +
		(href ? button(b.colour, href, 'Open in Tenantry') : '');
	return { subject, text, html: layout(b, item.title, content, footer.html) };
}

/** A day's notifications of one organisation as one email. */
export function renderDigestEmail(
	items: MailItem[],
	brand: Branding,
	publicUrl: string
): RenderedEmail {
	const b = brandOf(brand);
	const footer = footerFor(publicUrl, false);
	const heading = `${items.length} ${items.length === 1 ? 'notification' : 'notifications'} from ${b.name}`;
	const lines = items.map((item) => {
		const href = absoluteLink(publicUrl, item.link);
		return `- ${item.title}${item.body ? `: ${item.body}` : ''}${href ? `\n  ${href}` : ''}`;
	});
	const text = [`Your daily digest: ${heading}`, '', ...lines, '', '—', footer.text, ''].join('\n');
	const list = items
		.map((item) => {
			const href = absoluteLink(publicUrl, item.link);
			const title = href
				? `<a href="${escapeHtml(href)}" style="color:${b.colour};font-weight:600">${escapeHtml(item.title)}</a>`
				: `<strong>${escapeHtml(item.title)}</strong>`;
			return `<li style="margin:0 0 10px">${title}${item.body ? `<br><span style="color:#52525b">${escapeHtml(item.body)}</span>` : ''}</li>`;
		})
		.join('');
	return {
		subject: `Daily digest: ${heading}`,
		text,
		html: layout(b, heading, `<ul style="padding-left:18px;margin:0">${list}</ul>`, footer.html)
	};
}
