import { defineWebhooks, z, type WebhookScheme } from '../../core/plugin-sdk';

/**
 * How Slack signs the requests it sends an app (Events API, slash commands, interactivity): the
 * signing secret, version 0. `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 of `v0:<timestamp>:<body>`,
 * with `X-Slack-Request-Timestamp` in seconds; Slack asks apps to refuse requests older than five minutes.
 */
export const slackSigningV0: WebhookScheme = {
  name: 'slack-v0',
  algorithm: 'sha256',
  encoding: 'hex',
  signedContent: 'v0:{timestamp}:{body}',
  signature: { header: 'X-Slack-Signature', format: { kind: 'plain', prefix: 'v0=' } },
  timestamp: { header: 'X-Slack-Request-Timestamp', unit: 'seconds', toleranceSeconds: 300 },
};

/** The Events API's outer envelope; the inner event's shape depends on its type. */
const callback = z.looseObject({
  type: z.literal('event_callback'),
  event_id: z.string(),
  event_time: z.number(),
  team_id: z.string().optional(),
  event: z.looseObject({
    type: z.string(),
    // a channel id on message events, a channel object on channel_* events
    channel: z.union([z.string(), z.looseObject({ id: z.string() })]).optional(),
  }),
});
const challenge = z.object({ type: z.literal('url_verification'), challenge: z.string() }).loose();

/**
 * Slack's Events API. A workspace's Slack app is the tenant's own, with its own signing secret, so
 * its Request URL is the connection's: `/webhooks/slack/<connection id>`. Slack first proves that
 * URL with a signed `url_verification` challenge, then sends `event_callback`s, retrying a
 * delivery with the same `event_id` (deduplicated by the core).
 */
export const slackWebhooks = defineWebhooks({
  scheme: slackSigningV0,
  // "Signing Secret", under Basic Information of the Slack app
  secretField: 'webhookSecret',
  handshake: (payload) => {
    const parsed = challenge.safeParse(payload);
    return parsed.success ? { body: { challenge: parsed.data.challenge } } : null;
  },
  parse: (payload) => {
    const e = callback.parse(payload);
    const channel = typeof e.event.channel === 'string' ? e.event.channel : e.event.channel?.id;
    return [{
      id: e.event_id,
      type: e.event.type,
      occurredAt: new Date(e.event_time * 1000),
      // channel_created, channel_rename, channel_archive...: the channel's own record changed
      entity: e.event.type.startsWith('channel_') || e.event.type.startsWith('group_') ? 'channels' : undefined,
      externalIds: channel ? [channel] : [],
      data: e.event,
    }];
  },
});
