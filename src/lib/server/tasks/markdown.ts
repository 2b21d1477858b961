/**
 * Task descriptions and comments are Markdown (CommonMark), rendered on the server to HTML that
 * is safe to put in a page: raw HTML in the source is escaped, never passed through (micromark's
 * default), link and image URLs other than http(s), mailto and relative ones are dropped
 * (`javascript:`, `data:`, `vbscript:` …), and every link opens with rel="noopener noreferrer
 * nofollow ugc". Images are shown as their alt text's link: a description cannot make the
 * reader's browser fetch a URL.
 */
import { micromark } from 'micromark';

const SAFE_PROTOCOL = /^(https?|mailto)$/i;

/** The HTML of a Markdown text, safe to render with {@html}. */
export function renderMarkdown(source: string): string {
	const html = micromark(source, {
		allowDangerousHtml: false,
		allowDangerousProtocol: false
	});
	return (
		html
			// Images: a link to the image instead of a fetch (micromark escapes alt and src).
			.replace(
				/<img src="([^"]*)" alt="([^"]*)"(?: title="[^"]*")? \/>/g,
				(_, src: string, alt: string) => (src ? `<a href="${src}">${alt || src}</a>` : alt)
			)
			.replace(/<a href="([^"]*)"/g, (whole, href: string) => {
				const protocol = /^([a-z][a-z0-9+.-]*):/i.exec(href)?.[1];
				if (protocol && !SAFE_PROTOCOL.test(protocol)) return '<a';
				return `<a rel="noopener noreferrer nofollow ugc" href="${href}"`;
			})
	);
}
