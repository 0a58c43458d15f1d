import { defineWebhooks, z, type WebhookScheme } from '../../core/plugin-sdk';

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

/** The form Twilio posts to a message's StatusCallback, or to a number's incoming-message URL. */
const messageCallback = z.looseObject({
  MessageSid: z.string(),
  AccountSid: z.string(),
  // status callbacks name the new status; an incoming message says SmsStatus=received
  MessageStatus: z.string().optional(),
  SmsStatus: z.string().optional(),
  ErrorCode: z.string().optional(),
});

/**
 * Message status callbacks and incoming messages, at the connection's URL
 * (`/webhooks/twilio/<connection id>`), signed with the account's auth token. A message passes
 * through several statuses, so the event is the message and its status.
 */
export const twilioWebhooks = defineWebhooks({
  scheme: twilioSignature,
  secretField: 'authToken',
  parse: (payload) => {
    const m = messageCallback.parse(payload);
    const status = m.MessageStatus ?? m.SmsStatus ?? 'received';
    return [{ id: `${m.MessageSid}:${status}`, type: `message.${status}`, occurredAt: null, externalIds: [m.MessageSid], data: m }];
  },
});
