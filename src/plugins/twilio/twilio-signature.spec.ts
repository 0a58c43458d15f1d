import { signWebhook, verifyWebhook } from '../../core/plugin-sdk';
import { twilioSignature } from './webhooks';

/** Twilio's published request-validation vectors (its helper libraries' tests), auth token "12345". */
describe('Twilio request signatures', () => {
  const token = '12345';
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const verify = (signature: string, body: string, u = url, headers: Record<string, string> = form) =>
    verifyWebhook(twilioSignature, token, { method: 'POST', url: u, headers: { ...headers, 'x-twilio-signature': signature }, body: Buffer.from(body) });

  it('matches the documented example: URL plus sorted parameters', () => {
    const body = 'CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212';
    expect(signWebhook(twilioSignature, token, { url, body, contentType: form['content-type'] })).toEqual({ 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' });
    expect(verify('RSOYDt4T1cUTdK1PDd93/VVr8B8=', body)).toEqual({ ok: true, id: null, timestamp: null });
    expect(verify('RSOYDt4T1cUTdK1PDd93/VVr8B8=', body.replace('Digits=1234', 'Digits=9999'))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify('RSOYDt4T1cUTdK1PDd93/VVr8B8=', body, `${url}&extra=1`)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('matches the repeated-parameter vector: values sorted, repeats dropped', () => {
    expect(verify('IK+Dwps556ElfBT0I3Rgjkr1wJU=', 'Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234')).toMatchObject({ ok: true });
  });

  it('matches the JSON-body vector: the body covered by bodySHA256 in the URL', () => {
    const body = '{"property": "value", "boolean": true}';
    const withHash = `${url}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620`;
    const json = { 'content-type': 'application/json' };
    expect(verify('a9nBmqA0ju/hNViExpshrM61xv4=', body, withHash, json)).toMatchObject({ ok: true });
    expect(verify('a9nBmqA0ju/hNViExpshrM61xv4=', body.replace('value', 'other'), withHash, json)).toEqual({ ok: false, reason: 'bad_signature' });
  });
});
