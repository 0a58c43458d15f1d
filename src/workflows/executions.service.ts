import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ValidationFailedException } from '../core/http';
import { RequestContext, TenantDb } from '../core/tenancy';
import type { TriggerType } from './definition';
import { ExecutionIntake } from './engine/execution-intake';
import { ExecutionLog } from './engine/execution-log';
import { ExecutionRunner } from './engine/execution-runner';
import { WorkflowsService } from './workflows.service';
import { WorkflowExecution, WorkflowStepRun, type ExecutionStatus } from './workflow.entities';

export interface ExecutionView {
  id: string;
  workflowId: string;
  version: number;
  status: ExecutionStatus;
  mode: string;
  triggerType: string;
  idempotencyKey: string | null;
  trigger: unknown;
  error: string | null;
  failedStep: string | null;
  runs: number;
  retries: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  resumeAt: Date | null;
  steps?: StepView[];
}

export interface StepView {
  key: string;
  stepId: string;
  type: string;
  status: string;
  attempts: number;
  input: unknown;
  output: unknown;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
}

const OPEN: readonly ExecutionStatus[] = ['queued', 'running', 'waiting'];
const TEST_TIMEOUT_MS = 60_000;

function toView(e: WorkflowExecution): ExecutionView {
  return {
    id: e.id, workflowId: e.workflowId, version: e.version, status: e.status, mode: e.mode, triggerType: e.triggerType, idempotencyKey: e.idempotencyKey,
    trigger: e.triggerData, error: e.error, failedStep: e.failedStep, runs: e.runs, retries: e.retries, createdAt: e.createdAt, startedAt: e.startedAt,
    finishedAt: e.finishedAt, durationMs: e.startedAt && e.finishedAt ? e.finishedAt.getTime() - e.startedAt.getTime() : null, resumeAt: e.resumeAt,
  };
}

function stepView(s: WorkflowStepRun): StepView {
  return {
    key: s.key, stepId: s.stepId, type: s.type, status: s.status, attempts: s.attempts, input: s.input, output: s.output, error: s.error,
    startedAt: s.startedAt, finishedAt: s.finishedAt, durationMs: s.startedAt && s.finishedAt ? s.finishedAt.getTime() - s.startedAt.getTime() : null,
  };
}

/** Starting executions from the API (run, test), listing them with their step log, retrying and cancelling them. */
@Injectable()
export class ExecutionsService {
  constructor(
    private readonly db: TenantDb,
    private readonly context: RequestContext,
    private readonly dataSource: DataSource,
    private readonly workflows: WorkflowsService,
    private readonly intake: ExecutionIntake,
    private readonly log: ExecutionLog,
    private readonly runner: ExecutionRunner,
  ) {}

