import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBus } from '../../core/events';
import { EFFECT_STEPS, LIMITS, type StepDefinition, type StepOf, type WorkflowPlan } from '../definition';
import { PermanentStepError, STEP_HANDLERS, type StepHandler } from '../steps/step-handler';
import { ExecutionLog, type ClaimedExecution, type StepRow } from './execution-log';
import { LoopSource } from './loop-source';
import { PlanCache } from './plan-cache';
import { maskSecrets } from './secret-mask';
import { TemplateEngine } from './template-engine';

/** How an execution left the runner: ended, or parked until a delay (or a delayed retry) is over. */
export type RunOutcome =
  | { kind: 'succeeded' | 'failed' | 'cancelled' }
  | { kind: 'waiting'; resumeAt: Date; key: string };

type Flow = { kind: 'next' } | { kind: 'cancelled' } | { kind: 'waiting'; resumeAt: Date; key: string };
const NEXT: Flow = { kind: 'next' };

/** A step failed and nothing handled it: the execution fails, naming the step. */
class StepFailed extends Error {
  constructor(readonly key: string, message: string) {
    super(message);
  }
}

class WorkflowTimeout extends Error {}
class StepTimeout extends Error {}

/** Templates see `trigger`, `steps.<id>` (outputs), `vars` (transforms), `error` (in an error branch), `item`/`index` (in a loop). */
interface Scope {
  trigger: unknown;
  steps: Record<string, unknown>;
  vars: Record<string, unknown>;
  execution: { id: string; mode: string; startedAt: string };
  workflow: { id: string; name: string; version: number };
  error?: { step: string; message: string };
  item?: unknown;
  index?: number;
}

interface Frame {
  loop: string;
  index: number;
}

/** One execution in progress in this process. */
class Run {
  readonly records = new Map<string, StepRow>();
  private readonly writes: Promise<unknown>[] = [];
  private writeError: unknown = null;

  constructor(readonly exec: ClaimedExecution, readonly plan: WorkflowPlan) {}

  get test(): boolean {
    return this.exec.mode === 'test';
  }

  /** A write nothing waits for now (a pure step's result); the execution's end waits for all of them. */
  later(p: Promise<unknown>): void {
    this.writes.push(p.catch((e: unknown) => {
      this.writeError ??= e;
    }));
  }

  async settle(): Promise<void> {
    await Promise.all(this.writes.splice(0));
    if (this.writeError) throw this.writeError;
  }

  remaining(): number {
    return this.exec.deadlineAt ? this.exec.deadlineAt.getTime() - Date.now() : Number.POSITIVE_INFINITY;
  }
}

const MAX_OUTPUT_CHARS = 1_000_000;
/** how many times a step may be caught in flight by a worker crash before it is failed instead of tried again */
const CRASH_ALLOWANCE = 2;
const LOOP_PAGE = 100;

/**
 * Runs an execution by walking its version's plan from the top. Every step's row is written as it
 * starts (steps that act on the world) and ends, so a resumed execution replays the walk: steps that
 * succeeded give their stored output and are not run again, a step that was in flight is tried
 * again, and branches follow the recorded decision.
 */
@Injectable()
export class ExecutionRunner {
  private readonly log = new Logger(ExecutionRunner.name);
  private readonly handlers: ReadonlyMap<string, StepHandler>;

  constructor(
    private readonly store: ExecutionLog,
    private readonly plans: PlanCache,
    private readonly templates: TemplateEngine,
    private readonly loops: LoopSource,
    private readonly events: EventBus,
    @Inject(STEP_HANDLERS) handlers: StepHandler[],
  ) {
    this.handlers = new Map(handlers.map((h) => [h.type, h]));
  }

  async run(exec: ClaimedExecution): Promise<RunOutcome> {
    const { plan, name } = await this.plans.get(exec.tenantId, exec.workflowId, exec.version);
    const run = new Run(exec, plan);
    if (exec.runs > 1) for (const row of await this.store.steps(exec.tenantId, exec.id)) run.records.set(row.key, row);
    const scope: Scope = {
      trigger: exec.triggerData, steps: {}, vars: {},
      execution: { id: exec.id, mode: exec.mode, startedAt: exec.startedAt.toISOString() }, workflow: { id: exec.workflowId, name, version: exec.version },
    };
    let flow: Flow;
    try {
      flow = await this.sequence(run, plan.top, scope, null);
      await run.settle();
    } catch (e) {
      await run.settle().catch(() => undefined);
      if (!(e instanceof StepFailed) && !(e instanceof WorkflowTimeout)) throw e;
      const error = e.message;
      const ended = await this.store.end(exec.tenantId, exec.id, { status: 'failed', error, failedStep: e instanceof StepFailed ? e.key : null });
      if (!ended) return { kind: 'cancelled' };
      this.events.emit('workflow.execution_failed', exec.tenantId, { workflowId: exec.workflowId, executionId: exec.id, version: exec.version, mode: exec.mode, failedStep: e instanceof StepFailed ? e.key : null, error });
      this.finished(exec, 'failed');
      return { kind: 'failed' };
    }
    if (flow.kind === 'cancelled') return { kind: 'cancelled' };
    if (flow.kind === 'waiting') {
      const parked = await this.store.end(exec.tenantId, exec.id, { status: 'waiting', resumeAt: flow.resumeAt });
      return parked ? flow : { kind: 'cancelled' };
    }
    if (!(await this.store.end(exec.tenantId, exec.id, { status: 'succeeded' }))) return { kind: 'cancelled' };
    this.finished(exec, 'succeeded');
    return { kind: 'succeeded' };
  }

