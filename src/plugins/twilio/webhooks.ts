import type { WebhookScheme } from '../../core/plugin-sdk';

/**
 * How Twilio signs the requests it makes to an app (status callbacks, incoming messages):
 * `X-Twilio-Signature`, base64 HMAC-SHA1 keyed by the account's auth token, of the full URL followed
 * by the form parameters sorted by name (each name then value). JSON bodies are covered instead by a
 * `bodySHA256` parameter of the URL. Twilio sends no timestamp, so there is no replay window; the
 * message or call SID dedupes.
 */
export const twilioSignature: WebhookScheme = {
  name: 'twilio',
  algorithm: 'sha1',
  encoding: 'base64',
  signedContent: '{url}{params}',
  signature: { header: 'X-Twilio-Signature', format: { kind: 'plain' } },
  bodyHashParam: 'bodySHA256',
};
