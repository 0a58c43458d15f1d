import { createHmac } from 'node:crypto';
import { verifyWebhook } from '../../core/plugin-sdk';
import { signHubspotWebhook } from './simulator/hubspot.simulator';
import { hubspotSignatureV3 } from './webhooks';

describe('HubSpot v3 request signatures', () => {
  const secret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
  const body = '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';
  const at = 1_700_000_000_000;
  const verify = (headers: Record<string, string>, url: string, now = at) => verifyWebhook(hubspotSignatureV3, secret, { method: 'POST', url, headers, body: Buffer.from(body) }, now);

  it('is base64 HMAC-SHA256 of method, URI, body and timestamp in ms, valid for five minutes', () => {
    const url = 'https://hooks.example/webhooks/hubspot';
    const headers = signHubspotWebhook({ clientSecret: secret, method: 'POST', uri: url, body, timestamp: at });
    expect(headers['x-hubspot-signature-v3']).toBe(createHmac('sha256', secret).update(`POST${url}${body}${at}`).digest('base64'));
    expect(verify(headers, url)).toEqual({ ok: true, id: null, timestamp: at });
    expect(verify(headers, url, at + 5 * 60_000 + 1)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verify(headers, 'https://hooks.example/webhooks/other')).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('signs the URI with the reserved characters HubSpot decodes', () => {
    // HubSpot decodes %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B before signing; %20 stays
    const sent = 'https://hooks.example/webhooks/hubspot?next=%2Fa%3Ab%40c&x=%20';
    const signedOver = 'https://hooks.example/webhooks/hubspot?next=/a:b@c&x=%20';
    const headers = { 'x-hubspot-signature-v3': createHmac('sha256', secret).update(`POST${signedOver}${body}${at}`).digest('base64'), 'x-hubspot-request-timestamp': String(at) };
    expect(verify(headers, sent)).toMatchObject({ ok: true });
  });
});
