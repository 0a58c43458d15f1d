import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { CronExpressionParser } from 'cron-parser';
import { SCHEDULE_JOB, WORKFLOW_QUEUE } from '../engine/execution-intake';

export interface ScheduleJobData {
  tenantId: string;
  workflowId: string;
}

/**
 * Schedule triggers as Bull repeatable jobs: Bull keys a repeatable by name, job id, cron and time
 * zone and gives each firing a job id derived from its slot, so one firing happens per slot however
 * many workers run, and registering the same schedule again (a deploy, a re-activation) changes
 * nothing. The execution's idempotency key is the slot too, so even two registrations would start one execution.
 */
@Injectable()
export class ScheduleTrigger {
  constructor(@InjectQueue(WORKFLOW_QUEUE) private readonly queue: Queue) {}

  /** Registers the workflow's schedule; returns the key to remove it by. */
  async register(tenantId: string, workflowId: string, cron: string, timezone: string): Promise<string> {
    await this.queue.add(SCHEDULE_JOB, { tenantId, workflowId } satisfies ScheduleJobData, {
      repeat: { cron, tz: timezone }, jobId: jobId(workflowId), attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: true,
    });
    return `${cron}|${timezone}`;
  }

  async unregister(workflowId: string, key: string): Promise<void> {
    const at = key.lastIndexOf('|');
    await this.queue.removeRepeatable(SCHEDULE_JOB, { cron: key.slice(0, at), tz: key.slice(at + 1), jobId: jobId(workflowId) } as never);
  }
}

/** When a schedule fires next (for the API's view). */
export function nextFiring(cron: string, timezone: string): Date {
  return CronExpressionParser.parse(cron, { tz: timezone }).next().toDate();
}

function jobId(workflowId: string): string {
  return `schedule:${workflowId}`;
}
