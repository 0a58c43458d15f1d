import type { StepDefinition, StepType } from '../definition';

/** What a step handler knows of the run it serves. */
export interface StepContext {
  tenantId: string;
  executionId: string;
  workflowId: string;
  /** the step's place in the execution (its id, or loop[i].id) */
  key: string;
  /** test mode: writes to platforms, e-mails and alerts are recorded instead of made */
  test: boolean;
  /** aborted when the step times out */
  signal: AbortSignal;
}

/**
 * One step type's effect. The runner renders the step's templated fields into `input` (which the
 * log keeps, secrets masked), then calls run; what run returns is the step's output.
 */
export interface StepHandler<S extends StepDefinition = StepDefinition> {
  readonly type: StepType;
  input(step: S, render: (value: unknown) => unknown): Record<string, unknown>;
  run(input: Record<string, unknown>, step: S, ctx: StepContext): Promise<unknown>;
}

/** A failure another attempt cannot fix (a bad input, an unknown action, malformed output): not retried. */
export class PermanentStepError extends Error {}

/** The handlers' injection token (an array of StepHandler). */
export const STEP_HANDLERS = Symbol('STEP_HANDLERS');

/** Reads a rendered field that must be a non-empty string. */
export function textField(input: Record<string, unknown>, field: string): string {
  const v = input[field];
  if (typeof v === 'string' && v.length) return v;
  if (typeof v === 'number') return String(v);
  throw new PermanentStepError(`${field} rendered to ${v === undefined || v === null || v === '' ? 'nothing' : typeof v}, expected text`);
}
