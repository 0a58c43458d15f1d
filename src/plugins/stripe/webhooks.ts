import { defineWebhooks } from '../../core/plugin-sdk';
import { fromUnix } from './stripe.client';
import type { StripeEvent } from './stripe.types';

/** Stripe's object type -> the entity key the manifest syncs it under, so the core can refresh it. */
const ENTITY_BY_OBJECT: Record<string, string> = {
  customer: 'customers',
  product: 'products',
  invoice: 'invoices',
  subscription: 'subscriptions',
};

/** Stripe signs with `Stripe-Signature: t=<ts>,v1=<hmac>`; the core's `stripe` scheme checks it over the raw body. */
export const stripeWebhooks = defineWebhooks({
  scheme: 'stripe',
  secretField: 'webhookSecret',
  // Connect platforms receive their connected accounts' events, named by `account`
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
});
