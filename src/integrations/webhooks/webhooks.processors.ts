import { Process, Processor } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Job } from 'bull';
import { TenantJobs } from '../../core/queue';
import type { EventsJobData, WebhookJobData } from './outbox-relay.service';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookEventsService } from './webhook-events.service';
import { INBOUND_QUEUE, OUTBOUND_QUEUE } from './webhooks.constants';

/** Processes inbound events in worker processes; retries and dead-lettering are the service's, through the outbox. */
@Injectable()
@Processor(INBOUND_QUEUE)
export class InboundEventsProcessor {
  constructor(private readonly jobs: TenantJobs, private readonly events: WebhookEventsService) {}

  @Process({ name: 'events', concurrency: 4 })
  process(job: Job<EventsJobData>): Promise<Record<string, number>> {
    return this.jobs.run(job, () => this.events.process(job.data.eventIds));
  }
}

/** Attempts outbound deliveries and fans record changes out into them. */
@Injectable()
@Processor(OUTBOUND_QUEUE)
export class OutboundDeliveriesProcessor {
  constructor(private readonly jobs: TenantJobs, private readonly deliveries: WebhookDeliveriesService) {}

  @Process({ name: 'delivery', concurrency: 8 })
  deliver(job: Job<WebhookJobData>): Promise<{ status: string }> {
    return this.jobs.run(job, async () => ({ status: await this.deliveries.attempt(job.data.refId) }));
  }

  @Process({ name: 'records', concurrency: 1 })
  records(job: Job<WebhookJobData>): Promise<{ queued: number }> {
    return this.jobs.run(job, async () => ({ queued: await this.deliveries.fanOutRecords() }));
  }
}