  private finished(exec: ClaimedExecution, status: string): void {
    this.events.emit('workflow.execution_finished', exec.tenantId, { workflowId: exec.workflowId, executionId: exec.id, mode: exec.mode, status });
  }

  private async sequence(run: Run, ids: readonly string[], scope: Scope, frame: Frame | null): Promise<Flow> {
    for (const id of ids) {
      const step = run.plan.byId.get(id)!;
      const flow = await this.step(run, step, frame ? `${frame.loop}[${frame.index}].${id}` : id, scope, frame);
      if (flow.kind !== 'next') return flow;
    }
    return NEXT;
  }

  private async step(run: Run, step: StepDefinition, key: string, scope: Scope, frame: Frame | null): Promise<Flow> {
    const rec = run.records.get(key);
    if (rec?.status === 'succeeded') return this.replay(run, step, rec, scope, frame);
    if (rec?.status === 'errored') return this.handled(run, step, rec.error ?? 'failed', scope, frame);
    if (run.remaining() <= 0) throw new WorkflowTimeout(`the workflow timed out (timeoutMs ${run.plan.definition.timeoutMs}) before step "${step.id}"`);
    try {
      switch (step.type) {
        case 'condition': {
          const result = this.templates.test(step.if, scope);
          return this.decided(run, step, key, scope, frame, { result, branch: result ? 'then' : 'else' });
        }
        case 'transform': {
          const output = jsonSafe(this.templates.render(step.set, scope)) as Record<string, unknown>;
          this.record(run, step, key, frame, { status: 'succeeded', attempts: 1, output });
          scope.steps[step.id] = output;
          Object.assign(scope.vars, output);
          return NEXT;
        }
        case 'delay':
          return await this.delay(run, step, key, rec, scope, frame);
        case 'loop':
          return await this.loop(run, step, key, rec, scope);
        default:
          return await this.effect(run, step, key, rec, scope, frame);
      }
    } catch (e) {
      if (e instanceof StepFailed || e instanceof WorkflowTimeout || !isStepError(e)) throw e;
      return this.failed(run, step, key, rec?.attempts ?? 1, e as Error, scope, frame);
    }
  }

  /** A step that succeeded in an earlier run: its output, and for a condition the branch it chose. */
  private replay(run: Run, step: StepDefinition, rec: StepRow, scope: Scope, frame: Frame | null): Promise<Flow> | Flow {
    scope.steps[step.id] = rec.output;
    if (step.type === 'transform') Object.assign(scope.vars, rec.output as object);
    if (step.type === 'condition') return this.sequence(run, (rec.output as { branch: string }).branch === 'then' ? step.then : step.else, scope, frame);
    return NEXT;
  }

  private decided(run: Run, step: StepOf<'condition'>, key: string, scope: Scope, frame: Frame | null, output: { result: boolean; branch: 'then' | 'else' }): Promise<Flow> {
    this.record(run, step, key, frame, { status: 'succeeded', attempts: 1, output });
    scope.steps[step.id] = output;
    return this.sequence(run, output.branch === 'then' ? step.then : step.else, scope, frame);
  }

