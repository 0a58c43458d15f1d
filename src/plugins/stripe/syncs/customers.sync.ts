import { defineSync } from '../../../core/plugin-sdk';
import { listSync } from '../stripe.client';
import type { StripeCustomer } from '../stripe.types';

export const customersSync = defineSync<StripeCustomer, 'customer'>({
  model: 'customer',
  description: 'Customers, newest first',
  ...listSync<StripeCustomer>('/v1/customers'),
  // a counter Stripe bumps on every invoice it numbers for the customer
  volatileFields: ['next_invoice_sequence'],
  toUnified: (c) => ({ email: c.email, name: c.name, phone: c.phone, currency: c.currency }),
});
