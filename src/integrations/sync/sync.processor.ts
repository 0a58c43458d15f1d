import { Process, Processor } from '@nestjs/bull';
import { ConflictException, Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { TenantJobs, type TenantJobData } from '../../core/queue';
import { pausedUntil } from '../../core/upstream';
import { SyncEngine } from './sync-engine.service';
import { RUN_JOB, SYNC_QUEUE, SyncRunsService } from './sync-runs.service';
import { SCHEDULED_JOB, type ScheduledJobData } from './sync-schedules.service';

/**
 * Consumes the sync queue in worker processes. A run job's id is its run id, so a run is queued
 * once; when a worker dies, Bull hands the stalled job to another, which resumes from the run's checkpoint.
 * A run the platform cannot serve for now (open circuit, used-up quota) pauses: it is queued again
 * for the moment calls may resume, without spending an attempt.
 */
@Injectable()
@Processor(SYNC_QUEUE)
export class SyncProcessor {
  private readonly log = new Logger(SyncProcessor.name);

  constructor(
    private readonly jobs: TenantJobs,
    private readonly engine: SyncEngine,
    private readonly runs: SyncRunsService,
  ) {}

  @Process({ name: RUN_JOB, concurrency: 2 })
  async run(job: Job<TenantJobData & { runId: string }>): Promise<{ status: string; resumeAt?: string } | null> {
    const attempts = job.opts.attempts ?? 1;
    const lastAttempt = job.attemptsMade + 1 >= attempts;
    return this.jobs.run(job, async () => {
      try {
        const run = await this.engine.execute(job.data.runId, { lastAttempt });
        return run ? { status: run.status } : null;
      } catch (e) {
        const until = pausedUntil(e);
        if (!until) throw e;
        await this.runs.resumeAt(job.data.runId, until, attempts - job.attemptsMade);
        this.log.log(`sync run ${job.data.runId} paused until ${until.toISOString()}: ${(e as Error).message}`);
        return { status: 'paused', resumeAt: until.toISOString() };
      }
    });
  }

  /** A schedule fired: start a run unless one of that entity is still going. */
  @Process({ name: SCHEDULED_JOB, concurrency: 1 })
  async scheduled(job: Job<TenantJobData & ScheduledJobData>): Promise<{ runId: string | null }> {
    return this.jobs.run(job, async () => {
      try {
        const run = await this.runs.start(job.data.connectionId, { entity: job.data.entity, mode: job.data.mode, trigger: 'schedule' });
        return { runId: run.id };
      } catch (e) {
        if (!(e instanceof ConflictException)) throw e;
        this.log.log(`schedule ${job.data.scheduleId}: a run of ${job.data.entity} is still active, skipped`);
        return { runId: null };
      }
    });
  }
}
