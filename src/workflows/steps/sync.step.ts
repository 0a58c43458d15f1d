import { ConflictException, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncRunsService, toRunView } from '../../integrations/sync';
import type { StepOf } from '../definition';
import { PermanentStepError, textField, type StepContext, type StepHandler } from './step-handler';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * `sync`: starts a run of a connection's entity (or joins the one already active) and waits for it
 * to end, polling its row; the step's timeout bounds the wait. Test mode runs it as a dry run.
 */
@Injectable()
export class SyncStep implements StepHandler<StepOf<'sync'>> {
  readonly type = 'sync' as const;

  constructor(private readonly runs: SyncRunsService) {}

  input(step: StepOf<'sync'>, render: (v: unknown) => unknown): Record<string, unknown> {
    return { connectionId: render(step.connectionId), entity: step.entity, mode: step.mode };
  }

  async run(input: Record<string, unknown>, step: StepOf<'sync'>, ctx: StepContext): Promise<unknown> {
    let runId: string;
    try {
      runId = (await this.runs.start(textField(input, 'connectionId'), { entity: step.entity, mode: step.mode, dryRun: ctx.test })).id;
    } catch (e) {
      const active = e instanceof ConflictException ? (e.getResponse() as { runId?: string }).runId : undefined;
      if (!active) throw e;
      runId = active;
    }
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      const run = toRunView(await this.runs.get(runId));
      if (FINISHED.has(run.status)) {
        if (run.status !== 'succeeded') throw new PermanentStepError(`sync run ${run.id} of ${run.entity} ${run.status}: ${run.error ?? 'no reason given'}`);
        return { runId: run.id, status: run.status, mode: run.mode, dryRun: run.dryRun, counts: run.counts, pages: run.pages, durationMs: run.durationMs };
      }
      await sleep(wait, undefined, { signal: ctx.signal });
    }
  }
}
