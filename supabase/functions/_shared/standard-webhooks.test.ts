/**
 * The signer against the specification's test vector, and against the reference library
 * (`standardwebhooks`' Webhook.verify), which must accept what it signs, one secret or two.
 */
import assert from 'node:assert/strict';
import { Webhook } from 'npm:standardwebhooks@1.1.1';
import { secretKey, sign, signatureHeader } from './standard-webhooks.ts';

const VECTOR = {
	secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
	msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
	timestamp: 1614265330,
	body: '{"test": 2432232314}',
	signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

function randomSecret(): string {
	return 'whsec_' + btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
}

Deno.test('reproduces the Standard Webhooks test vector', async () => {
	assert.equal(
		await sign(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.body),
		VECTOR.signature,
	);
});

Deno.test('the reference library verifies what it signs, with one secret and with two', async () => {
	const body = JSON.stringify({ type: 'member.added', timestamp: new Date().toISOString() });
	const msgId = `msg_${crypto.randomUUID().replaceAll('-', '')}`;
	const timestamp = Math.floor(Date.now() / 1000);
	const [current, rotated] = [randomSecret(), randomSecret()];
	const header = await signatureHeader([current, rotated], msgId, timestamp, body);
	assert.equal(header.split(' ').length, 2);
	for (const secret of [current, rotated]) {
		const verified = new Webhook(secret).verify(body, {
			'webhook-id': msgId,
			'webhook-timestamp': String(timestamp),
			'webhook-signature': header,
		});
		assert.deepEqual(verified, JSON.parse(body));
	}
	assert.throws(
		() =>
			new Webhook(randomSecret()).verify(body, {
				'webhook-id': msgId,
				'webhook-timestamp': String(timestamp),
				'webhook-signature': header,
			}),
		/No matching signature/,
	);
	assert.throws(
		() =>
			new Webhook(current).verify(body + ' ', {
				'webhook-id': msgId,
				'webhook-timestamp': String(timestamp),
				'webhook-signature': header,
			}),
		/No matching signature/,
	);
});

Deno.test('a secret without whsec_ or with broken base64 is refused with a sentence', () => {
	assert.throws(() => secretKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), /starts with whsec_/);
	assert.throws(() => secretKey('whsec_!!!'), /starts with whsec_/);
	assert.throws(() => secretKey('whsec_'), /empty/);
});
