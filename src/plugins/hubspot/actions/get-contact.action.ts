import { defineAction, z } from '../../../core/plugin-sdk';
import { CONTACTS, getObject } from '../hubspot.client';

export const getContactAction = defineAction({
  description: 'Read one contact by its HubSpot id or by its email address.',
  kind: 'read',
  input: z
    .object({ contactId: z.string().regex(/^\d+$/).optional(), email: z.email().optional() })
    .refine((i) => (i.contactId === undefined) !== (i.email === undefined), 'give exactly one of contactId and email'),
  output: z.object({
    id: z.string(),
    properties: z.record(z.string(), z.string().nullable()),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  async run(ctx, input) {
    const contact = input.email ? await getObject(ctx.http, CONTACTS, input.email, 'email') : await getObject(ctx.http, CONTACTS, input.contactId!);
    return { id: contact.id, properties: contact.properties, createdAt: contact.createdAt, updatedAt: contact.updatedAt };
  },
});
