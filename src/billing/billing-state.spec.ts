import { effectivePlan, lookupKey, parseLookupKey, readSubscription, usagePeriodStart, type SubscriptionLike } from './billing-state';

const T0 = 1_800_000_000;
const sub = (over: Partial<SubscriptionLike> = {}, key = 'plugboard_starter_month'): SubscriptionLike => ({
  id: 'sub_1', status: 'active', customer: 'cus_1', cancel_at_period_end: false, trial_end: null, metadata: {},
  items: { data: [{ price: { lookup_key: key }, current_period_start: T0, current_period_end: T0 + 30 * 86_400 }] },
  ...over,
});

describe('billing state', () => {
  it('names prices by plan and interval, and reads only its own lookup keys', () => {
    expect(lookupKey('professional', 'year')).toBe('plugboard_professional_year');
    expect(parseLookupKey('plugboard_professional_year')).toEqual({ plan: 'professional', interval: 'year' });
    expect(parseLookupKey('someone_elses_price')).toBeNull();
    expect(parseLookupKey(null)).toBeNull();
  });

  it('reads periods from the items (API 2025-03 on) or from the subscription (before)', () => {
    expect(readSubscription(sub()).periodStart).toEqual(new Date(T0 * 1000));
    const old = sub({ current_period_start: T0 - 10, current_period_end: T0 + 10, items: { data: [{ price: { lookup_key: 'plugboard_starter_month' } }] } });
    expect(readSubscription(old)).toMatchObject({ periodStart: new Date((T0 - 10) * 1000), periodEnd: new Date((T0 + 10) * 1000), plan: 'starter', interval: 'month' });
    expect(readSubscription(sub({ customer: { id: 'cus_2' } })).customerId).toBe('cus_2');
  });

  it('keeps the paid plan during a scheduled downgrade, until a period that starts at its end', () => {
    const meta = { plugboard_paid_plan: 'professional', plugboard_paid_through: String(T0 + 30 * 86_400) };
    expect(readSubscription(sub({ metadata: meta }))).toMatchObject({ plan: 'professional', scheduledPlan: 'starter' });
    const renewed = sub({ metadata: meta, items: { data: [{ price: { lookup_key: 'plugboard_starter_month' }, current_period_start: T0 + 30 * 86_400 }] } });
    expect(readSubscription(renewed)).toMatchObject({ plan: 'starter', scheduledPlan: null });
    expect(readSubscription(sub({ metadata: { plugboard_paid_plan: 'bogus', plugboard_paid_through: String(T0 + 99) } }))).toMatchObject({ plan: 'starter', scheduledPlan: null });
    expect(readSubscription(sub({}, 'not_ours')).plan).toBeNull();
  });

  it('puts a tenant on its subscription plan while it is paid or in trial, through the grace period, and on Free after', () => {
    const base = { subscriptionId: 'sub_1', subscriptionPlan: 'professional' as const, graceEndsAt: null };
    const now = new Date(T0 * 1000);
    expect(effectivePlan({ ...base, subscriptionId: null, subscriptionStatus: null }, now)).toBeNull();
    expect(effectivePlan({ ...base, subscriptionStatus: 'active' }, now)).toBe('professional');
    expect(effectivePlan({ ...base, subscriptionStatus: 'trialing' }, now)).toBe('professional');
    const grace = new Date(now.getTime() + 1000);
    expect(effectivePlan({ ...base, subscriptionStatus: 'past_due', graceEndsAt: grace }, now)).toBe('professional');
    expect(effectivePlan({ ...base, subscriptionStatus: 'unpaid', graceEndsAt: grace }, grace)).toBe('free');
    for (const status of ['canceled', 'incomplete', 'incomplete_expired', 'paused'] as const) expect(effectivePlan({ ...base, subscriptionStatus: status }, now)).toBe('free');
  });

  it("counts usage per subscription period, or per calendar month (UTC) without a running one", () => {
    const now = new Date('2026-11-20T10:00:00Z');
    const start = new Date('2026-11-03T08:00:00Z');
    expect(usagePeriodStart({ subscriptionStatus: 'active', currentPeriodStart: start }, now)).toEqual(start);
    expect(usagePeriodStart({ subscriptionStatus: 'canceled', currentPeriodStart: start }, now)).toEqual(new Date('2026-11-01T00:00:00Z'));
    // a renewal recorded ahead of time does not start counting early
    expect(usagePeriodStart({ subscriptionStatus: 'active', currentPeriodStart: new Date('2026-12-03T08:00:00Z') }, now)).toEqual(new Date('2026-11-01T00:00:00Z'));
    expect(usagePeriodStart(null, now)).toEqual(new Date('2026-11-01T00:00:00Z'));
  });
});