  /** A step that acts on the world: each attempt is logged as it starts, so a crash mid-step is known on resume. */
  private async effect(run: Run, step: StepDefinition, key: string, rec: StepRow | undefined, scope: Scope, frame: Frame | null): Promise<Flow> {
    const handler = this.handlers.get(step.type);
    if (!handler) throw new PermanentStepError(`no handler for ${step.type} steps in this process`);
    const budget = step.retry?.attempts ?? 1;
    let attempt = rec?.attempts ?? 0;
    let last = budget + attempt;
    if (rec?.status === 'running') {
      // in flight when its worker died: that attempt earns one more run, unless crashes keep recurring
      if (attempt >= budget + CRASH_ALLOWANCE) throw new PermanentStepError(`was in flight during ${attempt} attempts that never ended (the worker died each time)`);
      last = Math.max(budget, attempt + 1);
    }
    for (;;) {
      attempt++;
      const input = handler.input(step, (v) => this.templates.render(v, scope));
      const status = await this.store.step(run.exec.tenantId, run.exec.id, row(step, key, frame, { status: 'running', attempts: attempt, input: maskSecrets(input), startedAt: new Date() }));
      if (status !== 'running') return { kind: 'cancelled' };
      try {
        const output = jsonSafe(await this.timed(run, step, (signal) => handler.run(input, step, {
          tenantId: run.exec.tenantId, executionId: run.exec.id, workflowId: run.exec.workflowId, key, test: run.test, signal,
        })));
        this.record(run, step, key, frame, { status: 'succeeded', attempts: attempt, output: maskSecrets(output) });
        scope.steps[step.id] = output;
        return NEXT;
      } catch (e) {
        if (e instanceof WorkflowTimeout) {
          this.record(run, step, key, frame, { status: 'failed', attempts: attempt, error: e.message });
          throw e;
        }
        if (!isStepError(e)) throw e;
        if (e instanceof PermanentStepError || attempt >= last) return this.failed(run, step, key, attempt, e as Error, scope, frame);
        await sleep(backoff(step, attempt));
      }
    }
  }

  /** The last attempt failed: the step's onError decides between failing the execution, going on, or an error branch. */
  private async failed(run: Run, step: StepDefinition, key: string, attempts: number, e: Error, scope: Scope, frame: Frame | null): Promise<Flow> {
    const message = `step "${step.id}" (${describe(step)}) failed${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${e.message}`;
    if (step.onError === 'fail') {
      this.record(run, step, key, frame, { status: 'failed', attempts, error: message });
      throw new StepFailed(key, message);
    }
    this.record(run, step, key, frame, { status: 'errored', attempts, error: message });
    return this.handled(run, step, message, scope, frame);
  }

  private handled(run: Run, step: StepDefinition, message: string, scope: Scope, frame: Frame | null): Promise<Flow> | Flow {
    scope.steps[step.id] = null;
    scope.error = { step: step.id, message };
    return typeof step.onError === 'object' ? this.sequence(run, step.onError.steps, scope, frame) : NEXT;
  }

  private async delay(run: Run, step: StepOf<'delay'>, key: string, rec: StepRow | undefined, scope: Scope, frame: Frame | null): Promise<Flow> {
    if (rec?.status === 'waiting' && rec.resumeAt) {
      if (rec.resumeAt.getTime() > Date.now()) return { kind: 'waiting', resumeAt: rec.resumeAt, key };
      this.record(run, step, key, frame, { status: 'succeeded', attempts: 1, output: { waitedUntil: rec.resumeAt.toISOString() } });
      return NEXT;
    }
    const resumeAt = step.ms !== undefined ? new Date(Date.now() + step.ms) : new Date(this.templates.renderText(step.until!, scope));
    if (Number.isNaN(resumeAt.getTime())) throw new PermanentStepError(`until rendered to "${this.templates.renderText(step.until!, scope)}", not a date`);
    if (run.test || resumeAt.getTime() <= Date.now()) {
      this.record(run, step, key, frame, { status: 'succeeded', attempts: 1, output: run.test ? { testMode: true, wouldWaitUntil: resumeAt.toISOString() } : { waitedUntil: resumeAt.toISOString() } });
      return NEXT;
    }
    if (resumeAt.getTime() - Date.now() >= run.remaining()) throw new PermanentStepError(`would wait until ${resumeAt.toISOString()}, past the workflow's timeout`);
    await this.store.step(run.exec.tenantId, run.exec.id, row(step, key, frame, { status: 'waiting', attempts: 1, startedAt: new Date(), resumeAt }));
    return { kind: 'waiting', resumeAt, key };
  }

