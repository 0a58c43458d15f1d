import type { WebhookAlgorithm, WebhookScheme, WebhookTimestamp } from './webhook-scheme';

const FIVE_MINUTES = 300;

/**
 * Published signature schemes, ready to declare, each as its vendor documents it. The core names no
 * platform it ships a plugin for: a plugin declares its platform's scheme in its own webhooks.ts, so
 * when a plugin arrives for one of the vendors below, its preset moves into that plugin's folder
 * (the boundary test says so).
 */
export const webhookSchemes = {
  /** Standard Webhooks v1 (standardwebhooks.com): `v1,<base64>` over `id.timestamp.body`, `whsec_` base64 secrets. */
  standardWebhooks: (toleranceSeconds = FIVE_MINUTES): WebhookScheme => ({
    name: 'standard-webhooks',
    algorithm: 'sha256',
    encoding: 'base64',
    signedContent: '{id}.{timestamp}.{body}',
    signature: { header: 'webhook-signature', format: { kind: 'versioned', version: 'v1' } },
    idHeader: 'webhook-id',
    timestamp: { header: 'webhook-timestamp', unit: 'seconds', toleranceSeconds },
    secret: { encoding: 'base64', stripPrefix: 'whsec_' },
  }),

  /** Shopify: base64 HMAC-SHA256 of the body with the app's secret; each delivery names itself. */
  shopify: (): WebhookScheme => ({
    name: 'shopify',
    algorithm: 'sha256',
    encoding: 'base64',
    signedContent: '{body}',
    signature: { header: 'X-Shopify-Hmac-Sha256', format: { kind: 'plain' } },
    idHeader: 'X-Shopify-Webhook-Id',
  }),

  /** Intercom: `sha1=<hex>` HMAC-SHA1 of the body with the app's client secret. */
  intercom: (): WebhookScheme => ({
    name: 'intercom',
    algorithm: 'sha1',
    encoding: 'hex',
    signedContent: '{body}',
    signature: { header: 'X-Hub-Signature', format: { kind: 'plain', prefix: 'sha1=' } },
  }),

  /** Xero: base64 HMAC-SHA256 of the body with the webhook key. */
  xero: (): WebhookScheme => ({
    name: 'xero',
    algorithm: 'sha256',
    encoding: 'base64',
    signedContent: '{body}',
    signature: { header: 'x-xero-signature', format: { kind: 'plain' } },
  }),

  /** A custom source: an HMAC of the body (or of `timestamp.body` with a timestamp header) in one header. */
  hmac: (opts: { header: string; algorithm?: WebhookAlgorithm; encoding?: 'hex' | 'base64'; prefix?: string; timestamp?: Omit<WebhookTimestamp, 'pair'> }): WebhookScheme => ({
    name: `hmac-${opts.algorithm ?? 'sha256'}`,
    algorithm: opts.algorithm ?? 'sha256',
    encoding: opts.encoding ?? 'hex',
    signedContent: opts.timestamp ? '{timestamp}.{body}' : '{body}',
    signature: { header: opts.header, format: { kind: 'plain', prefix: opts.prefix } },
    ...(opts.timestamp ? { timestamp: opts.timestamp } : {}),
  }),
};
