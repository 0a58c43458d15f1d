import { defineWebhooks, webhookSchemes, z } from '../../core/plugin-sdk';

/**
 * How Tmpl Platform signs its deliveries. A stand-in until its documented scheme is declared here (as
 * data: see webhookSchemes and WebhookScheme): `sha256=<hex>` HMAC-SHA256 of `timestamp.body` in
 * X-Tmpl-Platform-Signature, five minutes of tolerance. The core checks it over the raw body and refuses
 * a delivery that is unsigned, wrongly signed or stale, and every delivery while the connection has no
 * webhook secret: verification fails closed.
 */
export const tmplPlatformSignature = webhookSchemes.hmac({
  header: 'X-Tmpl-Platform-Signature',
  prefix: 'sha256=',
  timestamp: { header: 'X-Tmpl-Platform-Timestamp', unit: 'seconds', toleranceSeconds: 300 },
});

/** A delivery as assumed until the platform's documented payload is described here; any other shape is refused. */
const delivery = z.object({
  id: z.string(),
  type: z.string().regex(/^[a-z_]+\.[a-z_]+$/),
  created_at: z.iso.datetime(),
  data: z.looseObject({ tmpl_id: z.union([z.string(), z.number()]) }),
});

/** The entity a delivery's record belongs to, by the first part of its type (`tmpl_item.updated`). */
const ENTITY_BY_TYPE: Record<string, string> = {
  tmpl_item: 'tmpl_items', // @each entity
};

export const tmplPlatformWebhooks = defineWebhooks({
  scheme: tmplPlatformSignature,
  secretField: 'webhookSecret',
  parse: (payload) => {
    const event = delivery.parse(payload);
    return [{
      id: event.id,
      type: event.type,
      occurredAt: new Date(event.created_at),
      entity: ENTITY_BY_TYPE[event.type.split('.')[0]],
      externalIds: [String(event.data.tmpl_id)],
      data: event.data,
    }];
  },
});
