import { CronExpressionParser } from 'cron-parser';
import type { z } from 'zod';
import type { FieldError } from '../../core/http';
import type { TemplateEngine } from '../engine/template-engine';
import {
  definitionSchema, LIMITS, STEP_SCHEMAS, STEP_TYPES, type StepDefinition, type StepType, type TriggerDefinition, type WorkflowDefinition,
} from './workflow-definition';

/** A validated definition with its control flow worked out: which steps run at the top and which belong to a branch or loop. */
export interface WorkflowPlan {
  definition: WorkflowDefinition;
  byId: ReadonlyMap<string, StepDefinition>;
  /** the steps that run in order at the top level (those no condition, loop or error branch names) */
  top: readonly string[];
  /** body step id -> the loop it belongs to (directly or through a branch inside the loop) */
  loopOf: ReadonlyMap<string, string>;
}

export type PlanResult = { ok: true; plan: WorkflowPlan } | { ok: false; errors: FieldError[] };

function path(parts: readonly PropertyKey[]): string {
  return parts.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

function zodErrors(error: z.ZodError, at: string, label: string): FieldError[] {
  return error.issues.map((i) => {
    const field = [at, path(i.path)].filter(Boolean).join('.').replace('.[', '[');
    return { field, message: `${label}${path(i.path) ? `${path(i.path)}: ` : ''}${i.message}` };
  });
}

/** Validates a definition (shape, then graph, then expressions and templates) and compiles its plan. */
export function compilePlan(raw: unknown, templates: TemplateEngine): PlanResult {
  const top = definitionSchema.safeParse(raw);
  if (!top.success) return { ok: false, errors: zodErrors(top.error, '', '') };
  const errors: FieldError[] = [];
  // same indices as the input; null where a step's shape is wrong, so its expressions are still checked for the others
  const steps: (StepDefinition | null)[] = [];
  top.data.steps.forEach((s, i) => {
    const at = `steps[${i}]`;
    const id = typeof (s as { id?: unknown })?.id === 'string' ? (s as { id: string }).id : null;
    const label = id ? `step "${id}": ` : `${at}: `;
    const type = (s as { type?: unknown })?.type;
    const schema: z.ZodType | undefined = typeof type === 'string' && Object.hasOwn(STEP_SCHEMAS, type) ? STEP_SCHEMAS[type as StepType] : undefined;
    if (!schema) {
      errors.push({ field: `${at}.type`, message: `${label}type must be one of ${STEP_TYPES.join(', ')}` });
      steps.push(null);
      return;
    }
    const parsed = schema.safeParse(s);
    steps.push(parsed.success ? (parsed.data as StepDefinition) : null);
    if (!parsed.success) errors.push(...zodErrors(parsed.error, at, label));
  });
  errors.push(...triggerErrors(top.data.trigger, templates), ...expressionErrors(steps, templates));
  if (errors.length) return { ok: false, errors };
  const definition: WorkflowDefinition = { ...top.data, steps: steps as StepDefinition[] };
  errors.push(...graphErrors(definition));
  if (errors.length) return { ok: false, errors };
  return { ok: true, plan: planOf(definition) };
}

/** The plan of a definition already validated (a stored version). */
export function planOf(definition: WorkflowDefinition): WorkflowPlan {
  const byId = new Map(definition.steps.map((s) => [s.id, s]));
  const owned = new Set(definition.steps.flatMap(childrenOf));
  const loopOf = new Map<string, string>();
  const mark = (loop: string, ids: readonly string[]): void => {
    for (const id of ids) {
      loopOf.set(id, loop);
      mark(loop, childrenOf(byId.get(id)!));
    }
  };
  for (const s of definition.steps) if (s.type === 'loop') mark(s.id, s.steps);
  return { definition, byId, top: definition.steps.filter((s) => !owned.has(s.id)).map((s) => s.id), loopOf };
}

/** The steps a step runs itself: a condition's branches, a loop's body, an error branch. */
export function childrenOf(s: StepDefinition): string[] {
  const branch = typeof s.onError === 'object' ? s.onError.steps : [];
  if (s.type === 'condition') return [...s.then, ...s.else, ...branch];
  if (s.type === 'loop') return [...s.steps, ...branch];
  return [...branch];
}

function triggerErrors(t: TriggerDefinition, templates: TemplateEngine): FieldError[] {
  if (t.type === 'schedule') {
    try {
      const it = CronExpressionParser.parse(t.cron, { tz: t.timezone });
      const first = it.next().getTime();
      if (it.next().getTime() - first < 1000) return [{ field: 'trigger.cron', message: 'trigger: fires more often than once a second' }];
      return [];
    } catch (e) {
      const bad = /timestamp|time ?zone|Invalid Date/i.test((e as Error).message);
      return [{ field: bad ? 'trigger.timezone' : 'trigger.cron', message: `trigger: ${bad ? `unknown time zone "${t.timezone}"` : `invalid cron expression: ${(e as Error).message}`}` }];
    }
  }
  if ('filter' in t && t.filter) {
    const problem = templates.checkExpression(t.filter);
    if (problem) return [{ field: 'trigger.filter', message: `trigger: filter: ${problem}` }];
  }
  return [];
}

function graphErrors(d: WorkflowDefinition): FieldError[] {
  const errors: FieldError[] = [];
  const index = new Map<string, number>();
  d.steps.forEach((s, i) => {
    if (index.has(s.id)) errors.push({ field: `steps[${i}].id`, message: `step "${s.id}": id used twice (also steps[${index.get(s.id)}])` });
    else index.set(s.id, i);
  });
  if (errors.length) return errors;
  const owner = new Map<string, string>();
  d.steps.forEach((s, i) => {
    for (const ref of childrenOf(s)) {
      const field = `steps[${i}]`;
      if (!index.has(ref)) errors.push({ field, message: `step "${s.id}": names step "${ref}", which does not exist` });
      else if (ref === s.id) errors.push({ field, message: `step "${s.id}": names itself` });
      else if (owner.has(ref)) errors.push({ field, message: `step "${s.id}": step "${ref}" already belongs to step "${owner.get(ref)}" (a step runs in one place)` });
      else owner.set(ref, s.id);
    }
    if (s.timeoutMs && s.timeoutMs > d.timeoutMs) errors.push({ field: `steps[${i}].timeoutMs`, message: `step "${s.id}": timeoutMs is longer than the workflow's timeoutMs (${d.timeoutMs})` });
    if (s.type === 'delay' && s.ms !== undefined && s.ms >= d.timeoutMs) errors.push({ field: `steps[${i}].ms`, message: `step "${s.id}": waits longer than the workflow's timeoutMs (${d.timeoutMs})` });
  });
  if (errors.length) return errors;
  // everything must be reachable from the top level; what is not sits in a cycle of branches
  const byId = new Map(d.steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    childrenOf(byId.get(id)!).forEach(visit);
  };
  d.steps.filter((s) => !owner.has(s.id)).forEach((s) => visit(s.id));
  d.steps.forEach((s, i) => {
    if (!seen.has(s.id)) errors.push({ field: `steps[${i}]`, message: `step "${s.id}": never runs (its branches form a cycle)` });
  });
  if (errors.length) return errors;
  const plan = planOf(d);
  d.steps.forEach((s, i) => {
    const loop = plan.loopOf.get(s.id);
    if (loop && (s.type === 'loop' || s.type === 'delay')) {
      errors.push({ field: `steps[${i}].type`, message: `step "${s.id}": a ${s.type} cannot run inside loop "${loop}"` });
    }
  });
  return errors;
}

/** The fields of each step type whose strings are templates. */
const TEMPLATED: Partial<Record<StepType, readonly string[]>> = {
  http_request: ['url', 'headers', 'query', 'body'],
  plugin_action: ['connectionId', 'input'],
  sync: ['connectionId'],
  publish: ['content', 'platforms', 'media', 'metadata', 'options', 'scheduleAt'],
  send_email: ['to', 'cc', 'bcc', 'replyTo', 'subject', 'text', 'html'],
  notify: ['channel', 'title', 'message'],
  delay: ['until'],
  transform: ['set'],
};

function expressionErrors(steps: readonly (StepDefinition | null)[], templates: TemplateEngine): FieldError[] {
  return steps.flatMap((s, i) => {
    if (!s) return [];
    const label = `step "${s.id}": `;
    const out: FieldError[] = [];
    const expression = s.type === 'condition' ? (['if', s.if] as const) : s.type === 'loop' && s.items ? (['items', s.items] as const) : null;
    if (expression) {
      const problem = templates.checkExpression(expression[1]);
      if (problem) out.push({ field: `steps[${i}].${expression[0]}`, message: `${label}${expression[0]}: ${problem}` });
    }
    for (const field of TEMPLATED[s.type] ?? []) {
      const value = (s as Record<string, unknown>)[field];
      for (const e of templates.checkTemplates(value, `steps[${i}].${field}`)) out.push({ field: e.field, message: `${label}${e.field.slice(`steps[${i}].`.length)}: ${e.message}` });
    }
    return out;
  });
}

export const DEFAULT_STEP_TIMEOUT_MS = LIMITS.defaultStepTimeoutMs;
