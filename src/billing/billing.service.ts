import { ConflictException, Inject, Injectable, ServiceUnavailableException, UnprocessableEntityException } from '@nestjs/common';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../core/config';
import { RequestContext, Tenant, type PlanId } from '../core/tenancy';
import { BillingAccount, type BillingInterval } from './billing-account.entity';
import { BillingAccounts, responseTime } from './billing-accounts.service';
import { BillingGateway } from './billing-gateway';
import { isDunning, isLive, lookupKey, PAID_PLAN_KEY, PAID_THROUGH_KEY, readSubscription, type SubscriptionLike } from './billing-state';
import type { BillingPlan } from './billing-plan.entity';
import { PlanCatalog } from './plan-catalog.service';

export interface SubscriptionView {
  /** the plan the tenant is on now (what its limits follow) */
  plan: PlanId;
  subscription: {
    id: string;
    status: string;
    plan: PlanId | null;
    interval: BillingInterval | null;
    currentPeriodStart: Date | null;
    currentPeriodEnd: Date | null;
    cancelAtPeriodEnd: boolean;
    trialEnd: Date | null;
    /** a downgrade that applies when the period ends */
    scheduledChange: { plan: PlanId; at: Date | null } | null;
    pastDueSince: Date | null;
    graceEndsAt: Date | null;
  } | null;
}

export interface InvoiceView {
  id: string;
  number: string | null;
  status: string | null;
  currency: string;
  amountDue: number;
  amountPaid: number;
  created: Date;
  periodStart: Date;
  periodEnd: Date;
  hostedInvoiceUrl: string | null;
  pdfUrl: string | null;
}

export type PlanChange = 'upgraded' | 'downgrade_scheduled' | 'downgrade_cancelled';

const at = (s: number): Date => new Date(s * 1000);

/**
 * The tenant's side of the subscription lifecycle: checkout, the billing portal, plan changes
 * (an upgrade now, prorated; a downgrade when the paid period ends), cancel and reactivate,
 * invoices. Stripe's answer to a change is applied at once, through the same path as its events.
 */
