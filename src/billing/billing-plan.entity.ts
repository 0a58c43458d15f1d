import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PlanId } from '../core/tenancy';

/** An integer limit column: null means unlimited. */
const limit = (name: string) => ({ name, type: 'integer' as const, nullable: true });

/**
 * One plan Plugboard sells: its prices and everything it entitles a tenant to. Data, not code: the
 * migration seeds the four plans; changing a row changes limits everywhere within the catalog's cache
 * time, and `plugboard billing sync-plans` carries prices to the payment provider.
 */
@Entity('billing_plans')
export class BillingPlan {
  @PrimaryColumn('text')
  id: PlanId;

  @Column('text')
  name: string;

  /** order of the plans: a move to a higher rank is an upgrade */
  @Column('integer')
  rank: number;

  @Column('text')
  currency: string;

  @Column('integer', { name: 'monthly_price_cents' })
  monthlyPriceCents: number;

  @Column('integer', { name: 'yearly_price_cents' })
  yearlyPriceCents: number;

  /** API requests per minute */
  @Column('integer', { name: 'api_rate_limit' })
  apiRateLimit: number;

  /** null: unlimited */
  @Column(limit('max_connections'))
  maxConnections: number | null;

  @Column(limit('max_active_workflows'))
  maxActiveWorkflows: number | null;

  @Column(limit('max_users'))
  maxUsers: number | null;

  /** synced records per billing period */
  @Column(limit('included_synced_records'))
  includedSyncedRecords: number | null;

  @Column('boolean', { name: 'custom_plugins' })
  customPlugins: boolean;

  @Column('boolean', { name: 'white_label' })
  whiteLabel: boolean;
}
