import { z } from 'zod';
import { UNIFIED_MODELS } from '../../core/plugin-sdk';

/** Plugboard's own events a workflow may start on (the `event` trigger). */
export const PLATFORM_EVENTS = [
  'sync.completed', 'sync.failed', 'connection.needs_reauth', 'connection.deleted', 'alert.fired',
  'billing.payment_failed', 'billing.plan_changed', 'workflow.execution_failed',
  'upstream.circuit_opened', 'upstream.circuit_half_opened', 'upstream.circuit_closed',
] as const;

export const TRIGGER_TYPES = ['webhook', 'schedule', 'api', 'manual', 'event', 'data_change'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export const STEP_TYPES = ['http_request', 'plugin_action', 'sync', 'publish', 'send_email', 'notify', 'condition', 'loop', 'delay', 'transform'] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** Steps that act on the world: each attempt is logged before it starts, so a crash mid-step is seen. */
export const EFFECT_STEPS: ReadonlySet<StepType> = new Set(['http_request', 'plugin_action', 'sync', 'publish', 'send_email', 'notify']);

export const LIMITS = { steps: 100, timeoutMs: 24 * 3600_000, defaultTimeoutMs: 3600_000, stepTimeoutMs: 15 * 60_000, defaultStepTimeoutMs: 30_000, backoffMs: 30_000, loopConcurrency: 20, loopItems: 100_000 };

const STEP_ID = /^[a-z][a-z0-9_]{0,62}$/;
const stepRefs = z.array(z.string().regex(STEP_ID, 'a step id')).max(LIMITS.steps);
const text = (max = 10_000) => z.string().min(1).max(max);
/** A value whose strings may hold {{ templates }}, rendered against the trigger and earlier steps. */
const templated = z.unknown();
const filter = text(2000).optional().describe('an expression over the trigger payload; the workflow starts only when it is truthy');

const webhookTrigger = z.strictObject({
  type: z.literal('webhook'),
  /** `<plugin>.<event type>` as the webhook receiver emits it, e.g. `stripe.invoice.paid`; omit for a generic inbound URL */
  event: z.string().regex(/^[a-z0-9_-]+\.[A-Za-z0-9_.:-]+$/, 'must be <plugin>.<event type>, e.g. stripe.invoice.paid').optional(),
  connectionId: z.uuid().optional(),
  filter,
});
const scheduleTrigger = z.strictObject({
  type: z.literal('schedule'),
  cron: text(200),
  timezone: text(100).default('UTC'),
});
const eventTrigger = z.strictObject({ type: z.literal('event'), event: z.enum(PLATFORM_EVENTS), filter });
const dataChangeTrigger = z.strictObject({
  type: z.literal('data_change'),
  model: z.enum(UNIFIED_MODELS),
  ops: z.array(z.enum(['added', 'updated', 'deleted'])).min(1).default(['added', 'updated', 'deleted']),
  connectionId: z.uuid().optional(),
  filter,
});

export const triggerSchema = z.discriminatedUnion('type', [
  webhookTrigger, scheduleTrigger, eventTrigger, dataChangeTrigger,
  z.strictObject({ type: z.literal('api') }),
  z.strictObject({ type: z.literal('manual') }),
]);
export type TriggerDefinition = z.infer<typeof triggerSchema>;

const retrySchema = z.strictObject({
  attempts: z.number().int().min(1).max(10),
  backoffMs: z.number().int().min(0).max(LIMITS.backoffMs).default(1000),
  backoff: z.enum(['fixed', 'exponential']).default('exponential'),
});

const base = {
  id: z.string().regex(STEP_ID, 'must be lower_snake_case, starting with a letter (at most 63 characters)'),
  name: text(200).optional(),
  retry: retrySchema.optional(),
  timeoutMs: z.number().int().min(1).max(LIMITS.stepTimeoutMs).optional(),
  /** after the last attempt fails: stop the execution (fail), go on (continue), or run these steps and go on */
  onError: z.union([z.enum(['fail', 'continue']), z.strictObject({ steps: stepRefs.min(1) })]).default('fail'),
};

const httpRequestStep = z.strictObject({
  ...base,
  type: z.literal('http_request'),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  url: text(4000),
  headers: z.record(z.string().min(1).max(200), z.string().max(8000)).optional(),
  query: z.record(z.string().min(1).max(200), templated).optional(),
  body: templated.optional(),
});
const pluginActionStep = z.strictObject({
  ...base,
  type: z.literal('plugin_action'),
  action: z.string().regex(/^[a-z0-9_-]+\.[a-z][a-z0-9_]*$/, 'must be <plugin>.<action>, e.g. hubspot.update_deal'),
  connectionId: text(200),
  input: z.record(z.string(), templated).default({}),
});
const syncStep = z.strictObject({
  ...base,
  type: z.literal('sync'),
  connectionId: text(200),
  entity: text(100),
  mode: z.enum(['full', 'incremental']).default('incremental'),
});
const publishStep = z.strictObject({
  ...base,
  type: z.literal('publish'),
  content: templated,
  platforms: z.array(text(200)).min(1).max(20),
  contentType: z.enum(['post', 'article', 'video', 'episode']).default('post'),
  media: templated.optional(),
  metadata: templated.optional(),
  /** per plugin name, what its publisher's options take (a Slack channel, a thread) */
  options: z.record(z.string(), templated).optional(),
  scheduleAt: text(200).optional(),
});
const address = z.union([text(1000), z.array(text(1000)).min(1).max(50)]);
const sendEmailStep = z.strictObject({
  ...base,
  type: z.literal('send_email'),
  to: address,
  cc: address.optional(),
  bcc: address.optional(),
  replyTo: text(1000).optional(),
  subject: text(1000),
  text: text(100_000).optional(),
  html: text(200_000).optional(),
}).refine((s) => s.text !== undefined || s.html !== undefined, { message: 'give text or html', path: ['text'] });
const notifyStep = z.strictObject({
  ...base,
  type: z.literal('notify'),
  channel: text(200).optional(),
  severity: z.enum(['info', 'warning', 'error', 'critical']).default('info'),
  title: text(1000),
  message: text(10_000),
});
const conditionStep = z.strictObject({
  ...base,
  type: z.literal('condition'),
  if: text(2000),
  then: stepRefs.default([]),
  else: stepRefs.default([]),
});
const loopStep = z.strictObject({
  ...base,
  type: z.literal('loop'),
  /** an expression giving an array (earlier output, trigger payload) */
  items: text(2000).optional(),
  /** or the synced records of a unified model, read page by page */
  records: z.strictObject({ model: z.enum(UNIFIED_MODELS), connectionId: z.uuid().optional() }).optional(),
  steps: stepRefs.min(1),
  concurrency: z.number().int().min(1).max(LIMITS.loopConcurrency).default(1),
}).refine((s) => (s.items === undefined) !== (s.records === undefined), { message: 'give exactly one of items and records', path: ['items'] });
const delayStep = z.strictObject({
  ...base,
  type: z.literal('delay'),
  ms: z.number().int().min(0).max(LIMITS.timeoutMs).optional(),
  /** a template giving an ISO time */
  until: text(500).optional(),
}).refine((s) => (s.ms === undefined) !== (s.until === undefined), { message: 'give exactly one of ms and until', path: ['ms'] });
const transformStep = z.strictObject({
  ...base,
  type: z.literal('transform'),
  set: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name'), templated),
});

/** One schema per step type, so an error names the fields of the type the step says it is. */
export const STEP_SCHEMAS = {
  http_request: httpRequestStep, plugin_action: pluginActionStep, sync: syncStep, publish: publishStep, send_email: sendEmailStep,
  notify: notifyStep, condition: conditionStep, loop: loopStep, delay: delayStep, transform: transformStep,
} satisfies Record<StepType, z.ZodType>;
export type StepDefinition = z.infer<(typeof STEP_SCHEMAS)[StepType]>;
export type StepOf<T extends StepType> = Extract<StepDefinition, { type: T }>;

export const definitionSchema = z.strictObject({
  name: text(200),
  description: text(2000).optional(),
  trigger: triggerSchema,
  steps: z.array(z.unknown()).min(1).max(LIMITS.steps),
  timeoutMs: z.number().int().min(1000).max(LIMITS.timeoutMs).default(LIMITS.defaultTimeoutMs),
});

export interface WorkflowDefinition extends Omit<z.infer<typeof definitionSchema>, 'steps'> {
  steps: StepDefinition[];
}
