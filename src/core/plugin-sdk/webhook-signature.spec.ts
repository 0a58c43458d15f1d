import { createHash, createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { webhookSchemes } from './webhook-presets';
import { signedContentParts, type WebhookScheme } from './webhook-scheme';
import { constantTimeEqual, signWebhook, verifyWebhook, type WebhookRequest } from './webhook-signature';

const req = (headers: Record<string, string>, body: string, extra: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: 'POST', url: 'https://hooks.example/webhooks/x', headers, body: Buffer.from(body, 'utf8'), ...extra,
});

describe('Standard Webhooks', () => {
  const scheme = webhookSchemes.standardWebhooks();
  // the specification's own example (standard-webhooks/standard-webhooks, libraries' tests)
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';
  const expected = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

  it('signs the published example exactly', () => {
    expect(signWebhook(scheme, secret, { id, timestamp, body })).toEqual({ 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': expected });
  });

  it('verifies the published example inside the window, refuses it outside', () => {
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': expected };
    expect(verifyWebhook(scheme, secret, req(headers, body), timestamp * 1000 + 299_000)).toEqual({ ok: true, id, timestamp });
    expect(verifyWebhook(scheme, secret, req(headers, body), timestamp * 1000 + 301_000)).toEqual({ ok: false, reason: 'stale_timestamp' });
    // a timestamp from the future is as suspect as an old one
    expect(verifyWebhook(scheme, secret, req(headers, body), timestamp * 1000 - 301_000)).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('agrees with the standardwebhooks package both ways', () => {
    const wh = new Webhook(secret);
    const now = new Date();
    const theirs = wh.sign(id, now, body);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': theirs };
    expect(verifyWebhook(scheme, secret, req(headers, body))).toMatchObject({ ok: true });
    const ours = signWebhook(scheme, secret, { id, body });
    expect(wh.verify(body, ours)).toEqual(JSON.parse(body));
  });

  it('accepts any of several signatures (a secret being rotated), and only v1 ones', () => {
    const other = 'whsec_' + Buffer.from('another secret of enough length!').toString('base64');
    const headers = signWebhook(scheme, [other, secret], { id, body });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook(scheme, secret, req(headers, body))).toMatchObject({ ok: true });
    expect(verifyWebhook(scheme, other, req(headers, body))).toMatchObject({ ok: true });
    const sig = signWebhook(scheme, secret, { id, body })['webhook-signature'].slice(3);
    expect(verifyWebhook(scheme, secret, req({ ...headers, 'webhook-signature': `v1a,${sig}` }, body))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a changed body, id or timestamp, and missing headers', () => {
    const headers = signWebhook(scheme, secret, { id, body });
    expect(verifyWebhook(scheme, secret, req(headers, `${body} `))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook(scheme, secret, req({ ...headers, 'webhook-id': 'msg_other' }, body))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook(scheme, secret, req({ ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) }, body))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook(scheme, secret, req({ ...headers, 'webhook-id': '' }, body))).toEqual({ ok: false, reason: 'missing_id' });
    expect(verifyWebhook(scheme, secret, req({ ...headers, 'webhook-timestamp': 'yesterday' }, body))).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(verifyWebhook(scheme, secret, req({ 'webhook-id': id }, body))).toEqual({ ok: false, reason: 'missing_signature' });
  });
});

describe('body-only schemes', () => {
  const body = '{"id":820982911946154508,"email":"jon@doe.ca"}';
  const hmac = (alg: string, key: string, enc: 'hex' | 'base64') => createHmac(alg, key).update(body).digest(enc);

  it.each([
    ['shopify', webhookSchemes.shopify(), 'x-shopify-hmac-sha256', (k: string) => hmac('sha256', k, 'base64')],
    ['intercom', webhookSchemes.intercom(), 'x-hub-signature', (k: string) => `sha1=${hmac('sha1', k, 'hex')}`],
    ['xero', webhookSchemes.xero(), 'x-xero-signature', (k: string) => hmac('sha256', k, 'base64')],
    ['generic', webhookSchemes.hmac({ header: 'X-Signature', prefix: 'sha256=' }), 'x-signature', (k: string) => `sha256=${hmac('sha256', k, 'hex')}`],
    ['generic sha512 base64', webhookSchemes.hmac({ header: 'X-Sig', algorithm: 'sha512', encoding: 'base64' }), 'x-sig', (k: string) => hmac('sha512', k, 'base64')],
  ] as const)('%s: matches an independent HMAC of the body and refuses another key', (_name, scheme, header, expected) => {
    const key = 'hush-hush-key';
    expect(signWebhook(scheme, key, { body })[header]).toBe(expected(key));
    expect(verifyWebhook(scheme, key, req({ [header]: expected(key) }, body))).toEqual({ ok: true, id: null, timestamp: null });
    expect(verifyWebhook(scheme, 'another-key', req({ [header]: expected(key) }, body))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('a generic scheme with a timestamp signs timestamp.body and keeps a window', () => {
    const scheme = webhookSchemes.hmac({ header: 'X-Sig', timestamp: { header: 'X-Sig-Time', unit: 'seconds', toleranceSeconds: 60 } });
    const headers = signWebhook(scheme, 'k', { body, timestamp: 1_700_000_000 });
    expect(headers['x-sig']).toBe(createHmac('sha256', 'k').update(`1700000000.${body}`).digest('hex'));
    expect(verifyWebhook(scheme, 'k', req(headers, body), 1_700_000_030_000)).toMatchObject({ ok: true });
    expect(verifyWebhook(scheme, 'k', req(headers, body), 1_700_000_061_000)).toEqual({ ok: false, reason: 'stale_timestamp' });
  });
});

describe('the recipe language', () => {
  it('splits signed content into literals and known parts, and refuses unknown parts', () => {
    expect(signedContentParts('v0:{timestamp}:{body}')).toEqual([{ literal: 'v0:' }, 'timestamp', { literal: ':' }, 'body']);
    expect(() => signedContentParts('{bodyy}')).toThrow(/unknown part/);
  });

  it('decodes only the named characters of the URL, and signs sorted form parameters', () => {
    const scheme: WebhookScheme = {
      name: 'test', algorithm: 'sha256', encoding: 'hex', signedContent: '{method}{url}|{params}',
      signature: { header: 'X-S', format: { kind: 'plain' } }, urlDecode: ':/',
    };
    const body = 'b=2&a=3&a=1&a=3';
    const url = 'https://h.example/p%3Aq%2Fr%3Fs';
    const headers = signWebhook(scheme, 'k', { method: 'post', url, body, contentType: 'application/x-www-form-urlencoded' });
    expect(headers['x-s']).toBe(createHmac('sha256', 'k').update('POSThttps://h.example/p:q/r%3Fs|a1a3b2').digest('hex'));
    expect(verifyWebhook(scheme, 'k', req({ ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body, { url }))).toMatchObject({ ok: true });
    // the same bytes sent as something other than a form sign no parameters
    expect(verifyWebhook(scheme, 'k', req({ ...headers, 'content-type': 'text/plain' }, body, { url }))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('reads pairs headers: the timestamp pair and every signature pair', () => {
    const scheme: WebhookScheme = {
      name: 'pairs', algorithm: 'sha256', encoding: 'hex', signedContent: '{timestamp}.{body}',
      signature: { header: 'Sig', format: { kind: 'pairs', key: 'v1' } }, timestamp: { pair: 't', unit: 'seconds', toleranceSeconds: 300 },
    };
    const good = createHmac('sha256', 'k').update('100.x').digest('hex');
    const header = (sigs: string) => ({ sig: `t=100,${sigs}` });
    expect(verifyWebhook(scheme, 'k', req(header(`v1=${'0'.repeat(64)},v1=${good}`), 'x'), 100_000)).toMatchObject({ ok: true, timestamp: 100 });
    expect(verifyWebhook(scheme, 'k', req(header(`v0=${good}`), 'x'), 100_000)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook(scheme, 'k', req({ sig: `v1=${good}` }, 'x'), 100_000)).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(signWebhook(scheme, 'k', { body: 'x', timestamp: 100 })).toEqual({ sig: `t=100,v1=${good}` });
  });

  it('covers a non-form body through a hash parameter of the URL, or refuses it', () => {
    const scheme: WebhookScheme = {
      name: 'url-hash', algorithm: 'sha1', encoding: 'base64', signedContent: '{url}{params}',
      signature: { header: 'X-S', format: { kind: 'plain' } }, bodyHashParam: 'bodyHash',
    };
    const body = '{"a":1}';
    const hash = createHash('sha256').update(body).digest('hex');
    const url = `https://h.example/x?bodyHash=${hash}`;
    const headers = { 'content-type': 'application/json', ...signWebhook(scheme, 'k', { url, body }) };
    expect(verifyWebhook(scheme, 'k', req(headers, body, { url }))).toMatchObject({ ok: true });
    expect(verifyWebhook(scheme, 'k', req(headers, '{"a":2}', { url }))).toEqual({ ok: false, reason: 'bad_signature' });
    // without the hash in the URL, nothing would cover a JSON body
    const bare = 'https://h.example/x';
    expect(verifyWebhook(scheme, 'k', req({ 'content-type': 'application/json', ...signWebhook(scheme, 'k', { url: bare, body }) }, body, { url: bare }))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('compares in constant time over equal lengths only', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
