import type { DatabaseSchema } from '../../core/database';
import { WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookEvent, WebhookEventAttempt, WebhookRejection, WebhookSubscriptionRecord } from './webhook-event.entity';
import { Webhooks1764500000000 } from './migrations/1764500000000-webhooks.migration';

/** The webhook tables; the outbox and the record-feed cursors are reached with SQL only, so they have no entity. */
export const webhooksSchema: DatabaseSchema = {
  entities: [WebhookEvent, WebhookEventAttempt, WebhookRejection, WebhookSubscriptionRecord, WebhookEndpoint, WebhookDelivery, WebhookDeliveryAttempt],
  migrations: [Webhooks1764500000000],
};
