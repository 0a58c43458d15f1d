import { defineAction, z } from '../../../core/plugin-sdk';
import { createObject } from '../hubspot.client';

export const createContactAction = defineAction({
  description: 'Create a contact. HubSpot refuses a second contact with the same email (409 Conflict, naming the existing id).',
  kind: 'write',
  input: z.object({
    email: z.email(),
    firstname: z.string().min(1).optional(),
    lastname: z.string().min(1).optional(),
    phone: z.string().min(1).optional(),
    company: z.string().min(1).optional(),
  }),
  output: z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) }),
  async run(ctx, input) {
    const contact = await createObject(ctx.http, 'contacts', input);
    return { id: contact.id, properties: contact.properties };
  },
});
