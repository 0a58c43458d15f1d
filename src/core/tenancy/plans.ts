export type PlanId = 'free' | 'starter' | 'professional' | 'enterprise';

export const PLAN_IDS: readonly PlanId[] = ['free', 'starter', 'professional', 'enterprise'];

/** API requests per minute per tenant, by plan. Billing owns the full plan table; the gateway needs only this. */
export const PLAN_RATE_LIMITS: Readonly<Record<PlanId, number>> = {
  free: 60,
  starter: 300,
  professional: 1000,
  enterprise: 5000,
};
