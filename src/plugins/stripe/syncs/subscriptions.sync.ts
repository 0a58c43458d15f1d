import { defineSync } from '../../../core/plugin-sdk';
import { isoFromUnix, listSync, refId } from '../stripe.client';
import type { StripeSubscription } from '../stripe.types';

export const subscriptionsSync = defineSync<StripeSubscription, 'subscription'>({
  model: 'subscription',
  description: 'Subscriptions, canceled ones included',
  // without status=all Stripe leaves canceled subscriptions out of the list
  ...listSync<StripeSubscription>('/v1/subscriptions', { status: 'all' }),
  toUnified: (s) => ({
    status: s.status,
    customerExternalId: refId(s.customer),
    currentPeriodEnd: isoFromUnix(s.current_period_end),
    cancelAtPeriodEnd: s.cancel_at_period_end,
  }),
});
