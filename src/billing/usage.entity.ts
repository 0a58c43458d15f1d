import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TenantOwnedEntity } from '../core/tenancy';

export type Meter = 'synced_records' | 'workflow_runs';
export const METERS: readonly Meter[] = ['synced_records', 'workflow_runs'];

const bigint = { from: (v: string | null) => (v === null ? null : Number(v)), to: (v: number) => v };

/** A quantity of one meter in one billing period of a tenant. */
abstract class MeteredQuantity extends TenantOwnedEntity {
  @Column('text')
  meter: Meter;

  @Column('timestamptz', { name: 'period_start' })
  periodStart: Date;

  @Column('bigint', { transformer: bigint })
  quantity: number;
}

/** How much of a meter a tenant used in one billing period, and how much of that has been reported to Stripe. */
@Entity('billing_usage')
export class UsageCounter extends MeteredQuantity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  /** quantity already put into a report (sent or about to be) */
  @Column('bigint', { transformer: bigint })
  reported: number;
}

/**
 * One batch of usage on its way to Stripe. Its id is the meter event's identifier and the request's
 * idempotency key, so sending it again after a crash cannot count it twice.
 */
@Entity('billing_usage_reports')
export class UsageReport extends MeteredQuantity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt: Date | null;
}
