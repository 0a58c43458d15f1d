import type { PluginDefinition } from '../../core/plugin-sdk';

/** What Slack is to the hub, as data: a workspace reached with a bot token. */
export const slackManifest = {
  name: 'slack',
  displayName: 'Slack',
  description: 'Slack workspaces: post messages as a bot (notifications, published content) and sync the channels it can see',
  category: 'communication',
  version: '1.0.0',
  coreVersion: '^0.1.0',
  baseUrl: 'https://slack.com',
  docsUrl: 'https://api.slack.com/methods',
  auth: [{
    kind: 'api_key',
    fields: {
      botToken: { label: 'Bot token', secret: true, required: true, description: 'xoxb-..., from OAuth & Permissions of your Slack app (scopes chat:write, channels:read, groups:read)' },
      webhookSecret: { label: 'Signing secret', secret: true, required: false, description: 'from Basic Information of your Slack app; needed to receive its events at /webhooks/slack/<connection id>' },
    },
    inject: [{ in: 'header', name: 'Authorization', value: 'Bearer {botToken}' }],
  }],
  // Web API tier 3 (50+ calls a minute per method and workspace); chat.postMessage also allows about
  // one message a second per channel. Slack sends no remaining-count headers: a 429 carries Retry-After.
  rateLimit: { requests: 50, perSeconds: 60 },
} satisfies Omit<PluginDefinition, 'entities' | 'actions' | 'checkConnection' | 'simulator'>;
