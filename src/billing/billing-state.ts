import { PLAN_IDS, type PlanId } from '../core/tenancy';
import type { BillingAccount, BillingInterval, SubscriptionStatus } from './billing-account.entity';

/**
 * Pure rules of billing state: which plan a subscription entitles, and what a tenant is on. Kept
 * apart from the services so they can be read (and tested) on their own.
 */

/** A scheduled downgrade rides on the subscription's metadata: the plan paid for, until the period it was paid for ends. */
export const PAID_PLAN_KEY = 'plugboard_paid_plan';
export const PAID_THROUGH_KEY = 'plugboard_paid_through';

/** Prices are found by lookup key, so `sync-plans` can run again without making duplicates. */
export function lookupKey(plan: PlanId, interval: BillingInterval): string {
  return `plugboard_${plan}_${interval}`;
}

export function parseLookupKey(key: string | null | undefined): { plan: PlanId; interval: BillingInterval } | null {
  const m = /^plugboard_(free|starter|professional|enterprise)_(month|year)$/.exec(key ?? '');
  return m ? { plan: m[1] as PlanId, interval: m[2] as BillingInterval } : null;
}

/** The fields read from a Stripe subscription. Periods sit on items since API 2025-03, on the subscription before. */
export interface SubscriptionLike {
  id: string;
  status: string;
  customer: string | { id: string };
  cancel_at_period_end: boolean;
  trial_end?: number | null;
  metadata?: Record<string, string> | null;
  current_period_start?: number;
  current_period_end?: number;
  items: { data: { price: { lookup_key?: string | null }; current_period_start?: number; current_period_end?: number }[] };
}

export interface SubscriptionState {
  id: string;
  customerId: string;
  status: SubscriptionStatus;
  /** what the subscription entitles now; null when its price is not one of Plugboard's */
  plan: PlanId | null;
  interval: BillingInterval | null;
  /** a downgrade waiting for the period's end */
  scheduledPlan: PlanId | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  trialEnd: Date | null;
}

const asPlan = (v: string | undefined): PlanId | null => (PLAN_IDS.includes(v as PlanId) ? (v as PlanId) : null);

const at = (s: number | null | undefined): Date | null => (typeof s === 'number' ? new Date(s * 1000) : null);

export function readSubscription(sub: SubscriptionLike): SubscriptionState {
  const item = sub.items.data[0];
  const priced = parseLookupKey(item?.price.lookup_key);
  const periodStart = item?.current_period_start ?? sub.current_period_start;
  const periodEnd = item?.current_period_end ?? sub.current_period_end;
  // a downgrade priced in already, while the period that was paid at the higher price lasts
  const paidPlan = asPlan(sub.metadata?.[PAID_PLAN_KEY]);
  const paidThrough = Number(sub.metadata?.[PAID_THROUGH_KEY] ?? 0);
  const downgrading = Boolean(paidPlan && priced && periodStart !== undefined && periodStart < paidThrough && paidPlan !== priced.plan);
  return {
    id: sub.id,
    customerId: typeof sub.customer === 'string' ? sub.customer : sub.customer.id,
    status: sub.status as SubscriptionStatus,
    plan: downgrading ? paidPlan! : (priced?.plan ?? null),
    interval: priced?.interval ?? null,
    scheduledPlan: downgrading ? priced!.plan : null,
    periodStart: at(periodStart),
    periodEnd: at(periodEnd),
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    trialEnd: at(sub.trial_end),
  };
}

const ENTITLING: ReadonlySet<string> = new Set(['active', 'trialing']);
const DUNNING: ReadonlySet<string> = new Set(['past_due', 'unpaid']);

/** A subscription that still runs (paid, in trial, or being dunned). */
export function isLive(status: string | null): boolean {
  return status !== null && (ENTITLING.has(status) || DUNNING.has(status));
}

export function isDunning(status: string | null): boolean {
  return status !== null && DUNNING.has(status);
}

/**
 * The plan a tenant is on by its billing account; null when billing does not manage it (it never
 * subscribed: the plan an operator stored stands). Past due keeps the plan until the grace period ends.
 */
export function effectivePlan(a: Pick<BillingAccount, 'subscriptionId' | 'subscriptionStatus' | 'subscriptionPlan' | 'graceEndsAt'>, now: Date): PlanId | null {
  if (!a.subscriptionId) return null;
  const paid = a.subscriptionPlan ?? 'free';
  if (a.subscriptionStatus && ENTITLING.has(a.subscriptionStatus)) return paid;
  if (isDunning(a.subscriptionStatus)) return a.graceEndsAt && now.getTime() >= a.graceEndsAt.getTime() ? 'free' : paid;
  return 'free';
}

/** Usage is counted per billing period: the subscription's, or the calendar month (UTC) without one. */
export function usagePeriodStart(a: Pick<BillingAccount, 'subscriptionStatus' | 'currentPeriodStart'> | null, now: Date): Date {
  if (a?.currentPeriodStart && isLive(a.subscriptionStatus) && a.currentPeriodStart.getTime() <= now.getTime()) return a.currentPeriodStart;
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}
