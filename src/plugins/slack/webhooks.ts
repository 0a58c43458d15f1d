import type { WebhookScheme } from '../../core/plugin-sdk';

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
