import { defineWebhooks, type WebhookScheme } from '../../core/plugin-sdk';
import { fromUnix, write } from './stripe.client';
import type { StripeEvent, StripeWebhookEndpoint } from './stripe.types';

/** Stripe's object type -> the entity key the manifest syncs it under, so the core can refresh it. */
const ENTITY_BY_OBJECT: Record<string, string> = {
  customer: 'customers',
  product: 'products',
  invoice: 'invoices',
  subscription: 'subscriptions',
};

/**
 * `Stripe-Signature: t=<unix s>,v1=<hex>[,v1=…]`: HMAC-SHA256 of `t.body`, keyed by the endpoint's
 * whole `whsec_…` secret; Stripe's libraries refuse a timestamp more than five minutes old.
 */
export const stripeSignature: WebhookScheme = {
  name: 'stripe-signature',
  algorithm: 'sha256',
  encoding: 'hex',
  signedContent: '{timestamp}.{body}',
  signature: { header: 'Stripe-Signature', format: { kind: 'pairs', key: 'v1' } },
  timestamp: { pair: 't', unit: 'seconds', toleranceSeconds: 300 },
};

export const stripeWebhooks = defineWebhooks({
  scheme: stripeSignature,
  secretField: 'webhookSecret',
  // Connect platforms receive their connected accounts' events, named by `account`
  routingSetting: 'accountId',
  routingKey: (payload) => (payload as Partial<StripeEvent>).account ?? null,
  parse: (payload) => {
    const event = payload as StripeEvent;
    const object = event.data.object;
    return [{
      id: event.id,
      type: event.type,
      occurredAt: fromUnix(event.created),
      entity: object.object ? ENTITY_BY_OBJECT[object.object] : undefined,
      externalIds: object.id ? [object.id] : [],
      data: object,
    }];
  },
  // Stripe issues a signing secret per endpoint, returned once, at creation
  subscribe: async (ctx, { url }) => {
    const endpoint = await write<StripeWebhookEndpoint>(ctx, '/v1/webhook_endpoints', { url, enabled_events: ['*'], description: 'Plugboard' });
    return { id: endpoint.id, secret: endpoint.secret };
  },
  unsubscribe: async (ctx, { id }) => {
    await ctx.http.request({ method: 'DELETE', path: `/v1/webhook_endpoints/${encodeURIComponent(id)}` });
  },
});
