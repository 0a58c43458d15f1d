import type { PluginDefinition } from '../../core/plugin-sdk';

/** What Stripe is to the hub, as data: identity, credentials, limits and headers. */
export const stripeManifest = {
  name: 'stripe',
  displayName: 'Stripe',
  description: 'Payments and billing: sync customers, products, invoices and subscriptions, create customers, receive signed events',
  category: 'payments',
  version: '1.0.0',
  coreVersion: '^0.1.0',
  baseUrl: 'https://api.stripe.com',
  docsUrl: 'https://stripe.com/docs/api',
  auth: [{
    kind: 'api_key',
    fields: {
      secretKey: { label: 'Secret key', secret: true, required: true, description: 'sk_live_... or sk_test_..., or a restricted key (rk_...)' },
      webhookSecret: { label: 'Webhook signing secret', secret: true, required: false, description: 'whsec_..., from the webhook endpoint in the Stripe dashboard' },
    },
    inject: [{ in: 'header', name: 'Authorization', value: 'Bearer {secretKey}' }],
  }],
  // Stripe's documented live-mode limit for most endpoints
  rateLimit: { requests: 100, perSeconds: 1 },
  // pinned so an account's default API version cannot change the shapes the syncs read
  defaultHeaders: { 'Stripe-Version': '2023-08-16' },
  idempotencyHeader: 'Idempotency-Key',
} satisfies Omit<PluginDefinition, 'entities' | 'actions' | 'webhooks' | 'checkConnection' | 'simulator'>;
