import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../core/config';
import { EventBus } from '../core/events';
import { RequestContext, Tenant, TenantDb, TenantDirectory, User, type PlanId, type Principal } from '../core/tenancy';
import { BillingAccount } from './billing-account.entity';
import { BillingGateway } from './billing-gateway';
import { effectivePlan, isDunning, isLive, readSubscription, type SubscriptionLike } from './billing-state';
import { Entitlements, type EnforcementResult } from './entitlements.service';
import { PlanCatalog } from './plan-catalog.service';

const DAY_MS = 86_400_000;

/** A move of the tenant's plan decided inside a transaction, announced and enforced after it commits. */
export interface PlanDecision {
  tenantId: string;
  from: PlanId;
  to: PlanId;
  account: BillingAccount;
}

/** Billing's system actor inside a tenant (webhooks, the sweeper). */
export function billingPrincipal(tenantId: string): Principal {
  return { kind: 'system', tenantId, actorId: 'billing', role: 'admin', scopes: ['read', 'write'], plan: 'free', rateLimit: 0 };
}

/**
 * Tenants' billing accounts: the Stripe customer (made on first need, the tenant id in its
 * metadata), the subscription as Stripe reports it, and the tenant's plan derived from that. The plan
 * is written in the same transaction as the state that decides it; announcing the change
 * (`billing.plan_changed`) and pausing or resuming work follow the commit, and the sweeper finishes
 * that if a crash came between.
 */
