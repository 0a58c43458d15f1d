import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TriggerType } from '../definition';
import type { ExecutionMode, ExecutionStatus, StepRunStatus } from '../workflow.entities';
import { Batcher } from './batcher';

/** An execution as a worker takes it up. */
export interface ClaimedExecution {
  id: string;
  tenantId: string;
  workflowId: string;
  version: number;
  mode: ExecutionMode;
  triggerType: TriggerType;
  triggerData: unknown;
  /** 1 on the first run; more when resumed (crash, delay, retry from the failed step) */
  runs: number;
  deadlineAt: Date | null;
  startedAt: Date;
}

/** One step's log row, as written when it starts, waits and ends. */
export interface StepRow {
  key: string;
  stepId: string;
  type: string;
  loopStep: string | null;
  iteration: number | null;
  status: StepRunStatus;
  attempts: number;
  input?: unknown;
  output?: unknown;
  error?: string | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  resumeAt?: Date | null;
}

export interface ExecutionEnd {
  /** queued: handed back (its worker could not go on), so the next claim need not wait for the lease */
  status: Extract<ExecutionStatus, 'succeeded' | 'failed' | 'cancelled' | 'waiting' | 'queued'>;
  error?: string | null;
  failedStep?: string | null;
  resumeAt?: Date | null;
}

type Op =
  | { kind: 'claim'; tenantId: string; executionId: string; leaseMs: number }
  | { kind: 'touch'; tenantId: string; executionId: string }
  | { kind: 'step'; tenantId: string; executionId: string; row: StepRow }
  | { kind: 'end'; tenantId: string; executionId: string; end: ExecutionEnd };

/** Another worker holds the execution (its lease is fresh): try again later. */
export const BUSY = 'busy';

/** claim: the execution, BUSY, or null when it is not open; step: the execution's status when the row was written; end, touch: whether it applied. */
type OpResult = ClaimedExecution | typeof BUSY | ExecutionStatus | boolean | null;

const OPEN = `('queued','running','waiting')`;

/**
 * Everything workers write to the execution tables, batched: the claims, step rows and endings of
 * every execution in flight in this process go to Postgres as one statement per flush (one round
 * trip for many executions). Each row names its tenant and every statement matches on it.
 */
@Injectable()
export class ExecutionLog {
  // four flushes in flight: a flush waits for the WAL, so more of them shorten the queue an op waits in
  private readonly batcher = new Batcher<Op, OpResult>((ops) => this.write(ops), { maxBatch: 500, maxInFlight: 4 });

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Takes an open execution up: queued or waiting ones at once, a running one only when its lease
   * (leaseMs since the last heartbeat) has run out, i.e. the worker that held it is gone.
   */
  claim(tenantId: string, executionId: string, leaseMs: number): Promise<ClaimedExecution | typeof BUSY | null> {
    return this.batcher.push({ kind: 'claim', tenantId, executionId, leaseMs }) as Promise<ClaimedExecution | typeof BUSY | null>;
  }

  /** The heartbeat of a worker running the execution: keeps its lease. */
  touch(tenantId: string, executionId: string): Promise<boolean> {
    return this.batcher.push({ kind: 'touch', tenantId, executionId }) as Promise<boolean>;
  }

  /** Writes a step row; resolves to the execution's status as the write found it ('cancelled' means stop). */
  step(tenantId: string, executionId: string, row: StepRow): Promise<ExecutionStatus | null> {
    return this.batcher.push({ kind: 'step', tenantId, executionId, row }) as Promise<ExecutionStatus | null>;
  }

  /** Ends (or parks, for a delay) an execution that is still open; false when it was not (cancelled meanwhile). */
  end(tenantId: string, executionId: string, end: ExecutionEnd): Promise<boolean> {
    return this.batcher.push({ kind: 'end', tenantId, executionId, end }) as Promise<boolean>;
  }

  settled(): Promise<void> {
    return this.batcher.settled();
  }

