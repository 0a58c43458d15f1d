import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Every billing webhook event received, by Stripe's event id: the primary key makes processing
 * idempotent (a redelivery finds its row processed). Not tenant-owned: an event is matched to a
 * tenant only once it is read, and some match none.
 */
@Entity('billing_events')
export class BillingEvent {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  type: string;

  /** the event's `created` */
  @Column('timestamptz', { name: 'stripe_created_at' })
  stripeCreatedAt: Date;

  @Column('uuid', { name: 'tenant_id', nullable: true })
  tenantId: string | null;

  @Column('timestamptz', { name: 'received_at', default: () => 'now()' })
  receivedAt: Date;

  @Column('timestamptz', { name: 'processed_at', nullable: true })
  processedAt: Date | null;

  /** applied | refetched | ignored | notified */
  @Column('text', { nullable: true })
  outcome: string | null;
}
