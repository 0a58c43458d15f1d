import { signWebhook, verifyWebhook, type WebhookRequest } from '../../core/plugin-sdk';
import { slackSigningV0 } from './webhooks';

const req = (headers: Record<string, string>, body: string): WebhookRequest => ({ method: 'POST', url: 'https://hooks.example/webhooks/slack', headers, body: Buffer.from(body, 'utf8') });

describe('Slack request signatures (signing secret v0)', () => {
  const scheme = slackSigningV0;
  // the worked example of Slack's "Verifying requests from Slack"
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const timestamp = 1531420618;
  const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

  it('reproduces the documented signature and verifies it within five minutes', () => {
    expect(signWebhook(scheme, secret, { body, timestamp })).toEqual({ 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestamp) });
    const headers = { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestamp) };
    expect(verifyWebhook(scheme, secret, req(headers, body), timestamp * 1000 + 60_000)).toMatchObject({ ok: true });
    expect(verifyWebhook(scheme, secret, req(headers, body), timestamp * 1000 + 6 * 60_000)).toEqual({ ok: false, reason: 'stale_timestamp' });
    // the prefix is part of the format: a bare digest is not a v0 signature
    expect(verifyWebhook(scheme, secret, req({ ...headers, 'x-slack-signature': signature.slice(3) }, body), timestamp * 1000)).toEqual({ ok: false, reason: 'bad_signature' });
    // hex compares without regard to case
    expect(verifyWebhook(scheme, secret, req({ ...headers, 'x-slack-signature': `v0=${signature.slice(3).toUpperCase()}` }, body), timestamp * 1000)).toMatchObject({ ok: true });
  });
});
