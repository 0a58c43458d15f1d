import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { TenantOwnedEntity, type PlanId } from '../core/tenancy';

export type BillingInterval = 'month' | 'year';
export const BILLING_INTERVALS: readonly BillingInterval[] = ['month', 'year'];

/** Stripe's subscription statuses, as the account mirrors them. */
export type SubscriptionStatus = 'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'canceled' | 'unpaid' | 'paused';

/**
 * A tenant's side of billing: its customer at the payment provider and the subscription state as
 * Stripe last reported it. The tenant's plan (tenants.plan) is derived from this and written by billing.
 */
@Entity('billing_accounts')
export class BillingAccount extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'customer_id', nullable: true })
  customerId: string | null;

  @Column('text', { name: 'subscription_id', nullable: true })
  subscriptionId: string | null;

  @Column('text', { name: 'subscription_status', nullable: true })
  subscriptionStatus: SubscriptionStatus | null;

  /** the plan the subscription pays for now (during a scheduled downgrade: the higher one, until the period ends) */
  @Column('text', { name: 'subscription_plan', nullable: true })
  subscriptionPlan: PlanId | null;

  @Column('text', { name: 'billing_interval', nullable: true })
  interval: BillingInterval | null;

  /** a downgrade that takes effect when the current period ends */
  @Column('text', { name: 'scheduled_plan', nullable: true })
  scheduledPlan: PlanId | null;

  @Column('timestamptz', { name: 'current_period_start', nullable: true })
  currentPeriodStart: Date | null;

  @Column('timestamptz', { name: 'current_period_end', nullable: true })
  currentPeriodEnd: Date | null;

  @Column('boolean', { name: 'cancel_at_period_end', default: false })
  cancelAtPeriodEnd: boolean;

  @Column('timestamptz', { name: 'trial_end', nullable: true })
  trialEnd: Date | null;

  /** when the subscription was first seen past due in this stretch; cleared when it is paid */
  @Column('timestamptz', { name: 'past_due_since', nullable: true })
  pastDueSince: Date | null;

  @Column('timestamptz', { name: 'grace_ends_at', nullable: true })
  graceEndsAt: Date | null;

  /**
   * Stripe's time of the newest subscription state applied (an event's `created`, or the Date of a
   * fetch): an event not newer than this is out of order, and the subscription is fetched instead.
   */
  @Column('timestamptz', { name: 'state_at', nullable: true })
  stateAt: Date | null;

  /** the plan whose limits were last enforced (pausing or resuming work); differs from tenants.plan until that is done */
  @Column('text', { name: 'enforced_plan', nullable: true })
  enforcedPlan: PlanId | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