  /**
   * A loop reads its items a page at a time (LOOP_PAGE), runs each page's iterations with at most
   * `concurrency` at once, and checkpoints after each page, so neither the items nor the iterations'
   * step rows are held whole and a resumed loop starts at its last checkpoint.
   */
  private async loop(run: Run, step: StepOf<'loop'>, key: string, rec: StepRow | undefined, scope: Scope): Promise<Flow> {
    let state = rec?.status === 'running' && rec.output ? (rec.output as { index: number; cursor: string | null; done: boolean }) : { index: 0, cursor: null, done: false };
    const checkpoint = async (attempts: number) =>
      this.store.step(run.exec.tenantId, run.exec.id, row(step, key, null, { status: 'running', attempts, output: state, startedAt: rec?.startedAt ?? new Date() }));
    if ((await checkpoint(1)) !== 'running') return { kind: 'cancelled' };
    const all = step.items !== undefined ? this.templates.evaluate(step.items, scope) : null;
    if (all !== null && !Array.isArray(all)) throw new PermanentStepError(`items gave ${typeof all}, expected a list`);
    if (all && all.length > LIMITS.loopItems) throw new PermanentStepError(`items has ${all.length} entries, over the ${LIMITS.loopItems} a loop takes`);
    while (!state.done) {
      const page = all
        ? { items: all.slice(state.index, state.index + LOOP_PAGE), cursor: null, more: state.index + LOOP_PAGE < all.length }
        : await this.loops.records(run.exec.tenantId, step.records!, state.cursor, LOOP_PAGE);
      const from = state.index;
      if (run.exec.runs > 1) for (const r of await this.store.steps(run.exec.tenantId, run.exec.id, { step: step.id, from, to: from + page.items.length })) run.records.set(r.key, r);
      const flow = await this.iterations(run, step, page.items, from, scope);
      for (const k of [...run.records.keys()]) if (k.startsWith(`${step.id}[`)) run.records.delete(k);
      if (flow.kind !== 'next') return flow;
      state = { index: from + page.items.length, cursor: page.cursor, done: !page.more };
      if ((await checkpoint(1)) !== 'running') return { kind: 'cancelled' };
    }
    const output = { count: state.index };
    this.record(run, step, key, null, { status: 'succeeded', attempts: 1, output });
    scope.steps[step.id] = output;
    return NEXT;
  }

  private async iterations(run: Run, step: StepOf<'loop'>, items: unknown[], from: number, scope: Scope): Promise<Flow> {
    let next = 0;
    let stop: Flow | null = null;
    let failure: unknown = null;
    const worker = async (): Promise<void> => {
      while (next < items.length && !stop && !failure) {
        const i = next++;
        const own: Scope = { ...scope, steps: { ...scope.steps }, vars: { ...scope.vars }, item: items[i], index: from + i };
        try {
          const flow = await this.sequence(run, step.steps, own, { loop: step.id, index: from + i });
          if (flow.kind !== 'next') stop = flow;
        } catch (e) {
          failure = e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(step.concurrency, items.length) }, worker));
    if (failure) throw failure instanceof StepFailed ? new PermanentStepError(`iteration failed: ${failure.message}`) : failure;
    return stop ?? NEXT;
  }

  /** A step's end; steps with no start row (pure ones) start and end at once. */
  private record(run: Run, step: StepDefinition, key: string, frame: Frame | null, r: Pick<StepRow, 'status' | 'attempts' | 'output' | 'error'>): void {
    const now = new Date();
    run.later(this.store.step(run.exec.tenantId, run.exec.id, row(step, key, frame, { ...r, finishedAt: now, startedAt: EFFECT_STEPS.has(step.type) ? undefined : now })));
  }

  /** Runs a step within its timeout and what is left of the workflow's; the signal aborts what can be aborted. */
  private timed<T>(run: Run, step: StepDefinition, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const own = step.timeoutMs ?? LIMITS.defaultStepTimeoutMs;
    const left = run.remaining();
    const ms = Math.min(own, left);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(ms < own ? new WorkflowTimeout(`the workflow timed out (timeoutMs ${run.plan.definition.timeoutMs}) during step "${step.id}"`) : new StepTimeout(`timed out after ${ms} ms`));
      }, ms);
    });
    return Promise.race([fn(controller.signal), timeout]).finally(() => clearTimeout(timer));
  }
}

function row(step: StepDefinition, key: string, frame: Frame | null, r: Partial<StepRow> & Pick<StepRow, 'status' | 'attempts'>): StepRow {
  return { key, stepId: step.id, type: step.type, loopStep: frame?.loop ?? null, iteration: frame?.index ?? null, ...r };
}

/** Errors a step may end in; anything else (the database gone) is the process's failure and goes to the queue's retry. */
function isStepError(e: unknown): boolean {
  return e instanceof Error && !/^(QueryFailedError|ConnectionRefused|DriverError)/.test(e.constructor.name);
}

function backoff(step: StepDefinition, attempt: number): number {
  const r = step.retry;
  if (!r) return 0;
  return Math.min(LIMITS.backoffMs, r.backoff === 'fixed' ? r.backoffMs : r.backoffMs * 2 ** (attempt - 1));
}

function describe(step: StepDefinition): string {
  return step.type === 'plugin_action' ? `plugin_action ${step.action}` : step.type;
}

/** The output as the log stores it: plain JSON, not too large; anything else fails the step readably. */
function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new PermanentStepError(`returned data that cannot be stored as JSON: ${(e as Error).message}`);
  }
  if (text === undefined) throw new PermanentStepError(`returned ${typeof value}, which cannot be stored as JSON`);
  if (text.length > MAX_OUTPUT_CHARS) throw new PermanentStepError(`returned ${text.length} characters of data, over the ${MAX_OUTPUT_CHARS} a step may keep`);
  return JSON.parse(text);
}

