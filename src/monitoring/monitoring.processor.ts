import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../core/config';
import { TenantJobs, type TenantJobData } from '../core/queue';
import { Notifier, type NotifyJobData } from './channels/notifier.service';
import { MonitorService } from './monitor.service';
import { MONITORING_QUEUE, NOTIFY_JOB, ROLLUP_JOB, TENANT_TICK_JOB, TICK_JOB } from './monitoring.constants';
import { SeriesStore } from './series/series.store';

const ROLLUP_EVERY_MS = 60_000;

/**
 * Consumes the monitoring queue in worker processes. The tick and the rollup are Bull repeatable
 * jobs (one firing per interval, whichever worker takes it); the tick fans out a round per tenant,
 * and each pending notification is a job of its own, retried with backoff.
 */
@Injectable()
@Processor(MONITORING_QUEUE)
export class MonitoringProcessor implements OnApplicationBootstrap {
  private readonly log = new Logger('Monitoring');

  constructor(
    private readonly jobs: TenantJobs,
    private readonly monitor: MonitorService,
    private readonly store: SeriesStore,
    private readonly notifier: Notifier,
    @InjectQueue(MONITORING_QUEUE) private readonly queue: Queue,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {}

  /** Registers the repeatable jobs (idempotent across workers), replacing ones left from another interval. */
  async onApplicationBootstrap(): Promise<void> {
    const wanted = new Map([[TICK_JOB, this.config.MONITOR_INTERVAL_SECONDS * 1000], [ROLLUP_JOB, ROLLUP_EVERY_MS]]);
    for (const r of await this.queue.getRepeatableJobs()) {
      if (wanted.has(r.name) && Number(r.every) !== wanted.get(r.name)) await this.queue.removeRepeatableByKey(r.key);
    }
    for (const [name, every] of wanted) {
      await this.queue.add(name, {}, { repeat: { every }, jobId: `monitoring:${name}`, attempts: 1, removeOnComplete: true, removeOnFail: 50 });
    }
  }

  @Process({ name: TICK_JOB, concurrency: 1 })
  tick(): Promise<{ tenants: number }> {
    return this.monitor.tick();
  }

  @Process({ name: TENANT_TICK_JOB, concurrency: 2 })
  async round(job: Job<TenantJobData>): Promise<{ connections: number }> {
    const rows = await this.jobs.run(job, () => this.monitor.runTenant({ alert: true }));
    return { connections: rows.length };
  }

  @Process({ name: ROLLUP_JOB, concurrency: 1 })
  rollup(): ReturnType<SeriesStore['rollup']> {
    return this.store.rollup();
  }

  @Process({ name: NOTIFY_JOB, concurrency: 4 })
  notify(job: Job<TenantJobData & NotifyJobData>): Promise<string> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.jobs.run(job, () => this.notifier.deliver(job.data.notificationId, lastAttempt));
  }
}
