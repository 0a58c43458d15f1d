import { defineWebhooks, z, type ParsedWebhookEvent, type WebhookScheme } from '../../core/plugin-sdk';

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

/**
 * HubSpot's v3 request signature: base64 HMAC-SHA256, keyed by the app's client secret, of method +
 * URI + body + timestamp (ms), where the URI has some reserved characters percent-decoded; requests
 * older than five minutes are to be refused.
 */
export const hubspotSignatureV3: WebhookScheme = {
  name: 'hubspot-v3',
  algorithm: 'sha256',
  encoding: 'base64',
  signedContent: '{method}{url}{body}{timestamp}',
  signature: { header: 'X-HubSpot-Signature-v3', format: { kind: 'plain' } },
  timestamp: { header: 'X-HubSpot-Request-Timestamp', unit: 'milliseconds', toleranceSeconds: 300 },
  urlDecode: ":/?@!$'()*,;",
};

export const hubspotWebhooks = defineWebhooks({
  scheme: hubspotSignatureV3,
  // the app's client secret: HubSpot signs v3 requests with it
  secretField: 'webhookSecret',
  // app-level subscriptions deliver every installed account's events to one URL
  routingSetting: 'portalId',
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
