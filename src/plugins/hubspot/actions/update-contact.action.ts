import { defineAction, z } from '../../../core/plugin-sdk';
import { updateObject } from '../hubspot.client';

// null clears a property (HubSpot stores an empty value)
const changes = z.object({
  email: z.email().optional(),
  firstname: z.string().min(1).nullable().optional(),
  lastname: z.string().min(1).nullable().optional(),
  phone: z.string().min(1).nullable().optional(),
  company: z.string().min(1).nullable().optional(),
});

export const updateContactAction = defineAction({
  description: 'Update the properties of a contact (email, first and last name, phone, company); null clears one.',
  kind: 'write',
  input: changes
    .extend({ contactId: z.string().regex(/^\d+$/, 'a HubSpot contact id is numeric') })
    .refine((i) => Object.entries(i).some(([k, v]) => k !== 'contactId' && v !== undefined), 'nothing to update'),
  output: z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) }),
  async run(ctx, { contactId, ...properties }) {
    const contact = await updateObject(ctx.http, 'contacts', contactId, properties);
    return { id: contact.id, properties: contact.properties };
  },
});
