import { defineAction, z } from '../../../core/plugin-sdk';
import { write } from '../stripe.client';
import type { StripeCustomer } from '../stripe.types';
import { customerOutput, toCustomerOutput } from './customer-output.schema';

export const createCustomerAction = defineAction({
  description: 'Create a customer in Stripe',
  kind: 'write',
  input: z.object({
    email: z.email().max(512).optional(),
    name: z.string().min(1).max(256).optional(),
    // Stripe's limits: 50 keys, 40-character keys, 500-character values
    metadata: z.record(z.string().min(1).max(40), z.string().max(500))
      .refine((m) => Object.keys(m).length <= 50, 'at most 50 keys')
      .optional(),
    /** reuse to make a repeated run create the customer only once */
    idempotencyKey: z.string().min(1).max(255).optional(),
  }),
  output: customerOutput,
  run: async (ctx, { idempotencyKey, ...fields }) =>
    toCustomerOutput(await write<StripeCustomer>(ctx, '/v1/customers', fields, idempotencyKey)),
});