@Injectable()
export class BillingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    private readonly gateway: BillingGateway,
    private readonly accounts: BillingAccounts,
    private readonly catalog: PlanCatalog,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {}

  async checkout(input: { plan: PlanId; interval: BillingInterval; successUrl?: string; cancelUrl?: string }): Promise<{ id: string; url: string; expiresAt: Date }> {
    this.gateway.client();
    const plan = await this.paidPlan(input.plan);
    const account = await this.accounts.get();
    if (account.subscriptionId && isLive(account.subscriptionStatus)) {
      throw new ConflictException(`this tenant already has a subscription (${account.subscriptionPlan}, ${account.subscriptionStatus}): change its plan with POST /api/v1/billing/subscription`);
    }
    const customer = await this.accounts.customerId();
    const price = await this.price(plan.id, input.interval);
    const tenantId = this.context.tenantId;
    // a trial only for a tenant's first subscription
    const trial = !account.subscriptionId && this.config.BILLING_TRIAL_DAYS > 0 ? { trial_period_days: this.config.BILLING_TRIAL_DAYS } : {};
    const base = this.config.PUBLIC_URL.replace(/\/+$/, '');
    const session = await this.gateway.call('starting checkout', (s) => s.checkout.sessions.create({
      mode: 'subscription',
      customer,
      client_reference_id: tenantId,
      line_items: [{ price: price.id, quantity: 1 }],
      subscription_data: { metadata: { tenant_id: tenantId }, ...trial },
      metadata: { tenant_id: tenantId, plan: plan.id, interval: input.interval },
      success_url: input.successUrl ?? `${base}/?billing=success`,
      cancel_url: input.cancelUrl ?? `${base}/?billing=cancelled`,
    }));
    return { id: session.id, url: session.url!, expiresAt: at(session.expires_at) };
  }

  async portal(returnUrl?: string): Promise<{ url: string }> {
    this.gateway.client();
    const customer = await this.accounts.customerId();
    const session = await this.gateway.call('opening the billing portal', (s) => s.billingPortal.sessions.create({
      customer, return_url: returnUrl ?? `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/`,
    }));
    return { url: session.url };
  }

  async subscription(): Promise<SubscriptionView> {
    this.gateway.client();
    return this.view(await this.accounts.get());
  }

  /** An upgrade applies now and is invoiced prorated; a downgrade keeps the paid plan until the period ends. */
  async change(input: { plan: PlanId; interval?: BillingInterval }): Promise<SubscriptionView & { change: PlanChange }> {
    const account = await this.live();
    const target = await this.paidPlan(input.plan);
    const { sub } = await this.accounts.fetch(account.subscriptionId!);
    const now = readSubscription(sub);
    const item = sub.items.data[0] as { id?: string };
    const interval = input.interval ?? now.interval ?? 'month';
    const current = await this.catalog.get(now.plan ?? 'free');
    const price = await this.price(target.id, interval);
    let params: Stripe.SubscriptionUpdateParams;
    let change: PlanChange;
    if (now.scheduledPlan && target.id === now.plan && interval === now.interval) {
      // back to the plan still paid for: the scheduled downgrade is dropped, nothing to charge
      params = { items: [{ id: item.id, price: price.id }], proration_behavior: 'none', metadata: { [PAID_PLAN_KEY]: '', [PAID_THROUGH_KEY]: '' } };
      change = 'downgrade_cancelled';
    } else if (target.id === (now.scheduledPlan ?? now.plan) && interval === now.interval) {
      throw new ConflictException(`the subscription is already on ${target.name} (${interval}ly)`);
    } else if (target.rank > current.rank || (target.rank === current.rank && interval !== now.interval)) {
      params = { items: [{ id: item.id, price: price.id }], proration_behavior: 'always_invoice', cancel_at_period_end: false, metadata: { [PAID_PLAN_KEY]: '', [PAID_THROUGH_KEY]: '' } };
      change = 'upgraded';
    } else {
      const paidThrough = Math.floor((now.periodEnd?.getTime() ?? Date.now()) / 1000);
      params = { items: [{ id: item.id, price: price.id }], proration_behavior: 'none', metadata: { [PAID_PLAN_KEY]: current.id, [PAID_THROUGH_KEY]: String(paidThrough) } };
      change = 'downgrade_scheduled';
    }
    const updated = await this.gateway.call('changing the plan', (s) => s.subscriptions.update(account.subscriptionId!, params));
    return { ...(await this.applyAnswer(updated)), change };
  }

  /** Cancels at the end of the paid period (the plan stays until then). */
  async cancel(): Promise<SubscriptionView> {
    const account = await this.live();
    return this.applyAnswer(await this.gateway.call('cancelling', (s) => s.subscriptions.update(account.subscriptionId!, { cancel_at_period_end: true })));
  }

  /** Undoes a cancellation, or pays the overdue invoice of a subscription in dunning (the card may have been fixed in the portal). */
  async reactivate(): Promise<SubscriptionView> {
    this.gateway.client();
    const account = await this.accounts.get();
    if (!account.subscriptionId || !isLive(account.subscriptionStatus)) {
      throw new ConflictException('there is no running subscription to reactivate: start one with POST /api/v1/billing/checkout');
    }
    const id = account.subscriptionId;
    if (isDunning(account.subscriptionStatus)) {
      const open = await this.gateway.call('finding the overdue invoice', (s) => s.invoices.list({ subscription: id, status: 'open', limit: 1 }));
      if (open.data[0]) await this.gateway.call('paying the overdue invoice', (s) => s.invoices.pay(open.data[0].id!));
      const { sub, at: when } = await this.accounts.fetch(id);
      return this.apply(sub, when);
    }
    if (!account.cancelAtPeriodEnd) throw new ConflictException('the subscription is active and not cancelled: nothing to reactivate');
    return this.applyAnswer(await this.gateway.call('reactivating', (s) => s.subscriptions.update(id, { cancel_at_period_end: false })));
  }

  async invoices(opts: { limit: number; startingAfter?: string }): Promise<{ data: InvoiceView[]; nextCursor: string | null }> {
    this.gateway.client();
    const account = await this.accounts.get();
    if (!account.customerId) return { data: [], nextCursor: null };
    const page = await this.gateway.call('listing invoices', (s) => s.invoices.list({
      customer: account.customerId!, limit: opts.limit, ...(opts.startingAfter ? { starting_after: opts.startingAfter } : {}),
    }));
    const data = page.data.map((i): InvoiceView => ({
      id: i.id!, number: i.number, status: i.status, currency: i.currency, amountDue: i.amount_due, amountPaid: i.amount_paid,
      created: at(i.created), periodStart: at(i.period_start), periodEnd: at(i.period_end), hostedInvoiceUrl: i.hosted_invoice_url ?? null, pdfUrl: i.invoice_pdf ?? null,
    }));
    return { data, nextCursor: page.has_more ? data[data.length - 1].id : null };
  }

  private async view(a: BillingAccount): Promise<SubscriptionView> {
    const stored = await this.dataSource.manager.findOneByOrFail(Tenant, { id: a.tenantId });
    return {
      plan: stored.plan,
      subscription: a.subscriptionId ? {
        id: a.subscriptionId, status: a.subscriptionStatus!, plan: a.subscriptionPlan, interval: a.interval,
        currentPeriodStart: a.currentPeriodStart, currentPeriodEnd: a.currentPeriodEnd, cancelAtPeriodEnd: a.cancelAtPeriodEnd, trialEnd: a.trialEnd,
        scheduledChange: a.scheduledPlan ? { plan: a.scheduledPlan, at: a.currentPeriodEnd } : null,
        pastDueSince: a.pastDueSince, graceEndsAt: a.graceEndsAt,
      } : null,
    };
  }

  private applyAnswer(sub: Stripe.Response<Stripe.Subscription>): Promise<SubscriptionView> {
    return this.apply(sub as unknown as SubscriptionLike, responseTime(sub.lastResponse?.headers));
  }

  /** Stripe's answer, applied like an event's, then the plan decided and settled. */
  private async apply(sub: SubscriptionLike, observedAt: Date): Promise<SubscriptionView> {
    const d = await this.dataSource.transaction(async (m) => {
      const account = await this.accounts.lock(m);
      // a newer state reached us meanwhile (an event): the answer may be stale, so ask Stripe again
      const fresh = account.stateAt && observedAt < account.stateAt ? await this.accounts.fetch(sub.id) : { sub, at: observedAt };
      await this.accounts.apply(m, account, fresh.sub, fresh.at);
      return this.accounts.decide(m, account);
    });
    await this.accounts.settle(d);
    return this.view(await this.accounts.get());
  }

  private async live(): Promise<BillingAccount> {
    this.gateway.client();
    const account = await this.accounts.get();
    if (!account.subscriptionId || !isLive(account.subscriptionStatus)) {
      throw new ConflictException('this tenant has no running subscription: start one with POST /api/v1/billing/checkout');
    }
    return account;
  }

  private async paidPlan(id: PlanId): Promise<BillingPlan> {
    const plan = await this.catalog.get(id);
    if (plan.monthlyPriceCents === 0) {
      throw new UnprocessableEntityException({ message: `${plan.name} is free: there is nothing to buy (to leave a paid plan, DELETE /api/v1/billing/subscription)`, errors: [{ field: 'plan', message: 'must be a paid plan' }] });
    }
    return plan;
  }

  /** The plan's price at Stripe, found by its lookup key. */
  private async price(plan: PlanId, interval: BillingInterval): Promise<Stripe.Price> {
    const key = lookupKey(plan, interval);
    const found = await this.gateway.call('finding the price', (s) => s.prices.list({ lookup_keys: [key], active: true, limit: 1 }));
    if (!found.data[0]) throw new ServiceUnavailableException(`the ${plan} plan's ${interval}ly price (${key}) is not set up at the payment provider: an operator must run \`plugboard billing sync-plans\``);
    return found.data[0];
  }
}
