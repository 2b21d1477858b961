import { describe, expect, it } from 'vitest';
import { absoluteLink, renderDigestEmail, renderNotificationEmail } from './templates';

const URL_ = 'https://app.example.test/';
const item = {
	title: 'Payment failed',
	body: 'Card <declined> & "retry"',
	link: '/t/acme/billing',
	createdAt: new Date()
};

describe('notification email templates', () => {
	it('brand the email with the organisation’s name, colour and https logo, escaping every value', () => {
		const email = renderNotificationEmail(
			item,
			{
				tenantName: 'Acme <Inc>',
				branding: { primary_color: '#0a7d5a', logo_url: 'https://cdn.example/logo.png' }
			},
			URL_
		);
		expect(email.subject).toBe('Payment failed · Acme <Inc>');
		expect(email.html).toContain('border-top:4px solid #0a7d5a');
		expect(email.html).toContain('<img src="https://cdn.example/logo.png" alt="Acme &lt;Inc&gt;"');
		expect(email.html).toContain('Card &lt;declined&gt; &amp; &quot;retry&quot;');
		expect(email.html).toContain('href="https://app.example.test/t/acme/billing"');
		expect(email.text).toContain('Card <declined> & "retry"');
		expect(email.text).toContain('Open it: https://app.example.test/t/acme/billing');
	});

	it('ignore branding that is not a colour or an https logo, and links that are not a path', () => {
		const email = renderNotificationEmail(
			{ ...item, link: 'javascript:alert(1)' },
			{
				tenantName: 'Acme',
				branding: { primary_color: 'red;x:y', logo_url: 'http://cdn.example/logo.png' }
			},
			URL_
		);
		expect(email.html).toContain('border-top:4px solid #18181b');
		expect(email.html).not.toContain('<img');
		expect(email.html).not.toContain('javascript:');
		expect(email.text).not.toContain('Open it');
		expect(absoluteLink(URL_, '//evil.example/x')).toBeNull();
		expect(absoluteLink(URL_, 'https://evil.example')).toBeNull();
	});

	it('sign a personal notice as Tenantry and say it is always sent', () => {
		const email = renderNotificationEmail(item, { tenantName: null, branding: {} }, URL_);
		expect(email.subject).toBe('Payment failed');
		expect(email.text).toContain('Security notices about your account are always sent.');
	});

	it('list a day’s items in one digest', () => {
		const email = renderDigestEmail(
			[item, { ...item, title: 'Invoice paid', body: '', link: null }],
			{ tenantName: 'Acme', branding: {} },
			URL_
		);
		expect(email.subject).toBe('Daily digest: 2 notifications from Acme');
		expect(email.text).toContain(
			'- Payment failed: Card <declined> & "retry"\n  https://app.example.test/t/acme/billing'
		);
		expect(email.text).toContain('- Invoice paid');
		expect(email.html.match(/<li /g)).toHaveLength(2);
	});
});
