import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { TriggerType } from '../definition';
import type { ExecutionMode } from '../workflow.entities';
import { Batcher } from './batcher';

export const WORKFLOW_QUEUE = 'workflows';
export const EXECUTE_JOB = 'execute';
export const SCHEDULE_JOB = 'schedule';

/** Bull options of an execution job: the execution row is the record, so finished jobs leave Redis. */
export const EXECUTE_JOB_OPTIONS = { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: true } as const;

/** One tenant's executions, run side by side by one job: under load, one queue round trip serves many. */
export interface ExecuteJobData {
  tenantId: string;
  executionIds: string[];
}

/** Executions per job when a burst arrives together. */
const EXECUTIONS_PER_JOB = 20;

/** An execution to create for a trigger event. */
export interface NewExecution {
  tenantId: string;
  workflowId: string;
  version: number;
  triggerType: TriggerType;
  /** unique per workflow: a second event with the same key starts nothing */
  idempotencyKey: string | null;
  triggerData: unknown;
  mode: ExecutionMode;
  timeoutMs: number;
}

/**
 * Creates executions and queues them. Events arriving together (a burst of webhooks) share one
 * INSERT and one Bull addBulk; an idempotency key already used by the workflow inserts nothing.
 */
@Injectable()
export class ExecutionIntake {
  private readonly batcher = new Batcher<NewExecution & { id: string }, boolean>((items) => this.insertAndQueue(items), { maxBatch: 500, maxInFlight: 2 });

  constructor(
    private readonly dataSource: DataSource,
    @InjectQueue(WORKFLOW_QUEUE) private readonly queue: Queue,
  ) {}

  /** Resolves to the new execution's id, or null when the idempotency key was used before. */
  async submit(e: NewExecution): Promise<string | null> {
    const id = randomUUID();
    return (await this.batcher.push({ ...e, id })) ? id : null;
  }

  /** Creates many at once (a trigger's batch); resolves to the ids created, duplicates left out. */
  async submitMany(list: NewExecution[]): Promise<string[]> {
    const items = list.map((e) => ({ ...e, id: randomUUID() }));
    const created = items.length ? await this.insertAndQueue(items) : [];
    return items.filter((_, i) => created[i]).map((e) => e.id);
  }

  private async insertAndQueue(items: (NewExecution & { id: string })[]): Promise<boolean[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO workflow_executions (id, tenant_id, workflow_id, version, status, mode, trigger_type, idempotency_key, trigger_data, deadline_at)
       SELECT x.id, x.tenant_id, x.workflow_id, x.version, 'queued', x.mode, x.trigger_type, x.idempotency_key, x.trigger_data,
              clock_timestamp() + make_interval(secs => x.timeout_ms / 1000.0)
         FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, tenant_id uuid, workflow_id uuid, version int, mode text, trigger_type text, idempotency_key text, trigger_data jsonb, timeout_ms bigint)
       ON CONFLICT (workflow_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id`,
      [JSON.stringify(items.map((e) => ({
        id: e.id, tenant_id: e.tenantId, workflow_id: e.workflowId, version: e.version, mode: e.mode, trigger_type: e.triggerType,
        idempotency_key: e.idempotencyKey, trigger_data: e.triggerData ?? null, timeout_ms: e.timeoutMs,
      })))],
    );
    const created = new Set(rows.map((r) => r.id));
    const byTenant = new Map<string, string[]>();
    for (const e of items) if (created.has(e.id)) byTenant.set(e.tenantId, [...(byTenant.get(e.tenantId) ?? []), e.id]);
    const jobs = [...byTenant].flatMap(([tenantId, ids]) => chunks(ids, EXECUTIONS_PER_JOB).map((executionIds) => ({
      name: EXECUTE_JOB, data: { tenantId, executionIds } satisfies ExecuteJobData, opts: { ...EXECUTE_JOB_OPTIONS, jobId: executionIds[0] },
    })));
    // a crash between the INSERT and here leaves queued rows without a job: the reaper queues them
    if (jobs.length) await this.queue.addBulk(jobs);
    return items.map((e) => created.has(e.id));
  }

  /** Queues an execution again (retry, resume after a delay, the reaper); a job id already queued is ignored by Bull. */
  async queueAgain(tenantId: string, executionId: string, jobId: string, delayMs = 0): Promise<void> {
    await this.queue.add(EXECUTE_JOB, { tenantId, executionIds: [executionId] } satisfies ExecuteJobData, { ...EXECUTE_JOB_OPTIONS, jobId, delay: Math.max(0, delayMs) });
  }
}

function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
