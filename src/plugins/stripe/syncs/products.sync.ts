import { defineSync } from '../../../core/plugin-sdk';
import { fromUnix, listSync } from '../stripe.client';
import type { StripeProduct } from '../stripe.types';

export const productsSync = defineSync<StripeProduct, 'product'>({
  model: 'product',
  description: 'Products, active and archived',
  ...listSync<StripeProduct>('/v1/products'),
  // products, unlike the other objects, say when they last changed
  remoteUpdatedAt: (p) => fromUnix(p.updated),
  toUnified: (p) => ({ name: p.name, description: p.description, active: p.active }),
});
