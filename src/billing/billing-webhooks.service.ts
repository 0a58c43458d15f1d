import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { DataSource, type EntityManager } from 'typeorm';
import { EventBus } from '../core/events';
import { RequestContext } from '../core/tenancy';
import { BillingAccount } from './billing-account.entity';
import { BillingAccounts, billingPrincipal, type PlanDecision } from './billing-accounts.service';
import { BillingGateway } from './billing-gateway';
import type { SubscriptionLike } from './billing-state';

export type WebhookOutcome = 'applied' | 'refetched' | 'ignored' | 'duplicate';

/** Something to say once the event's transaction has committed (an internal event for monitoring). */
type Announcement = (account: BillingAccount) => void;

const SUBSCRIPTION_EVENTS = new Set(['customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'customer.subscription.trial_will_end']);

const idOf = (v: string | { id: string } | null | undefined): string | null => (typeof v === 'string' ? v : (v?.id ?? null));

/**
 * Stripe's billing webhooks: verified with the SDK over the raw body, recorded by event id (a
 * redelivery changes nothing), and applied so that order does not matter. A subscription event
 * newer than the state we hold is applied as sent; one that is not (out of order, or from the same
 * second) makes us fetch the subscription instead. Checkout and invoice events always fetch it:
 * their payload does not carry the subscription's state.
 */
@Injectable()
export class BillingWebhooks {
  private readonly log = new Logger(BillingWebhooks.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    private readonly gateway: BillingGateway,
    private readonly accounts: BillingAccounts,
    private readonly events: EventBus,
  ) {}

  /** Verifies and processes one delivery; a bad signature is a 400 and changes nothing. */
  async receive(rawBody: Buffer | undefined, signature: string | undefined): Promise<{ received: true; id: string; outcome: WebhookOutcome }> {
    const secret = this.gateway.webhookSecret();
    let event: Stripe.Event;
    try {
      event = this.gateway.client().webhooks.constructEvent(rawBody ?? Buffer.alloc(0), signature ?? '', secret);
    } catch (e) {
      throw new BadRequestException(`billing webhook refused: ${(e as Error).message}`);
    }
    return { received: true, id: event.id, outcome: await this.process(event) };
  }

  async process(event: Stripe.Event): Promise<WebhookOutcome> {
    const object = event.data.object as { customer?: string | { id: string } | null };
    const tenantId = await this.accounts.tenantOfCustomer(idOf(object.customer));
    const announcements: Announcement[] = [];
    const done = await this.dataSource.transaction(async (m) => {
      await m.query(
        'INSERT INTO billing_events (id, type, stripe_created_at, tenant_id) VALUES ($1, $2, to_timestamp($3), $4) ON CONFLICT (id) DO NOTHING',
        [event.id, event.type, event.created, tenantId],
      );
      // a concurrent delivery of the same event waits here until the first one commits, then sees it processed
      const [row] = await m.query<{ processed_at: Date | null }[]>('SELECT processed_at FROM billing_events WHERE id = $1 FOR UPDATE', [event.id]);
      if (row.processed_at) return { outcome: 'duplicate' as const, decision: null };
      const result = tenantId
        ? await this.context.runAsTenant(billingPrincipal(tenantId), () => this.apply(m, event, announcements))
        : { outcome: 'ignored' as const, decision: null };
      await m.query('UPDATE billing_events SET processed_at = now(), outcome = $2 WHERE id = $1', [event.id, result.outcome]);
      return result;
    });
    if (tenantId && done.outcome !== 'duplicate') {
      await this.context.runAsTenant(billingPrincipal(tenantId), async () => {
        await this.accounts.settle(done.decision);
        const account = await this.accounts.get();
        for (const say of announcements) say(account);
      });
    }
    this.log.debug(`billing event ${event.id} (${event.type}): ${done.outcome}`);
    return done.outcome;
  }

  private async apply(m: EntityManager, event: Stripe.Event, announce: Announcement[]): Promise<{ outcome: WebhookOutcome; decision: PlanDecision | null }> {
    const account = await this.accounts.lock(m);
    let outcome: WebhookOutcome = 'ignored';
    if (SUBSCRIPTION_EVENTS.has(event.type)) {
      const sub = event.data.object as unknown as SubscriptionLike;
      const created = new Date(event.created * 1000);
      if (!account.stateAt || created > account.stateAt) outcome = (await this.accounts.apply(m, account, sub, created)) ? 'applied' : 'ignored';
      else outcome = await this.refetch(m, account, sub.id);
      if (event.type === 'customer.subscription.trial_will_end') {
        announce.push((a) => this.events.emit('billing.trial_will_end', a.tenantId, { subscriptionId: sub.id, trialEnd: a.trialEnd, plan: a.subscriptionPlan }));
      }
    } else if (event.type === 'checkout.session.completed') {
      const session = event.data.object as Stripe.Checkout.Session;
      const subscriptionId = session.mode === 'subscription' ? idOf(session.subscription) : null;
      if (subscriptionId) outcome = await this.refetch(m, account, subscriptionId);
    } else if (event.type === 'invoice.paid' || event.type === 'invoice.payment_failed') {
      const invoice = event.data.object as Stripe.Invoice & { subscription?: string | { id: string } | null };
      const subscriptionId = idOf(invoice.parent?.subscription_details?.subscription) ?? idOf(invoice.subscription);
      if (subscriptionId) outcome = await this.refetch(m, account, subscriptionId);
      if (event.type === 'invoice.payment_failed') {
        announce.push((a) => this.events.emit('billing.payment_failed', a.tenantId, {
          invoiceId: invoice.id, subscriptionId, amountDue: invoice.amount_due, currency: invoice.currency, attemptCount: invoice.attempt_count,
          plan: a.subscriptionPlan, subscriptionStatus: a.subscriptionStatus, graceEndsAt: a.graceEndsAt,
        }));
      }
    }
    return { outcome, decision: outcome === 'ignored' ? null : await this.accounts.decide(m, account) };
  }

  private async refetch(m: EntityManager, account: BillingAccount, subscriptionId: string): Promise<WebhookOutcome> {
    const { sub, at } = await this.accounts.fetch(subscriptionId);
    return (await this.accounts.apply(m, account, sub, at)) ? 'refetched' : 'ignored';
  }
}
