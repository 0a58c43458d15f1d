import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { ConnectionsModule } from '../connections';
import { SyncModule } from '../sync';
import { AddressGuard } from '../../core/http';
import { OutboxRelay } from './outbox-relay.service';
import { WebhookConnectionResolver } from './webhook-connections';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookEventsService } from './webhook-events.service';
import { WebhookIngestService } from './webhook-ingest.service';
import { WebhookSubscriptionsService } from './webhook-subscriptions.service';
import { INBOUND_QUEUE, OUTBOUND_QUEUE } from './webhooks.constants';
import { InboundEventsProcessor, OutboundDeliveriesProcessor } from './webhooks.processors';

const queue = (name: string) => BullModule.registerQueueAsync({
  name,
  inject: [PLUGBOARD_CONFIG],
  // a killed worker's job is taken up once its lock lapses; the event's or delivery's own claim lapses with it
  useFactory: (c: PlugboardConfig) => ({
    settings: { lockDuration: c.WEBHOOK_JOB_LOCK_MS, lockRenewTime: Math.floor(c.WEBHOOK_JOB_LOCK_MS / 3), stalledInterval: Math.max(500, Math.floor(c.WEBHOOK_JOB_LOCK_MS / 2)), maxStalledCount: 5 },
  }),
});

/**
 * Webhooks (issue 4): inbound events accepted, stored and processed; outbound deliveries of
 * Plugboard's own events to tenants' endpoints; the outbox relay between Postgres and the queues.
 * The API root mounts `webhookControllers` and WebhookIngress (the raw-body routes); the worker
 * root mounts WebhooksWorkerModule, whose processors consume the queues.
 */
@Module({
  imports: [ConnectionsModule, SyncModule, queue(INBOUND_QUEUE), queue(OUTBOUND_QUEUE)],
  providers: [
    { provide: AddressGuard, inject: [PLUGBOARD_CONFIG], useFactory: (c: PlugboardConfig) => new AddressGuard(c.OUTBOUND_WEBHOOK_ALLOWED_NETWORKS) },
    OutboxRelay, WebhookConnectionResolver, WebhookIngestService, WebhookEventsService, WebhookEndpointsService, WebhookDeliveriesService, WebhookSubscriptionsService,
  ],
  exports: [OutboxRelay, WebhookIngestService, WebhookEventsService, WebhookEndpointsService, WebhookDeliveriesService, BullModule],
})
export class WebhooksModule {}

/** The webhook queues' consumers: listed in WorkerModule.features(), so API-only processes never take jobs. */
@Module({ imports: [WebhooksModule], providers: [InboundEventsProcessor, OutboundDeliveriesProcessor] })
export class WebhooksWorkerModule {}
