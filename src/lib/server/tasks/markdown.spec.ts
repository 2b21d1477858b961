import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
	it('renders the usual Markdown', () => {
		expect(renderMarkdown('**bold** and _it_\n\n- one\n- two')).toBe(
			'<p><strong>bold</strong> and <em>it</em></p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>'
		);
		expect(renderMarkdown('`<b>`')).toBe('<p><code>&lt;b&gt;</code></p>');
	});

	it('escapes raw HTML: no script, no event handler survives', () => {
		const html = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>');
		expect(html).not.toMatch(/<script|<img/i);
		expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
		expect(renderMarkdown('a <span onclick="x()">b</span>')).not.toMatch(/<span/);
	});

	it('neutralises javascript:, data: and vbscript: links', () => {
		for (const url of [
			'javascript:alert(1)',
			'JaVaScRiPt:alert(1)',
			'data:text/html,<b>x</b>',
			'vbscript:msgbox'
		]) {
			const html = renderMarkdown(`[click](${url})`);
			expect(html, url).not.toMatch(/href="(javascript|data|vbscript)/i);
			expect(html, url).toContain('click');
		}
		expect(renderMarkdown('<javascript:alert(1)>')).not.toMatch(/href="javascript/i);
		expect(renderMarkdown('[x](&#106;avascript:alert(1))')).not.toMatch(/href="javascript/i);
	});

	it('opens links with rel=noopener and keeps safe URLs', () => {
		expect(renderMarkdown('[docs](https://example.com/a?b=1&c=2)')).toBe(
			'<p><a rel="noopener noreferrer nofollow ugc" href="https://example.com/a?b=1&amp;c=2">docs</a></p>'
		);
		expect(renderMarkdown('[me](mailto:me@example.com)')).toContain('href="mailto:me@example.com"');
		expect(renderMarkdown('[rel](/t/acme/tasks)')).toContain('href="/t/acme/tasks"');
	});

	it('turns an image into a link, so nothing is fetched', () => {
		const html = renderMarkdown('![chart](https://example.com/c.png "t")');
		expect(html).not.toContain('<img');
		expect(html).toContain(
			'<a rel="noopener noreferrer nofollow ugc" href="https://example.com/c.png">chart</a>'
		);
		expect(renderMarkdown('![x](javascript:alert(1))')).not.toMatch(/javascript/i);
	});

	it('escapes attribute-breaking quotes in URLs', () => {
		const html = renderMarkdown('[x](https://example.com/"onmouseover="alert(1))');
		expect(html).not.toMatch(/" onmouseover=|"onmouseover="/);
	});
});