  /** The step rows of an execution outside loops, or of one loop's iterations in [from, to). */
  async steps(tenantId: string, executionId: string, loop?: { step: string; from: number; to: number }): Promise<StepRow[]> {
    const rows: Record<string, unknown>[] = loop
      ? await this.dataSource.query(
        `SELECT * FROM workflow_step_runs WHERE tenant_id = $1 AND execution_id = $2 AND loop_step = $3 AND iteration >= $4 AND iteration < $5`,
        [tenantId, executionId, loop.step, loop.from, loop.to],
      )
      : await this.dataSource.query(`SELECT * FROM workflow_step_runs WHERE tenant_id = $1 AND execution_id = $2 AND loop_step IS NULL`, [tenantId, executionId]);
    return rows.map((r) => ({
      key: r.key as string, stepId: r.step_id as string, type: r.type as string, loopStep: r.loop_step as string | null, iteration: r.iteration as number | null,
      status: r.status as StepRunStatus, attempts: r.attempts as number, input: r.input, output: r.output, error: r.error as string | null,
      startedAt: r.started_at as Date | null, finishedAt: r.finished_at as Date | null, resumeAt: r.resume_at as Date | null,
    }));
  }

  private async write(ops: Op[]): Promise<OpResult[]> {
    const claims = ops.filter((o): o is Extract<Op, { kind: 'claim' }> => o.kind === 'claim').map((o) => ({ id: o.executionId, tenant_id: o.tenantId, lease_ms: o.leaseMs }));
    const touches = ops.filter((o) => o.kind === 'touch').map((o) => ({ id: o.executionId, tenant_id: o.tenantId }));
    // one row per (execution, key) and per execution end: the later write of a batch wins
    const steps = new Map<string, Record<string, unknown>>();
    const ends = new Map<string, Record<string, unknown>>();
    for (const o of ops) {
      if (o.kind === 'step') {
        const k = `${o.executionId}:${o.row.key}`;
        const r = o.row;
        const prev = steps.get(k);
        steps.set(k, {
          ord: prev?.ord ?? steps.size, tenant_id: o.tenantId, execution_id: o.executionId, key: r.key, step_id: r.stepId, type: r.type, loop_step: r.loopStep, iteration: r.iteration,
          status: r.status, attempts: r.attempts, input: r.input ?? prev?.input ?? null, output: r.output ?? null, error: r.error ?? null,
          started_at: r.startedAt ?? prev?.started_at ?? null, finished_at: r.finishedAt ?? null, resume_at: r.resumeAt ?? null,
        });
      } else if (o.kind === 'end') {
        ends.set(o.executionId, { id: o.executionId, tenant_id: o.tenantId, status: o.end.status, error: o.end.error ?? null, failed_step: o.end.failedStep ?? null, resume_at: o.end.resumeAt ?? null });
      }
    }
    const [res] = await this.dataSource.query(
      `WITH c_in AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, tenant_id uuid, lease_ms int)),
       claimed AS (
         UPDATE workflow_executions e SET status = 'running', started_at = coalesce(e.started_at, clock_timestamp()), runs = e.runs + 1,
                resume_at = NULL, updated_at = clock_timestamp()
           FROM c_in WHERE e.id = c_in.id AND e.tenant_id = c_in.tenant_id
            AND (e.status IN ('queued','waiting') OR (e.status = 'running' AND e.updated_at < clock_timestamp() - make_interval(secs => c_in.lease_ms / 1000.0)))
         RETURNING e.id, e.tenant_id, e.workflow_id, e.version, e.mode, e.trigger_type, e.trigger_data, e.runs, e.deadline_at, e.started_at
       ),
       touched AS (
         UPDATE workflow_executions e SET updated_at = clock_timestamp()
           FROM jsonb_to_recordset($4::jsonb) AS t(id uuid, tenant_id uuid) WHERE e.id = t.id AND e.tenant_id = t.tenant_id AND e.status = 'running'
         RETURNING e.id
       ),
       s_in AS (
         SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(tenant_id uuid, execution_id uuid, key text, step_id text, type text, loop_step text, iteration int,
           status text, attempts int, input jsonb, output jsonb, error text, started_at timestamptz, finished_at timestamptz, resume_at timestamptz, ord bigint)
       ),
       stepped AS (
         INSERT INTO workflow_step_runs AS w (tenant_id, execution_id, key, step_id, type, loop_step, iteration, status, attempts, input, output, error, started_at, finished_at, resume_at)
         SELECT s.tenant_id, s.execution_id, s.key, s.step_id, s.type, s.loop_step, s.iteration, s.status, s.attempts, s.input, s.output, s.error, s.started_at, s.finished_at, s.resume_at
           FROM s_in s JOIN workflow_executions e ON e.id = s.execution_id AND e.tenant_id = s.tenant_id
          -- a step about to start is not logged once its execution is cancelled; results of steps that ran always are
          WHERE s.status <> 'running' OR e.status IN ${OPEN}
          -- row ids follow the order the steps were written in, which is the step log's order
          ORDER BY s.ord
         ON CONFLICT (execution_id, key) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts, input = coalesce(EXCLUDED.input, w.input),
                output = EXCLUDED.output, error = EXCLUDED.error, started_at = coalesce(EXCLUDED.started_at, w.started_at),
                finished_at = EXCLUDED.finished_at, resume_at = EXCLUDED.resume_at
         RETURNING 1
       ),
       f_in AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS x(id uuid, tenant_id uuid, status text, error text, failed_step text, resume_at timestamptz)),
       ended AS (
         UPDATE workflow_executions e SET status = f.status, error = f.error, failed_step = f.failed_step, resume_at = f.resume_at, updated_at = clock_timestamp(),
                finished_at = CASE WHEN f.status IN ('succeeded','failed','cancelled') THEN clock_timestamp() END
           FROM f_in f WHERE e.id = f.id AND e.tenant_id = f.tenant_id AND e.status IN ${OPEN}
         RETURNING e.id
       )
       SELECT (SELECT coalesce(json_agg(claimed), '[]') FROM claimed) AS claimed,
              (SELECT coalesce(json_agg(json_build_object('id', e.id, 'status', e.status)), '[]')
                 FROM workflow_executions e WHERE e.id IN (SELECT execution_id FROM s_in UNION ALL SELECT id FROM c_in)) AS statuses,
              (SELECT coalesce(json_agg(id), '[]') FROM touched) AS touched,
              (SELECT coalesce(json_agg(id), '[]') FROM ended) AS ended,
              (SELECT count(*) FROM stepped) AS stepped`,
      [JSON.stringify(claims), JSON.stringify([...steps.values()]), JSON.stringify([...ends.values()]), JSON.stringify(touches)],
    );
    const claimed = new Map((res.claimed as Record<string, unknown>[]).map((r) => [r.id as string, r]));
    const statuses = new Map((res.statuses as { id: string; status: ExecutionStatus }[]).map((r) => [r.id, r.status]));
    const ended = new Set(res.ended as string[]);
    const touched = new Set(res.touched as string[]);
    return ops.map((o) => {
      if (o.kind === 'step') return statuses.get(o.executionId) ?? null;
      if (o.kind === 'end') return ended.has(o.executionId);
      if (o.kind === 'touch') return touched.has(o.executionId);
      const r = claimed.get(o.executionId);
      if (!r) return statuses.get(o.executionId) === 'running' ? BUSY : null;
      claimed.delete(o.executionId);
      return {
        id: r.id as string, tenantId: r.tenant_id as string, workflowId: r.workflow_id as string, version: r.version as number, mode: r.mode as ExecutionMode,
        triggerType: r.trigger_type as TriggerType, triggerData: r.trigger_data, runs: r.runs as number,
        deadlineAt: r.deadline_at ? new Date(r.deadline_at as string) : null, startedAt: new Date(r.started_at as string),
      };
    });
  }
}
