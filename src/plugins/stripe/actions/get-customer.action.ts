import { defineAction, z } from '../../../core/plugin-sdk';
import { retrieve } from '../stripe.client';
import type { StripeCustomer, StripeDeletedObject } from '../stripe.types';
import { customerOutput, toCustomerOutput } from './customer-output.schema';

export const getCustomerAction = defineAction({
  description: 'Fetch one Stripe customer by id',
  kind: 'read',
  input: z.object({ id: z.string().regex(/^cus_[A-Za-z0-9]+$/, 'must be a Stripe customer id (cus_...)') }),
  output: customerOutput,
  run: async (ctx, { id }) => toCustomerOutput(await retrieve<StripeCustomer | StripeDeletedObject>(ctx, `/v1/customers/${id}`)),
});
