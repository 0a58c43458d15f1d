import { Process, Processor } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Job } from 'bull';
import { TenantJobs, type TenantJobData } from '../../core/queue';
import { ATTEMPT_JOB, PUBLISH_QUEUE, PublishingService, SCHEDULED_JOB } from './publishing.service';

/** Consumes the publishing queue in worker processes: scheduled publications, retries and watchdogs of attempts in flight. */
@Injectable()
@Processor(PUBLISH_QUEUE)
export class PublishingProcessor {
  constructor(private readonly jobs: TenantJobs, private readonly publishing: PublishingService) {}

  @Process({ name: SCHEDULED_JOB, concurrency: 2 })
  scheduled(job: Job<TenantJobData & { publicationId: string }>): Promise<void> {
    return this.jobs.run(job, () => this.publishing.publishPending(job.data.publicationId));
  }

  @Process({ name: ATTEMPT_JOB, concurrency: 4 })
  attempt(job: Job<TenantJobData & { targetId: string }>): Promise<void> {
    return this.jobs.run(job, () => this.publishing.attempt(job.data.targetId));
  }
}
