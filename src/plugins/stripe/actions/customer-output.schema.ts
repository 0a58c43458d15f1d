import { z } from '../../../core/plugin-sdk';
import { isoFromUnix } from '../stripe.client';
import type { StripeCustomer, StripeDeletedObject } from '../stripe.types';

/** What the customer actions answer: the fields a caller acts on, in the hub's casing. */
export const customerOutput = z.object({
  id: z.string(),
  /** Stripe still answers for a deleted customer's id, with only this flag */
  deleted: z.boolean(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  createdAt: z.string().nullable(),
});

export type CustomerOutput = z.infer<typeof customerOutput>;

export function toCustomerOutput(c: StripeCustomer | StripeDeletedObject): CustomerOutput {
  if ('deleted' in c) return { id: c.id, deleted: true, email: null, name: null, phone: null, metadata: {}, createdAt: null };
  return { id: c.id, deleted: false, email: c.email, name: c.name, phone: c.phone, metadata: c.metadata, createdAt: isoFromUnix(c.created) };
}