  /**
   * `POST /workflows/:id/run`: for api-triggered workflows (active) and manual ones (any time). A
   * repeated Idempotency-Key answers the execution it started the first time.
   */
  async run(workflowId: string, body: unknown, idempotencyKey?: string): Promise<{ created: boolean; execution: ExecutionView }> {
    const { workflow, definition } = await this.workflows.current(workflowId);
    const input = inputOf(body);
    const type: TriggerType = definition.trigger.type;
    if (type !== 'api' && type !== 'manual') throw new ConflictException(`this workflow starts on its ${type} trigger, not through the API (POST .../test tries it with a sample)`);
    if (type === 'api' && !workflow.active) throw new ConflictException('the workflow is not active: activate it first');
    if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 255)) throw new ValidationFailedException([{ field: 'Idempotency-Key', message: 'must be 1 to 255 characters' }]);
    const key = idempotencyKey ? `api:${idempotencyKey}` : null;
    const id = await this.intake.submit({
      tenantId: this.context.tenantId, workflowId, version: workflow.version, triggerType: type, idempotencyKey: key,
      triggerData: { body: input, by: this.context.principal?.actorId ?? null }, mode: 'live', timeoutMs: definition.timeoutMs,
    });
    if (id) return { created: true, execution: await this.get(id, false) };
    const existing = await this.db.repo(WorkflowExecution).findOne({ workflowId, idempotencyKey: key! });
    return { created: false, execution: toView(existing!) };
  }

  /**
   * `POST /workflows/:id/test`: runs the current version now, in this process, against the sample
   * trigger payload given; steps that would write to a platform (or send mail, alert, publish)
   * record the exact request instead. Delays are not waited; the run has at most a minute.
   */
  async test(workflowId: string, body: unknown): Promise<ExecutionView> {
    const { workflow, definition } = await this.workflows.current(workflowId);
    const sample = body && typeof body === 'object' && 'trigger' in body ? (body as { trigger: unknown }).trigger : {};
    if (sample === null || typeof sample !== 'object') throw new ValidationFailedException([{ field: 'trigger', message: 'must be an object: the trigger payload to test with' }]);
    const id = randomUUID();
    const tenantId = this.context.tenantId;
    // the request waits for the run: a test gets at most TEST_TIMEOUT_MS, whatever the workflow's timeout
    const deadline = new Date(Date.now() + Math.min(definition.timeoutMs, TEST_TIMEOUT_MS));
    await this.dataSource.query(
      `INSERT INTO workflow_executions (id, tenant_id, workflow_id, version, status, mode, trigger_type, trigger_data, deadline_at, runs, started_at)
       VALUES ($1, $2, $3, $4, 'running', 'test', $5, $6::jsonb, $7, 1, clock_timestamp())`,
      [id, tenantId, workflowId, workflow.version, definition.trigger.type, JSON.stringify(sample), deadline],
    );
    await this.runner.run({
      id, tenantId, workflowId, version: workflow.version, mode: 'test', triggerType: definition.trigger.type, triggerData: sample, runs: 1, deadlineAt: deadline, startedAt: new Date(),
    });
    await this.log.settled();
    return this.get(id);
  }

  async list(workflowId: string, q: { status?: ExecutionStatus; limit: number; cursor?: string }): Promise<{ data: ExecutionView[]; nextCursor: string | null }> {
    await this.workflows.current(workflowId);
    const qb = this.db.repo(WorkflowExecution).query('e').andWhere('e.workflow_id = :w', { w: workflowId });
    if (q.status) qb.andWhere('e.status = :s', { s: q.status });
    if (q.cursor) {
      qb.andWhere('(e.created_at, e.id) < (SELECT c.created_at, c.id FROM workflow_executions c WHERE c.id = :cursor AND c.tenant_id = :__tenantId)', { cursor: q.cursor });
    }
    const rows = await qb.orderBy('e.created_at', 'DESC').addOrderBy('e.id', 'DESC').take(q.limit + 1).getMany();
    const data = rows.slice(0, q.limit);
    return { data: data.map(toView), nextCursor: rows.length > q.limit ? data[data.length - 1].id : null };
  }

  async get(id: string, withSteps = true): Promise<ExecutionView> {
    const e = await this.find(id);
    if (!withSteps) return toView(e);
    const steps = await this.db.repo(WorkflowStepRun).query('s').andWhere('s.execution_id = :id', { id })
      .orderBy('s.id', 'ASC').getMany();
    return { ...toView(e), steps: steps.map(stepView) };
  }

  /** Runs a failed or cancelled execution again from its failed step: steps that succeeded keep their output and are not repeated. */
  async retry(id: string): Promise<ExecutionView> {
    const e = await this.find(id);
    if (e.mode === 'test') throw new ConflictException('a test execution cannot be retried: test the workflow again');
    if (e.status !== 'failed' && e.status !== 'cancelled') throw new ConflictException(`only a failed or cancelled execution can be retried; this one is ${e.status}`);
    const { definition } = await this.workflows.current(e.workflowId).catch(() => ({ definition: { timeoutMs: 3600_000 } }));
    const n = await this.db.repo(WorkflowExecution).update({ id, status: e.status }, {
      status: 'queued', error: null, failedStep: null, finishedAt: null, retries: e.retries + 1,
      deadlineAt: new Date(Date.now() + definition.timeoutMs), updatedAt: new Date(),
    });
    if (!n) throw new ConflictException('the execution changed meanwhile; look again');
    await this.intake.queueAgain(this.context.tenantId, id, `${id}:retry:${e.retries + 1}`);
    return this.get(id);
  }

  /** Stops an open execution: the step in progress finishes, nothing after it starts. */
  async cancel(id: string): Promise<ExecutionView> {
    const e = await this.find(id);
    if (!OPEN.includes(e.status)) throw new ConflictException(`the execution is ${e.status} already`);
    const [, n] = await this.dataSource.query(
      `UPDATE workflow_executions SET status = 'cancelled', finished_at = clock_timestamp(), updated_at = clock_timestamp(), error = $3
        WHERE tenant_id = $1 AND id = $2 AND status IN ('queued','running','waiting')`,
      [this.context.tenantId, id, `cancelled by ${this.context.principal?.actorId ?? 'a user'}`],
    );
    if (!n) throw new ConflictException('the execution ended meanwhile');
    return this.get(id);
  }

  private async find(id: string): Promise<WorkflowExecution> {
    const e = await this.db.repo(WorkflowExecution).findOne({ id });
    if (!e) throw new NotFoundException(`no execution ${id}`);
    return e;
  }
}

function inputOf(body: unknown): unknown {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ValidationFailedException([{ field: 'input', message: 'the body must be an object: { "input": ... }' }]);
  const keys = Object.keys(body);
  const extra = keys.filter((k) => k !== 'input');
  if (extra.length) throw new ValidationFailedException(extra.map((k) => ({ field: k, message: `${k} is not a field of a run (the body is { "input": ... })` })));
  return (body as { input?: unknown }).input ?? {};
}