@Injectable()
export class BillingAccounts {
  private readonly log = new Logger(BillingAccounts.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly db: TenantDb,
    private readonly context: RequestContext,
    private readonly gateway: BillingGateway,
    private readonly directory: TenantDirectory,
    private readonly events: EventBus,
    private readonly entitlements: Entitlements,
    private readonly catalog: PlanCatalog,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {}

  /** The current tenant's account, made empty on first need. */
  async get(): Promise<BillingAccount> {
    await this.dataSource.query('INSERT INTO billing_accounts (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING', [this.context.tenantId]);
    return (await this.db.repo(BillingAccount).findOne({}))!;
  }

  /** The current tenant's Stripe customer, created on first need. */
  async customerId(): Promise<string> {
    const account = await this.get();
    if (account.customerId) return account.customerId;
    const tenantId = this.context.tenantId;
    const tenant = await this.dataSource.manager.findOneByOrFail(Tenant, { id: tenantId });
    const owner = await this.db.repo(User).findOne({ role: 'owner' });
    // the key makes a concurrent or retried first need get the same customer back
    const customer = await this.gateway.call('creating the billing customer', (s) => s.customers.create(
      { name: tenant.name, ...(owner ? { email: owner.email } : {}), metadata: { tenant_id: tenantId, tenant_slug: tenant.slug } },
      { idempotencyKey: `plugboard-customer-${tenantId}` },
    ));
    await this.db.repo(BillingAccount).update({ id: account.id, customerId: IsNull() }, { customerId: customer.id });
    return (await this.db.repo(BillingAccount).findOne({}))!.customerId!;
  }

  /** Which tenant a Stripe customer is (webhooks arrive before any tenant is known); null for a customer not ours. */
  async tenantOfCustomer(customerId: string | null): Promise<string | null> {
    if (!customerId) return null;
    const account = await this.dataSource.manager.findOne(BillingAccount, { where: { customerId }, select: { id: true, tenantId: true } });
    return account?.tenantId ?? null;
  }

  /** The current tenant's account row, locked until the transaction of `m` ends. */
  async lock(m: EntityManager): Promise<BillingAccount> {
    await m.query('INSERT INTO billing_accounts (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING', [this.context.tenantId]);
    return (await this.db.repo(BillingAccount, m).query('a').setLock('pessimistic_write').getOne())!;
  }

  /**
   * Applies a subscription as Stripe reported it at `observedAt` to the locked account. Returns false
   * when it is not the subscription the account follows (an ended one's late event).
   */
  async apply(m: EntityManager, account: BillingAccount, sub: SubscriptionLike, observedAt: Date): Promise<boolean> {
    const s = readSubscription(sub);
    const other = account.subscriptionId !== null && account.subscriptionId !== s.id;
    if (other && isLive(account.subscriptionStatus) && !isLive(s.status)) return false;
    const pastDueSince = isDunning(s.status) ? (!other && account.pastDueSince ? account.pastDueSince : observedAt) : null;
    const patch: Partial<BillingAccount> = {
      customerId: s.customerId,
      subscriptionId: s.id,
      subscriptionStatus: s.status,
      subscriptionPlan: s.plan,
      interval: s.interval,
      scheduledPlan: s.scheduledPlan,
      currentPeriodStart: s.periodStart,
      currentPeriodEnd: s.periodEnd,
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      trialEnd: s.trialEnd,
      pastDueSince,
      graceEndsAt: pastDueSince ? new Date(pastDueSince.getTime() + this.config.BILLING_GRACE_PERIOD_DAYS * DAY_MS) : null,
      stateAt: account.stateAt && account.stateAt > observedAt ? account.stateAt : observedAt,
    };
    await this.db.repo(BillingAccount, m).update({ id: account.id }, patch);
    Object.assign(account, patch);
    return true;
  }

  /** Fetches a subscription, with Stripe's time of the answer. */
  async fetch(subscriptionId: string): Promise<{ sub: SubscriptionLike; at: Date }> {
    const sub = await this.gateway.call('reading the subscription', (s) => s.subscriptions.retrieve(subscriptionId));
    return { sub: sub as unknown as SubscriptionLike, at: responseTime(sub.lastResponse?.headers) };
  }

  /** Writes the tenant's plan where the locked account now puts it; null when it stays. */
  async decide(m: EntityManager, account: BillingAccount, now = new Date()): Promise<PlanDecision | null> {
    const to = effectivePlan(account, now);
    if (to === null) return null;
    // the locked account row already serialises billing's decisions for the tenant; a FOR UPDATE here would
    // also wait on the key-share locks that inserting rows referencing the tenant takes, and deadlock
    const tenant = await m.findOne(Tenant, { where: { id: account.tenantId } });
    if (!tenant) return null;
    if (tenant.plan !== to) await m.update(Tenant, { id: tenant.id }, { plan: to });
    return { tenantId: tenant.id, from: tenant.plan, to, account };
  }

  /** After the commit: the new plan is announced and enforced (work beyond it paused, work that fits again resumed). */
  async settle(d: PlanDecision | null): Promise<EnforcementResult | null> {
    if (!d) return null;
    if (d.from !== d.to) {
      this.directory.invalidate(d.tenantId);
      const [from, to] = [await this.catalog.get(d.from), await this.catalog.get(d.to)];
      this.events.emit('billing.plan_changed', d.tenantId, {
        from: d.from, to: d.to, direction: to.rank > from.rank ? 'upgrade' : 'downgrade', cause: cause(d),
        subscriptionId: d.account.subscriptionId, subscriptionStatus: d.account.subscriptionStatus,
      });
      this.log.log(`tenant ${d.tenantId}: plan ${d.from} -> ${d.to} (${cause(d)})`);
    }
    if (d.account.enforcedPlan === d.to) return null;
    const result = await this.entitlements.enforce(d.to, `the tenant is now on the ${(await this.catalog.get(d.to)).name} plan`);
    await this.db.repo(BillingAccount).update({ id: d.account.id }, { enforcedPlan: d.to });
    return result;
  }

  /** Re-derives the current tenant's plan (a grace period that ran out, an enforcement a crash interrupted). */
  async reconcile(now = new Date()): Promise<EnforcementResult | null> {
    const d = await this.dataSource.transaction(async (m) => this.decide(m, await this.lock(m), now));
    return this.settle(d);
  }
}

function cause(d: PlanDecision): string {
  const status = d.account.subscriptionStatus;
  if (d.to === 'free' && isDunning(status)) return 'payment_overdue';
  if (d.to === 'free') return `subscription_${status ?? 'ended'}`;
  return 'subscription_changed';
}

/** Stripe's clock at the answer (its Date header), so a fetched state and events compare on one clock. */
export function responseTime(headers: Record<string, string> | undefined): Date {
  const date = headers?.date ? new Date(headers.date) : null;
  return date && !Number.isNaN(date.getTime()) ? date : new Date();
}
