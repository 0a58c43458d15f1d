import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { DataSource } from 'typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../core/config';
import { TenantJobs } from '../core/queue';
import { ExecutionIntake, EXECUTE_JOB, SCHEDULE_JOB, WORKFLOW_QUEUE, type ExecuteJobData } from './engine/execution-intake';
import { BUSY, ExecutionLog } from './engine/execution-log';
import { ExecutionRunner } from './engine/execution-runner';
import { PlanCache } from './engine/plan-cache';
import type { ScheduleJobData } from './triggers/schedule.trigger';

/**
 * Consumes the workflow queue in worker processes. An execution job's id is its execution id, so an
 * execution is queued once; when a worker dies, Bull hands the stalled job to another, which resumes
 * the execution from its step log. Handlers are registered here rather than with @Process so the
 * concurrency comes from WORKFLOW_CONCURRENCY.
 */
@Injectable()
export class WorkflowProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(WorkflowProcessor.name);
  private reaper?: NodeJS.Timeout;
  private readonly slots: Slots;

  constructor(
    @InjectQueue(WORKFLOW_QUEUE) private readonly queue: Queue,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
    private readonly jobs: TenantJobs,
    private readonly store: ExecutionLog,
    private readonly runner: ExecutionRunner,
    private readonly intake: ExecutionIntake,
    private readonly plans: PlanCache,
    private readonly dataSource: DataSource,
  ) {
    this.slots = new Slots(config.WORKFLOW_CONCURRENCY);
  }

  onApplicationBootstrap(): void {
    void this.queue.process(EXECUTE_JOB, this.config.WORKFLOW_CONCURRENCY, (job: Job<ExecuteJobData>) => this.execute(job));
    void this.queue.process(SCHEDULE_JOB, 1, (job: Job<ScheduleJobData>) => this.fire(job));
    const every = Math.max(5000, this.config.WORKFLOW_JOB_LOCK_MS);
    this.reaper = setInterval(() => void this.reap().catch((e: unknown) => this.log.warn(`reaper: ${(e as Error).message}`)), every).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.reaper);
  }

  /**
   * Runs a job's executions side by side, within WORKFLOW_CONCURRENCY executions at once in this
   * process. An execution another worker holds, or one this worker could not run (the database
   * gone), makes the job fail after the others are done, so Bull tries it again; the executions
   * that ended are not open any more and are skipped then.
   */
  async execute(job: Job<ExecuteJobData>): Promise<string[]> {
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.jobs.run(job, async () => {
      const results = await Promise.allSettled(job.data.executionIds.map((id) => this.slots.run(() => this.executeOne(job.data.tenantId, id, last))));
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
      return results.map((r) => (r as PromiseFulfilledResult<string>).value);
    });
  }

  private async executeOne(tenantId: string, executionId: string, lastAttempt: boolean): Promise<string> {
    const exec = await this.store.claim(tenantId, executionId, this.config.WORKFLOW_JOB_LOCK_MS);
    // its holder finishes it; the reaper looks again if the holder is gone for good
    if (exec === BUSY) throw new Error(`execution ${executionId} is held by another worker`);
    if (!exec) return 'not open';
    const beat = setInterval(() => void this.store.touch(tenantId, executionId).catch(() => undefined), Math.floor(this.config.WORKFLOW_JOB_LOCK_MS / 3));
    try {
      const outcome = await this.runner.run(exec);
      if (outcome.kind === 'waiting') {
        await this.intake.queueAgain(tenantId, executionId, `${executionId}:${outcome.key}:${outcome.resumeAt.getTime()}`, outcome.resumeAt.getTime() - Date.now());
      }
      return outcome.kind;
    } catch (e) {
      const end = lastAttempt ? { status: 'failed' as const, error: `the worker could not run the execution: ${(e as Error).message}` } : { status: 'queued' as const };
      await this.store.end(tenantId, executionId, end).catch(() => undefined);
      throw e;
    } finally {
      clearInterval(beat);
    }
  }

  /** A schedule slot came due: one execution per slot (the slot is its idempotency key). */
  async fire(job: Job<ScheduleJobData>): Promise<string> {
    const slot = new Date((job.opts as { prevMillis?: number }).prevMillis ?? job.timestamp);
    return this.jobs.run(job, async () => {
      const [w] = await this.dataSource.query(`SELECT version FROM workflows WHERE tenant_id = $1 AND id = $2 AND active AND trigger_type = 'schedule'`, [job.data.tenantId, job.data.workflowId]);
      if (!w) return 'inactive';
      const { plan } = await this.plans.get(job.data.tenantId, job.data.workflowId, w.version);
      const trigger = plan.definition.trigger;
      const id = await this.intake.submit({
        tenantId: job.data.tenantId, workflowId: job.data.workflowId, version: w.version, triggerType: 'schedule', idempotencyKey: `schedule:${slot.toISOString()}`,
        triggerData: { slot: slot.toISOString(), ...(trigger.type === 'schedule' ? { cron: trigger.cron, timezone: trigger.timezone } : {}) }, mode: 'live', timeoutMs: plan.definition.timeoutMs,
      });
      return id ?? 'duplicate slot';
    });
  }

  /**
   * Queues open executions nothing is working on: created but never queued (a crash between the
   * INSERT and the enqueue), a job lost, or a delay whose job is gone. Bull ignores a job id that is
   * already queued or running, so this never runs an execution twice. Reads across tenants: it is
   * the worker's housekeeping, and each job it queues carries its execution's tenant.
   */
  async reap(): Promise<number> {
    const stale = Math.max(60_000, this.config.WORKFLOW_JOB_LOCK_MS * 3);
    const rows: { id: string; tenant_id: string; status: string; resume_at: Date | null }[] = await this.dataSource.query(
      `SELECT id, tenant_id, status, resume_at FROM workflow_executions
        WHERE status IN ('queued','running','waiting') AND updated_at < now() - make_interval(secs => $1 / 1000.0)
          AND (status <> 'waiting' OR resume_at < now() - make_interval(secs => $1 / 1000.0))
        ORDER BY updated_at LIMIT 500`,
      [stale],
    );
    for (const r of rows) {
      const jobId = r.status === 'waiting' && r.resume_at ? `${r.id}:resume:${r.resume_at.getTime()}` : r.id;
      await this.intake.queueAgain(r.tenant_id, r.id, jobId);
    }
    return rows.length;
  }
}

/** At most `max` tasks at once; the others wait their turn in order. */
class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
