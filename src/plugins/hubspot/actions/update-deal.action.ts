import { defineAction, z } from '../../../core/plugin-sdk';
import { updateObject } from '../hubspot.client';

const changes = z.object({
  dealname: z.string().min(1).optional(),
  amount: z.number().nonnegative().optional(),
  deal_currency_code: z.string().length(3).optional(),
  dealstage: z.string().min(1).optional(),
  closedate: z.iso.datetime().optional(),
});

export const updateDealAction = defineAction({
  description: 'Update the properties of a deal (name, amount, currency, stage, close date).',
  kind: 'write',
  input: changes
    .extend({ dealId: z.string().regex(/^\d+$/, 'a HubSpot deal id is numeric') })
    .refine((i) => Object.entries(i).some(([k, v]) => k !== 'dealId' && v !== undefined), 'nothing to update'),
  output: z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) }),
  async run(ctx, { dealId, ...properties }) {
    const deal = await updateObject(ctx.http, 'deals', dealId, properties);
    return { id: deal.id, properties: deal.properties };
  },
});
