export { WebhooksModule, WebhooksWorkerModule } from './webhooks.module';
export { webhookControllers, WebhookEventsController, WebhookEndpointsController } from './webhooks.controllers';
export { WebhookIngress } from './webhook-ingress';
export { WebhookEventsService, type WebhookEventView, type WebhookEventDetail, type WebhookEventFilter } from './webhook-events.service';
export { WebhookEndpointsService, type EndpointView } from './webhook-endpoints.service';
export { WebhookDeliveriesService, type DeliveryView } from './webhook-deliveries.service';
export { OutboxRelay } from './outbox-relay.service';
// the SSRF guard, reused by publishing for the media URLs it fetches
export { WebhookEvent } from './webhook-event.entity';
export { WebhookEndpoint, WebhookDelivery } from './webhook-endpoint.entity';
export { webhooksSchema } from './webhooks.schema';
export * from './webhooks.constants';
