import { defineWebhooks, z, type ParsedWebhookEvent } from '../../core/plugin-sdk';

/** One event of a HubSpot webhook batch; property changes also carry propertyName and propertyValue. */
const event = z.looseObject({
  eventId: z.number(),
  subscriptionType: z.string(),
  portalId: z.number(),
  occurredAt: z.number(),
  // association and merge events name their records differently and carry no objectId
  objectId: z.number().optional(),
  propertyName: z.string().optional(),
  propertyValue: z.string().optional(),
});
const batch = z.array(event);

const ENTITY_OF: Record<string, string> = { contact: 'contacts', company: 'companies', deal: 'deals' };

export const hubspotWebhooks = defineWebhooks({
  scheme: 'hubspot_v3',
  // the app's client secret: HubSpot signs v3 requests with it
  secretField: 'webhookSecret',
  // app-level subscriptions deliver every installed account's events to one URL
  routingKey: (payload) => {
    const parsed = batch.safeParse(payload);
    return parsed.success && parsed.data.length > 0 ? String(parsed.data[0].portalId) : null;
  },
  parse: (payload) =>
    batch.parse(payload).map((e): ParsedWebhookEvent => ({
      id: String(e.eventId),
      type: e.subscriptionType,
      occurredAt: new Date(e.occurredAt),
      entity: ENTITY_OF[e.subscriptionType.split('.')[0]],
      externalIds: e.objectId === undefined ? [] : [String(e.objectId)],
      data: e,
    })),
});
