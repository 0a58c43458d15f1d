export type PlanId = 'free' | 'starter' | 'professional' | 'enterprise';

export const PLAN_IDS: readonly PlanId[] = ['free', 'starter', 'professional', 'enterprise'];

/** How a reason starts when a plan limit paused something: resuming touches only what was paused this way. */
export const PLAN_PAUSE_REASON = 'paused by the plan limit: ';

/** What core code limits by plan, of the things it owns. */
export type CoreLimitedResource = 'users';

/**
 * The plan questions core code asks without knowing where plans live: billing's plan table answers
 * (src/billing provides this in every process root). Injected @Optional(): a bare core, as in the
 * core's own tests, has no plans.
 */
export abstract class PlanLimits {
  /** API requests per minute the plan allows */
  abstract apiRateLimit(plan: PlanId): Promise<number>;

  /** Runs `add` when the current tenant's plan has room for one more; otherwise refuses (402, naming the limit) and runs nothing. */
  abstract withinLimit<T>(resource: CoreLimitedResource, add: () => Promise<T>): Promise<T>;
}
